"""Chained targets: does the upstream's probability help more than its hard prediction?

Usage: nice .venv/bin/python tools/measure_chained.py [--seeds 0 1 2] [--budget 200]

Sets:
- ``synthetic``: 2,000 rows; target A depends on x0..x3 (with a pair), target B on A and
  x4, x5. B is defined on A's true value, so B's model leans on the chained column;
  where A has no label it sees A's model's prediction or probability.
- ``clinic``: the demo's DM, HTN and CKD diagnoses, CKD chained on DM and HTN.

Both run ``simulate`` with margin sampling (every target gets a batch each round) in
the two modes of ``models.design.CHAINED_AS``; reported is the AULC (area under the
macro-F1 curve, divided by its width) of the chained target, per seed and mean.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.core.simulate import simulate
from models import design
from models.ebm import EBMSettings


def synthetic(seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, list[str]], str]:
    rng = np.random.default_rng(seed)
    n = 2000
    x = rng.normal(size=(n, 6))
    a = x[:, 0] + x[:, 1] + 0.7 * x[:, 2] * x[:, 3] + 0.4 * rng.normal(size=n) > 0
    b = np.where(a, 1.0, -1.0) + 0.9 * x[:, 4] - 0.4 * x[:, 5] + 0.4 * rng.normal(size=n) > 0.2
    frame = pd.DataFrame(x, columns=[f"x{i}" for i in range(6)])
    truth = pd.DataFrame(
        {"A": np.where(a, "yes", "no"), "B": np.where(b, "yes", "no")}, dtype=object
    )
    features = {"A": ["x0", "x1", "x2", "x3"], "B": ["x4", "x5", "A"]}
    return frame, truth, features, "B"


def clinic(seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, list[str]], str]:
    from app.core.demo import clinic_frames, demo_definition

    spec = demo_definition()
    data, truth = clinic_frames(spec["rows"], spec["seed"], 0)
    targets = ("DM_label", "HTN_label", "CKD_label")
    features = {t["name"]: list(t["features"]) for t in spec["targets"] if t["name"] in targets}
    features["CKD_label"] += ["DM_label", "HTN_label"]
    columns = sorted({f for fs in features.values() for f in fs if f not in targets})
    return data[columns], truth[list(targets)].copy(), features, "CKD_label"


SETS = {"synthetic": synthetic, "clinic": clinic}


def run(name: str, how: str, seed: int, batch: int, budget: int) -> dict[str, Any]:
    X, truth, features, _ = SETS[name]()
    n = len(X)
    rng = np.random.default_rng(seed)
    data = X.copy()
    data.insert(0, "id", np.arange(1, n + 1))
    for t in truth.columns:
        column = np.full(n, None, dtype=object)
        for cls in sorted(set(truth[t])):
            picks = rng.choice(np.flatnonzero(truth[t].to_numpy() == cls), 5, replace=False)
            column[picks] = cls
        data[t] = column
    design.CHAINED_AS = how
    with tempfile.TemporaryDirectory(prefix="lw-chained-") as tmp:
        data_path, truth_path = Path(tmp) / "data.csv", Path(tmp) / "truth.csv"
        data.to_csv(data_path, index=False)
        truth.insert(0, "id", np.arange(1, n + 1))
        truth.to_csv(truth_path, index=False)
        return simulate(
            data_path,
            truth_path,
            list(features),
            "margin",
            batch,
            budget,
            seed=seed,
            features=features,
            settings=EBMSettings(random_state=seed),
        )


def aulc(doc: dict[str, Any], target: str) -> float:
    x = np.asarray([r["labels"] for r in doc["rounds"]], dtype=np.float64)
    y = np.asarray([r["targets"][target]["model_f1"] for r in doc["rounds"]])
    return float(np.trapezoid(y, x) / (x[-1] - x[0]))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sets", nargs="+", default=list(SETS))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--budget", type=int, default=200)
    args = parser.parse_args()
    print("| set | chained target | seed | AULC, hard prediction | AULC, probability |")
    print("|---|---|---|---|---|")
    for name in args.sets:
        target = SETS[name]()[3]
        pairs = []
        for seed in args.seeds:
            hard = aulc(run(name, "label", seed, args.batch, args.budget), target)
            soft = aulc(run(name, "probability", seed, args.batch, args.budget), target)
            pairs.append((hard, soft))
            print(f"| {name} | {target} | {seed} | {hard:.4f} | {soft:.4f} |", flush=True)
        hard_mean = statistics.mean(p[0] for p in pairs)
        soft_mean = statistics.mean(p[1] for p in pairs)
        print(f"| {name} | {target} | mean | {hard_mean:.4f} | {soft_mean:.4f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
