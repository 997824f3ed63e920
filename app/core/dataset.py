"""Load a user's table and guess its structure: id column, targets, column kinds.

Every problem a user can fix becomes a ``UserError`` with one plain sentence;
any other exception escaping from here is a bug. Loaded frames keep missing
values missing, hold text as ``object`` columns of Python ``str`` (so sklearn
and interpret see plain objects, not pandas' pyarrow strings) and carry
``df.attrs["load_notes"]``: sentences the GUI shows about choices made while
loading (encoding fallback, sheet chosen, columns dropped).

Encoding choice: UTF-8 (with or without BOM) and UTF-16 with a BOM are read as
is. Anything else is read as Windows-1252, the usual encoding of CSV files saved
by Excel on Windows, or as Latin-1 when cp1252 cannot decode it (Latin-1 never
fails); either fallback adds a load note, because accents may then look wrong.
"""

from __future__ import annotations

import contextlib
import enum
import hashlib
import importlib.util
import math
import os
import re
import stat
import warnings
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from app.core.csv_dialect import Dialect, sniff
from app.core.errors import UserError

PathLike = str | os.PathLike[str]

_DELIMITED = {
    ".csv": (",", ";", "\t", "|"),
    ".txt": ("\t", ",", ";", "|"),
    ".tsv": ("\t",),
    ".tab": ("\t",),
}
_PARQUET = {".parquet", ".pq"}
_EXCEL = {".xlsx", ".xlsm", ".xls"}
_SUPPORTED = "a CSV, TSV, Parquet or Excel (.xlsx) file"
_HEAD_BYTES = 64 * 1024
_FALLBACK_ENCODINGS = (("cp1252", "Windows-1252"), ("latin-1", "Latin-1"))
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".gif")
_SAMPLE = 2000  # values checked before paying for a full-column pass
_MOSTLY = 0.95


class ColumnKind(enum.StrEnum):
    """How the app treats a column as a feature."""

    NUMERIC = "numeric"
    CATEGORICAL = "categorical"
    TEXT = "text"
    IMAGE = "image"
    EMPTY = "empty"


_MESSAGES = {
    "absent": "The file {path} does not exist; check the path or choose another file.",
    "folder": "The path {path} is a folder, not a file; choose a data file inside it.",
    "special": "The path {path} is not a regular file; choose a data file on disk.",
    "permission": "You do not have permission to read the file {name}; ask its owner for "
    "access or copy it to a folder you can read.",
    "os": "The file {name} could not be read ({reason}); check the disk and try again.",
    "suffix": "The file {name} has {kind}, which the app cannot read; choose {supported}.",
    "empty": "The file {name} is empty; choose a file with a header row and at least one data row.",
    "no_columns": "The file {name} has no columns; choose a file with a header row and data.",
    "header_only": "The file {name} has a header row but no data rows; add at least one row "
    "of data.",
    "binary": "The file {name} looks like a binary file, not text; choose {supported}.",
    "undecodable": "The file {name} could not be decoded as text; re-save it as UTF-8.",
    "ragged": "The file {name} has {saw} values on line {line} but its header has {expected}; "
    "fix that line or put quotes around values that contain the delimiter.",
    "quote": "The file {name} has a quote mark on line {line} that is never closed; close or "
    "remove it and load the file again.",
    "unparsable": "The file {name} could not be read as delimited text; check that it is a "
    "valid CSV or TSV file.",
    "duplicate_column": "The file {name} has more than one column named '{column}'; rename "
    "the duplicates so every column name is unique.",
    "parquet": "The file {name} is not a readable Parquet file (it may be damaged or "
    "incomplete); export it again or choose another file.",
    "xls": "The file {name} uses the old Excel .xls format, which needs the xlrd package; "
    "re-save it as .xlsx or CSV.",
    "excel": "The file {name} is not a readable Excel workbook (it may be damaged or in "
    "another format); re-save it from Excel or choose another file.",
    "sheet": "The workbook {name} has no sheet {sheet}; choose one of its sheets {sheets}.",
    "sheet_empty": "The sheet '{sheet}' in {name} is empty; choose another sheet.",
    "id_absent": "The id column '{column}' is not in the table; choose one of its columns "
    "or let the app number the rows.",
    "id_missing": "The id column '{column}' has missing values in {count} row(s), first on "
    "line {line}; fill in those ids or choose another id column.",
    "id_duplicate": "The id column '{column}' has duplicate values, for example '{value}' "
    "appears {times} times; choose a column whose values are all different.",
    # Notes: shown by the GUI after a successful load.
    "note_encoding": "The file {name} is not UTF-8, so it was read as {encoding}; if accented "
    "letters look wrong, re-save the file as UTF-8.",
    "note_sheet": "Loaded sheet '{sheet}'; the file also has sheets {others}; choose a sheet "
    "to load another one.",
    "note_dropped": "Ignored {count} column(s) with no name and no values.",
}


