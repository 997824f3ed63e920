"""Why the model predicts a class for one sample: each term's push on the log-odds.

A horizontal bar per term (largest at the top) reads like a ranked list of reasons,
which is what an expert scans when deciding whether to trust a suggestion. Colour
carries direction (towards / away from the class); a hatch marks a missing value so
that it is not mistaken for evidence; the intercept is drawn hollow below a rule,
because it is the baseline every sample shares, not a reason specific to this one.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QFontMetrics, QResizeEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from models.ebm import Contributions
from widgets import palette
from widgets.contribution_rows import LABEL_CHARS, ChartRow, build_rows, short_label
from widgets.text import plain_label, tip
from widgets.value_labels import ValueLabel, ValueLabels

PLACEHOLDER = "No model yet — label a few samples of each class"


class ContributionChart(QWidget):
    """Ranked term contributions to one class for one sample; click a term for its shape."""

    sig_term_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None, title: str = "", max_terms: int = 15):
        super().__init__(parent)
        self._max_terms = max_terms
        self._contrib: Contributions | None = None
        self._cls: str | None = None
        self._rows: list[ChartRow] = []
        self._bars: pg.BarGraphItem | None = None
        self._extent: tuple[float, float] = (-1.0, 1.0)
        self._shared: tuple[float, float] | None = None
        self._value_px = 40
        self._axis_width = 0  # the term-name axis's width, in pixels

        self._title = plain_label(title)
        self._title.setFont(palette.font(palette.TITLE_PT, bold=True))
        self._title.setStyleSheet(f"color: {palette.FOREGROUND};")
        self._title.setVisible(bool(title))
        self._title.setContentsMargins(8, 0, 0, 0)
        self._header = plain_label()
        self._header.setFont(palette.font(palette.TITLE_PT, bold=True))
        self._header.setStyleSheet(f"color: {palette.FOREGROUND};")
        self._legend = QLabel()
        self._legend.setFont(palette.font(palette.LABEL_PT))
        self._legend.setStyleSheet(f"color: {palette.MUTED_TEXT};")
        self._legend.setTextFormat(Qt.TextFormat.RichText)
        self._legend.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        # In a narrow dock the legend is clipped rather than widening the chart.
        self._legend.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

        self._plot_widget = pg.PlotWidget(background=palette.BACKGROUND, enableMenu=False)
        # No antialiasing: bars and rules are axis-aligned, so it would change no pixel
        # of them and only slow every paint (text is smoothed on its own).
        self._plot_widget.setAntialiasing(False)
        self._plot = self._plot_widget.getPlotItem()
        palette.style_plot(self._plot, grid_x=True)
        self._plot.setMouseEnabled(x=False, y=False)
        self._plot.getViewBox().invertY(True)
        self._plot.getAxis("left").setStyle(tickLength=0)
        self._plot.getAxis("bottom").setStyle(tickLength=-4)
        self._plot_widget.setMinimumHeight(200)
        self._plot.getViewBox().sigResized.connect(self._apply_x_range)
        self._plot_widget.scene().sigMouseClicked.connect(self._on_scene_clicked)
        self._plot_widget.scene().sigMouseMoved.connect(self._on_scene_moved)

        self._stack, self._placeholder = palette.placeholder_stack(PLACEHOLDER, self._plot_widget)

        head = QHBoxLayout()
        head.setContentsMargins(8, 4, 8, 0)
        head.addWidget(self._header)
        head.addWidget(self._legend, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(2)
        layout.addWidget(self._title)
        layout.addLayout(head)
        layout.addWidget(self._stack, 1)
        self.set_contributions(None, None)

    # ---- API -------------------------------------------------------------------------------
    def set_contributions(self, contrib: Contributions | None, cls: str | None) -> None:
        """Show ``contrib`` for ``cls`` (the most probable class when ``cls`` is None)."""
        self._contrib = contrib
        self._shared = None
        if contrib is None or not contrib.classes:
            self._cls = None
            self._rows = []
            if self._bars is not None:
                self._values.set_labels([])
            self._header.setText("")
            self._legend.setText("")
            self._stack.setCurrentWidget(self._placeholder)
            return
        if cls not in contrib.classes:
            cls = contrib.classes[int(np.argmax(contrib.proba))]
        self.set_class(cls)

    def set_class(self, cls: str) -> None:
        """Show the contributions to another class of the same sample."""
        if self._contrib is None or cls not in self._contrib.classes:
            return
        self._cls = cls
        k = self._contrib.classes.index(cls)
        self._header.setText(f"P({cls}) = {float(self._contrib.proba[k]):.2f}")
        self._legend.setText(
            f'<span style="color:{palette.POSITIVE}">■</span> raises&nbsp;&nbsp;'
            f'<span style="color:{palette.NEGATIVE}">■</span> lowers&nbsp;&nbsp;'
            f'<span style="color:{palette.MISSING}">▨</span> missing'
        )
        self._rows = build_rows(self._contrib, cls, self._max_terms)
        self._draw()
        self._stack.setCurrentWidget(self._plot_widget)

    def set_placeholder(self, text: str | None) -> None:
        """What the empty chart says (None: the default, that no model exists yet)."""
        self._placeholder.setText(text or PLACEHOLDER)

    def placeholder_text(self) -> str:
        return self._placeholder.text()

    def is_empty(self) -> bool:
        return self._stack.currentWidget() is self._placeholder

    def set_title(self, text: str) -> None:
        self._title.setText(text)
        self._title.setVisible(bool(text))

    def current_class(self) -> str | None:
        return self._cls

    def rows(self) -> list[ChartRow]:
        """The bars as drawn, top to bottom (the intercept last)."""
        return list(self._rows)

    def header_text(self) -> str:
        return self._header.text()

    def data_x_range(self) -> tuple[float, float]:
        """The x extent of the bars, zero included (for sharing a scale between charts)."""
        return self._extent

    def set_x_range(self, lo: float, hi: float) -> None:
        """Widen the bar extent to at least ``lo``..``hi``; room for value labels is added."""
        self._shared = (lo, hi)
        self._apply_x_range()

    def _apply_x_range(self) -> None:
        """Pad the bars by the width of their value labels, in pixels, so none is clipped."""
        if not self._rows:
            return
        lo, hi = self._extent
        if self._shared is not None:
            lo, hi = min(lo, self._shared[0]), max(hi, self._shared[1])
        span = max(hi - lo, 1e-6)
        width = self._plot.getViewBox().width()
        width = width if width > 50 else 300.0
        text = self._value_px + 10
        pad = span * text / max(width - 2 * text, 60.0)
        small = 0.03 * span
        left, right = lo - (pad if lo < 0 else small), hi + (pad if hi > 0 else small)
        self._plot.setXRange(left, right, padding=0)
        top = max(r.y for r in self._rows) + 0.6
        self._values.set_bounds(QRectF(left, -0.6, right - left, top + 0.6))

    def bar_center(self, row: ChartRow) -> QPointF:
        """Where ``row``'s bar is, in the plot's view coordinates."""
        return QPointF(row.value / 2.0, row.y)

    def plot_widget(self) -> pg.PlotWidget:
        return self._plot_widget

    def feature_at(self, y: float) -> str | None:
        """The feature of the term row nearest to view coordinate ``y`` (None off the terms)."""
        row = self._row_at(y)
        return row.feature if row is not None else None

    # ---- drawing ---------------------------------------------------------------------------
    def _ensure_items(self) -> None:
        """The chart's items, made once: the next sample updates them rather than rebuilding."""
        if self._bars is not None:
            return
        self._bars = pg.BarGraphItem(x0=[0.0], y=[0.0], height=0.68, width=[0.0])
        self._zero = pg.InfiniteLine(pos=0.0, angle=90, pen=palette.pen(palette.ZERO_LINE))
        self._rule = pg.InfiniteLine(
            pos=0.0, angle=0, pen=palette.pen(palette.AXIS, 1.0, Qt.PenStyle.DotLine)
        )
        self._values = ValueLabels(palette.font(palette.TICK_PT - 1), palette.MUTED_TEXT)
        for item in (self._bars, self._zero, self._rule):
            self._plot.addItem(item)
        self._plot.addItem(self._values, ignoreBounds=True)
        self._plot.setLabel("bottom", "Contribution (log-odds)", **palette.axis_label_style())

    def _draw(self) -> None:
        self._ensure_items()
        assert self._bars is not None
        rows = self._rows
        values = np.array([r.value for r in rows])
        ys = np.array([r.y for r in rows])
        brushes, pens = [], []
        for r in rows:
            if r.kind == "intercept":
                brushes.append(pg.mkBrush(0, 0, 0, 0))
                pens.append(palette.pen(palette.INTERCEPT, 1.6, Qt.PenStyle.DashLine))
            elif r.missing:
                brushes.append(palette.hatched_brush(palette.MISSING))
                pens.append(palette.pen(palette.MISSING, 1.2))
            elif r.kind == "other":
                brushes.append(pg.mkBrush(palette.OTHER))
                pens.append(palette.pen(palette.OTHER, 1.0))
            else:
                color = palette.sign_color(r.value)
                brushes.append(pg.mkBrush(color))
                pens.append(palette.pen(color, 1.0))
        self._bars.setOpts(
            x0=np.minimum(values, 0.0), y=ys, width=np.abs(values), brushes=brushes, pens=pens
        )
        self._rule.setVisible(len(rows) >= 2)
        if len(rows) >= 2:
            self._rule.setPos((rows[-2].y + rows[-1].y) / 2.0)

        lo, hi = min(0.0, float(values.min())), max(0.0, float(values.max()))
        span = max(hi - lo, 1e-6)
        texts = [f"{r.value:+.2f}" for r in rows]
        self._values.set_labels(
            [
                ValueLabel(r.value + (0.01 if r.value >= 0 else -0.01) * span, r.y, t, r.value >= 0)
                for r, t in zip(rows, texts, strict=True)
            ]
        )
        self._extent = (lo, hi)
        self._value_px = int(max(self._values.text_width(t) for t in texts))
        self._apply_x_range()
        self._plot.setYRange(-0.6, float(ys.max()) + 0.6, padding=0)
        self._apply_ticks()
        palette.settle(self._plot)

    def value_labels(self) -> list[ValueLabel]:
        """The values printed beside the bars, top to bottom."""
        return self._values.labels() if self._bars is not None else []

    def _apply_ticks(self) -> None:
        """Term labels on the y axis, shortened until they take at most half the width."""
        if not self._rows:
            return
        metrics = QFontMetrics(palette.font(palette.TICK_PT))
        budget = max(0.5 * self._plot_widget.width(), 140.0) if self.isVisible() else 1e9
        # Shorten names first, keeping values; when that is not enough, drop the values
        # (they stay in the tooltip) and shorten the names further.
        candidates = [("full", lim) for lim in range(LABEL_CHARS, 23, -4)]
        candidates += [("short", lim) for lim in range(LABEL_CHARS, 9, -4)]
        for source, limit in candidates:
            if source == "short":
                labels = [palette.elide(r.short or r.label, limit) for r in self._rows]
            else:
                labels = [
                    short_label(r.label, limit) or palette.elide(r.short or r.label, limit)
                    for r in self._rows
                ]
            width = max(metrics.horizontalAdvance(t) for t in labels)
            if width <= budget:
                break
        ticks = [(r.y, t) for r, t in zip(self._rows, labels, strict=True)]
        left = self._plot.getAxis("left")
        left.setTicks([ticks, []])
        # The axis only widens from one sample to the next (it is fitted again on a
        # resize): the zero line stays put, and a new width would lay out the plot
        # and paint it three times.
        if width + 16 > self._axis_width:
            self._axis_width = width + 16
            left.setWidth(self._axis_width)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._axis_width = 0
        self._apply_ticks()
        # Show the colour key only where it fits beside the probability.
        room = self.width() - self._header.sizeHint().width() - 40
        self._legend.setVisible(room >= self._legend.sizeHint().width())

    # ---- interaction -----------------------------------------------------------------------
    def _row_at(self, y: float) -> ChartRow | None:
        for r in self._rows:
            if r.kind == "term" and abs(r.y - y) <= 0.45:
                return r
        return None

    def _row_under(self, scene_pos: QPointF) -> ChartRow | None:
        """The term under a scene position, over its bar or over its label on the axis."""
        if not self._rows:
            return None
        vb = self._plot.getViewBox()
        axis = self._plot.getAxis("left")
        inside = vb.sceneBoundingRect().contains(scene_pos)
        on_axis = axis.sceneBoundingRect().contains(scene_pos)
        if not (inside or on_axis):
            return None
        return self._row_at(vb.mapSceneToView(scene_pos).y())

    def _on_scene_clicked(self, event: object) -> None:
        if event.button() != Qt.MouseButton.LeftButton:  # type: ignore[attr-defined]
            return
        row = self._row_under(event.scenePos())  # type: ignore[attr-defined]
        if row is not None and row.feature is not None:
            self.sig_term_clicked.emit(row.feature)

    def _on_scene_moved(self, scene_pos: QPointF) -> None:
        row = self._row_under(scene_pos)
        viewport = self._plot_widget.viewport()
        if row is None:
            viewport.unsetCursor()
            self._plot_widget.setToolTip("")
        else:
            viewport.setCursor(Qt.CursorShape.PointingHandCursor)
            self._plot_widget.setToolTip(tip(row.tooltip))


