"""Benchmark compiled pool scoring against interpret's `predict_proba`.

Why: the design budget is "scoring 1,000,000 rows x 20 features is at least 5x faster than
interpret on the CPU". `labelwright bench` calls `benchmark_scoring`; `n_rows=100_000` is the
quick mode. The compiled timing covers what each retrain pays (compile, bin the pool's unique
values, score); the one-time pool preparation is reported apart as `prep_s`.
"""

from __future__ import annotations

import resource
import sys
import tracemalloc
from time import perf_counter, process_time
from typing import Any

import numpy as np
import pandas as pd

from models.ebm import EBMSettings, fit_ebm
from models.scoring import ScoringPool, compile_ebm, resolve_device


def _best_of(repeats: int, fn: Any) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeats):
        start = perf_counter()
        result = fn()
        best = min(best, perf_counter() - start)
    return best, result


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def benchmark_scoring(
    n_rows: int = 1_000_000,
    n_features: int = 20,
    seed: int = 0,
    device: str = "auto",
    *,
    n_classes: int = 2,
    interactions: int = 0,
    repeats: int = 5,
    n_train: int = 2_000,
) -> dict[str, Any]:
    """Fit a small EBM on `n_train` rows, then time scoring `n_rows` rows both ways.

    Times are wall seconds, best of `repeats`, the two methods interleaved so a shared
    machine's load hits both alike. `compiled_s` = compile + first scoring of the prepared
    pool by a fresh model (the per-retrain cost); `rescore_s` = scoring again with the binned
    pool cached; `ratio` = interpret_s / compiled_s. `*_cpu_s` are process CPU seconds (all
    threads), steadier than wall time on a loaded machine; `cpu_ratio` compares those.
    """
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        rng.normal(size=(n_rows, n_features)), columns=[f"f{i}" for i in range(n_features)]
    )
    train = X.iloc[:n_train]
    signal = train["f0"] + train["f1"] ** 2 - 0.5 * train["f2"] + rng.normal(size=n_train)
    y = np.digitize(signal, np.quantile(signal, np.linspace(0, 1, n_classes + 1)[1:-1]))

    # The app's interactive settings, not interpret's defaults.
    settings = EBMSettings(interactions=interactions, random_state=seed)
    start = perf_counter()
    ebm = fit_ebm(train, np.asarray(y), ["continuous"] * n_features, settings)
    fit_s = perf_counter() - start

    start = perf_counter()
    pool = ScoringPool.from_frame(X)
    prep_s = perf_counter() - start
    resolved = resolve_device(device)
    compile_ebm(ebm).predict_proba(pool, resolved)  # warm-up: lazy imports, thread start

    # Interleave the two so that a shared machine's load hits both alike; keep the best.
    interpret_s = compiled_s = compile_s = interpret_cpu_s = compiled_cpu_s = float("inf")
    for _ in range(repeats):
        t0, c0 = perf_counter(), process_time()
        expected = ebm.predict_proba(X)
        t1, c1 = perf_counter(), process_time()
        compiled = compile_ebm(ebm)
        t2 = perf_counter()
        proba = compiled.predict_proba(pool, resolved)
        t3, c3 = perf_counter(), process_time()
        interpret_s, interpret_cpu_s = min(interpret_s, t1 - t0), min(interpret_cpu_s, c1 - c0)
        compile_s = min(compile_s, t2 - t1)
        compiled_s, compiled_cpu_s = min(compiled_s, t3 - t1), min(compiled_cpu_s, c3 - c1)
    rescore_s, _ = _best_of(repeats, lambda: _rescore(compiled, pool, resolved))
    disagreement_s, _ = _best_of(repeats, lambda: compiled.disagreement(pool, resolved))

    tracemalloc.start()
    compile_ebm(ebm).predict_proba(pool, resolved)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    return {
        "rows": n_rows,
        "features": n_features,
        "classes": n_classes,
        "interactions": len(ebm.term_features_) - n_features,
        "device": resolved,
        "fit_s": fit_s,
        "interpret_s": interpret_s,
        "prep_s": prep_s,
        "compile_s": compile_s,
        "compiled_s": compiled_s,
        "rescore_s": rescore_s,
        "disagreement_s": disagreement_s,
        "ratio": interpret_s / compiled_s,
        "interpret_cpu_s": interpret_cpu_s,
        "compiled_cpu_s": compiled_cpu_s,
        "cpu_ratio": interpret_cpu_s / compiled_cpu_s,
        "max_abs_diff": float(np.abs(proba - expected).max()),
        "dataset_mb": float(X.memory_usage(deep=True).sum()) / 1e6,
        "pool_mb": pool.nbytes / 1e6,
        "scoring_peak_mb": traced_peak / 1e6,
        "peak_rss_mb": _peak_rss_mb(),
    }


def _rescore(compiled: Any, pool: ScoringPool, device: str) -> np.ndarray:
    """Score again with the pool's bins cached but without the cached probabilities."""
    compiled._state(pool).proba.clear()
    return np.asarray(compiled.predict_proba(pool, device))
