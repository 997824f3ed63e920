"""The background-task pattern: queued results, superseding, lanes, stale results, joins."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("pytestqt")

from app.gui.workers import JobCancelled, TaskRunner, running_threads


def _wait_for(qtbot: Any, runner: TaskRunner, timeout: float = 10.0) -> None:
    qtbot.waitUntil(lambda: not runner.is_busy(), timeout=int(timeout * 1000))


@pytest.fixture
def runner() -> Iterator[TaskRunner]:
    r = TaskRunner()
    yield r
    assert r.shutdown(5000)


def test_result_arrives_on_the_gui_thread_with_progress(qtbot: Any, runner: TaskRunner) -> None:
    got: list[tuple[Any, bool, bool]] = []
    progress: list[str] = []
    runner.sig_progress.connect(lambda h: progress.append(h.message))

    def job(report, should_stop):
        report(0.5, "half way")
        return threading.current_thread() is threading.main_thread()

    runner.submit(
        "x",
        job,
        lambda r, current: got.append(
            (r, current, threading.current_thread() is threading.main_thread())
        ),
    )
    _wait_for(qtbot, runner)
    assert got == [(False, True, True)]  # ran off the GUI thread, delivered on it
    assert progress == ["half way"]
    assert running_threads() == []


def test_a_new_request_cancels_and_supersedes_the_running_one(
    qtbot: Any, runner: TaskRunner
) -> None:
    results: list[str] = []
    started = threading.Event()

    def slow(report, should_stop):
        started.set()
        while not should_stop():
            time.sleep(0.005)
        raise JobCancelled

    first = runner.submit("k", slow, lambda r, c: results.append("slow"))
    assert started.wait(5)
    runner.submit("k", lambda p, s: "fast", lambda r, c: results.append(r))
    assert first.cancelled
    _wait_for(qtbot, runner)
    assert results == ["fast"]


def test_queue_policy_delivers_the_running_result_then_runs_only_the_newest(
    qtbot: Any, runner: TaskRunner
) -> None:
    results: list[int] = []
    gate = threading.Event()

    def make(i: int):
        def job(report, should_stop):
            if i == 0:
                gate.wait(5)
            return i

        return job

    runner.submit("train", make(0), lambda r, c: results.append(r), policy="queue")
    second = runner.submit("train", make(1), lambda r, c: results.append(r), policy="queue")
    runner.submit("train", make(2), lambda r, c: results.append(r), policy="queue")
    assert second.cancelled  # replaced while pending: it never runs
    gate.set()
    _wait_for(qtbot, runner)
    assert results == [0, 2]


def test_a_result_for_an_outdated_labels_version_comes_back_marked_stale(qtbot: Any) -> None:
    version = [1]
    runner = TaskRunner(labels_version=lambda: version[0])
    seen: list[bool] = []
    gate = threading.Event()

    def job(report, should_stop):
        gate.wait(5)
        return "model"

    runner.submit("train", job, lambda r, current: seen.append(current), labels_version=1)
    version[0] = 2  # a label arrived while the job ran
    gate.set()
    _wait_for(qtbot, runner)
    assert seen == [False]
    assert runner.shutdown(5000)


def test_errors_reach_the_error_handler_not_the_result_handler(
    qtbot: Any, runner: TaskRunner
) -> None:
    errors: list[BaseException] = []
    results: list[Any] = []

    def broken(report, should_stop):
        raise ValueError("boom")

    runner.submit("x", broken, lambda r, c: results.append(r), on_error=errors.append)
    _wait_for(qtbot, runner)
    assert results == []
    assert [str(e) for e in errors] == ["boom"]


def test_a_delivered_result_is_no_longer_coming(qtbot: Any, runner: TaskRunner) -> None:
    """What a result sets off must not take its own job for one still to come."""
    seen: list[tuple[bool, bool]] = []
    runner.submit(
        "x",
        lambda report, should_stop: 1,
        lambda r, c: seen.append((runner.result_coming("x"), runner.is_busy("x"))),
    )
    assert runner.result_coming("x")
    _wait_for(qtbot, runner)
    assert seen == [(False, True)]  # delivered, while its thread had not yet ended
    assert not runner.result_coming("x")


def test_cancel_stops_a_job_and_drops_its_result(qtbot: Any, runner: TaskRunner) -> None:
    results: list[Any] = []

    def slow(report, should_stop):
        for _ in range(2000):
            if should_stop():
                return "partial"
            time.sleep(0.002)
        return "full"

    runner.submit("x", slow, lambda r, c: results.append(r))
    runner.cancel()
    _wait_for(qtbot, runner)
    assert results == []


def test_shutdown_joins_every_thread(qtbot: Any, runner: TaskRunner) -> None:
    started = threading.Barrier(3, timeout=5)

    def slow(report, should_stop):
        started.wait()
        while not should_stop():
            time.sleep(0.005)
        return None

    runner.submit("a", slow, lambda r, c: None)
    runner.submit("b", slow, lambda r, c: None)
    started.wait()
    assert len(running_threads()) == 2
    assert runner.shutdown()
    assert running_threads() == []
    assert not runner.is_busy()
    # A closed runner starts nothing new.
    handle = runner.submit("c", slow, lambda r, c: None)
    assert handle.cancelled and running_threads() == []


def test_jobs_of_one_lane_run_one_at_a_time_best_priority_first(
    qtbot: Any, runner: TaskRunner
) -> None:
    order: list[str] = []
    gate = threading.Event()
    lock = threading.Lock()
    active = [0]
    peak = [0]

    def make(name: str):
        def job(report, should_stop):
            with lock:
                active[0] += 1
                peak[0] = max(peak[0], active[0])
            if name == "first":
                gate.wait(5)
            time.sleep(0.01)
            with lock:
                active[0] -= 1
            return name

        return job

    for kind, priority in (("first", 0), ("curve", 3), ("review", 1), ("train", 0)):
        runner.submit(kind, make(kind), lambda r, c: order.append(r), lane="cpu", priority=priority)
    assert [h.kind for h in runner.running()] == ["first"]
    gate.set()
    _wait_for(qtbot, runner)
    assert order == ["first", "train", "review", "curve"]
    assert peak[0] == 1
