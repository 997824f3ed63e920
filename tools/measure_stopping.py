"""What does stopping where stabilizing predictions advise cost, and what does it save?

Usage: nice .venv/bin/python tools/measure_stopping.py [--sets ...] [--seeds 0 1 2]
       [--strategy margin] [--out stopping.md]

Each set runs ``simulate`` with a budget well past the usual stop point. ``stop_at``
(S) is where the predictions on the stop set had kept κ ≥ 0.99 for three rounds.
Reported: S, macro-F1 at S, macro-F1 at 4·S (or at the end of the budget when it
comes first), the F1 given up by stopping and the share of those labels saved. At
S the script also computes the accuracy estimates the model panel shows (the
learning curve's cross-validation, carried over to the unlabelled rows through the
model's confidence) and puts them beside the model's true accuracy on those rows.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tools import datasets, sim_harness

# (batch, budget, starting labels per class)
PLANS = {
    "breast_cancer": (10, 400, 5),
    "wine": (5, 150, 2),
    "iris": (5, 130, 2),
    "digits": (20, 800, 2),
    "imbalanced4": (20, 1000, 2),
    "ten_class": (20, 1000, 2),
}


def estimate_at_stop(found: dict[str, Any]) -> Any:
    """An ``on_round`` hook: the accuracy estimate at the round where stopping is advised."""
    from models.evaluation import curve_with_estimate
    from models.stopping import first_stable

    def hook(session: Any, rounds: list[dict[str, Any]]) -> None:
        if "estimate" in found:
            return
        stop = first_stable([r["labels"] for r in rounds], [r["stop_kappa"] for r in rounds])
        if stop is None:
            return
        model = session.model("label")
        labels = session._label_positions("label")
        pos = np.fromiter(labels, dtype=np.int64)
        y = np.asarray([labels[p] for p in pos], dtype=object)
        unlabelled = np.ones(session.n_rows, dtype=bool)
        unlabelled[pos] = False
        result = curve_with_estimate(
            session.design_rows("label", list(pos)),
            y,
            model.feature_types,
            model.classes,
            session.project.model,
            pool_confidence=model.proba.max(axis=1)[unlabelled],
        )
        found["estimate"] = result.accuracy
        found["pool_estimate"] = result.pool_accuracy
        found["unlabelled"] = unlabelled
        found["pool_predictions"] = np.asarray(model.predicted, dtype=object)[unlabelled]

    return hook


def one(name: str, strategy: str, seed: int, budget: int | None = None) -> dict[str, Any]:
    batch, planned, per_class = PLANS[name]
    budget = budget or planned
    found: dict[str, Any] = {}
    doc = sim_harness.run(
        datasets.SETS[name](),
        strategy,
        seed=seed,
        batch=batch,
        budget=budget,
        per_class=per_class,
        on_round=estimate_at_stop(found),
    )
    labels, f1 = sim_harness.f1_curve(doc)
    stop = doc["stop_at"]
    kappas = [r["stop_kappa"] for r in doc["rounds"] if r["stop_kappa"] is not None]
    row: dict[str, Any] = {
        "seed": seed,
        "stop_at": stop,
        "end": int(labels[-1]),
        "f1_end": float(f1[-1]),
        "last_kappas": [round(k, 4) for k in kappas[-5:]],
    }
    if stop is None:
        return row
    far = min(4 * stop, int(labels[-1]))
    i = int(np.flatnonzero(labels == stop)[0])
    row.update(
        far=far,
        f1_stop=float(f1[i]),
        f1_far=sim_harness.f1_at(doc, far),
        saved=1.0 - stop / far,
        accuracy=doc["rounds"][i]["targets"]["label"]["accuracy"],
    )
    est, pooled = found.get("estimate"), found.get("pool_estimate")
    if est is not None and pooled is not None:
        truth = np.asarray(datasets.SETS[name]()[1], dtype=object)
        model_pred = found["pool_predictions"]
        pool_acc = float(np.mean(model_pred == truth[found["unlabelled"]]))
        row["pool_accuracy"] = pool_acc
        row["estimate"] = f"{est.accuracy:.3f} [{est.low:.3f}, {est.high:.3f}]"
        row["pool_estimate"] = f"{pooled.accuracy:.3f} [{pooled.low:.3f}, {pooled.high:.3f}]"
        row["covered"] = pooled.low <= pool_acc <= pooled.high
    row["cost"] = row["f1_far"] - row["f1_stop"]
    return row


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sets", nargs="+", default=list(PLANS))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--strategy", default="margin")
    parser.add_argument("--budget", type=int, default=None, help="instead of each set's plan")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    lines = [
        f"Stopping where κ ≥ 0.99 held for 3 rounds ({args.strategy} sampling), per seed "
        f"{' / '.join(map(str, args.seeds))}",
        "",
        "| set | batch | stop at (labels) | F1 at stop | F1 at 4× stop | F1 given up | "
        "labels saved | accuracy on the unlabelled rows at stop | its estimate [95% interval] "
        "| cross-validated accuracy of the labelled rows |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    print("\n".join(lines), flush=True)
    for name in args.sets:
        rows = [one(name, args.strategy, s, args.budget) for s in args.seeds]
        for r in rows:
            print(f"  {name} {r}", file=sys.stderr, flush=True)
        stopped = [r for r in rows if r["stop_at"] is not None]

        def cell(key: str, fmt: str, rows: list[dict[str, Any]] = rows) -> str:
            return " / ".join("–" if r.get(key) is None else format(r[key], fmt) for r in rows)

        summary = ""
        if stopped:
            summary = (
                f" (mean {statistics.mean(r['cost'] for r in stopped):+.3f}, "
                f"worst {max(r['cost'] for r in stopped):+.3f})"
            )
        line = (
            f"| {name} | {PLANS[name][0]} | {cell('stop_at', 'd')} | {cell('f1_stop', '.3f')} | "
            f"{cell('f1_far', '.3f')} | {cell('cost', '+.3f')}{summary} | {cell('saved', '.0%')} | "
            f"{cell('pool_accuracy', '.3f')} | {cell('pool_estimate', 's')} | "
            f"{cell('estimate', 's')} |"
        )
        lines.append(line)
        print(line, flush=True)
    if args.out:
        Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
