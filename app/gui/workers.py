"""The one background-task pattern of the GUI: QObject workers moved to QThreads.

Every job is a plain function ``fn(progress, should_stop) -> result`` (the same
signature as the long functions in ``models/`` and ``app/core``), so the code a
job runs is the code the command line and the tests run.

- Each job has a *kind* ("train", "review", ...). A new request of a kind
  supersedes the old one: with ``policy="cancel"`` the running job is asked to
  stop and its result is thrown away; with ``policy="queue"`` the running job
  finishes (its result is still delivered, and may be stale) and only the newest
  pending request runs after it. Training uses "queue" so that a steady stream of
  labels cannot starve the model of updates.
- Jobs may share a *lane* ("cpu"): at most one job of a lane runs at a time and
  waiting ones start by ``priority`` (lower first). On two cores, two Python-heavy
  fits at once would only fight each other and the GUI thread for the GIL.
- Each job carries the labels-version it was computed from. The result arrives
  on the GUI thread through a queued signal together with ``current``: whether
  the labels are still at that version. The handler drops a stale result or
  marks it stale; it never shows it as current.
- ``shutdown()`` cancels every job, drops pending ones and joins every thread;
  the main window calls it on close and the tests check no thread survives.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import sys
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QCoreApplication, QDeadlineTimer, QObject, QThread, QTimer, Signal, Slot

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]
ShouldStop = Callable[[], bool]
JobFn = Callable[[Progress, ShouldStop], Any]
ResultHandler = Callable[[Any, bool], None]
ErrorHandler = Callable[[BaseException], None]

WORKER_NICE = 0
_ids = itertools.count(1)
_live_threads: weakref.WeakSet[QThread] = weakref.WeakSet()


def running_threads() -> list[QThread]:
    """Every worker QThread that is still running (the tests assert this is empty)."""
    out = []
    for thread in list(_live_threads):
        try:
            if thread.isRunning():
                out.append(thread)
        except RuntimeError:  # the C++ object is already gone
            continue
    return out


class JobCancelled(Exception):  # noqa: N818 - matches models.training.Cancelled
    """Raised by a job function (or by ``should_stop`` users) to end early."""


@dataclass
class JobHandle:
    """What the GUI knows about one job: its kind, version, progress and cancel flag."""

    kind: str
    description: str
    labels_version: int | None
    id: int = field(default_factory=lambda: next(_ids))
    fraction: float = 0.0
    message: str = ""
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)

    def cancel(self) -> None:
        self._stop.set()

    @property
    def cancelled(self) -> bool:
        return self._stop.is_set()


@dataclass
class _Request:
    handle: JobHandle
    fn: JobFn
    on_result: ResultHandler
    on_error: ErrorHandler | None
    policy: str
    lane: str | None = None
    priority: int = 0


class _Worker(QObject):
    """Runs one job function in its thread and reports back through signals.

    Every signal carries the handle, and the runner's receiving slots are methods
    of a QObject living in the GUI thread, so Qt queues them across threads.
    """

    sig_progress = Signal(object, float, str)
    sig_result = Signal(object, object)
    sig_failed = Signal(object, object)
    sig_done = Signal(object)

    def __init__(self, fn: JobFn, handle: JobHandle) -> None:
        super().__init__()
        self._fn = fn
        self._handle = handle

    @Slot()
    def run(self) -> None:
        handle = self._handle
        _yield_cpu_to_the_gui()
        try:
            result = self._fn(self._progress, lambda: handle.cancelled)
        except Exception as exc:
            if not (handle.cancelled or _is_cancellation(exc)):
                self.sig_failed.emit(handle, exc)
        else:
            if not handle.cancelled:
                self.sig_result.emit(handle, result)
        finally:
            self.sig_done.emit(handle)
            self.thread().quit()

    def _progress(self, fraction: float, message: str) -> None:
        self.sig_progress.emit(self._handle, float(fraction), str(message))


def _yield_cpu_to_the_gui() -> None:
    """Background work runs at a lower CPU priority (Linux: a per-thread nice value)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), WORKER_NICE)


