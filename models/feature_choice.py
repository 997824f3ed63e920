"""Which columns a model starts with when a table has more than it can use well.

An EBM's retrain time grows with the number of features (and its interaction
search with their square): 5,000 columns took more than 20 minutes per fit, far
beyond an interactive tool. Above ``MAX_DEFAULT_FEATURES`` columns the default
set is the most informative ones by a univariate test on the labels the table
already has (ANOVA F for numbers, chi-squared for categories), or the first ones
in table order when there are no labels yet. The user can choose others.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

MAX_DEFAULT_FEATURES = 64


def choose_features(
    data: pd.DataFrame,
    candidates: list[str],
    kinds: dict[str, str],
    labels: pd.Series,
    limit: int = MAX_DEFAULT_FEATURES,
) -> list[str]:
    """At most ``limit`` of ``candidates``, most informative first, kept in table order."""
    if len(candidates) <= limit:
        return list(candidates)
    mask = labels.notna().to_numpy()
    y = labels[mask].astype(str).to_numpy()
    if len(set(y)) < 2 or len(y) < 4:
        return list(candidates[:limit])
    scores = _p_values(data.loc[mask, candidates], y, [kinds.get(c, "numeric") for c in candidates])
    best = set(np.argsort(scores, kind="stable")[:limit].tolist())
    return [c for i, c in enumerate(candidates) if i in best]


def _p_values(frame: pd.DataFrame, y: np.ndarray, kinds: list[str]) -> np.ndarray:
    """Smaller means a column tells the classes apart more clearly; 1.0 when untestable.

    Numbers go through one vectorised ANOVA over all columns (missing values take the
    column's median), so 5,000 columns cost a fraction of a second.
    """
    import pandas as pd
    from sklearn.feature_selection import f_classif

    out = np.ones(frame.shape[1])
    numeric = [i for i, k in enumerate(kinds) if k == "numeric"]
    if numeric:
        sub = frame.iloc[:, numeric]
        if not all(pd.api.types.is_numeric_dtype(t) for t in sub.dtypes):
            sub = sub.apply(pd.to_numeric, errors="coerce")
        block = sub.to_numpy(np.float64)
        medians = np.nanmedian(np.where(np.isfinite(block), block, np.nan), axis=0)
        block = np.where(np.isfinite(block), block, np.nan_to_num(medians)[None, :])
        with np.errstate(all="ignore"):
            _, p = f_classif(block, y)
        out[numeric] = np.where(np.isfinite(p), p, 1.0)
    for i, kind in enumerate(kinds):
        if kind != "numeric":
            out[i] = _chi2_p(frame.iloc[:, i], y)
    return out


def _chi2_p(column: pd.Series, y: np.ndarray) -> float:
    import pandas as pd
    from scipy import stats

    table = pd.crosstab(column.astype(str).to_numpy(), y)
    if table.shape[0] < 2 or table.shape[1] < 2:
        return 1.0
    p = stats.chi2_contingency(table.to_numpy()).pvalue
    return float(p) if np.isfinite(p) else 1.0
