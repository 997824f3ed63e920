"""Rescoring time by chunk size and thread count, on the scoring bench's 1M x 20 data.

Why: `CompiledEBM` scores rows in chunks. One thread is fastest with chunks that stay in
the core's caches (64k rows); with threads, every numpy call of a chunk hands the
interpreter lock back and forth, so fewer, larger chunks win. This prints the best and
the median of ``--repeats`` rescorings (a new model's plan on a prepared pool, then the
kernel) for each pair, so that `THREADED_CHUNK_ROWS` can be checked on a machine.

Run: ``python tools/measure_chunks.py [--rows 1000000] [--repeats 7]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    import numpy as np

    from models.ebm import EBMSettings, fit_ebm
    from models.scoring import ScoringPool, _default_threads, compile_ebm
    from models.scoring_bench import bench_frame

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    X = bench_frame(args.rows, 20, 0)
    train = X.iloc[:2000]
    a, b = train["f0"].fillna(0), train["f1"].fillna(0)
    signal = a + b**2 - 0.5 * a * b + np.random.default_rng(1).normal(size=len(train))
    y = np.digitize(signal, np.quantile(signal, [1 / 3, 2 / 3]))
    types = ["continuous"] * 19 + ["nominal"]
    ebm = fit_ebm(train, y, types, EBMSettings(interactions=5, random_state=0))
    pool = ScoringPool.from_frame(X)
    compile_ebm(ebm).predict_proba(pool)  # warm-up
    for threads in sorted({1, _default_threads()}):
        for chunk in (65_536, 131_072, 262_144, 524_288):
            times = []
            for _ in range(args.repeats):
                compiled = compile_ebm(ebm)
                compiled.n_threads, compiled.chunk_rows = threads, chunk
                start = time.perf_counter()
                compiled.predict_proba(pool)
                times.append(time.perf_counter() - start)
            print(
                f"threads {threads}  chunk {chunk:>7,}  best {1e3 * min(times):6.1f} ms  "
                f"median {1e3 * statistics.median(times):6.1f} ms"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
