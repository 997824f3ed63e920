"""Status bar pieces: the running job's progress with Cancel, and the model's freshness."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QToolButton, QWidget

from app.gui.workers import JobHandle, TaskRunner
from widgets.text import esc, plain_label

KIND_TEXT = {
    "train": "Training",
    "review": "Checking labels",
    "project": "Drawing the map",
    "curve": "Learning curve",
    "stats": "Reading columns",
    "suggest": "Ranking suggestions",
    "export": "Exporting",
}


class JobStatusWidget(QWidget):
    """Shows the newest running job with a progress bar and a Cancel button.

    It appears only after a job has run for 150 ms, so quick jobs do not flicker.
    """

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._label = plain_label()
        self._bar = QProgressBar()
        self._bar.setRange(0, 1000)
        self._bar.setFixedWidth(140)
        self._bar.setFixedHeight(14)
        self._bar.setTextVisible(False)
        self.cancel_button = QToolButton()
        self.cancel_button.setText("Cancel")
        self.cancel_button.setToolTip("Stop the background work (labelling is not affected)")
        self.cancel_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.cancel_button.clicked.connect(self._cancel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._label)
        layout.addWidget(self._bar)
        layout.addWidget(self.cancel_button)
        self._delay = QTimer(self)
        self._delay.setSingleShot(True)
        self._delay.setInterval(150)
        self._delay.timeout.connect(self._refresh)
        runner.sig_started.connect(lambda _h: self._delay.start())
        runner.sig_progress.connect(lambda _h: None if self.isHidden() else self._refresh())
        runner.sig_finished.connect(lambda _h: self._refresh())
        self.hide()

    def text(self) -> str:
        return self._label.text()

    def _newest(self) -> JobHandle | None:
        running = self._runner.running()
        return max(running, key=lambda h: h.id) if running else None

    def _refresh(self) -> None:
        handle = self._newest()
        if handle is None:
            self.hide()
            return
        text = handle.message or KIND_TEXT.get(handle.kind, handle.description)
        others = len(self._runner.running()) - 1
        if others > 0:
            text += f" (+{others} more)"
        self._label.setText(text + "…")
        self._bar.setValue(int(1000 * max(0.0, min(1.0, handle.fraction))))
        self.show()

    def _cancel(self) -> None:
        self._runner.cancel()
        self._refresh()


class ModelStatusLabel(QLabel):
    """'Model up to date' / 'Model stale: retraining…' / 'No model yet', clickable to retrain."""

    sig_retrain_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Click to retrain now")
        self.state = "none"

    def set_state(self, state: str, detail: str = "") -> None:
        """``state`` is one of none, current, stale, training."""
        self.state = state
        color, text = {
            "none": ("#6B6B6B", "No model yet"),
            "current": ("#1B7F3B", "Model up to date"),
            "stale": ("#B35C00", "Model stale"),
            "training": ("#B35C00", "Model stale · retraining"),
        }.get(state, ("#6B6B6B", state))
        extra = f" · {esc(detail)}" if detail else ""
        self.setText(f'<span style="color:{color}">●</span> {text}{extra}')

    def mousePressEvent(self, event: object) -> None:
        self.sig_retrain_requested.emit()


class SyncStatusLabel(QLabel):
    """A shared store's link: 'online', or 'offline, N labels waiting' (labelling goes on)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("syncStatus")
        self.setTextFormat(Qt.TextFormat.RichText)
        self.hide()

    def set_status(self, online: bool | None, waiting: int = 0, error: str = "") -> None:
        """``online`` None: no shared store (the label stays hidden)."""
        if online is None:
            self.hide()
            return
        labels = f"{waiting:,} label{'s' if waiting != 1 else ''}"
        if online:
            color, text = "#1B7F3B", "online" if not waiting else f"online, sending {labels}"
            why = "Labels are shared with the team's store as you make them."
        else:
            color, text = "#B35C00", f"offline, {labels} waiting"
            why = (
                "The team's store does not answer; labelling goes on here and every label "
                "is sent once it is back."
            )
            if error:
                why += f"\n{error}"
        self.setText(f'<span style="color:{color}">●</span> {esc(text)}')
        self.setToolTip(why)
        self.show()

    def plain_text(self) -> str:
        """The words shown, without the dot (for tests and screen readers)."""
        return "" if self.isHidden() else self.text().split("</span>", 1)[-1].strip()
