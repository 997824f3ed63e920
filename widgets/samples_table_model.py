"""A virtual table model over column arrays, smooth at a million rows.

Nothing is built per row up front: the model keeps one numpy array per column
and an int64 array ``rows`` mapping view rows to data positions. ``data()``
formats a cell only when the view paints it. Sorting is one ``argsort`` of the
column's key array and filtering is a vectorised boolean mask (see
``table_filter``), so no ``QSortFilterProxyModel`` ever walks a million rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from widgets import palette
from widgets.text import tip

Index = QModelIndex | QPersistentModelIndex

SOURCE_TEXT = {"human": "you", "suggestion": "accepted", "import": "data file", "auto": "auto"}


@dataclass(frozen=True)
class Column:
    kind: str  # "id", "feature", "label", "prediction", "confidence", "source"
    key: str  # feature name or target name
    title: str


@dataclass
class TargetArrays:
    """One target's per-row arrays; ``predicted``/``confidence`` are None without a model."""

    labels: np.ndarray  # object: canonical class or None
    unsure: np.ndarray  # bool
    sources: np.ndarray  # object: event source or None
    predicted: np.ndarray | None = None
    confidence: np.ndarray | None = None


def empty_target(n: int) -> TargetArrays:
    labels = np.empty(n, dtype=object)
    sources = np.empty(n, dtype=object)
    return TargetArrays(labels, np.zeros(n, dtype=bool), sources)


