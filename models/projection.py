"""Numeric embeddings of the samples: for batch diversity and the 2-D overview map."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd


def standardized(
    data: pd.DataFrame, columns: list[str], kinds: dict[str, str], dtype: type = np.float64
) -> np.ndarray:
    """Numeric columns scaled to unit variance, categoricals one-hot; missing at the mean.

    One-hot columns are capped at 20 categories per column so a near-unique text
    code cannot swamp the distances. ``dtype=np.float32`` halves the matrix (80 MB
    instead of 160 MB at a million rows × 20 columns) for distances and the map.
    """
    import pandas as pd

    parts: list[np.ndarray] = []
    for name in columns:
        kind = kinds.get(name, "numeric")
        if kind == "numeric":
            v = pd.to_numeric(data[name], errors="coerce").to_numpy(dtype=np.float64)
            mean = np.nanmean(v) if np.isfinite(v).any() else 0.0
            std = np.nanstd(v) if np.isfinite(v).any() else 1.0
            v = np.where(np.isfinite(v), v, mean)
            parts.append(
                ((v - mean) / (std if std > 0 else 1.0)).astype(dtype, copy=False)[:, None]
            )
        elif kind == "categorical":
            col = data[name].astype(object).where(data[name].notna(), None)
            top = col.value_counts().index[:20]
            onehot = (
                np.stack([(col == c).to_numpy(dtype=np.float64) for c in top], axis=1)
                if len(top)
                else np.zeros((len(col), 0))
            )
            parts.append((onehot * np.sqrt(0.5)).astype(dtype, copy=False))
    if not parts:
        return np.zeros((len(data), 1), dtype=dtype)
    return np.concatenate(parts, axis=1)


PCA_FIT_ROWS = 100_000


def pca(matrix: np.ndarray, components: int = 2, seed: int = 0) -> np.ndarray:
    """The leading principal components.

    Above ``PCA_FIT_ROWS`` rows the axes are fitted on that many random rows and every
    row is projected in blocks: at a million rows × 20 a whole-matrix fit held two
    more copies of the matrix (~220 MB) for axes that a sample finds just as well.
    """
    from sklearn.decomposition import PCA

    k = max(1, min(components, matrix.shape[1], matrix.shape[0]))
    if matrix.shape[0] <= PCA_FIT_ROWS:
        out = PCA(n_components=k, svd_solver="full", random_state=seed).fit_transform(matrix)
    else:
        rng = np.random.default_rng(seed)
        sample = np.sort(rng.choice(matrix.shape[0], size=PCA_FIT_ROWS, replace=False))
        fitted = PCA(n_components=k, svd_solver="full", random_state=seed).fit(matrix[sample])
        out = np.empty((matrix.shape[0], k), dtype=np.float64)
        for start in range(0, matrix.shape[0], PCA_FIT_ROWS):
            block = np.asarray(matrix[start : start + PCA_FIT_ROWS], dtype=np.float64)
            out[start : start + PCA_FIT_ROWS] = fitted.transform(block)
    if out.shape[1] < components:
        out = np.pad(out, ((0, 0), (0, components - out.shape[1])))
    return np.asarray(out, dtype=np.float64)
