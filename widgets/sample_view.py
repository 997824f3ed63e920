"""One sample up close: each feature's value with its percentile, and its image.

Fed through ``set_sample`` with plain facts (the window computes percentiles
from the whole column); missing values read "missing". Images are either a
small pixel array (digits-style, scaled up with nearest-neighbour so each pixel
stays a crisp square) or a path to an image file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from widgets import palette
from widgets.text import plain_label

PERCENTILE_ROLE = Qt.ItemDataRole.UserRole + 1
Index = QModelIndex | QPersistentModelIndex
IMAGE_SIDE = 168


@dataclass(frozen=True)
class FeatureFact:
    """A feature of one sample as the expert reads it."""

    name: str
    value: Any
    percentile: float | None = None  # 0..100 within the column, numeric features only
    note: str = ""  # e.g. "34% of samples" for a category
    emphasis: float | None = None  # this feature's contribution, to tint the name
    used: bool = True  # False: shown for context, not a feature of the current target

    def value_text(self) -> str:
        return palette.format_value(self.value)


class _PercentileDelegate(QStyledItemDelegate):
    """A thin bar showing where the value sits in its column, with the percentile."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        pct = index.data(PERCENTILE_ROLE)
        if pct is None:
            super().paint(painter, option, index)
            return
        painter.save()
        rect: QRect = option.rect.adjusted(6, 0, -6, 0)
        track = QRect(rect.left(), rect.center().y() - 2, max(rect.width() - 44, 10), 4)
        painter.fillRect(track, QColor("#E4E4E4"))
        x = track.left() + int(track.width() * float(pct) / 100.0)
        painter.fillRect(
            QRect(x - 1, track.top() - 4, 3, track.height() + 8), QColor(palette.CURVE)
        )
        painter.setPen(QColor(palette.MUTED_TEXT))
        painter.drawText(
            QRect(track.right() + 4, rect.top(), 40, rect.height()),
            int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight),
            f"p{float(pct):.0f}",
        )
        painter.restore()


class FactsModel(QAbstractTableModel):
    """Feature | Value | Percentile for one sample; one reset per sample, no item objects."""

    HEADERS = ("Feature", "Value", "Percentile")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.facts: list[FeatureFact] = []
        self.emphasis: dict[str, float] = {}
        self._bold = QFont()
        self._bold.setBold(True)
        self._italic = QFont()
        self._italic.setItalic(True)
        self._muted = QColor(palette.MUTED_TEXT)
        self._text = QColor(palette.FOREGROUND)
        self._cells: list[tuple[dict[int, Any], ...]] = []

    def set_facts(self, facts: list[FeatureFact]) -> None:
        emphasis = {f.name: f.emphasis for f in facts if f.emphasis is not None}
        if self.facts and len(facts) == len(self.facts):
            # The next sample of the same table: change the cells, keep the rows. A model
            # reset makes the view lay everything out again, on every key press.
            self.facts, self.emphasis = list(facts), emphasis
            self._cells = [self._row_cells(f) for f in self.facts]
            self.dataChanged.emit(self.index(0, 0), self.index(len(facts) - 1, 2))
            return
        self.beginResetModel()
        self.facts, self.emphasis = list(facts), emphasis
        self._cells = [self._row_cells(f) for f in self.facts]
        self.endResetModel()

    def set_emphasis(self, emphasis: dict[str, float]) -> None:
        self.emphasis = dict(emphasis)
        if self.facts:
            self._cells = [self._row_cells(f) for f in self.facts]
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.facts) - 1, 0))

    def _row_cells(self, fact: FeatureFact) -> tuple[dict[int, Any], ...]:
        """Every role of a row's three cells, worked out once per sample.

        The view asks for about ten roles of every cell on each paint; answering from a
        dictionary keeps a key press from spending milliseconds in ``data``.
        """
        display, foreground, font, tooltip = (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ForegroundRole,
            Qt.ItemDataRole.FontRole,
            Qt.ItemDataRole.ToolTipRole,
        )
        text = fact.value_text()
        missing = text == "missing"
        push = self.emphasis.get(fact.name)
        pushes = push is not None and abs(push) > 0.05
        name: dict[int, Any] = {
            display: fact.name,
            foreground: QColor(palette.sign_color(push))
            if pushes and push is not None
            else (self._text if fact.used else self._muted),
        }
        if not fact.used:
            name[font] = self._italic
        if pushes and push is not None:
            name[tooltip] = f"Pushes the prediction by {push:+.2f} log-odds"
        elif not fact.used:
            name[tooltip] = "Not a feature of this target's model"
        value: dict[int, Any] = {
            display: text,
            foreground: self._muted if missing else self._text,
            font: self._italic if missing else self._bold,
        }
        where: dict[int, Any] = {
            display: fact.note if fact.percentile is None else "",
            foreground: self._muted,
            PERCENTILE_ROLE: fact.percentile,
        }
        if fact.percentile is not None:
            where[tooltip] = f"Higher than {fact.percentile:.0f}% of samples"
        return name, value, where

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.facts)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 3

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def data(self, index: Index, role: int = 0) -> Any:
        if not index.isValid():
            return None
        return self._cells[index.row()][index.column()].get(role)


