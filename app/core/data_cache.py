"""The parsed data, kept beside the project so a million-row table reopens in a moment.

Parsing a 1,000,000 × 20 CSV takes several seconds (the tokenizer, then our checks of
ids and label spellings); reading the same frame back from Parquet takes a fraction
of one. The cache lives in the project's cache folder and records the size and
modification time of the file it was made from; any difference, a damaged cache or
another cache version, and the data is parsed again. It is derived data: deleting
it never costs anything but time.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.core.atomic import atomic_path
from app.core.data_changes import cache_dir_for

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

NAME = "data.parquet"
VERSION = 1
_KEY = b"labelwright"


def _stamp(data_path: Path, sheet: str | None, id_column: str) -> dict[str, Any]:
    st = data_path.stat()
    return {
        "version": VERSION,
        "bytes": st.st_size,
        "mtime_ns": st.st_mtime_ns,
        "sheet": sheet,
        "id_column": id_column,
    }


def read_cached(
    project_path: Path, data_path: Path, sheet: str | None, id_column: str
) -> pd.DataFrame | None:
    """The cached frame when it was made from this very file, else None."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = cache_dir_for(project_path) / NAME
    meta = fresh_meta(path, data_path, sheet, id_column)
    if meta is None:
        return None
    try:
        frame = pq.read_table(path).to_pandas()
    except (OSError, ValueError, pa.ArrowException) as exc:
        log.info("Ignoring the data cache %s (%s)", path, exc)
        return None
    finally:
        # Decoding the pages leaves ~200 MB per million rows × 20 columns free inside
        # Arrow's allocator; hand it back so the window's own arrays can use it.
        pa.default_memory_pool().release_unused()
    from app.core.dataset import normalise_dtypes

    frame = normalise_dtypes(frame)
    frame.attrs["load_notes"] = [str(n) for n in meta.get("notes", [])]
    return frame


def fresh_meta(
    path: Path, data_path: Path, sheet: str | None, id_column: str
) -> dict[str, Any] | None:
    """The cache's stamp when ``path`` was made from this very file, else None.

    The model worker process reads the cache through this check too.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not path.is_file():
        return None
    try:
        meta = json.loads((pq.read_schema(path).metadata or {}).get(_KEY, b"{}"))
        want = _stamp(data_path, sheet, id_column)
    except (OSError, ValueError, pa.ArrowException) as exc:
        log.info("Ignoring the data cache %s (%s)", path, exc)
        return None
    if not isinstance(meta, dict) or {k: meta.get(k) for k in want} != want:
        return None
    return meta


def write_cache(
    project_path: Path, data_path: Path, sheet: str | None, id_column: str, frame: pd.DataFrame
) -> None:
    """Keep the parsed frame for the next open; a failure only costs the next open time."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        stamp = _stamp(data_path, sheet, id_column)
        stamp["notes"] = list(frame.attrs.get("load_notes", []))
        table = pa.Table.from_pandas(frame, preserve_index=False)
        table = table.replace_schema_metadata({_KEY: json.dumps(stamp).encode("utf-8")})
        folder = cache_dir_for(project_path)
        folder.mkdir(exist_ok=True)
        with atomic_path(folder / NAME) as tmp:
            pq.write_table(table, tmp, compression="zstd")
    except Exception:  # mixed-type columns Arrow cannot store, a full disk, ...
        log.info("Could not cache the data of %s", project_path, exc_info=True)
