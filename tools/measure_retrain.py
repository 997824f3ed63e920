"""Retrain time and learning quality before and after the multiclass settings of models/ebm.py.

Usage: nice .venv/bin/python tools/measure_retrain.py [--seeds 0 1 2] [--repeats 5] [--skip-aulc]

1. Where the time of one digits fit goes (10 classes × 64 features, 200 labels): the
   pair search (fit with the pairs given minus fit with the search), the pair boosting
   (fit without pairs), the bags and the rounds each bag ran.
2. The two retrain figures of ``labelwright bench`` (``models.retrain_bench``), old and
   new settings interleaved, median of ``--repeats``.
3. AULC (area under the macro-F1 curve of ``simulate``, margin sampling) on digits and on
   the 2,000 × 20 binary set, old and new settings, per seed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models.ebm import EBMSettings, fit_ebm
from models.retrain_bench import digits_case, retrain_seconds
from tools import datasets, sim_harness

OLD = EBMSettings(multiclass_outer_bags=6, multiclass_max_rounds=400, multiclass_learning_rate=0.06)
NEW = EBMSettings()


class PhaseClock:
    """Times interpret's boosting and pair search by wrapping them (fits run in-process)."""

    def __init__(self) -> None:
        import interpret.glassbox._ebm._ebm as ebm_module

        self.module = ebm_module
        self.seconds = {"mains": 0.0, "pair search": 0.0, "pairs": 0.0}
        self.calls = {"mains": 0, "pair search": 0, "pairs": 0}
        self._searched = False
        self._boost, self._rank = ebm_module.boost, ebm_module.rank_interactions

    def _wrap(self, fn: Any, phase: Any) -> Any:
        def timed(*args: Any, **kwargs: Any) -> Any:
            name = phase()
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - start
                self.calls[name] += 1

        return timed

    def __enter__(self) -> PhaseClock:
        def search() -> str:
            self._searched = True
            return "pair search"

        self.module.boost = self._wrap(self._boost, lambda: "pairs" if self._searched else "mains")
        self.module.rank_interactions = self._wrap(self._rank, search)
        return self

    def __exit__(self, *exc: object) -> None:
        self.module.boost, self.module.rank_interactions = self._boost, self._rank


def breakdown(repeats: int = 3) -> None:
    data, target = digits_case()
    pos = np.fromiter(target.labels, dtype=np.int64)
    X, y = data.iloc[pos], np.asarray([target.labels[p] for p in pos], dtype=object)
    types = ["continuous"] * X.shape[1]
    print(f"Where one digits fit's time goes (200 labels, the fastest of {repeats}):")
    for name, s in (("old", OLD), ("new", NEW)):
        best: tuple[float, PhaseClock, Any] | None = None
        for _ in range(repeats):
            with PhaseClock() as clock:
                t = time.perf_counter()
                ebm = fit_ebm(X, y, types, s)
                total = time.perf_counter() - t
            if best is None or total < best[0]:
                best = (total, clock, ebm)
        assert best is not None
        total, clock, ebm = best
        bags = clock.calls["mains"]
        rounds = (np.asarray(ebm.best_iteration_)[0] / X.shape[1]).round().astype(int).tolist()
        rest = total - sum(clock.seconds.values())
        parts = ", ".join(f"{k} {v:.2f} s" for k, v in clock.seconds.items())
        print(
            f"  {name}: total {total:.2f} s = {parts}, binning and set-up {rest:.2f} s; "
            f"{bags} bags ({clock.seconds['mains'] / max(bags, 1):.2f} s of main-effect "
            f"boosting each); main rounds per bag {rounds}"
        )


def timings(repeats: int) -> None:
    print(f"Retrain as the app runs it (median of {repeats}, old/new interleaved):")
    for case in ("multiclass", "binary"):
        got: dict[str, list[float]] = {"old": [], "new": []}
        for _ in range(2):
            for name, s in (("old", OLD), ("new", NEW)):
                got[name].append(retrain_seconds(case, s, repeats)["median_s"])
        old, new = min(got["old"]), min(got["new"])
        print(f"  {case:10s} old {old:.2f} s   new {new:.2f} s")


def quality(seeds: list[int]) -> None:
    print("AULC of margin sampling (simulate), old vs new settings:")
    cases = {
        "digits": (datasets.digits(), 20, 280),
        "binary_2000": (datasets.binary_2000(), 20, 280),
    }
    for name, (ds, batch, budget) in cases.items():
        diffs = []
        for seed in seeds:
            row = []
            for s in (OLD, NEW):
                settings = EBMSettings.from_json({**s.to_json(), "random_state": seed})
                t = time.perf_counter()
                doc = sim_harness.run(
                    ds, "margin", seed=seed, batch=batch, budget=budget, settings=settings
                )
                row.append((sim_harness.aulc(doc), time.perf_counter() - t))
            diffs.append(row[1][0] - row[0][0])
            print(
                f"  {name:12s} seed {seed}: old {row[0][0]:.4f} ({row[0][1]:.0f} s)   "
                f"new {row[1][0]:.4f} ({row[1][1]:.0f} s)   new - old {diffs[-1]:+.4f}"
            )
        print(f"  {name:12s} mean new - old {statistics.mean(diffs):+.4f}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--skip-aulc", action="store_true")
    args = parser.parse_args()
    breakdown()
    timings(args.repeats)
    if not args.skip_aulc:
        quality(args.seeds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
