"""The review queue: labels an out-of-fold model disagrees with, and why, side by side."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QSplitter, QToolButton, QVBoxLayout, QWidget

from models.ebm import Contributions
from widgets import palette
from widgets.contributions_chart import ContributionComparison
from widgets.queue_list import QueueList, QueueNavigation
from widgets.text import plain_label


class ReviewQueue(QueueNavigation, QWidget):
    """Suspicious labels ranked by confident learning, with the two explanations compared."""

    sig_current_changed = Signal(int)
    sig_refresh_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.list = QueueList(["Sample", "Given", "Suggested", "Score", ""], tag_column=4)
        self.list.sig_current_changed.connect(self.sig_current_changed)
        self.comparison = ContributionComparison()
        self.refresh = QToolButton()
        self.refresh.setText("Check labels again")
        self.refresh.setToolTip("Rank every label with out-of-fold models (runs in the background)")
        self.refresh.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.refresh.clicked.connect(self.sig_refresh_requested)
        self._status = plain_label("Not checked yet.")
        self._status.setWordWrap(True)
        self._status.setStyleSheet(f"color: {palette.MUTED_TEXT};")

        top = QHBoxLayout()
        top.addWidget(self._status, 1)
        top.addWidget(self.refresh)
        upper = QWidget()
        upper_layout = QVBoxLayout(upper)
        upper_layout.setContentsMargins(0, 0, 0, 0)
        upper_layout.addLayout(top)
        upper_layout.addWidget(self.list, 1)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(upper)
        self.splitter.addWidget(self.comparison)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.splitter, 1)

    def minimumSizeHint(self) -> QSize:
        return QSize(260, 240)

    # -- API --------------------------------------------------------------------------------
    def set_entries(self, entries: Sequence[Any]) -> None:
        """Entries have row_id, position, given, suggested, score, flagged (ReviewEntry)."""
        rows = []
        for e in entries:
            tag = "flagged" if e.flagged else "check"
            texts = [str(e.row_id), str(e.given), str(e.suggested), f"{float(e.score):.2f}", tag]
            rows.append((e.position, texts, {4: tag}))
        self.list.set_rows(rows)
        if not entries:
            self.comparison.set_contributions(None, None, None)

    def set_comparison(
        self, contrib: Contributions | None, given: str | None, suggested: str | None
    ) -> None:
        self.comparison.set_contributions(contrib, given, suggested)

    def set_status(self, text: str) -> None:
        self._status.setText(text)

    def status(self) -> str:
        return self._status.text()
