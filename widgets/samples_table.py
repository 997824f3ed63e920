"""The samples table: every row, filterable and sortable, driving the other views.

The widget owns a ``SamplesTableModel`` (virtual, array-backed) and a filter box.
Typing is debounced; the filter and the sort become one index array that the
model shows. A row selection by the user emits ``sig_current_changed(position)``;
``select_position`` (called by the window) never echoes a signal back.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from widgets import palette
from widgets.samples_table_model import Column, SamplesTableModel, TargetArrays
from widgets.table_filter import filter_examples, filter_mask, sort_order
from widgets.text import plain_label, tip

FILTER_HELP = "Filter: a word, a column compared with a value, unlabelled (join with 'and')"


class SamplesTable(QWidget):
    """A table of all samples with each target's label, prediction, confidence and source."""

    sig_current_changed = Signal(int)  # data position chosen by the user
    sig_filter_changed = Signal(int)  # number of rows shown

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = SamplesTableModel(self)
        self._silent = False
        self._sort: tuple[int, bool] | None = None
        self._filter_text = ""
        self._positions: np.ndarray | None = None  # a selection from elsewhere (the map)
        self._classes: dict[str, list[str]] = {}
        self._widths: dict[Column, int] = {}  # measured once per column (see _fit_columns)

        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText(FILTER_HELP)
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setToolTip(FILTER_HELP)
        self._count = plain_label()
        self._count.setStyleSheet(f"color: {palette.MUTED_TEXT};")
        self._selection_chip = QToolButton()
        self._selection_chip.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self._selection_chip.setToolTip("Rows chosen on the map; click to show every row")
        self._selection_chip.clicked.connect(lambda: self.set_position_filter(None))
        self._selection_chip.hide()

        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        self.view.setSortingEnabled(False)  # sorting is ours: a header click, one argsort
        self.view.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        header = self.view.horizontalHeader()
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        header.setDefaultSectionSize(92)
        header.setHighlightSections(False)
        header.sectionClicked.connect(self._on_header_clicked)
        vertical = self.view.verticalHeader()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 6)
        vertical.hide()
        self.view.selectionModel().currentRowChanged.connect(self._on_current_row)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(self.apply_filter)
        self.filter_edit.textChanged.connect(lambda _t: self._debounce.start())
        self.filter_edit.returnPressed.connect(self.apply_filter)

        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.filter_edit, 1)
        top.addWidget(self._selection_chip)
        top.addWidget(self._count)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        self._update_count()

    # -- feeding ----------------------------------------------------------------------------
    def set_table(self, ids: np.ndarray, features: dict[str, np.ndarray]) -> None:
        self.model.set_table(ids, features)
        self._widths.clear()
        self._sort = None
        self.view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self._update_count()
        self._fit_columns()
        self._update_hint()

    def set_target(self, name: str, arrays: TargetArrays, classes: list[str]) -> None:
        keep = self.current_position()
        self._classes[name] = list(classes)
        self.model.set_target(name, arrays, classes)
        for column in [c for c in self._widths if c.kind != "feature" and c.key == name]:
            del self._widths[column]  # its classes may have changed
        self._reselect(keep)
        self._fit_columns()

    def set_current_target(self, name: str, features: list[str] | None = None) -> None:
        keep = self.current_position()
        self.model.set_current_target(name, features)
        self._sort = None
        self.view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self._refresh_rows()
        self._reselect(keep)
        self._fit_columns()
        self._update_hint(name)

    def filter_hint(self) -> str:
        return self.filter_edit.placeholderText()

    def _update_hint(self, target: str | None = None) -> None:
        """The placeholder shows this table's own columns, values and classes."""
        text = filter_examples(self.model.features, target, self._classes.get(target or ""))
        self.filter_edit.setPlaceholderText(text)
        self.filter_edit.setToolTip(
            tip(
                text + "\nCompare with <, <=, >, >=, = or !=; labelled, unlabelled and "
                "unsure use the current target."
            )
        )

    def set_predictions(
        self, target: str, predicted: np.ndarray | None, conf: np.ndarray | None
    ) -> None:
        self.model.set_predictions(target, predicted, conf)

    def set_label(
        self, target: str, position: int, label: str | None, unsure: bool, source: str | None
    ) -> None:
        self.model.set_label(target, position, label, unsure, source)

    def set_position_filter(self, positions: np.ndarray | None) -> None:
        """Show only these rows (a map selection); None or empty shows every row again."""
        if positions is not None and len(positions) == 0:
            positions = None
        self._positions = None if positions is None else np.asarray(positions, dtype=np.int64)
        if self._positions is None:
            self._selection_chip.hide()
        else:
            self._selection_chip.setText(f"Map selection: {len(self._positions):,} ✕")
            self._selection_chip.show()
        self.apply_filter()

    def apply_filter(self) -> None:
        self._debounce.stop()
        self._filter_text = self.filter_edit.text().strip()
        keep = self.current_position()
        self._refresh_rows()
        self._reselect(keep)

    # -- selection --------------------------------------------------------------------------
    def current_position(self) -> int | None:
        index = self.view.currentIndex()
        return self.model.position_at(index.row()) if index.isValid() else None

    def select_position(self, position: int | None) -> bool:
        """Select and reveal ``position`` without emitting; False when it is filtered out."""
        self._silent = True
        try:
            row = -1 if position is None else self.model.view_row(position)
            selection = self.view.selectionModel()
            if row < 0:
                selection.clearSelection()
                selection.setCurrentIndex(QModelIndex(), QItemSelectionModel.SelectionFlag.NoUpdate)
                return False
            index = self.model.index(row, 0)
            selection.setCurrentIndex(
                index,
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
            self.view.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)
            return True
        finally:
            self._silent = False

    def position_after(self, position: int, step: int = 1) -> int | None:
        """The row shown ``step`` rows after ``position`` (for 'next sample')."""
        row = self.model.view_row(position)
        if row < 0:
            return self.model.position_at(0)
        return self.model.position_at(row + step)

    def visible_positions(self) -> np.ndarray:
        return self.model.rows

    # -- internals --------------------------------------------------------------------------
    def _refresh_rows(self) -> None:
        n = self.model.n_total
        if self._sort is not None and self._sort[0] < len(self.model.columns):
            column, descending = self._sort
            order = sort_order(self.model.column_values(column), descending)
        else:
            order = np.arange(n, dtype=np.int64)
        mask = np.ones(n, dtype=bool)
        if self._filter_text:
            mask &= filter_mask(
                self._filter_text, self._column_by_name, self._search_arrays(), n, self._label_state
            )
        if self._positions is not None:
            chosen = np.zeros(n, dtype=bool)
            chosen[self._positions[(self._positions >= 0) & (self._positions < n)]] = True
            mask &= chosen
        self.model.set_order(order[mask[order]] if not mask.all() else order)
        self._update_count()

    def _column_by_name(self, name: str) -> np.ndarray | None:
        lowered = name.lower()
        if lowered == "id":
            return self.model.ids
        for key, values in self.model.features.items():
            if key.lower() == lowered:
                return values
        for key, arrays in self.model.targets.items():
            if key.lower() == lowered:
                return arrays.labels
        return None

    def _search_arrays(self) -> list[np.ndarray]:
        out = [self.model.ids]
        out += [v for v in self.model.features.values() if v.dtype.kind == "O"]
        out += [a.labels for a in self.model.targets.values()]
        return out

    def _label_state(self, keyword: str) -> np.ndarray | None:
        current = next((c.key for c in self.model.columns if c.kind == "label"), None)
        if current is None:
            return None
        arrays = self.model.targets[current]
        labelled = _not_none(arrays.labels)
        if keyword == "unsure":
            return arrays.unsure.copy()
        if keyword in ("labelled", "labeled"):
            return labelled
        return ~labelled & ~arrays.unsure

    def _on_header_clicked(self, column: int) -> None:
        if self._sort is not None and self._sort[0] == column:
            self._sort = (column, not self._sort[1]) if not self._sort[1] else None
        else:
            self._sort = (column, False)
        header = self.view.horizontalHeader()
        if self._sort is None:
            header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        else:
            order = Qt.SortOrder.DescendingOrder if self._sort[1] else Qt.SortOrder.AscendingOrder
            header.setSortIndicator(column, order)
        keep = self.current_position()
        self._refresh_rows()
        self._reselect(keep)

    def _reselect(self, position: int | None) -> None:
        if position is not None:
            self.select_position(position)

    def _on_current_row(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._silent or not current.isValid():
            return
        position = self.model.position_at(current.row())
        if position is not None:
            self.sig_current_changed.emit(position)

    def _update_count(self) -> None:
        shown, total = len(self.model.rows), self.model.n_total
        text = f"{total:,} rows" if shown == total else f"{shown:,} of {total:,} rows"
        self._count.setText(text)
        self.sig_filter_changed.emit(shown)

    def _fit_columns(self) -> None:
        """Widths from the header text and a sample of values: never a full-column scan.

        A column is measured once: opening a project sets every target in turn, and
        measuring every column again each time was a tenth of a second of start-up.
        """
        metrics = self.view.fontMetrics()
        sample = self.model.rows[:50]
        header = self.view.horizontalHeader()
        for c, col in enumerate(self.model.columns):
            width = self._widths.get(col)
            if width is None:
                texts = [col.title, "missing" if col.kind == "feature" else ""] + [
                    str(self.model.data(self.model.index(r, c)))
                    for r in range(min(len(sample), 50))
                ]
                width = max(metrics.horizontalAdvance(t) for t in texts) + 24
                width = self._widths[col] = int(min(max(width, 56), 220))
            if header.sectionSize(c) != width:
                header.resizeSection(c, width)


def _not_none(values: np.ndarray) -> np.ndarray:
    import pandas as pd

    return pd.Series(values, dtype=object).notna().to_numpy()
