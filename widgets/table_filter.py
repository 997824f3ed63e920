"""Vectorised filtering and sorting for the samples table (no Qt, no per-row Python).

A filter is clauses joined by "and" or ",":

- ``age > 60``, ``bmi <= 25``, ``sex = F``, ``DM_label != yes``: compare a column;
- ``labelled``, ``unlabelled``, ``unsure``: the current target's label state;
- any other text: a case-insensitive substring of the id or a text column.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np

_CLAUSE = re.compile(r"^\s*(?P<col>[^<>=!]+?)\s*(?P<op><=|>=|==|!=|=|<|>)\s*(?P<value>.+?)\s*$")
_SPLIT = re.compile(r"\s+and\s+|,", re.IGNORECASE)
KEYWORDS = {"labelled", "labeled", "unlabelled", "unlabeled", "unsure"}
EXAMPLE_CHARS = 18  # longer names or values make the placeholder unreadable


def filter_examples(
    features: dict[str, np.ndarray], target: str | None = None, classes: list[str] | None = None
) -> str:
    """The filter box's hint, written with the open table's own columns and values.

    One number column compared with its median, one category column with its most
    common value, the current target with its first class, then "unlabelled".
    """
    examples = ["a word"]
    for name, values in features.items():
        if values.dtype.kind not in "fiu" or not _short(name):
            continue
        numbers = values[:5000].astype(np.float64, copy=False)
        finite = numbers[np.isfinite(numbers)]
        if finite.size and finite.min() < finite.max():  # a constant column filters nothing
            examples.append(f"{name} > {_nice(float(np.median(finite)))}")
            break
    for name, values in features.items():
        if values.dtype.kind != "O" or not _short(name):
            continue
        common = _most_common(values)
        if common is not None:
            examples.append(f"{name} = {common}")
            break
    if target and classes and _short(target) and _short(classes[0]):
        examples.append(f"{target} = {classes[0]}")
    examples.append("unlabelled")
    return "Filter: " + ", ".join(examples) + " (join with 'and')"


def _short(text: str) -> bool:
    return 0 < len(text) <= EXAMPLE_CHARS and "," not in text


def _nice(value: float) -> str:
    """A round threshold a person would type: 13.2, 61, 0.05."""
    if value == 0 or not np.isfinite(value):
        return "0"
    digits = max(0, 1 - int(np.floor(np.log10(abs(value)))))
    text = f"{round(value, digits):.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _most_common(values: np.ndarray) -> str | None:
    import pandas as pd

    counts = pd.Series(values[:5000], dtype=object).dropna().astype(str).value_counts()
    for value, n in counts.items():
        if n < 2:
            return None  # names and codes: every value is different, a poor example
        if _short(str(value)) and str(value).strip() == value:
            return str(value)
    return None


def parse_clauses(text: str) -> list[str]:
    return [c.strip() for c in _SPLIT.split(text) if c.strip()]


def filter_mask(
    text: str,
    columns: Callable[[str], np.ndarray | None],
    search_columns: list[np.ndarray],
    n: int,
    label_state: Callable[[str], np.ndarray | None] | None = None,
) -> np.ndarray:
    """A boolean mask over all rows for ``text``.

    ``columns(name)`` returns a column's array (None when unknown), ``search_columns``
    are the arrays a plain word is looked for in, and ``label_state(keyword)``
    returns the mask for "labelled"/"unlabelled"/"unsure".
    """
    mask = np.ones(n, dtype=bool)
    for clause in parse_clauses(text):
        mask &= _clause_mask(clause, columns, search_columns, n, label_state)
    return mask


def _clause_mask(
    clause: str,
    columns: Callable[[str], np.ndarray | None],
    search_columns: list[np.ndarray],
    n: int,
    label_state: Callable[[str], np.ndarray | None] | None,
) -> np.ndarray:
    if clause.lower() in KEYWORDS and label_state is not None:
        state = label_state(clause.lower())
        if state is not None:
            return state
    m = _CLAUSE.match(clause)
    if m is not None:
        values = columns(m.group("col").strip())
        if values is not None:
            return compare(values, m.group("op"), m.group("value").strip().strip("'\""))
    return contains(search_columns, clause, n)


def compare(values: np.ndarray, op: str, text: str) -> np.ndarray:
    """``values op text``, numerically when both sides are numbers, else as text."""
    number = _as_float(text)
    if values.dtype.kind in "fiu" and number is not None:
        v = values.astype(np.float64, copy=False)
        with np.errstate(invalid="ignore"):
            result = {
                "<": v < number,
                "<=": v <= number,
                ">": v > number,
                ">=": v >= number,
                "=": v == number,
                "==": v == number,
                "!=": v != number,
            }[op]
        return np.asarray(result, dtype=bool)
    import pandas as pd

    s = pd.Series(values, dtype=object)
    present = s.notna().to_numpy()
    as_text = s.astype(str).str.lower().to_numpy(dtype=object)
    target = text.lower()
    if op in ("=", "=="):
        return present & (as_text == target)
    if op == "!=":
        return ~(present & (as_text == target))
    if number is not None:
        numeric = pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float64)
        return compare(numeric, op, text)
    with np.errstate(invalid="ignore"):
        cmp = {"<": as_text < target, "<=": as_text <= target, ">": as_text > target}
        cmp[">="] = as_text >= target
    return present & np.asarray(cmp[op], dtype=bool)


def contains(arrays: list[np.ndarray], text: str, n: int) -> np.ndarray:
    """Rows where any of ``arrays`` contains ``text`` (case-insensitive)."""
    import pandas as pd

    mask = np.zeros(n, dtype=bool)
    for values in arrays:
        s = pd.Series(values, dtype=object)
        hit = s.astype(str).str.contains(text, case=False, regex=False, na=False).to_numpy()
        mask |= hit & s.notna().to_numpy()
    return mask


def sort_order(values: np.ndarray, descending: bool) -> np.ndarray:
    """Positions ordering ``values``; missing values always last, ties kept stable."""
    key = sort_key(values)
    missing = np.isnan(key)
    if descending:
        key = -key
    return np.lexsort((key, missing)).astype(np.int64)


def sort_key(values: np.ndarray) -> np.ndarray:
    """A float key per row: the number itself, or the rank of the text (NaN = missing)."""
    if values.dtype.kind in "fiub":
        return values.astype(np.float64)
    import pandas as pd

    numeric = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce")
    present = pd.Series(values, dtype=object).notna()
    if numeric.notna().sum() == present.sum() and present.any():
        return numeric.to_numpy(dtype=np.float64)
    codes, _ = pd.factorize(pd.Series(values, dtype=object).astype("string"), sort=True)
    key = codes.astype(np.float64)
    key[codes < 0] = np.nan
    return key


def _as_float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None
