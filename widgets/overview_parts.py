"""Parts of the overview map: its mouse-mode ViewBox, toolbar and legend strip.

The legend is a strip of Qt labels under the plot rather than a pyqtgraph legend
inside it: a legend drawn in the plot covers points, and labels render at the
application's own font size. The ViewBox turns a left drag into a pan, a
rectangle or a lasso, so selection needs no extra overlay item to catch the mouse.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QLinearGradient,
    QPainter,
    QPainterPath,
    QPixmap,
    QPolygonF,
)
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QGraphicsItem,
    QHBoxLayout,
    QSizePolicy,
    QToolButton,
    QWidget,
)

from widgets import palette
from widgets.text import plain_label


class MapViewBox(pg.ViewBox):
    """A ViewBox whose left drag pans, or draws a rectangle or a lasso, by mode."""

    sig_shape_drawn = Signal(str, object, bool)  # mode, (m, 2) vertices, add to selection
    sig_shape_preview = Signal(object)  # (m, 2) vertices or None

    def __init__(self) -> None:
        super().__init__(enableMenu=False)
        self.mode = "pan"
        self._drag: list[QPointF] = []

    def mouseClickEvent(self, ev) -> None:
        """Left clicks are picked up from the scene by the map (scatter items may take them)."""
        if ev.button() == Qt.MouseButton.LeftButton:
            ev.accept()
        else:
            super().mouseClickEvent(ev)

    def mouseDragEvent(self, ev, axis=None) -> None:
        if self.mode == "pan" or ev.button() != Qt.MouseButton.LeftButton or axis is not None:
            super().mouseDragEvent(ev, axis)
            return
        ev.accept()
        if ev.isStart():
            self._drag = [QPointF(ev.buttonDownPos())]
        last = self._drag[-1] if self._drag else QPointF(ev.pos())
        moved = (QPointF(ev.pos()) - last).manhattanLength()
        if self.mode == "lasso" and moved >= 3:
            self._drag.append(QPointF(ev.pos()))
        vertices = self._vertices(QPointF(ev.pos()))
        if ev.isFinish():
            self.sig_shape_preview.emit(None)
            add = bool(ev.modifiers() & Qt.KeyboardModifier.ShiftModifier)
            self.sig_shape_drawn.emit(self.mode, vertices, add)
            self._drag = []
        else:
            self.sig_shape_preview.emit(vertices)

    def _vertices(self, current: QPointF) -> np.ndarray:
        """The dragged shape in view (data) coordinates."""
        if self.mode == "rectangle":
            a, b = self.mapToView(self._drag[0]), self.mapToView(current)
            return np.array([[a.x(), a.y()], [b.x(), a.y()], [b.x(), b.y()], [a.x(), b.y()]])
        pts = [self.mapToView(p) for p in [*self._drag, current]]
        return np.array([[p.x(), p.y()] for p in pts])


def polygon_path(vertices: np.ndarray) -> QPainterPath:
    path = QPainterPath()
    path.addPolygon(QPolygonF([QPointF(float(a), float(b)) for a, b in vertices]))
    path.closeSubpath()
    return path


def _swatch(color: QColor, ring: bool = False) -> QPixmap:
    pix = QPixmap(12, 12)
    pix.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pix)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    if ring:
        painter.setPen(palette.pen(palette.MARKER, 2.0))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawEllipse(QPointF(6, 6), 4.5, 4.5)
    else:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        painter.drawEllipse(QPointF(6, 6), 5, 5)
    painter.end()
    return pix


def _gradient(width: int = 120, height: int = 10) -> QPixmap:
    pix = QPixmap(width, height)
    painter = QPainter(pix)
    gradient = QLinearGradient(0, 0, width, 0)
    lut = palette.uncertainty_lut(16)
    for i, (r, g, b, a) in enumerate(lut):
        gradient.setColorAt(i / (len(lut) - 1), QColor(int(r), int(g), int(b), int(a)))
    painter.fillRect(0, 0, width, height, gradient)
    painter.end()
    return pix


class MapLegend(QWidget):
    """Class swatches (label / prediction) or the uncertainty ramp, and a hint on the right."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        outer = QHBoxLayout(self)
        outer.setContentsMargins(8, 0, 8, 2)
        self._entries = QWidget()
        self._layout = QHBoxLayout(self._entries)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(4)
        self._hint = plain_label()
        self._hint.setStyleSheet(f"color: {palette.MUTED_TEXT};")
        outer.addWidget(self._entries)
        outer.addStretch(1)
        outer.addWidget(self._hint)
        self._texts: list[str] = []
        self._shown: tuple[str, tuple[str, ...]] | None = None
        self.show_mode("label", [])

    def texts(self) -> list[str]:
        """The legend's entries, in order (for tests and accessibility)."""
        return list(self._texts)

    def set_hint(self, text: str) -> None:
        self._hint.setText(text)

    def show_mode(self, mode: str, classes: list[str]) -> None:
        """The entries of ``mode``; the same legend again is left as it is (no relayout,
        which cost the window 10-20 ms after every model)."""
        shown = (mode, tuple(classes))
        if shown == self._shown:
            return
        self._shown = shown
        while self._layout.count():
            item = self._layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()
                widget.deleteLater()
        self._texts = []
        if mode == "uncertainty":
            self._add_text("certain")
            ramp = plain_label()
            ramp.setPixmap(_gradient())
            self._layout.addWidget(ramp)
            self._add_text("uncertain")
            self._layout.addSpacing(10)
        else:
            for i, name in enumerate(classes):
                self._add_entry(_swatch(palette.class_color(i)), name)
            if mode == "label":
                self._add_entry(_swatch(QColor(palette.UNLABELLED)), "unlabelled")
        self._add_entry(_swatch(QColor(), ring=True), "current sample")
        self._layout.activate()

    def _add_entry(self, pix: QPixmap, text: str) -> None:
        icon = plain_label()
        icon.setPixmap(pix)
        self._layout.addWidget(icon)
        self._add_text(text)
        self._layout.addSpacing(10)

    def _add_text(self, text: str) -> None:
        label = plain_label(text)
        label.setStyleSheet(f"color: {palette.FOREGROUND};")
        self._layout.addWidget(label)
        self._texts.append(text)