def _error(key: str, **fields: object) -> UserError:
    return UserError(_MESSAGES[key].format(supported=_SUPPORTED, **fields))


# ---------------------------------------------------------------- loading


def load_table(path: PathLike, sheet: str | int | None = None) -> pd.DataFrame:
    """Read CSV/TSV/TXT, Parquet or Excel into a clean frame, or raise ``UserError``."""
    p = _readable_file(path)
    suffix = p.suffix.lower()
    notes: list[str] = []
    if suffix in _DELIMITED:
        df = _load_delimited(p, _DELIMITED[suffix], notes)
    elif suffix in _PARQUET:
        df = _load_parquet(p)
    elif suffix in _EXCEL:
        df = _load_excel(p, sheet, notes)
    else:
        kind = f"type '{suffix}'" if suffix else "no file extension"
        raise _error("suffix", name=p.name, kind=kind)
    df = _clean_columns(df, p.name, notes)
    if df.shape[1] == 0:
        raise _error("no_columns", name=p.name)
    if len(df) == 0:
        raise _error("header_only", name=p.name)
    df = normalise_dtypes(df)
    df.attrs["load_notes"] = notes
    return df


def list_sheets(path: PathLike) -> list[str]:
    """Names of an Excel workbook's sheets, in workbook order, for a sheet chooser."""
    p = _readable_file(path)
    with _open_workbook(p) as xf:
        return [str(name) for name in xf.sheet_names]


