"""Opening a project's label log against what the project file remembers about it.

The log is the user's property: a missing, emptied, damaged, foreign or rolled-back
log is refused with one sentence that names the fix, and never changed.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from app.core.errors import UserError
from app.core.label_store import LabelStore, StoreError
from app.core.project import LogMark, Project
from app.core.schema import canonical

if TYPE_CHECKING:
    import pandas as pd

ADOPT_MIN_SHARE = 0.5  # of a log's row ids that must be in the data to adopt it


def open_store(project: Project, *, create: bool) -> LabelStore:
    """The project's log, checked against what the project recorded about it."""
    path = project.labels_path
    try:
        store = LabelStore(path, create=create)
    except StoreError as exc:
        raise UserError(store_sentence(project, exc)) from exc
    events, last_id, log_id = store.mark()
    mark = project.log or LogMark()
    problem = None
    if mark.log_id and log_id != mark.log_id:
        problem = (
            f"The label log {path.name} is not the log of project {project.path.name} (it "
            "belongs to another project); put the project's own log back, or rename the "
            "project file aside and open the data file again to adopt this log."
        )
    elif events < mark.events or last_id < mark.last_event_id:
        problem = (
            f"The label log {path.name} holds {events:,} label events, but project "
            f"{project.path.name} recorded {mark.events:,}; it was replaced by an older copy or "
            "damaged. Restore the newest copy from a backup or a bundle; to accept this older "
            "log, rename the project file aside and open the data file again (Labelwright has "
            "not changed the log)."
        )
    if problem is not None:
        store.close()
        raise UserError(problem)
    return store


def store_sentence(project: Project, exc: StoreError) -> str:
    """One sentence for a log that cannot be opened, with the fix that keeps the labels."""
    path, name = project.labels_path, project.path.name
    expected = project.log.events if project.log is not None else 0
    recorded = f"recorded {expected:,} label events" if expected else "expects a label log"
    if exc.kind == "missing":
        recorded = project.recorded_labels_name
        if recorded and recorded != path.name and (path.parent / recorded).exists():
            return (
                f"The label log {path.name} of project {name} is missing; this project file was "
                f"saved with the log {recorded}: copy {recorded} to {path.name} together with "
                f"the project, or open the project under its old name."
            )
        return (
            f"The label log {path.name} of project {name} is missing, but the project {recorded}; "
            "put the log back beside the project file, or restore it from a backup or a bundle."
        )
    if exc.kind == "empty":
        return (
            f"The label log {path.name} is empty, but project {name} {recorded}; restore the log "
            "from a backup or a bundle (Labelwright has not changed it)."
        )
    if exc.kind == "unreadable" and "is full" in str(exc):
        return f"{str(exc).rstrip('.')}, then open {name} again."
    if exc.kind in ("unreadable", "folder"):
        return (
            f"{str(exc).rstrip('.')}; check the file and its permissions, then open {name} again."
        )
    if exc.kind == "newer":
        return str(exc)
    return (
        f"{str(exc).rstrip('.')}; restore it from a backup or a bundle (Labelwright has not "
        "changed it)."
    )


def check_adoptable(log_path: Path, data: pd.DataFrame, id_col: str, data_path: Path) -> None:
    """Refuse a log that plainly belongs to other data; name the file."""
    import sqlite3

    try:
        conn = sqlite3.connect(f"{log_path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
            ids = [r[0] for r in conn.execute("SELECT DISTINCT row_id FROM events")]
        finally:
            conn.close()
    except sqlite3.Error:
        return  # opening it says what is wrong with it, without changing it
    made_for = meta.get("data_name")
    other = data_path.with_name(made_for) if isinstance(made_for, str) and made_for else None
    if other is not None and made_for != data_path.name and other.exists():
        raise UserError(
            f"The label log {log_path.name} beside {data_path.name} was made for {made_for}, not "
            f"this file; open {made_for}, or move the log aside to start a new project."
        )
    if not ids:
        return
    keys = {canonical(v) or "" for v in data[id_col].tolist()}
    share = sum(1 for i in ids if i in keys) / len(ids)
    if share < ADOPT_MIN_SHARE:
        raise UserError(
            f"The label log {log_path.name} beside {data_path.name} holds labels for other "
            f"samples (only {share:.0%} of its ids are in this file), so it cannot belong to "
            "this data; move the log aside to start a new project, or open its own data file."
        )
