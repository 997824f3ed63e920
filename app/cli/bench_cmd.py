"""``labelwright bench``: the performance suite of DESIGN.md, printed as a table and saved.

Each section (`SECTIONS`) returns flat figures. With ``--load N`` every section runs a
second time while N busy processes (`app.cli.busy_load`) keep the cores busy; the quiet
figures stay at the top level of the JSON and the loaded ones go under ``"loaded"``.
A new section is one function ``(quick) -> dict`` added to `SECTIONS`, and a budget one
entry in `BUDGETS` and `LABELS`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from typing import Any

from app.core.atomic import atomic_write_text

BUDGETS = {
    "retrain_s": ("<=", 1.0),
    "retrain_multiclass_s": ("<=", 2.0),
    "scoring_ratio": (">=", 5.0),
    "rescore_ratio": (">=", 10.0),
    "memory_ratio": ("<=", 3.0),
    "max_stall_ms": ("<=", 50.0),
    "key_to_paint_max_ms": ("<=", 50.0),
    "startup_s": ("<=", 2.0),
    "label_to_suggestions_s": ("<=", 1.5),
    "reopen_s": ("<=", 2.0),
    "suggest_any_s": ("<=", 0.3),
    "memory_million_ratio": ("<=", 3.0),
}


def add_parser(sub: Any) -> None:
    p = sub.add_parser("bench", help="run the performance suite")
    p.add_argument("--quick", action="store_true", help="a reduced run, about a minute")
    p.add_argument("--out", required=True, help="where to write the JSON results")
    p.add_argument("--skip-gui", action="store_true", help="leave out the GUI measurements")
    p.add_argument(
        "--only",
        metavar="SECTIONS",
        help="run these sections alone, comma-separated (retrain, scoring, gui, million)",
    )
    p.add_argument(
        "--load",
        type=int,
        default=0,
        metavar="N",
        help="measure again while N busy processes keep the cores busy (e.g. 2)",
    )
    p.add_argument("--debug", action="store_true", help="show tracebacks")


def bench_retrain(quick: bool) -> dict[str, Any]:
    """Whole retrains as the app runs them: 2,000 labels x 20 features (binary), and digits
    at 200 labels (10 classes x 64 features); both cases live in ``models.retrain_bench``."""
    from models.retrain_bench import retrain_seconds

    repeats = 2 if quick else 5
    binary = retrain_seconds("binary", repeats=repeats)
    multi = retrain_seconds("multiclass", repeats=repeats)
    return {
        "retrain_s": binary["median_s"],
        "retrain_max_s": binary["max_s"],
        "retrain_first_s": binary["first_s"],
        "retrain_rows": binary["labels"],
        "retrain_features": binary["features"],
        "retrain_multiclass_s": multi["median_s"],
        "retrain_multiclass_max_s": multi["max_s"],
    }


def bench_scoring(quick: bool) -> dict[str, Any]:
    """1M x 20 (quick: 100k), 3 classes, 5 pairs, NaN, a categorical: both ways in."""
    from models.scoring_bench import benchmark_scoring

    r = benchmark_scoring(n_rows=100_000 if quick else 1_000_000, repeats=3 if quick else 5)
    return {
        "scoring_rows": r["rows"],
        "scoring_device": r["device"],
        "interpret_s": r["interpret_s"],
        "one_shot_s": r["one_shot_s"],
        "scoring_ratio": r["one_shot_ratio"],
        "rescore_s": r["rescore_s"],
        "rescore_ratio": r["rescore_ratio"],
        "scoring_cpu_ratio": r["one_shot_cpu_ratio"],
        "rescore_cpu_ratio": r["rescore_cpu_ratio"],
        "pool_prep_s": r["prep_s"],
        "rows_per_s": r["rows"] / r["one_shot_s"],
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


_BIG_FOLDER: list[Any] = []  # one temporary folder per bench run: quiet and loaded share it


def bench_million(quick: bool) -> dict[str, Any]:
    """The window at 1,000,000 rows × 20 (quick: 100,000), 200 labels, one binary target."""
    import tempfile
    from pathlib import Path

    from app.cli.bench_million import measure_million

    if not _BIG_FOLDER:
        _BIG_FOLDER.append(tempfile.TemporaryDirectory(prefix="labelwright-bench-"))
    rows = 100_000 if quick else 1_000_000
    try:
        result: dict[str, Any] = measure_million(Path(_BIG_FOLDER[0].name), rows)
    except Exception as exc:  # one sentence in the table instead of a lost run
        return {"million_error": str(exc)}
    return result


SECTIONS = (
    ("retrain", bench_retrain),
    ("scoring", bench_scoring),
    ("gui", bench_gui),
    ("million", bench_million),
)
GUI_SECTIONS = {"gui", "million"}

LABELS = {
    "retrain_s": "retrain 2,000 x 20 binary (s, median)",
    "retrain_multiclass_s": "retrain digits, 10 classes x 64, 200 labels (s, median)",
    "scoring_ratio": "one-shot scoring {rows} x 20 vs interpret (x)",
    "rescore_ratio": "rescoring a prepared pool, new model, vs interpret (x)",
    "memory_ratio": "peak memory while scoring / dataset",
    "max_stall_ms": "longest GUI stall during retrain+score (ms)",
    "key_to_paint_max_ms": "key press to next sample painted, worst (ms)",
    "startup_s": "startup to usable window (s)",
    "label_to_suggestions_s": "{big} rows: label to fresh suggestions on screen (s)",
    "reopen_s": "{big} rows: reopening the project to a usable window (s)",
    "suggest_any_s": "{big} rows: suggestions, slowest strategy, scores ready (s)",
    "memory_million_ratio": "{big} rows: peak memory above the 2,000-row base / data",
}

EXTRA = {
    "interpret_s": "interpret predict_proba (s)",
    "one_shot_s": "compiled one-shot scoring (s)",
    "rescore_s": "compiled rescoring of a prepared pool (s)",
    "rows_per_s": "one-shot scoring rows per second",
    "pool_prep_s": "pool preparation, once (s)",
    "stall_p99_ms": "GUI stall while labelling, 99th percentile (ms)",
    "review_max_stall_ms": "longest GUI stall during a retrain and a review (ms)",
    "reopen_session_s": "{big} rows: reopening the session alone (s)",
    "reopen_window_adds_s": "{big} rows: what the window adds to reopening (s)",
    "million_data_mb": "{big} rows: the data in memory (MB)",
    "million_peak_mb": "{big} rows: peak memory, window + worker (MB)",
    "base_mb": "2,000 rows: peak memory, window + worker (MB)",
    "million_max_stall_ms": "{big} rows: longest GUI stall while labelling (ms)",
}


def verdict(key: str, value: float) -> str:
    op, limit = BUDGETS[key]
    ok = value <= limit if op == "<=" else value >= limit
    return "ok" if ok else "OVER BUDGET"


def measure(quick: bool, skip_gui: bool, only: set[str] | None = None) -> dict[str, Any]:
    """Every section once (or those in ``only``), on the machine as it is now."""
    results: dict[str, Any] = {}
    for name, fn in SECTIONS:
        if (name in GUI_SECTIONS and skip_gui) or (only is not None and name not in only):
            continue
        print(f"measuring {name}…", file=sys.stderr, flush=True)
        results.update(fn(quick))
    return results


def run(args: argparse.Namespace) -> int:
    from app.cli.busy_load import busy_processes

    results: dict[str, Any] = {
        "quick": bool(args.quick),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
    }
    only = _sections(args.only)
    results.update(measure(args.quick, args.skip_gui, only))
    if args.load > 0:
        print(f"again with {args.load} busy processes…", file=sys.stderr, flush=True)
        with busy_processes(args.load):
            results["loaded"] = measure(args.quick, args.skip_gui, only)
        results["load"] = args.load
    loaded = results.get("loaded", {})
    budgets: dict[str, Any] = {}
    for key, (op, lim) in BUDGETS.items():
        entry: dict[str, Any] = {
            "limit": f"{op} {lim}",
            "value": results.get(key),
            "verdict": verdict(key, results[key]) if key in results else "not measured",
        }
        if key in loaded:
            entry["loaded_value"] = loaded[key]
            entry["loaded_verdict"] = verdict(key, loaded[key])
        budgets[key] = entry
    results["budgets"] = budgets
    atomic_write_text(args.out, json.dumps(results, indent=2))
    print(format_table(results))
    return 0


def _sections(text: str | None) -> set[str] | None:
    if not text:
        return None
    from app.core.errors import UserError

    names = {t.strip() for t in text.split(",") if t.strip()}
    known = [name for name, _fn in SECTIONS]
    unknown = sorted(names - set(known))
    if unknown:
        raise UserError(
            f"bench has no section '{unknown[0]}'; choose from {', '.join(known)} for --only."
        )
    return names


def format_table(results: dict[str, Any]) -> str:
    load = results.get("load")
    loaded = results.get("loaded", {})
    big = f"{int(results.get('million_rows', 1_000_000)):,}"
    head = ["measure", "quiet"] + ([f"load {load}"] if load else []) + ["budget", "verdict"]
    rows = [head]
    for key, info in results["budgets"].items():
        label = LABELS[key].format(rows=f"{results.get('scoring_rows', 0):,}", big=big)
        row = [label, _shown(info["value"])]
        verdicts = info["verdict"]
        if load:
            row.append(_shown(info.get("loaded_value")))
            verdicts += f" / {info.get('loaded_verdict', 'not measured')}"
        rows.append([*row, info["limit"], verdicts])
    for key, label in EXTRA.items():
        label = label.format(big=big)
        if key in results:
            value = [f"{results[key]:,.4g}"] + ([_shown(loaded.get(key))] if load else [])
            rows.append([label, *value, "", ""])
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows)


def _shown(value: Any) -> str:
    return "-" if value is None else f"{value:.3g}"
