"""Committee against margin and random sampling, with ``simulate``, on six datasets.

Usage: nice .venv/bin/python tools/measure_committee.py [--sets ...] [--seeds 0 1 2]
       [--variants kl hybrid0.1 ...] [--out committee.md]

Strategies: random, margin, and the committee in several forms, set through
``models.strategies.COMMITTEE_WEIGHT``:
- ``kl``: the outer bags' disagreement alone (mean KL divergence to the consensus),
  the committee before issue 11;
- ``hybridW``: the consensus's margin uncertainty plus W × the bags' disagreement
  (scaled to [0, 1] over the pool).

Reported per set: AULC (area under the macro-F1 curve, divided by its width), mean
of seeds, and the labels each strategy needs to reach random sampling's final F1.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models import strategies
from tools import datasets, sim_harness

# (batch, budget, starting labels per class)
PLANS = {
    "breast_cancer": (10, 150, 5),
    "wine": (5, 60, 2),
    "iris": (5, 60, 2),
    "digits": (20, 280, 2),
    "imbalanced4": (20, 300, 2),
    "ten_class": (20, 300, 2),
}


def run(name: str, strategy: str, seed: int) -> dict[str, Any]:
    batch, budget, per_class = PLANS[name]
    real = strategy
    if strategy == "kl":
        strategies.COMMITTEE_WEIGHT, real = None, "committee"
    elif strategy.startswith("hybrid"):
        strategies.COMMITTEE_WEIGHT, real = float(strategy[len("hybrid") :]), "committee"
    return sim_harness.run(
        datasets.SETS[name](), real, seed=seed, batch=batch, budget=budget, per_class=per_class
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sets", nargs="+", default=list(PLANS))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--variants", nargs="+", default=["kl", "hybrid0.1"])
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    names = ["random", "margin", *args.variants]
    head = "| set | " + " | ".join(names) + " | labels to reach random's final F1 |"
    lines = [
        f"AULC (macro-F1), mean of seeds {' '.join(map(str, args.seeds))}",
        "",
        head,
        "|---" * (len(names) + 2) + "|",
    ]
    print("\n".join(lines), flush=True)
    for name in args.sets:
        docs = {s: [run(name, s, seed) for seed in args.seeds] for s in names}
        per_seed = {s: [sim_harness.aulc(d) for d in docs[s]] for s in names}
        for s in names:
            cells = " ".join(f"{v:.4f}" for v in per_seed[s])
            print(f"  {name} {s}: AULC per seed {cells}", file=sys.stderr, flush=True)
        areas = {s: statistics.mean(per_seed[s]) for s in names}
        reach = []
        for s in names:
            need = []
            for i in range(len(args.seeds)):
                final = sim_harness.f1_curve(docs["random"][i])[1][-1]
                need.append(sim_harness.labels_to_reach(docs[s][i], final))
            reach.append(f"{s} " + "/".join(str(n) if n is not None else "–" for n in need))
        cells = " | ".join(f"{areas[s]:.4f}" for s in names)
        line = f"| {name} | {cells} | {'; '.join(reach)} |"
        lines.append(line)
        print(line, flush=True)
    if args.out:
        Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
