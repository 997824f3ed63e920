"""The label store: an append-only event log in SQLite (WAL).

Every change to a label is a new row; the current label of a sample is its
latest event. Undo appends the inverse event instead of deleting anything,
so the log is a complete audit trail that a bundle can carry.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from app.core import class_changes, log_sync
from app.core.class_changes import CLASS_SOURCE, ClassChange
from app.core.errors import UserError
from app.core.label_state import ADJUDICATION, EVENT_COLUMNS, LabelEvent, LabelState, decide
from app.core.log_file import (
    StoreError,
    check_existing,
    close_quietly,
    connect_existing,
    is_damage,
    verify,
)

__all__ = [
    "ADJUDICATION",
    "EVENT_COLUMNS",
    "SOURCES",
    "LabelEvent",
    "LabelState",
    "LabelStore",
    "StoreError",
    "write_error",
]

SCHEMA_VERSION = 2  # 2: class changes (source "class") are events; written with the first one
PLAIN_VERSION = 1  # a log with no class change is still readable by format-1 readers

SOURCES = ("human", "suggestion", "auto", "import", "undo", "redo", CLASS_SOURCE, ADJUDICATION)

_CREATE = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    row_id TEXT NOT NULL,
    target TEXT NOT NULL,
    label TEXT,
    unsure INTEGER NOT NULL DEFAULT 0,
    annotator TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL,
    model_version INTEGER,
    confidence REAL,
    time REAL NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS events_row_target ON events (target, row_id, id);
"""


_INSERT = (
    f"INSERT INTO events ({', '.join(EVENT_COLUMNS[1:])}) "
    f"VALUES ({', '.join('?' * (len(EVENT_COLUMNS) - 1))})"
)
_INSERT_UID = (
    f"INSERT INTO events ({', '.join(EVENT_COLUMNS[1:])}, uid) "
    f"VALUES ({', '.join('?' * len(EVENT_COLUMNS))})"
)