def file_sha256(path: PathLike) -> str:
    """Hex SHA-256 of a file, streamed so a large dataset is never held in memory twice."""
    p = _readable_file(path)
    try:
        with p.open("rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError as exc:
        raise _os_error(p, exc) from exc


def _readable_file(path: PathLike) -> Path:
    """Check the path names a regular, readable file before any parser sees it."""
    p = Path(path)
    try:
        mode = p.stat().st_mode
        if stat.S_ISDIR(mode) or not stat.S_ISREG(mode):  # a FIFO would block the reader
            raise _error("folder" if stat.S_ISDIR(mode) else "special", path=p)
        with p.open("rb"):
            pass
    except FileNotFoundError as exc:
        raise _error("absent", path=p) from exc
    except OSError as exc:
        raise _os_error(p, exc) from exc
    return p


def _os_error(p: Path, exc: OSError) -> UserError:
    if isinstance(exc, PermissionError):
        return _error("permission", name=p.name)
    reason = (exc.strerror or type(exc).__name__).rstrip(".").lower()
    return _error("os", name=p.name, reason=reason)


def _load_delimited(p: Path, delimiters: tuple[str, ...], notes: list[str]) -> pd.DataFrame:
    """Sniff encoding and delimiter from the first bytes, then let pandas' C parser read."""
    try:
        size = p.stat().st_size
        with p.open("rb") as fh:
            head = fh.read(_HEAD_BYTES)
    except OSError as exc:
        raise _os_error(p, exc) from exc
    if size <= len(head) and not head.removeprefix(b"\xef\xbb\xbf").strip():
        raise _error("empty", name=p.name)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings: tuple[tuple[str, str], ...] = (("utf-16", "UTF-16"),)
    elif b"\x00" in head:
        raise _error("binary", name=p.name)
    else:
        encodings = (("utf-8", "UTF-8"), *_FALLBACK_ENCODINGS)  # pandas skips a UTF-8 BOM
    sample = head.decode(encodings[0][0], errors="replace").removeprefix("\ufeff")
    dialect = sniff(sample, delimiters)
    for encoding, label in encodings:
        try:
            df = _read_csv(p, dialect, encoding)
        except UnicodeError:
            continue
        if (encoding, label) in _FALLBACK_ENCODINGS:
            notes.append(_MESSAGES["note_encoding"].format(name=p.name, encoding=label))
        if note := dialect.note(p.name):
            notes.append(note)
        return df
    raise _error("undecodable", name=p.name)


def _read_csv(p: Path, dialect: Dialect, encoding: str) -> pd.DataFrame:
    """Read the header verbatim (pandas would rename duplicates), then the whole table."""
    opts: dict[str, Any] = {"sep": dialect.sep, "encoding": encoding, "index_col": False}
    numbers = {"decimal": dialect.decimal, "thousands": dialect.thousands}
    try:
        raw = pd.read_csv(p, header=None, nrows=2, dtype=str, keep_default_na=False, **opts)
        header = ["" if pd.isna(v) else str(v).strip() for v in raw.iloc[0]]
        as_text = {n: str for n in header if n and _keeps_spelling(n)}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            df = pd.read_csv(
                p, header=0, low_memory=False, dtype=as_text or None, **opts, **numbers
            )
    except UnicodeError:
        raise
    except pd.errors.EmptyDataError as exc:
        raise _error("empty", name=p.name) from exc
    except (pd.errors.ParserError, ValueError, OverflowError, MemoryError) as exc:
        raise _parse_error(p, str(exc)) from exc
    names = ["" if pd.isna(v) else str(v) for v in raw.iloc[0]]
    longer = any(issubclass(w.category, pd.errors.ParserWarning) for w in caught)
    if longer or df.shape[1] != len(names):  # first data row longer than the header
        raise _parse_error(p, f"Expected {len(names)} fields in line 2, saw {raw.shape[1]}")
    df.columns = pd.Index(names, dtype=object)
    for name in as_text:
        if name in df.columns and df.columns.tolist().count(name) == 1:
            df[name] = _plain_integers(df[name])
    return df


def _keeps_spelling(name: str) -> bool:
    """Ids and labels are names, not quantities: "007" and "01" must survive a load."""
    return looks_like_id_name(name) or is_target_name(name)


def _plain_integers(s: pd.Series) -> pd.Series:
    """Text that is plainly an integer ("12", not "012" or "1.0") becomes an int again."""
    values = s.to_numpy(dtype=object)
    present = [v for v in values if isinstance(v, str)]
    if not present or not all(_PLAIN_INT.fullmatch(v.strip()) for v in present):
        return s.astype(object).where(s.notna(), None)
    out = [int(v) if isinstance(v, str) else None for v in values]
    if all(v is not None for v in out):
        return pd.Series(out, index=s.index, name=s.name, dtype="int64")
    return pd.Series(out, index=s.index, name=s.name, dtype=object)


def _parse_error(p: Path, message: str) -> UserError:
    """Turn pandas' tokenizer message into a sentence that points at the bad line."""
    if m := re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message):
        expected = f"{m[1]} column" + ("" if m[1] == "1" else "s")
        return _error("ragged", name=p.name, saw=m[3], line=m[2], expected=expected)
    if m := re.search(r"EOF inside string starting at row (\d+)", message):
        return _error("quote", name=p.name, line=int(m[1]) + 1)
    return _error("unparsable", name=p.name)


def _load_parquet(p: Path) -> pd.DataFrame:
    try:
        df = pd.read_parquet(p)
    except (pa.ArrowException, OSError, ValueError, TypeError, MemoryError) as exc:
        raise _error("parquet", name=p.name) from exc
    named_index = any(name is not None for name in df.index.names)
    return df.reset_index(drop=not named_index)


def _open_workbook(p: Path) -> pd.ExcelFile:
    if p.suffix.lower() == ".xls" and importlib.util.find_spec("xlrd") is None:
        raise _error("xls", name=p.name)
    try:
        return pd.ExcelFile(p)
    except Exception as exc:  # openpyxl raises many unrelated types for damaged files
        raise _error("excel", name=p.name) from exc


