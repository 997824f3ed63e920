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
from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QBoxLayout,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QStyledItemDelegate,
    QStyleOptionViewItem,
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
    table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    table.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
    for header in (table.horizontalHeader(), table.verticalHeader()):
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setHighlightSections(False)
    table.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
    return table


def _fit(table: QTableWidget) -> None:
    """Size a small table to exactly its cells, so it never shows a scroll bar."""
    table.resizeColumnsToContents()
    table.resizeRowsToContents()
    frame = 2 * table.frameWidth()
    vertical, horizontal = table.verticalHeader(), table.horizontalHeader()
    width = (vertical.width() if vertical.isVisible() else 0) + horizontal.length() + frame
    height = (horizontal.height() if horizontal.isVisible() else 0) + vertical.length() + frame
    table.setFixedSize(max(width, 40), max(height, 24))


def strength(value: float | None) -> str:
    """Landis and Koch's words for a kappa (or alpha), as agreement studies report it."""
    if value is None:
        return ""
    for bound, word in ((0.8, "almost perfect"), (0.6, "substantial"), (0.4, "moderate"),
                        (0.2, "fair"), (0.0, "slight")):  # fmt: skip
        if value > bound:
            return word
    return "poor"


class _BarDelegate(QStyledItemDelegate):
    """A quality score in [0, 1] as a bar with its value, so the ranking reads at a glance."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Any) -> None:
        value = index.data(Qt.ItemDataRole.UserRole)
        if value is None:
            super().paint(painter, option, index)
            return
        painter.save()
        rect = option.rect.adjusted(6, 5, -48, -5)
        painter.fillRect(rect, QColor("#EDEDED"))
        filled = QRect(rect.left(), rect.top(), int(rect.width() * float(value)), rect.height())
        painter.fillRect(filled, QColor(palette.IMPORTANCE))
        painter.setPen(QColor(palette.FOREGROUND))
        text_rect = QRect(rect.right() + 4, option.rect.top(), 44, option.rect.height())
        painter.drawText(text_rect, int(Qt.AlignmentFlag.AlignVCenter), f"{float(value):.2f}")
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: Any) -> QSize:
        return QSize(160, super().sizeHint(option, index).height() + 6)


class _OutlineDelegate(QStyledItemDelegate):
    """Outlines one cell (the pair whose confusion matrix is shown), keeping its colour."""

    cell: tuple[int, int] | None = None

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Any) -> None:
        super().paint(painter, option, index)
        if self.cell == (index.row(), index.column()):
            painter.save()
            painter.setPen(QPen(QColor(palette.FOREGROUND), 2))
            painter.drawRect(option.rect.adjusted(1, 1, -1, -1))
            painter.restore()


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
        self.kappa.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self._kappa_outline = _OutlineDelegate(self.kappa)
        self.kappa.setItemDelegate(self._kappa_outline)
        self.kappa.cellClicked.connect(self._on_cell)
        self.pair_combo = QComboBox()
        self.pair_combo.setObjectName("pairCombo")
        self.pair_combo.setToolTip("The two annotators whose labels the confusion matrix compares")
        self.pair_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.pair_combo.currentIndexChanged.connect(self._on_combo)
        self.confusion = _table()
        self.confusion.setObjectName("confusionMatrix")
        self.confusion.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self._confusion_axes = plain_label("")
        self._confusion_axes.setStyleSheet(f"color: {palette.MUTED_TEXT};")
        self._confusion_note = plain_label("")
        self._confusion_note.setStyleSheet(f"color: {palette.MUTED_TEXT};")
        self.quality = _table()
        self.quality.setObjectName("annotatorQuality")
        self.quality.setColumnCount(3)
        self.quality.setHorizontalHeaderLabels(["Annotator", "Labels", "Quality (CROWDLAB)"])
        self.quality.horizontalHeader().setDefaultAlignment(
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        )
        self.quality.verticalHeader().hide()
        self.quality.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.quality.setItemDelegateForColumn(2, _BarDelegate(self.quality))
        self.quality.setShowGrid(False)

        kappa_box = QVBoxLayout()
        kappa_box.setSpacing(4)
        kappa_box.addWidget(_heading("Cohen's κ per pair"))
        kappa_box.addWidget(self.kappa)
        self._kappa_hint = plain_label(
            "n: samples both labelled. Click a cell to compare the pair."
        )
        self._kappa_hint.setWordWrap(True)
        self._kappa_hint.setStyleSheet(f"color: {palette.MUTED_TEXT};")
        kappa_box.addWidget(self._kappa_hint)
        kappa_box.addStretch(1)
        pair_row = QHBoxLayout()
        pair_row.addWidget(_heading("Confusion matrix"))
        pair_row.addWidget(self.pair_combo)
        pair_row.addStretch(1)
        confusion_box = QVBoxLayout()
        confusion_box.setSpacing(4)
        confusion_box.addLayout(pair_row)
        confusion_box.addWidget(self._confusion_axes)
        confusion_box.addWidget(self.confusion)
        confusion_box.addWidget(self._confusion_note)
        confusion_box.addStretch(1)
        people_box = QVBoxLayout()
        people_box.setSpacing(4)
        people_box.addWidget(_heading("Annotators"))
        people_box.addWidget(self.quality)
        people_box.addStretch(1)
        self._matrices = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self._matrices.setSpacing(20)
        self._matrices.addLayout(kappa_box)
        self._matrices.addLayout(people_box)
        self._matrices.addStretch(1)

        content = QWidget()
        content.setObjectName("agreementContent")
        content.setStyleSheet("#agreementContent { background: white; }")
        inner = QVBoxLayout(content)
        inner.setContentsMargins(10, 8, 10, 8)
        inner.setSpacing(10)
        inner.addWidget(self._title)
        inner.addLayout(stats)
        inner.addWidget(self._status)
        inner.addLayout(self._matrices)
        inner.addLayout(confusion_box)
        inner.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(content)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)
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
        alpha = report.get("krippendorff_alpha")
        self.alpha.value.setText(fmt(alpha))
        word = strength(alpha)
        self.alpha.caption.setText("Krippendorff's α" + (f" · {word}" if word else ""))
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
        self._arrange()

    def choose_pair(self, a: str, b: str) -> None:
        """Show the confusion matrix of annotators ``a`` and ``b``."""
        if a == b or a not in self._names or b not in self._names:
            return
        pair = (a, b) if a < b else (b, a)
        self._pair = pair
        index = next(
            (i for i in range(self.pair_combo.count()) if self.pair_combo.itemData(i) == pair), -1
        )
        if index >= 0 and index != self.pair_combo.currentIndex():
            self.pair_combo.blockSignals(True)
            self.pair_combo.setCurrentIndex(index)
            self.pair_combo.blockSignals(False)
        self._fill_confusion(pair)
        i, j = sorted((self._names.index(pair[0]), self._names.index(pair[1])))
        self._kappa_outline.cell = (j - 1, i)  # outlined: the pair the confusion shows
        self.kappa.viewport().update()
        self._arrange()
        self.sig_pair_chosen.emit(*pair)

    def chosen_pair(self) -> tuple[str, str] | None:
        return self._pair

    def kappa_text(self, a: str, b: str) -> str:
        """The text of the kappa cell of the pair ``a`` and ``b`` (for tests)."""
        i, j = sorted((self._names.index(a), self._names.index(b)))
        item = self.kappa.item(j - 1, i)  # rows start at the second name
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
        """The lower triangle: each pair once (kappa is symmetric), no diagonal."""
        names = self._names
        rows, columns = names[1:], names[:-1]
        table = self.kappa
        table.clear()
        table.setRowCount(len(rows))
        table.setColumnCount(len(columns))
        table.setHorizontalHeaderLabels(columns)
        table.setVerticalHeaderLabels(rows)
        bold = QFont()
        bold.setBold(True)
        for i, a in enumerate(rows):
            for j, b in enumerate(columns):
                if j > i:  # the upper triangle repeats the lower one
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
                why = (
                    "too few shared samples"
                    if kappa is None
                    else f"κ = {kappa:.3f} ({strength(kappa)} agreement)"
                )
                item.setToolTip(tip(f"{a} and {b}: {why} on {n:,} samples both labelled"))
                table.setItem(i, j, item)
        _fit(table)
        for j in range(len(columns)):  # square-ish cells, wide enough for "n = 1,000"
            table.setColumnWidth(j, max(table.columnWidth(j) + 12, 84))
        table.setFixedWidth(table.verticalHeader().width() + table.horizontalHeader().length() + 2)
        self._kappa_hint.setMaximumWidth(max(table.width(), 240))

    def _fill_confusion(self, pair: tuple[str, str] | None) -> None:
        table = self.confusion
        table.clear()
        classes = self._classes
        matrix = self._confusion.get(pair) if pair is not None else None
        if pair is None or matrix is None or not classes:
            table.setRowCount(0)
            table.setColumnCount(0)
            table.hide()
            self._confusion_axes.setText("")
            self._confusion_note.setText("")
            return
        a, b = pair
        table.show()
        self._confusion_axes.setText(f"rows: {a}  ·  columns: {b}")
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
        _fit(table)
        for j in range(n + 1):
            table.setColumnWidth(j, max(table.columnWidth(j) + 8, 56))
        table.setFixedWidth(table.verticalHeader().width() + table.horizontalHeader().length() + 2)

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
                if c == 2:
                    item.setData(Qt.ItemDataRole.UserRole, q)
                table.setItem(r, c, item)
        _fit(table)
        table.setColumnWidth(2, 160)
        table.setFixedWidth(table.horizontalHeader().length() + 2)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._arrange()

    def _arrange(self) -> None:
        """The two matrices side by side where they fit, else one above the other."""
        needed = self.kappa.width() + self.quality.width() + 20 + 40
        wide = self.width() >= needed
        direction = QBoxLayout.Direction.LeftToRight if wide else QBoxLayout.Direction.TopToBottom
        if self._matrices.direction() != direction:
            self._matrices.setDirection(direction)

    def _on_cell(self, row: int, column: int) -> None:
        if column <= row < len(self._names) - 1:
            self.choose_pair(self._names[row + 1], self._names[column])

    def _on_combo(self, index: int) -> None:
        data = self.pair_combo.itemData(index)
        if data:
            self.choose_pair(*data)
