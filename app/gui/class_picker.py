"""The class picker: every class of the target, filtered as you type; Enter labels.

Keys 1–9 reach nine classes. A target with more (forty cell types, the digits and
a "reject" class) needs another way that stays on the keyboard: ``C`` or ``/``
opens this picker, a few letters narrow the list (classes that start with them
first), the arrows move, Enter labels the current sample with the highlighted
class through the same path as a number key, Escape closes without a change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QKeyEvent, QPainter, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from widgets import palette
from widgets.label_bar import class_keys
from widgets.text import plain_label

if TYPE_CHECKING:
    from app.gui.window_api import Window

ROLE_CLASS = Qt.ItemDataRole.UserRole
ROLE_INDEX = Qt.ItemDataRole.UserRole + 1
MOVE_KEYS = (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown)


def matching(classes: list[str], text: str) -> list[int]:
    """Indices of the classes that contain ``text`` (any case), those starting with it first."""
    needle = text.strip().casefold()
    if not needle:
        return list(range(len(classes)))
    starts = [i for i, c in enumerate(classes) if c.casefold().startswith(needle)]
    inside = [i for i, c in enumerate(classes) if needle in c.casefold() and i not in starts]
    return starts + inside


def _swatch(color: QColor, side: int = 12) -> QIcon:
    pixmap = QPixmap(side, side)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(color)
    painter.setPen(color.darker(130))
    painter.drawRoundedRect(1, 1, side - 2, side - 2, 3, 3)
    painter.end()
    return QIcon(pixmap)


class ClassPicker(QDialog):
    """A filter box over the list of classes."""

    sig_chosen = Signal(int)  # index into the classes

    def __init__(
        self,
        classes: list[str],
        *,
        target: str = "",
        current: str | None = None,
        suggested: str | None = None,
        counts: dict[str, int] | None = None,
        title: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("classPicker")
        self.setWindowTitle(f"Label {target} as…" if target else "Label as…")
        self.classes = list(classes)
        self._suggested = suggested
        self.title = plain_label(title or self.windowTitle())
        self.title.setObjectName("classPickerTitle")
        self.title.setStyleSheet("font-weight: 600;")
        self.filter_edit = QLineEdit()
        self.filter_edit.setObjectName("classFilter")
        self.filter_edit.setPlaceholderText(f"Type to find one of {len(classes)} classes")
        self.filter_edit.setClearButtonEnabled(True)
        self.list = QListWidget()
        self.list.setObjectName("classList")
        self.list.setUniformItemSizes(True)
        self.list.setIconSize(QSize(12, 12))
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # typing stays in the filter
        self.hint = plain_label()
        self.hint.setObjectName("classPickerHint")
        self.hint.setStyleSheet(f"color: {palette.MUTED_TEXT};")
        self.hint.setWordWrap(True)
        keys = class_keys(self.classes)
        counts = counts or {}
        for i, (name, key) in enumerate(zip(self.classes, keys, strict=True)):
            parts = [name]
            if key is not None and key != name:
                parts.append(f"key {key}")
            if name in counts:
                parts.append(f"{counts[name]:,} labelled")
            if name == suggested:
                parts.append("suggested")
            if name == current:
                parts.append("current label")
            item = QListWidgetItem(_swatch(palette.class_color(i)), "   ·   ".join(parts))
            item.setData(ROLE_CLASS, name)
            item.setData(ROLE_INDEX, i)
            self.list.addItem(item)
        self.filter_edit.textChanged.connect(self.apply_filter)
        self.filter_edit.returnPressed.connect(self.choose)
        self.filter_edit.installEventFilter(self)
        self.list.itemActivated.connect(lambda _item: self.choose())
        self.list.itemDoubleClicked.connect(lambda _item: self.choose())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 8)
        layout.setSpacing(6)
        layout.addWidget(self.title)
        layout.addWidget(self.filter_edit)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.hint)
        rows = min(max(len(self.classes), 4), 14)
        self.resize(380, 130 + rows * (self.list.fontMetrics().height() + 8))
        self.apply_filter("")
        start = suggested if suggested in self.classes else current
        if start in self.classes:
            self._select(self.classes.index(start))
        self.filter_edit.setFocus()

    # -- API --------------------------------------------------------------------------------
    def shown_classes(self) -> list[str]:
        """The classes the list shows now, top to bottom."""
        return [
            str(self.list.item(r).data(ROLE_CLASS))
            for r in range(self.list.count())
            if not self.list.item(r).isHidden()
        ]

    def highlighted(self) -> str | None:
        item = self.list.currentItem()
        return None if item is None or item.isHidden() else str(item.data(ROLE_CLASS))

    def apply_filter(self, text: str) -> None:
        order = matching(self.classes, text)
        shown = set(order)
        items = [self.list.takeItem(0) for _ in range(self.list.count())]
        by_index = {int(it.data(ROLE_INDEX)): it for it in items}
        for i in [*order, *[j for j in range(len(self.classes)) if j not in shown]]:
            item = by_index[i]
            self.list.addItem(item)
            item.setHidden(i not in shown)
        if order:
            self.list.setCurrentRow(0)
            self.hint.setText("↑↓ choose · Enter labels · Esc closes")
        else:
            self.list.setCurrentRow(-1)
            self.hint.setText(
                f"No class matches “{text.strip()}”. Label › Add class… adds a new class."
            )

    def choose(self) -> None:
        item = self.list.currentItem()
        if item is None or item.isHidden():
            return
        self.sig_chosen.emit(int(item.data(ROLE_INDEX)))
        self.accept()

    # -- internals --------------------------------------------------------------------------
    def _select(self, index: int) -> None:
        for r in range(self.list.count()):
            if int(self.list.item(r).data(ROLE_INDEX)) == index:
                self.list.setCurrentRow(r)
                return

    def _step(self, key: int) -> None:
        rows = [r for r in range(self.list.count()) if not self.list.item(r).isHidden()]
        if not rows:
            return
        row = self.list.currentRow()
        at = rows.index(row) if row in rows else -1
        page = max(1, self.list.viewport().height() // max(1, self.list.sizeHintForRow(0)) - 1)
        step = {
            Qt.Key.Key_Up: -1,
            Qt.Key.Key_Down: 1,
            Qt.Key.Key_PageUp: -page,
            Qt.Key.Key_PageDown: page,
        }[Qt.Key(key)]
        self.list.setCurrentRow(rows[max(0, min(len(rows) - 1, at + step))])

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.filter_edit
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in MOVE_KEYS
        ):
            self._step(event.key())
            return True
        return super().eventFilter(watched, event)


def open_class_picker(w: Window) -> ClassPicker | None:
    """C or /: pick any class of the current target for the current sample."""
    c = w.controller
    if c.current is None:
        w.show_status("Choose a sample first: the picker labels the sample on screen.")
        return None
    target = c.target
    classes = list(w.session.schema.target(target).classes)
    if not classes:
        w.show_status(f"{target} has no classes yet; add one with Label › Add class….")
        return None
    state = w.session.label_state(w.session.row_id_at(c.current), target)
    counts: dict[str, int] = {}
    for value in w.session.store.labels(target).values():
        counts[str(value)] = counts.get(str(value), 0) + 1
    picker = ClassPicker(
        classes,
        target=target,
        current=state.label,
        suggested=c.suggested_class(c.current),
        counts=counts,
        title=f"Label sample {w.session.row_id_at(c.current)} as…",
        parent=w,
    )
    picker.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    picker.sig_chosen.connect(c.label_index)
    picker.open()
    picker.filter_edit.setFocus()
    return picker
