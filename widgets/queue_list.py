"""A short ranked list of samples shared by the suggestion and review queues.

Rows carry their data position; the list knows how to remove a position, find
the next one and select without echoing a signal, so both queues advance the
same way after a label. Reason tags are drawn as coloured pills.
"""

from __future__ import annotations

import builtins

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)

from widgets import palette
from widgets.text import tip

POSITION_ROLE = Qt.ItemDataRole.UserRole
TAG_ROLE = Qt.ItemDataRole.UserRole + 2

TAG_COLORS = {
    "uncertain": "#0072B2",
    "committee disagrees": "#CC79A7",
    "unexplored region": "#009E73",
    "rare class": "#E69F00",
    "random": "#7A7A7A",
    "flagged": "#D55E00",
    "check": "#7A7A7A",
}


class TagDelegate(QStyledItemDelegate):
    """Paints the cell's text as a rounded, coloured tag."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        text = index.data(TAG_ROLE)
        if not text:
            super().paint(painter, option, index)
            return
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(option.rect, option.palette.highlight())
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        color = QColor(TAG_COLORS.get(str(text), "#7A7A7A"))
        metrics = option.fontMetrics
        width = metrics.horizontalAdvance(str(text)) + 14
        height = metrics.height() + 4
        rect = QRect(
            option.rect.left() + 4, option.rect.center().y() - height // 2 + 1, width, height
        )
        fill = QColor(color)
        fill.setAlpha(34)
        painter.setPen(color)
        painter.setBrush(fill)
        painter.drawRoundedRect(rect, height / 2, height / 2)
        painter.setPen(color.darker(130))
        painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), str(text))
        painter.restore()

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        size = super().sizeHint(option, index)
        return QSize(size.width() + 18, max(size.height(), option.fontMetrics.height() + 8))


class QueueList(QTreeWidget):
    """Ranked rows, each holding a data position; selection by the user is signalled."""

    sig_current_changed = Signal(int)

    def __init__(
        self, headers: list[str], tag_column: int | None = None, parent: QWidget | None = None
    ):
        super().__init__(parent)
        self._silent = False
        self.setColumnCount(len(headers))
        self.setHeaderLabels(headers)
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.setAlternatingRowColors(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setAllColumnsShowFocus(True)
        header = self.header()
        header.setStretchLastSection(False)
        for c in range(len(headers)):
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        if tag_column is not None:
            self.setItemDelegateForColumn(tag_column, TagDelegate(self))
            header.setSectionResizeMode(tag_column, QHeaderView.ResizeMode.Stretch)
        self.currentItemChanged.connect(self._on_current)

    def set_rows(self, rows: list[tuple[int, list[str], dict[int, str]]]) -> None:
        """Replace the rows: (position, cell texts, {column: tag text})."""
        self._silent = True
        try:
            self.clear()
            items = []
            for position, texts, tags in rows:
                item = QTreeWidgetItem(texts)
                item.setData(0, POSITION_ROLE, int(position))
                for column, tag in tags.items():
                    item.setData(column, TAG_ROLE, tag)
                    item.setText(column, "")
                    item.setToolTip(column, tip(tag))
                items.append(item)
            self.addTopLevelItems(items)
        finally:
            self._silent = False

    def _position_of(self, row: int) -> int:
        item = self.topLevelItem(row)
        assert item is not None
        return int(item.data(0, POSITION_ROLE))

    def positions(self) -> list[int]:
        return [self._position_of(i) for i in range(self.topLevelItemCount())]

    def current_position(self) -> int | None:
        item = self.currentItem()
        return None if item is None else int(item.data(0, POSITION_ROLE))

    def select_position(self, position: int | None) -> bool:
        """Select ``position`` quietly; with None (or absent) clear the selection."""
        self._silent = True
        try:
            row = self._row_of(position)
            item = self.topLevelItem(row) if row >= 0 else None
            if item is None:
                self.selectionModel().clearCurrentIndex()
                self.clearSelection()
                return False
            self.setCurrentItem(item)
            self.scrollToItem(item)
            return True
        finally:
            self._silent = False

    def remove_position(self, position: int) -> int:
        """Remove a row; returns the row index it had (-1 when absent)."""
        row = self._row_of(position)
        if row >= 0:
            self._silent = True
            try:
                self.takeTopLevelItem(row)
            finally:
                self._silent = False
        return row

    def position_at(self, row: int) -> int | None:
        if 0 <= row < self.topLevelItemCount():
            return self._position_of(row)
        return None

    def _row_of(self, position: int | None) -> int:
        if position is None:
            return -1
        for i in range(self.topLevelItemCount()):
            if self._position_of(i) == position:
                return i
        return -1

    def _on_current(
        self, current: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None
    ) -> None:
        if self._silent or current is None:
            return
        self.sig_current_changed.emit(int(current.data(0, POSITION_ROLE)))


def tag_color(tag: str) -> str:
    return TAG_COLORS.get(tag, palette.MUTED_TEXT)


class QueueNavigation:
    """Moving through a queue panel's list; panels that own a ``QueueList`` mix this in."""

    list: QueueList

    def positions(self) -> builtins.list[int]:
        return self.list.positions()

    def current_position(self) -> int | None:
        return self.list.current_position()

    def select_position(self, position: int | None) -> bool:
        return self.list.select_position(position)

    def remove_position(self, position: int) -> int:
        return self.list.remove_position(position)

    def position_at(self, row: int) -> int | None:
        return self.list.position_at(row)
