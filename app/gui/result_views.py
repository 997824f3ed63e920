"""Apply background-job results to the views: models, review ranking, map, curve, stats.

Everything here runs on the GUI thread in small steps (``DeferredSteps``), so a
model arriving never freezes the window, and it holds the CPU lane while it
redraws so the next fit does not compete with the redraw for the GIL.
"""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QObject, QTimer

from app.gui.model_jobs import CPU
from app.gui.presenter import class_codes

if TYPE_CHECKING:
    from app.gui.main_window import MainWindow

RELEASE_LANE_MS = 1000  # the longest the redraw after a model holds back the next fit


class JobResultViews(QObject):
    """Connects ``ModelJobs`` signals to the window's views."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.w = window
        self._importances_stale = False
        jobs = window.jobs
        jobs.sig_models_updated.connect(self._on_models_updated)
        jobs.sig_state_changed.connect(self.on_model_state)
        jobs.sig_review_ready.connect(self._on_review_ready)
        jobs.sig_projection_ready.connect(self._on_projection)
        jobs.sig_curve_ready.connect(self._on_curve)
        jobs.sig_stats_ready.connect(self._on_stats)
        jobs.sig_failed.connect(window.show_error)
        window.docks["review"].visibilityChanged.connect(self._on_review_visible)
        window.docks["model"].visibilityChanged.connect(self._on_model_dock_visible)
        window.deferred.sig_drained.connect(lambda: window.runner.release(CPU))
        window.overview.sig_color_mode_changed.connect(lambda _m: self.update_map_colors())

    def _on_models_updated(self, current: bool) -> None:
        """A model arrived: refresh the views in small steps, one per event-loop turn.

        The CPU lane is held meanwhile (at most a second), so the next fit does not
        compete with the redraw for the GIL.
        """
        d = self.w.deferred
        self.w.runner.hold(CPU)
        QTimer.singleShot(RELEASE_LANE_MS, lambda: self.w.runner.release(CPU))
        d.later("predictions", self.w.push_all_predictions)
        d.later("suggestions", self._refresh_after_model)
        if self.w.overview.color_mode() != "label":  # label colours do not depend on the model
            d.later("map", self.update_map_colors)
        d.later("importances", self.show_importances)
        d.later("follow-ups", lambda: self._after_model(current))

    def _refresh_after_model(self) -> None:
        c = self.w.controller
        c.refresh_suggestions()
        if c.active != "suggestions":
            c.show(c.current)  # new prediction and explanation for the sample on screen

    def show_importances(self) -> None:
        """Redraw the model panel only when it can be seen (and once it is shown again)."""
        if not self.w.docks["model"].isVisible():
            self._importances_stale = True
            return
        self._importances_stale = False
        self.w.model_panel.set_importances(self.w.session.importances(self.w.controller.target))
        monitor = self.w.jobs.stops.get(self.w.controller.target)
        if monitor is not None:
            self.w.model_panel.set_stop_signal(monitor.message(), monitor.should_stop())

    def _on_model_dock_visible(self, visible: bool) -> None:
        if visible and self._importances_stale:
            self.w.deferred.later("importances", self.show_importances)

    def _after_model(self, current: bool) -> None:
        session, target = self.w.session, self.w.controller.target
        if not self.w.ready:  # the first model (or the news that none can train yet) is in
            self.w.ready = True
            # torch, interpret and scikit-learn are loaded now: move everything alive to
            # the permanent generation so a full garbage collection (100-200 ms, holding
            # the GIL) never scans them again while the expert labels.
            gc.freeze()
            self.w.sig_ready.emit()
        if not current or self.w.runner.has_pending("train"):
            return  # a newer model is coming; the slow follow-ups wait for it
        if session.model(target) is not None:
            self.w.jobs.request_curve(target)
        if self.w.docks["review"].isVisible():
            last = self.w.jobs.review_labels.get(target)
            if self.w.jobs.review_wanted or last is None or session.labels_version - last >= 10:
                self.w.request_review()

    def on_model_state(self, state: str) -> None:
        model = self.w.session.model(self.w.controller.target)
        detail = "" if model is None else f"{model.n_labels} labels, fit {model.fit_seconds:.1f} s"
        self.w.model_status.set_state(state, detail)

    def _on_review_ready(self, target: str) -> None:
        if target == self.w.controller.target:
            self.w.controller.set_review_entries(self.w.jobs.review_entries(target))
            self.review_status(target)

    def review_status(self, target: str) -> None:
        result = self.w.jobs.review_results.get(target)
        if result is None:
            self.w.review_queue.set_status("Not checked yet: press F6 or open this tab.")
            return
        flagged = sum(1 for item in result.items if item.flagged)
        self.w.review_queue.set_status(
            f"{len(result.items)} labels cross-checked; {flagged} look wrong (flagged first)."
        )

    def _on_review_visible(self, visible: bool) -> None:
        if visible and self.w.controller.target not in self.w.jobs.review_results:
            self.w.request_review()

    def _on_projection(self, xy: np.ndarray) -> None:
        if len(xy) != self.w.session.n_rows:
            return
        self.w.overview.set_points(xy)
        self.w.overview.set_axis_labels("PC 1", "PC 2")
        self.update_map_colors()
        self.w.overview.set_current(self.w.controller.current)

    def _on_curve(self, target: str, result: Any) -> None:
        if target == self.w.controller.target and result is not None:
            self.w.model_panel.set_learning_curve(result.sizes, result.means, result.stds)
            a = result.accuracy
            if a is None:
                self.w.model_panel.set_accuracy(None, 0.0, 1.0, 0)
            else:
                self.w.model_panel.set_accuracy(a.accuracy, a.low, a.high, a.n)

    def _on_stats(self, stats: Any) -> None:
        self.w.presenter.stats = stats
        self.w.controller.show(self.w.controller.current)

    # -- the map ----------------------------------------------------------------------------
    def update_map_colors(self) -> None:
        """Colour the map by the chosen mode for the current target (no-op before the map)."""
        target = self.w.controller.target
        n = self.w.session.n_rows
        mode = self.w.overview.color_mode()
        classes = list(self.w.session.schema.target(target).classes)
        arrays = self.w.table.model.targets.get(target)
        labels = None if arrays is None else arrays.labels
        try:
            if mode == "uncertainty":
                conf = self.w.jobs.confidence.get(target)
                values = np.zeros(n) if conf is None else 1.0 - np.asarray(conf, dtype=np.float64)
                self.w.overview.set_labelled(np.flatnonzero(class_codes(labels, classes, n) >= 0))
                self.w.overview.set_colors(values, mode, None)
            elif mode == "prediction":
                self.w.overview.set_labelled(np.flatnonzero(class_codes(labels, classes, n) >= 0))
                self.w.overview.set_colors(
                    class_codes(self.w.jobs.predicted.get(target), classes, n), mode, classes
                )
            else:  # label mode: the labelled points are the coloured ones
                self.w.overview.set_colors(class_codes(labels, classes, n), mode, classes)
        except ValueError:
            pass  # the map has no points yet; the projection job will call again
