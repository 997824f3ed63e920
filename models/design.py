"""Build the feature matrix a target's EBM sees, chained targets included."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

NUMERIC_KINDS = {"numeric"}
NOMINAL_KINDS = {"categorical"}


def feature_type(kind: str) -> str:
    """interpret's feature type for one of our column kinds."""
    return "continuous" if kind in NUMERIC_KINDS else "nominal"


# How a chained target sees its upstream target on rows with no upstream label:
# "label" (the upstream model's hard prediction, a category) or "probability"
# (its probability, a number; a labelled row gets 1 for its class and 0 otherwise).
# tools/measure_chained.py: the probability lifts the chained target's AULC on the
# synthetic chain from 0.814 to 0.828 (mean of seeds 0-3) and leaves the demo clinic's CKD
# level (0.9363 / 0.9362). It stays off by default until the explanation names such a
# column as a probability: "DM_label = 0.5136" beside "DM_label: yes (predicted)" in the
# sample view misleads more than the gain helps.
CHAINED_AS = "label"


def chained_values(
    n_rows: int,
    labels: dict[int, str],
    predicted: np.ndarray | None,
) -> np.ndarray:
    """Another target's current label where it has one, else its model's prediction.

    Chains therefore work from the first labels: rows nobody labelled yet still
    carry the upstream model's best guess instead of a hole.
    """
    out = np.empty(n_rows, dtype=object)
    out[:] = None
    if predicted is not None:
        out[:] = predicted
    for pos, value in labels.items():
        out[pos] = value
    return out


def chained_columns(
    name: str,
    n_rows: int,
    labels: dict[int, str],
    classes: list[str],
    predicted: np.ndarray | None,
    proba: np.ndarray | None,
    how: str | None = None,
) -> dict[str, np.ndarray]:
    """The design columns one upstream target adds, as ``CHAINED_AS`` (or ``how``) says.

    As probabilities, a binary upstream is one column (the probability of its
    second class, under the upstream's own name) and a multiclass one is a column
    per class, named ``upstream=class``. Without an upstream model, rows with no
    label are missing.
    """
    how = how or CHAINED_AS
    if how == "label":
        return {name: chained_values(n_rows, labels, predicted)}
    k = len(classes)
    values = np.full((n_rows, k), np.nan)
    if proba is not None:
        values[:] = proba
    index = {c: j for j, c in enumerate(classes)}
    for pos, value in labels.items():
        if value in index:
            values[pos] = 0.0
            values[pos, index[value]] = 1.0
    if k == 2:
        return {name: values[:, 1].copy()}
    return {f"{name}={c}": values[:, j].copy() for j, c in enumerate(classes)}


def design_matrix(
    data: pd.DataFrame,
    features: list[str],
    kinds: dict[str, str],
    chained: dict[str, np.ndarray],
) -> tuple[pd.DataFrame, list[str]]:
    """The columns one target trains on, with interpret feature types."""
    import pandas as pd

    columns: dict[str, object] = {}
    types: list[str] = []
    for name in features:
        kind = kinds.get(name, "numeric")
        col = data[name]
        if kind in NUMERIC_KINDS:
            columns[name] = _as_float(col)
        else:
            columns[name] = _as_object(col)
        types.append(feature_type(kind))
    for name, values in chained.items():
        columns[name] = values
        types.append("continuous" if values.dtype.kind == "f" else "nominal")
    # copy=False: the numeric columns stay views of the data (no second 160 MB at a
    # million rows × 20); nothing writes to a design matrix.
    return pd.DataFrame(columns, index=data.index, copy=False), types


def _as_float(col: pd.Series) -> np.ndarray:
    """The column as float64, a view when it already is one.

    ``pd.to_numeric`` copies even a float64 column: 160 MB per retrain at a million
    rows × 20, and a copy of what the worker maps from the page cache.
    """
    import pandas as pd

    if isinstance(col.dtype, np.dtype) and col.dtype == np.float64:
        return col.to_numpy()
    return pd.to_numeric(col, errors="coerce").to_numpy(dtype=np.float64)


def _as_object(col: pd.Series) -> np.ndarray:
    """Category values as text (1.0 -> "1"), missing as None.

    Only the distinct values are converted in Python; the rows are a gather, so a
    million-row column costs one factorize per retrain, not a million str() calls.
    """
    import pandas as pd

    codes, uniques = pd.factorize(col, use_na_sentinel=True)
    text = np.empty(len(uniques) + 1, dtype=object)
    text[:-1] = [_category_text(v) for v in uniques]
    text[-1] = None  # code -1: missing
    return np.asarray(text[codes])


def _category_text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