class LabelStore:
    """Durable label events; every write returns only after its commit.

    ``synchronous=FULL`` with WAL means an acknowledged label survives a crash
    or a kill of the process at any moment. Opening never changes a file that
    is not plainly a whole label log (``app.core.log_file``); ``create`` says
    whether an absent or empty file may become a new log.
    """

    def __init__(self, path: str | Path, *, create: bool = True) -> None:
        self.path = Path(path)
        kind = check_existing(self.path)
        if kind == "fresh" and not create:
            what = "missing" if not self.path.exists() else "empty"
            raise StoreError(what, f"The label log {self.path.name} is {what}.")
        if kind == "fresh":
            try:
                self._conn = sqlite3.connect(str(self.path), timeout=5.0, isolation_level=None)
            except sqlite3.Error as exc:
                raise StoreError(
                    "unreadable", f"The label log {self.path.name} cannot be created ({exc})."
                ) from exc
            has_tables = False
        else:
            self._conn = connect_existing(self.path, timeout=5.0)
            try:
                has_tables = verify(self._conn, self.path)
            except BaseException:
                close_quietly(self._conn)
                raise
            if not has_tables and not create:
                close_quietly(self._conn)
                raise StoreError("empty", f"The label log {self.path.name} is empty.")
        try:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
            if not has_tables:
                self._conn.executescript(_CREATE)
            self._check_version()
            # Every meta value is read once here, as every event is below: text a damaged
            # page left undecodable then fails inside this try, as damage, not later.
            self._conn.execute("SELECT key, value FROM meta").fetchall()
            self.log_id = self._read_log_id()
            self._by: dict[tuple[str, str], dict[str, LabelEvent]] = {}
            self._adjudication: dict[tuple[str, str], LabelEvent] = {}
            self._current: dict[tuple[str, str], LabelEvent] = {}
            self._decided: dict[tuple[str, str], str] = {}
            self._changes: dict[str, list[ClassChange]] = {}
            self._active: dict[str, list[ClassChange]] = {}
            self._version = 0
            self._count = 0
            for event in self.events():
                self._load(event)
                self._count += 1
            for key in dict.fromkeys([*self._by, *self._adjudication]):  # in event order
                self._decide(key)
            self.syncing = log_sync.is_enabled(self._conn)
            self._own: set[int] = set()
            self._refreshed = self._version
            self._data_version = self._conn.execute("PRAGMA data_version").fetchone()[0]
        except sqlite3.Error as exc:
            close_quietly(self._conn)
            raise write_error(self.path, exc, "opened") from exc
        except BaseException:
            close_quietly(self._conn)
            raise

    # -- lifecycle -------------------------------------------------------------
    def close(self) -> None:
        self._conn.close()

    def _check_version(self) -> None:
        row = self._conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        if row is None:
            self._conn.execute(
                "INSERT INTO meta (key, value) VALUES ('schema_version', ?)", (str(PLAIN_VERSION),)
            )
            return
        try:
            version = int(row[0])
        except (TypeError, ValueError):
            version = SCHEMA_VERSION + 1
        if version > SCHEMA_VERSION:
            raise StoreError(
                "newer",
                f"The label database {self.path.name} was written by a newer Labelwright "
                f"(format {_printable(row[0])}); update Labelwright to open it.",
            )

    def _read_log_id(self) -> str:
        row = self._conn.execute("SELECT value FROM meta WHERE key='log_id'").fetchone()
        return row[0] if row is not None and isinstance(row[0], str) else ""

    def assign_log_id(self) -> str:
        """Name this log once (older logs have no name); a copy keeps the name."""
        if not self.log_id:
            self.log_id = uuid.uuid4().hex
            self.set_meta("log_id", self.log_id)
        return self.log_id

    def meta(self, key: str) -> str | None:
        row = self._conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row is not None and isinstance(row[0], str) else None

    def set_meta(self, key: str, value: str) -> None:
        try:
            self._conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value)
            )
        except sqlite3.Error as exc:
            raise write_error(self.path, exc, "updated") from exc

    def enable_sync(self) -> None:
        """Join a shared store: give every event a uid and queue the unsent ones."""
        if not self.syncing:
            log_sync.enable(self._conn, self.path)
            self.syncing = True
            self._data_version = self._conn.execute("PRAGMA data_version").fetchone()[0]

    def waiting(self) -> int:
        """Label events written here that the shared store has not acknowledged yet."""
        return log_sync.waiting(self._conn) if self.syncing else 0

    def integrity_ok(self) -> bool:
        row = self._conn.execute("PRAGMA integrity_check").fetchone()
        return bool(row and row[0] == "ok")

    def mark(self) -> tuple[int, int, str]:
        """(events, newest event id, log id): what a project records to notice a lost log."""
        return self._count, self._version, self.log_id

    # -- writing ---------------------------------------------------------------
    def append(
        self,
        row_id: str,
        target: str,
        label: str | None,
        *,
        unsure: bool = False,
        annotator: str = "",
        source: str = "human",
        model_version: int | None = None,
        confidence: float | None = None,
        note: str = "",
    ) -> LabelEvent:
        """Append one event and return it once the transaction has committed."""
        return self.append_many(
            [(row_id, target, label, unsure)],
            annotator=annotator,
            source=source,
            model_version=model_version,
            confidence=[confidence],
            note=note,
        )[0]

    def append_many(
        self,
        items: Iterable[tuple[str, str, str | None, bool]],
        *,
        annotator: str = "",
        source: str = "import",
        model_version: int | None = None,
        confidence: Iterable[float | None] | None = None,
        note: str = "",
    ) -> list[LabelEvent]:
        """Append several events in one transaction (imports, batch accepts)."""
        if source not in SOURCES:
            raise ValueError(f"unknown label source {source!r}")
        items = list(items)
        confs = list(confidence) if confidence is not None else [None] * len(items)
        now = time.time()
        rows = [
            (row_id, target, label, bool(unsure), annotator, source, model_version, conf, now,
             note)
            for (row_id, target, label, unsure), conf in zip(items, confs, strict=True)
        ]  # fmt: skip
        return self._insert(rows)

    def append_events(self, events: Iterable[LabelEvent]) -> int:
        """Add events made elsewhere (a merged bundle), keeping their time, annotator and
        source; they get new ids at the end of this log. Returns how many were added."""
        rows = [
            (e.row_id, e.target, e.label, bool(e.unsure), e.annotator, e.source,
             e.model_version, e.confidence, e.time, e.note)
            for e in events
        ]  # fmt: skip
        return len(self._insert(rows))

    def _insert(self, rows: list[tuple[Any, ...]]) -> list[LabelEvent]:
        """Insert rows of event fields in one transaction; acknowledged only after COMMIT.

        In a shared project each event also gets a uid and a place in the outbox, in the
        same transaction, so a label is never acknowledged without being queued to send.
        """
        if not rows:
            return []
        events: list[LabelEvent] = []
        cur = self._conn.cursor()
        try:
            cur.execute("BEGIN IMMEDIATE")
            if any(r[5] == CLASS_SOURCE for r in rows):
                cur.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)",
                    (str(SCHEMA_VERSION),),
                )  # readers that know no class changes must not misread this log
            for fields in rows:
                if self.syncing:
                    uid = uuid.uuid4().hex
                    cur.execute(_INSERT_UID, (*fields, uid))
                    cur.execute("INSERT INTO outbox (uid) VALUES (?)", (uid,))
                else:
                    cur.execute(_INSERT, fields)
                assert cur.lastrowid is not None
                events.append(LabelEvent(cur.lastrowid, *fields))
            cur.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback()
            raise write_error(self.path, exc, "saved") from exc
        except BaseException:
            self._rollback()
            raise
        for event in events:
            self._apply(event)
            self._own.add(event.id)
        self._count += len(events)
        return events

    def refresh(self, fresh_events: list[LabelEvent] | None = None) -> int:
        """Read events other connections committed (a shared store's sync); returns how many.

        ``fresh_events``, when given, receives each event read, for the session to publish.
        """
        try:
            version = self._conn.execute("PRAGMA data_version").fetchone()[0]
        except sqlite3.Error:
            return 0
        if version == self._data_version:
            return 0
        self._data_version = version
        sql = f"SELECT {', '.join(EVENT_COLUMNS)} FROM events WHERE id > ? ORDER BY id"
        fresh = 0
        last = self._refreshed
        for row in self._conn.execute(sql, (self._refreshed,)).fetchall():
            event = _event(row)
            last = max(last, event.id)
            if event.id in self._own:
                continue
            self._apply(event)
            self._count += 1
            fresh += 1
            if fresh_events is not None:
                fresh_events.append(event)
        self._refreshed = last
        self._own = {i for i in self._own if i > last}
        return fresh

    def _rollback(self) -> None:
        """Undo a half transaction; SQLite may already have rolled back (disk full)."""
        if self._conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                self._conn.execute("ROLLBACK")

    def append_class_change(
        self,
        target: str,
        op: str,
        into: str,
        sources: Iterable[str],
        before: Iterable[str],
        *,
        ref: int = 0,
        annotator: str = "",
    ) -> ClassChange:
        """Record a class change as an event; labels given before it are read through it."""
        note = class_changes.note_for(op, sources, before, ref)
        self.append("", target, into or None, annotator=annotator, source=CLASS_SOURCE, note=note)
        return self._changes[target][-1]

    def class_changes(self, target: str) -> list[ClassChange]:
        """Every class change of ``target`` (reverts and reapplies included), oldest first."""
        return list(self._changes.get(target, []))

    # -- reading ---------------------------------------------------------------
    def _load(self, event: LabelEvent) -> None:
        """Read one stored event at open; a malformed class change is a damaged log."""
        if event.source == CLASS_SOURCE:
            try:
                change = class_changes.parse(event.id, event.target, event.label, event.note)
            except ValueError as exc:
                raise StoreError(
                    "bad_event",
                    f"The label log {self.path.name} holds event {event.id}, a class change "
                    "that cannot be read.",
                ) from exc
            self._changes.setdefault(event.target, []).append(change)
            self._active[event.target] = class_changes.active(self._changes[event.target])
        elif event.source == ADJUDICATION:
            self._adjudication[(event.target, event.row_id)] = event
        else:
            self._by.setdefault((event.target, event.row_id), {})[event.annotator] = event
        self._version = max(self._version, event.id)

    def _apply(self, event: LabelEvent) -> None:
        self._load(event)
        if event.source == CLASS_SOURCE:
            self._rebuild(event.target)
        else:
            self._decide((event.target, event.row_id))

    def _rebuild(self, target: str) -> None:
        """Decide every label of ``target`` again (after a class change or at open)."""
        keys = {k for k in self._by if k[0] == target} | {
            k for k in self._adjudication if k[0] == target
        }
        for key in keys:
            self._decide(key)

    def _effective(self, event: LabelEvent) -> LabelEvent:
        """An event read through every class change in force after it."""
        changes = self._active.get(event.target)
        if not changes or event.label is None:
            return event
        label = class_changes.effective(event.label, event.id, changes)
        return event if label == event.label else replace(event, label=label)

    def _decide(self, key: tuple[str, str]) -> None:
        by = {a: self._effective(e) for a, e in self._by.get(key, {}).items()}
        adjudication = self._adjudication.get(key)
        event, how = decide(by, None if adjudication is None else self._effective(adjudication))
        if event is None:
            self._current.pop(key, None)
            self._decided.pop(key, None)
        else:
            self._current[key] = event
            self._decided[key] = how

    def annotations(self, row_id: str, target: str) -> dict[str, LabelEvent]:
        """Every annotator's own latest event for one sample (read through class changes)."""
        return {a: self._effective(e) for a, e in self._by.get((target, row_id), {}).items()}

    def state_of(self, row_id: str, target: str, annotator: str) -> LabelState:
        """One annotator's own label state: what their undo restores."""
        event = self._by.get((target, row_id), {}).get(annotator)
        return self._effective(event).state if event is not None else LabelState()

    def adjudication(self, row_id: str, target: str) -> LabelEvent | None:
        event = self._adjudication.get((target, row_id))
        return None if event is None else self._effective(event)

    def decided(self, row_id: str, target: str) -> str | None:
        """How the working label was decided: single, consensus or adjudicated."""
        return self._decided.get((target, row_id))

    def by_annotator(self, target: str) -> dict[str, dict[str, str]]:
        """Annotator → (row id → their label) for one target, labels only."""
        out: dict[str, dict[str, str]] = {}
        for (t, row), by in self._by.items():
            if t != target:
                continue
            for annotator, event in by.items():
                label = self._effective(event).label
                if label is not None:
                    out.setdefault(annotator, {})[row] = label
        return out

    @property
    def version(self) -> int:
        """The id of the newest event: it changes whenever any label changes."""
        return self._version

    def events(self, target: str | None = None) -> Iterator[LabelEvent]:
        sql = f"SELECT {', '.join(EVENT_COLUMNS)} FROM events"
        args: tuple[str, ...] = ()
        if target is not None:
            sql += " WHERE target = ?"
            args = (target,)
        for row in self._conn.execute(sql + " ORDER BY id", args):
            yield _event(row)

    def state(self, row_id: str, target: str) -> LabelState:
        event = self._current.get((target, row_id))
        return event.state if event is not None else LabelState()

    def latest(self, row_id: str, target: str) -> LabelEvent | None:
        return self._current.get((target, row_id))

    def labelled_keys(self) -> list[tuple[str, str]]:
        """Every (target, row id) that has an event."""
        return list(self._current)

    def current_items(self) -> list[tuple[tuple[str, str], LabelEvent]]:
        return list(self._current.items())

    def current(self, target: str) -> dict[str, LabelEvent]:
        """The latest event of every sample that has one, for one target."""
        return {rid: ev for (t, rid), ev in self._current.items() if t == target}

    def labels(self, target: str) -> dict[str, str]:
        return {
            rid: ev.label
            for (t, rid), ev in self._current.items()
            if t == target and ev.label is not None
        }

    def unsure(self, target: str) -> set[str]:
        return {rid for (t, rid), ev in self._current.items() if t == target and ev.unsure}

    def annotators(self) -> list[str]:
        rows = self._conn.execute(
            "SELECT DISTINCT annotator FROM events WHERE annotator != '' ORDER BY annotator"
        )
        return [r[0] for r in rows]

    def count(self) -> int:
        return self._count


