"""Files the app reads are checked and values from outside stay data: one sentence, exit 2."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.cli import main
from app.core.bundle import export_bundle, import_bundle
from app.core.errors import UserError
from app.core.session import LabelingSession
from models.ebm import EBMSettings

ROOT = Path(__file__).resolve().parents[1]
EVIL = ["=cmd|' /C calc'!A0", "+1+1", "@SUM(A1)", "-2+3"]


def _project(folder: Path, labels: list[Any] | None = None) -> Path:
    frame = pd.DataFrame(
        {
            "id": range(1, 21),
            "x": [float(i) for i in range(20)],
            "delta": [-1.5, 2.0] * 10,
            "label": labels or (["a", "b"] + [None] * 18),
        }
    )
    data = folder / "h.csv"
    frame.to_csv(data, index=False)
    LabelingSession.open(data, ["label"]).close()
    return data.with_suffix(".lwproj")


def _one_sentence(capsys: pytest.CaptureFixture[str], code: int) -> str:
    captured = capsys.readouterr()
    assert code == 2, captured.err
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in captured.err, captured.err
    return lines[0]


# -- 7. a bundle whose schema does not fit its data ----------------------------------------------


def _rewrite_schema(bundle: Path, out: Path, change: Any) -> Path:
    with zipfile.ZipFile(bundle) as zf:
        blobs = {n: zf.read(n) for n in zf.namelist()}
    manifest = json.loads(blobs.pop("manifest.json"))
    change(manifest["schema"])
    manifest["members"] = {
        n: {"sha256": hashlib.sha256(b).hexdigest(), "bytes": len(b)} for n, b in blobs.items()
    }
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("manifest.json", json.dumps(manifest))
        for name, blob in blobs.items():
            zf.writestr(name, blob)
    return out


@pytest.mark.parametrize(
    "change",
    [
        lambda s: s.update(id_column="patient"),
        lambda s: s["targets"][0]["features"].append("height"),
        lambda s: s.update(image_column="scan"),
    ],
    ids=["id column", "feature", "image column"],
)
def test_a_bundle_schema_that_does_not_fit_the_data_is_refused(tmp_path: Path, change: Any) -> None:
    with LabelingSession.open(_project(tmp_path)) as session:
        session.project.model = EBMSettings.tiny()
        good = export_bundle(session, tmp_path / "good.lwbundle", include_data=True)
    bad = _rewrite_schema(good, tmp_path / "bad.lwbundle", change)
    into = tmp_path / "into"
    with pytest.raises(UserError, match="has a schema that does not fit its data file"):
        import_bundle(bad, into)
    assert not into.exists()


# -- 8. values from outside are data, never formulas ---------------------------------------------


def test_exported_csv_cells_never_run_as_formulas(tmp_path: Path) -> None:
    project = _project(tmp_path, labels=[*EVIL, "ok", *([None] * 15)])
    with LabelingSession.open(project) as session:
        session.label(session.row_ids()[10], "label", '=HYPERLINK("http://x")', annotator="@bob")
        out = session.export(tmp_path / "e.csv")
    frame = pd.read_csv(out, keep_default_na=False)
    labels = set(frame["label__label"]) - {""}
    assert labels == {"'" + e for e in EVIL} | {"ok", '\'=HYPERLINK("http://x")'}
    assert "'@bob" in set(frame["label__annotator"])
    assert frame["delta"].tolist()[:2] == [-1.5, 2.0]  # negative numbers stay numbers
    for cell in frame.astype(str).to_numpy().ravel():
        assert not cell.startswith(("=", "+", "@", "\t")), cell
        if cell.startswith("-"):
            float(cell)  # only numbers may start with a minus


# -- 9. every failure is a sentence ----------------------------------------------------------------

BAD_VALUES = {
    "learning_rate": lambda d: d["model"].update(learning_rate="fast"),
    "max_bins": lambda d: d["model"].update(max_bins=-5),
    "column_kinds": lambda d: d["schema"].update(column_kinds=["numeric"]),
    "id_column": lambda d: d["schema"].pop("id_column"),
    "layout": lambda d: d.update(layout=json.loads('{"a":' * 50 + "1" + "}" * 50)),
    "deep": None,
}


@pytest.mark.parametrize("field", list(BAD_VALUES))
def test_a_project_file_with_wrong_values_is_one_sentence(
    tmp_path: Path, field: str, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _project(tmp_path)
    if field == "deep":
        project.write_text("[" * 100_000 + "]" * 100_000)
    else:
        doc = json.loads(project.read_text())
        BAD_VALUES[field](doc)  # type: ignore[misc]
        project.write_text(json.dumps(doc))
    line = _one_sentence(capsys, main(["export", str(project), "--out", str(tmp_path / "e.csv")]))
    assert "h.lwproj" in line
    assert not (tmp_path / "e.csv").exists()


def test_a_lock_path_that_is_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = _project(tmp_path)
    (tmp_path / "h.lwlabels.lock").unlink(missing_ok=True)
    (tmp_path / "h.lwlabels.lock").mkdir()
    line = _one_sentence(capsys, main(["export", str(project), "--out", str(tmp_path / "e.csv")]))
    assert "is a folder" in line


def test_audit_out_that_is_a_folder_or_under_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _project(tmp_path, labels=["a", "b"] * 10)
    data = str(tmp_path / "h.csv")
    line = _one_sentence(
        capsys, main(["audit", "--data", data, "--target", "label", "--out", str(tmp_path)])
    )
    assert "is a folder" in line
    under = str(tmp_path / "h.csv" / "audit.csv")
    line = _one_sentence(
        capsys, main(["audit", "--data", data, "--target", "label", "--out", under])
    )
    assert "is a file, not a folder" in line


def test_screenshot_under_a_file_is_a_sentence(tmp_path: Path) -> None:
    (tmp_path / "plain.txt").write_text("x")
    done = subprocess.run(
        [sys.executable, "-m", "app", "--screenshot", str(tmp_path / "plain.txt" / "s.png")],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "is a file, not a folder" in done.stderr


# -- hypothesis: damaged project files and logs only ever give the app's sentence ---------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-10, 10**6) | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)
PROJECT_FIELDS = [
    ("data",), ("data", "path"), ("data", "sha256"), ("data", "rows"), ("data", "bytes"),
    ("labels",), ("log",), ("log", "events"), ("log", "log_id"), ("schema",),
    ("schema", "id_column"), ("schema", "targets"), ("schema", "column_kinds"),
    ("schema", "image_column"), ("model",), ("model", "outer_bags"), ("model", "learning_rate"),
    ("strategy",), ("strategy", "name"), ("strategy", "batch"), ("layout",), ("annotator",),
    ("version",), ("format",),
]  # fmt: skip


@pytest.fixture(scope="module")
def base_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("base")
    os.environ.setdefault("LABELWRIGHT_HOME", str(folder / "home"))
    return _project(folder, labels=["a", "b"] * 10)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_fuzzed_project_files_only_give_sentences(base_project: Path, data: st.DataObject) -> None:
    doc = json.loads(base_project.read_text())
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(PROJECT_FIELDS))
        node = doc
        for key in path[:-1]:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, dict):
            node[path[-1]] = data.draw(JSON_VALUES)
    folder = base_project.parent / "fuzz"
    folder.mkdir(exist_ok=True)
    target = folder / "h.lwproj"
    target.write_text(json.dumps(doc))
    (folder / "h.csv").write_bytes((base_project.parent / "h.csv").read_bytes())
    (folder / "h.lwlabels").write_bytes((base_project.parent / "h.lwlabels").read_bytes())
    try:
        LabelingSession.open(target).close()
    except UserError as exc:
        assert "\n" not in str(exc)


COLUMNS = ["row_id", "target", "label", "unsure", "annotator", "source", "model_version",
           "confidence", "time", "note"]  # fmt: skip
SQL_VALUES = (
    st.none() | st.integers(-5, 5) | st.floats() | st.text(max_size=5) | st.binary(max_size=5)
)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_fuzzed_label_logs_only_give_sentences(base_project: Path, data: st.DataObject) -> None:
    folder = base_project.parent / "logfuzz"
    folder.mkdir(exist_ok=True)
    for name in ("h.csv", "h.lwproj", "h.lwlabels"):
        (folder / name).write_bytes((base_project.parent / name).read_bytes())
    log = folder / "h.lwlabels"
    action = data.draw(st.sampled_from(["value", "meta", "drop", "bytes"]))
    with contextlib.closing(sqlite3.connect(log)) as conn:
        with contextlib.suppress(sqlite3.IntegrityError):  # NOT NULL: SQLite itself refuses
            if action == "value":
                column = data.draw(st.sampled_from(COLUMNS))
                value = data.draw(SQL_VALUES)
                conn.execute(f"UPDATE events SET {column} = ? WHERE id = 1", (value,))
            elif action == "meta":
                value = data.draw(SQL_VALUES)
                conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (value,))
            elif action == "drop":
                conn.execute(data.draw(st.sampled_from(["DROP TABLE events", "DROP TABLE meta"])))
        conn.commit()
    if action == "bytes":
        raw = bytearray(log.read_bytes())
        at = data.draw(st.integers(0, len(raw) - 1))
        raw[at : at + 8] = data.draw(st.binary(min_size=8, max_size=8))
        log.write_bytes(bytes(raw))
    try:
        LabelingSession.open(folder / "h.lwproj").close()
    except UserError as exc:
        assert "\n" not in str(exc)


def test_a_damaged_page_with_bytes_that_are_not_utf8_is_a_sentence(base_project: Path) -> None:
    """Found by the fuzzer above: SQLite's own check quotes the damaged bytes back."""
    folder = base_project.parent / "not_utf8"
    folder.mkdir(exist_ok=True)
    for name in ("h.csv", "h.lwproj", "h.lwlabels"):
        (folder / name).write_bytes((base_project.parent / name).read_bytes())
    log = folder / "h.lwlabels"
    raw = bytearray(log.read_bytes())
    raw[3417 : 3417 + 8] = b"\x00\x00\x00\x00\x00\x00\x00\x80"
    log.write_bytes(bytes(raw))
    with pytest.raises(UserError) as caught:
        LabelingSession.open(folder / "h.lwproj").close()
    assert "h.lwlabels" in str(caught.value) and "\n" not in str(caught.value)
    assert "damaged" in str(caught.value)


