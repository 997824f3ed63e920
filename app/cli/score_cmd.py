"""``labelwright score``: train, then score the whole pool and report rows per second."""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

from app.core.errors import UserError


def add_parser(sub: Any) -> None:
    p = sub.add_parser("score", help="score the pool with the compiled model, report rows/s")
    p.add_argument("project", nargs="?", help="a project, data file with a project, or 'demo'")
    p.add_argument("--data", help="a data file to score (with --target)")
    p.add_argument("--target", action="append", help="target column(s) for --data")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda", "mps"])
    p.add_argument(
        "--rows",
        type=int,
        default=0,
        help="repeat the data up to this many rows to measure throughput",
    )
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--debug", action="store_true", help="show tracebacks")


def run(args: argparse.Namespace) -> int:
    from app.core.session import LabelingSession

    if bool(args.project) == bool(args.data):
        raise UserError("Give either a PROJECT or --data FILE --target COLUMN to score, not both.")
    with tempfile.TemporaryDirectory(prefix="labelwright-score-") as tmp:
        if args.data:
            if not Path(args.data).exists():
                raise UserError(f"The data file {args.data} does not exist; check the path.")
            session = LabelingSession.open(
                args.data, args.target, project_path=Path(tmp) / "score.lwproj"
            )
        else:
            if args.project != "demo" and not Path(args.project).exists():
                raise UserError(f"The project file {args.project} does not exist; check the path.")
            session = LabelingSession.open(args.project)
        try:
            session.retrain()
            for target in session.targets:
                print(_score_target(session, target, args.device, args.rows, args.repeats))
        finally:
            session.close()
    return 0


def _score_target(session: Any, target: str, device: str, rows: int, repeats: int) -> str:
    import numpy as np
    import pandas as pd

    from models.scoring import ScoringPool, compile_ebm, resolve_device

    model = session.model(target)
    if model is None:
        return f"{target}: no model yet (it needs labels of two classes)."
    try:
        resolved = resolve_device(device)
    except ValueError as exc:
        raise UserError(f"{exc}".rstrip(".") + ".") from exc
    frame = model.design
    if rows and rows > len(frame):
        reps = int(np.ceil(rows / len(frame)))
        frame = pd.concat([frame] * reps, ignore_index=True).iloc[:rows]
    start = time.perf_counter()
    pool = ScoringPool.from_frame(frame)
    prep = time.perf_counter() - start
    best = float("inf")
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        compile_ebm(model.ebm).predict_proba(pool, resolved)
        best = min(best, time.perf_counter() - start)
    n = len(frame)
    return (
        f"{target}: {n:,} rows in {best:.4f} s = {n / best:,.0f} rows/s on {resolved} "
        f"(pool prepared once in {prep:.3f} s)"
    )
