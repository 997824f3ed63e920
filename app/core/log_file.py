"""Open a label log file without ever changing one that is not plainly ours and whole.

The label log is the user's property. Before the store writes a single byte (even
the WAL switch writes the header), the file is checked: it exists, it is a regular
file, it is an SQLite database, its pages are sound (``quick_check``), it has the
event table with the columns we write, and every stored value has the type we
wrote. Anything else is a ``StoreError`` naming what was found, and the file is
left exactly as it was.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from app.core.label_state import EVENT_COLUMNS

SQLITE_HEADER = b"SQLite format 3\x00"

REQUIRED_COLUMNS = set(EVENT_COLUMNS)

# One SQL pass finds the first event whose stored types are not the ones the app writes:
# a label stored as binary data, a time stored as text, and so on.
_BAD_EVENT = """
SELECT id FROM events WHERE
    typeof(id) != 'integer'
    OR typeof(row_id) != 'text' OR typeof(target) != 'text'
    OR (label IS NOT NULL AND typeof(label) != 'text')
    OR typeof(unsure) != 'integer' OR unsure NOT IN (0, 1)
    OR typeof(annotator) != 'text' OR typeof(source) != 'text'
    OR (model_version IS NOT NULL AND typeof(model_version) != 'integer')
    OR (confidence IS NOT NULL AND typeof(confidence) NOT IN ('real', 'integer'))
    OR typeof(time) NOT IN ('real', 'integer')
    OR typeof(note) != 'text'
ORDER BY id LIMIT 1
"""


class StoreError(RuntimeError):
    """The label log cannot be used as it is; ``kind`` says why, the message says it plainly.

    Kinds: missing, empty, folder, unreadable, not_sqlite, not_log, damaged, newer,
    bad_event, locked.
    """

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def check_existing(path: Path) -> str:
    """Classify the file before SQLite touches it: 'fresh' (absent or empty) or 'sqlite'."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return "fresh"
    except OSError as exc:
        raise StoreError(
            "unreadable", f"The label log {path.name} cannot be read ({_reason(exc)})."
        ) from exc
    if path.is_dir():
        raise StoreError("folder", f"The label log {path.name} is a folder, not a file.")
    if st.st_size == 0:
        return "fresh"
    try:
        with path.open("rb") as fh:
            head = fh.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise StoreError(
            "unreadable", f"The label log {path.name} cannot be read ({_reason(exc)})."
        ) from exc
    if head != SQLITE_HEADER:
        raise StoreError("not_sqlite", f"The file {path.name} is not a Labelwright label log.")
    return "sqlite"


def connect_existing(path: Path, timeout: float) -> sqlite3.Connection:
    """Open a database that must already exist (``mode=rw`` never creates a file)."""
    uri = f"{path.resolve().as_uri()}?mode=rw"
    try:
        return sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None)
    except sqlite3.Error as exc:
        raise classify(path, exc) from exc


def verify(conn: sqlite3.Connection, path: Path) -> bool:
    """Sound pages and our tables; returns False for an empty database (no tables at all)."""
    try:
        result = _quick_check(conn)
        if not result or result[0] != "ok":
            detail = str(result[0]) if result else "no answer"
            detail = " ".join(detail.replace("*** in database main ***", "").split())
            raise StoreError("damaged", f"The label log {path.name} is damaged ({detail[:80]}).")
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not tables:
            return False
        if "events" not in tables or "meta" not in tables:
            raise StoreError(
                "not_log", f"The file {path.name} is an SQLite database but not a label log."
            )
        columns = {r[1] for r in conn.execute("PRAGMA table_info(events)")}
        if not columns >= REQUIRED_COLUMNS:
            raise StoreError(
                "not_log",
                f"The label log {path.name} lacks the columns "
                f"{', '.join(sorted(REQUIRED_COLUMNS - columns))}.",
            )
        bad = conn.execute(_BAD_EVENT).fetchone()
    except sqlite3.DatabaseError as exc:
        raise classify(path, exc) from exc
    except UnicodeDecodeError as exc:  # a damaged page can hold names that are not UTF-8
        raise StoreError(
            "damaged", f"The label log {path.name} is damaged (text that is not UTF-8)."
        ) from exc
    if bad is not None:
        raise StoreError(
            "bad_event",
            f"The label log {path.name} holds event {bad[0]} with a value of the wrong type "
            "(for example binary data where a label belongs).",
        )
    return True


def _quick_check(conn: sqlite3.Connection) -> tuple[str] | None:
    """SQLite's own check; its report quotes damaged bytes, which need not be UTF-8."""
    factory = conn.text_factory
    conn.text_factory = lambda raw: raw.decode("utf-8", "replace")
    try:
        row: tuple[str] | None = conn.execute("PRAGMA quick_check(1)").fetchone()
        return row
    finally:
        conn.text_factory = factory


def is_damage(exc: sqlite3.Error) -> bool:
    """SQLite's word for a damaged file, or text in it that a damaged page left undecodable."""
    code = getattr(exc, "sqlite_errorcode", None)
    text = str(exc).lower()
    return (
        code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)
        or "malformed" in text
        or "decode to utf-8" in text
    )


def classify(path: Path, exc: sqlite3.Error) -> StoreError:
    """Damage is damage; a full disk or a file SQLite cannot open is said as such."""
    detail = " ".join(str(exc).split())[:80]
    if is_damage(exc):
        return StoreError("damaged", f"The label log {path.name} is damaged ({detail}).")
    if _disk_full(path):
        return StoreError(
            "unreadable",
            f"The disk holding {path.name} is full, so the label log cannot be opened; free "
            "some space",
        )
    return StoreError("unreadable", f"The label log {path.name} cannot be opened ({detail}).")


def _disk_full(path: Path) -> bool:
    import shutil

    try:
        return shutil.disk_usage(path.parent).free < 64 * 1024
    except OSError:
        return False


def close_quietly(conn: sqlite3.Connection) -> None:
    with contextlib.suppress(sqlite3.Error):
        conn.close()


def _reason(exc: OSError) -> str:
    return (exc.strerror or type(exc).__name__).lower()
