"""The label bar: one button per class (keys 1–9), accept, unsure, undo and redo.

The buttons never take keyboard focus, so the keys keep working wherever the
expert last clicked. The model's suggestion is preselected: its button is
outlined and the accept button names it. The keys themselves are window
shortcuts (``app.gui.actions``); the buttons emit the same signals.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QColor
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from widgets import palette
from widgets.text import esc, tip

MAX_KEYED = 9
PER_ROW = 5  # class buttons per row when there are many classes


def class_keys(classes: list[str]) -> list[str | None]:
    """The key that labels each class.

    Classes that are the digits themselves (0–9, as in handwritten digits) get
    their own digit, so key 3 means class 3; otherwise the first nine classes
    get keys 1–9 in order and the rest are clicked.
    """
    if (
        classes
        and len(set(classes)) == len(classes)
        and all(len(c) == 1 and c.isdigit() for c in classes)
    ):
        return list(classes)
    return [str(i + 1) if i < MAX_KEYED else None for i in range(len(classes))]


class LabelBar(QWidget):
    """Buttons to label the current sample."""

    sig_class_chosen = Signal(int)  # index into the classes
    sig_accept = Signal()
    sig_unsure = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._classes: list[str] = []
        self._buttons: list[QPushButton] = []
        self._suggested: str | None = None
        self._current: str | None = None

        self._status = QLabel()
        self._status.setTextFormat(Qt.TextFormat.RichText)
        self._status.setStyleSheet(f"color: {palette.MUTED_TEXT};")
        self._class_row = QGridLayout()
        self._class_row.setHorizontalSpacing(6)
        self._class_row.setVerticalSpacing(4)
        self.accept_button = self._button("Accept suggestion  (Enter)", self.sig_accept.emit)
        self.accept_button.setObjectName("acceptButton")
        self.unsure_button = self._button("Unsure  (S)", self.sig_unsure.emit)
        self.unsure_button.setToolTip("Not sure: flag this sample and skip it for now")
        self.undo_button = QToolButton()
        self.redo_button = QToolButton()
        for b in (self.undo_button, self.redo_button):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)

        actions = QHBoxLayout()
        actions.setSpacing(6)
        actions.addWidget(self.accept_button, 2)
        actions.addWidget(self.unsure_button, 1)
        actions.addStretch(0)
        actions.addWidget(self.undo_button)
        actions.addWidget(self.redo_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 6)
        layout.setSpacing(4)
        layout.addWidget(self._status)
        layout.addLayout(self._class_row)
        layout.addLayout(actions)
        self.set_classes([])
        self.set_state(None, False, None, None)

    def minimumSizeHint(self) -> QSize:
        return QSize(260, 96)

    # -- API --------------------------------------------------------------------------------
    def set_undo_actions(self, undo: QAction, redo: QAction) -> None:
        self.undo_button.setDefaultAction(undo)
        self.redo_button.setDefaultAction(redo)

    def set_classes(self, classes: list[str]) -> None:
        for b in self._buttons:
            self._class_row.removeWidget(b)
            b.deleteLater()
        self._classes = list(classes)
        self._buttons = []
        keys = class_keys(self._classes)
        per_row = PER_ROW if len(self._classes) > 6 else max(len(self._classes), 1)
        for i, (cls, key) in enumerate(zip(self._classes, keys, strict=True)):
            shown = cls.replace("&", "&&")  # a class "R&D" is not a mnemonic
            text = shown if key is None or key == cls else f"{key}   {shown}"
            button = self._button(text, lambda _c=False, i=i: self.sig_class_chosen.emit(i))
            button.setCheckable(True)
            color = palette.class_color(i).name()
            button.setStyleSheet(_class_style(color))
            button.setToolTip(tip(f"Label as {cls}" + (f" (key {key})" if key else "")))
            self._class_row.addWidget(button, i // per_row, i % per_row)
            self._buttons.append(button)
        self.set_state(self._current, False, self._suggested, None)

    def set_state(
        self,
        current: str | None,
        unsure: bool,
        suggested: str | None,
        confidence: float | None,
        *,
        context: str = "",
        enabled: bool = True,
    ) -> None:
        """Mark the sample's current label and preselect the suggestion."""
        self._current, self._suggested = current, suggested
        for cls, button in zip(self._classes, self._buttons, strict=True):
            button.setChecked(cls == current)
            button.setProperty("suggested", cls == suggested)
            button.style().unpolish(button)
            button.style().polish(button)
            button.setEnabled(enabled)
        if suggested is None:
            self.accept_button.setText("Accept suggestion  (Enter)")
            self.accept_button.setEnabled(False)
        else:
            conf = "" if confidence is None else f"  ·  {100 * confidence:.0f}%"
            self.accept_button.setText(f"Accept “{suggested}”{conf}   (Enter)")
            self.accept_button.setEnabled(enabled)
        self.unsure_button.setEnabled(enabled)
        label = "not labelled" if current is None else f"labelled <b>{esc(current)}</b>"
        if unsure:
            label += " · marked unsure"
        prefix = f"{esc(context)} · " if context else ""
        self._status.setText(prefix + label)

    def classes(self) -> list[str]:
        return list(self._classes)

    def suggested(self) -> str | None:
        return self._suggested

    def button(self, index: int) -> QPushButton:
        return self._buttons[index]

    # -- internals --------------------------------------------------------------------------
    def _button(self, text: str, slot: object) -> QPushButton:
        b = QPushButton(text)
        b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        b.setMinimumHeight(30)
        b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        b.clicked.connect(slot)
        return b


def _class_style(color: str) -> str:
    light = QColor(color).lighter(185).name()
    return (
        "QPushButton { border: 1px solid #BDBDBD; border-radius: 4px; padding: 4px 10px;"
        f" background: white; border-left: 5px solid {color}; font-weight: 600; }}"
        f'QPushButton[suggested="true"] {{ border: 2px dashed {color};'
        f" border-left: 5px solid {color}; }}"
        f"QPushButton:checked {{ background: {light}; border: 2px solid {color}; }}"
        "QPushButton:hover { background: #F2F2F2; }"
        "QPushButton:disabled { color: #A0A0A0; }"
    )