class SamplesTableModel(QAbstractTableModel):
    """Rows are samples; columns are the id, a few features and each target's state."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.ids = np.empty(0, dtype=object)
        self.features: dict[str, np.ndarray] = {}
        self.targets: dict[str, TargetArrays] = {}
        self.classes: dict[str, list[str]] = {}
        self.hidden: dict[str, np.ndarray] = {}  # target -> rows whose model cells are blank
        self.columns: list[Column] = []
        self.rows = np.empty(0, dtype=np.int64)  # view row -> data position
        self._inverse = np.empty(0, dtype=np.int64)  # data position -> view row (-1 hidden)
        self._current_target: str | None = None
        self._primary: list[str] = []  # the current target's features, shown first
        self._bold = QFont()
        self._bold.setBold(True)
        self._muted = QBrush(QColor(palette.MUTED_TEXT))

    # -- content ----------------------------------------------------------------------------
    @property
    def n_total(self) -> int:
        return len(self.ids)

    def set_table(self, ids: np.ndarray, features: dict[str, np.ndarray]) -> None:
        self.beginResetModel()
        self.ids = np.asarray(ids, dtype=object)
        self.features = dict(features)
        self._primary = []
        self.targets = {}
        self.rows = np.arange(len(self.ids), dtype=np.int64)
        self._inverse = self.rows.copy()
        self._build_columns()
        self.endResetModel()

    def set_target(self, name: str, arrays: TargetArrays, classes: list[str]) -> None:
        self.targets[name] = arrays
        self.classes[name] = list(classes)
        self._relayout_columns()

    def set_current_target(self, name: str | None, features: list[str] | None = None) -> None:
        """Put ``name``'s columns and its features first (other targets' labels follow)."""
        self._current_target = name
        if features is not None:
            self._primary = [f for f in features if f in self.features]
        self._relayout_columns()

    def set_predictions(
        self, target: str, predicted: np.ndarray | None, confidence: np.ndarray | None
    ) -> None:
        arrays = self.targets[target]
        arrays.predicted, arrays.confidence = predicted, confidence
        self._column_changed(target, ("prediction", "confidence"))

    def set_hidden(self, target: str, rows: np.ndarray | None) -> None:
        """Blank the prediction and confidence of these rows (blind mode); None shows all."""
        if rows is None:
            self.hidden.pop(target, None)
        else:
            self.hidden[target] = np.asarray(rows, dtype=bool)
        if target in self.targets:
            self._column_changed(target, ("prediction", "confidence"))

    def set_row_hidden(self, target: str, position: int, hidden: bool) -> None:
        rows = self.hidden.get(target)
        if rows is not None and 0 <= position < len(rows) and rows[position] != hidden:
            rows[position] = hidden
            row = self.view_row(position)
            if row >= 0:
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.columns) - 1))

    def _hides(self, target: str, pos: int) -> bool:
        rows = self.hidden.get(target)
        return rows is not None and bool(rows[pos])

    def set_label(
        self, target: str, position: int, label: str | None, unsure: bool, source: str | None
    ) -> None:
        """One row changed (a key press): update it in place, repaint only that row."""
        arrays = self.targets[target]
        arrays.labels[position] = label
        arrays.unsure[position] = unsure
        arrays.sources[position] = source
        row = self.view_row(position)
        if row >= 0:
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.columns) - 1))

    def set_order(self, rows: np.ndarray) -> None:
        """Show these data positions, in this order (the result of sorting and filtering)."""
        self.beginResetModel()
        self.rows = np.asarray(rows, dtype=np.int64)
        inverse = np.full(self.n_total, -1, dtype=np.int64)
        inverse[self.rows] = np.arange(len(self.rows), dtype=np.int64)
        self._inverse = inverse
        self.endResetModel()

    def view_row(self, position: int) -> int:
        if position < 0 or position >= len(self._inverse):
            return -1
        return int(self._inverse[position])

    def position_at(self, row: int) -> int | None:
        if 0 <= row < len(self.rows):
            return int(self.rows[row])
        return None

    # -- columns ----------------------------------------------------------------------------
    def _build_columns(self) -> None:
        cols = [Column("id", "", "id")]
        order = list(self.targets)
        if self._current_target in self.targets:
            order.remove(self._current_target)
            order.insert(0, self._current_target)
        if order:
            first = order[0]
            cols += [
                Column("label", first, f"{first}"),
                Column("prediction", first, "model says"),
                Column("confidence", first, "confidence"),
                Column("source", first, "labelled by"),
            ]
        cols += [Column("feature", f, f) for f in self._primary]
        for other in order[1:]:
            cols += [
                Column("label", other, other),
                Column("prediction", other, f"{other} (model)"),
            ]
        cols += [Column("feature", f, f) for f in self.features if f not in self._primary]
        self.columns = cols

    def _relayout_columns(self) -> None:
        self.beginResetModel()
        self._build_columns()
        self.endResetModel()

    def _column_changed(self, target: str, kinds: tuple[str, ...]) -> None:
        for c, col in enumerate(self.columns):
            if col.key == target and col.kind in kinds and len(self.rows):
                self.dataChanged.emit(self.index(0, c), self.index(len(self.rows) - 1, c))

    def column_values(self, column: int) -> np.ndarray:
        """The whole column as an array (for sorting)."""
        col = self.columns[column]
        if col.kind == "id":
            return self.ids
        if col.kind == "feature":
            return self.features[col.key]
        arrays = self.targets[col.key]
        if col.kind == "label":
            return arrays.labels
        if col.kind == "source":
            return arrays.sources
        values = arrays.predicted if col.kind == "prediction" else arrays.confidence
        if values is None:
            return np.full(self.n_total, np.nan)
        hidden = self.hidden.get(col.key)
        if hidden is not None:  # hidden rows sort as if there were no model
            values = np.array(values, dtype=object if col.kind == "prediction" else np.float64)
            values[hidden] = None if col.kind == "prediction" else np.nan
        return values

    # -- Qt model interface -----------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.columns):
            col = self.columns[section]
            if role == Qt.ItemDataRole.DisplayRole:
                return col.title
            if role == Qt.ItemDataRole.ToolTipRole:
                return tip(_column_tooltip(col))
            if role == Qt.ItemDataRole.FontRole and col.key == self._current_target:
                return self._bold
        return None

    def data(self, index: Index, role: int = 0) -> Any:
        if not index.isValid():
            return None
        col = self.columns[index.column()]
        pos = int(self.rows[index.row()])
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(col, pos)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if col.kind in ("confidence",) or (
                col.kind == "feature" and self.features[col.key].dtype.kind == "f"
            ):
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return None
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._foreground(col, pos)
        if role == Qt.ItemDataRole.FontRole and col.kind == "label":
            return self._bold
        if role == Qt.ItemDataRole.UserRole:
            return pos
        return None

    def _text(self, col: Column, pos: int) -> str:
        if col.kind == "id":
            return str(self.ids[pos])
        if col.kind == "feature":
            return palette.format_value(self.features[col.key][pos])
        arrays = self.targets[col.key]
        if col.kind == "label":
            label = arrays.labels[pos]
            text = "—" if label is None else str(label)
            return f"{text}  (unsure)" if arrays.unsure[pos] else text
        if col.kind == "source":
            source = arrays.sources[pos]
            return "" if source is None else SOURCE_TEXT.get(str(source), str(source))
        if col.kind in ("prediction", "confidence") and self._hides(col.key, pos):
            return ""
        if col.kind == "prediction":
            return "" if arrays.predicted is None else str(arrays.predicted[pos])
        if arrays.confidence is None:
            return ""
        return f"{100.0 * float(arrays.confidence[pos]):.0f}%"

    def _foreground(self, col: Column, pos: int) -> Any:
        if col.kind == "feature":
            value = self.features[col.key][pos]
            if value is None or (isinstance(value, float) and np.isnan(value)):
                return self._muted
            return None
        if col.kind == "label":
            arrays = self.targets[col.key]
            label = arrays.labels[pos]
            if label is None:
                return self._muted
            classes = self.classes.get(col.key, [])
            if label in classes:
                return QBrush(palette.class_color(classes.index(label)))
        if col.kind in ("source", "confidence"):
            return self._muted
        return None


def _column_tooltip(col: Column) -> str:
    if col.kind == "label":
        return f"The current label of {col.key} ('—' = not labelled yet)"
    if col.kind == "prediction":
        return f"The model's predicted {col.key}"
    if col.kind == "confidence":
        return "The model's probability for its predicted class"
    if col.kind == "source":
        return "Who set the label: you, an accepted suggestion, or the data file"
    if col.kind == "id":
        return "The sample's id"
    return f"Feature {col.key}"
