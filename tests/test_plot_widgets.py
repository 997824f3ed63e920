"""The plot widgets show real content for real models, and their clicks say what was clicked.

Each test also saves what it drew to /tmp/widgets_*.png, to be looked at by a person.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QBrush
from sklearn.datasets import load_breast_cancer

from models.ebm import (
    Contributions,
    EBMSettings,
    explain_rows,
    fit_ebm,
    global_importances,
    shape_curve,
)
from widgets.contributions_chart import ContributionChart, ContributionComparison
from widgets.model_panel import ModelPanel
from widgets.overview_map import MAX_SCATTER, OverviewMap
from widgets.shape_curve import ShapeCurveWidget

CLASSES = ["benign", "malignant"]


@dataclass
class Fitted:
    X: pd.DataFrame
    ebm: Any
    contribs: list[Contributions]


@pytest.fixture(scope="module")
def fitted() -> Fitted:
    """A tiny EBM with two pairs on breast cancer; row 0 misses its 'worst area'."""
    data = load_breast_cancer(as_frame=True)
    X = data.data.copy()
    y = np.where(data.target.to_numpy() == 1, "benign", "malignant").astype(object)
    X.loc[X.index[:25], "worst area"] = np.nan
    settings = EBMSettings.tiny()
    settings.interactions = 2
    ebm = fit_ebm(X, y, ["continuous"] * X.shape[1], settings)
    return Fitted(X, ebm, explain_rows(ebm, X.iloc[:3], CLASSES))


def _show(qtbot: Any, widget: Any, w: int, h: int) -> None:
    qtbot.addWidget(widget)
    widget.resize(w, h)
    widget.show()
    qtbot.waitExposed(widget)


def _save(qtbot: Any, widget: Any, name: str) -> None:
    """Let pending layout run, then save what a person would see."""
    qtbot.wait(30)
    assert widget.grab().save(f"/tmp/widgets_{name}.png")


def _click_view(qtbot: Any, plot_widget: Any, view_point: QPointF) -> None:
    """A real left click at a point given in the plot's view (data) coordinates."""
    vb = plot_widget.getPlotItem().getViewBox()
    scene = vb.mapViewToScene(view_point)
    pos = plot_widget.mapFromScene(scene)
    qtbot.mouseClick(plot_widget.viewport(), Qt.MouseButton.LeftButton, pos=pos)


# ---- contribution chart -----------------------------------------------------------------------
def test_chart_bars_header_intercept_and_click(qtbot: Any, fitted: Fitted) -> None:
    contrib = fitted.contribs[1]
    chart = ContributionChart()
    _show(qtbot, chart, 640, 520)
    chart.set_contributions(contrib, "malignant")
    rows = chart.rows()
    terms = [r for r in rows if r.kind == "term"]
    assert len(terms) == 15
    assert [r.kind for r in rows[-2:]] == ["other", "intercept"]
    assert len(chart._bars.opts["width"]) == len(rows) == 17
    assert [v.text for v in chart.value_labels()] == [f"{r.value:+.2f}" for r in rows]
    assert all(
        v.rightwards == (r.value >= 0) for v, r in zip(chart.value_labels(), rows, strict=True)
    )
    items = len(chart.plot_widget().getPlotItem().items)
    chart.set_contributions(fitted.contribs[0], "benign")  # the next sample reuses the items
    assert len(chart.plot_widget().getPlotItem().items) == items
    chart.set_contributions(contrib, "malignant")
    magnitudes = [abs(r.value) for r in terms]
    assert magnitudes == sorted(magnitudes, reverse=True)
    assert all(r.y < rows[-2].y for r in terms)  # the largest is on top (y inverted)
    assert chart.header_text() == f"P(malignant) = {contrib.proba[1]:.2f}"
    assert rows[-1].value == pytest.approx(contrib.intercept[1])
    assert " = " in terms[0].label
    # The bars add up to the model's log-odds (binary: logit of the probability).
    p = contrib.proba[1]
    assert sum(r.value for r in rows) == pytest.approx(np.log(p / (1 - p)), abs=1e-4)
    _save(qtbot, chart, "contributions")

    with qtbot.waitSignal(chart.sig_term_clicked, timeout=1000) as blocker:
        _click_view(qtbot, chart.plot_widget(), chart.bar_center(terms[2]))
    assert blocker.args == [terms[2].feature]
    # Clicking the label on the axis opens the same feature.
    vb = chart.plot_widget().getPlotItem().getViewBox()
    axis = chart.plot_widget().getPlotItem().getAxis("left")
    y_scene = vb.mapViewToScene(QPointF(0, terms[0].y)).y()
    label_pos = QPointF(axis.sceneBoundingRect().center().x(), y_scene)
    with qtbot.waitSignal(chart.sig_term_clicked, timeout=1000) as blocker:
        qtbot.mouseClick(
            chart.plot_widget().viewport(),
            Qt.MouseButton.LeftButton,
            pos=chart.plot_widget().mapFromScene(label_pos),
        )
    assert blocker.args == [terms[0].feature]