def _printable(value: Any) -> str:
    text = "".join(c if c.isprintable() else "?" for c in str(value))
    return text[:20] or "?"


def _event(row: Any) -> LabelEvent:
    return LabelEvent(
        int(row[0]), row[1], row[2], row[3], bool(row[4]), row[5], row[6], row[7], row[8],
        float(row[9]), row[10],
    )  # fmt: skip


def write_error(path: Path, exc: sqlite3.Error, verb: str) -> UserError:
    """The real reason a write failed, as a sentence: a full disk must say so."""
    code = getattr(exc, "sqlite_errorcode", None)
    text = str(exc).lower()
    what = "the label was not saved" if verb == "saved" else f"it could not be {verb}"
    if code == sqlite3.SQLITE_FULL or "full" in text:
        return UserError(
            f"The disk holding {path.name} is full, so {what}; free some space and try again."
        )
    if code == sqlite3.SQLITE_READONLY or "readonly" in text or "read-only" in text:
        return UserError(
            f"The label log {path.name} is read-only, so {what}; make the file and its folder "
            "writable, or open a copy in a folder you can write to."
        )
    if code == sqlite3.SQLITE_BUSY or "locked" in text:
        return UserError(
            f"Another program is holding the label log {path.name}, so {what}; close it and "
            "try again."
        )
    if is_damage(exc):
        return UserError(
            f"The label log {path.name} is damaged, so {what}; restore it from a backup or a "
            "bundle (Labelwright has not changed it)."
        )
    return UserError(
        f"The label log {path.name} could not be written ({exc}), so {what}; check the disk "
        "and try again."
    )