def test_a_label_that_is_not_utf8_is_a_sentence(base_project: Path) -> None:
    """Damage inside a cell passes SQLite's page check; reading it must still be a sentence."""
    folder = base_project.parent / "cell_not_utf8"
    folder.mkdir(exist_ok=True)
    for name in ("h.csv", "h.lwproj", "h.lwlabels"):
        (folder / name).write_bytes((base_project.parent / name).read_bytes())
    with contextlib.closing(sqlite3.connect(folder / "h.lwlabels")) as conn:
        conn.execute("UPDATE events SET note = CAST(X'80FF' AS TEXT) WHERE id = 1")
        conn.commit()
    _refused_as_damaged(folder)
    with contextlib.closing(sqlite3.connect(folder / "h.lwlabels")) as conn:
        conn.execute("UPDATE events SET note = '' WHERE id = 1")
        conn.execute("UPDATE meta SET value = CAST(X'802E637376' AS TEXT) WHERE key='data_name'")
        conn.commit()
    _refused_as_damaged(folder)


def _refused_as_damaged(folder: Path) -> None:
    with pytest.raises(UserError) as caught:
        LabelingSession.open(folder / "h.lwproj").close()
    assert "h.lwlabels" in str(caught.value) and "\n" not in str(caught.value)
    assert "damaged" in str(caught.value)
