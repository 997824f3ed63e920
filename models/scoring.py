"""Compile a fitted EBM into lookup tables and score rows fast, exactly as interpret does.

Two ways in:
- A pool prepared once (`ScoringPool`: per column the sorted unique values and each row's
  int32 code into them), rescored after every retrain: each new model only places its
  cuts among the unique values (`models._scoring_cells`).
- A DataFrame or array scored once (`CompiledEBM.one_shot_pool`): no sort; each float is
  binned against the model's cuts through a table of float prefixes
  (`models._scoring_direct`), 3-4 ms per 1M-row column.
Both then run the same plan (`models._scoring_plan`): the terms summed into a dozen joint
tables over pairs of features, one ``take`` of whole rows (all classes) per table and row
chunk (`models._scoring_kernels`); numpy threads over row chunks on the CPU, torch on
cuda/mps (mps in float32: it has no float64).

Binning matches interpret 0.7.8 exactly (`glassbox/_ebm/_bin.py`, `utils/_clean_x.py`; the
value conversions live in `models._scoring_values`): continuous bin = 1 + #(cuts <= x), so
a value equal to a cut goes up, NaN/None -> bin 0, unparseable strings -> the unknown (last)
bin; categoricals compare interpret's text form (floats "2.0" -> "2", bools -> "1"/"0",
else ``str``), missing -> 0, unseen -> last. Pairs use ``bins_[f][1]`` where present.
Binary uses the logit link, multiclass softmax ("mlogit"). Tables stay float64: float32
sums err by ~1.5e-7, with no 1e-6 guarantee.

Committee: each outer bag is a model (``bagged_scores_``/``bagged_intercept_``).
`disagreement` is the mean KL divergence of each bag's probabilities to the consensus (their
mean), i.e. the generalised Jensen-Shannon divergence H(mean p) - mean H(p): continuous
(vote entropy only has a few values with 2-6 bags), >= 0, 0 when the bags agree.

Measured (`labelwright bench --load 2`; the README has the figures): 1M x 20, 3 classes,
5 pairs, NaN and a categorical, best of 5 interleaved rounds on a shared 2-core machine
(load average ~5): interpret 2.06 s; one-shot 0.26 s (7.8x; CPU seconds 7.6x); a prepared
pool with a new model 0.16 s (12.5x; CPU 11.1x). Before: 1.5x and 7.8x.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from time import perf_counter
from typing import Any, Literal

import numpy as np
import pandas as pd

from models._scoring_cells import FeatureCells, feature_cells
from models._scoring_direct import bin_floats, cell_representatives, union_cuts
from models._scoring_kernels import plan_tensors, score_numpy, score_torch
from models._scoring_plan import Dim, Plan, build_plan
from models._scoring_values import PoolColumn, n_bins_of, prepare_column
from models.strategies import margin_uncertainty

UncertaintyKind = Literal["least_confident", "margin", "entropy"]
DEFAULT_CHUNK_ROWS = 65_536  # 64k: 10-20 % faster than 256k on one thread (stays in L2/L3)
# With threads, each chunk's numpy calls hand the interpreter lock back and forth; on two
# cores a 1M x 20 rescoring (3 classes, 5 pairs) took 94 ms in 64k chunks, 80 ms in 128k and
# 77-80 ms in 256k (best of 5-7, tools/measure_chunks.py). None means: this, or 64k alone.
THREADED_CHUNK_ROWS = 262_144

__all__ = [
    "DEFAULT_CHUNK_ROWS",
    "CompiledEBM",
    "ScoringPool",
    "compile_ebm",
    "prepare_pool",
    "resolve_device",
    "uncertainty_from_proba",
]


def _default_threads() -> int:
    return max(1, min(4, os.cpu_count() or 1))


@dataclass(eq=False)
class ScoringPool:
    """An unlabelled pool prepared once, so that each retrain only bins unique values."""

    names: tuple[str, ...]
    columns: tuple[PoolColumn, ...]
    codes: np.ndarray  # (n_columns, n_rows) integers, C-contiguous; code == n_uniques: missing
    by_name: bool = True
    prep_s: float = 0.0
    _device_codes: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def n_rows(self) -> int:
        return int(self.codes.shape[1])

    @property
    def nbytes(self) -> int:
        """Bytes held by the row codes (the unique values are usually far smaller)."""
        return int(self.codes.nbytes)

    @classmethod
    def from_frame(cls, X: Any, *, n_threads: int | None = None) -> ScoringPool:
        """Prepare a DataFrame or 2-D array (columns in parallel threads)."""
        start = perf_counter()
        if isinstance(X, pd.DataFrame):
            names = tuple(str(c) for c in X.columns)
            cols: list[Any] = [X.iloc[:, j] for j in range(X.shape[1])]
            n_rows, by_name = len(X), True
        else:
            arr = np.asarray(X)
            if arr.ndim != 2:
                raise ValueError(f"Expected a 2-D array or DataFrame, got {arr.ndim} dimensions.")
            names = tuple(str(j) for j in range(arr.shape[1]))
            cols = [arr[:, j] for j in range(arr.shape[1])]
            n_rows, by_name = arr.shape[0], False
        codes = np.empty((len(cols), n_rows), np.int32)

        def one(j: int) -> PoolColumn:
            column, col_codes = prepare_column(cols[j])
            codes[j] = col_codes
            return column

        with ThreadPoolExecutor(n_threads or _default_threads()) as ex:
            columns = tuple(ex.map(one, range(len(cols))))
        return cls(names, columns, codes, by_name, perf_counter() - start)

    def device_codes(self, device: str) -> Any:
        """The codes as a torch tensor on `device`, copied once per device and cached."""
        import torch

        tensor = self._device_codes.get(device)
        if tensor is None:
            codes = self.codes if self.codes.dtype == np.int32 else self.codes.astype(np.int32)
            tensor = torch.from_numpy(codes).to(device)  # index_select takes int32 or int64
            self._device_codes[device] = tensor
        return tensor


def prepare_pool(X: Any, *, n_threads: int | None = None) -> ScoringPool:
    """Alias of `ScoringPool.from_frame`."""
    return ScoringPool.from_frame(X, n_threads=n_threads)


def _gpu_may_exist() -> bool:
    """Whether importing torch could find a GPU at all (importing it costs 1-4 s).

    Linux exposes an NVIDIA driver under /dev and /proc; Apple silicon always has
    Metal; elsewhere (Windows) only torch can tell.
    """
    import platform
    import sys
    from pathlib import Path

    if "torch" in sys.modules:
        return True
    system = platform.system()
    if system == "Linux":
        return Path("/dev/nvidiactl").exists() or Path("/proc/driver/nvidia").exists()
    if system == "Darwin":
        return platform.machine() == "arm64"
    return True


def resolve_device(device: str = "auto") -> str:
    """'auto' -> cuda if available, else mps, else cpu; explicit names are checked."""
    if device == "cpu" or (device == "auto" and not _gpu_may_exist()):
        return "cpu"
    try:
        import torch
    except ImportError:  # the CPU build ships without torch: numpy scores on the CPU
        if device == "auto":
            return "cpu"
        raise ValueError(
            f"This build has no torch, so {device} is not available; use 'cpu'."
        ) from None

    if device == "auto":
        if torch.cuda.is_available():
            return "cuda"
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return "mps"
        return "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError("CUDA was requested but is not available; use device='cpu' or 'auto'.")
    if not device.startswith(("cuda", "mps")):
        raise ValueError(f"Unknown device {device!r}; use 'auto', 'cpu', 'cuda' or 'mps'.")
    return device


@dataclass(eq=False)
class _PoolState:
    cells: dict[int, FeatureCells] = field(default_factory=dict)
    dims: dict[tuple[int, int, str], Dim] = field(default_factory=dict)
    plans: dict[str, Plan] = field(default_factory=dict)
    proba: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass(eq=False)
class CompiledEBM:
    """A fitted EBM as plain tables: bins, term scores, per-bag scores, intercept, link.

    Per pool it caches the binned unique values, the gather plans and the latest
    probabilities (weakly keyed: they go with the pool). Compile once per retrain; one
    object is not meant to be scored from several threads at once.
    """

    feature_names: tuple[str, ...]
    bins: tuple[tuple[np.ndarray | dict[str, int], ...], ...]
    term_features: tuple[tuple[int, ...], ...]
    term_scores: tuple[np.ndarray, ...]  # (*bins per dim, n_scores)
    bagged_scores: tuple[np.ndarray, ...]  # (n_bags, *bins per dim, n_scores)
    intercept: np.ndarray  # (n_scores,)
    bagged_intercept: np.ndarray  # (n_bags, n_scores)
    link: str  # "logit", "mlogit" or "monoclassification"
    classes: np.ndarray
    chunk_rows: int | None = None  # None: DEFAULT_CHUNK_ROWS, THREADED_CHUNK_ROWS with threads
    n_threads: int | None = None  # CPU worker threads over row chunks (default: cores, max 4)
    cpu_backend: Literal["numpy", "torch"] = "numpy"  # torch on CPU runs the GPU kernel
    _states: weakref.WeakKeyDictionary[ScoringPool, _PoolState] = field(
        default_factory=weakref.WeakKeyDictionary, repr=False
    )

    @property
    def n_bags(self) -> int:
        return int(self.bagged_intercept.shape[0])

    def __getstate__(self) -> dict[str, Any]:
        """Plain arrays only, for worker processes: the per-pool caches stay behind."""
        return {k: v for k, v in self.__dict__.items() if k != "_states"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._states = weakref.WeakKeyDictionary()

    # ----------------------------------------------------------------- public API
    def predict_proba(self, X: Any, device: str = "auto") -> np.ndarray:
        """Class probabilities (n, n_classes), equal to interpret's to 1e-6.

        `X` is a `ScoringPool` (rescoring: the pool's bins are cached per model) or a
        DataFrame / 2-D array, whose model columns are binned straight against this
        model's cuts (`one_shot_pool`).
        """
        pool = X if isinstance(X, ScoringPool) else self.one_shot_pool(X)
        device = resolve_device(device)
        state = self._state(pool)
        cached = state.proba.get(device)
        if cached is None:
            cached = self._run(pool, "mean", device, self._to_proba, len(self.classes))
            state.proba = {device: cached}  # keep only the latest result
        return cached.copy()

    def uncertainty(
        self, X: Any, kind: UncertaintyKind = "least_confident", device: str = "auto"
    ) -> np.ndarray:
        """Higher = more uncertain: 1 - max p, 1 - (p1 - p2), or entropy (nats)."""
        return uncertainty_from_proba(self.predict_proba(X, device), kind)

    def disagreement(self, X: Any, device: str = "auto") -> np.ndarray:
        """Mean KL(bag || consensus) over the outer bags; 0 when all bags agree."""
        pool = X if isinstance(X, ScoringPool) else self.one_shot_pool(X)
        if self.link == "monoclassification" or self.n_bags < 2:
            return np.zeros(pool.n_rows)
        return self._run(pool, "bags", resolve_device(device), self._to_disagreement, 0)

    def one_shot_pool(self, X: Any, *, n_threads: int | None = None) -> ScoringPool:
        """The model's columns of `X` as a pool for this model only, built without sorting.

        Continuous features of a numeric column are binned by `bin_floats` against the
        union of the feature's cuts; other columns are prepared as `ScoringPool` does.
        """
        start = perf_counter()
        source = self._source_columns(X)
        codes_of: list[np.ndarray] = [np.empty(0, np.uint8)] * len(source)

        def one(f: int) -> PoolColumn:
            col, levels = source[f], self.bins[f]
            dtype = getattr(col, "dtype", None)
            numeric = isinstance(dtype, np.dtype) and dtype.kind in "fiu"
            if numeric and all(isinstance(level, np.ndarray) for level in levels):
                cuts = union_cuts([np.asarray(level) for level in levels])
                codes_of[f] = bin_floats(np.asarray(col), cuts)
                return PoolColumn("float", cell_representatives(cuts), True)
            column, codes_of[f] = prepare_column(col)
            return column

        with ThreadPoolExecutor(n_threads or self.n_threads or _default_threads()) as ex:
            columns = tuple(ex.map(one, range(len(source))))
        widest = max((c.n_uniques + 1 for c in columns), default=1)
        dtype = np.uint8 if widest <= 256 else np.uint16 if widest <= 65_536 else np.int32
        n_rows = len(codes_of[0]) if codes_of else len(X)
        codes = np.empty((len(columns), n_rows), dtype)
        for j, col_codes in enumerate(codes_of):
            codes[j] = col_codes
        return ScoringPool(self.feature_names, columns, codes, True, perf_counter() - start)

    # ------------------------------------------------------------------ internals
    def _source_columns(self, X: Any) -> list[Any]:
        """The column of `X` feeding each model feature: by name, else by position."""
        if isinstance(X, pd.DataFrame):
            names = [str(c) for c in X.columns]
            if all(n in names for n in self.feature_names):
                index = {n: j for j, n in enumerate(names)}
                return [X.iloc[:, index[n]] for n in self.feature_names]
            width = X.shape[1]
            cols: list[Any] = [X.iloc[:, j] for j in range(width)]
        else:
            arr = np.asarray(X)
            if arr.ndim != 2:
                raise ValueError(f"Expected a 2-D array or DataFrame, got {arr.ndim} dimensions.")
            width = arr.shape[1]
            cols = [arr[:, j] for j in range(width)]
        if width != len(self.feature_names):
            raise ValueError(
                f"The data has {width} columns but the model needs "
                f"{list(self.feature_names)}; pass the model's feature columns."
            )
        return cols

    def _to_proba(self, scores: np.ndarray) -> np.ndarray:
        # Class-major for the link: a reduction over 3 adjacent floats per row is 15x slower.
        by_class = np.ascontiguousarray(scores[:, : self.intercept.shape[0]].T)
        return _inv_link(by_class, self.link).T

    def _to_disagreement(self, scores: np.ndarray) -> np.ndarray:
        # mean_b KL(p_b || q) with q = mean_b p_b equals H(q) - mean_b H(p_b) (Jensen-Shannon)
        from scipy.special import entr, expit

        by_class = np.ascontiguousarray(scores[:, : self.n_bags * self.intercept.shape[0]].T)
        if self.link == "logit":  # (n_bags, m): two-class entropies without stacking
            p1 = expit(by_class)
            q1 = p1.mean(axis=0)
            spread = entr(q1) + entr(1.0 - q1) - (entr(p1) + entr(1.0 - p1)).mean(axis=0)
        else:  # (n_bags * k, m), bag-major
            by_bag = by_class.reshape(self.n_bags, -1, by_class.shape[-1])  # (n_bags, k, m)
            probs = _inv_link(by_bag, self.link, axis=1)
            spread = _entropy(probs.mean(axis=0)) - _entropy(probs, axis=1).mean(axis=0)
        return np.maximum(spread, 0.0)

    def _state(self, pool: ScoringPool) -> _PoolState:
        state = self._states.get(pool)
        if state is None:
            state = _PoolState()
            self._states[pool] = state
        return state

    def _pool_columns(self, pool: ScoringPool) -> list[int]:
        if pool.by_name and all(n in pool.names for n in self.feature_names):
            index = {n: j for j, n in enumerate(pool.names)}
            return [index[n] for n in self.feature_names]
        if len(pool.names) == len(self.feature_names):
            return list(range(len(self.feature_names)))
        raise ValueError(
            f"The data has {len(pool.names)} columns but the model needs "
            f"{list(self.feature_names)}; pass the model's feature columns."
        )

    def _plan(self, pool: ScoringPool, which: str) -> Plan:
        state = self._state(pool)
        plan = state.plans.get(which)
        if plan is not None:
            return plan
        cols = self._pool_columns(pool)
        levels = [
            tuple(min(len(self.bins[f]), len(features)) - 1 for f in features)
            for features in self.term_features
        ]
        used: dict[int, set[int]] = {}
        for features, term_levels in zip(self.term_features, levels, strict=True):
            for f, level in zip(features, term_levels, strict=True):
                used.setdefault(f, set()).add(level)
        for f, lv in used.items():
            if f not in state.cells:
                state.cells[f] = feature_cells(pool.columns[cols[f]], self.bins[f], sorted(lv))
        tables = []
        for t, features in enumerate(self.term_features):
            if which == "mean":
                table = self.term_scores[t]
            else:  # (n_bags, *dims, k) -> (*dims, n_bags * k)
                table = np.moveaxis(self.bagged_scores[t], 0, -2)
                table = table.reshape(*table.shape[:-2], -1)
            for d, (f, level) in enumerate(zip(features, levels[t], strict=True)):
                if n_bins_of(self.bins[f][level]) != table.shape[d]:
                    raise ValueError(f"Term {t} does not match the bins of feature {f}.")
            tables.append(np.asarray(table, np.float64))
        intercept = self.intercept if which == "mean" else self.bagged_intercept.reshape(-1)
        plan = build_plan(
            state.cells,
            cols,
            self.term_features,
            levels,
            tables,
            np.asarray(intercept, np.float64),
            state.dims,
        )
        state.plans[which] = plan
        return plan

    def _run(
        self,
        pool: ScoringPool,
        which: str,
        device: str,
        reduce: Callable[[np.ndarray], np.ndarray],
        out_width: int,
    ) -> np.ndarray:
        """Score `pool` chunk by chunk and write `reduce(scores)` into the output."""
        n = pool.n_rows
        out = np.empty((n, out_width) if out_width else n, np.float64)
        if self.link == "monoclassification":
            out[...] = 1.0
            return out
        plan = self._plan(pool, which)
        threads = 1 if device != "cpu" else (self.n_threads or _default_threads())
        use_torch = device != "cpu" or self.cpu_backend == "torch"
        chunk = self.chunk_rows or (THREADED_CHUNK_ROWS if threads > 1 else DEFAULT_CHUNK_ROWS)
        chunk = max(1, chunk)
        if threads > 1 and n > DEFAULT_CHUNK_ROWS:  # balance the chunks over the threads
            chunk = min(chunk, -(-n // threads))
        spans = [(s, min(s + chunk, n)) for s in range(0, n, chunk)]

        if not use_torch:

            def work(span: tuple[int, int]) -> None:
                out[span[0] : span[1]] = reduce(score_numpy(plan, pool.codes, *span))

        else:
            tensors = plan_tensors(plan, device)
            codes = pool.device_codes(device)

            def work(span: tuple[int, int]) -> None:
                out[span[0] : span[1]] = reduce(score_torch(plan, tensors, codes, *span))

        if threads > 1 and len(spans) > 1:
            with ThreadPoolExecutor(threads) as ex:
                list(ex.map(work, spans))
        else:
            for span in spans:
                work(span)
        return out


# ------------------------------------------------------------------- link & uncertainty
def _inv_link(scores: np.ndarray, link: str, axis: int = 0) -> np.ndarray:
    """Scores -> probabilities along the class `axis`, overwriting `scores`.

    Binary has one score row (logit; class axis 0), multiclass one per class (softmax).
    """
    if link == "logit":
        from scipy.special import expit

        out = np.empty((2, *scores.shape[1:]))
        expit(scores[0], out=out[1])
        np.subtract(1.0, out[1], out=out[0])
        return out
    if link == "mlogit":
        scores -= scores.max(axis=axis, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=axis, keepdims=True)
        return scores
    if link == "monoclassification":
        return np.ones((1, *scores.shape[1:]))
    raise ValueError(f"Unsupported link {link!r}; only classifiers can be compiled.")


def _entropy(proba: np.ndarray, axis: int = 0) -> np.ndarray:
    """Entropy in nats along `axis` (0 log 0 = 0)."""
    from scipy.special import entr

    return np.asarray(entr(proba).sum(axis=axis))


def uncertainty_from_proba(proba: np.ndarray, kind: UncertaintyKind) -> np.ndarray:
    """Uncertainty of each row of a probability matrix (higher = more uncertain)."""
    if kind == "least_confident":
        return np.asarray(1.0 - proba.max(axis=1))
    if kind == "margin":
        return margin_uncertainty(proba)
    if kind == "entropy":
        return _entropy(proba, axis=1)
    raise ValueError(f"Unknown uncertainty kind {kind!r}; use least_confident, margin or entropy.")


# --------------------------------------------------------------------------- compile
def compile_ebm(ebm: Any) -> CompiledEBM:
    """Copy a fitted ExplainableBoostingClassifier's tables into a `CompiledEBM`."""
    if not hasattr(ebm, "term_scores_"):
        raise ValueError("The EBM is not fitted; call fit() before compile_ebm().")
    link = str(ebm.link_)
    if link not in ("logit", "mlogit", "monoclassification"):
        raise ValueError(f"Only classifiers can be compiled (the link is {link!r}).")
    classes = np.asarray(ebm.classes_)
    n_scores = len(classes) if link == "mlogit" else 1
    intercept = np.asarray(ebm.intercept_, np.float64).reshape(n_scores)

    def with_class_axis(scores: Any) -> np.ndarray:
        arr = np.asarray(scores, np.float64)
        return arr[..., None] if n_scores == 1 else arr

    term_scores = tuple(with_class_axis(s) for s in ebm.term_scores_)
    bagged = getattr(ebm, "bagged_scores_", None)
    bagged_scores = (
        tuple(with_class_axis(s) for s in bagged)
        if bagged is not None
        else tuple(s[None] for s in term_scores)
    )
    n_bags = bagged_scores[0].shape[0] if bagged_scores else 1
    bagged_intercept = np.asarray(
        getattr(ebm, "bagged_intercept_", np.tile(intercept, (n_bags, 1))), np.float64
    ).reshape(n_bags, n_scores)
    bins = tuple(tuple(_clean_level(level) for level in levels) for levels in ebm.bins_)
    return CompiledEBM(
        feature_names=tuple(str(n) for n in ebm.feature_names_in_),
        bins=bins,
        term_features=tuple(tuple(int(f) for f in tf) for tf in ebm.term_features_),
        term_scores=term_scores,
        bagged_scores=bagged_scores,
        intercept=intercept,
        bagged_intercept=bagged_intercept,
        link=link,
        classes=classes,
    )


def _clean_level(level: Any) -> np.ndarray | dict[str, int]:
    if isinstance(level, dict):
        return {str(k): int(v) for k, v in level.items()}
    return np.ascontiguousarray(level, np.float64)
