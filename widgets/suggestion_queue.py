"""The suggestions queue: what to label next, ranked, each with the reason it was picked."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from widgets import palette
from widgets.queue_list import QueueList, QueueNavigation
from widgets.text import plain_label

STRATEGY_TEXT = {
    "margin": "Margin",
    "least_confident": "Least confident",
    "entropy": "Entropy",
    "committee": "Committee",
    "random": "Random",
}


class SuggestionQueue(QueueNavigation, QWidget):
    """A ranked batch of samples to label, with a strategy picker and a batch size."""

    sig_current_changed = Signal(int)  # data position picked by the user
    sig_strategy_changed = Signal(str)
    sig_batch_changed = Signal(int)
    sig_refresh_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.strategy = QComboBox()
        self.strategy.setToolTip("How the next samples are chosen")
        self.strategy.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.batch = QSpinBox()
        self.batch.setRange(1, 200)
        self.batch.setValue(10)
        self.batch.setPrefix("batch ")
        self.batch.setToolTip("How many samples each batch suggests")
        self.batch.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.refresh = QToolButton()
        self.refresh.setText("New batch")
        self.refresh.setToolTip("Rank the pool again with the current model")
        self.refresh.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.list = QueueList(["#", "Sample", "Why", "Model says"], tag_column=2)
        self.list.sig_current_changed.connect(self.sig_current_changed)
        self._status = plain_label()
        self._status.setWordWrap(True)
        self._status.setStyleSheet(f"color: {palette.MUTED_TEXT};")

        self.strategy.currentIndexChanged.connect(
            lambda _i: self.sig_strategy_changed.emit(self.current_strategy())
        )
        self.batch.valueChanged.connect(self.sig_batch_changed)
        self.refresh.clicked.connect(self.sig_refresh_requested)

        controls = QHBoxLayout()
        controls.setSpacing(4)
        controls.addWidget(self.strategy, 1)
        controls.addWidget(self.batch)
        controls.addWidget(self.refresh)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addLayout(controls)
        layout.addWidget(self.list, 1)
        layout.addWidget(self._status)

    def minimumSizeHint(self) -> QSize:
        return QSize(220, 160)

    # -- API --------------------------------------------------------------------------------
    def set_strategies(self, names: Sequence[str], current: str) -> None:
        self.strategy.blockSignals(True)
        try:
            self.strategy.clear()
            for name in names:
                self.strategy.addItem(STRATEGY_TEXT.get(name, name), name)
            index = self.strategy.findData(current)
            self.strategy.setCurrentIndex(max(index, 0))
        finally:
            self.strategy.blockSignals(False)

    def current_strategy(self) -> str:
        return str(self.strategy.currentData())

    def set_batch(self, n: int) -> None:
        self.batch.blockSignals(True)
        self.batch.setValue(n)
        self.batch.blockSignals(False)

    def set_entries(self, entries: Sequence[Any]) -> None:
        """Entries have row_id, position, reason, predicted and confidence (SuggestionEntry)."""
        rows = []
        for rank, e in enumerate(entries, start=1):
            says = ""
            if e.predicted is not None:
                says = str(e.predicted)
                if e.confidence is not None:
                    says += f"  {100 * float(e.confidence):.0f}%"
            rows.append((e.position, [str(rank), str(e.row_id), e.reason, says], {2: e.reason}))
        self.list.set_rows(rows)

    def set_status(self, text: str) -> None:
        self._status.setText(text)
        self._status.setVisible(bool(text))

    def status(self) -> str:
        return self._status.text()
