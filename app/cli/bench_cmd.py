"""``labelwright bench``: the performance suite of DESIGN.md, printed as a table and saved."""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from typing import Any

from app.core.atomic import atomic_write_text

BUDGETS = {
    "retrain_s": ("<=", 2.0),
    "scoring_ratio": (">=", 5.0),
    "memory_ratio": ("<=", 3.0),
    "max_stall_ms": ("<=", 50.0),
    "key_to_paint_max_ms": ("<=", 50.0),
    "startup_s": ("<=", 2.0),
}


def add_parser(sub: Any) -> None:
    p = sub.add_parser("bench", help="run the performance suite")
    p.add_argument("--quick", action="store_true", help="a reduced run, about a minute")
    p.add_argument("--out", required=True, help="where to write the JSON results")
    p.add_argument("--skip-gui", action="store_true", help="leave out the GUI measurements")
    p.add_argument("--debug", action="store_true", help="show tracebacks")


def bench_retrain(quick: bool) -> dict[str, Any]:
    """Retrain one target on 2,000 labels × 20 features with the app's settings."""
    import numpy as np
    import pandas as pd

    from models.ebm import EBMSettings
    from models.training import TargetInput, train_targets

    rng = np.random.default_rng(0)
    n, d = 2000, 20
    data = pd.DataFrame(rng.normal(size=(n, d)), columns=[f"f{i}" for i in range(d)])
    data.iloc[rng.random((n, d)) < 0.05] = np.nan
    signal = data["f0"].fillna(0) + data["f1"].fillna(0) * data["f2"].fillna(0) + rng.normal(size=n)
    y = np.where(signal > 0, "yes", "no")
    target = TargetInput("t", ["no", "yes"], list(data.columns), [], dict(enumerate(y)))
    kinds = dict.fromkeys(data.columns, "numeric")
    times = []
    for seed in range(2 if quick else 5):
        start = time.perf_counter()
        train_targets(data, kinds, [target], EBMSettings(random_state=seed))
        times.append(time.perf_counter() - start)
    warm = times[1:] if len(times) > 1 else times
    return {
        "retrain_s": statistics.median(warm),
        "retrain_max_s": max(warm),
        "retrain_first_s": times[0],
        "retrain_rows": n,
        "retrain_features": d,
    }


def bench_scoring(quick: bool) -> dict[str, Any]:
    from models.scoring_bench import benchmark_scoring

    r = benchmark_scoring(n_rows=100_000 if quick else 1_000_000, repeats=3 if quick else 5)
    return {
        "scoring_rows": r["rows"],
        "scoring_device": r["device"],
        "interpret_s": r["interpret_s"],
        "compiled_s": r["compiled_s"],
        "scoring_ratio": r["ratio"],
        "scoring_cpu_ratio": r["cpu_ratio"],
        "pool_prep_s": r["prep_s"],
        "rows_per_s": r["rows"] / r["compiled_s"],
        "max_abs_diff": r["max_abs_diff"],
        "dataset_mb": r["dataset_mb"],
        "scoring_peak_mb": r["scoring_peak_mb"] + r["pool_mb"],
        "memory_ratio": (r["dataset_mb"] + r["pool_mb"] + r["scoring_peak_mb"]) / r["dataset_mb"],
    }


def bench_gui(quick: bool) -> dict[str, Any]:
    """The GUI numbers come from a child process, so Qt never loads into this one."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    cmd = [sys.executable, "-m", "app.gui.measure", "demo"]
    if quick:
        cmd.append("--quick")
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900, check=False)
    if out.returncode != 0:
        return {"gui_error": (out.stderr.strip().splitlines() or ["failed"])[-1]}
    result: dict[str, Any] = json.loads(out.stdout[out.stdout.index("{") :])
    return result


def verdict(key: str, value: float) -> str:
    op, limit = BUDGETS[key]
    ok = value <= limit if op == "<=" else value >= limit
    return "ok" if ok else "OVER BUDGET"


def run(args: argparse.Namespace) -> int:
    results: dict[str, Any] = {
        "quick": bool(args.quick),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
    }
    for name, fn in (("retrain", bench_retrain), ("scoring", bench_scoring), ("gui", bench_gui)):
        if name == "gui" and args.skip_gui:
            continue
        print(f"measuring {name}…", file=sys.stderr, flush=True)
        results.update(fn(args.quick))
    results["budgets"] = {
        k: {
            "limit": f"{op} {lim}",
            "value": results.get(k),
            "verdict": verdict(k, results[k]) if k in results else "not measured",
        }
        for k, (op, lim) in BUDGETS.items()
    }
    atomic_write_text(args.out, json.dumps(results, indent=2))
    print(format_table(results))
    return 0


def format_table(results: dict[str, Any]) -> str:
    rows = [("measure", "value", "budget", "verdict")]
    labels = {
        "retrain_s": "retrain 2,000 x 20 (s, median)",
        "scoring_ratio": f"scoring {results.get('scoring_rows', 0):,} x 20 vs interpret (x)",
        "memory_ratio": "peak memory while scoring / dataset",
        "max_stall_ms": "longest GUI stall during retrain+score (ms)",
        "key_to_paint_max_ms": "key press to next sample painted, worst (ms)",
        "startup_s": "startup to usable window (s)",
    }
    for key, info in results["budgets"].items():
        value = info["value"]
        shown = "-" if value is None else f"{value:.3g}"
        rows.append((labels[key], shown, info["limit"], info["verdict"]))
    extra = [
        ("interpret predict_proba (s)", results.get("interpret_s")),
        ("compiled scoring (s)", results.get("compiled_s")),
        ("scoring rows per second", results.get("rows_per_s")),
        ("pool preparation, once (s)", results.get("pool_prep_s")),
    ]
    for label, value in extra:
        if value is not None:
            rows.append((label, f"{value:,.4g}", "", ""))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows)
