"""Does active learning beat random sampling? Runs ``labelwright simulate`` per strategy and seed.

Usage: .venv/bin/python tools/compare_strategies.py [--seeds 0 1 2] [--budget 150] [--out DIR]
Prints, per seed, how many labels each strategy needs to reach random sampling's final macro-F1.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.cli import main as labelwright
from tests.datasets import breast_cancer_files

STRATEGIES = ("random", "margin", "committee")


def labels_to_reach(rounds: list[dict], target: str, f1: float) -> int | None:
    for r in rounds:
        if r["targets"][target]["model_f1"] >= f1:
            return int(r["labels"])
    return None


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--budget", type=int, default=150)
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    out = Path(args.out or tempfile.mkdtemp(prefix="lw-compare-"))
    print(f"{'seed':>4}  {'random final F1':>15}  " + "  ".join(f"{s:>10}" for s in STRATEGIES))
    for seed in args.seeds:
        folder = out / f"seed{seed}"
        folder.mkdir(parents=True, exist_ok=True)
        data, truth, _ = breast_cancer_files(folder, n_seed_labels=10, seed=seed)
        rounds = {}
        for strategy in STRATEGIES:
            result = folder / f"{strategy}.json"
            code = labelwright(
                [
                    "simulate",
                    "--data",
                    str(data),
                    "--truth",
                    str(truth),
                    "--target",
                    "label",
                    "--strategy",
                    strategy,
                    "--batch",
                    str(args.batch),
                    "--budget",
                    str(args.budget),
                    "--seed",
                    str(seed),
                    "--out",
                    str(result),
                ]
            )
            if code:
                return code
            rounds[strategy] = json.loads(result.read_text())["rounds"]
        final = rounds["random"][-1]["targets"]["label"]["model_f1"]
        need = [labels_to_reach(rounds[s], "label", final) for s in STRATEGIES]
        print(f"{seed:>4}  {final:>15.4f}  " + "  ".join(f"{n!s:>10}" for n in need))
    print(f"Rounds written under {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
