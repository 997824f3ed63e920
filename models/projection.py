"""Numeric embeddings of the samples: for batch diversity and the 2-D overview map."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

if TYPE_CHECKING:
    import pandas as pd


class RowSource(Protocol):
    """A matrix read by rows: an array, or `StandardizedRows` that computes them."""

    @property
    def shape(self) -> tuple[int, ...]: ...

    def __getitem__(self, rows: Any) -> Any: ...


def standardized(
    data: pd.DataFrame, columns: list[str], kinds: dict[str, str], dtype: type = np.float64
) -> np.ndarray:
    """Numeric columns scaled to unit variance, categoricals one-hot; missing at the mean.

    One-hot columns are capped at 20 categories per column so a near-unique text
    code cannot swamp the distances. ``dtype=np.float32`` halves the matrix (80 MB
    instead of 160 MB at a million rows × 20 columns) for distances and the map.
    """
    return np.asarray(StandardizedRows(data, columns, kinds, dtype)[:])


class StandardizedRows:
    """`standardized`, computed for the rows asked for.

    Why: at a million rows × 20 the whole matrix is 80 MB even as float32, held for
    the session's life, while a batch reads a few hundred candidates' rows and the
    map reads every row once, in blocks. The column statistics are taken once.
    """

    ndim = 2

    def __init__(
        self,
        data: pd.DataFrame,
        columns: list[str],
        kinds: dict[str, str],
        dtype: type = np.float64,
    ) -> None:
        self._data = data
        self.dtype = np.dtype(dtype)
        self._parts: list[tuple[str, str, Any]] = []
        width = 0
        for name in columns:
            kind = kinds.get(name, "numeric")
            if kind == "numeric":
                v = _numbers(data[name])
                mean = np.nanmean(v) if np.isfinite(v).any() else 0.0
                std = np.nanstd(v) if np.isfinite(v).any() else 1.0
                self._parts.append((name, kind, (mean, std if std > 0 else 1.0)))
                width += 1
            elif kind == "categorical":
                top = list(_categories(data[name]).value_counts().index[:20])
                self._parts.append((name, kind, top))
                width += len(top)
        self._width = width if self._parts else 1

    @property
    def shape(self) -> tuple[int, int]:
        return (len(self._data), self._width)

    def __len__(self) -> int:
        return len(self._data)

    def __getitem__(self, rows: Any) -> np.ndarray:
        """The rows at ``rows`` (positions or a slice), as one matrix."""
        if not self._parts:
            return np.zeros((len(np.arange(len(self._data))[rows]), 1), dtype=self.dtype)
        blocks: list[np.ndarray] = []
        for name, kind, facts in self._parts:
            col = self._data[name].iloc[rows]
            if kind == "numeric":
                mean, std = facts
                v = _numbers(col)
                v = np.where(np.isfinite(v), v, mean)
                blocks.append(((v - mean) / std).astype(self.dtype, copy=False)[:, None])
            else:
                values = _categories(col)
                onehot = (
                    np.stack([(values == c).to_numpy(dtype=np.float64) for c in facts], axis=1)
                    if facts
                    else np.zeros((len(values), 0))
                )
                blocks.append((onehot * np.sqrt(0.5)).astype(self.dtype, copy=False))
        return np.concatenate(blocks, axis=1)


def _numbers(col: pd.Series) -> np.ndarray:
    import pandas as pd

    return pd.to_numeric(col, errors="coerce").to_numpy(dtype=np.float64)


def _categories(col: pd.Series) -> pd.Series:
    return col.astype(object).where(col.notna(), None)


PCA_FIT_ROWS = 100_000


def pca(matrix: RowSource, components: int = 2, seed: int = 0) -> np.ndarray:
    """The leading principal components.

    Above ``PCA_FIT_ROWS`` rows the axes are fitted on that many random rows and every
    row is projected in blocks: at a million rows × 20 a whole-matrix fit held two
    more copies of the matrix (~220 MB) for axes that a sample finds just as well.
    """
    from sklearn.decomposition import PCA

    k = max(1, min(components, matrix.shape[1], matrix.shape[0]))
    if matrix.shape[0] <= PCA_FIT_ROWS:
        whole = np.asarray(matrix[:])
        out = PCA(n_components=k, svd_solver="full", random_state=seed).fit_transform(whole)
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