def test_chart_marks_missing_values_and_pairs(qtbot: Any, fitted: Fitted) -> None:
    chart = ContributionChart(max_terms=40)
    _show(qtbot, chart, 700, 820)
    chart.set_contributions(fitted.contribs[0], None)
    rows = chart.rows()
    assert chart.current_class() == CLASSES[int(np.argmax(fitted.contribs[0].proba))]
    assert not any(r.kind == "other" for r in rows)
    missing = [r for r in rows if r.missing]
    assert "worst area (missing)" in [r.label for r in missing]
    assert all("worst area (missing)" in r.label for r in missing)  # pairs with it too
    brush = chart._bars.opts["brushes"][rows.index(missing[0])]
    assert QBrush(brush).style() == Qt.BrushStyle.BDiagPattern
    assert any(" & " in r.label for r in rows if r.kind == "term")
    before = [r.value for r in rows]
    other = next(c for c in CLASSES if c != chart.current_class())
    chart.set_class(other)
    after = {r.label: r.value for r in chart.rows()}
    assert [after[r.label] for r in rows] == pytest.approx([-v for v in before])
    _save(qtbot, chart, "contributions_all_terms")


def test_chart_placeholder_without_model(qtbot: Any) -> None:
    chart = ContributionChart()
    _show(qtbot, chart, 400, 300)
    chart.set_contributions(None, None)
    assert chart.rows() == []
    assert chart._stack.currentWidget() is chart._placeholder
    assert "No model yet" in chart._placeholder.text()


def test_comparison_titles_shared_scale_and_click(qtbot: Any, fitted: Fitted) -> None:
    comparison = ContributionComparison()
    _show(qtbot, comparison, 1100, 480)
    comparison.set_contributions(fitted.contribs[1], "benign", "malignant")
    assert comparison.given._title.text() == "Given: benign"
    assert comparison.suggested._title.text() == "Suggested: malignant"
    assert comparison.given.header_text().startswith("P(benign) = ")
    given_x = comparison.given.plot_widget().getPlotItem().getViewBox().viewRange()[0]
    suggested_x = comparison.suggested.plot_widget().getPlotItem().getViewBox().viewRange()[0]
    assert given_x == pytest.approx(suggested_x, rel=0.05)
    _save(qtbot, comparison, "comparison")
    row = comparison.suggested.rows()[0]
    with qtbot.waitSignal(comparison.sig_term_clicked, timeout=1000) as blocker:
        _click_view(qtbot, comparison.suggested.plot_widget(), comparison.suggested.bar_center(row))
    assert blocker.args == [row.feature]


# ---- shape curve ------------------------------------------------------------------------------
def test_shape_curve_continuous_with_marker(qtbot: Any, fitted: Fitted) -> None:
    curve = shape_curve(fitted.ebm, "worst area", CLASSES)
    widget = ShapeCurveWidget()
    _show(qtbot, widget, 640, 400)
    value = float(fitted.X["worst area"].iloc[40])
    widget.set_curve(curve, "malignant", value, classes=CLASSES)
    assert widget.title_text() == "Shape of worst area for class malignant"
    xs, ys = widget._line.getData()
    assert len(xs) == 2 * len(curve.scores)
    assert ys[::2] == pytest.approx(curve.scores[:, 1])
    lines = [i for i in widget.plot_item().items if type(i).__name__ == "InfiniteLine"]
    assert any(
        line.angle == 90 and line.isVisible() and line.value() == pytest.approx(value)
        for line in lines
    )
    assert widget.marker_text() is not None and "this sample" in widget.marker_text()
    assert f"{curve.missing_score[1]:+.2f}" in widget.missing_text()
    _save(qtbot, widget, "shape_curve")
    widget.set_curve(curve, "benign", float("nan"))
    assert "this sample" in widget.missing_text()
    assert widget.marker_text() is None  # a missing value has no place on the x axis
    assert widget._line.getData()[1][::2] == pytest.approx(curve.scores[:, 0])


