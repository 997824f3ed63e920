"""Loading user tables: hostile files give one clear sentence, good files load cleanly."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import pathlib
import re
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.dataset import (
    ColumnKind,
    coerce_numeric,
    detect_id_column,
    ensure_id_column,
    file_sha256,
    find_target_columns,
    image_array_columns,
    infer_column_kinds,
    list_sheets,
    load_table,
)
from app.core.errors import UserError


def one_sentence(message: str) -> str:
    """Assert the message is one plain sentence and return it lower-cased for matching."""
    assert message.endswith("."), message
    assert "\n" not in message, message
    assert not re.search(r"[.!?]\s+[A-Z]", message), message
    return message.lower()


def load_error(path: Path, **kwargs: Any) -> str:
    with pytest.raises(UserError) as info:
        load_table(path, **kwargs)
    return one_sentence(str(info.value))


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


# ---------------------------------------------------------------- hostile files


def test_missing_path(tmp_path: Path) -> None:
    assert "does not exist" in load_error(tmp_path / "nope.csv")


def test_directory(tmp_path: Path) -> None:
    (tmp_path / "folder.csv").mkdir()
    assert "folder" in load_error(tmp_path / "folder.csv")


def test_permission_denied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "secret.csv", "a\n1\n")
    path.chmod(0)
    if os.access(path, os.R_OK):  # running as root: simulate the refusal instead
        real_open = pathlib.Path.open

        def deny(self: Path, *args: Any, **kwargs: Any) -> Any:
            if self.name == "secret.csv":
                raise PermissionError(13, "Permission denied")
            return real_open(self, *args, **kwargs)

        monkeypatch.setattr(pathlib.Path, "open", deny)
    try:
        assert "permission" in load_error(path)
    finally:
        path.chmod(0o644)


@pytest.mark.parametrize("data", [b"", b"   \n\n\t  \r\n", b"\xef\xbb\xbf"])
def test_empty_file(tmp_path: Path, data: bytes) -> None:
    assert "empty" in load_error(write(tmp_path, "data.csv", data))


def test_header_only(tmp_path: Path) -> None:
    assert "no data rows" in load_error(write(tmp_path, "data.csv", "a,b,c\n"))


def test_ragged_row_reports_line(tmp_path: Path) -> None:
    message = load_error(write(tmp_path, "data.csv", "a,b,c\n1,2,3\n4,5,6,7\n8,9,10\n"))
    assert "line 3" in message
    assert "4 values" in message


def test_ragged_first_row_is_not_taken_as_an_index(tmp_path: Path) -> None:
    assert "line 2" in load_error(write(tmp_path, "data.csv", "a,b,c\n1,2,3,4\n5,6,7\n"))


def test_ragged_row_against_single_column_header(tmp_path: Path) -> None:
    message = load_error(write(tmp_path, "data.csv", "a\n1,2\n"))
    assert "2 values on line 2 but its header has 1 column;" in message


def test_only_delimiters_has_no_columns(tmp_path: Path) -> None:
    assert "no columns" in load_error(write(tmp_path, "data.csv", ",,\n,,\n"))


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX named pipes")
def test_named_pipe_is_refused_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.csv")
    assert "not a regular file" in load_error(tmp_path / "pipe.csv")


def test_unclosed_quote(tmp_path: Path) -> None:
    message = load_error(write(tmp_path, "data.csv", 'a,b\n1,x\n2,"y\n3,z\n'))
    assert "quote" in message
    assert "line 3" in message


def test_duplicate_columns(tmp_path: Path) -> None:
    message = load_error(write(tmp_path, "data.csv", "a, b ,b\n1,2,3\n"))
    assert "more than one column named 'b'" in message


def test_binary_file(tmp_path: Path) -> None:
    assert "binary" in load_error(write(tmp_path, "image.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00"))


@pytest.mark.parametrize("name", ["data.json", "data"])
def test_unknown_extension(tmp_path: Path, name: str) -> None:
    message = load_error(write(tmp_path, name, "a\n1\n"))
    assert "cannot read" in message
    assert "csv" in message


def test_corrupt_parquet(tmp_path: Path) -> None:
    assert "parquet" in load_error(write(tmp_path, "data.parquet", b"PAR1 not really"))


@pytest.mark.parametrize("data", [b"PK\x03\x04broken zip", b"a,b\n1,2\n"])
def test_corrupt_excel(tmp_path: Path, data: bytes) -> None:
    path = write(tmp_path, "data.xlsx", data)
    assert "excel" in load_error(path)
    with pytest.raises(UserError):
        list_sheets(path)


@pytest.mark.skipif(importlib.util.find_spec("xlrd") is not None, reason="xlrd installed")
def test_old_xls_without_engine(tmp_path: Path) -> None:
    assert ".xlsx" in load_error(write(tmp_path, "data.xls", b"\xd0\xcf\x11\xe0"))


def test_not_utf8_falls_back_with_a_note(tmp_path: Path) -> None:
    path = write(tmp_path, "data.csv", "name,x\nJosé,1\nZoë €,2\n".encode("cp1252"))
    df = load_table(path)
    assert df["name"].tolist() == ["José", "Zoë €"]
    (note,) = df.attrs["load_notes"]
    assert "utf-8" in one_sentence(note)
    assert "windows-1252" in note.lower()


def test_undecodable_cp1252_falls_back_to_latin1(tmp_path: Path) -> None:
    df = load_table(write(tmp_path, "data.csv", b"name,x\nA\x81B,1\n"))
    assert "latin-1" in df.attrs["load_notes"][0].lower()


def test_utf16_with_bom_and_utf8_bom(tmp_path: Path) -> None:
    df = load_table(write(tmp_path, "data.txt", "a\tb\nx\t1\n".encode("utf-16")))
    assert df.to_dict("list") == {"a": ["x"], "b": [1]}
    assert df.attrs["load_notes"] == []
    df = load_table(write(tmp_path, "bom.csv", "\ufeffid,v\n1,2\n".encode()))
    assert list(df.columns) == ["id", "v"]


# ---------------------------------------------------------------- good files


def test_missing_values_stay_missing_and_text_is_object_str(tmp_path: Path) -> None:
    path = write(tmp_path, "data.csv", " id ,x,colour,empty\n1,1.5,red,\n2,,blue,\n3,2.5,,\n")
    df = load_table(path)
    assert list(df.columns) == ["id", "x", "colour", "empty"]
    assert df["x"].dtype == np.float64 and np.isnan(df["x"][1])
    assert df["id"].dtype == np.int64
    assert df["colour"].dtype == object
    assert [type(v) for v in df["colour"][:2]] == [str, str]
    assert pd.isna(df["colour"][2])
    assert df["empty"].isna().all()
    assert df.attrs["load_notes"] == []


def test_single_class_target_and_all_missing_column(tmp_path: Path) -> None:
    path = write(tmp_path, "data.csv", "x,blank,label\n1,,yes\n2,,yes\n3,,yes\n")
    df = load_table(path)
    kinds = infer_column_kinds(df, exclude=["label"])
    assert kinds == {"x": ColumnKind.NUMERIC, "blank": ColumnKind.EMPTY}
    assert find_target_columns(df) == ["label"]


def test_large_free_text_column_is_fast_and_text(tmp_path: Path) -> None:
    n = 100_000
    frame = pd.DataFrame({"note": [f"free text number {i}" for i in range(n)], "v": np.arange(n)})
    path = tmp_path / "big.csv"
    frame.to_csv(path, index=False)
    start = time.perf_counter()
    df = load_table(path)
    kinds = infer_column_kinds(df)
    assert time.perf_counter() - start < 2.0
    assert kinds["note"] is ColumnKind.TEXT
    assert df["note"].dtype == object and isinstance(df["note"][0], str)


def test_tsv_and_sniffed_txt(tmp_path: Path) -> None:
    for name in ("data.tsv", "data.tab", "data.txt"):
        df = load_table(write(tmp_path, name, "a\tb c\n1\thello, world\n2\t\n"))
        assert list(df.columns) == ["a", "b c"], name
        assert df["b c"][0] == "hello, world" and pd.isna(df["b c"][1])


def test_semicolon_csv(tmp_path: Path) -> None:
    df = load_table(write(tmp_path, "data.csv", "a;b\n1;x\n"))
    assert df.to_dict("list") == {"a": [1], "b": ["x"]}


def test_trailing_delimiter_column_is_dropped_with_note(tmp_path: Path) -> None:
    df = load_table(write(tmp_path, "data.csv", "a,b,\n1,x,\n2,y,\n"))
    assert list(df.columns) == ["a", "b"]
    assert "no name" in one_sentence(df.attrs["load_notes"][0])


def test_parquet_round_trip(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "n": pd.array([1, None, 3], dtype="Int64"),
            "i": [1, 2, 3],
            "f": [0.5, np.nan, 1.5],
            "s": ["a", None, "c"],
            "c": pd.Categorical(["u", "v", "u"]),
            "b": [True, False, True],
        }
    )
    path = tmp_path / "data.parquet"
    frame.to_parquet(path)
    df = load_table(path)
    assert dict(df.dtypes.astype(str)) == {
        "n": "float64",
        "i": "int64",
        "f": "float64",
        "s": "object",
        "c": "object",
        "b": "bool",
    }
    assert df["s"][0] == "a" and pd.isna(df["s"][1])
    assert df["c"].tolist() == ["u", "v", "u"]
    frame.set_index("s").to_parquet(path)  # a named index comes back as a column
    assert "s" in load_table(path).columns


def write_workbook(path: Path) -> None:
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame().to_excel(writer, sheet_name="Blank")
        pd.DataFrame({"a": [1, 2], "b": ["x", None]}).to_excel(writer, sheet_name="A", index=False)
        pd.DataFrame({"z": [1.5]}).to_excel(writer, sheet_name="B", index=False)


def test_excel_first_non_empty_sheet_with_note(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    write_workbook(path)
    assert list_sheets(path) == ["Blank", "A", "B"]
    df = load_table(path)
    assert df["a"].tolist() == [1, 2] and df["a"].dtype == np.int64
    assert df["b"][0] == "x" and pd.isna(df["b"][1])
    (note,) = df.attrs["load_notes"]
    assert "sheet 'a'" in one_sentence(note) and "'b'" in note.lower()


def test_excel_sheet_selection(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    write_workbook(path)
    assert load_table(path, sheet="B")["z"].tolist() == [1.5]
    assert load_table(path, sheet=2)["z"].tolist() == [1.5]
    assert load_table(path, sheet="B").attrs["load_notes"] == []
    assert "no sheet named 'nope'" in load_error(path, sheet="Nope")
    assert "no sheet number 7" in load_error(path, sheet=7)
    assert "empty" in load_error(path, sheet="Blank")


def test_excel_mixed_column_becomes_text(tmp_path: Path) -> None:
    path = tmp_path / "mixed.xlsx"
    frame = pd.DataFrame({"code": [1, "A7", 2.0, None], 2024: [1.0, 2.0, 3.0, 4.0]})
    frame.to_excel(path, index=False)
    df = load_table(path)
    assert list(df.columns) == ["code", "2024"]
    assert df["code"].tolist()[:3] == ["1", "A7", "2"] and pd.isna(df["code"][3])
    assert df["2024"].dtype == np.int64


def test_file_sha256(tmp_path: Path) -> None:
    data = os.urandom(3 * 1024 * 1024 + 17)
    path = write(tmp_path, "blob.csv", data)
    assert file_sha256(path) == hashlib.sha256(data).hexdigest()
    with pytest.raises(UserError):
        file_sha256(tmp_path / "missing.csv")


# ---------------------------------------------------------------- ids


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        ({"x": [1, 2], "sample_id": ["a", "b"]}, "sample_id"),
        ({"x": [1, 2], "PassengerId": [7, 8]}, "PassengerId"),
        ({"patient_id": [1, 1], "x": [1, 2]}, None),  # not unique: a foreign key
        ({"Unnamed: 0": [0, 1], "x": [3, 4]}, "Unnamed: 0"),
        ({"name": ["ann", "bob"], "x": [3, 4]}, "name"),
        ({"x": [1, 2], "y": [3, 4]}, None),
        ({"key": [1.5, 2.5], "y": [3, 4]}, None),
        ({"ID": ["a", None], "y": [3, 4]}, None),
    ],
)
def test_detect_id_column(columns: dict[str, list[Any]], expected: str | None) -> None:
    assert detect_id_column(pd.DataFrame(columns)) == expected


def test_ensure_id_creates_row_id_first() -> None:
    df = pd.DataFrame({"x": [5, 6, 7]})
    out, name = ensure_id_column(df, None)
    assert name == "row_id" and list(out.columns) == ["row_id", "x"]
    assert out["row_id"].tolist() == [0, 1, 2]
    assert list(df.columns) == ["x"]  # input untouched
    taken = pd.DataFrame({"row_ids": [1, 1], "x": [5, 6], "row_id": ["a", None]})
    with pytest.raises(UserError, match="missing values"):
        ensure_id_column(taken, None)  # a plain "row_id" column is the id: broken is an error


def test_ensure_id_falls_back_when_detected_ids_collide() -> None:
    df = pd.DataFrame({"sample_code_id": pd.Series([1, "1"], dtype=object), "x": [0, 1]})
    out, name = ensure_id_column(df, None)
    assert name == "row_id" and out["sample_code_id"].tolist() == [1, "1"]
    plain = pd.DataFrame({"id": pd.Series([1, "1"], dtype=object), "x": [0, 1]})
    with pytest.raises(UserError, match="duplicate"):
        ensure_id_column(plain, None)


def test_ensure_id_normalises_values() -> None:
    out, _ = ensure_id_column(pd.DataFrame({"id": [1.0, 2.0, 3.0]}), "id")
    assert out["id"].dtype == np.int64
    out, _ = ensure_id_column(pd.DataFrame({"id": pd.Series([1.0, "b", 2.5], dtype=object)}), "id")
    assert out["id"].tolist() == ["1", "b", "2.5"]


def test_ensure_id_missing_values() -> None:
    df = pd.DataFrame({"id": ["a", "b", None, None], "x": [1, 2, 3, 4]})
    with pytest.raises(UserError) as info:
        ensure_id_column(df, "id")
    message = one_sentence(str(info.value))
    assert "missing" in message and "2 row(s)" in message and "line 4" in message


def test_ensure_id_duplicates_and_unknown_column() -> None:
    df = pd.DataFrame({"id": [3, 1, 3, 3], "x": [1, 2, 3, 4]})
    with pytest.raises(UserError) as info:
        ensure_id_column(df, "id")
    message = one_sentence(str(info.value))
    assert "duplicate" in message and "'3' appears 3 times" in message
    with pytest.raises(UserError) as info:
        ensure_id_column(df, "nope")
    assert "not in the table" in one_sentence(str(info.value))


# ---------------------------------------------------------------- kinds


def test_infer_column_kinds() -> None:
    n = 200
    df = pd.DataFrame(
        {
            "num": np.arange(n, dtype=float),
            "flag": [True, False] * (n // 2),
            "flag_obj": pd.Series([True, None] * (n // 2), dtype=object),
            "img": [f"images/{i}.PNG" for i in range(n)],
            "numtext": [str(i) if i else "n/a?" for i in range(n)],
            "cat": ["a", "b", "c", "d"] * (n // 4),
            "text": [f"sentence {i}" for i in range(n)],
            "blank": [np.nan] * n,
            "label": ["x"] * n,
        }
    )
    kinds = infer_column_kinds(df, exclude=["label"])
    assert kinds == {
        "num": ColumnKind.NUMERIC,
        "flag": ColumnKind.CATEGORICAL,
        "flag_obj": ColumnKind.CATEGORICAL,
        "img": ColumnKind.IMAGE,
        "numtext": ColumnKind.NUMERIC,
        "cat": ColumnKind.CATEGORICAL,
        "text": ColumnKind.TEXT,
        "blank": ColumnKind.EMPTY,
    }
    coerced = coerce_numeric(df["numtext"])
    assert coerced.dtype == np.float64 and np.isnan(coerced[0]) and coerced[5] == 5.0
    assert ColumnKind.TEXT == "text"


def test_image_array_columns() -> None:
    rng = np.random.default_rng(0)
    digits = {f"pixel_{r}_{c}": rng.random(3) for r in range(8) for c in range(8)}
    flat = {f"pixel{i}": rng.random(3) for i in range(16)}
    grid = {f"{r}x{c}": rng.random(3) for r in range(1, 3) for c in range(1, 4)}
    odd = {f"px_{i}": rng.random(3) for i in range(10)}  # 10 is not a square
    text = {f"img{i}": ["a"] * 3 for i in range(4)}  # not numeric
    df = pd.DataFrame({"label": [0, 1, 2], **digits, **flat, **grid, **odd, **text})
    groups = image_array_columns(df)
    assert [shape for _, shape in groups] == [(8, 8), (4, 4), (2, 3)]
    assert groups[0][0][:9] == [f"pixel_0_{c}" for c in range(8)] + ["pixel_1_0"]
    assert groups[1][0] == [f"pixel{i}" for i in range(16)]
    assert groups[2][0] == ["1x1", "1x2", "1x3", "2x1", "2x2", "2x3"]


def test_find_target_columns() -> None:
    names = ["id", "Class", "x", "flu_label", "label_notes", "y_target", "TARGET"]
    df = pd.DataFrame(columns=names)
    assert find_target_columns(df) == ["Class", "flu_label", "y_target", "TARGET"]


# ---------------------------------------------------------------- fuzz

CSV_ALPHABET = st.sampled_from([*"ab1 2.-,;\t\n\r\"'é€\x00\x81#", "NA", "id", "x.png", "\ufeff"])


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.one_of(
        st.binary(max_size=300),
        st.lists(CSV_ALPHABET, max_size=80).map(lambda parts: "".join(parts).encode("utf-8")),
    ),
    suffix=st.sampled_from([".csv", ".tsv", ".txt", ".parquet", ".xlsx"]),
)
def test_fuzz_load_table_only_raises_user_error(tmp_path: Path, data: bytes, suffix: str) -> None:
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(data)
    try:
        df = load_table(path)
    except UserError as exc:
        one_sentence(str(exc))
        return
    assert isinstance(df, pd.DataFrame) and len(df) > 0
    assert df.columns.is_unique
    assert not any(isinstance(t, pd.StringDtype) for t in df.dtypes)
    infer_column_kinds(df)
    try:
        ensure_id_column(df, None)
    except UserError as exc:  # a column named "id" holding broken ids
        one_sentence(str(exc))


ID_VALUES = st.one_of(
    st.none(),
    st.integers(-3, 3),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1.0, 2.0, "1", "a", "b", True]),
)


@settings(max_examples=100, deadline=None)
@given(
    rows=st.lists(st.tuples(ID_VALUES, ID_VALUES), min_size=0, max_size=12),
    choice=st.sampled_from([None, "id", "other", "absent"]),
)
def test_fuzz_ensure_id_column(rows: list[tuple[Any, Any]], choice: str | None) -> None:
    df = pd.DataFrame(
        {
            "id": pd.Series([r[0] for r in rows], dtype=object),
            "other": pd.Series([r[1] for r in rows], dtype=object),
        }
    )
    try:
        out, name = ensure_id_column(df, choice)
    except UserError as exc:
        one_sentence(str(exc))
        return
    ids = out[name]
    assert len(out) == len(df)
    assert not ids.isna().any() and ids.is_unique
    assert all(isinstance(v, str | int | np.integer) for v in ids)
    if choice is None and name not in df.columns:
        assert out.columns[0] == name


def test_a_column_named_id_with_duplicates_is_an_error_not_a_feature(tmp_path: Path) -> None:
    path = tmp_path / "dup.csv"
    path.write_text("id,x,label\n1,0.5,a\n1,0.7,b\n2,0.1,a\n", encoding="utf-8")
    frame = load_table(path)
    with pytest.raises(UserError, match="duplicate values, for example '1'"):
        ensure_id_column(frame, None)
    path.write_text("ID,x,label\n1,0.5,a\n,0.7,b\n2,0.1,a\n", encoding="utf-8")
    with pytest.raises(UserError, match="missing values in 1 row"):
        ensure_id_column(load_table(path), None)