def _is_cancellation(exc: BaseException) -> bool:
    """Jobs from models/ raise their own cancellation types; they all mean 'stopped'."""
    return isinstance(exc, JobCancelled) or type(exc).__name__ in {"Cancelled", "ReviewCancelled"}


class _Running:
    def __init__(self, request: _Request, thread: QThread, worker: _Worker) -> None:
        self.request = request
        self.thread = thread
        self.worker = worker
        self.superseded = False
        self.delivered = False  # its result or error was handed over; the thread may linger


class TaskRunner(QObject):
    """Starts jobs in worker threads, one running job per kind, and routes results back."""

    sig_started = Signal(object)  # JobHandle
    sig_progress = Signal(object)  # JobHandle (with fraction and message updated)
    sig_finished = Signal(object)  # JobHandle, however it ended
    sig_idle = Signal()

    def __init__(
        self, labels_version: Callable[[], int] | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._version = labels_version
        self._running: dict[str, _Running] = {}
        self._pending: dict[str, _Request] = {}
        self._exiting: list[_Running] = []  # jobs done whose threads are still winding down
        self._held: set[str] = set()
        self._reaper = QTimer(self)
        self._reaper.setInterval(20)
        self._reaper.timeout.connect(self._reap)
        self._closed = False

    # -- public ---------------------------------------------------------------------------
    def submit(
        self,
        kind: str,
        fn: JobFn,
        on_result: ResultHandler,
        *,
        on_error: ErrorHandler | None = None,
        labels_version: int | None = None,
        description: str = "",
        policy: str = "cancel",
        lane: str | None = None,
        priority: int = 0,
    ) -> JobHandle:
        """Run ``fn`` in a worker thread; it supersedes any earlier job of ``kind``."""
        handle = JobHandle(kind, description or kind, labels_version)
        request = _Request(handle, fn, on_result, on_error, policy, lane, priority)
        if self._closed:
            handle.cancel()
            return handle
        dropped = self._pending.pop(kind, None)
        if dropped is not None:
            dropped.handle.cancel()
        running = self._running.get(kind)
        if running is not None and policy == "cancel":
            running.superseded = True
            running.request.handle.cancel()
        self._pending[kind] = request
        self._start_waiting()
        return handle

    def cancel(self, kind: str | None = None) -> None:
        """Stop the running and pending jobs of ``kind`` (of every kind when None)."""
        for k in [k for k in self._pending if kind is None or k == kind]:
            self._pending.pop(k).handle.cancel()
        for k, running in self._running.items():
            if kind is None or k == kind:
                running.superseded = True
                running.request.handle.cancel()

    def running(self) -> list[JobHandle]:
        return [r.request.handle for r in self._running.values()]

    def is_busy(self, kind: str | None = None) -> bool:
        if kind is None:
            return bool(self._running or self._pending)
        return kind in self._running or kind in self._pending

    def result_coming(self, kind: str) -> bool:
        """A job of ``kind`` is pending, or running and has not handed over its result.

        Unlike ``is_busy``, a job whose result was delivered no longer counts although
        its thread may still be winding down: what the result sets off (redraws,
        follow-up jobs) must not wait for a result that has already come.
        """
        running = self._running.get(kind)
        return kind in self._pending or (running is not None and not running.delivered)

    def hold(self, lane: str) -> None:
        """Start no new job in ``lane`` until ``release`` (running jobs go on).

        The window holds the CPU lane while it redraws after a model arrived, so
        the redraw does not compete for the GIL with the next fit.
        """
        self._held.add(lane)

    def release(self, lane: str) -> None:
        if lane in self._held:
            self._held.discard(lane)
            if not self._closed:
                self._start_waiting()

    def has_pending(self, kind: str) -> bool:
        return kind in self._pending

    def shutdown(self, timeout_ms: int = -1) -> bool:
        """Cancel everything and join every thread; True when all threads ended."""
        self._closed = True
        self.cancel()
        ok = True
        for kind in list(self._running):
            self._retire(kind)
        for running in list(self._exiting):
            if timeout_ms >= 0:
                ended = running.thread.wait(QDeadlineTimer(timeout_ms))
            else:
                ended = running.thread.wait()
            ok = ok and bool(ended)
        self._reap()
        return ok

    def wait_idle(self, timeout_s: float) -> bool:
        """Process events until no job runs or is pending (tests and screenshots)."""
        import time

        end = time.monotonic() + timeout_s
        app = QCoreApplication.instance()
        while self.is_busy() and time.monotonic() < end:
            if app is not None:
                app.processEvents()
            QThread.msleep(2)
        return not self.is_busy()

    # -- internals ------------------------------------------------------------------------
    def _start(self, request: _Request) -> None:
        handle = request.handle
        thread = QThread()
        thread.setObjectName(f"labelwright-{handle.kind}-{handle.id}")
        worker = _Worker(request.fn, handle)
        worker.moveToThread(thread)
        self._running[handle.kind] = _Running(request, thread, worker)
        thread.started.connect(worker.run)
        worker.sig_progress.connect(self._on_progress)
        worker.sig_result.connect(self._on_result)
        worker.sig_failed.connect(self._on_failed)
        worker.sig_done.connect(self._on_done)
        _live_threads.add(thread)
        self.sig_started.emit(handle)
        thread.start()

    def _current(self, handle: JobHandle) -> bool:
        if handle.labels_version is None or self._version is None:
            return True
        return handle.labels_version == self._version()

    def _owner(self, handle: JobHandle) -> _Running | None:
        running = self._running.get(handle.kind)
        if running is None or running.request.handle is not handle:
            return None
        return running

    @Slot(object, float, str)
    def _on_progress(self, handle: JobHandle, fraction: float, message: str) -> None:
        if self._owner(handle) is None:
            return
        handle.fraction, handle.message = fraction, message
        self.sig_progress.emit(handle)

    @Slot(object, object)
    def _on_result(self, handle: JobHandle, result: Any) -> None:
        running = self._owner(handle)
        if running is None or running.superseded or handle.cancelled or self._closed:
            return
        running.delivered = True
        running.request.on_result(result, self._current(handle))

    @Slot(object, object)
    def _on_failed(self, handle: JobHandle, exc: BaseException) -> None:
        running = self._owner(handle)
        if running is None or self._closed:
            return
        running.delivered = True
        log.error("%s failed", handle.description, exc_info=(type(exc), exc, exc.__traceback__))
        if running.request.on_error is not None:
            running.request.on_error(exc)

    @Slot(object)
    def _on_done(self, handle: JobHandle) -> None:
        if self._owner(handle) is None:
            return
        self._retire(handle.kind)
        if not self._closed:
            self._start_waiting()
        if not self._running and not self._pending:
            self.sig_idle.emit()

    def _start_waiting(self) -> None:
        """Start every pending job whose kind is idle and whose lane is free, best first."""
        for request in sorted(self._pending.values(), key=lambda r: r.priority):
            kind = request.handle.kind
            if kind in self._running or request.lane in self._held:
                continue
            if request.lane is not None and any(
                r.request.lane == request.lane for r in self._running.values()
            ):
                continue
            del self._pending[kind]
            self._start(request)

    def _retire(self, kind: str) -> None:
        """The job's function returned: free its kind and lane at once, reap the thread later.

        The GUI thread never blocks in ``QThread.wait`` here: a thread can take a
        while to wind down (thread-local pools, garbage) and the window must not
        freeze for it. A QThread destroyed while running aborts the process, so the
        objects stay referenced in ``_exiting`` until the thread has finished.
        """
        running = self._running.pop(kind, None)
        if running is None:
            return
        self._exiting.append(running)
        if not self._reaper.isActive():
            self._reaper.start()
        self.sig_finished.emit(running.request.handle)

    def _reap(self) -> None:
        self._exiting = [r for r in self._exiting if not r.thread.isFinished()]
        if not self._exiting:
            self._reaper.stop()
