"""Push session state into the widgets: one sample, one target's columns, the map colours.

The widgets know nothing about ``LabelingSession``; this module is the only
place that reads the session on their behalf. Everything here is fast (a few
milliseconds at most on the demo) because it runs on every key press.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from app.gui import team_blind
from app.gui.sample_facts import ColumnStats, facts_for, main_effects, row_image
from widgets.samples_table_model import TargetArrays
from widgets.text import esc

if TYPE_CHECKING:
    from app.core.session import LabelingSession
    from app.gui.deferred import DeferredSteps
    from app.gui.model_jobs import ModelJobs
    from app.gui.views import Views
    from models.ebm import Contributions

SOURCE_WORD = {
    "human": "you",
    "suggestion": "accepted",
    "import": "data file",
    "undo": "you",
    "redo": "you",
    "auto": "auto",
}


def target_arrays(session: LabelingSession, target: str) -> TargetArrays:
    """Every row's label, unsure flag and source for ``target`` (events of labelled rows only)."""
    n = session.n_rows
    labels = np.empty(n, dtype=object)
    sources = np.empty(n, dtype=object)
    unsure = np.zeros(n, dtype=bool)
    for key, event in session.store.current(target).items():
        try:
            pos = session.position(key)
        except Exception:  # an id no longer in the data
            continue
        state = event.state
        labels[pos] = state.label
        unsure[pos] = state.unsure
        if state.label is not None or state.unsure:
            sources[pos] = team_blind.who(session, event)
    return team_blind.visible_arrays(session, target, TargetArrays(labels, unsure, sources))


def binary_focus(classes: list[str]) -> str | None:
    """For two classes, always explain the second ('yes', '1', 'True'): a stable reading."""
    return classes[-1] if len(classes) == 2 else None


def label_summary(
    session: LabelingSession,
    position: int,
    current: str,
    predicted: dict[str, np.ndarray],
    confidence: dict[str, np.ndarray],
) -> str:
    """Rich text: every target's label (or the model's guess) for one sample."""
    row_id = session.row_id_at(position)
    parts = []
    for t in session.targets:
        state = session.label_state(row_id, t)
        name = f"<b>{esc(t)}</b>" if t == current else esc(t)
        if team_blind.hides(session, position, t):
            text = f"{name}: <span style='color:#8a8a8a'>hidden until you label it (blind)</span>"
        elif state.label is not None:
            event = session.label_event(row_id, t)
            source = team_blind.who(session, event) if event else ""
            who = esc(SOURCE_WORD.get(source, source))
            text = f"{name}: <b>{esc(state.label)}</b> <span style='color:#8a8a8a'>({who})</span>"
        elif t in predicted:
            conf = 100 * float(confidence[t][position])
            text = (
                f"{name}: <span style='color:#8a8a8a'>model says {esc(predicted[t][position])} "
                f"{conf:.0f}%</span>"
            )
        else:
            text = f"{name}: —"
        if state.unsure:
            text += " <span style='color:#B35C00'>unsure</span>"
        parts.append(text)
    return " &nbsp;·&nbsp; ".join(parts)


