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
            columns[name] = pd.to_numeric(col, errors="coerce").to_numpy(dtype=np.float64)
        else:
            columns[name] = _as_object(col)
        types.append(feature_type(kind))
    for name, values in chained.items():
        columns[name] = values
        types.append("nominal")
    return pd.DataFrame(columns, index=data.index), types


def _as_object(col: pd.Series) -> np.ndarray:
    values = col.to_numpy(dtype=object, na_value=None)
    out = np.empty(len(values), dtype=object)
    for i, v in enumerate(values):
        if v is None or (isinstance(v, float) and np.isnan(v)):
            out[i] = None
        elif isinstance(v, float) and v.is_integer():
            out[i] = str(int(v))
        else:
            out[i] = str(v)
    return out
