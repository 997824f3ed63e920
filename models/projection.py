"""Numeric embeddings of the samples: for batch diversity and the 2-D overview map."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd


def standardized(data: pd.DataFrame, columns: list[str], kinds: dict[str, str]) -> np.ndarray:
    """Numeric columns scaled to unit variance, categoricals one-hot; missing at the mean.

    One-hot columns are capped at 20 categories per column so a near-unique text
    code cannot swamp the distances.
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
            parts.append(((v - mean) / (std if std > 0 else 1.0))[:, None])
        elif kind == "categorical":
            col = data[name].astype(object).where(data[name].notna(), None)
            top = col.value_counts().index[:20]
            onehot = (
                np.stack([(col == c).to_numpy(dtype=np.float64) for c in top], axis=1)
                if len(top)
                else np.zeros((len(col), 0))
            )
            parts.append(onehot * np.sqrt(0.5))
    if not parts:
        return np.zeros((len(data), 1))
    return np.concatenate(parts, axis=1)


def pca(matrix: np.ndarray, components: int = 2, seed: int = 0) -> np.ndarray:
    """The leading principal components; randomized above 100k rows to stay fast."""
    from sklearn.decomposition import PCA

    k = max(1, min(components, matrix.shape[1], matrix.shape[0]))
    solver = "randomized" if matrix.shape[0] > 100_000 else "full"
    out = PCA(n_components=k, svd_solver=solver, random_state=seed).fit_transform(matrix)
    if out.shape[1] < components:
        out = np.pad(out, ((0, 0), (0, components - out.shape[1])))
    return np.asarray(out, dtype=np.float64)
