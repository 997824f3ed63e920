"""``labelwright score``: predictions for every row, or the scoring speed.

- ``score PROJECT [--data F] --out F.csv|F.parquet``: id, prediction, confidence and the
  chosen uncertainty per row and target (`app.core.predictions`).
- ``score PROJECT --data 'big/*.parquet' --out DIR --dask SCHEDULER|local``: the same for
  a table larger than RAM, on a Dask cluster (`app.core.dask_scoring`).
- Without ``--out``: score the pool with the compiled model and report rows per second.
The models are trained from the project's labels first (or from the labels in ``--data``
when no project is given).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from app.core.errors import UserError

UNCERTAINTIES = ("margin", "least_confident", "entropy")


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "score",
        help="write predictions for every row (--out), or report the scoring speed",
        description="Train on the project's labels, then write id, prediction, confidence and "
        "uncertainty per row (--out), or report rows per second.",
    )
    p.add_argument("project", nargs="?", help="a project, data file with a project, or 'demo'")
    p.add_argument(
        "--data",
        help="the rows to score: a file, or with --dask Parquet files ('dir/*.parquet' or a "
        "folder); without PROJECT, a data file whose labels train the model (with --target)",
    )
    p.add_argument("--target", action="append", help="target column(s) for --data alone")
    p.add_argument(
        "--out",
        help="write predictions: F.csv or F.parquet; with --dask, a folder of Parquet parts",
    )
    p.add_argument(
        "--dask",
        metavar="SCHEDULER|local",
        help="score on a Dask cluster: its scheduler address, or 'local' for one on this machine",
    )
    p.add_argument("--workers", type=int, help="worker processes of --dask local (default: cores)")
    p.add_argument(
        "--uncertainty",
        choices=UNCERTAINTIES,
        default="margin",
        help="the uncertainty written per row (default: margin)",
    )
    p.add_argument(
        "--top",
        type=int,
        default=100,
        metavar="N",
        help="with --dask: the N most uncertain rows per target, in top_uncertain.parquet",
    )
    p.add_argument(
        "--device", default="auto", choices=["auto", "cpu", "cuda", "mps"], help="where to score"
    )
    p.add_argument(
        "--rows",
        type=int,
        default=0,
        help="without --out: repeat the data up to this many rows to measure throughput",
    )
    p.add_argument("--repeats", type=int, default=3, help="without --out: timed runs, best kept")
    p.add_argument("--debug", action="store_true", help="show tracebacks")


def _check_arguments(args: argparse.Namespace) -> None:
    from app.core.predictions import output_format

    if not args.project and not args.data:
        raise UserError("Give a PROJECT, or --data FILE --target COLUMN, to score.")
    if args.dask:
        from app.core.dask_scoring import dask_missing_sentence

        missing = dask_missing_sentence()
        if missing:
            raise UserError(missing)
        if not args.out:
            raise UserError("--dask writes Parquet partitions; give --out a folder for them.")
        if not args.project:
            raise UserError("To score with --dask, give the PROJECT whose models score the data.")
        if not args.data:
            raise UserError("To score with --dask, give the Parquet files with --data.")
        if args.top < 1:
            raise UserError("--top must be 1 or more; give how many uncertain rows to keep.")
        return
    if args.out:
        output_format(Path(args.out))
    if args.data and not args.project and not Path(args.data).exists():
        raise UserError(f"The data file {args.data} does not exist; check the path.")


def run(args: argparse.Namespace) -> int:
    from app.core.session import LabelingSession

    _check_arguments(args)
    with tempfile.TemporaryDirectory(prefix="labelwright-score-") as tmp:
        if args.project:
            if args.project != "demo" and not Path(args.project).exists():
                raise UserError(f"The project file {args.project} does not exist; check the path.")
            session = LabelingSession.open(args.project)
        else:
            session = LabelingSession.open(
                args.data, args.target, project_path=Path(tmp) / "score.lwproj"
            )
        try:
            session.retrain()
            if args.dask:
                return _score_on_dask(session, args)
            if args.out:
                return _score_to_file(session, args)
            for target in session.targets:
                print(_score_target(session, target, args.device, args.rows, args.repeats))
        finally:
            session.close()
    return 0


def _device(name: str) -> str:
    from models.scoring import resolve_device

    try:
        return resolve_device(name)
    except ValueError as exc:
        raise UserError(f"{exc}".rstrip(".") + ".") from exc


def _score_to_file(session: Any, args: argparse.Namespace) -> int:
    from app.core.opening import with_id_column
    from app.core.predictions import score_session_rows, write_predictions

    data = None
    if args.data and args.project:
        data = with_id_column(_read_rows(args.data), session.schema, Path(args.data).name)
    frame = score_session_rows(session, data, args.uncertainty, _device(args.device))
    write_predictions(frame, Path(args.out))
    print(
        f"Wrote predictions for {len(frame):,} rows and {len(session.targets)} target(s) "
        f"to {args.out}."
    )
    return 0


def _read_rows(data: str) -> Any:
    """One data file, or every Parquet file of a folder or a pattern, as one table."""
    import pandas as pd

    from app.core.dataset import load_table

    path = Path(data)
    if path.is_file():
        return load_table(path)
    if not path.is_dir() and not any(ch in data for ch in "*?["):
        raise UserError(f"The data file {data} does not exist; check the path.")
    from app.core.dask_scoring import parquet_files

    return pd.concat([load_table(f) for f in parquet_files(data)], ignore_index=True)


def _score_on_dask(session: Any, args: argparse.Namespace) -> int:
    from app.core.dask_scoring import dask_client, find_partitions, prepare_out_dir
    from app.core.dask_scoring import run_dask_scoring as run_on_cluster
    from app.core.predictions import scorers_for

    scorers = scorers_for(session)
    parts = find_partitions(args.data)
    id_column = _checked_id_column(scorers, sorted({p.path for p in parts}), session.schema)
    out = Path(args.out)
    prepare_out_dir(out)
    device = "cpu" if args.device == "auto" else _device(args.device)
    start = time.perf_counter()
    with dask_client(args.dask, args.workers) as client:
        print(f"Scoring {len(parts)} partition(s) on Dask ({args.dask})…", file=sys.stderr)
        summary = run_on_cluster(
            client,
            scorers,
            parts,
            out,
            id_column,
            args.uncertainty,
            args.top,
            progress=lambda line: print(line, file=sys.stderr, flush=True),
            device=device,
        )
    seconds = time.perf_counter() - start
    print(
        f"Wrote predictions for {summary['rows']:,} rows in {len(parts)} partition(s) to {out} "
        f"in {seconds:.1f} s; the {args.top} most uncertain rows per target are in "
        "top_uncertain.parquet."
    )
    return 0


def _checked_id_column(scorers: Any, paths: list[str], schema: Any) -> str | None:
    """The project's id column, or None where the app numbers the rows (``row_id``)."""
    import pyarrow.parquet as pq

    from app.core.predictions import check_columns

    numbered = schema.id_column.startswith("row_id")
    with_ids = []
    for path in paths:
        names = pq.ParquetFile(path).schema_arrow.names
        check_columns(scorers, names, f"The file {Path(path).name}")
        with_ids.append(schema.id_column in names)
    if all(with_ids):
        return str(schema.id_column)
    if numbered and not any(with_ids):
        return None
    name = Path(paths[with_ids.index(False)]).name
    raise UserError(
        f"The file {name} has no column '{schema.id_column}', the id column of this project; "
        "add it so that each prediction names its row."
    )


def _score_target(session: Any, target: str, device: str, rows: int, repeats: int) -> str:
    import numpy as np
    import pandas as pd

    from models.scoring import ScoringPool, compile_ebm

    model = session.model(target)
    if model is None:
        return f"{target}: no model yet (it needs labels of two classes)."
    resolved = _device(device)
    frame = session.design_rows(target, list(range(session.n_rows)))
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