def _load_excel(p: Path, sheet: str | int | None, notes: list[str]) -> pd.DataFrame:
    """Read one sheet; without a choice, the first sheet that has any cells."""
    with _open_workbook(p) as xf:
        sheets = [str(name) for name in xf.sheet_names]
        quoted = ", ".join(f"'{s}'" for s in sheets)
        if sheet is None:
            raw = pd.DataFrame()
            for name in sheets:
                if (raw := _read_sheet(xf, p, name)).size:
                    break
            else:
                raise _error("empty", name=p.name)
            if others := ", ".join(f"'{s}'" for s in sheets if s != name):
                notes.append(_MESSAGES["note_sheet"].format(sheet=name, others=others))
        else:
            if isinstance(sheet, int):
                if not 0 <= sheet < len(sheets):
                    raise _error("sheet", name=p.name, sheet=f"number {sheet}", sheets=quoted)
                sheet = sheets[sheet]
            if sheet not in sheets:
                raise _error("sheet", name=p.name, sheet=f"named '{sheet}'", sheets=quoted)
            if not (raw := _read_sheet(xf, p, sheet)).size:
                raise _error("sheet_empty", name=p.name, sheet=sheet)
    body = raw.iloc[1:].reset_index(drop=True)
    body.columns = pd.Index([_as_text(v) for v in raw.iloc[0]], dtype=object)
    body = body.infer_objects()
    for col in body.columns:  # a column mixing text and numbers becomes all text, as in CSV
        kind = pd.api.types.infer_dtype(body[col], skipna=True)
        if body[col].dtype == object and kind.startswith("mixed"):
            body[col] = body[col].map(_as_text, na_action="ignore")
    return body


def _read_sheet(xf: pd.ExcelFile, p: Path, name: str) -> pd.DataFrame:
    """A sheet as raw cells, without blank rows and columns (Excel leaves many)."""
    try:
        raw = pd.read_excel(xf, sheet_name=name, header=None)
    except Exception as exc:  # see _open_workbook
        raise _error("excel", name=p.name) from exc
    return raw.dropna(how="all").dropna(axis=1, how="all")


def _as_text(value: object) -> str:
    """Cell or id as text: missing is blank and 3.0 is "3", as a person would type it."""
    if value is None or value is pd.NA:
        return ""
    if isinstance(value, float | np.floating):
        return "" if math.isnan(value) else str(int(value)) if value.is_integer() else str(value)
    return str(value)


def _clean_columns(df: pd.DataFrame, file_name: str, notes: list[str]) -> pd.DataFrame:
    """Strip names, name blank headers, refuse duplicates, drop unnamed empty columns."""
    names = [str(c).strip() for c in df.columns]
    blank = [i for i, n in enumerate(names) if not n]
    names = [n or f"Unnamed: {i}" for i, n in enumerate(names)]
    if duplicate := next((n for n, k in Counter(names).items() if k > 1), None):
        raise _error("duplicate_column", name=file_name, column=duplicate)
    df = df.set_axis(pd.Index(names, dtype=object), axis=1)
    if drop := [names[i] for i in blank if df[names[i]].isna().all()]:
        notes.append(_MESSAGES["note_dropped"].format(count=len(drop)))
        df = df.drop(columns=drop)
    return df


def normalise_dtypes(df: pd.DataFrame) -> pd.DataFrame:
    """Plain numpy dtypes: object for text, float64/int64 for numbers, missing as NaN."""
    types = pd.api.types
    changed: dict[str, pd.Series] = {}
    for col in df.columns:
        s, dtype = df[col], df[col].dtype
        if not isinstance(dtype, pd.api.extensions.ExtensionDtype):
            continue
        has_na = bool(s.isna().any())
        if isinstance(dtype, pd.DatetimeTZDtype):
            continue
        if types.is_bool_dtype(dtype) and not has_na:
            changed[str(col)] = s.astype(bool)
        elif types.is_integer_dtype(dtype) and not has_na:
            changed[str(col)] = s.astype("int64")
        elif types.is_numeric_dtype(dtype) and not types.is_bool_dtype(dtype):
            changed[str(col)] = pd.Series(s.to_numpy("float64", na_value=np.nan), index=s.index)
        else:  # strings, categories, nullable booleans, nested Arrow types
            values = s.to_numpy(dtype=object, na_value=np.nan)
            changed[str(col)] = pd.Series(values, index=s.index, dtype=object)
    return df.assign(**changed) if changed else df


# ---------------------------------------------------------------- ids and targets

_ID_NAME = re.compile(r"^(id|uu?id|guid|(row|sample)id|.+[_ -]id)$", re.IGNORECASE)
_CAMEL_ID = re.compile(r"^.*[a-z]Id$")  # PassengerId, sampleId
_PLAIN_INT = re.compile(r"-?(0|[1-9]\d*)")
_PLAIN_ID_NAMES = {"id", "row_id", "sample_id"}
_IDENTIFIER_NAMES = {"", "#", "index", "idx", "key", "no", "num", "number", "name", "code", "uid"}


def looks_like_id_name(name: str) -> bool:
    """Whether a column's name says it identifies something (a poor feature by default)."""
    return bool(_ID_NAME.match(name) or _CAMEL_ID.match(name))