COLOR_MODES = ("label", "prediction", "uncertainty")
SELECTION_MODES = ("pan", "rectangle", "lasso")
_TIPS = {
    "pan": "Drag to pan, wheel to zoom, click a point to open it",
    "rectangle": "Drag a rectangle to select (Shift adds to the selection)",
    "lasso": "Draw around points to select (Shift adds to the selection)",
}


class MapToolbar(QWidget):
    """Colour mode, what a drag does, clear selection, and a one-line status."""

    sig_color_mode = Signal(str)
    sig_selection_mode = Signal(str)
    sig_clear = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.setSpacing(6)
        layout.addWidget(plain_label("Colour by"))
        self.combo = QComboBox()
        self.combo.addItems(list(COLOR_MODES))
        self.combo.setToolTip(
            "Colour the points by their label, the model's prediction, or its uncertainty"
        )
        self.combo.currentTextChanged.connect(self.sig_color_mode)
        layout.addWidget(self.combo)
        layout.addSpacing(12)
        self._group = QButtonGroup(self)
        self.buttons: dict[str, QToolButton] = {}
        for mode in SELECTION_MODES:
            button = QToolButton()
            button.setText(mode.capitalize())
            button.setCheckable(True)
            button.setChecked(mode == "pan")
            button.setToolTip(_TIPS[mode])
            button.clicked.connect(lambda _=False, m=mode: self.sig_selection_mode.emit(m))
            self._group.addButton(button)
            self.buttons[mode] = button
            layout.addWidget(button)
        clear = QToolButton()
        clear.setText("Clear selection")
        clear.clicked.connect(self.sig_clear)
        layout.addWidget(clear)
        self.status = plain_label()
        self.status.setStyleSheet(f"color: {palette.MUTED_TEXT};")
        # Never let a long count widen the dock: the label is clipped instead.
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.status.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self.status, 1)

    def allow_modes(self, modes: tuple[str, ...], why: str = "") -> None:
        """Grey out the other colour modes (blind mode hides the model's), with ``why`` as tip."""
        model = self.combo.model()
        for i in range(self.combo.count()):
            item = model.item(i)  # type: ignore[attr-defined]
            allowed = self.combo.itemText(i) in modes
            item.setEnabled(allowed)
            item.setToolTip("" if allowed else why)

    def show_color_mode(self, mode: str) -> None:
        """Reflect a mode set from code without emitting ``sig_color_mode``."""
        if self.combo.currentText() != mode:
            self.combo.blockSignals(True)
            self.combo.setCurrentText(mode)
            self.combo.blockSignals(False)


class GroupedScatter:
    """Points drawn by one ScatterPlotItem per colour.

    pyqtgraph spends microseconds per point on per-point brushes; with one shared
    brush per item, 50,000 points are set in a few milliseconds instead of ~200.
    """

    def __init__(self, view: pg.ViewBox, z: float) -> None:
        self._view = view
        self._z = z
        self._items: list[pg.ScatterPlotItem] = []
        self.count = 0

    def set_points(
        self,
        x: np.ndarray,
        y: np.ndarray,
        codes: np.ndarray,
        brushes: list[QBrush],
        size: float,
        pen: object = None,
    ) -> None:
        order = np.argsort(codes, kind="stable")
        sorted_codes = codes[order]
        bounds = np.searchsorted(sorted_codes, np.arange(len(brushes) + 1))
        while len(self._items) < len(brushes):
            item = pg.ScatterPlotItem(pxMode=True, hoverable=False)
            # Painted once into a pixmap and reused until the points or the zoom change:
            # moving the current-sample ring otherwise repainted thousands of points.
            item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
            item.setZValue(self._z)
            self._view.addItem(item, ignoreBounds=True)
            self._items.append(item)
        for i, item in enumerate(self._items):
            if i < len(brushes) and bounds[i + 1] > bounds[i]:
                sel = order[bounds[i] : bounds[i + 1]]
                item.setData(x=x[sel], y=y[sel], size=size, brush=brushes[i], pen=pen)
            else:
                item.setData(x=[], y=[])
        self.count = len(codes)

    def clear(self) -> None:
        for item in self._items:
            item.setData(x=[], y=[])
        self.count = 0
