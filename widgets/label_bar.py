"""The label bar: one button per class (keys 1–9), accept, unsure, undo and redo.

The buttons never take keyboard focus, so the keys keep working wherever the
expert last clicked. The model's suggestion is preselected: its button is
outlined and the accept button names it. The keys themselves are window
shortcuts (``app.gui.actions``); the buttons emit the same signals.

With more than nine classes a "More classes…" button opens the class picker
(key C), and beyond ``MAX_BUTTONS`` classes only the keyed ones get a button,
so forty classes do not push the rest of the window away. Undo and redo keep
one size: their text stays "Undo"/"Redo" and the tooltip names the step.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QColor, QKeySequence
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
from shiboken6 import isValid

from widgets import palette
from widgets.text import esc, tip

MAX_KEYED = 9
MAX_BUTTONS = 10  # beyond this many classes only the keyed ones get a button
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
    sig_more_classes = Signal()  # open the class picker

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._classes: list[str] = []
        self._buttons: dict[int, QPushButton] = {}  # class index -> its button
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
        self.more_button = QToolButton()
        self.more_button.setText("More classes…  (C)")
        self.more_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.more_button.setAutoRaise(True)
        self.more_button.clicked.connect(self.sig_more_classes.emit)
        self.more_button.setObjectName("moreClassesButton")
        self.more_button.setToolTip("Find any class by typing a few letters (key C or /)")
        self.undo_button = QToolButton()
        self.redo_button = QToolButton()
        for b, text in ((self.undo_button, "Undo"), (self.redo_button, "Redo")):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            b.setText(text)
            b.setEnabled(False)

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
        status_row = QHBoxLayout()
        status_row.setContentsMargins(0, 0, 0, 0)
        status_row.addWidget(self._status, 1)
        status_row.addWidget(self.more_button)
        layout.addLayout(status_row)
        layout.addLayout(self._class_row)
        layout.addLayout(actions)
        self.set_classes([])
        self.set_state(None, False, None, None)

    def minimumSizeHint(self) -> QSize:
        return QSize(260, 96)

    # -- API --------------------------------------------------------------------------------
    def set_undo_actions(self, undo: QAction, redo: QAction) -> None:
        """Mirror the actions' state; the buttons keep their short text (and their size)."""
        for button, action in ((self.undo_button, undo), (self.redo_button, redo)):
            button.clicked.connect(action.trigger)
            action.changed.connect(lambda b=button, a=action: _mirror(b, a))
            _mirror(button, action)

    def set_classes(self, classes: list[str]) -> None:
        for b in self._buttons.values():
            self._class_row.removeWidget(b)
            b.deleteLater()
        self._classes = list(classes)
        self._buttons = {}
        keys = class_keys(self._classes)
        many = len(self._classes) > MAX_BUTTONS
        shown_count = sum(1 for k in keys if k is not None) if many else len(self._classes)
        per_row = PER_ROW if shown_count > 6 else max(shown_count, 1)
        self.more_button.setVisible(len(self._classes) > MAX_KEYED)
        slot = 0
        for i, (cls, key) in enumerate(zip(self._classes, keys, strict=True)):
            if many and key is None:
                continue
            shown = cls.replace("&", "&&")  # a class "R&D" is not a mnemonic
            text = shown if key is None or key == cls else f"{key}   {shown}"
            button = self._button(text, lambda _c=False, i=i: self.sig_class_chosen.emit(i))
            button.setCheckable(True)
            color = palette.class_color(i).name()
            button.setStyleSheet(_class_style(color))
            button.setToolTip(tip(f"Label as {cls}" + (f" (key {key})" if key else "")))
            self._class_row.addWidget(button, slot // per_row, slot % per_row)
            self._buttons[i] = button
            slot += 1
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
        for i, button in self._buttons.items():
            cls = self._classes[i]
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
        self.more_button.setEnabled(enabled)
        label = "not labelled" if current is None else f"labelled <b>{esc(current)}</b>"
        if unsure:
            label += " · marked unsure"
        prefix = f"{esc(context)} · " if context else ""
        self._status.setText(prefix + label)

    def classes(self) -> list[str]:
        return list(self._classes)

    def suggested(self) -> str | None:
        return self._suggested

    def button(self, index: int) -> QPushButton | None:
        """The button of the class at ``index``; None when that class has none (use C)."""
        return self._buttons.get(index)

    # -- internals --------------------------------------------------------------------------
    def _button(self, text: str, slot: object) -> QPushButton:
        b = QPushButton(text)
        b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        b.setMinimumHeight(30)
        b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        b.clicked.connect(slot)
        return b


def _mirror(button: QToolButton, action: QAction) -> None:
    if not (isValid(button) and isValid(action)):  # the window is being torn down
        return
    button.setEnabled(action.isEnabled())
    keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
    step = action.text().replace("&&", "&")
    button.setToolTip(tip(f"{step} ({keys})" if keys else step))


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
