"""GUI latency measurements for ``labelwright bench`` (offscreen, real EBM settings).

They measure the way a user works: label keys pressed while the model retrains.

- ``startup_s``: wall time from launching a fresh Python process to a usable
  window (shown, first suggestion selected, keys live), measured in a subprocess;
- ``max_stall_ms`` / ``stall_p99_ms``: the longest (and the 99th percentile) gap
  between ticks of a 5 ms QTimer on the GUI thread while the expert presses 1/2
  twelve times, 0.6 s apart, so that each label sets off a retrain and a rescoring,
  until the last model is shown; then again while a review (out-of-fold) job runs;
- ``key_to_paint_ms``: from a label key press to the next sample painted in the
  sample view (median and worst of those presses).

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
    _compile_project()
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


def _compile_project() -> None:
    """Byte-compile the app as an installed package is, so that start-up is timed reading
    bytecode even where PYTHONDONTWRITEBYTECODE keeps Python from caching it."""
    import compileall
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    for package in ("app", "models", "widgets"):
        if (root / package).is_dir():
            compileall.compile_dir(root / package, quiet=2, workers=0)


class _StallMeter:
    """Records every gap between 5 ms timer ticks on the GUI thread."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.gaps: list[float] = []
        self._last = time.perf_counter()
        self.timer = QTimer()
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append(now - self._last)
        self._last = now

    def start(self) -> None:
        self._last = time.perf_counter()
        self.gaps = []
        self.timer.start()

    def stop(self) -> dict[str, float]:
        self.timer.stop()
        gaps = sorted(self.gaps) or [0.0]
        p99 = gaps[min(len(gaps) - 1, int(0.99 * len(gaps)))]
        return {"max_stall_ms": gaps[-1] * 1000.0, "stall_p99_ms": p99 * 1000.0}


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
    return {**meter.stop(), "stall_window_s": busy}


def measure_labelling(
    window: Any, presses: int = 12, gap_s: float = 0.6, settle_s: float = 60.0
) -> dict[str, float]:
    """Label keys while retrains run: stalls of the event loop and key press → next sample painted.

    Keys 2 and 1 alternate (both classes keep growing), ``gap_s`` apart, so each
    label sets off a retrain and a rescoring in the background; the clock runs on
    until the last model is shown.
    """
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
    meter = _StallMeter()
    latencies = []
    trainings = window.jobs.trainings
    meter.start()
    try:
        for i in range(presses):
            before = window.controller.current
            painted.clear()
            start = time.perf_counter()
            QTest.keyClick(window, Qt.Key.Key_2 if i % 2 == 0 else Qt.Key.Key_1)
            while not painted and time.perf_counter() - start < 2.0:
                QCoreApplication.processEvents()
            if painted and window.controller.current != before:
                latencies.append((painted[0] - start) * 1000.0)
            _spin(max(0.0, gap_s - (time.perf_counter() - start)))
        end = time.perf_counter() + settle_s
        while (window.runner.is_busy() or window.deferred.pending()) and time.perf_counter() < end:
            _spin(0.05)
    finally:
        viewport.removeEventFilter(probe)
        stalls = meter.stop()
    out: dict[str, float] = {
        **stalls,
        "retrains_while_labelling": window.jobs.trainings - trainings,
    }
    if not latencies:
        return {**out, "key_to_paint_ms": float("nan"), "key_to_paint_max_ms": float("nan")}
    return {
        **out,
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
    window = create_main_window(path, interactive=False, annotator="bench")
    assert window is not None
    try:
        window.resize(1600, 1000)
        _wait_idle(window, 180.0)
        labelling = measure_labelling(window)
        result.update(labelling)
        if not quick:
            _wait_idle(window, 180.0)
            review = measure_stall(window)  # a retrain and an out-of-fold review
            result["review_max_stall_ms"] = review["max_stall_ms"]
            result["max_stall_ms"] = max(labelling["max_stall_ms"], review["max_stall_ms"])
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
