"""Score a folder of Parquet files larger than RAM on a Dask cluster (dask.distributed).

``labelwright score PROJECT --data 'big/*.parquet' --out predictions/ --dask SCHEDULER|local``

- The input is split into partitions of whole row groups (about `ROWS_PER_PARTITION` rows);
  one task per partition reads only the model columns, scores every target with the
  compiled models (scattered once to every worker: plain arrays, no interpret objects) and
  writes ``part-NNNNN.parquet`` atomically under a name fixed by its partition. A task
  that Dask retries (its worker died) rewrites the same file: complete, no duplicates.
  The temporary file of a killed writer is swept by the next writer and at the end.
- Each task returns only its partition's top-N most uncertain rows per target; they are
  merged on the cluster in a tree (8 at a time) into the global top-N, written to
  ``top_uncertain.parquet``. No partition's rows ever travel to this process.
- ``_labelwright.json`` lists the partitions, written last: its presence means complete.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.core.atomic import atomic_path, atomic_write_text
from app.core.errors import UserError
from app.core.scratch import sweep

if TYPE_CHECKING:
    import pandas as pd

    from models.partition_scoring import TargetScorer

ROWS_PER_PARTITION = 1_000_000
MERGE_FAN_IN = 8
MANIFEST = "_labelwright.json"
TOP_FILE = "top_uncertain.parquet"
PART_PREFIX = "part-"
KILL_AT = "LABELWRIGHT_KILL_AT"  # the crash tests' variable (app.core.faults)
KILL_ONCE = "LABELWRIGHT_KILL_ONCE_MARKER"  # with it: kill one process only, once


@dataclass(frozen=True)
class Partition:
    """Whole row groups of one Parquet file; `first_row` counts rows over all files."""

    index: int
    path: str
    row_groups: tuple[int, ...]
    rows: int
    first_row: int

    @property
    def name(self) -> str:
        return f"{PART_PREFIX}{self.index:05d}.parquet"


def dask_missing_sentence() -> str | None:
    """None when dask.distributed imports, else the one sentence that says how to get it."""
    try:
        import dask  # noqa: F401
        import distributed  # noqa: F401
    except ImportError:
        return (
            "--dask needs Dask, which is not installed; install it with "
            "pip install 'labelwright[dask]'."
        )
    return None


def parquet_files(data: str) -> list[Path]:
    """The files of a glob, a folder (its *.parquet) or one file, sorted by name."""
    path = Path(data)
    if path.is_dir():
        files = sorted(path.glob("*.parquet")) + sorted(path.glob("*.pq"))
    elif any(ch in data for ch in "*?["):
        files = [Path(p) for p in sorted(glob.glob(data))]  # noqa: PTH207 - absolute patterns
    else:
        files = [path] if path.exists() else []
    files = [f for f in files if f.is_file()]
    if not files:
        raise UserError(f"No Parquet files match {data}; check the path or the pattern.")
    odd = [f.name for f in files if f.suffix.lower() not in (".parquet", ".pq")]
    if odd:
        raise UserError(
            f"A folder or pattern of data files must hold Parquet files, but {odd[0]} is not "
            "one; convert it, or give that one file."
        )
    return sorted(files, key=lambda f: str(f))


def find_partitions(data: str, rows_per_partition: int = ROWS_PER_PARTITION) -> list[Partition]:
    """Partitions of whole row groups, in file order; reads only the files' footers."""
    import pyarrow.parquet as pq

    parts: list[Partition] = []
    first_row = 0
    for path in parquet_files(data):
        try:
            meta = pq.ParquetFile(path).metadata
        except (OSError, ValueError) as exc:
            raise UserError(f"{path.name} is not a readable Parquet file ({exc}).") from exc
        groups: list[int] = []
        rows = 0
        for g in range(meta.num_row_groups):
            n = meta.row_group(g).num_rows
            if groups and rows + n > rows_per_partition:
                parts.append(Partition(len(parts), str(path), tuple(groups), rows, first_row))
                first_row += rows
                groups, rows = [], 0
            groups.append(g)
            rows += n
        if groups or meta.num_row_groups == 0:
            parts.append(Partition(len(parts), str(path), tuple(groups), rows, first_row))
            first_row += rows
    return parts


def prepare_out_dir(out: Path) -> None:
    """An empty or new folder, or one holding an earlier prediction run (replaced)."""
    if out.exists() and not out.is_dir():
        raise UserError(f"With --dask, --out is a folder, but {out} is a file; give a folder.")
    if out.suffix.lower() in (".csv", ".parquet", ".pq") and not out.exists():
        raise UserError(
            f"With --dask the predictions go into a folder of Parquet partitions; give --out "
            f"a folder name, not {out.name}."
        )
    if not out.exists():
        if not out.parent.is_dir():
            raise UserError(
                f"Cannot write into {out}: the folder {out.parent} does not exist; create it "
                "first or choose another folder."
            )
        out.mkdir()
        return
    entries = list(out.iterdir())
    if not entries:
        return
    if not (out / MANIFEST).exists() and not any(e.name.startswith(PART_PREFIX) for e in entries):
        raise UserError(f"The folder {out} is not empty; give --out a new or empty folder.")
    if not (out / MANIFEST).exists():
        raise UserError(
            f"The folder {out} holds an unfinished prediction run; delete it or give --out "
            "another folder."
        )
    for entry in entries:  # an earlier complete run of ours: replace it whole
        ours = entry.name in (MANIFEST, TOP_FILE) or entry.name.startswith(PART_PREFIX)
        if ours and entry.is_file():
            entry.unlink()