class SamplePresenter:
    """Shows one sample of one target in the sample view, label bar, chart and shape curve.

    It receives the views, the jobs (for predictions) and the deferred-step queue, not
    the window; the sample it shows is the one last passed to ``show``.
    """

    def __init__(
        self, session: LabelingSession, views: Views, jobs: ModelJobs, deferred: DeferredSteps
    ) -> None:
        self.session = session
        self.views = views
        self.jobs = jobs
        self.deferred = deferred
        self.stats: ColumnStats | None = None
        self.shape_feature: str | None = None
        self._shown: tuple[int | None, str] | None = None
        self._review_entry: Any = None
        self._contrib_cache: tuple[Any, Contributions | None] | None = None

    def contributions(self, position: int, target: str) -> Contributions | None:
        model = self.session.model(target)
        if model is None or team_blind.hides(self.session, position, target):
            return None
        key = (id(model), target, position)
        if self._contrib_cache is not None and self._contrib_cache[0] == key:
            return self._contrib_cache[1]
        contrib = self.session.contributions(self.session.row_id_at(position), target)
        self._contrib_cache = (key, contrib)
        return contrib

    def chart_class(self, target: str) -> str | None:
        return binary_focus(list(self.session.schema.target(target).classes))

    def show(
        self,
        position: int | None,
        target: str,
        suggested: str | None,
        context: str,
        paint_now: bool = False,
        review_entry: Any = None,
    ) -> None:
        """Stage one, inside the key press: the values and the label bar, from memory.

        With ``paint_now`` (a key press or a click) they are painted before this
        returns. The explanation (chart, shape curve, map ring) follows one
        event-loop turn later. ``review_entry`` is the review item being shown, if any.
        """
        v = self.views
        self._shown = (position, target)
        self._review_entry = review_entry
        if position is None:
            v.sample_view.clear("Nothing left to label here: pick another strategy or target.")
            v.label_bar.set_state(None, False, None, None, context=context, enabled=False)
            self.deferred.later("details", lambda: self._details(None, target))
            return
        session = self.session
        row_id = session.row_id_at(position)
        cached = self._cached_contributions(position, target)
        cls = self.chart_class(target)
        facts = facts_for(session, position, target, self.stats, cached, cls)
        state = team_blind.visible_state(
            session, position, target, session.label_state(row_id, target)
        )
        jobs = self.jobs
        subtitle = f"row {position + 1:,} of {session.n_rows:,} &nbsp;·&nbsp; " + label_summary(
            session, position, target, jobs.predicted, jobs.confidence
        )
        v.sample_view.set_sample(str(row_id), subtitle, facts, row_image(session, position))
        confidence = None
        if suggested is not None and target in jobs.confidence and review_entry is None:
            confidence = float(jobs.confidence[target][position])
        v.label_bar.set_state(state.label, state.unsure, suggested, confidence, context=context)
        if paint_now and v.sample_view.isVisible():
            # Paint the new sample now, inside the key press, before the slower views.
            v.sample_view.repaint()
            v.label_bar.repaint()
        self.deferred.later("details", lambda: self._details(position, target))

    def _still_shown(self, position: int | None, target: str) -> bool:
        return self._shown == (position, target)

    def _details(self, position: int | None, target: str) -> None:
        """Stage two: why the model thinks so, for the sample still on screen."""
        v = self.views
        if not self._still_shown(position, target):
            return  # the expert moved on; a newer request is queued
        v.overview.set_current(position)
        if position is None:
            v.chart.set_contributions(None, None)
            v.shape.set_curve(None, None)
            return
        self.contributions(position, target)  # computed here, drawn in the next turn
        self.deferred.later("chart", lambda: self._chart_step(position, target))

    def _chart_step(self, position: int, target: str) -> None:
        v = self.views
        if not self._still_shown(position, target):
            return
        contrib = self.contributions(position, target)
        cls = self.chart_class(target)
        v.sample_view.set_emphasis(main_effects(contrib, cls))
        v.chart.set_contributions(contrib, cls)
        self.deferred.later("shape", lambda: self._shape_step(position, target))
        on_review = self._review_entry
        if on_review is not None:
            self.deferred.later(
                "comparison",
                lambda: v.review_queue.set_comparison(
                    contrib, str(on_review.given), str(on_review.suggested)
                ),
            )

    def _shape_step(self, position: int, target: str) -> None:
        if not self._still_shown(position, target):
            return
        self._show_shape(
            position, target, self.contributions(position, target), self.chart_class(target)
        )

    def _cached_contributions(self, position: int, target: str) -> Contributions | None:
        model = self.session.model(target)
        if model is None or self._contrib_cache is None:
            return None
        if self._contrib_cache[0] == (id(model), target, position):
            return self._contrib_cache[1]
        return None

    def _show_shape(
        self, position: int, target: str, contrib: Contributions | None, cls: str | None
    ) -> None:
        session = self.session
        spec = session.schema.target(target)
        usable = [*spec.features, *spec.uses_targets]
        feature = self.shape_feature if self.shape_feature in usable else None
        if feature is None and contrib is not None:
            k = (
                contrib.classes.index(cls)
                if cls in contrib.classes
                else int(np.argmax(contrib.proba))
            )
            singles = [t for t in contrib.terms if len(t.features) == 1]
            if singles:
                feature = max(singles, key=lambda t: abs(float(t.scores[k]))).features[0]
        if feature is None or session.model(target) is None:
            self.views.shape.set_curve(None, None)
            return
        self.show_shape(feature, target, position)

    def show_shape(self, feature: str, target: str, position: int | None) -> None:
        session = self.session
        try:
            curve = session.shape_curve(target, feature)
        except KeyError:
            curve = None
        marker = None
        if position is not None and feature in session.data.columns:
            marker = session.data[feature].iloc[position]
            if marker is None:
                marker = float("nan")
        elif position is not None:
            marker = session.label_state(session.row_id_at(position), feature).label
        classes = list(session.schema.target(target).classes)
        cls = self.chart_class(target) or self.views.chart.current_class()  # the chart's class
        self.views.shape.set_curve(curve, cls, marker_value=marker, classes=classes)


def class_codes(values: np.ndarray | None, classes: list[str], n: int) -> np.ndarray:
    """Class index per row (-1 = none) for the map colours; vectorised (no per-row Python)."""
    import pandas as pd

    if values is None:
        return np.full(n, -1, dtype=np.int64)
    index = {c: i for i, c in enumerate(classes)}
    codes = pd.Series(values, dtype=object).map(index)
    return codes.fillna(-1).to_numpy(dtype=np.int64)
