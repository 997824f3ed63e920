"""The setup dialog's two column views: a preview of the first rows and the column kinds.

The preview is a small read-only model over the first rows (its header shows each
column's name and kind), so a table with thousands of columns costs nothing to
show. The kinds table lists every column with its kind in a drop-down (number,
category, text, image, id, ignore); above ``PERSISTENT_EDITORS`` columns the
drop-down opens on click instead of being drawn for every row.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHeaderView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from app.gui.setup_guess import KIND_WORDS

if TYPE_CHECKING:
    import pandas as pd

PREVIEW_ROWS = 8
PERSISTENT_EDITORS = 300
CELL_CHARS = 40
KIND_CHOICES = list(KIND_WORDS.values())
Index = QModelIndex | QPersistentModelIndex


def cell_text(value: Any) -> str:
    """A value as the preview shows it: short, blank when missing."""
    if value is None:
        return ""
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.6g}"
    text = str(value)
    if text in ("nan", "NaT", "<NA>"):
        return ""
    return text if len(text) <= CELL_CHARS else text[: CELL_CHARS - 1] + "…"


class PreviewModel(QAbstractTableModel):
    """The first rows of the table; the header reads "name / kind"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.columns: list[str] = []
        self.rows: list[list[str]] = []
        self.kinds: dict[str, str] = {}

    def set_frame(self, head: pd.DataFrame, kinds: dict[str, str]) -> None:
        self.beginResetModel()
        self.columns = [str(c) for c in head.columns]
        self.rows = [[cell_text(v) for v in row] for row in head.itertuples(index=False)]
        self.kinds = dict(kinds)
        self.endResetModel()

    def set_kinds(self, kinds: dict[str, str]) -> None:
        self.kinds = dict(kinds)
        if self.columns:
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.columns) - 1)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.ForegroundRole:
            kind = self.kinds.get(self.columns[index.column()], "")
            return QColor("#9A9A9A") if kind in ("ignore", "id") else None
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Vertical:
            return str(section + 1)
        name = self.columns[section]
        return f"{name}\n{self.kinds.get(name, '')}"


class PreviewTable(QTableView):
    """Read-only view of ``PreviewModel`` sized for its rows."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("setupPreview")
        self.preview = PreviewModel(self)
        self.setModel(self.preview)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setWordWrap(False)
        self.setAlternatingRowColors(True)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignLeft)
        self.horizontalHeader().setMinimumSectionSize(60)
        vertical = self.verticalHeader()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 6)
        vertical.hide()

    def set_frame(self, head: pd.DataFrame, kinds: dict[str, str]) -> None:
        self.preview.set_frame(head, kinds)
        header = self.horizontalHeader()
        metrics = self.fontMetrics()
        for c, name in enumerate(self.preview.columns):
            texts = [name, kinds.get(name, ""), *[row[c] for row in self.preview.rows]]
            width = max(metrics.horizontalAdvance(t) for t in texts) + 20
            header.resizeSection(c, int(min(max(width, 60), 200)))
        rows = max(1, len(self.preview.rows))
        frame = 2 * self.frameWidth() + self.horizontalScrollBar().sizeHint().height()
        height = header.sizeHint().height() + rows * vertical_size(self) + frame
        self.setFixedHeight(height)


def vertical_size(view: QTableView) -> int:
    return view.verticalHeader().defaultSectionSize()


class KindDelegate(QStyledItemDelegate):
    """A drop-down of the kinds; a choice is committed at once."""

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:
        combo = QComboBox(parent)
        combo.addItems(KIND_CHOICES)
        combo.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        combo.currentIndexChanged.connect(lambda _i, c=combo: self.commitData.emit(c))
        return combo

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        if isinstance(editor, QComboBox):
            editor.blockSignals(True)
            text = str(index.data())
            if editor.findText(text) < 0:
                editor.addItem(text)  # "empty": shown as it is until the user picks a kind
            editor.setCurrentText(text)
            editor.blockSignals(False)

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: Index) -> None:
        if isinstance(editor, QComboBox) and editor.currentText() != index.data():
            model.setData(index, editor.currentText())


class KindsTable(QTableWidget):
    """Every column with its kind; ``sig_kind_changed(column, word)`` when the user picks one."""

    sig_kind_changed = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 3, parent)
        self.setObjectName("setupKinds")
        self.setHorizontalHeaderLabels(["Column", "Kind", "Values"])
        self.verticalHeader().hide()
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setItemDelegateForColumn(1, KindDelegate(self))
        self.setEditTriggers(QAbstractItemView.EditTrigger.AllEditTriggers)
        self.setWordWrap(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.resizeSection(1, 112)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 14)
        self._rows: dict[str, int] = {}
        self._silent = False
        self.itemChanged.connect(self._on_item_changed)

    def set_columns(
        self, columns: list[str], words: dict[str, str], values: dict[str, str]
    ) -> None:
        self._silent = True
        self.clearContents()
        self.setRowCount(len(columns))
        self._rows = {}
        for r, name in enumerate(columns):
            self._rows[name] = r
            item = QTableWidgetItem(name)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            item.setToolTip(name)
            self.setItem(r, 0, item)
            kind = QTableWidgetItem(words.get(name, ""))
            kind.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsEditable)
            self.setItem(r, 1, kind)
            info = QTableWidgetItem(values.get(name, ""))
            info.setFlags(Qt.ItemFlag.ItemIsEnabled)
            info.setForeground(QColor("#6B6B6B"))
            self.setItem(r, 2, info)
            if len(columns) <= PERSISTENT_EDITORS:
                self.openPersistentEditor(kind)
        self._silent = False

    def set_words(self, words: dict[str, str]) -> None:
        """Show these kinds (after a change that moved others, such as a new id column)."""
        self._silent = True
        for name, r in self._rows.items():
            item = self.item(r, 1)
            if item is not None and name in words and item.text() != words[name]:
                item.setText(words[name])
        self._silent = False

    def set_values_title(self, text: str) -> None:
        self.setHorizontalHeaderItem(2, QTableWidgetItem(text))

    def word(self, column: str) -> str:
        item = self.item(self._rows[column], 1)
        return "" if item is None else item.text()

    def choose(self, column: str, word: str) -> None:
        """Pick ``word`` for ``column`` as the user would (through the item)."""
        item = self.item(self._rows[column], 1)
        if item is not None:
            item.setText(word)

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        if self._silent or item.column() != 1:
            return
        name = self.item(item.row(), 0)
        if name is not None:
            self.sig_kind_changed.emit(name.text(), item.text())
