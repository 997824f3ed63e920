"""The window on a big project, for ``labelwright bench`` (offscreen, real EBM settings).

``app.cli.bench_million`` makes the project and runs this in a fresh process:

- ``label_to_suggestions_s``: a label key → the retrain in the worker → the new
  model's suggestions in the queue (the 300 ms retrain debounce included), median
  of three labels, each after a second of reading;
- ``suggest_*_s``: once scores exist, choosing each strategy → its ranked batch in
  the queue;
- ``peak_mb``: the peak resident memory of the window's process plus its worker's
  (each process's high-water mark, summed: an upper bound);
- ``max_stall_ms``: the longest event-loop stall while labelling.

Run: ``QT_QPA_PLATFORM=offscreen python -m app.gui.measure_big PROJECT``.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any


def _hwm_mb(pid: int | None) -> float:
    """A process's peak resident memory (VmHWM), in MB; 0 when it cannot be read."""
    if pid is None:
        return 0.0
    try:
        text = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        return 0.0
    for line in text.splitlines():
        if line.startswith("VmHWM:"):
            return float(line.split()[1]) / 1024.0
    return 0.0


def _wait(window: Any, done: Any, timeout_s: float) -> bool:
    from app.gui.measure import _spin

    end = time.perf_counter() + timeout_s
    while time.perf_counter() < end:
        if done():
            return True
        _spin(0.005)
    return done()


def _settled(window: Any) -> bool:
    return (
        window.ready
        and not window.runner.is_busy("train")
        and not window.runner.is_busy("suggest")
        and not window.deferred.pending()
        and window.model_status.state == "current"
    )


class _QueueClock:
    """When the suggestion queue last received entries, and when the last current model came."""

    def __init__(self, window: Any) -> None:
        self.entries_at = 0.0
        self.model_at = 0.0
        queue = window.suggestion_queue
        original = queue.set_entries

        def set_entries(entries: Any) -> None:
            original(entries)
            self.entries_at = time.perf_counter()

        queue.set_entries = set_entries
        window.jobs.sig_models_updated.connect(self._on_model)

    def _on_model(self, current: bool) -> None:
        if current:
            self.model_at = time.perf_counter()

    def fresh(self, since: float) -> bool:
        """A current model came after ``since`` and its suggestions are in the queue."""
        return self.model_at > since and self.entries_at > self.model_at


def measure_window(project: Path, labels: int = 3) -> dict[str, float]:
    """Label → fresh suggestions, every strategy's ranking, stalls and memory, in this process."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from app.gui import create_main_window
    from app.gui.measure import _spin, measure_labelling
    from models.strategies import STRATEGIES

    window = create_main_window(project, interactive=False, annotator="bench")
    assert window is not None
    out: dict[str, float] = {}
    try:
        window.resize(1600, 1000)
        clock = _QueueClock(window)
        if not _wait(window, lambda: _settled(window) and not window.runner.is_busy(), 600):
            raise RuntimeError("the first model did not arrive in 10 minutes")
        session = window.session
        out["rows"] = float(session.n_rows)
        out["data_mb"] = float(session.data.memory_usage(deep=True).sum()) / 2**20
        cycles = []
        for i in range(labels):
            _spin(1.0)  # the expert reads the new sample before the next label
            start = time.perf_counter()
            QTest.keyClick(window, Qt.Key.Key_2 if i % 2 == 0 else Qt.Key.Key_1)
            if _wait(window, lambda s=start: clock.fresh(s), 300):
                cycles.append(clock.entries_at - start)
            _wait(window, lambda: _settled(window), 300)
        out["label_to_suggestions_s"] = statistics.median(cycles) if cycles else float("nan")
        out["label_to_suggestions_max_s"] = max(cycles) if cycles else float("nan")
        out["worker_fit_s"] = window.jobs.timings.get("fit", float("nan"))
        out["worker_rank_s"] = window.jobs.timings.get("suggest", float("nan"))
        slowest = 0.0
        for name in (*[s for s in STRATEGIES if s != "margin"], "margin"):
            _wait(window, lambda: _settled(window), 120)
            start = time.perf_counter()
            window.suggestion_queue.sig_strategy_changed.emit(name)
            _wait(window, lambda s=start: clock.entries_at > s and _settled(window), 120)
            seconds = clock.entries_at - start
            out[f"suggest_{name}_s"] = seconds
            slowest = max(slowest, seconds)
        out["suggest_any_s"] = slowest
        stalls = measure_labelling(window, presses=6, gap_s=1.0, settle_s=120.0)
        out["max_stall_ms"] = stalls["max_stall_ms"]
        out["stall_p99_ms"] = stalls["stall_p99_ms"]
        out["key_to_paint_max_ms"] = stalls.get("key_to_paint_max_ms", float("nan"))
        window_mb = _hwm_mb(os.getpid())
        worker_mb = _hwm_mb(window.jobs.client.pid)
        out["window_peak_mb"] = window_mb
        out["worker_peak_mb"] = worker_mb
        out["peak_mb"] = window_mb + worker_mb
    finally:
        window.close()
    return out


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    print(json.dumps(measure_window(Path(args[0])), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
