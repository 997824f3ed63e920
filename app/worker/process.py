"""The model worker process: ``python -m app.worker FD PARENT_PID``.

It never imports Qt. It lowers its own CPU priority (``os.nice``), maps the data
(``app.worker.data_file``) and then serves requests from the window over the
socket ``FD``. Fits and out-of-fold work run one at a time in the "cpu" lane;
ranking the pool runs in the "light" lane beside them, so a strategy change is
not queued behind a fit. Cancel requests are read while a job runs.

It ends when the window says so, when the socket closes (the window's process
is gone, even after a SIGKILL) or, as a second guard, when its parent process
changes. Labels never pass through here: the window writes them to the log.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import sys
import threading
import time
import traceback
from multiprocessing.connection import Connection
from typing import Any

from app.worker.protocol import (
    CPU,
    Cancel,
    DataFrameSent,
    DataSource,
    Hello,
    Progress,
    Reply,
    Request,
    Shutdown,
)

log = logging.getLogger(__name__)

NICE = 10  # below the window: on a busy machine the window's thread wins the core
PROGRESS_EVERY_S = 0.1


class _Server:
    def __init__(self, conn: Connection, parent: int) -> None:
        self.conn = conn
        self.parent = parent
        self._send_lock = threading.Lock()
        self._stops: dict[int, threading.Event] = {}
        self._lanes: dict[str, queue.Queue[Request | None]] = {}
        self.state: Any = None

    def send(self, message: Any) -> None:
        with self._send_lock:
            self.conn.send(message)

    # -- start -----------------------------------------------------------------------------
    def load(self) -> None:
        """Map the data, or ask the window for it; then build the state the jobs share."""
        from app.worker.data_file import load_frame
        from app.worker.tasks import WorkerState

        start = time.perf_counter()
        source: DataSource = self.conn.recv()
        frame = load_frame(source)
        how = "mapped" if frame is not None else "needs_data"
        self.send(Hello(os.getpid(), how, time.perf_counter() - start))
        if frame is None:
            sent = self.conn.recv()
            if not isinstance(sent, DataFrameSent):
                raise SystemExit(0)
            frame = sent.frame
        self.state = WorkerState(frame, source.kinds)

    # -- serve -----------------------------------------------------------------------------
    def serve(self) -> None:
        while True:
            try:
                message = self.conn.recv()
            except (EOFError, OSError):
                _exit()  # the window's process is gone: never outlive it
            if isinstance(message, Shutdown):
                _exit()
            elif isinstance(message, Cancel):
                stop = self._stops.get(message.id)
                if stop is not None:
                    stop.set()
            elif isinstance(message, Request):
                self._stops[message.id] = threading.Event()
                self._lane(message.lane).put(message)

    def _lane(self, name: str) -> queue.Queue[Request | None]:
        lane = self._lanes.get(name)
        if lane is None:
            lane = queue.Queue()
            self._lanes[name] = lane
            threading.Thread(
                target=self._run_lane, args=(lane,), name=f"lane-{name}", daemon=True
            ).start()
        return lane

    def _run_lane(self, lane: queue.Queue[Request | None]) -> None:
        while True:
            request = lane.get()
            if request is None:
                return
            self._run(request)

    def _run(self, request: Request) -> None:
        from app.worker.tasks import run

        stop = self._stops.get(request.id) or threading.Event()
        last = [0.0]

        def progress(fraction: float, message: str) -> None:
            now = time.monotonic()
            if now - last[0] >= PROGRESS_EVERY_S:
                last[0] = now
                self.send(Progress(request.id, float(fraction), str(message)))

        try:
            if stop.is_set():
                reply = Reply(request.id, cancelled=True)
            else:
                result = run(self.state, request.kind, request.payload, progress, stop.is_set)
                reply = Reply(request.id, result, cancelled=stop.is_set())
        except Exception as exc:
            cancelled = stop.is_set() or type(exc).__name__ in {"Cancelled", "ReviewCancelled"}
            reply = Reply(
                request.id,
                cancelled=cancelled,
                error=None if cancelled else str(exc),
                error_type=type(exc).__name__,
                detail=traceback.format_exc(),
            )
        finally:
            self._stops.pop(request.id, None)
        try:
            self.send(reply)
        except (OSError, ValueError):
            _exit()
        if reply.error is None and not reply.cancelled:
            from app.worker.tasks import after_reply

            try:
                after_reply(self.state, request.kind, request.payload)
            except Exception:  # only a head start was lost; the job asks again when needed
                log.exception("After the %s job", request.kind)


def _exit() -> None:
    """End at once, whatever the lanes are doing (their work belongs to a window now gone)."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _watch_parent(parent: int) -> None:
    """A second guard: a parent that vanished without closing the socket still ends us."""
    while True:
        if os.getppid() != parent:
            _exit()
        time.sleep(0.5)


def main(argv: list[str]) -> int:
    """Serve the window whose socket is ``argv[0]``; ``argv[1]`` is its pid."""
    fd, parent = int(argv[0]), int(argv[1])
    from app.core.malloc_heaps import limit_malloc_heaps

    limit_malloc_heaps()  # before any thread starts
    logging.basicConfig(level=logging.WARNING, format="labelwright worker: %(message)s")
    with contextlib.suppress(OSError, AttributeError):  # not permitted, or not on this platform
        os.nice(NICE)
    threading.Thread(target=_watch_parent, args=(parent,), name="parent", daemon=True).start()
    from models import quiet

    quiet.install()
    server = _Server(Connection(fd), parent)
    try:
        server.load()
    except (EOFError, OSError):
        _exit()
    server.serve()
    return 0


__all__ = ["CPU", "main"]
