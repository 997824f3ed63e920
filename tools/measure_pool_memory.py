"""What a kept scoring pool buys at a million rows, and what the worker's malloc heaps cost.

1. Rescoring: a new model scores every row from a prepared `ScoringPool` (unique values
   and int32 row codes kept, ~225 MB at 1M × 20) or straight from the columns
   (`CompiledEBM.one_shot_pool`, binned against the model's cuts). Both give the same
   numbers; the script prints the pool's preparation, both times, and the largest
   difference.
2. The window on the bench's million-row project (`app.gui.measure_big`), once with the
   worker's two malloc heaps (``MALLOC_ARENA_MAX=2``, the default now) and once with
   glibc's own limit (8 per core), printing each process's peak memory.

Run: ``python tools/measure_pool_memory.py [--rows 1000000] [--folder /tmp/lw_pool]``.
The project is made once in the folder and reused.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def rescoring(project: Path, repeats: int = 3) -> None:
    import numpy as np

    from app.core.session import LabelingSession
    from app.gui.model_jobs import data_source
    from app.worker import payloads
    from app.worker.data_file import load_frame
    from models.design import design_matrix
    from models.scoring import ScoringPool, compile_ebm
    from models.training import fit_target

    with LabelingSession.open(project) as session:
        source = data_source(session)
        order = payloads.train_payload(session, None)
    frame = load_frame(source)
    assert frame is not None, "no features file beside the project"
    target = order.order[0]
    X, _types = design_matrix(frame, target.features, source.kinds, {})
    start = time.perf_counter()
    pool = ScoringPool.from_frame(X)
    print(f"pool preparation: {time.perf_counter() - start:.2f} s")
    model = fit_target(frame, source.kinds, target, {}, order.settings, pool).ebm
    for _ in range(repeats):
        compiled = compile_ebm(model)
        start = time.perf_counter()
        kept = compiled.predict_proba(pool)
        with_pool = time.perf_counter() - start
        compiled = compile_ebm(model)
        start = time.perf_counter()
        direct = compiled.predict_proba(X)
        from_columns = time.perf_counter() - start
        print(
            f"rescoring: kept pool {with_pool:.3f} s, from the columns {from_columns:.3f} s, "
            f"largest difference {float(np.abs(kept - direct).max()):.1e}"
        )


def window_memory(project: Path, arenas: str) -> dict[str, float]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", MALLOC_ARENA_MAX=arenas)
    out = subprocess.run(
        [sys.executable, "-m", "app.gui.measure_big", str(project)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=1800,
        check=True,
    )
    figures = json.loads(out.stdout[out.stdout.index("{") :])
    return {k: figures[k] for k in ("window_peak_mb", "worker_peak_mb", "label_to_suggestions_s")}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--folder", type=Path, default=Path("/tmp/lw_pool"))
    args = parser.parse_args()
    from app.cli.bench_million import make_project

    folder = args.folder / f"project_{args.rows}"
    project = next(folder.glob("*.lwproj"), None) or make_project(folder, args.rows)
    rescoring(project)
    glibc = str(8 * (os.cpu_count() or 1))
    for arenas in ("2", glibc):
        print(f"MALLOC_ARENA_MAX={arenas}: {window_memory(project, arenas)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
