"""How much annotators agree: the pairwise kappa matrix, one pair's confusion, the team's figures.

Cohen's kappa is read as a matrix because a lead scans it for the one annotator
whose row is pale; the cells are shaded from white (chance) to blue (perfect) and
orange below chance, with the number of shared samples beneath each value, since
a kappa over six samples means little. Clicking a cell (or choosing in the combo)
shows that pair's confusion matrix, where the off-diagonal cells say which classes
the two read differently. Krippendorff's alpha and the full-agreement share sum the
team up; CROWDLAB's quality score ranks the annotators.

Fed through ``set_figures`` with plain values (the JSON shape of
``labelwright agreement``), so the widget knows nothing about sessions.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from widgets import palette
from widgets.text import plain_label, tip

EMPTY = "Agreement needs two annotators who labelled the same samples."
GOOD = QColor("#0072B2")
BAD = QColor("#D55E00")


def kappa_color(kappa: float | None) -> QColor:
    """White at 0 (chance), blue towards 1, orange below chance; grey without a value."""
    if kappa is None:
        return QColor("#F2F2F2")
    k = max(-1.0, min(1.0, float(kappa)))
    end = GOOD if k >= 0 else BAD
    t = abs(k) * (0.85 if k >= 0 else 0.6)
    white = QColor("#FFFFFF")
    return QColor(
        round(white.red() + (end.red() - white.red()) * t),
        round(white.green() + (end.green() - white.green()) * t),
        round(white.blue() + (end.blue() - white.blue()) * t),
    )


def _text_on(color: QColor) -> QColor:
    return QColor("#FFFFFF") if color.lightness() < 120 else QColor(palette.FOREGROUND)


def fmt(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


class _Stat(QFrame):
    """A figure with its name beneath, as a small card."""

    def __init__(self, name: str = "", hint: str = "") -> None:
        super().__init__()
        self.setObjectName("statCard")
        self.setStyleSheet(
            "#statCard { background: #F7F7F7; border: 1px solid #E2E2E2; border-radius: 4px; }"
        )
        self.value = plain_label("—")
        self.value.setFont(palette.font(palette.TITLE_PT + 5, bold=True))
        self.value.setStyleSheet(f"color: {palette.FOREGROUND}; border: none;")
        self.caption = plain_label(name)
        self.caption.setStyleSheet(f"color: {palette.MUTED_TEXT}; border: none;")
        self.setToolTip(tip(hint))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(0)
        layout.addWidget(self.value)
        layout.addWidget(self.caption)


def _table() -> QTableWidget:
    table = QTableWidget()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
    table.setShowGrid(True)
    table.setStyleSheet("QTableWidget { gridline-color: #E6E6E6; }")
    table.setSizeAdjustPolicy(QTableWidget.SizeAdjustPolicy.AdjustToContents)
    table.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
    for header in (table.horizontalHeader(), table.verticalHeader()):
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setHighlightSections(False)
    table.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
    return table


def _heading(text: str) -> QLabel:
    label = plain_label(text)
    label.setFont(palette.font(palette.TITLE_PT, bold=True))
    label.setStyleSheet(f"color: {palette.FOREGROUND};")
    return label


class AgreementView(QWidget):
    """The team's agreement on one target."""

    sig_pair_chosen = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._names: list[str] = []
        self._pairs: dict[frozenset[str], dict[str, Any]] = {}
        self._confusion: dict[tuple[str, str], np.ndarray] = {}
        self._classes: list[str] = []
        self._pair: tuple[str, str] | None = None

        self._title = _heading("Agreement")
        self._status = plain_label(EMPTY)
        self._status.setWordWrap(True)
        self._status.setStyleSheet(f"color: {palette.MUTED_TEXT};")
        self.alpha = _Stat(
            "Krippendorff's α", "Nominal alpha over every sample two or more annotators labelled"
        )
        self.full = _Stat("full agreement", "Share of shared samples on which everyone agrees")
        self.shared = _Stat("shared samples", "Samples labelled by two or more annotators")
        stats = QHBoxLayout()
        stats.setSpacing(8)
        for card in (self.alpha, self.full, self.shared):
            stats.addWidget(card)
        stats.addStretch(1)

        self.kappa = _table()
        self.kappa.setObjectName("kappaMatrix")
        self.kappa.cellClicked.connect(self._on_cell)
        self.pair_combo = QComboBox()
        self.pair_combo.setObjectName("pairCombo")
        self.pair_combo.setToolTip("The two annotators whose labels are compared on the right")
        self.pair_combo.currentIndexChanged.connect(self._on_combo)
        self.confusion = _table()
        self.confusion.setObjectName("confusionMatrix")
        self.confusion.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self._confusion_title = _heading("Confusion")
        self._confusion_note = plain_label("")
        self._confusion_note.setStyleSheet(f"color: {palette.MUTED_TEXT};")
        self.quality = _table()
        self.quality.setObjectName("annotatorQuality")
        self.quality.setColumnCount(3)
        self.quality.setHorizontalHeaderLabels(["Annotator", "Labels", "Quality (CROWDLAB)"])
        self.quality.verticalHeader().hide()
        self.quality.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)

        grid = QGridLayout()
        grid.setHorizontalSpacing(18)
        grid.setVerticalSpacing(4)
        kappa_head = QHBoxLayout()
        kappa_head.addWidget(_heading("Cohen's κ per pair"))
        kappa_head.addStretch(1)
        grid.addLayout(kappa_head, 0, 0)
        pair_head = QHBoxLayout()
        pair_head.addWidget(self._confusion_title)
        pair_head.addStretch(1)
        pair_head.addWidget(self.pair_combo)
        grid.addLayout(pair_head, 0, 1)
        grid.addWidget(self.kappa, 1, 0, Qt.AlignmentFlag.AlignTop)
        right = QVBoxLayout()
        right.setSpacing(2)
        right.addWidget(self.confusion, 0, Qt.AlignmentFlag.AlignTop)
        right.addWidget(self._confusion_note)
        right.addStretch(1)
        grid.addLayout(right, 1, 1)
        kappa_hint = plain_label("n = samples both labelled · click a cell for its confusion")
        kappa_hint.setStyleSheet(f"color: {palette.MUTED_TEXT};")
        grid.addWidget(kappa_hint, 2, 0)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(8)
        layout.addWidget(self._title)
        layout.addLayout(stats)
        layout.addWidget(self._status)
        layout.addLayout(grid)
        layout.addWidget(_heading("Annotators"))
        layout.addWidget(self.quality)
        layout.addStretch(1)
        self.set_figures(None)

    def minimumSizeHint(self) -> QSize:
        return QSize(320, 240)

    # -- API --------------------------------------------------------------------------------
    def set_title(self, text: str) -> None:
        self._title.setText(text)

    def set_status(self, text: str) -> None:
        self._status.setText(text)
        self._status.setVisible(bool(text))

    def status(self) -> str:
        return self._status.text() if self._status.isVisibleTo(self) else ""

    def set_figures(
        self,
        report: dict[str, Any] | None,
        confusion: dict[tuple[str, str], np.ndarray] | None = None,
        classes: list[str] | None = None,
        shared: int = 0,
    ) -> None:
        """``report`` is one target of ``labelwright agreement``'s JSON; ``confusion`` maps
        (a, b) to a classes × classes count matrix (rows: a's label, columns: b's)."""
        report = report or {}
        self._names = sorted(report.get("annotators", {}))
        self._pairs = {frozenset((p["a"], p["b"])): p for p in report.get("pairs", [])}
        self._confusion = dict(confusion or {})
        self._classes = list(classes or [])
        self.alpha.value.setText(fmt(report.get("krippendorff_alpha")))
        full = report.get("full_agreement")
        self.full.value.setText("—" if full is None else f"{100 * full:.0f}%")
        self.shared.value.setText(f"{shared:,}")
        self._fill_kappa()
        self._fill_quality(report)
        pairs = [(a, b) for i, a in enumerate(self._names) for b in self._names[i + 1 :]]
        self.pair_combo.blockSignals(True)
        self.pair_combo.clear()
        for a, b in pairs:
            self.pair_combo.addItem(f"{a}  ×  {b}", (a, b))
        self.pair_combo.blockSignals(False)
        self.pair_combo.setEnabled(bool(pairs))
        keep = self._pair if self._pair is not None and self._pair in pairs else None
        if keep is None and pairs:
            keep = max(pairs, key=lambda p: self._pairs.get(frozenset(p), {}).get("n", 0))
        if keep is not None:
            self.choose_pair(*keep)
        else:
            self._pair = None
            self._fill_confusion(None)
        has_pairs = any(p.get("n", 0) for p in self._pairs.values())
        self.set_status("" if has_pairs else EMPTY)

    def choose_pair(self, a: str, b: str) -> None:
        """Show the confusion matrix of annotators ``a`` and ``b``."""
        if a == b or a not in self._names or b not in self._names:
            return
        pair = (a, b) if a < b else (b, a)
        self._pair = pair
        index = self.pair_combo.findData(pair)
        if index >= 0 and index != self.pair_combo.currentIndex():
            self.pair_combo.blockSignals(True)
            self.pair_combo.setCurrentIndex(index)
            self.pair_combo.blockSignals(False)
        self._fill_confusion(pair)
        self.sig_pair_chosen.emit(*pair)

    def chosen_pair(self) -> tuple[str, str] | None:
        return self._pair

    def kappa_text(self, a: str, b: str) -> str:
        """The text of the kappa cell of ``a`` (row) and ``b`` (column), for tests."""
        i, j = self._names.index(a), self._names.index(b)
        item = self.kappa.item(i, j)
        return "" if item is None else item.text()

    def confusion_counts(self) -> list[list[int]]:
        """The shown confusion matrix (without its totals), for tests and screen readers."""
        n = len(self._classes)
        out = []
        for i in range(min(n, self.confusion.rowCount())):
            row = []
            for j in range(min(n, self.confusion.columnCount())):
                item = self.confusion.item(i, j)
                row.append(int(item.text()) if item is not None and item.text() else 0)
            out.append(row)
        return out

    def quality_text(self) -> dict[str, str]:
        out = {}
        for r in range(self.quality.rowCount()):
            name, value = self.quality.item(r, 0), self.quality.item(r, 2)
            if name is not None and value is not None:
                out[name.text()] = value.text()
        return out

    # -- filling ----------------------------------------------------------------------------
    def _fill_kappa(self) -> None:
        names = self._names
        table = self.kappa
        table.clear()
        table.setRowCount(len(names))
        table.setColumnCount(len(names))
        table.setHorizontalHeaderLabels(names)
        table.setVerticalHeaderLabels(names)
        bold = QFont()
        bold.setBold(True)
        for i, a in enumerate(names):
            for j, b in enumerate(names):
                if i == j:
                    item = QTableWidgetItem("")
                    item.setBackground(QBrush(QColor("#FAFAFA")))
                    item.setFlags(Qt.ItemFlag.NoItemFlags)
                    table.setItem(i, j, item)
                    continue
                pair = self._pairs.get(frozenset((a, b)), {})
                kappa, n = pair.get("cohen_kappa"), int(pair.get("n", 0))
                item = QTableWidgetItem(f"{fmt(kappa)}\nn = {n:,}")
                color = kappa_color(kappa)
                item.setBackground(QBrush(color))
                item.setForeground(QBrush(_text_on(color)))
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                item.setFont(bold)
                why = "too few shared samples" if kappa is None else f"κ = {kappa:.3f}"
                item.setToolTip(tip(f"{a} and {b}: {why} on {n:,} samples both labelled"))
                table.setItem(i, j, item)
        for j in range(len(names)):
            table.setColumnWidth(j, max(table.columnWidth(j), 72))
        table.resizeRowsToContents()

    def _fill_confusion(self, pair: tuple[str, str] | None) -> None:
        table = self.confusion
        table.clear()
        classes = self._classes
        matrix = self._confusion.get(pair) if pair is not None else None
        if pair is None or matrix is None or not classes:
            table.setRowCount(0)
            table.setColumnCount(0)
            self._confusion_title.setText("Confusion")
            self._confusion_note.setText("")
            return
        a, b = pair
        self._confusion_title.setText(f"Confusion: {a} (rows) × {b} (columns)")
        n = len(classes)
        table.setRowCount(n + 1)
        table.setColumnCount(n + 1)
        table.setHorizontalHeaderLabels([*classes, "total"])
        table.setVerticalHeaderLabels([*classes, "total"])
        top = max(1, int(matrix.max()) if matrix.size else 1)
        for i in range(n):
            for j in range(n):
                count = int(matrix[i, j])
                item = QTableWidgetItem(str(count))
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                shade = (GOOD if i == j else BAD) if count else QColor("#FFFFFF")
                t = 0.12 + 0.55 * count / top if count else 0.0
                bg = QColor(
                    round(255 + (shade.red() - 255) * t),
                    round(255 + (shade.green() - 255) * t),
                    round(255 + (shade.blue() - 255) * t),
                )
                item.setBackground(QBrush(bg))
                item.setForeground(QBrush(_text_on(bg)))
                item.setToolTip(
                    tip(f"{count} samples: {a} said {classes[i]}, {b} said {classes[j]}")
                )
                table.setItem(i, j, item)
        muted = QBrush(QColor(palette.MUTED_TEXT))
        totals = [(n, j, int(matrix[:, j].sum())) for j in range(n)]
        totals += [(i, n, int(matrix[i, :].sum())) for i in range(n)]
        totals.append((n, n, int(matrix.sum())))
        for i, j, value in totals:
            item = QTableWidgetItem(str(value))
            item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            item.setForeground(muted)
            table.setItem(i, j, item)
        agree = int(np.trace(matrix))
        total = int(matrix.sum())
        share = f"{100 * agree / total:.0f}%" if total else "—"
        self._confusion_note.setText(f"They agree on {agree:,} of {total:,} samples ({share}).")

    def _fill_quality(self, report: dict[str, Any]) -> None:
        counts = report.get("annotators", {})
        quality = report.get("annotator_quality", {})
        names = sorted(counts, key=lambda a: (-(quality.get(a) or -1.0), a))
        table = self.quality
        table.setRowCount(len(names))
        for r, name in enumerate(names):
            q = quality.get(name)
            cells = [name, f"{int(counts.get(name, 0)):,}", fmt(q, 3)]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                if c == 2 and q is not None:
                    item.setBackground(QBrush(kappa_color(q)))
                table.setItem(r, c, item)
        table.resizeColumnsToContents()

    def _on_cell(self, row: int, column: int) -> None:
        if row != column and row < len(self._names) and column < len(self._names):
            self.choose_pair(self._names[row], self._names[column])

    def _on_combo(self, index: int) -> None:
        data = self.pair_combo.itemData(index)
        if data:
            self.choose_pair(*data)
