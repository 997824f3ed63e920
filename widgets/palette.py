"""One palette and one plot style for every chart, so the views read as one application.

Colours follow Okabe & Ito's colour-blind-safe set: the two directions of a
contribution (vermillion / blue) stay distinguishable under every common form of
colour-vision deficiency, and the class colours skip yellow, which vanishes on white.
Styling is applied per plot (never through ``pg.setConfigOptions``) so importing a
widget cannot change how anybody else's plots look.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPen
from PySide6.QtWidgets import QLabel, QStackedWidget, QWidget

from widgets.text import plain_label

POSITIVE = "#D55E00"  # pushes towards the class
NEGATIVE = "#0072B2"  # pushes away from the class
INTERCEPT = "#5F5F5F"
MISSING = "#8C8C8C"
OTHER = "#A8A8A8"
IMPORTANCE = "#3E7CB1"
CURVE = "#0072B2"
MARKER = "#1A1A1A"
SELECTION = "#E69F00"
UNLABELLED = "#CFCFCF"

BACKGROUND = "#FFFFFF"
FOREGROUND = "#262626"
MUTED_TEXT = "#6B6B6B"
AXIS = "#7A7A7A"
ZERO_LINE = "#3A3A3A"

# Okabe-Ito without yellow and black, then three darker companions for up to ten classes.
CLASS_COLORS = [
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#7F6A93",
    "#8C6D31",
    "#2F4B7C",
    "#B33D5B",
]

UNCERTAINTY_MAP = "viridis"

TITLE_PT = 11
LABEL_PT = 9
TICK_PT = 9


def class_color(index: int) -> QColor:
    """The colour of the class at ``index``; indices beyond ten wrap around the hue circle."""
    if index < 0:
        return QColor(UNLABELLED)
    if index < len(CLASS_COLORS):
        return QColor(CLASS_COLORS[index])
    return pg.intColor(index, hues=13, values=1, minValue=180)


def class_colors_rgba(n_classes: int) -> np.ndarray:
    """(n_classes + 1, 4) uint8 table; the last row is the 'unlabelled' grey (index -1)."""
    out = np.zeros((n_classes + 1, 4), dtype=np.uint8)
    for i in range(n_classes):
        c = class_color(i)
        out[i] = (c.red(), c.green(), c.blue(), 255)
    grey = QColor(UNLABELLED)
    out[n_classes] = (grey.red(), grey.green(), grey.blue(), 255)
    return out


def uncertainty_lut(levels: int = 64) -> np.ndarray:
    """(levels, 4) uint8 lookup table of the uncertainty colormap (low → high)."""
    cmap = pg.colormap.get(UNCERTAINTY_MAP)
    return np.asarray(cmap.getLookupTable(0.0, 1.0, levels, alpha=True), dtype=np.uint8)


def sign_color(value: float) -> str:
    return POSITIVE if value >= 0 else NEGATIVE


def hatched_brush(color: str) -> QBrush:
    """A diagonal hatch: marks bars whose value is missing without relying on colour alone."""
    brush = QBrush(QColor(color), Qt.BrushStyle.BDiagPattern)
    return brush


def font(point_size: int = LABEL_PT, bold: bool = False) -> QFont:
    f = QFont()
    f.setPointSize(point_size)
    f.setBold(bold)
    return f


def style_plot(plot: pg.PlotItem, grid_x: bool = False, grid_y: bool = False) -> None:
    """White background conventions: muted axes, readable ticks, no menus or auto buttons."""
    for name in ("left", "bottom", "right", "top"):
        axis = plot.getAxis(name)
        axis.setPen(pg.mkPen(AXIS))
        axis.setTextPen(pg.mkPen(FOREGROUND))
        axis.setStyle(tickFont=font(TICK_PT), tickTextOffset=6)
        axis.label.setFont(font(LABEL_PT))
        # Experts read log-odds and measurements as written: never "400 (x0.001)".
        axis.enableAutoSIPrefix(False)
    plot.showGrid(x=grid_x, y=grid_y, alpha=0.15)
    if grid_x or grid_y:
        # The third level of grid lines is barely visible at this alpha, yet drawing it
        # tripled the paint of a gridded plot (~12 ms instead of ~4 for the shape curve).
        for name in ("left", "bottom"):
            plot.getAxis(name).setStyle(maxTickLevel=1)
    plot.hideButtons()
    plot.setMenuEnabled(False)


def settle(plot: pg.PlotItem) -> None:
    """Apply a new range now, not in the next paint.

    pyqtgraph moves the view to a new range lazily, while painting; the move then
    dirties the axes and items and asks for a second paint of the same plot.
    Settling right after the data changes makes one paint do.
    """
    plot.getViewBox().prepareForPaint()


def axis_label_style() -> dict[str, str]:
    return {"color": MUTED_TEXT, "font-size": f"{LABEL_PT}pt"}


def pen(color: str, width: float = 1.0, style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> QPen:
    p = pg.mkPen(QColor(color), width=width, style=style)
    p.setCosmetic(True)
    return p


def placeholder_style() -> str:
    return f"color: {MUTED_TEXT}; font-size: {LABEL_PT + 1}pt; padding: 24px;"


def format_value(value: object) -> str:
    """A feature value as a short, human string: 4 significant digits, 'missing' for NaN/None."""
    if value is None:
        return "missing"
    if isinstance(value, float | np.floating):
        if np.isnan(value):
            return "missing"
        return f"{float(value):.4g}"
    if isinstance(value, int | np.integer):
        return str(int(value))
    return str(value)


def elide(text: str, limit: int) -> str:
    """Shorten ``text`` in the middle so both the start and the value stay visible."""
    if len(text) <= limit:
        return text
    head = (limit - 1) * 2 // 3
    tail = limit - 1 - head
    return text[:head] + "…" + text[len(text) - tail :]


def placeholder_stack(text: str, content: QWidget) -> tuple[QStackedWidget, QLabel]:
    """A plot that shows a centred explanation instead of an empty frame until it has data."""
    placeholder = plain_label(text)
    placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
    placeholder.setWordWrap(True)
    placeholder.setStyleSheet(placeholder_style())
    stack = QStackedWidget()
    stack.addWidget(placeholder)
    stack.addWidget(content)
    return stack, placeholder
