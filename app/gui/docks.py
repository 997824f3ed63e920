"""The docks of the main window and their default arrangement.

Default layout at 1600×1000, from left to right: the suggestions queue; the
sample with the label bar beneath it; the contributions chart over the shape
curve, tabbed with the review queue and the team's conflicts queue and agreement
view (the tallest place: a kappa matrix beside a confusion matrix needs room).
Along the bottom: the samples table, the overview map and the model panel. The
team docks open by default on a team project only.
Object names are stable because ``saveState`` keys on them (bump
``LAYOUT_VERSION`` when they change).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QSplitter, QVBoxLayout, QWidget

if TYPE_CHECKING:
    from app.gui.window_api import Window

DOCKS = {
    "suggestions": "Suggestions",
    "sample": "Sample",
    "explain": "Why the model thinks so",
    "review": "Review labels",
    "table": "Samples",
    "overview": "Overview map",
    "model": "Model",
    "conflicts": "Conflicts",
    "agreement": "Agreement",
}
TEAM_DOCKS = ("conflicts", "agreement")


def _wrap(*widgets: QWidget, stretch: tuple[int, ...] = ()) -> QWidget:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    for i, widget in enumerate(widgets):
        layout.addWidget(widget, stretch[i] if i < len(stretch) else 0)
    return box


def build_docks(w: Window) -> dict[str, QDockWidget]:
    """One dock per view; the window's widgets must exist already."""
    from widgets.agreement_view import AgreementView
    from widgets.conflicts_queue import ConflictsQueue

    explain = QSplitter(Qt.Orientation.Vertical)
    explain.setObjectName("explainSplitter")
    explain.addWidget(w.views.chart)
    explain.addWidget(w.views.shape)
    explain.setStretchFactor(0, 3)
    explain.setStretchFactor(1, 2)
    explain.setChildrenCollapsible(False)
    contents = {
        "suggestions": w.views.suggestion_queue,
        "sample": _wrap(w.views.sample_view, w.views.label_bar, stretch=(1, 0)),
        "explain": explain,
        "review": w.views.review_queue,
        "table": w.views.table,
        "overview": w.views.overview,
        "model": w.views.model_panel,
        "conflicts": ConflictsQueue(),
        "agreement": AgreementView(),
    }
    docks = {}
    for key, title in DOCKS.items():
        dock = QDockWidget(title, w)
        dock.setObjectName(f"dock_{key}")
        dock.setWidget(contents[key])
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        docks[key] = dock
    return docks


def apply_default_layout(w: Window, docks: dict[str, QDockWidget]) -> None:
    """Place every dock where a first-day expert finds it (also 'Reset layout')."""
    for dock in docks.values():
        dock.setFloating(False)
        w.removeDockWidget(dock)
    left, bottom = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.BottomDockWidgetArea
    horizontal = Qt.Orientation.Horizontal
    w.addDockWidget(left, docks["suggestions"])
    w.splitDockWidget(docks["suggestions"], docks["sample"], horizontal)
    w.splitDockWidget(docks["sample"], docks["explain"], horizontal)
    w.tabifyDockWidget(docks["explain"], docks["review"])
    w.tabifyDockWidget(docks["review"], docks["conflicts"])
    w.tabifyDockWidget(docks["conflicts"], docks["agreement"])
    w.addDockWidget(bottom, docks["table"])
    w.splitDockWidget(docks["table"], docks["overview"], horizontal)
    w.splitDockWidget(docks["overview"], docks["model"], horizontal)
    show_docks(w, docks)
    docks["explain"].raise_()
    size_docks(w, docks)


def show_docks(w: Window, docks: dict[str, QDockWidget]) -> None:
    """Every dock, the team's only on a team project (View lists them for anybody)."""
    from app.gui.team_window import is_team_project

    team = is_team_project(w.session)
    for key, dock in docks.items():
        dock.setVisible(team or key not in TEAM_DOCKS)


def size_docks(w: Window, docks: dict[str, QDockWidget]) -> None:
    """The default proportions; call again once the window is shown (sizes need a layout)."""
    horizontal, vertical = Qt.Orientation.Horizontal, Qt.Orientation.Vertical
    width = max(w.width(), 1200)
    height = max(w.height(), 800)
    w.resizeDocks(
        [docks["suggestions"], docks["sample"], docks["explain"]],
        [int(width * 0.22), int(width * 0.33), int(width * 0.45)],
        horizontal,
    )
    w.resizeDocks(
        [docks["table"], docks["overview"], docks["model"]],
        [int(width * 0.5), int(width * 0.25), int(width * 0.25)],
        horizontal,
    )
    w.resizeDocks(
        [docks["sample"], docks["table"]], [int(height * 0.6), int(height * 0.34)], vertical
    )