def test_shape_curve_nominal_bars_and_placeholder(qtbot: Any) -> None:
    rng = np.random.default_rng(0)
    n = 400
    tissue = rng.choice(["fatty", "dense", "mixed", "scattered"], n).astype(object)
    y = np.where((tissue == "dense") ^ (rng.random(n) < 0.15), "malignant", "benign").astype(object)
    X = pd.DataFrame({"tissue": tissue, "age": rng.normal(50, 10, n)})
    ebm = fit_ebm(X, y, ["nominal", "continuous"], EBMSettings.tiny())
    curve = shape_curve(ebm, "tissue", CLASSES)
    widget = ShapeCurveWidget()
    _show(qtbot, widget, 560, 360)
    widget.set_curve(curve, "malignant", "dense", classes=CLASSES)
    bars = [
        i for i in widget.plot_item().items if type(i).__name__ == "BarGraphItem" and i.isVisible()
    ]
    assert len(bars) == 1
    assert not widget._line.isVisible() and widget.marker_text() is None
    assert len(bars[0].opts["height"]) == len(curve.x) == 4
    dense = list(curve.x).index("dense")
    assert bars[0].opts["height"][dense] == max(bars[0].opts["height"])
    _save(qtbot, widget, "shape_nominal")
    widget.set_curve(None, None)
    assert widget._stack.currentWidget() is widget._placeholder