class ContributionComparison(QWidget):
    """A review item: why the given label and why the model's suggestion, side by side."""

    sig_term_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None, max_terms: int = 12):
        super().__init__(parent)
        self.given = ContributionChart(title="Given", max_terms=max_terms)
        self.suggested = ContributionChart(title="Suggested", max_terms=max_terms)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.given, 1)
        layout.addWidget(self.suggested, 1)
        self.given.sig_term_clicked.connect(self.sig_term_clicked)
        self.suggested.sig_term_clicked.connect(self.sig_term_clicked)

    def set_contributions(
        self, contrib: Contributions | None, given_cls: str | None, suggested_cls: str | None
    ) -> None:
        """Left: the given label's reasons; right: the suggestion's; one shared x scale."""
        self.given.set_title(f"Given: {given_cls}" if given_cls else "Given")
        self.suggested.set_title(f"Suggested: {suggested_cls}" if suggested_cls else "Suggested")
        self.given.set_contributions(contrib, given_cls)
        self.suggested.set_contributions(contrib, suggested_cls)
        if contrib is not None:
            (a0, a1), (b0, b1) = self.given.data_x_range(), self.suggested.data_x_range()
            lo, hi = min(a0, b0), max(a1, b1)
            self.given.set_x_range(lo, hi)
            self.suggested.set_x_range(lo, hi)
