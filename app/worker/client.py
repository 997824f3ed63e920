"""The window's side of its model worker process: start it, call it, replace it, end it.

``WorkerClient.call`` blocks its caller (a background thread, never the GUI
thread) until the worker answers; many threads may call at once. A reader thread
routes progress and replies to the waiting calls, so unpickling a result never
happens on the GUI thread either. If the worker dies (a crash, the OOM killer, a
SIGKILL), every waiting call raises ``WorkerLost``, ``on_lost`` is told in one
sentence, and the next call starts a fresh worker. Labels are not at risk: the
worker never writes them.

The worker is a separate interpreter started with ``python -m app.worker`` (a
frozen app runs itself with ``WORKER_FLAG``), so nothing of the window (Qt, the
session, the label store) is ever imported or inherited there.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import pickle
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
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
    WorkerJobError,
    WorkerLost,
)

log = logging.getLogger(__name__)

WORKER_FLAG = "--model-worker"  # how a frozen app starts its worker (see app/__main__.py)
START_TIMEOUT_S = 300.0  # making the mapped file of a huge table can take a while
CLOSE_WAIT_S = 1.0
MAX_FAILED_STARTS = 3

ProgressFn = Callable[[float, str], None]
StopFn = Callable[[], bool]


@dataclass
class _Call:
    id: int
    progress: ProgressFn | None
    done: threading.Event = field(default_factory=threading.Event)
    reply: Reply | None = None
    lost: str | None = None
    failed: str | None = None  # its reply came but could not be read


class Pending:
    """A job sent to the worker; ``wait`` blocks until its answer and returns the result."""

    def __init__(self, client: WorkerClient, call: _Call, kind: str) -> None:
        self._client = client
        self._call = call
        self.kind = kind

    def wait(self, should_stop: StopFn | None = None, poll_s: float = 0.05) -> Any:
        """The result; ``Cancelled`` at once when ``should_stop`` says so (the worker is told)."""
        from models.jobs import Cancelled

        call = self._call
        while not call.done.wait(poll_s):
            if should_stop is not None and should_stop():
                self._client._forget(call)
                with contextlib.suppress(OSError, ValueError):
                    self._client._send(Cancel(call.id))
                raise Cancelled
        if call.lost is not None:
            raise WorkerLost(call.lost)
        if call.failed is not None:
            raise WorkerJobError(call.failed, "")
        reply = call.reply
        assert reply is not None
        if reply.cancelled:
            raise Cancelled
        if reply.error is not None:
            if reply.error_type == "UserError":
                from app.core.errors import UserError

                raise UserError(reply.error)
            if reply.error_type == "MemoryError":
                raise MemoryError(reply.error)
            log.error("The model worker's %s job failed:\n%s", self.kind, reply.detail)
            raise WorkerJobError(reply.error, reply.detail)
        return reply.result


def worker_command(fd: int, parent: int) -> list[str]:
    if getattr(sys, "frozen", False):
        return [sys.executable, WORKER_FLAG, str(fd), str(parent)]
    return [sys.executable, "-m", "app.worker", str(fd), str(parent)]


def _child_env() -> dict[str, str]:
    """The worker imports the very ``app`` package the window runs (a checkout or an install)."""
    import app

    root = str(Path(app.__file__).resolve().parents[1])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([root, *filter(None, [env.get("PYTHONPATH")])])
    return env


def describe_exit(code: int | None) -> str:
    if code is None:
        return "stopped"
    if code < 0:
        import signal

        try:
            return f"was stopped by {signal.Signals(-code).name}"
        except ValueError:
            return f"was stopped by signal {-code}"
    return f"stopped with exit code {code}"


class WorkerClient:
    """One worker process for one window; thread-safe, restarted after a loss."""

    def __init__(
        self,
        source: DataSource,
        frame: Callable[[], Any],
        *,
        on_lost: Callable[[str], None] | None = None,
        prepare_reader: Callable[[], None] | None = None,
    ) -> None:
        """``prepare_reader`` runs in the reader thread before it reads the first reply.

        Replies hold fitted models, and unpickling one imports interpret. interpret's
        modules import each other in a circle, so importing them from two threads at
        once can fail ("partially initialized module"); the window's warm-up imports
        therefore run here, in the one thread that unpickles.
        """
        self._source = source
        self._frame = frame
        self.on_lost = on_lost
        self._prepare_reader = prepare_reader
        self._lock = threading.RLock()
        self._send_lock = threading.Lock()
        self._ids = itertools.count(1)
        self._proc: subprocess.Popen[bytes] | None = None
        self._conn: Connection | None = None
        self._reader: threading.Thread | None = None
        self._generation = 0
        self._pending: dict[int, _Call] = {}
        self._closed = False
        self._failed_starts = 0
        self.starts = 0
        self.losses = 0
        self.hello: Hello | None = None

    # -- public ----------------------------------------------------------------------------
    @property
    def pid(self) -> int | None:
        proc = self._proc
        return None if proc is None else proc.pid

    @property
    def running(self) -> bool:
        proc = self._proc
        return proc is not None and proc.poll() is None

    def start(self) -> None:
        """Start the worker now (it also starts on the first call)."""
        with self._lock:
            self._ensure()

    def call(
        self,
        kind: str,
        payload: Any,
        *,
        lane: str = CPU,
        progress: ProgressFn | None = None,
        should_stop: StopFn | None = None,
    ) -> Any:
        """Run one job in the worker and return its result (raises what the job raised)."""
        return self.submit(kind, payload, lane=lane, progress=progress).wait(should_stop)

    def submit(
        self, kind: str, payload: Any, *, lane: str = CPU, progress: ProgressFn | None = None
    ) -> Pending:
        """Send one job; ``wait`` on the answer (the caller may do other work meanwhile)."""
        with self._lock:
            if self._closed:
                raise WorkerLost("The model worker has been closed.")
            self._ensure()
            call = _Call(next(self._ids), progress)
            self._pending[call.id] = call
        try:
            self._send(Request(call.id, kind, payload, lane))
        except (OSError, ValueError):
            self._forget(call)
            raise WorkerLost("The model worker could not be reached.") from None
        return Pending(self, call, kind)

    def kill(self) -> None:
        """SIGKILL the worker (tests and the crash drill); the next call starts another."""
        proc = self._proc
        if proc is not None:
            with contextlib.suppress(OSError):
                proc.kill()

    def close(self) -> None:
        """End the worker: ask, wait a moment, then kill; every waiting call is released."""
        with self._lock:
            self._closed = True
            proc, conn, reader = self._proc, self._conn, self._reader
            self._proc = self._conn = self._reader = None
            self._generation += 1
            pending = list(self._pending.values())
            self._pending.clear()
        if conn is not None:
            with contextlib.suppress(OSError, ValueError):
                self._send_on(conn, Shutdown())
        if proc is not None:
            try:
                proc.wait(CLOSE_WAIT_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if conn is not None:
            conn.close()
        if reader is not None and reader is not threading.current_thread():
            reader.join(5.0)
        for call in pending:
            call.lost = "The model worker has been closed."
            call.done.set()

    # -- internals -------------------------------------------------------------------------
    def _ensure(self) -> None:
        """Start a worker unless one is running (the caller holds the lock)."""
        if self._proc is not None and self._proc.poll() is None:
            return
        if self._failed_starts >= MAX_FAILED_STARTS:
            raise WorkerJobError("The model worker cannot start; the details are in the log file.")
        try:
            self._start()
        except BaseException:
            self._failed_starts += 1
            raise
        self._failed_starts = 0

    def _start(self) -> None:
        ours, theirs = socket.socketpair()
        try:
            proc = subprocess.Popen(
                worker_command(theirs.fileno(), os.getpid()),
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                env=_child_env(),
            )
        finally:
            theirs.close()
        conn = Connection(ours.detach())
        try:
            conn.send(self._source)
            if not conn.poll(START_TIMEOUT_S):
                raise WorkerLost("The model worker did not start in time.")
            hello = conn.recv()
            if hello.how == "needs_data":
                conn.send(DataFrameSent(self._frame()))
        except (OSError, EOFError) as exc:
            conn.close()
            with contextlib.suppress(OSError):
                proc.kill()
            proc.wait()
            raise WorkerLost(
                f"The model worker {describe_exit(proc.returncode)} while starting."
            ) from exc
        self._generation += 1
        self._proc, self._conn, self.hello = proc, conn, hello
        self.starts += 1
        reader = threading.Thread(
            target=self._read,
            args=(conn, proc, self._generation),
            name="worker-reader",
            daemon=True,
        )
        self._reader = reader
        reader.start()
        log.info("Model worker %d started (%s, %.2f s)", proc.pid, hello.how, hello.seconds)

    def _send(self, message: Any) -> None:
        conn = self._conn
        if conn is None:
            raise OSError("no worker")
        self._send_on(conn, message)

    def _send_on(self, conn: Connection, message: Any) -> None:
        with self._send_lock:
            conn.send(message)

    def _forget(self, call: _Call) -> None:
        with self._lock:
            self._pending.pop(call.id, None)

    def _read(self, conn: Connection, proc: subprocess.Popen[bytes], generation: int) -> None:
        if self._prepare_reader is not None:
            try:
                self._prepare_reader()
            except Exception:
                log.exception("Preparing to read the model worker's replies failed")
        while True:
            try:
                data = conn.recv_bytes()
            except (EOFError, OSError):
                break
            try:
                message = pickle.loads(data)
            except Exception:  # a result that cannot be unpickled here
                log.exception("Could not read a reply of the model worker")
                self._fail_pending("A result of the model worker could not be read here.")
                continue
            if isinstance(message, Progress):
                call = self._pending.get(message.id)
                if call is not None and call.progress is not None:
                    call.progress(message.fraction, message.message)
            elif isinstance(message, Reply):
                with self._lock:
                    call = self._pending.pop(message.id, None)
                if call is not None:
                    call.reply = message
                    call.done.set()
        self._lost(proc, generation)

    def _fail_pending(self, sentence: str) -> None:
        """Whose reply it was is unknown: end every waiting call rather than leave one hanging."""
        with self._lock:
            pending = list(self._pending.values())
            self._pending.clear()
        for call in pending:
            call.failed = sentence
            call.done.set()

    def _lost(self, proc: subprocess.Popen[bytes], generation: int) -> None:
        """The socket closed: release the waiting calls and say so (unless we closed it)."""
        with self._lock:
            if generation != self._generation:
                return  # closed or replaced on purpose
            self._proc = self._conn = self._reader = None
            pending = list(self._pending.values())
            self._pending.clear()
        try:
            code = proc.wait(5.0)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = proc.wait()
        self.losses += 1
        sentence = (
            f"The model worker {describe_exit(code)}; a new one is starting and no label was lost."
        )
        log.warning(sentence)
        for call in pending:
            call.lost = sentence
            call.done.set()
        if self.on_lost is not None:
            self.on_lost(sentence)


def wait_gone(pid: int, timeout_s: float) -> bool:
    """Whether process ``pid`` ended (or is a zombie nobody reaped yet) within the timeout."""
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if not _alive(pid):
            return True
        time.sleep(0.02)
    return not _alive(pid)


def _alive(pid: int) -> bool:
    try:
        with Path(f"/proc/{pid}/status").open(encoding="ascii") as fh:
            for line in fh:
                if line.startswith("State:"):
                    return "Z" not in line.split()[1]
    except FileNotFoundError:
        return False
    except OSError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
