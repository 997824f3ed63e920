"""Compile a fitted EBM into gather tables and rescore an unlabelled pool fast.

Why: after every retrain the app rescores the same pool; only the model changes. So the
pool is prepared once (`ScoringPool`: per column the sorted unique values and each row's
int32 code into them, one contiguous (n_columns, n_rows) array) and each new model only
bins the *unique values*: per feature a "code -> bin" map (uint8, or int16 past 256 bins).
Scoring is then, per term, ``score[k] += table[k][map[code]]``; a pair's maps hold
``bin * stride`` so its flat index into the 2-D table is the sum of two gathered maps.
Scores are class-major (k, rows): every gather is a 1-D take and softmax is elementwise.

Binning matches interpret 0.7.8 exactly (`glassbox/_ebm/_bin.py`, `utils/_clean_x.py`; the
value conversions live in `models._scoring_values`): continuous bin = 1 + #(cuts <= x), so
a value equal to a cut goes up, NaN/None -> bin 0, unparseable strings -> the unknown (last)
bin; categoricals compare interpret's text form (floats "2.0" -> "2", bools -> "1"/"0",
else ``str``), missing -> 0, unseen -> last. Pairs use ``bins_[f][1]`` where present.
Binary uses the logit link, multiclass softmax ("mlogit").

Committee: each outer bag is a model (``bagged_scores_``/``bagged_intercept_``).
`disagreement` is the mean KL divergence of each bag's probabilities to the consensus (their
mean), i.e. the generalised Jensen-Shannon divergence H(mean p) - mean H(p): continuous
(vote entropy only has a few values with 2-6 bags), >= 0, 0 when the bags agree.

Measured, 1,000,000 x 20 random floats, binary, no pairs, the app's EBM settings (64 bins),
2 cores shared with other jobs (load 2-4, so +-50 %; best of 5-7, interleaved with interpret):
- interpret ``predict_proba``: 0.53-0.85 s (multiclass, 3 classes: 0.85-1.5 s).
- naive torch bucketize of raw values: ~1.2 s. Per-unique float64 score tables built by
  searchsorting 1M uniques: 0.48 s per retrain, replaced by searchsorting the cuts into the
  sorted uniques plus ``np.repeat``: 0.3-1 ms per feature (plan: 7-30 ms for 20).
- one gather from a per-unique float64 table (8 MB, misses L2): 0.18-0.23 s; as float32:
  0.13-0.17 s but error 1.5e-7 with no 1e-6 guarantee, so float64 is kept.
- two gathers (1 MB uint8 map, then an L1 table): 0.10-0.15 s on 1 thread; torch
  ``index_select`` (int16/uint8 maps) 0.08-0.13 s, no consistent winner; int32 maps are
  slower (0.18 s, 4x the cache footprint). torch intra-op threads or one fused gather over
  all features: 0.15-0.2 s. Chunks of 16k-256k rows: within noise; 262,144 is kept.
- 2 threads over row chunks (numpy releases the GIL): 0.06-0.09 s, i.e. 6-9x interpret;
  CPU seconds (all threads) 0.105 vs 0.53 (5x).
- multiclass: row-major (rows, k) tables 0.22 s/thread, class-major 0.18 s; 2 threads 0.10 s
  vs interpret 0.89 s (9x). Pairs (3) add ~30 %.
So the CPU path is numpy + threads; cuda/mps run the same plan as torch tensors (mps in
float32: it has no float64). Pool preparation, once: 0.5-1.7 s for 1M x 20 (one argsort per
mostly-distinct column; hashing for the others).
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

from models._scoring_values import PoolColumn, bin_column, index_dtype, n_bins_of, prepare_column

UncertaintyKind = Literal["least_confident", "margin", "entropy"]
DEFAULT_CHUNK_ROWS = 262_144

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
    codes: np.ndarray  # (n_columns, n_rows) int32, C-contiguous; code == n_uniques is missing
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
            tensor = torch.from_numpy(self.codes).to(device)
            self._device_codes[device] = tensor
        return tensor


def prepare_pool(X: Any, *, n_threads: int | None = None) -> ScoringPool:
    """Alias of `ScoringPool.from_frame`."""
    return ScoringPool.from_frame(X, n_threads=n_threads)


def resolve_device(device: str = "auto") -> str:
    """'auto' -> cuda if available, else mps, else cpu; explicit names are checked."""
    if device == "cpu":
        return device
    import torch

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
class _Term:
    keys: tuple[tuple[int, int, int], ...]  # (feature, bin level, stride) per dimension
    cols: tuple[int, ...]  # pool column per dimension
    maps: tuple[np.ndarray, ...]  # unique code -> bin * stride, per dimension (missing last)
    table: np.ndarray  # (width, n_cells): class-major, so each gather is a 1-D take


@dataclass(eq=False)
class _Plan:
    terms: tuple[_Term, ...]
    intercept: np.ndarray  # (width,)
    width: int
    tensors: dict[str, Any] = field(default_factory=dict)


@dataclass(eq=False)
class _PoolState:
    binmaps: dict[tuple[int, int, int], np.ndarray] = field(default_factory=dict)
    plans: dict[str, _Plan] = field(default_factory=dict)
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
    chunk_rows: int = DEFAULT_CHUNK_ROWS
    n_threads: int | None = None  # CPU worker threads over row chunks (default: cores, max 4)
    cpu_backend: Literal["numpy", "torch"] = "numpy"  # torch on CPU runs the GPU kernel
    _states: weakref.WeakKeyDictionary[ScoringPool, _PoolState] = field(
        default_factory=weakref.WeakKeyDictionary, repr=False
    )

    @property
    def n_bags(self) -> int:
        return int(self.bagged_intercept.shape[0])

    # ----------------------------------------------------------------- public API
    def predict_proba(self, X: Any, device: str = "auto") -> np.ndarray:
        """Class probabilities (n, n_classes), equal to interpret's to 1e-6."""
        pool = X if isinstance(X, ScoringPool) else ScoringPool.from_frame(X)
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
        pool = X if isinstance(X, ScoringPool) else ScoringPool.from_frame(X)
        if self.link == "monoclassification" or self.n_bags < 2:
            return np.zeros(pool.n_rows)
        return self._run(pool, "bags", resolve_device(device), self._to_disagreement, 0)

    # ------------------------------------------------------------------ internals
    def _to_proba(self, scores: np.ndarray) -> np.ndarray:
        return _inv_link(scores, self.link).T

    def _to_disagreement(self, scores: np.ndarray) -> np.ndarray:
        # mean_b KL(p_b || q) with q = mean_b p_b equals H(q) - mean_b H(p_b) (Jensen-Shannon)
        from scipy.special import entr, expit

        if self.link == "logit":  # scores (n_bags, m): two-class entropies without stacking
            p1 = expit(scores)
            q1 = p1.mean(axis=0)
            spread = entr(q1) + entr(1.0 - q1) - (entr(p1) + entr(1.0 - p1)).mean(axis=0)
        else:  # scores (n_bags * k, m), bag-major
            by_bag = scores.reshape(self.n_bags, -1, scores.shape[-1])  # (n_bags, k, m)
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

    def _plan(self, pool: ScoringPool, which: str) -> _Plan:
        state = self._state(pool)
        plan = state.plans.get(which)
        if plan is not None:
            return plan
        cols = self._pool_columns(pool)
        n_scores = self.intercept.shape[0]
        terms = []
        for t, features in enumerate(self.term_features):
            if which == "mean":
                table = self.term_scores[t]
            else:  # (n_bags, *dims, k) -> (*dims, n_bags * k)
                table = np.moveaxis(self.bagged_scores[t], 0, -2)
                table = table.reshape(*table.shape[:-2], -1)
            dims = table.shape[:-1]
            # Each map holds bin * stride in a dtype that fits the whole table, so a pair's
            # flat index is just the sum of its gathered maps.
            dtype = index_dtype(int(np.prod(dims)))
            keys, maps = [], []
            for d, f in enumerate(features):
                level = min(len(self.bins[f]), len(features)) - 1
                stride = int(np.prod(dims[d + 1 :]))
                bmap = state.binmaps.get((f, level, stride))
                if bmap is None:
                    if n_bins_of(self.bins[f][level]) != dims[d]:
                        raise ValueError(f"Term {t} does not match the bins of feature {f}.")
                    bmap = state.binmaps.get((f, level, 1))
                    if bmap is None:
                        bmap = bin_column(pool.columns[cols[f]], self.bins[f][level])
                        state.binmaps[(f, level, 1)] = bmap
                    if stride != 1 or bmap.dtype != dtype:
                        bmap = bmap.astype(dtype) * dtype(stride)
                        state.binmaps[(f, level, stride)] = bmap
                keys.append((f, level, stride))
                maps.append(bmap)
            flat = np.ascontiguousarray(table.reshape(-1, table.shape[-1]).T, np.float64)
            terms.append(_Term(tuple(keys), tuple(cols[f] for f in features), tuple(maps), flat))
        intercept = self.intercept if which == "mean" else self.bagged_intercept.reshape(-1)
        width = n_scores if which == "mean" else n_scores * self.n_bags
        plan = _Plan(tuple(terms), np.asarray(intercept, np.float64), width)
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
        chunk = max(1, self.chunk_rows)
        if threads > 1 and n > 65_536:  # balance the chunks over the threads
            chunk = min(chunk, -(-n // threads))
        spans = [(s, min(s + chunk, n)) for s in range(0, n, chunk)]

        if not use_torch:

            def work(span: tuple[int, int]) -> None:
                out[span[0] : span[1]] = reduce(_score_numpy(plan, pool.codes, *span))

        else:
            tensors = _plan_tensors(plan, device)
            codes = pool.device_codes(device)

            def work(span: tuple[int, int]) -> None:
                scores = _score_torch(plan, tensors, codes, *span)
                out[span[0] : span[1]] = reduce(scores)

        if threads > 1 and len(spans) > 1:
            with ThreadPoolExecutor(threads) as ex:
                list(ex.map(work, spans))
        else:
            for span in spans:
                work(span)
        return out


# --------------------------------------------------------------------- kernels
def _score_numpy(plan: _Plan, codes: np.ndarray, start: int, stop: int) -> np.ndarray:
    """Raw scores (width, m) for rows [start, stop): numpy gathers."""
    acc = np.empty((plan.width, stop - start), np.float64)
    acc[...] = plan.intercept[:, None]
    bins_cache: dict[tuple[int, int, int], np.ndarray] = {}
    for term in plan.terms:
        index: np.ndarray | None = None
        for key, col, bmap in zip(term.keys, term.cols, term.maps, strict=True):
            bins = bins_cache.get(key)
            if bins is None:
                bins = bmap.take(codes[col, start:stop])
                bins_cache[key] = bins
            index = bins if index is None else index + bins
        assert index is not None
        if plan.width > 1:
            index = index.astype(np.intp)  # take() would convert it once per row of acc
        for row, table in zip(acc, term.table, strict=True):
            row += table.take(index)
    return acc


def _plan_tensors(plan: _Plan, device: str) -> dict[str, Any]:
    """The plan's maps and tables on `device`, cached (float32 on mps: no float64 there)."""
    import torch

    cached = plan.tensors.get(device)
    if cached is None:
        dtype = torch.float32 if device.startswith("mps") else torch.float64
        cached = {
            "maps": [[torch.from_numpy(m).to(device) for m in term.maps] for term in plan.terms],
            "tables": [torch.from_numpy(t.table).to(device, dtype) for t in plan.terms],
            "intercept": torch.from_numpy(plan.intercept).to(device, dtype),
        }
        plan.tensors[device] = cached
    return cached


def _score_torch(
    plan: _Plan, tensors: dict[str, Any], codes: Any, start: int, stop: int
) -> np.ndarray:
    """Raw scores for rows [start, stop) with torch on the tensors' device."""
    import torch

    acc = tensors["intercept"][:, None].expand(plan.width, stop - start).clone()
    bins_cache: dict[tuple[int, int, int], Any] = {}
    for term, maps, table in zip(plan.terms, tensors["maps"], tensors["tables"], strict=True):
        index: Any = None
        for key, col, bmap in zip(term.keys, term.cols, maps, strict=True):
            bins = bins_cache.get(key)
            if bins is None:
                bins = bmap.index_select(0, codes[col, start:stop])
                bins_cache[key] = bins
            index = bins if index is None else index + bins
        acc += table.index_select(1, index.to(torch.int32))  # narrowest index dtype it takes
    return acc.to("cpu", torch.float64).numpy()


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
        if proba.shape[1] < 2:
            return np.zeros(proba.shape[0])
        top2 = np.partition(proba, -2, axis=1)[:, -2:]
        return np.asarray(1.0 - (top2[:, 1] - top2[:, 0]))
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
