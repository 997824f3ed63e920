"""Benchmark compiled scoring against interpret's `predict_proba`, both ways in.

Why: two budgets of DESIGN.md. On 1M x 20 rows (3 classes, 5 pairs, 5 % NaN, one
categorical column), interleaved best-of runs in one process, parity <= 1e-6:
- one-shot ``compile_ebm(m).predict_proba(DataFrame)``, binning included: >= 5x interpret;
- a prepared pool rescored by a new model (compile, place its cuts, score): >= 10x.
`labelwright bench` calls `benchmark_scoring`; ``n_rows=100_000`` is the quick mode.
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


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def bench_frame(
    n_rows: int, n_features: int, seed: int, *, missing: float = 0.05, categorical: bool = True
) -> pd.DataFrame:
    """Normal floats with `missing` NaN; the last column a 5-category categorical."""
    rng = np.random.default_rng(seed)
    n_float = n_features - 1 if categorical else n_features
    values = rng.normal(size=(n_rows, n_float))
    if missing:
        values[rng.random(values.shape) < missing] = np.nan
    X = pd.DataFrame(values, columns=[f"f{i}" for i in range(n_float)])
    if categorical:
        X[f"f{n_float}"] = pd.Categorical(rng.choice(list("abcde"), n_rows))
    return X


def _timed(fn: Any) -> tuple[float, float, Any]:
    wall, cpu = perf_counter(), process_time()
    result = fn()
    return perf_counter() - wall, process_time() - cpu, result


def benchmark_scoring(
    n_rows: int = 1_000_000,
    n_features: int = 20,
    seed: int = 0,
    device: str = "auto",
    *,
    n_classes: int = 3,
    interactions: int = 5,
    missing: float = 0.05,
    categorical: bool = True,
    repeats: int = 5,
    n_train: int = 2_000,
) -> dict[str, Any]:
    """Fit an EBM with the app's settings on `n_train` rows, then time scoring `n_rows`.

    Each round runs interpret, the one-shot path and the rescoring path back to back (so a
    shared machine's load hits all three alike); every figure is the best round. Times are
    wall seconds; ``*_cpu_s`` are process CPU seconds (all threads), steadier under load.
    `prep_s` is the one-time pool preparation that rescoring does not pay again.
    """
    X = bench_frame(n_rows, n_features, seed, missing=missing, categorical=categorical)
    rng = np.random.default_rng(seed + 1)
    train = X.iloc[:n_train]
    a, b = train["f0"].fillna(0), train["f1"].fillna(0)
    signal = a + b**2 - 0.5 * a * b + rng.normal(size=n_train)
    y = np.digitize(signal, np.quantile(signal, np.linspace(0, 1, n_classes + 1)[1:-1]))
    types = ["continuous"] * n_features
    if categorical:
        types[-1] = "nominal"
    settings = EBMSettings(interactions=interactions, random_state=seed)
    fit_s, _, ebm = _timed(lambda: fit_ebm(train, np.asarray(y), types, settings))

    prep_s, _, pool = _timed(lambda: ScoringPool.from_frame(X))
    resolved = resolve_device(device)
    compile_ebm(ebm).predict_proba(pool, resolved)  # warm-up: lazy imports, thread start
    compile_ebm(ebm).predict_proba(X.iloc[:1000], resolved)

    best = dict.fromkeys(("interpret", "one_shot", "rescore"), (float("inf"), float("inf")))
    diff = 0.0
    for _ in range(repeats):
        rounds = {
            "interpret": _timed(lambda: ebm.predict_proba(X)),
            "one_shot": _timed(lambda: compile_ebm(ebm).predict_proba(X, resolved)),
            "rescore": _timed(lambda: compile_ebm(ebm).predict_proba(pool, resolved)),
        }
        expected = rounds["interpret"][2]
        for name, (wall, cpu, proba) in rounds.items():
            best[name] = (min(best[name][0], wall), min(best[name][1], cpu))
            diff = max(diff, float(np.abs(proba - expected).max()))
        del rounds, expected, proba
    compiled = compile_ebm(ebm)
    compiled.predict_proba(pool, resolved)
    disagreement_s = min(_timed(lambda: compiled.disagreement(pool, resolved))[0] for _ in "ab")

    tracemalloc.start()
    compile_ebm(ebm).predict_proba(pool, resolved)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    interpret_s, interpret_cpu_s = best["interpret"]
    one_shot_s, one_shot_cpu_s = best["one_shot"]
    rescore_s, rescore_cpu_s = best["rescore"]
    return {
        "rows": n_rows,
        "features": n_features,
        "classes": n_classes,
        "interactions": sum(len(t) == 2 for t in ebm.term_features_),
        "device": resolved,
        "fit_s": fit_s,
        "interpret_s": interpret_s,
        "one_shot_s": one_shot_s,
        "one_shot_ratio": interpret_s / one_shot_s,
        "rescore_s": rescore_s,
        "rescore_ratio": interpret_s / rescore_s,
        "prep_s": prep_s,
        "disagreement_s": disagreement_s,
        "interpret_cpu_s": interpret_cpu_s,
        "one_shot_cpu_s": one_shot_cpu_s,
        "rescore_cpu_s": rescore_cpu_s,
        "one_shot_cpu_ratio": interpret_cpu_s / one_shot_cpu_s,
        "rescore_cpu_ratio": interpret_cpu_s / rescore_cpu_s,
        "max_abs_diff": diff,
        "dataset_mb": float(X.memory_usage(deep=True).sum()) / 1e6,
        "pool_mb": pool.nbytes / 1e6,
        "scoring_peak_mb": traced_peak / 1e6,
        "peak_rss_mb": _peak_rss_mb(),
    }
