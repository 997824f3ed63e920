"""The window's views, built once and handed to the helpers that fill them.

Helpers (the label controller, the sample presenter, the result views, the docks)
receive these widgets and the session's label stream, never the main window: the
window builds them, they never reach back into it, and ``app.gui`` imports run one
way (``main_window`` → helpers → ``views``).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import QLabel

from app.gui.errors import MessageBanner
from app.gui.status import ModelStatusLabel
from widgets.contributions_chart import ContributionChart
from widgets.label_bar import LabelBar
from widgets.model_panel import ModelPanel
from widgets.overview_map import OverviewMap
from widgets.review_queue import ReviewQueue
from widgets.sample_view import SampleView
from widgets.samples_table import SamplesTable
from widgets.shape_curve import ShapeCurveWidget
from widgets.suggestion_queue import SuggestionQueue
from widgets.text import plain_label


@dataclass
class Views:
    """Every widget that shows the session's state."""

    table: SamplesTable
    sample_view: SampleView
    label_bar: LabelBar
    chart: ContributionChart
    shape: ShapeCurveWidget
    suggestion_queue: SuggestionQueue
    review_queue: ReviewQueue
    overview: OverviewMap
    model_panel: ModelPanel
    banner: MessageBanner
    model_status: ModelStatusLabel
    counts_label: QLabel

    @classmethod
    def build(cls) -> Views:
        return cls(
            table=SamplesTable(),
            sample_view=SampleView(),
            label_bar=LabelBar(),
            chart=ContributionChart(),
            shape=ShapeCurveWidget(),
            suggestion_queue=SuggestionQueue(),
            review_queue=ReviewQueue(),
            overview=OverviewMap(),
            model_panel=ModelPanel(),
            banner=MessageBanner(),
            model_status=ModelStatusLabel(),
            counts_label=plain_label(),
        )
