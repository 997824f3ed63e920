"""The model as a whole: which features it relies on, and whether more labels still help.

Importances answer "what does the model look at?" (click one to see its shape);
the learning curve answers "is labelling more worth it?": a curve still rising at
the right edge says yes, a flat one says the model has learned what it can.
Above the tabs, two lines answer "can I stop?": whether the predictions have
stabilized (kappa between successive models) and the cross-validated accuracy
with its interval.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFontMetrics
from PySide6.QtWidgets import QLabel, QStackedWidget, QTabWidget, QVBoxLayout, QWidget

from widgets import palette
from widgets.value_labels import ValueLabel, ValueLabels

TOP_TERMS = 20
IMP_AXIS_PX = 64  # the bottom axis, its title and the margins of the importance plot
LABEL_CHARS = 40


def _placeholder(text: str) -> QLabel:
    label = QLabel(text)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setWordWrap(True)
    label.setStyleSheet(palette.placeholder_style())
    return label


def _stacked(plot_widget: pg.PlotWidget, text: str) -> tuple[QStackedWidget, QLabel]:
    stack = QStackedWidget()
    placeholder = _placeholder(text)
    stack.addWidget(placeholder)
    stack.addWidget(plot_widget)
    return stack, placeholder


class ModelPanel(QWidget):
    """Global term importances and the cross-validated learning curve, in two tabs."""

    sig_feature_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._items: list[tuple[str, float]] = []  # the terms drawn
        self._all_items: list[tuple[str, float]] = []
        self._more = ""
        self._bars: pg.BarGraphItem | None = None  # made once, then updated (see _ensure_bars)
        self._values: ValueLabels | None = None

        self._imp_widget = pg.PlotWidget(background=palette.BACKGROUND, enableMenu=False)
        self._imp_widget.setAntialiasing(False)  # axis-aligned bars and text
        self._imp = self._imp_widget.getPlotItem()
        palette.style_plot(self._imp, grid_x=True)
        self._imp.setMouseEnabled(x=False, y=False)
        self._imp.getViewBox().invertY(True)
        self._imp.getAxis("left").setStyle(tickLength=0)
        self._imp.setLabel("bottom", "Mean |contribution| (log-odds)", **palette.axis_label_style())
        self._imp_widget.scene().sigMouseClicked.connect(self._on_imp_clicked)
        self._imp_widget.scene().sigMouseMoved.connect(self._on_imp_moved)
        self._refit = QTimer(self)
        self._refit.setSingleShot(True)
        self._refit.setInterval(0)
        self._refit.timeout.connect(self._refit_importances)
        self._imp_widget.installEventFilter(self)

        self._lc_widget = pg.PlotWidget(background=palette.BACKGROUND, enableMenu=False)
        self._lc_widget.setAntialiasing(True)
        self._lc = self._lc_widget.getPlotItem()
        palette.style_plot(self._lc, grid_x=True, grid_y=True)
        self._lc.setMouseEnabled(x=False, y=False)
        self._lc.setLabel("bottom", "Labelled samples", **palette.axis_label_style())
        self._lc.setLabel("left", "Macro-F1 (cross-validated)", **palette.axis_label_style())

        self._imp_stack, _ = _stacked(self._imp_widget, "No model yet — importances appear here")
        self._lc_stack, _ = _stacked(
            self._lc_widget, "No learning curve yet — it is computed once there are enough labels"
        )
        self._tabs = QTabWidget()
        self._tabs.setElideMode(Qt.TextElideMode.ElideNone)  # titles whole; scroll if narrow
        self._tabs.setUsesScrollButtons(True)
        self._tabs.addTab(self._imp_stack, "Feature importance")
        self._tabs.addTab(self._lc_stack, "Learning curve")
        self._stop = self._status_label()
        self._accuracy = self._status_label()
        self._stop_advised = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(2)
        layout.addWidget(self._stop)
        layout.addWidget(self._accuracy)
        layout.addWidget(self._tabs, 1)
        self.clear()

    @staticmethod
    def _status_label() -> QLabel:
        label = QLabel()
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setFont(palette.font(palette.LABEL_PT))
        return label

    # ---- API -------------------------------------------------------------------------------
    def set_importances(self, items: list[tuple[str, float]]) -> None:
        """Bars for the top terms by importance (largest at the top); pairs read "a & b".

        As many terms as the panel's height shows without overlapping labels (at most
        ``TOP_TERMS``); the axis title says how many more there are.
        """
        self._all_items = sorted(items, key=lambda kv: kv[1], reverse=True)
        self._draw_importances()

    def _fitting_rows(self) -> int:
        """How many bars fit the plot's height with one label line each (at least 3)."""
        height = self._imp_widget.height() if self.isVisible() else 0
        if height <= 0:
            return TOP_TERMS
        line = QFontMetrics(palette.font(palette.TICK_PT)).height() + 3
        return max(3, (height - IMP_AXIS_PX) // line)

    def _shown_count(self) -> int:
        """Terms drawn: all that fit; when some are left out, one row says how many."""
        fit = self._fitting_rows()
        total = len(self._all_items)
        return total if total <= min(TOP_TERMS, fit) else max(1, min(TOP_TERMS, fit - 1))

    def _ensure_bars(self) -> tuple[pg.BarGraphItem, ValueLabels]:
        """The bars and their values, made once: a new model updates them, never rebuilds.

        A TextItem per bar (up to twenty) made each redraw of this plot cost 16-26 ms
        of the window's time after every model; one item draws every value.
        """
        if self._bars is None or self._values is None:
            color = QColor(palette.IMPORTANCE)
            self._bars = pg.BarGraphItem(
                x0=0.0,
                y=[0.0],
                height=0.68,
                width=[0.0],
                brush=color,
                pen=palette.pen(color.name()),
            )
            self._values = ValueLabels(palette.font(palette.TICK_PT - 1), palette.MUTED_TEXT)
            self._imp.addItem(self._bars)
            self._imp.addItem(self._values, ignoreBounds=True)
        return self._bars, self._values

    def _draw_importances(self) -> None:
        if self._all_items:
            self._imp_stack.setCurrentIndex(1)  # the plot page gets its real size first
        self._items = self._all_items[: self._shown_count()]
        if not self._items:
            if self._values is not None:
                self._values.set_labels([])
            self._imp_stack.setCurrentIndex(0)
            return
        bars, labels = self._ensure_bars()
        values = np.array([v for _, v in self._items], dtype=np.float64)
        ys = np.arange(len(values), dtype=np.float64)
        bars.setOpts(x0=0.0, y=ys, width=values)
        labels.set_labels(
            [
                ValueLabel(float(v), float(y), f"{v:.3f}", True)
                for y, v in zip(ys, values, strict=True)
            ]
        )
        ticks = [
            (float(y), palette.elide(name, LABEL_CHARS)) for y, (name, _) in enumerate(self._items)
        ]
        more = len(self._all_items) - len(self._items)
        self._more = f"+{more} more" if more else ""
        if more:
            ticks.append((float(len(self._items)), self._more))
        left = self._imp.getAxis("left")
        left.setTicks([ticks, []])
        metrics = QFontMetrics(palette.font(palette.TICK_PT))
        left.setWidth(max(metrics.horizontalAdvance(t) for _, t in ticks) + 16)
        self._imp.setYRange(-0.6, len(ticks) - 0.4, padding=0)
        self._fit_value_labels()
        self._imp_stack.setCurrentIndex(1)
        palette.settle(self._imp)

    def importance_note(self) -> str:
        """'+54 more' below the bars when not every term fits, else empty."""
        return self._more

    def importance_values(self) -> list[ValueLabel]:
        """The values printed after the bars, top to bottom (view coordinates)."""
        return self._values.labels() if self._values is not None else []

    def _fit_value_labels(self) -> None:
        """An x range wide enough that every value printed after its bar stays inside."""
        if not self._items or self._values is None:
            return
        labels = self._values
        hi = max(max(v for _, v in self._items), 1e-9)
        width = self._imp.getViewBox().width()
        if width <= 1:
            return
        need = hi * 1.05
        for label in labels.labels():
            room = width - labels.text_width(label.text) - 2
            need = max(need, label.x * width / max(room, width / 3))
        self._imp.setXRange(0, need, padding=0)
        labels.set_bounds(QRectF(0.0, -0.6, need, len(self._items) + 0.6))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """The importance plot was resized (a dock moved, a tab shown): refit its bars."""
        if watched is self._imp_widget and event.type() == QEvent.Type.Resize and self._all_items:
            self._refit.start()  # once the plot has laid out its new size
        return super().eventFilter(watched, event)

    def _refit_importances(self) -> None:
        if self._shown_count() != len(self._items):
            self._draw_importances()
        else:
            self._fit_value_labels()

    def set_learning_curve(
        self, sizes: Sequence[int], scores: Sequence[float], errors: Sequence[float]
    ) -> None:
        """Macro-F1 against the number of labels, with a ±1 standard deviation band."""
        self._lc.clear()
        x = np.asarray(sizes, dtype=np.float64)
        y = np.asarray(scores, dtype=np.float64)
        e = np.nan_to_num(np.asarray(errors, dtype=np.float64))
        if x.size == 0:
            self._lc_stack.setCurrentIndex(0)
            return
        # Sizes grow geometrically: a log-scaled x spaces them evenly and shows the early
        # gains; ticks are placed at the sizes themselves and read as plain counts.
        log = bool(x.min() > 0 and x.max() / x.min() >= 5)
        xs = np.log10(x) if log else x
        band = QColor(palette.CURVE)
        band.setAlpha(45)
        upper = pg.PlotDataItem(xs, np.clip(y + e, 0, 1), pen=pg.mkPen(None))
        lower = pg.PlotDataItem(xs, np.clip(y - e, 0, 1), pen=pg.mkPen(None))
        self._lc.addItem(upper)
        self._lc.addItem(lower)
        self._lc.addItem(pg.FillBetweenItem(upper, lower, brush=pg.mkBrush(band)))
        line = pg.PlotDataItem(
            xs,
            y,
            pen=palette.pen(palette.CURVE, 2.2),
            symbol="o",
            symbolSize=7,
            symbolBrush=pg.mkBrush(palette.CURVE),
            symbolPen=pg.mkPen("w"),
        )
        self._lc.addItem(line)
        last = pg.TextItem(f"{y[-1]:.2f}", color=QColor(palette.FOREGROUND), anchor=(1.0, 1.3))
        last.setFont(palette.font(palette.TICK_PT))
        last.setPos(float(xs[-1]), float(y[-1]))
        self._lc.addItem(last)
        ticks = [(float(a), f"{int(b):,}") for a, b in zip(xs, x, strict=True)] if log else None
        self._lc.getAxis("bottom").setTicks([ticks, []] if ticks else None)
        label = "Labelled samples (log scale)" if log else "Labelled samples"
        self._lc.setLabel("bottom", label, **palette.axis_label_style())
        span = max(float(xs.max() - xs.min()), 1e-3)
        self._lc.setXRange(float(xs.min()) - 0.04 * span, float(xs.max()) + 0.04 * span, padding=0)
        self._lc.setYRange(0.0, 1.0, padding=0.02)
        self._lc_stack.setCurrentIndex(1)

    def set_stop_signal(self, text: str, advised: bool) -> None:
        """The stabilizing-predictions sentence; ``advised`` (stable long enough) shows in bold."""
        self._stop_advised = advised
        self._stop.setText(text)
        self._stop.setVisible(bool(text))
        color = palette.FOREGROUND if advised else palette.MUTED_TEXT
        weight = "bold" if advised else "normal"
        self._stop.setStyleSheet(f"color: {color}; font-weight: {weight};")

    def set_accuracy(
        self, accuracy: float | None, low: float, high: float, n: int, rows: int | None = None
    ) -> None:
        """The cross-validated accuracy and its 95% interval; None hides it.

        ``rows`` is the number of unlabelled rows the estimate was carried over to;
        None means it is the accuracy on the ``n`` labelled rows themselves.
        """
        if accuracy is None:
            self._accuracy.setText("")
            self._accuracy.setVisible(False)
            return
        where = "" if rows is None else f" on the {rows:,} unlabelled rows"
        self._accuracy.setText(
            f"Estimated accuracy{where} {accuracy:.0%} (95% interval {low:.0%}–{high:.0%}, "
            f"from {n} labels cross-validated)"
        )
        tip = (
            "Each label is predicted by a model that never saw it."
            if rows is None
            else "Each label is predicted by a model that never saw it; the accuracy at each "
            "level of confidence is then weighted by how confident the model is on the "
            "unlabelled rows."
        )
        self._accuracy.setToolTip(
            tip + " Suggested samples are harder than most, so labelled rows alone "
            "understate the accuracy on the rest of the table."
        )
        self._accuracy.setStyleSheet(f"color: {palette.MUTED_TEXT};")
        self._accuracy.setVisible(True)

    def stop_text(self) -> str:
        return self._stop.text()

    def stop_advised(self) -> bool:
        return self._stop_advised

    def accuracy_text(self) -> str:
        return self._accuracy.text()

    def clear(self) -> None:
        self.set_importances([])
        self.set_learning_curve([], [], [])
        self.set_stop_signal("", False)
        self.set_accuracy(None, 0.0, 1.0, 0)

    def importance_names(self) -> list[str]:
        """The term names as drawn, top to bottom."""
        return [name for name, _ in self._items]

    def show_tab(self, index: int) -> None:
        self._tabs.setCurrentIndex(index)

    def importance_plot(self) -> pg.PlotWidget:
        return self._imp_widget

    def learning_curve_plot(self) -> pg.PlotWidget:
        return self._lc_widget

    # ---- interaction -----------------------------------------------------------------------
    def _feature_under(self, scene_pos: QPointF) -> str | None:
        """The first feature of the term under a scene position (bar or axis label)."""
        if not self._items:
            return None
        vb = self._imp.getViewBox()
        over = vb.sceneBoundingRect().contains(scene_pos)
        if not (over or self._imp.getAxis("left").sceneBoundingRect().contains(scene_pos)):
            return None
        row = round(vb.mapSceneToView(scene_pos).y())
        if not 0 <= row < len(self._items):
            return None
        return self._items[row][0].split(" & ")[0]

    def _on_imp_clicked(self, event: object) -> None:
        if event.button() != Qt.MouseButton.LeftButton:  # type: ignore[attr-defined]
            return
        feature = self._feature_under(event.scenePos())  # type: ignore[attr-defined]
        if feature is not None:
            self.sig_feature_clicked.emit(feature)

    def _on_imp_moved(self, scene_pos: QPointF) -> None:
        feature = self._feature_under(scene_pos)
        viewport = self._imp_widget.viewport()
        if feature is None:
            viewport.unsetCursor()
        else:
            viewport.setCursor(Qt.CursorShape.PointingHandCursor)
