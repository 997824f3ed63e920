"""GUI latency measurements for ``labelwright bench`` (offscreen, real EBM settings).

- ``startup_s``: wall time from launching a fresh Python process to a usable
  window (shown, first suggestion selected, keys live), measured in a subprocess;
- ``max_stall_ms``: the longest gap between ticks of a 5 ms QTimer while a
  retrain and a review (out-of-fold scoring) job run in the background;
- ``key_to_paint_ms``: from a label key press to the next sample painted in the
  sample view (median and worst over a run of presses, with retrains running).

Run: ``QT_QPA_PLATFORM=offscreen python -m app.gui.measure [PATH]``.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any

_CHILD = """
import os, sys, time
from PySide6.QtCore import QCoreApplication
from app.gui import create_main_window
w = create_main_window({path!r})
QCoreApplication.processEvents()
print("READY", time.time(), w.controller.current is not None, flush=True)
w.close()
"""


def measure_startup(path: str = "demo", runs: int = 3) -> dict[str, float]:
    """Process start to usable window, in seconds (the demo files are created first)."""
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    times = []
    for _ in range(runs + 1):  # the first run creates the demo files and warms the disk cache
        start = time.time()
        out = subprocess.run(
            [sys.executable, "-c", _CHILD.format(path=path)],
            capture_output=True,
            text=True,
            env=env,
            check=True,
            timeout=300,
        )
        line = next(ln for ln in out.stdout.splitlines() if ln.startswith("READY"))
        times.append(float(line.split()[1]) - start)
    warm = times[1:]
    return {
        "startup_s": min(warm),
        "startup_median_s": statistics.median(warm),
        "startup_first_s": times[0],
    }


class _StallMeter:
    """Records the largest gap between 5 ms timer ticks."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.max_gap = 0.0
        self._last = time.perf_counter()
        self.timer = QTimer()
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.max_gap = max(self.max_gap, now - self._last)
        self._last = now

    def start(self) -> None:
        self._last = time.perf_counter()
        self.max_gap = 0.0
        self.timer.start()

    def stop(self) -> float:
        self.timer.stop()
        return self.max_gap * 1000.0


def _spin(seconds: float) -> None:
    from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()
    QCoreApplication.processEvents()


def measure_stall(window: Any, timeout_s: float = 120.0) -> dict[str, float]:
    """Longest event-loop stall while a retrain and a review job run."""
    meter = _StallMeter()
    _wait_idle(window, timeout_s)
    meter.start()
    start = time.perf_counter()
    window.jobs.retrain_now()
    window.request_review()
    while (
        window.runner.is_busy("train") or window.runner.is_busy("review")
    ) and time.perf_counter() - start < timeout_s:
        _spin(0.05)
    busy = time.perf_counter() - start
    return {"max_stall_ms": meter.stop(), "stall_window_s": busy}


def measure_key_to_paint(window: Any, presses: int = 20, gap_s: float = 0.35) -> dict[str, float]:
    """Key press → the next sample painted, with retrains running in between."""
    from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt
    from PySide6.QtTest import QTest

    painted: list[float] = []

    class PaintProbe(QObject):
        def eventFilter(self, obj: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                painted.append(time.perf_counter())
            return False

    probe = PaintProbe()
    viewport = window.sample_view.table.viewport()
    viewport.installEventFilter(probe)
    latencies = []
    try:
        for i in range(presses):
            before = window.controller.current
            painted.clear()
            start = time.perf_counter()
            key = Qt.Key.Key_1 if i % 2 else Qt.Key.Key_2
            QTest.keyClick(window, key)
            while not painted and time.perf_counter() - start < 2.0:
                QCoreApplication.processEvents()
            if painted and window.controller.current != before:
                latencies.append((painted[0] - start) * 1000.0)
            _spin(gap_s)
    finally:
        viewport.removeEventFilter(probe)
    if not latencies:
        return {"key_to_paint_ms": float("nan"), "key_to_paint_max_ms": float("nan")}
    return {
        "key_to_paint_ms": statistics.median(latencies),
        "key_to_paint_max_ms": max(latencies),
        "key_presses": float(len(latencies)),
    }


def _wait_idle(window: Any, timeout_s: float) -> None:
    start = time.perf_counter()
    while (not window.ready or window.runner.is_busy()) and time.perf_counter() - start < timeout_s:
        _spin(0.05)


def measure_ui(path: str = "demo", startup_runs: int = 3, quick: bool = False) -> dict[str, float]:
    """All three numbers; the window uses the project's real EBM settings.

    For the demo, a temporary LABELWRIGHT_HOME keeps the user's own demo
    project (and its labels) untouched by the key presses of the measurement.
    """
    import tempfile

    saved = os.environ.get("LABELWRIGHT_HOME")
    with tempfile.TemporaryDirectory(prefix="labelwright-measure-") as home:
        if path == "demo":
            os.environ["LABELWRIGHT_HOME"] = home
        try:
            return _measure(path, startup_runs, quick)
        finally:
            if saved is None:
                os.environ.pop("LABELWRIGHT_HOME", None)
            else:
                os.environ["LABELWRIGHT_HOME"] = saved


def _measure(path: str, startup_runs: int, quick: bool = False) -> dict[str, float]:
    from app.gui import create_main_window

    result: dict[str, float] = {}
    result.update(measure_startup(path, startup_runs))
    window = create_main_window(path)
    assert window is not None
    try:
        window.resize(1600, 1000)
        _wait_idle(window, 180.0)
        first = measure_stall(window)
        result.update(measure_key_to_paint(window, presses=10 if quick else 20))
        result.update(first)
        if not quick:
            _wait_idle(window, 180.0)
            second = measure_stall(window)  # again, with more labels
            result["max_stall_ms"] = max(first["max_stall_ms"], second["max_stall_ms"])
            result["stall_window_s"] = first["stall_window_s"] + second["stall_window_s"]
    finally:
        window.close()
    return result


def main(argv: list[str] | None = None) -> int:
    """``python -m app.gui.measure [PATH] [--quick]``; --quick times one start-up, not three."""
    args = sys.argv[1:] if argv is None else argv
    quick = "--quick" in args
    paths = [a for a in args if a != "--quick"]
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    result = measure_ui(paths[0] if paths else "demo", startup_runs=1 if quick else 3, quick=quick)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
