"""Copy a project, even one that is open elsewhere: ``labelwright copy A.lwproj B.lwproj``.

Copying the two files by hand while another Labelwright writes the log can miss
the newest labels (they sit in the log's WAL file). SQLite's backup API reads a
consistent snapshot through a read-only connection, which never needs the
writer's lock, so the copy is whole and opens at once as a project of its own.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from app.core.atomic import atomic_path, atomic_write_text
from app.core.errors import UserError
from app.core.label_store import LabelStore, StoreError
from app.core.project import PROJECT_SUFFIX, LogMark, Project, labels_path_for


def copy_project(source: str | Path, dest: str | Path) -> Path:
    """Write ``dest`` (a .lwproj) and its own label log; the data file is shared."""
    src, out = Path(source), Path(dest)
    if out.suffix.lower() != PROJECT_SUFFIX:
        raise UserError(f"Cannot copy to '{out.name}'; use a file name ending in {PROJECT_SUFFIX}.")
    project = Project.load(src)
    out_log = labels_path_for(out)
    for path in (out, out_log):
        if path.exists():
            raise UserError(f"{path} already exists; choose another name for the copy.")
    log = project.labels_path
    if not log.is_file():
        raise UserError(
            f"The label log {log.name} of {src.name} is missing, so there is nothing to copy."
        )
    with atomic_path(out_log) as tmp:
        _backup(log, tmp)
    try:
        store = LabelStore(out_log, create=False)
    except StoreError as exc:
        out_log.unlink(missing_ok=True)
        raise UserError(f"{str(exc).rstrip('.')}; the copy was not made.") from exc
    try:
        mark = LogMark(*store.mark())
    finally:
        store.close()
    copy = Project(
        path=out,
        data_path=project.data_path.resolve(),
        schema=project.schema,
        data_sha256=project.data_sha256,
        data_rows=project.data_rows,
        data_sheet=project.data_sheet,
        data_bytes=project.data_bytes,
        data_mtime_ns=project.data_mtime_ns,
        model=project.model,
        strategy=project.strategy,
        layout=project.layout,
        annotator=project.annotator,
        log=mark,
        team=project.team,
        store=project.store,
    )
    atomic_write_text(out, json.dumps(copy.to_json(), indent=2, sort_keys=True))
    return out


def _backup(log: Path, dest: Path) -> None:
    try:
        source = sqlite3.connect(f"{log.resolve().as_uri()}?mode=ro", uri=True, timeout=10.0)
        try:
            target = sqlite3.connect(str(dest))
            try:
                source.backup(target)
            finally:
                target.close()
        finally:
            source.close()
    except sqlite3.Error as exc:
        raise UserError(
            f"The label log {log.name} could not be read for the copy ({exc}); try again."
        ) from exc
