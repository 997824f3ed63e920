"""The local side of a shared store: event uids, the outbox and what was pulled.

A shared project keeps a full local replica of the log in its ``.lwlabels`` file.
Every event there gets a ``uid``, the id the server knows it by, so sending it
twice stores it once. Labels made here enter the ``outbox`` table in the same
transaction as the event, and leave it only once the server has them: labelling
goes on while the server is away, and a SIGKILL loses nothing that was
acknowledged. Events pulled from the server are written with their uid and the
database role that wrote them.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from app.core.label_state import EVENT_COLUMNS

OUTBOX = "CREATE TABLE IF NOT EXISTS outbox (uid TEXT PRIMARY KEY)"
SERVER_LAST = "server_last_id"


def _columns(conn: sqlite3.Connection) -> set[str]:
    return {r[1] for r in conn.execute("PRAGMA table_info(events)")}


def is_enabled(conn: sqlite3.Connection) -> bool:
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    return "outbox" in tables and "uid" in _columns(conn)


def enable(conn: sqlite3.Connection, path: Path) -> None:
    """Add the uid and role columns and the outbox; queue every event the server lacks."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        columns = _columns(conn)
        if "uid" not in columns:
            conn.execute("ALTER TABLE events ADD COLUMN uid TEXT")
        if "db_role" not in columns:
            conn.execute("ALTER TABLE events ADD COLUMN db_role TEXT")
        conn.execute("CREATE UNIQUE INDEX IF NOT EXISTS events_uid ON events (uid)")
        conn.execute(OUTBOX)
        missing = [r[0] for r in conn.execute("SELECT id FROM events WHERE uid IS NULL")]
        for event_id in missing:
            uid = uuid.uuid4().hex
            conn.execute("UPDATE events SET uid = ? WHERE id = ?", (uid, event_id))
            conn.execute("INSERT OR IGNORE INTO outbox (uid) VALUES (?)", (uid,))
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def waiting(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0])


def pending(conn: sqlite3.Connection, limit: int = 500) -> list[tuple[Any, ...]]:
    """Outbox events, oldest first: (uid, row_id, target, label, unsure, annotator, source,
    model_version, confidence, time, note)."""
    fields = ", ".join(f"e.{c}" for c in EVENT_COLUMNS[1:])
    sql = (
        f"SELECT e.uid, {fields} FROM outbox o JOIN events e ON e.uid = o.uid ORDER BY e.id LIMIT ?"
    )
    return [tuple(r) for r in conn.execute(sql, (limit,))]


def sent(conn: sqlite3.Connection, uids: Iterable[str]) -> None:
    """The server has these: they leave the outbox (never the log)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.executemany("DELETE FROM outbox WHERE uid = ?", [(u,) for u in uids])
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def last_pulled(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (SERVER_LAST,)).fetchone()
    try:
        return int(row[0]) if row else 0
    except (TypeError, ValueError):
        return 0


def store_pulled(conn: sqlite3.Connection, rows: list[tuple[Any, ...]], last_id: int) -> int:
    """Write server events (server id, uid, fields..., db_role) not yet here; returns how many.

    An event that is already here (one of ours, sent earlier) only learns its role.
    """
    added = 0
    conn.execute("BEGIN IMMEDIATE")
    try:
        for row in rows:
            uid, fields, role = str(row[1]).replace("-", ""), row[2:-1], row[-1]
            found = conn.execute("SELECT id FROM events WHERE uid = ?", (uid,)).fetchone()
            if found is not None:
                conn.execute(
                    "UPDATE events SET db_role = ? WHERE id = ? AND db_role IS NULL",
                    (role, found[0]),
                )
                continue
            values = list(fields)
            values[4] = role  # the annotator is the role the server saw, not a claimed name
            conn.execute(
                f"INSERT INTO events ({', '.join(EVENT_COLUMNS[1:])}, uid, db_role) "
                f"VALUES ({', '.join('?' * (len(EVENT_COLUMNS) + 1))})",
                (*values, uid, role),
            )
            added += 1
        conn.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (SERVER_LAST, str(last_id))
        )
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return added