def detect_id_column(df: pd.DataFrame) -> str | None:
    """Guess the column that names each row; only unique, complete columns qualify."""
    by_name = [str(c) for c in df.columns if _ID_NAME.match(str(c)) or _CAMEL_ID.match(str(c))]
    by_name.sort(key=lambda c: c.lower() not in {"id", "row_id", "sample_id"})
    for col in by_name:
        if _usable_ids(df[col]):
            return col
    if df.shape[1] > 0:
        first = str(df.columns[0])
        name = first.strip().lower()
        looks_like_id = name in _IDENTIFIER_NAMES or re.fullmatch(r"unnamed: 0", name) is not None
        if looks_like_id and _usable_ids(df[first]) and _integer_or_text(df[first]):
            return first
    return None


def _usable_ids(s: pd.Series) -> bool:
    return len(s) > 0 and not s.isna().any() and s.is_unique


def _integer_or_text(s: pd.Series) -> bool:
    kind = pd.api.types.infer_dtype(s, skipna=False)
    if kind == "floating":
        return bool(np.all(np.mod(s.to_numpy(dtype="float64"), 1) == 0))
    return kind in {"integer", "string"}


def ensure_id_column(df: pd.DataFrame, id_column: str | None) -> tuple[pd.DataFrame, str]:
    """Return a frame whose id column is complete, unique and normalised, and its name.

    With no column given or detected, a ``row_id`` column (0..n-1) is added first.
    The input frame is not modified.
    """
    if id_column is None:
        # A column plainly named "id" is the id column: broken ids there are an error,
        # not a reason to number the rows and quietly learn from the bad ids.
        plain = [str(c) for c in df.columns if str(c).strip().lower() in _PLAIN_ID_NAMES]
        if plain:
            return ensure_id_column(df, plain[0])
    if id_column is None and (found := detect_id_column(df)) is not None:
        with contextlib.suppress(UserError):  # e.g. 1 and "1" collide once normalised
            return ensure_id_column(df, found)
    if id_column is None:
        name, k = "row_id", 1
        while name in df.columns:
            name, k = f"row_id_{k}", k + 1
        out = df.copy(deep=False)
        out.insert(0, name, np.arange(len(df), dtype="int64"))
        return out, name
    if id_column not in df.columns:
        raise _error("id_absent", column=id_column)
    s = df[id_column]
    missing = s.isna().to_numpy()
    if missing.any():
        count, first = int(missing.sum()), int(np.argmax(missing)) + 2
        raise _error("id_missing", column=id_column, count=count, line=first)
    ids = _normalise_ids(s)
    dup = ids.duplicated(keep=False).to_numpy()
    if dup.any():
        example = ids.iloc[int(np.argmax(dup))]
        times = int((ids == example).sum())
        raise _error("id_duplicate", column=id_column, value=example, times=times)
    out = df.copy(deep=False)
    out[id_column] = ids
    return out, id_column


def _normalise_ids(s: pd.Series) -> pd.Series:
    """Integer-like numbers become int64; everything else becomes ``str`` (kept as object)."""
    kind = pd.api.types.infer_dtype(s, skipna=False)
    if kind == "integer" and pd.api.types.is_integer_dtype(s.dtype):
        return s
    if kind in {"integer", "floating", "mixed-integer-float"}:
        values = s.to_numpy(dtype="float64")
        finite = bool(np.all(np.isfinite(values)))
        if finite and np.all(np.mod(values, 1) == 0) and np.all(np.abs(values) < 2**53):
            return pd.Series(values.astype("int64"), index=s.index, name=s.name)
    if kind == "string":
        return s.astype(object)
    text = [_as_text(v) for v in s.to_numpy(dtype=object)]
    return pd.Series(text, index=s.index, name=s.name, dtype=object)


def find_target_columns(df: pd.DataFrame) -> list[str]:
    """Columns whose names say they hold labels, in data order."""
    return [str(col) for col in df.columns if is_target_name(str(col))]


def is_target_name(column: str) -> bool:
    name = column.strip().lower()
    return name in {"label", "target", "class"} or name.endswith(("_label", "_target"))


# ---------------------------------------------------------------- column kinds


def coerce_numeric(s: pd.Series) -> pd.Series:
    """Numbers stored as text, as float64; values that do not parse become NaN."""
    return pd.to_numeric(s, errors="coerce").astype("float64")


