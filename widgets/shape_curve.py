"""What the model learned about one feature: its contribution across the feature's range.

An EBM is a sum of such curves, so this plot is the model, for one feature. A step
plot is the honest drawing of binned scores (no interpolation the model never does);
the band is the spread across the outer bags, i.e. how much to trust each step; the
vertical line puts the current sample on the curve so the contribution chart's bar
can be traced back to where it comes from.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from models.ebm import ShapeCurve
from widgets import palette
from widgets.text import esc, plain_label

PLACEHOLDER = "Click a feature to see what the model learned about it"
MAX_CATEGORY_TICKS = 16


def step_xy(edges: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Corner points of a step function: ``values[i]`` on ``[edges[i], edges[i+1]]``."""
    return np.repeat(edges, 2)[1:-1], np.repeat(values, 2)


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    return isinstance(value, float | np.floating) and bool(np.isnan(value))


class ShapeCurveWidget(QWidget):
    """The learned shape of one feature for one class, with the current sample marked."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._curve: ShapeCurve | None = None
        self._cls: str | None = None
        self._marker: object = None
        self._classes: list[str] | None = None

        self._title = plain_label()
        self._title.setFont(palette.font(palette.TITLE_PT, bold=True))
        self._title.setStyleSheet(f"color: {palette.FOREGROUND};")
        self._title.setWordWrap(True)
        self._missing = QLabel()
        self._missing.setFont(palette.font(palette.LABEL_PT))
        self._missing.setStyleSheet(f"color: {palette.MUTED_TEXT};")
        self._missing.setTextFormat(Qt.TextFormat.RichText)
        self._missing.setWordWrap(True)

        self._plot_widget = pg.PlotWidget(background=palette.BACKGROUND, enableMenu=False)
        # No antialiasing: a step curve and its band are axis-aligned, so it would change no pixel
        # of them and only slow every paint (text is smoothed on its own).
        self._plot_widget.setAntialiasing(False)
        self._plot = self._plot_widget.getPlotItem()
        palette.style_plot(self._plot, grid_x=True, grid_y=True)
        self._plot.setMouseEnabled(x=True, y=False)
        self._plot_widget.setMinimumHeight(180)
        self._build_items()

        self._stack, self._placeholder = palette.placeholder_stack(PLACEHOLDER, self._plot_widget)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(4)
        layout.addWidget(self._title)
        layout.addWidget(self._stack, 1)
        layout.addWidget(self._missing)
        self.set_curve(None, None)

    # ---- API -------------------------------------------------------------------------------
    def set_classes(self, classes: list[str] | None) -> None:
        """The class order of ``ShapeCurve.scores`` columns, kept for later ``set_curve`` calls."""
        self._classes = list(classes) if classes else None

    def set_curve(
        self,
        curve: ShapeCurve | None,
        cls: str | None,
        marker_value: object = None,
        classes: list[str] | None = None,
    ) -> None:
        """Show ``curve``'s scores for ``cls``.

        ``ShapeCurve`` does not carry its class names, so the column of ``cls`` is found
        in ``classes`` (or the list given to ``set_classes``, or ``curve.classes`` if the
        type grows one); without any, the last column is shown. ``marker_value`` None
        means no sample to mark; NaN marks a sample whose value is missing.
        """
        if classes:
            self.set_classes(classes)
        self._curve, self._cls, self._marker = curve, cls, marker_value
        if curve is None or curve.scores.size == 0:
            self._title.setText("Shape curve")
            self._missing.setText("")
            self._stack.setCurrentWidget(self._placeholder)
            return
        n_classes = curve.scores.shape[1]
        k, label = self._class_index(curve, cls, n_classes)
        self._title.setText(f"Shape of {curve.feature} for class {label}")
        scores = np.asarray(curve.scores[:, k], dtype=np.float64)
        errors = np.asarray(curve.errors[:, k], dtype=np.float64)
        nominal = curve.kind == "nominal"
        for item in self._continuous_items:
            item.setVisible(not nominal)
        for item in self._nominal_items:
            item.setVisible(nominal)
        self._marker_line.setVisible(False)
        self._dot.setVisible(False)
        if nominal:
            self._draw_nominal(curve, scores, errors, marker_value)
        else:
            self._plot.getAxis("bottom").setTicks(None)
            self._draw_continuous(curve, scores, errors, marker_value)
        self._plot.setLabel("left", f"Log-odds of {esc(label)}", **palette.axis_label_style())
        self._plot.setLabel("bottom", esc(curve.feature), **palette.axis_label_style())
        missing = float(curve.missing_score[k]) if curve.missing_score.size > k else 0.0
        here = marker_value is not None and _is_missing(marker_value)
        text = f"Missing {esc(curve.feature)}: <b>{missing:+.2f}</b> log-odds"
        if curve.kind != "nominal":
            text += " &nbsp;·&nbsp; band: ±1 sd across the model's bags"
        if here:
            text += f' &nbsp;<span style="color:{palette.MARKER}">◀ this sample</span>'
        self._missing.setText(text)
        self._stack.setCurrentWidget(self._plot_widget)
        palette.settle(self._plot)

    def title_text(self) -> str:
        return self._title.text()

    def missing_text(self) -> str:
        return self._missing.text()

    def plot_item(self) -> pg.PlotItem:
        return self._plot

    # ---- drawing ---------------------------------------------------------------------------
    def _class_index(self, curve: ShapeCurve, cls: str | None, n: int) -> tuple[int, str]:
        """The scores column for ``cls`` and the class name to show for it."""
        classes = self._classes or getattr(curve, "classes", None)
        if classes and len(classes) == n:
            if cls in classes:
                return list(classes).index(cls), str(cls)
            return n - 1, str(classes[-1])
        return n - 1, cls if cls is not None and n == 1 else f"#{n - 1}"

    def _build_items(self) -> None:
        """Every item either kind of curve needs, made once and updated per sample.

        Rebuilding them (a fill, a labelled line, a scatter) for each shown sample
        was the largest share of the work the window did when a sample changed.
        """
        band_color = QColor(palette.CURVE)
        band_color.setAlpha(45)
        self._upper = pg.PlotDataItem([0.0, 1.0], [0.0, 0.0], pen=pg.mkPen(None))
        self._lower = pg.PlotDataItem([0.0, 1.0], [0.0, 0.0], pen=pg.mkPen(None))
        self._band = pg.FillBetweenItem(self._upper, self._lower, brush=pg.mkBrush(band_color))
        self._line = pg.PlotDataItem([0.0, 1.0], [0.0, 0.0], pen=palette.pen(palette.CURVE, 2.2))
        self._bars = pg.BarGraphItem(x=[0.0], height=[0.0], width=0.7)
        self._err = pg.ErrorBarItem(
            x=np.zeros(1),
            y=np.zeros(1),
            top=np.zeros(1),
            bottom=np.zeros(1),
            beam=0.2,
            pen=palette.pen(palette.AXIS, 1.2),
        )
        self._marker_line = pg.InfiniteLine(
            pos=0.0,
            angle=90,
            pen=palette.pen(palette.MARKER, 1.5, Qt.PenStyle.DashLine),
            label="",
            labelOpts={
                "position": 0.93,
                "color": palette.FOREGROUND,
                "fill": pg.mkBrush(255, 255, 255, 220),
            },
        )
        self._dot = pg.ScatterPlotItem(
            [0.0], [0.0], size=9, brush=pg.mkBrush(palette.MARKER), pen=pg.mkPen("w")
        )
        self._zero = pg.InfiniteLine(pos=0.0, angle=0, pen=palette.pen(palette.ZERO_LINE))
        self._continuous_items = (self._upper, self._lower, self._band, self._line)
        self._nominal_items = (self._bars, self._err)
        for item in (*self._continuous_items, *self._nominal_items, self._zero):
            self._plot.addItem(item)
        self._plot.addItem(self._marker_line, ignoreBounds=True)
        self._plot.addItem(self._dot, ignoreBounds=True)

    def _draw_continuous(
        self, curve: ShapeCurve, scores: np.ndarray, errors: np.ndarray, marker: object
    ) -> None:
        edges = np.asarray(curve.x, dtype=np.float64)
        xs, ys = step_xy(edges, scores)
        _, hi = step_xy(edges, scores + errors)
        _, lo = step_xy(edges, scores - errors)
        self._upper.setData(xs, hi)
        self._lower.setData(xs, lo)
        self._line.setData(xs, ys)
        span = float(edges[-1] - edges[0]) or 1.0
        self._plot.setXRange(edges[0] - 0.02 * span, edges[-1] + 0.02 * span, padding=0)
        lo_y = float(np.min(scores - errors))
        hi_y = float(np.max(scores + errors))
        pad = 0.08 * max(hi_y - lo_y, 1e-3)
        self._plot.setYRange(min(lo_y, 0.0) - pad, max(hi_y, 0.0) + pad, padding=0)
        if marker is not None and not _is_missing(marker):
            try:
                x = float(marker)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                return
            score = float(scores[np.clip(np.searchsorted(edges, x) - 1, 0, len(scores) - 1)])
            # Shown first: a hidden line's label ignores a new text.
            self._marker_line.setVisible(True)
            label = self._marker_line.label
            label.anchors = [(0, 0), (0, 0)] if x <= edges[0] + span / 2 else [(1, 0), (1, 0)]
            text = f"this sample: {palette.format_value(x)} → {score:+.2f}"
            label.setFormat(text.replace("{", "{{").replace("}", "}}"))
            self._marker_line.setPos(x)
            self._dot.setData([x], [score])
            self._dot.setVisible(True)

    def marker_text(self) -> str | None:
        """The marker line's label (None when no sample is marked on a continuous curve)."""
        if not self._marker_line.isVisible():
            return None
        return str(self._marker_line.label.toPlainText())

    def _draw_nominal(
        self, curve: ShapeCurve, scores: np.ndarray, errors: np.ndarray, marker: object
    ) -> None:
        names = [str(c) for c in curve.x]
        n = len(scores)
        xs = np.arange(n, dtype=np.float64)
        chosen = names.index(str(marker)) if marker is not None and str(marker) in names else -1
        brushes, pens = [], []
        for i, s in enumerate(scores):
            color = QColor(palette.sign_color(float(s)))
            if chosen >= 0 and i != chosen:
                color.setAlpha(110)
            brushes.append(pg.mkBrush(color))
            pens.append(
                palette.pen(palette.MARKER, 2.5) if i == chosen else palette.pen(color.name(), 1.0)
            )
        self._bars.setOpts(x=xs, height=scores, width=0.7, brushes=brushes, pens=pens)
        self._err.setData(x=xs, y=scores, top=errors, bottom=errors)
        step = max(1, int(np.ceil(n / MAX_CATEGORY_TICKS)))
        ticks = [(float(i), palette.elide(names[i], 14)) for i in range(0, n, step)]
        if chosen >= 0 and chosen % step:
            ticks.append((float(chosen), palette.elide(names[chosen], 14)))
        self._plot.getAxis("bottom").setTicks([ticks, []])
        self._plot.setXRange(-0.6, n - 0.4, padding=0)
        lo_y = float(np.min(np.minimum(scores - errors, 0.0)))
        hi_y = float(np.max(np.maximum(scores + errors, 0.0)))
        pad = 0.08 * max(hi_y - lo_y, 1e-3)
        self._plot.setYRange(lo_y - pad, hi_y + pad, padding=0)