class SampleView(QWidget):
    """The current sample: title, label states, features with percentiles, image."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._title = plain_label()
        self._title.setFont(palette.font(palette.TITLE_PT + 2, bold=True))
        self._title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._subtitle = QLabel()
        self._subtitle.setTextFormat(Qt.TextFormat.RichText)
        self._subtitle.setWordWrap(True)
        self._subtitle.setStyleSheet(f"color: {palette.MUTED_TEXT};")
        self._image = plain_label()
        self._image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._image.setFixedSize(IMAGE_SIDE + 8, IMAGE_SIDE + 8)
        self._image.setStyleSheet("background: #F4F4F4; border: 1px solid #DDDDDD;")
        self._image.hide()

        self.facts_model = FactsModel(self)
        self.table = QTableView()
        self.table.setModel(self.facts_model)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        # Widths are measured per sample (set_sample), not by the header: sizing to
        # contents asks the model for every cell's size each time a value changes.
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.table.setItemDelegateForColumn(2, _PercentileDelegate(self.table))

        self._placeholder = plain_label(
            "Pick a sample in the suggestions, the review queue or the table."
        )
        self._placeholder.setWordWrap(True)
        self._placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._placeholder.setStyleSheet(palette.placeholder_style())

        head = QVBoxLayout()
        head.setSpacing(2)
        head.addWidget(self._title)
        head.addWidget(self._subtitle)
        head.addStretch(1)
        top = QHBoxLayout()
        top.addLayout(head, 1)
        top.addWidget(self._image, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(6)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self._placeholder, 1)
        self.clear()

    def minimumSizeHint(self) -> QSize:
        return QSize(220, 160)

    # -- API --------------------------------------------------------------------------------
    def clear(self, message: str | None = None) -> None:
        self._title.setText("No sample")
        self._subtitle.setText("")
        if message:
            self._placeholder.setText(message)
        self.facts_model.set_facts([])
        self.table.hide()
        self._image.hide()
        self._placeholder.show()

    def set_sample(
        self,
        title: str,
        subtitle: str,
        facts: list[FeatureFact],
        image: np.ndarray | str | Path | None = None,
    ) -> None:
        """Show one sample; ``subtitle`` may hold simple rich text (label states)."""
        self._title.setText(title)
        self._subtitle.setText(subtitle)
        self._placeholder.hide()
        self.table.show()
        self.facts_model.set_facts(facts)
        self._fit_columns(facts)
        self._set_image(image)

    def _fit_columns(self, facts: list[FeatureFact]) -> None:
        """The name and value columns as wide as their widest text (bold: the widest font)."""
        bold = QFont(self.table.font())
        bold.setBold(True)
        metrics = QFontMetrics(bold)
        header = self.table.horizontalHeader()
        pad = 2 * self.table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin) + 12
        for column, texts in ((0, [f.name for f in facts]), (1, [f.value_text() for f in facts])):
            title = QFontMetrics(header.font()).horizontalAdvance(FactsModel.HEADERS[column])
            widest = max((metrics.horizontalAdvance(t) for t in texts), default=0)
            width = max(widest, title) + pad
            if header.sectionSize(column) != width:
                header.resizeSection(column, width)

    def set_emphasis(self, contributions: dict[str, float]) -> None:
        """Tint each feature name by the sign of its contribution (once the model explains)."""
        self.facts_model.set_emphasis(contributions)

    def values(self) -> dict[str, str]:
        """Feature name → the value text shown (for tests and screen readers)."""
        return {f.name: palette.format_value(f.value) for f in self.facts_model.facts}

    def title(self) -> str:
        return self._title.text()

    def subtitle(self) -> str:
        """The label line under the title, as rich text."""
        return self._subtitle.text()

    def has_image(self) -> bool:
        return not self._image.isHidden()

    # -- internals --------------------------------------------------------------------------
    def _set_image(self, image: np.ndarray | str | Path | None) -> None:
        pixmap = None
        if isinstance(image, np.ndarray) and image.ndim == 2 and image.size:
            pixmap = array_pixmap(image, IMAGE_SIDE)
        elif isinstance(image, str | Path) and str(image):
            loaded = QPixmap(str(image))
            if not loaded.isNull():
                pixmap = loaded.scaled(
                    IMAGE_SIDE,
                    IMAGE_SIDE,
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            else:
                self._image.setText("image not found")
                self._image.show()
                return
        if pixmap is None:
            self._image.hide()
            return
        self._image.setPixmap(pixmap)
        self._image.show()


def array_pixmap(array: np.ndarray, side: int) -> QPixmap:
    """A grey-scale picture of a small array, each pixel a crisp square (dark = high)."""
    a = np.asarray(array, dtype=np.float64)
    finite = np.isfinite(a)
    lo = float(a[finite].min()) if finite.any() else 0.0
    hi = float(a[finite].max()) if finite.any() else 1.0
    scaled = np.zeros_like(a) if hi <= lo else (a - lo) / (hi - lo)
    grey = (255 - np.where(finite, scaled, 0.0) * 255).astype(np.uint8)
    grey = np.ascontiguousarray(grey)
    h, w = grey.shape
    image = QImage(grey.data, w, h, w, QImage.Format.Format_Grayscale8).copy()
    factor = max(1, side // max(h, w))
    return QPixmap.fromImage(
        image.scaled(
            w * factor,
            h * factor,
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.FastTransformation,
        )
    )
