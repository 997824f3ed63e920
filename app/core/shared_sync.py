"""The background link between a project's local log and the team's PostgreSQL store.

One thread, owning its own SQLite and PostgreSQL connections, so the window never
waits on the network:

- push: outbox events go to the server in one transaction (``ON CONFLICT (uid) DO
  NOTHING``: a retry after a crash or a lost answer stores nothing twice), then leave
  the outbox;
- pull: server events newer than the last one seen are written into the local log
  with their uid and role; the session reads them on its next ``refresh``;
- wait: for a NOTIFY on ``labelwright_events`` (a colleague labelled), a local label
  (``wake``), or a second.

When the server goes away the thread says so (``status``), keeps the outbox, and
reconnects with a growing pause of up to three seconds.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core import log_sync
from app.core.pg_schema import CHANNEL, SCHEMA

log = logging.getLogger(__name__)

_PUSH = (
    f"INSERT INTO {SCHEMA}.events (uid, project_id, row_id, target, label, unsure, annotator, "
    "source, model_version, confidence, time, note) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (uid) DO NOTHING"
)
_PULL = (
    f"SELECT id, uid, row_id, target, label, unsure, annotator, source, model_version, "
    f"confidence, time, note, db_role FROM {SCHEMA}.events "
    "WHERE project_id = %s AND id > %s ORDER BY id LIMIT 5000"
)


@dataclass(frozen=True)
class SyncStatus:
    online: bool
    waiting: int  # label events not yet acknowledged by the server
    error: str = ""


class SyncWorker(threading.Thread):
    """Keeps one local log and one server project in step until ``stop``."""

    def __init__(
        self,
        log_path: Path,
        url: str,
        project_id: int,
        on_news: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(name="labelwright-sync", daemon=True)
        self.log_path = log_path
        self.url = url
        self.project_id = project_id
        self.on_news = on_news
        self._halt = threading.Event()
        self._wake = threading.Event()
        self._cycle = threading.Condition()
        self._cycles = 0
        self._online = False
        self._error = ""
        self._waiting = 0

    # -- the owner's side ---------------------------------------------------------------
    def wake(self) -> None:
        """A label was written here: send it now rather than in a second."""
        self._wake.set()

    def status(self) -> SyncStatus:
        return SyncStatus(self._online, self._waiting, self._error)

    def settle(self, timeout: float = 10.0) -> bool:
        """Wait for a full push-and-pull cycle that starts after this call (tests, CLI)."""
        with self._cycle:
            target = self._cycles + 2
            self._wake.set()
            return self._cycle.wait_for(lambda: self._cycles >= target, timeout=timeout)

    def stop(self, timeout: float = 5.0) -> None:
        self._halt.set()
        self._wake.set()
        if self.is_alive():
            self.join(timeout)

    # -- the thread ---------------------------------------------------------------------
    def run(self) -> None:
        local = sqlite3.connect(str(self.log_path), timeout=30.0, isolation_level=None)
        pause = 0.3
        try:
            while not self._halt.is_set():
                try:
                    self._session(local)
                    pause = 0.3
                except Exception as exc:  # the server went away, or never came
                    self._online = False
                    self._error = " ".join(str(exc).split())[:200]
                    log.info("Shared store unreachable: %s", self._error)
                    self._waiting = log_sync.waiting(local)
                    self._finish_cycle()
                    self._halt.wait(pause)
                    pause = min(pause * 2, 3.0)
        finally:
            local.close()

    def _session(self, local: sqlite3.Connection) -> None:
        """One connection's life: push, pull and wait, until it breaks or we stop."""
        import psycopg

        with (
            psycopg.connect(self.url, connect_timeout=3, autocommit=True) as listen,
            psycopg.connect(self.url, connect_timeout=3) as conn,
        ):
            listen.execute(f"LISTEN {CHANNEL}")
            self._online, self._error = True, ""
            while not self._halt.is_set():
                self._push(local, conn)
                news = self._pull(local, conn)
                self._waiting = log_sync.waiting(local)
                self._finish_cycle()
                if news and self.on_news is not None:
                    self.on_news()
                self._wait(listen)

    def _finish_cycle(self) -> None:
        with self._cycle:
            self._cycles += 1
            self._cycle.notify_all()

    def _push(self, local: sqlite3.Connection, conn: Any) -> None:
        while batch := log_sync.pending(local):
            rows = [
                (uid, self.project_id, row_id, target, label, bool(unsure), *rest)
                for uid, row_id, target, label, unsure, *rest in batch
            ]
            with conn.transaction(), conn.cursor() as cur:
                cur.executemany(_PUSH, rows)
            log_sync.sent(local, [r[0] for r in batch])

    def _pull(self, local: sqlite3.Connection, conn: Any) -> int:
        added = 0
        while True:
            last = log_sync.last_pulled(local)
            with conn.transaction(), conn.cursor() as cur:
                rows = cur.execute(_PULL, (self.project_id, last)).fetchall()
            if not rows:
                return added
            added += log_sync.store_pulled(local, rows, int(rows[-1][0]))

    def _wait(self, listen: Any) -> None:
        """Until a colleague's NOTIFY, a local label, or a second has passed."""
        deadline = time.monotonic() + 1.0
        while not self._halt.is_set() and time.monotonic() < deadline:
            if self._wake.is_set():
                self._wake.clear()
                return
            for _note in listen.notifies(timeout=0.1, stop_after=1):
                return
        with contextlib.suppress(Exception):
            listen.execute("SELECT 1")  # notice a dead server while idle
