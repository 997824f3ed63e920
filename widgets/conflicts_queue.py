"""The conflicts queue: samples whose annotators disagree, least certain consensus first.

Each row names every annotator's label, the consensus CROWDLAB proposes and how
sure it is; beneath, the model's explanation of the chosen sample, as for any
sample. An adjudicator decides with the class buttons or the keys 1–9 (Enter takes
the consensus) while the list has focus; the list takes those keys before the
window's label shortcuts do, so a decision never becomes one's own label by
accident. Anybody else sees the queue read-only, with one line saying why.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from widgets import palette
from widgets.contributions_chart import ContributionChart
from widgets.label_bar import class_keys
from widgets.queue_list import QueueList, QueueNavigation
from widgets.text import plain_label, tip

READ_ONLY = "Only an adjudicator can decide a conflict; you see them read-only."
EMPTY = "No conflicts: wherever two annotators labelled the same sample, they agree."
PER_ROW = 5


class ConflictsQueue(QueueNavigation, QWidget):
    """Disagreements to decide, with each annotator's label and the model's reasons."""

    sig_current_changed = Signal(int)
    sig_decide = Signal(str)  # the class an adjudicator chose for the current sample
    sig_refused = Signal()  # a decision key pressed by someone who may not decide

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._classes: list[str] = []
        self._keys: dict[str, str] = {}  # key text -> class
        self._consensus: dict[int, str | None] = {}
        self._can_decide = False
        self.list = QueueList(["Sample", "Labels", "Consensus", "Quality"])
        self.list.setObjectName("conflictsList")
        self.list.header().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header_item = self.list.headerItem()
        header_item.setToolTip(1, "Each annotator's own label")
        header_item.setToolTip(
            2, "The label CROWDLAB proposes, weighing each annotator and the model"
        )
        header_item.setToolTip(3, "How sure that consensus is, from 0 to 1 (CROWDLAB)")
        self.list.sig_current_changed.connect(self.sig_current_changed)
        self.list.installEventFilter(self)
        self.list.currentItemChanged.connect(lambda *_a: self._update_enabled())
        self._status = plain_label(EMPTY)
        self._status.setWordWrap(True)
        self._status.setStyleSheet(f"color: {palette.MUTED_TEXT};")
        self.note = plain_label(READ_ONLY)
        self.note.setObjectName("conflictsNote")
        self.note.setWordWrap(True)
        self.note.setStyleSheet(
            "color: #6B4E00; background: #FFF4D6; border: 1px solid #EED48A;"
            " border-radius: 3px; padding: 3px 6px;"
        )
        self._buttons_box = QGridLayout()
        self._buttons_box.setHorizontalSpacing(6)
        self._buttons: dict[str, QPushButton] = {}
        self.consensus_button = QPushButton("Take the consensus  (Enter)")
        self.consensus_button.setObjectName("takeConsensus")
        self.consensus_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.consensus_button.setMinimumHeight(28)
        self.consensus_button.clicked.connect(self._take_consensus)
        self.chart = ContributionChart(title="Why the model thinks so", max_terms=10)

        decide = QHBoxLayout()
        decide.setSpacing(6)
        self._decide_label = plain_label("Decide:")
        decide.addWidget(self._decide_label)
        decide.addLayout(self._buttons_box, 1)
        decide.addWidget(self.consensus_button)
        upper = QWidget()
        upper_layout = QVBoxLayout(upper)
        upper_layout.setContentsMargins(0, 0, 0, 0)
        upper_layout.setSpacing(4)
        upper_layout.addWidget(self._status)
        upper_layout.addWidget(self.note)
        upper_layout.addWidget(self.list, 1)
        upper_layout.addLayout(decide)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(upper)
        self.splitter.addWidget(self.chart)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.splitter, 1)
        self.set_can_decide(False)

    def minimumSizeHint(self) -> QSize:
        return QSize(260, 240)

    # -- API --------------------------------------------------------------------------------
    def set_classes(self, classes: Sequence[str]) -> None:
        for button in self._buttons.values():
            self._buttons_box.removeWidget(button)
            button.deleteLater()
        self._classes = list(classes)
        self._buttons = {}
        self._keys = {}
        for i, (cls, key) in enumerate(zip(self._classes, class_keys(self._classes), strict=True)):
            if key is not None:
                self._keys[key] = cls
            shown = cls.replace("&", "&&")
            button = QPushButton(shown if key is None or key == cls else f"{key}   {shown}")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setMinimumHeight(28)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            color = palette.class_color(i).name()
            button.setStyleSheet(
                "QPushButton { border: 1px solid #BDBDBD; border-radius: 4px; padding: 3px 8px;"
                f" background: white; border-left: 5px solid {color}; font-weight: 600; }}"
                "QPushButton:hover { background: #F2F2F2; }"
                "QPushButton:disabled { color: #A0A0A0; }"
            )
            button.setToolTip(
                tip(f"Decide this sample as {cls}" + (f" (key {key})" if key else ""))
            )
            button.clicked.connect(lambda _c=False, c=cls: self._decide(c))
            self._buttons_box.addWidget(button, i // PER_ROW, i % PER_ROW)
            self._buttons[cls] = button
        self._update_enabled()

    def set_can_decide(self, allowed: bool, why: str = READ_ONLY) -> None:
        """Adjudicators decide; everybody else reads, with ``why`` shown above the list."""
        self._can_decide = allowed
        self.note.setText(why)
        self.note.setVisible(not allowed)
        self._update_enabled()

    def can_decide(self) -> bool:
        return self._can_decide

    def set_entries(self, entries: Sequence[Any]) -> None:
        """Entries have row_id, position, labels {annotator: class}, consensus, quality."""
        rows: list[tuple[int, list[str], dict[int, str]]] = []
        self._consensus = {}
        for e in entries:
            labels = " · ".join(f"{who}: {label}" for who, label in e.labels.items())
            quality = "—" if e.quality is None else f"{float(e.quality):.2f}"
            consensus = "—" if e.consensus is None else str(e.consensus)
            rows.append((e.position, [str(e.row_id), labels, consensus, quality], {}))
            self._consensus[e.position] = e.consensus
        self.list.set_rows(rows)
        self._update_enabled()

    def set_status(self, text: str) -> None:
        self._status.setText(text)
        self._status.setVisible(bool(text))

    def status(self) -> str:
        return self._status.text()

    def row_texts(self) -> list[list[str]]:
        """Each row's cells as shown (tests and screen readers)."""
        out = []
        for i in range(self.list.topLevelItemCount()):
            item = self.list.topLevelItem(i)
            assert item is not None
            out.append([item.text(c) for c in range(self.list.columnCount())])
        return out

    def decision_buttons(self) -> dict[str, QPushButton]:
        return dict(self._buttons)

    # -- internals --------------------------------------------------------------------------
    def _update_enabled(self) -> None:
        chosen = self.list.current_position() is not None
        for button in self._buttons.values():
            button.setEnabled(self._can_decide and chosen)
        consensus = self._current_consensus()
        self.consensus_button.setEnabled(self._can_decide and chosen and consensus is not None)
        for widget in (self._decide_label, self.consensus_button):
            widget.setVisible(bool(self._classes))

    def _decide(self, cls: str) -> None:
        if not self._can_decide:
            self.sig_refused.emit()
            return
        if self.list.current_position() is not None:
            self.sig_decide.emit(cls)

    def _current_consensus(self) -> str | None:
        position = self.list.current_position()
        return None if position is None else self._consensus.get(position)

    def _take_consensus(self) -> None:
        consensus = self._current_consensus()
        if consensus is not None:
            self._decide(consensus)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Decision keys on the focused list win over the window's label shortcuts."""
        if watched is self.list and event.type() in (
            QEvent.Type.ShortcutOverride,
            QEvent.Type.KeyPress,
        ):
            key = event  # a QKeyEvent for both types
            assert isinstance(key, QKeyEvent)
            text = key.text()
            enter = key.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            if key.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
                return False
            if text in self._keys or enter:
                if event.type() == QEvent.Type.ShortcutOverride:
                    event.accept()  # the key comes to the list, not to a window shortcut
                    return True
                if enter:
                    self._take_consensus()
                else:
                    self._decide(self._keys[text])
                return True
        return super().eventFilter(watched, event)