def infer_column_kinds(df: pd.DataFrame, exclude: Iterable[str] = ()) -> dict[str, ColumnKind]:
    """Guess how each column (except ``exclude``) should be used as a feature."""
    skip = set(exclude)
    return {str(c): _column_kind(df[c]) for c in df.columns if str(c) not in skip}


def _column_kind(s: pd.Series) -> ColumnKind:
    values = s.dropna()
    if values.empty:
        return ColumnKind.EMPTY
    dtype = s.dtype
    if pd.api.types.is_bool_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype):
        return ColumnKind.CATEGORICAL
    if pd.api.types.is_numeric_dtype(dtype):
        return ColumnKind.NUMERIC
    if not pd.api.types.is_datetime64_any_dtype(dtype):  # dates fall to the distinct-count rule
        # Check a sample first so a large free-text column costs one cheap pass.
        sample = values.sample(_SAMPLE, random_state=0) if len(values) > _SAMPLE else values
        if _all_bool(sample) and _all_bool(values):
            return ColumnKind.CATEGORICAL
        if _image_share(sample) >= _MOSTLY and _image_share(values) >= _MOSTLY:
            return ColumnKind.IMAGE
        if _numeric_share(sample) >= _MOSTLY and _numeric_share(values) >= _MOSTLY:
            return ColumnKind.NUMERIC
    try:
        distinct = values.nunique()
    except TypeError:  # unhashable cells, e.g. lists read from Parquet
        return ColumnKind.TEXT
    if distinct <= max(50, 0.05 * len(values)):
        return ColumnKind.CATEGORICAL
    return ColumnKind.TEXT


def _all_bool(values: pd.Series) -> bool:
    return pd.api.types.infer_dtype(values, skipna=True) == "boolean"


def _image_share(values: pd.Series) -> float:
    text = values.astype(str).str.strip().str.lower()
    return float(text.str.endswith(IMAGE_SUFFIXES).mean())


def _numeric_share(values: pd.Series) -> float:
    try:
        return float(pd.to_numeric(values, errors="coerce").notna().mean())
    except (TypeError, ValueError):
        return 0.0


_PIXEL_PREFIX = r"(?:pixels?|px|pix|img|image)"
_PIXEL_2D = re.compile(rf"^({_PIXEL_PREFIX})[_-]?(\d+)[_x-](\d+)$", re.IGNORECASE)
_PIXEL_1D = re.compile(rf"^({_PIXEL_PREFIX})[_-]?(\d+)$", re.IGNORECASE)
_GRID_RxC = re.compile(r"^()(\d+)x(\d+)$")


def image_array_columns(df: pd.DataFrame) -> list[tuple[list[str], tuple[int, int]]]:
    """Groups of numeric pixel columns (``pixel_0_0``, ``pixel12``, ``1x1``) that form an image.

    Each group is (column names in row-major order, (height, width)); used to
    show flattened images such as sklearn's 8x8 digits as pictures.
    """
    grids: dict[str, dict[tuple[int, int], str]] = {}
    flats: dict[str, dict[int, str]] = {}
    for col in df.columns:
        name = str(col)
        if not pd.api.types.is_numeric_dtype(df[col].dtype):
            continue
        if m := _PIXEL_2D.match(name) or _GRID_RxC.match(name):
            grids.setdefault(m.group(1).lower(), {})[(int(m.group(2)), int(m.group(3)))] = name
        elif m := _PIXEL_1D.match(name):
            flats.setdefault(m.group(1).lower(), {})[int(m.group(2))] = name
    groups: list[tuple[list[str], tuple[int, int]]] = []
    for grid in grids.values():
        rows = sorted({r for r, _ in grid})
        cols = sorted({c for _, c in grid})
        h, w = len(rows), len(cols)
        if h * w == len(grid) >= 4 and _contiguous(rows) and _contiguous(cols):
            groups.append(([grid[(r, c)] for r in rows for c in cols], (h, w)))
    for flat in flats.values():
        side = math.isqrt(len(flat))
        if side >= 2 and side * side == len(flat) and _contiguous(sorted(flat)):
            groups.append(([flat[i] for i in sorted(flat)], (side, side)))
    order = {str(c): i for i, c in enumerate(df.columns)}
    return sorted(groups, key=lambda g: order[g[0][0]])


def _contiguous(indices: list[int]) -> bool:
    return indices[0] in (0, 1) and indices == list(range(indices[0], indices[0] + len(indices)))