def _kill_once(name: str) -> None:
    """Crash tests: SIGKILL this process at `name`, once over all processes (a marker file)."""
    if os.environ.get(KILL_AT) != name:
        return
    marker = os.environ.get(KILL_ONCE)
    if marker:
        try:
            os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return
    import signal

    os.kill(os.getpid(), signal.SIGKILL)


def score_partition(
    part: Partition,
    scorers: Sequence[TargetScorer],
    out_dir: str,
    id_column: str | None,
    kind: str,
    n_top: int,
    device: str = "cpu",
) -> pd.DataFrame:
    """Worker task: read, score, write ``part-NNNNN.parquet`` atomically; return top rows."""
    import numpy as np
    import pyarrow.parquet as pq

    from app.core.predictions import prediction_frame
    from models.partition_scoring import merge_tops, needed_columns, score_frame, top_rows

    columns = needed_columns(scorers)
    if id_column is not None and id_column not in columns:
        columns = [id_column, *columns]
    table = pq.ParquetFile(part.path).read_row_groups(list(part.row_groups), columns=columns)
    frame = table.to_pandas()
    if id_column is None:  # the project numbers its rows: number these after all before
        ids = np.arange(part.first_row, part.first_row + len(frame), dtype=np.int64)
    else:
        ids = frame[id_column].to_numpy()
    for scorer in scorers:
        scorer.compiled.n_threads = 1  # the cluster's parallelism is its tasks
    scores = score_frame(scorers, frame, kind, device)  # type: ignore[arg-type]
    predictions = prediction_frame(ids, scores)
    with atomic_path(Path(out_dir) / part.name) as tmp:
        predictions.to_parquet(tmp, index=False)
        _kill_once("dask:writing")  # crash tests: the file written, not yet in place
    return merge_tops([top_rows(t, part.index, ids, s, n_top) for t, s in scores.items()], n_top)


@contextlib.contextmanager
def dask_client(scheduler: str, workers: int | None = None) -> Iterator[Any]:
    """A client of `scheduler` (an address), or of a local cluster of processes for "local"."""
    import logging

    from distributed import Client, LocalCluster

    if not logging.getLogger().isEnabledFor(logging.DEBUG):  # --debug shows Dask's own log
        logging.getLogger("distributed").setLevel(logging.ERROR)
    if scheduler != "local":
        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError) as exc:
            raise UserError(
                f"Cannot reach the Dask scheduler at {scheduler} ({exc}); check the address, "
                "or use --dask local."
            ) from exc
        with client:
            yield client
        return
    n = workers or max(1, os.cpu_count() or 1)
    with (
        LocalCluster(
            n_workers=n,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def run_dask_scoring(
    client: Any,
    scorers: Sequence[TargetScorer],
    parts: Sequence[Partition],
    out_dir: Path,
    id_column: str | None,
    kind: str,
    n_top: int,
    progress: Callable[[str], None] | None = None,
    device: str = "cpu",
) -> dict[str, Any]:
    """Score every partition on `client`'s cluster; return what the manifest records."""
    from distributed import as_completed

    from models.partition_scoring import merge_tops, ranked

    shared = client.scatter(list(scorers), broadcast=True)
    futures = [
        client.submit(
            score_partition, p, shared, str(out_dir), id_column, kind, n_top, device, pure=False
        )
        for p in parts
    ]
    level = list(futures)
    while len(level) > 1:  # the merge tree runs on the cluster as partitions finish
        level = [
            client.submit(merge_tops, level[i : i + MERGE_FAN_IN], n_top, pure=False)
            for i in range(0, len(level), MERGE_FAN_IN)
        ]
    by_future = {f.key: p for f, p in zip(futures, parts, strict=True)}
    for done, future in enumerate(as_completed(futures), 1):
        part = by_future[future.key]
        if progress is not None:
            progress(
                f"scored partition {done} of {len(parts)}: {Path(part.path).name} "
                f"({part.rows:,} rows) -> {part.name}"
            )
    tops = ranked(level[0].result()) if level else None
    if tops is not None:
        with atomic_path(out_dir / TOP_FILE) as tmp:
            tops.to_parquet(tmp, index=False)
    for part in parts:  # what writers killed mid-file left behind
        sweep(out_dir, f".{part.name}-")
    summary = {
        "format": 1,
        "rows": sum(p.rows for p in parts),
        "targets": [s.name for s in scorers],
        "uncertainty": kind,
        "top_n": n_top,
        "partitions": [dict(asdict(p), output=p.name) for p in parts],
    }
    atomic_write_text(out_dir / MANIFEST, json.dumps(summary, indent=2))
    return summary
