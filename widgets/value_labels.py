"""The value printed beside each bar of a chart, as one graphics item.

A pyqtgraph ``TextItem`` per bar costs a scene item, a transform and a bounding
rectangle each, every time a sample is shown; with fifteen bars that was most of
a redraw. One item that draws every label in device pixels is one paint call, and
updating it for the next sample is setting a list.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter


@dataclass(frozen=True)
class ValueLabel:
    """A text anchored at a point in view coordinates, to its right or to its left."""

    x: float
    y: float
    text: str
    rightwards: bool


class ValueLabels(pg.GraphicsObject):
    """Texts that keep their pixel size whatever the view's scale."""

    GAP_PX = 3.0

    def __init__(self, font: QFont, color: str) -> None:
        super().__init__()
        self._font = font
        self._metrics = QFontMetricsF(font)
        self._color = QColor(color)
        self._labels: list[ValueLabel] = []
        self._bounds = QRectF()

    def set_labels(self, labels: list[ValueLabel]) -> None:
        self._labels = list(labels)
        self.update()

    def set_bounds(self, bounds: QRectF) -> None:
        """The area (view coordinates) that holds every label as drawn: the view's range."""
        if bounds != self._bounds:
            self.prepareGeometryChange()
            self._bounds = QRectF(bounds)

    def labels(self) -> list[ValueLabel]:
        return list(self._labels)

    def text_width(self, text: str) -> float:
        """Pixels ``text`` takes, with the gap to its bar."""
        return self._metrics.horizontalAdvance(text) + self.GAP_PX

    def boundingRect(self) -> QRectF:
        return self._bounds

    def paint(self, painter: QPainter, *args: object) -> None:
        if not self._labels:
            return
        to_device = painter.transform()
        painter.save()
        painter.resetTransform()
        painter.setFont(self._font)
        painter.setPen(self._color)
        baseline = (self._metrics.ascent() - self._metrics.descent()) / 2.0
        for label in self._labels:
            at = to_device.map(QPointF(label.x, label.y))
            width = self._metrics.horizontalAdvance(label.text)
            left = at.x() + self.GAP_PX if label.rightwards else at.x() - self.GAP_PX - width
            painter.drawText(QPointF(left, at.y() + baseline), label.text)
        painter.restore()