# ---- overview map -----------------------------------------------------------------------------
def _blobs(n: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centers = np.array([[-2.0, 0.0], [2.0, 1.0], [0.0, -2.5]])
    lab = rng.integers(0, 3, n)
    return centers[lab] + rng.normal(scale=[1.0, 0.7], size=(n, 2)), lab


def test_map_million_points_draws_density_and_selects(qtbot: Any) -> None:
    n = 1_000_000
    xy, lab = _blobs(n)
    labels = np.full(n, -1)
    labelled = np.random.default_rng(2).choice(n, 300, replace=False)
    labels[labelled] = lab[labelled]
    view = OverviewMap()
    _show(qtbot, view, 900, 600)
    view.set_points(xy)
    view.set_colors(labels, "label", ["alpha", "beta", "gamma"])
    view.set_current(int(labelled[0]))
    assert view.is_density_shown()
    assert view.drawn_point_count() == 300  # only the labelled markers are scatter points
    assert view.legend_texts() == ["alpha", "beta", "gamma", "unlabelled", "current sample"]
    # A new label recolours the binned image rather than binning a million points again.
    bins, image = view._bins, view._global[0].copy()
    assert bins is not None
    new = int(np.flatnonzero(labels < 0)[0])
    labels[new] = 0
    view.set_colors(labels, "label", ["alpha", "beta", "gamma"])
    assert view._bins is bins and int(bins.codes[new]) == 0
    assert np.any(view._global[0] != image)

    with qtbot.waitSignal(view.sig_selection_changed, timeout=2000) as blocker:
        view.select_rect(1.0, 2.0, -1.0, 0.0)
    expected = np.flatnonzero(
        (xy[:, 0] >= -1) & (xy[:, 0] <= 1) & (xy[:, 1] >= 0) & (xy[:, 1] <= 2)
    )
    assert np.array_equal(blocker.args[0], expected)

    triangle = np.array([[-3.0, -1.0], [-1.0, -1.0], [-2.0, 1.5]])
    with qtbot.waitSignal(view.sig_selection_changed, timeout=2000) as blocker:
        view.select_polygon(triangle)
    a, b, c = triangle
    d = (b[1] - c[1]) * (a[0] - c[0]) + (c[0] - b[0]) * (a[1] - c[1])
    l1 = ((b[1] - c[1]) * (xy[:, 0] - c[0]) + (c[0] - b[0]) * (xy[:, 1] - c[1])) / d
    l2 = ((c[1] - a[1]) * (xy[:, 0] - c[0]) + (a[0] - c[0]) * (xy[:, 1] - c[1])) / d
    inside = (l1 > 0) & (l2 > 0) & (1 - l1 - l2 > 0)
    got = np.zeros(n, dtype=bool)
    got[blocker.args[0]] = True
    assert (got != inside).sum() <= 2  # points exactly on an edge may go either way
    assert inside.sum() > 10_000
    _save(qtbot, view, "map_1m")

    view.set_colors(lab, "prediction", ["alpha", "beta", "gamma"])
    view._view.setRange(xRange=(-0.1, 0.1), yRange=(-0.1, 0.1), padding=0)
    view._refresh()
    assert not view.is_density_shown()
    assert 0 < view.drawn_point_count() <= MAX_SCATTER
    with qtbot.waitSignal(view.sig_selection_changed, timeout=1000) as blocker:
        view.clear_selection()
    assert blocker.args[0].size == 0


def test_map_colour_modes_click_and_lasso_drag(qtbot: Any) -> None:
    xy, lab = _blobs(3000, seed=4)
    view = OverviewMap()
    _show(qtbot, view, 760, 520)
    view.set_points(xy)
    labels = np.where(np.arange(3000) % 15 == 0, lab, -1)
    view.set_colors(labels, "label", ["alpha", "beta", "gamma"])
    assert not view.is_density_shown()
    assert view.drawn_point_count() == 3000
    with pytest.raises(ValueError, match="colour values"):
        view.set_colors(labels[:10], "label", None)

    uncertainty = 1 - np.abs(np.tanh(xy[:, 0]))
    with qtbot.waitSignal(view.sig_color_mode_changed, timeout=1000) as blocker:
        view.set_color_mode("uncertainty")
    assert blocker.args == ["uncertainty"]
    assert view.color_mode() == "uncertainty"
    view.set_colors(uncertainty, "uncertainty", None)
    assert view.legend_texts() == ["certain", "uncertain", "current sample"]
    view.set_current(7)
    _save(qtbot, view, "map_uncertainty")

    target = 123
    with qtbot.waitSignal(view.sig_point_clicked, timeout=1000) as blocker:
        _click_view(qtbot, view.plot_widget(), QPointF(*xy[target]))
    assert blocker.args == [target]

    # A lasso drag through the ViewBox's own drag handler selects what it encircles.
    view.set_selection_mode("lasso")
    vb = view._view
    ring = [QPointF(-3.5, -1.5), QPointF(-0.5, -1.5), QPointF(-0.5, 1.5), QPointF(-3.5, 1.5)]
    start = vb.mapFromView(ring[0])
    last = len(ring) - 1
    events = [_FakeDrag(vb.mapFromView(p), start, i == 0, i == last) for i, p in enumerate(ring)]
    with qtbot.waitSignal(view.sig_selection_changed, timeout=1000) as blocker:
        for event in events:
            vb.mouseDragEvent(event)
    box = (xy[:, 0] > -3.5) & (xy[:, 0] < -0.5) & (xy[:, 1] > -1.5) & (xy[:, 1] < 1.5)
    assert np.array_equal(blocker.args[0], np.flatnonzero(box))


class _FakeDrag:
    """The parts of pyqtgraph's MouseDragEvent that MapViewBox reads (item coordinates)."""

    def __init__(self, pos: QPointF, start: QPointF, first: bool, last: bool) -> None:
        self._pos, self._start, self._first, self._last = pos, start, first, last

    def button(self) -> Qt.MouseButton:
        return Qt.MouseButton.LeftButton

    def modifiers(self) -> Qt.KeyboardModifier:
        return Qt.KeyboardModifier.NoModifier

    def isStart(self) -> bool:
        return self._first

    def isFinish(self) -> bool:
        return self._last

    def pos(self) -> QPointF:
        return self._pos

    def buttonDownPos(self) -> QPointF:
        return self._start

    def accept(self) -> None:
        pass


# ---- model panel ------------------------------------------------------------------------------
def test_model_panel_importances_click_and_learning_curve(qtbot: Any, fitted: Fitted) -> None:
    panel = ModelPanel()
    _show(qtbot, panel, 640, 560)
    items = global_importances(fitted.ebm)
    panel.set_importances(items)
    names = panel.importance_names()
    assert len(names) == 20
    assert names == [n for n, _ in items[:20]]
    _save(qtbot, panel, "importances")
    with qtbot.waitSignal(panel.sig_feature_clicked, timeout=1000) as blocker:
        _click_view(qtbot, panel.importance_plot(), QPointF(items[1][1] / 2, 1.0))
    assert blocker.args == [names[1].split(" & ")[0]]

    panel.set_learning_curve([10, 25, 62, 153, 379], [0.81, 0.88, 0.93, 0.95, 0.96],
                             [0.06, 0.04, 0.02, 0.01, 0.01])  # fmt: skip
    panel.show_tab(1)
    y_range = panel.learning_curve_plot().getPlotItem().getViewBox().viewRange()[1]
    assert y_range[0] <= 0.0 and y_range[1] >= 1.0
    _save(qtbot, panel, "learning_curve")
    panel.clear()
    assert panel.importance_names() == []


def test_widgets_survive_minimum_size(qtbot: Any, fitted: Fitted) -> None:
    for widget in (ContributionChart(), ShapeCurveWidget(), OverviewMap(), ModelPanel()):
        _show(qtbot, widget, 10, 10)
        widget.resize(widget.minimumSizeHint())
        assert not widget.grab().isNull()


def test_labels_shorten_names_but_keep_values() -> None:
    from widgets.contribution_rows import short_label

    pair = "mean perimeter = 122.8 & worst smoothness = 0.1622"
    assert short_label(pair, 60) == pair
    assert short_label(pair, 44) == "mean perime… = 122.8 & worst smoo… = 0.1622"
    assert short_label("worst area (missing)", 12) is None  # no room for the name
    assert short_label("a long feature name (missing)", 22) == "a long feat… (missing)"
