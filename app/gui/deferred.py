"""Progressive GUI updates: one step per event-loop turn, coalesced by key.

A key press must paint the next sample within a frame, and a model arriving
must not freeze the window while five views redraw. So the views that are not
read first (the contributions chart, the shape curve, the map, the model
panel) are queued here; each step runs in its own turn of the event loop, with
painting and input handled in between, and each step's own repaint done
before the next step starts. Queuing a key that is already waiting
replaces its callable (the newest state wins) without losing its place.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer, Signal

log = logging.getLogger(__name__)


class DeferredSteps(QObject):
    """A keyed queue of GUI updates, drained one per event-loop turn."""

    sig_drained = Signal()  # the queue ran empty

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._steps: dict[str, Callable[[], None]] = {}
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._run_one)

    def later(self, key: str, step: Callable[[], None]) -> None:
        self._steps[key] = step
        if not self._timer.isActive():
            self._timer.start()

    def cancel(self, key: str) -> None:
        self._steps.pop(key, None)

    def cancel_all(self) -> None:
        self._timer.stop()
        self._steps.clear()

    def pending(self) -> bool:
        return bool(self._steps)

    def flush(self) -> None:
        """Run everything queued now (tests, screenshots, closing)."""
        self._timer.stop()
        while self._steps:
            self._pop_and_run()
        self.sig_drained.emit()

    def _run_one(self) -> None:
        if self._steps:
            self._pop_and_run()
            # Paint what this step changed now, in its own turn: left to Qt, the
            # repaints of several steps merge into one long pass.
            QCoreApplication.sendPostedEvents(None, QEvent.Type.UpdateRequest)
        if self._steps:
            self._timer.start()
        else:
            self.sig_drained.emit()

    def _pop_and_run(self) -> None:
        key = next(iter(self._steps))
        step = self._steps.pop(key)
        step()
