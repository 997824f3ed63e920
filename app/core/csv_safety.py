"""CSV cells that a spreadsheet would run as a formula are written as plain text.

A class name, an annotator or an id such as ``=cmd|' /C calc'!A0``, ``+1+1`` or
``@SUM(A1)`` comes from a person or a file we do not control; Excel and LibreOffice
execute a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and some treat a
leading tab or carriage return the same way). Such text cells get a leading
apostrophe, the spreadsheet convention for "this is text" (OWASP's advice for CSV
injection). Numbers stay numbers: a numeric column is never touched, and a text
cell that reads as a number (``-3.5``) is left as it is.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.core.atomic import atomic_path

if TYPE_CHECKING:
    import pandas as pd

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def neutralise(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(TRIGGERS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text columns (and column names) cannot run as spreadsheet formulas."""
    import pandas as pd

    out = frame.copy(deep=False)
    for name in out.columns:
        column = out[name]
        if column.dtype == object or isinstance(column.dtype, pd.StringDtype):
            out[name] = column.map(neutralise, na_action="ignore")
    out.columns = pd.Index([neutralise(str(c)) for c in out.columns], dtype=object)
    return out


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` as formula-safe CSV, atomically."""
    with atomic_path(path) as tmp:
        safe_frame(frame).to_csv(tmp, index=False)
