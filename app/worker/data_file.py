"""The worker's view of the data: an Arrow IPC file beside the project, memory-mapped.

The window's process already holds the parsed table; a second private copy in the
worker would double the app's memory, and pickling it per job would hold the
window's interpreter for seconds at a million rows. So the worker maps
``<project>.lwcache/features.arrow``: the model columns of the parsed-data cache
(``data.parquet``), uncompressed, with float nulls stored as NaN so that pandas
reads every float column as a zero-copy view of the page cache. The file records
the Parquet cache it was made from (size, time, columns) and is made again when
that changes. It is derived data: deleting it only costs the next start a second.

When no fresh Parquet cache exists (a table Arrow could not store), the window
sends the columns once per worker start instead (``needs_data``).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.core.atomic import atomic_path
from app.core.data_cache import NAME as PARQUET_NAME
from app.core.data_cache import fresh_meta
from app.core.data_changes import cache_dir_for

if TYPE_CHECKING:
    import pandas as pd

    from app.worker.protocol import DataSource

log = logging.getLogger(__name__)

NAME = "features.arrow"
VERSION = 1
_KEY = b"labelwright-features"


def _stamp(parquet: Path, columns: tuple[str, ...]) -> dict[str, Any]:
    st = parquet.stat()
    return {
        "version": VERSION,
        "bytes": st.st_size,
        "mtime_ns": st.st_mtime_ns,
        "columns": list(columns),
    }


def load_frame(source: DataSource) -> pd.DataFrame | None:
    """The model columns, mapped from the features file (made first when needed); None
    when there is no fresh cache to make it from."""
    project = Path(source.project_path)
    folder = cache_dir_for(project)
    parquet = folder / PARQUET_NAME
    meta = fresh_meta(parquet, Path(source.data_path), source.sheet, source.id_column)
    if meta is None:
        return None
    path = folder / NAME
    want = _stamp(parquet, source.columns)
    frame = _map(path, want)
    if frame is None:
        try:
            _write(parquet, path, source.columns, want)
        except Exception:  # a read-only folder, a full disk: the window sends the data
            log.info("Could not write %s", path, exc_info=True)
            return None
        frame = _map(path, want)
    if frame is None or len(frame) != source.n_rows:
        return None
    return frame


def _write(parquet: Path, path: Path, columns: tuple[str, ...], stamp: dict[str, Any]) -> None:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.ipc as ipc
    import pyarrow.parquet as pq

    table = pq.read_table(parquet, columns=list(columns))
    arrays = []
    for col in table.columns:
        if pa.types.is_floating(col.type) and col.null_count:
            col = pc.fill_null(col, float("nan"))  # NaN instead of a validity mask: zero-copy
        arrays.append(col)
    # One chunk per column: pandas reads a chunked column by copying it together.
    table = pa.table(arrays, names=table.column_names).combine_chunks()
    table = table.replace_schema_metadata({_KEY: json.dumps(stamp).encode("utf-8")})
    with (
        atomic_path(path) as tmp,
        pa.OSFile(str(tmp), "wb") as sink,
        ipc.new_file(sink, table.schema) as writer,
    ):
        writer.write_table(table)


def _map(path: Path, want: dict[str, Any]) -> pd.DataFrame | None:
    import pyarrow as pa
    import pyarrow.ipc as ipc

    if not path.is_file():
        return None
    try:
        reader = ipc.open_file(pa.memory_map(str(path), "r"))
        meta = json.loads((reader.schema.metadata or {}).get(_KEY, b"{}"))
        if meta != want:
            return None
        table = reader.read_all()
    except (OSError, ValueError, pa.ArrowException) as exc:
        log.info("Ignoring %s (%s)", path, exc)
        return None
    from app.core.dataset import normalise_dtypes

    # split_blocks keeps each float column a view of the mapped file (no consolidation copy).
    return normalise_dtypes(table.to_pandas(split_blocks=True))
