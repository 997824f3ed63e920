"""The 2-D map of every sample: where the labels are, what the model thinks, where it hesitates.

It must stay fluid at a million points, so it never hands them all to a scatter item.
When more than ``MAX_SCATTER`` points fall near the view it shows a density image
(see ``overview_render``): one image of all the data, computed once per colouring,
which Qt simply transforms while the user pans and zooms; once zoomed in past that
image's resolution, a sharper image of the region near the view is computed,
debounced, after the view settles. Zoomed in further, the individual points appear.
Labelled points, the selection and the current sample are always drawn as markers
on top, because they are what the expert navigates by.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QPainterPath
from PySide6.QtWidgets import QGraphicsPathItem, QVBoxLayout, QWidget

from widgets import overview_render as render
from widgets import palette
from widgets.overview_parts import (
    COLOR_MODES,
    SELECTION_MODES,
    GroupedScatter,
    MapLegend,
    MapToolbar,
    MapViewBox,
    polygon_path,
)
from widgets.text import esc

MAX_SCATTER = 50_000
MAX_MARKED = 20_000
MAX_RINGS = 500
MAX_LOCAL_DENSITY = 250_000
LEVELS = 64
DEBOUNCE_MS = 80


class OverviewMap(QWidget):
    """Every sample on a 2-D projection, coloured by label, prediction or uncertainty."""

    sig_selection_changed = Signal(object)
    sig_point_clicked = Signal(int)
    sig_color_mode_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._x = np.zeros(0)
        self._y = np.zeros(0)
        self._bounds: render.Rect = (0.0, 1.0, 0.0, 1.0)
        self._rank = np.zeros(0, dtype=np.int64)
        self._codes = np.zeros(0, dtype=np.int64)
        self._labelled = np.zeros(0, dtype=np.int64)
        self._is_labelled = np.zeros(0, dtype=bool)
        self._selection = np.zeros(0, dtype=np.int64)
        self._selection_path = QPainterPath()
        self._current: int | None = None
        self._mode = "label"
        self._classes: list[str] = []
        self._cache: dict[str, tuple[np.ndarray, list[str] | None]] = {}
        self._global: tuple[np.ndarray, render.Rect, tuple[int, int]] | None = None
        self._bins: render.ColourBins | None = None  # what the global image is made from
        self._density_source: str | None = None
        self._drawn = 0

        self._toolbar = MapToolbar()
        self._toolbar.sig_color_mode.connect(self._on_mode_combo)
        self._toolbar.sig_selection_mode.connect(self.set_selection_mode)
        self._toolbar.sig_clear.connect(self.clear_selection)
        self._view = MapViewBox()
        self._plot_widget = pg.PlotWidget(viewBox=self._view, background=palette.BACKGROUND)
        self._plot = self._plot_widget.getPlotItem()
        palette.style_plot(self._plot)
        self.set_axis_labels("PC 1", "PC 2")
        self._global_item = pg.ImageItem(axisOrder="row-major")
        self._local_item = pg.ImageItem(axisOrder="row-major")
        self._selected = pg.ScatterPlotItem(pxMode=True, size=10, hoverable=False)
        self._current_item = pg.ScatterPlotItem(pxMode=True, hoverable=False)
        self._shape_item = QGraphicsPathItem()
        self._shape_item.setPen(palette.pen(palette.MARKER, 1.2, Qt.PenStyle.DashLine))
        fill = QColor(palette.SELECTION)
        fill.setAlpha(40)
        self._shape_item.setBrush(QBrush(fill))
        layers = (self._global_item, self._local_item, self._shape_item)
        for z, item in enumerate((*layers, self._selected, self._current_item)):
            item.setZValue(z if z < 3 else z + 2)
            self._view.addItem(item, ignoreBounds=True)
        self._base = GroupedScatter(self._view, z=1.5)
        # What the background layer shows now: (rows, colour codes, (mode, size, colours)).
        self._base_drawn: tuple[np.ndarray, np.ndarray, tuple[str, int, int]] | None = None
        self._marked = GroupedScatter(self._view, z=3)

        self._legend = MapLegend()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addWidget(self._toolbar)
        layout.addWidget(self._plot_widget, 1)
        layout.addWidget(self._legend)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self._refresh)
        self._view.sigRangeChanged.connect(self._timer.start)
        self._view.sigResized.connect(self._timer.start)
        self._plot_widget.scene().sigMouseClicked.connect(self._on_scene_clicked)
        self._view.sig_shape_drawn.connect(self._on_shape_drawn)
        self._view.sig_shape_preview.connect(self._on_shape_preview)
        self._update_status()

    # ---- API -------------------------------------------------------------------------------
    def set_points(self, xy: np.ndarray) -> None:
        """New coordinates for every sample (index = row position).

        Colours and labelled markers are kept when the number of points is unchanged
        (a new projection of the same rows) and reset otherwise; the selection is
        cleared without emitting.
        """
        xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        same_rows = len(xy) == len(self._x)
        self._x = np.ascontiguousarray(np.nan_to_num(xy[:, 0]))
        self._y = np.ascontiguousarray(np.nan_to_num(xy[:, 1]))
        n = len(self._x)
        if n:
            x0, x1 = float(self._x.min()), float(self._x.max())
            y0, y1 = float(self._y.min()), float(self._y.max())
            dx, dy = max(x1 - x0, 1e-9) * 0.01, max(y1 - y0, 1e-9) * 0.01
            self._bounds = (x0 - dx, x1 + dx, y0 - dy, y1 + dy)
        if not same_rows:
            self._rank = np.random.default_rng(0).permutation(n)
            self._codes = np.full(n, len(self._classes), dtype=np.int64)
            self._cache.clear()
            self._set_labelled(np.zeros(0, dtype=np.int64))
        self._selection = np.zeros(0, dtype=np.int64)
        self._base_drawn = None  # new coordinates: the background is drawn again
        self._set_path(QPainterPath())
        if self._current is not None and self._current >= n:
            self._current = None
        self._global = None
        self._bins = None  # binned by the old coordinates
        self.reset_view()
        self._draw_current()

    def set_colors(self, values: np.ndarray, mode: str, classes: list[str] | None) -> None:
        """Colour every point: class indices (-1 = none) or uncertainty in [0, 1].

        In "label" mode the points with a label (>= 0) become the labelled markers,
        which are drawn on top in every mode.
        """
        self._check_mode(mode, COLOR_MODES)
        values = np.asarray(values)
        if len(values) != len(self._x):
            raise ValueError(f"{len(values)} colour values for {len(self._x)} points")
        self._cache[mode] = (values, list(classes) if classes is not None else None)
        self._apply_colors(mode, values, classes)

    def set_labelled(self, positions: np.ndarray) -> None:
        """Which rows carry a label, when colouring by prediction or uncertainty."""
        self._set_labelled(np.asarray(positions, dtype=np.int64))
        self._refresh()

    def set_current(self, position: int | None) -> None:
        """Ring the sample being labelled (None: no ring)."""
        if position is not None and not 0 <= position < len(self._x):
            position = None
        self._current = position
        self._draw_current()

    def color_mode(self) -> str:
        """The mode chosen in the combo (the colours may still be the previous mode's)."""
        return self._toolbar.combo.currentText()

    def set_color_mode(self, mode: str) -> None:
        """Switch the combo; emits ``sig_color_mode_changed`` when the mode changes."""
        self._check_mode(mode, COLOR_MODES)
        self._toolbar.combo.setCurrentText(mode)

    def allow_color_modes(self, modes: tuple[str, ...], why: str = "") -> None:
        """Offer only ``modes``; a current mode no longer offered falls back to the first."""
        self._toolbar.allow_modes(modes, why)
        if self.color_mode() not in modes:
            self.set_color_mode(modes[0])

    def allowed_color_modes(self) -> list[str]:
        combo = self._toolbar.combo
        model = combo.model()
        return [
            combo.itemText(i)
            for i in range(combo.count())
            if model.item(i).isEnabled()  # type: ignore[attr-defined]
        ]

    def selection_mode(self) -> str:
        return self._view.mode

    def set_selection_mode(self, mode: str) -> None:
        """What a left drag does: "pan", "rectangle" or "lasso"."""
        self._check_mode(mode, SELECTION_MODES)
        self._view.mode = mode
        self._toolbar.buttons[mode].setChecked(True)

    def select_rect(self, x0: float, y0: float, x1: float, y1: float, add: bool = False) -> None:
        """Select the points inside a rectangle (data coordinates) and emit the selection."""
        xa, xb = sorted((float(x0), float(x1)))
        ya, yb = sorted((float(y0), float(y1)))
        hits = np.flatnonzero(render.in_rect(self._x, self._y, (xa, xb, ya, yb)))
        self._commit_selection(hits, np.array([[xa, ya], [xb, ya], [xb, yb], [xa, yb]]), add)

    def select_polygon(self, points: np.ndarray, add: bool = False) -> None:
        """Select the points inside a polygon ((m, 2) data coordinates) and emit the selection."""
        vertices = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        if len(vertices) < 3:
            if not add:
                self.clear_selection()
            return
        hits = np.flatnonzero(render.points_in_polygon(self._x, self._y, vertices))
        self._commit_selection(hits, vertices, add)

    def clear_selection(self) -> None:
        self.set_selection(np.zeros(0, dtype=np.int64))
        self.sig_selection_changed.emit(self._selection.copy())

    def selection(self) -> np.ndarray:
        return self._selection.copy()

    def set_selection(self, positions: np.ndarray) -> None:
        """Show a selection made elsewhere (a table) without emitting it back."""
        positions = np.unique(np.asarray(positions, dtype=np.int64))
        self._selection = positions[(positions >= 0) & (positions < len(self._x))]
        self._set_path(QPainterPath())
        self._draw_selection()

    def set_axis_labels(self, x: str, y: str) -> None:
        self._plot.setLabel("bottom", esc(x), **palette.axis_label_style())
        self._plot.setLabel("left", esc(y), **palette.axis_label_style())

    def reset_view(self) -> None:
        """Fit the view to all points."""
        x0, x1, y0, y1 = self._bounds
        self._view.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0.02)
        self._refresh()

    def is_density_shown(self) -> bool:
        return self._density_source is not None

    def drawn_point_count(self) -> int:
        """How many points the scatter items hold now (labelled markers included)."""
        return self._drawn

    def legend_texts(self) -> list[str]:
        return self._legend.texts()

    def plot_widget(self) -> pg.PlotWidget:
        return self._plot_widget

    # ---- colours ---------------------------------------------------------------------------
    @staticmethod
    def _check_mode(mode: str, allowed: tuple[str, ...]) -> None:
        if mode not in allowed:
            raise ValueError(f"Unknown mode {mode!r}; use one of {', '.join(allowed)}")

    def _apply_colors(self, mode: str, values: np.ndarray, classes: list[str] | None) -> None:
        if mode != "uncertainty":
            if classes is None:
                top = int(values.max()) + 1 if len(values) else 0
                classes = [str(i) for i in range(max(top, 0))]
            self._classes = list(classes)
        if mode == "label":
            self._set_labelled(np.flatnonzero(values >= 0))
        self._mode = mode
        self._codes = render.color_codes(values, mode, len(self._classes), LEVELS)
        self._toolbar.show_color_mode(mode)
        self._legend.show_mode(mode, self._classes)
        self._global = None
        self._refresh()

    def _set_labelled(self, positions: np.ndarray) -> None:
        n = len(self._x)
        self._labelled = np.unique(positions[(positions >= 0) & (positions < n)])
        self._is_labelled = np.zeros(n, dtype=bool)
        self._is_labelled[self._labelled] = True

    def _table(self) -> np.ndarray:
        if self._mode == "uncertainty":
            return palette.uncertainty_lut(LEVELS)
        return palette.class_colors_rgba(len(self._classes))

    def _brushes(self) -> list[QBrush]:
        return [pg.mkBrush(int(r), int(g), int(b), int(a)) for r, g, b, a in self._table()]

    def _on_mode_combo(self, mode: str) -> None:
        """Show the last colours given for ``mode`` at once; the owner then sends fresh ones."""
        if mode in self._cache:
            self._apply_colors(mode, *self._cache[mode])
        self.sig_color_mode_changed.emit(mode)

    # ---- drawing ---------------------------------------------------------------------------
    def _view_geometry(self) -> tuple[render.Rect, float, float]:
        """The visible data rectangle and its size in pixels (a default before first show)."""
        (vx0, vx1), (vy0, vy1) = self._view.viewRange()
        w, h = self._view.width(), self._view.height()
        return (vx0, vx1, vy0, vy1), (w if w > 20 else 600.0), (h if h > 20 else 400.0)

    def _refresh(self) -> None:
        """Redraw the background layer for the current view range, then the markers."""
        self._timer.stop()
        view, px_w, px_h = self._view_geometry()
        vx0, vx1, vy0, vy1 = view
        mw, mh = 0.5 * (vx1 - vx0), 0.5 * (vy1 - vy0)
        near_mask = render.in_rect(self._x, self._y, (vx0 - mw, vx1 + mw, vy0 - mh, vy1 + mh))
        idx: np.ndarray | None = np.flatnonzero(near_mask)
        if idx is not None and idx.size > MAX_SCATTER:
            inside = np.flatnonzero(render.in_rect(self._x, self._y, view))
            idx = inside if inside.size <= MAX_SCATTER else None
        brushes = self._brushes()
        if idx is None:
            self._show_density(view, px_w, px_h)
            self._base.clear()
            self._base_drawn = None
        else:
            self._global_item.setVisible(False)
            self._local_item.setVisible(False)
            self._density_source = None
            self._draw_base(idx, brushes)
        marked = self._labelled
        if marked.size > MAX_MARKED:
            marked = render.stable_subsample(marked[near_mask[marked]], self._rank, MAX_MARKED)
        outline = pg.mkPen(255, 255, 255, 230) if self._mode == "label" else pg.mkPen(40, 40, 40)
        codes = self._codes[marked]
        self._marked.set_points(self._x[marked], self._y[marked], codes, brushes, 7, outline)
        # Labelled points are drawn again over the background: count each point once.
        self._drawn = int(marked.size if idx is None else np.union1d(idx, marked).size)
        self._draw_selection()

    def _draw_base(self, idx: np.ndarray, brushes: list[QBrush]) -> None:
        """The background points; left as they are when nothing they show has changed.

        Coloured by label, every background point is drawn grey, and the labelled ones
        again in colour on top, so a new label (a key press) changes only the
        labelled markers: the thousands of background points are not set again.
        """
        if self._mode == "label":
            codes = np.full(idx.size, len(self._classes), dtype=self._codes.dtype)
        else:
            codes = self._codes[idx]
        size = 3 if self._mode == "label" else 5
        last = self._base_drawn
        if (
            last is not None
            and last[2] == (self._mode, size, len(brushes))
            and np.array_equal(last[0], idx)
            and np.array_equal(last[1], codes)
        ):
            return
        self._base.set_points(self._x[idx], self._y[idx], codes, brushes, size)
        self._base_drawn = (idx, codes, (self._mode, size, len(brushes)))

    def _show_density(self, view: render.Rect, px_w: float, px_h: float) -> None:
        """The whole-data image, plus a sharper one near the view once its bins exceed ~1.5 px.

        The whole-data image stays underneath, so panning past the sharp one shows
        coarse density rather than a blank until the debounced refresh arrives.
        """
        ordinal = self._mode == "uncertainty"
        table = self._table()
        if self._global is None:
            shape = (int(min(2 * px_w, 2048)), int(min(2 * px_h, 2048)))
            image = self._global_image(table, shape, ordinal)
            self._global = (image, self._bounds, shape)
            self._set_image(self._global_item, image, self._bounds)
        self._global_item.setVisible(True)
        _, rect, shape = self._global
        vx0, vx1, vy0, vy1 = view
        if (rect[1] - rect[0]) / shape[0] <= 1.5 * (vx1 - vx0) / px_w:
            self._local_item.setVisible(False)
            self._density_source = "global"
            return
        mw, mh = 0.25 * (vx1 - vx0), 0.25 * (vy1 - vy0)
        near = (vx0 - mw, vx1 + mw, vy0 - mh, vy1 + mh)
        shape = (int(1.5 * px_w), int(1.5 * px_h))
        # Opaque white where empty, so the coarse image beneath shows only outside this one.
        image = render.density_rgba(
            self._x, self._y, self._codes, table, near, shape, ordinal,
            rank=self._rank, max_points=MAX_LOCAL_DENSITY, background=(255, 255, 255, 255),
        )  # fmt: skip
        self._set_image(self._local_item, image, near)
        self._density_source = "local"

    def _global_image(self, table: np.ndarray, shape: tuple[int, int], ordinal: bool) -> np.ndarray:
        """The whole-data image; categorical colours are recoloured point by point."""
        n = len(self._x)
        if ordinal or len(table) > render.MAX_BINNED_CODES:
            self._bins = None
            return render.density_rgba(
                self._x, self._y, self._codes, table, self._bounds, shape, ordinal
            )
        bins = self._bins
        if bins is not None and bins.matches(table, self._bounds, shape, n):
            bins.recolour(self._codes)
        else:
            bins = self._bins = render.ColourBins(
                self._x, self._y, self._codes, table, self._bounds, shape
            )
        return bins.image.copy()

    @staticmethod
    def _set_image(item: pg.ImageItem, image: np.ndarray, rect: render.Rect) -> None:
        item.setImage(image, autoLevels=False)
        item.setRect(QRectF(rect[0], rect[2], rect[1] - rect[0], rect[3] - rect[2]))
        item.setVisible(True)

    def _draw_selection(self) -> None:
        sel = self._selection
        if not self._selection_path.isEmpty():
            # The drawn shape already shows a mouse selection; rings would bury the colours.
            sel, style = sel[:0], {}
        elif sel.size <= MAX_RINGS:
            style = {"size": 10, "brush": None, "pen": pg.mkPen(26, 26, 26, 200, width=1.2)}
        else:
            sel = render.stable_subsample(sel, self._rank, MAX_RINGS * 8)
            style = {"size": 3, "brush": pg.mkBrush(26, 26, 26, 140), "pen": None}
        self._selected.setData(x=self._x[sel], y=self._y[sel], **style)
        self._update_status()

    def _draw_current(self) -> None:
        if self._current is None:
            self._current_item.setData(x=[], y=[])
            return
        x, y = [self._x[self._current]] * 2, [self._y[self._current]] * 2
        pens = [pg.mkPen("w", width=5), pg.mkPen(palette.MARKER, width=2.5)]
        self._current_item.setData(x=x, y=y, size=[18, 18], pen=pens, brush=[None, None])

    def _update_status(self) -> None:
        parts = [f"{len(self._x):,} points"]
        if self._selection.size:
            parts.append(f"{self._selection.size:,} selected")
        self._toolbar.status.setText(" · ".join(parts))
        dense = self._density_source is not None
        self._legend.set_hint("density view: zoom in to see single points" if dense else "")

    # ---- interaction -----------------------------------------------------------------------
    def _set_path(self, path: QPainterPath) -> None:
        self._selection_path = path
        self._shape_item.setPath(path)

    def _commit_selection(self, hits: np.ndarray, vertices: np.ndarray, add: bool) -> None:
        path = polygon_path(vertices)
        if add:
            hits = np.union1d(self._selection, hits)
            path = self._selection_path.united(path)
        self._selection = np.asarray(hits, dtype=np.int64)
        self._set_path(path)
        self._draw_selection()
        self.sig_selection_changed.emit(self._selection.copy())

    def _on_shape_drawn(self, mode: str, vertices: np.ndarray, add: bool) -> None:
        if mode == "rectangle":
            self.select_rect(vertices[0, 0], vertices[0, 1], vertices[2, 0], vertices[2, 1], add)
        else:
            self.select_polygon(vertices, add)

    def _on_shape_preview(self, vertices: np.ndarray | None) -> None:
        self._shape_item.setPath(
            self._selection_path if vertices is None else polygon_path(vertices)
        )

    def _on_scene_clicked(self, event: object) -> None:
        """Open the point nearest a left click, within 6 pixels."""
        if event.button() != Qt.MouseButton.LeftButton:  # type: ignore[attr-defined]
            return
        scene_pos = event.scenePos()  # type: ignore[attr-defined]
        if not self._view.sceneBoundingRect().contains(scene_pos):
            return
        p = self._view.mapSceneToView(scene_pos)
        view, px_w, px_h = self._view_geometry()
        sx, sy = (view[1] - view[0]) / px_w, (view[3] - view[2]) / px_h
        hit = render.nearest_point(self._x, self._y, p.x(), p.y(), sx, sy, radius=6.0)
        if hit is not None:
            self.sig_point_clicked.emit(hit)
