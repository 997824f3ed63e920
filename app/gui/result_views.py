"""Apply background-job results to the views: models, review ranking, map, curve, stats.

Everything here runs on the GUI thread in small steps (``DeferredSteps``), one per
event-loop turn, so a model arriving never freezes the window. The heavy parts of
a result (each row's predicted class, the ranked suggestions) are made off the
GUI thread before it arrives (``app.gui.model_jobs``, ``app.worker``).
"""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

FOLLOW_UP_DELAY_MS = 1500

if TYPE_CHECKING:
    from PySide6.QtWidgets import QDockWidget

    from app.core.session import LabelingSession
    from app.gui.deferred import DeferredSteps
    from app.gui.label_views import LabelViews
    from app.gui.labeling import LabelController
    from app.gui.model_jobs import ModelJobs
    from app.gui.presenter import SamplePresenter
    from app.gui.views import Views


class JobResultViews(QObject):
    """Connects ``ModelJobs`` signals to the views."""

    sig_ready = Signal()  # the first model (or the news that none can train yet) is shown
    sig_message = Signal(str, str)  # text, level: for the window's banner

    def __init__(
        self,
        session: LabelingSession,
        views: Views,
        jobs: ModelJobs,
        controller: LabelController,
        presenter: SamplePresenter,
        label_views: LabelViews,
        deferred: DeferredSteps,
        docks: dict[str, QDockWidget],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.views = views
        self.jobs = jobs
        self.controller = controller
        self.presenter = presenter
        self.label_views = label_views
        self.deferred = deferred
        self.docks = docks
        self.ready = False
        self._importances_stale = False
        # The learning curve and the review refit the model many times; they start once
        # the expert pauses, so that they never hold up the retrain after the next label.
        self._follow_ups = QTimer(self)
        self._follow_ups.setSingleShot(True)
        self._follow_ups.setInterval(FOLLOW_UP_DELAY_MS)
        self._follow_ups.timeout.connect(self._follow_up)
        jobs.sig_models_updated.connect(self._on_models_updated)
        jobs.sig_state_changed.connect(self.on_model_state)
        jobs.sig_review_ready.connect(self._on_review_ready)
        jobs.sig_projection_ready.connect(self._on_projection)
        jobs.sig_curve_ready.connect(self._on_curve)
        jobs.sig_stats_ready.connect(self._on_stats)
        jobs.sig_failed.connect(lambda text: self.sig_message.emit(text, "error"))
        jobs.sig_worker_lost.connect(lambda text: self.sig_message.emit(text, "warning"))
        docks["review"].visibilityChanged.connect(self._on_review_visible)
        docks["model"].visibilityChanged.connect(self._on_model_dock_visible)
        views.overview.sig_color_mode_changed.connect(lambda _m: self.update_map_colors())
        views.review_queue.sig_refresh_requested.connect(self.request_review)

    def _on_models_updated(self, current: bool) -> None:
        """A model arrived: refresh the views in small steps, one per event-loop turn."""
        d = self.deferred
        d.later("predictions", self.push_all_predictions)
        d.later("suggestions", self._refresh_after_model)
        if self.views.overview.color_mode() != "label":  # label colours do not need the model
            d.later("map", self.update_map_colors)
        d.later("importances", self.show_importances)
        d.later("follow-ups", lambda: self._after_model(current))

    def push_all_predictions(self) -> None:
        for t in self.session.targets:
            self.push_predictions(t)

    def push_predictions(self, target: str) -> None:
        self.views.table.set_predictions(
            target, self.jobs.predicted.get(target), self.jobs.confidence.get(target)
        )

    def update_map_colors(self) -> None:
        self.label_views.update_map_colors()

    def _refresh_after_model(self) -> None:
        c = self.controller
        c.refresh_suggestions()
        if c.active != "suggestions":
            c.show(c.current)  # new prediction and explanation for the sample on screen

    def show_importances(self) -> None:
        """Redraw the model panel only when it can be seen (and once it is shown again)."""
        if not self.docks["model"].isVisible():
            self._importances_stale = True
            return
        self._importances_stale = False
        target = self.controller.target
        self.views.model_panel.set_importances(self.session.importances(target))
        monitor = self.jobs.stops.get(target)
        if monitor is not None:
            self.views.model_panel.set_stop_signal(monitor.message(), monitor.should_stop())

    def _on_model_dock_visible(self, visible: bool) -> None:
        if visible and self._importances_stale:
            self.deferred.later("importances", self.show_importances)

    def _after_model(self, current: bool) -> None:
        if not self.ready:  # the first model (or the news that none can train yet) is in
            self.ready = True
            # interpret and scikit-learn are loaded now (to unpickle the models): move
            # everything alive to the permanent generation so a full garbage collection
            # (100-200 ms, holding the GIL) never scans them again while the expert labels.
            gc.freeze()
            self.sig_ready.emit()
        if not current or self.jobs.retrain_coming():
            return  # a newer model is coming; the slow follow-ups wait for it
        self._follow_ups.start()

    def _follow_up(self) -> None:
        session, target = self.session, self.controller.target
        if self.jobs.retrain_coming():
            return  # labels came meanwhile: the next model brings the follow-ups
        if session.model(target) is not None:
            self.jobs.request_curve(target)
        if self.docks["review"].isVisible():
            last = self.jobs.review_labels.get(target)
            if self.jobs.review_wanted or last is None or session.labels_version - last >= 10:
                self.request_review()

    def request_review(self) -> None:
        target = self.controller.target
        self.views.review_queue.set_status(
            f"Checking the labels of {target} with out-of-fold models…"
        )
        self.jobs.request_review(target)

    def on_model_state(self, state: str) -> None:
        model = self.session.model(self.controller.target)
        detail = "" if model is None else f"{model.n_labels} labels, fit {model.fit_seconds:.1f} s"
        self.views.model_status.set_state(state, detail)

    def _on_review_ready(self, target: str) -> None:
        if target == self.controller.target:
            self.controller.set_review_entries(self.jobs.review_entries(target))
            self.review_status(target)

    def review_status(self, target: str) -> None:
        result = self.jobs.review_results.get(target)
        if result is None:
            self.views.review_queue.set_status("Not checked yet: press F6 or open this tab.")
            return
        flagged = sum(1 for item in result.items if item.flagged)
        self.views.review_queue.set_status(
            f"{len(result.items)} labels cross-checked; {flagged} look wrong (flagged first)."
        )

    def _on_review_visible(self, visible: bool) -> None:
        if visible and self.controller.target not in self.jobs.review_results:
            self.request_review()

    def _on_projection(self, xy: np.ndarray) -> None:
        if len(xy) != self.session.n_rows:
            return
        overview = self.views.overview
        overview.set_points(xy)
        overview.set_axis_labels("PC 1", "PC 2")
        self.update_map_colors()
        overview.set_current(self.controller.current)

    def _on_curve(self, target: str, result: Any) -> None:
        if target == self.controller.target and result is not None:
            panel = self.views.model_panel
            panel.set_learning_curve(result.sizes, result.means, result.stds)
            a = result.accuracy
            if a is None:
                panel.set_accuracy(None, 0.0, 1.0, 0)
            else:
                panel.set_accuracy(a.accuracy, a.low, a.high, a.n)

    def _on_stats(self, stats: Any) -> None:
        self.presenter.stats = stats
        self.controller.show(self.controller.current)
