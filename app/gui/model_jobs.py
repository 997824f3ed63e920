"""Everything the GUI computes in the background: training, review, map, curve, stats.

``ModelJobs`` turns session snapshots into ``TaskRunner`` jobs and installs the
results on the GUI thread. The rules, for every kind of job:

- the snapshot (``session.training_job()``, ``review_job``) is taken on the GUI
  thread; the heavy part runs in a worker; nothing in a worker touches Qt;
- the result comes back with ``current`` (the labels did not move meanwhile);
  a stale training result is still installed (a slightly old model beats none)
  but the status says "stale" and a newer retrain is already queued; stale review
  rankings and learning curves are dropped and asked for again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from app.gui.workers import Progress, ShouldStop, TaskRunner
from models.stopping import StopMonitor

if TYPE_CHECKING:
    from app.core.session import LabelingSession, TrainingResult

log = logging.getLogger(__name__)

RETRAIN_DELAY_MS = 300
# The lane of every job that fits or imports scikit-learn, interpret or torch: one at
# a time. Two fits on two cores only fight each other and the GUI for the GIL, and
# two threads importing the same heavy package at once can trip Python's import locks.
CPU = "cpu"
BIG = 100_000  # rows above which even snapshots are taken off the GUI thread


@dataclass
class TrainedViews:
    """A training result plus what the views need, computed in the worker."""

    result: TrainingResult
    predicted: dict[str, np.ndarray]
    confidence: dict[str, np.ndarray]


def train_in_worker(job: Any, progress: Progress, should_stop: ShouldStop) -> TrainedViews:
    result = job.run(progress, should_stop)
    predicted, confidence = {}, {}
    for name, fitted in result.fitted.items():
        if fitted is None:
            continue
        if should_stop():
            break
        progress(0.97, f"Scoring {name}")
        try:
            fitted.committee()  # precomputed here, so the committee strategy is instant
        except Exception:  # a scoring backend without a committee: strategies fall back
            log.debug("No committee scores for %s", name, exc_info=True)
        predicted[name] = np.asarray(fitted.predicted, dtype=object)
        confidence[name] = fitted.confidence()
    return TrainedViews(result, predicted, confidence)


class ModelJobs(QObject):
    """Schedules background jobs for one session and announces their results."""

    sig_models_updated = Signal(bool)  # current
    sig_state_changed = Signal(str)  # none / current / stale / training
    sig_review_ready = Signal(str)  # target
    sig_projection_ready = Signal(object)  # (n, 2) array
    sig_curve_ready = Signal(str, object)  # target, models.evaluation.CurveResult
    sig_stats_ready = Signal(object)  # ColumnStats
    sig_failed = Signal(str)  # one sentence

    def __init__(self, session: LabelingSession, runner: TaskRunner, parent: QObject | None = None):
        super().__init__(parent)
        self.session = session
        self.runner = runner
        self.predicted: dict[str, np.ndarray] = {}
        self.confidence: dict[str, np.ndarray] = {}
        self.trainings = 0  # results installed
        self.last_result_current: bool | None = None
        self.review_results: dict[str, Any] = {}
        self.review_labels: dict[str, int] = {}  # labels_version each review was made at
        self.review_wanted = False  # a review gave way to a retrain and should run again
        self.stops: dict[str, StopMonitor] = {}  # stabilizing predictions, per target
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(RETRAIN_DELAY_MS)
        self._debounce.timeout.connect(self.retrain_now)

    # -- training ---------------------------------------------------------------------------
    def labels_changed(self) -> None:
        """A label event happened: the shown model is now stale; retrain soon."""
        self._debounce.start()
        self.sig_state_changed.emit(self.state())

    def retrain_now(self) -> None:
        """Train now; a running learning curve or review gives way and is asked for again."""
        self._debounce.stop()
        if self.runner.is_busy("review"):
            self.review_wanted = True
        self.runner.cancel("curve")
        self.runner.cancel("review")
        job = self.session.training_job()
        self.runner.submit(
            "train",
            lambda p, s: train_in_worker(job, p, s),
            self._on_trained,
            on_error=self._on_error,
            labels_version=job.labels_version,
            description="Training",
            policy="queue",
            lane=CPU,
            priority=0,
        )
        self.sig_state_changed.emit(self.state())

    def state(self) -> str:
        session = self.session
        if not any(session.model(t) is not None for t in session.targets):
            return (
                "training" if self.runner.is_busy("train") or self._debounce.isActive() else "none"
            )
        stale = any(session.model_is_stale(t) for t in session.targets if session.model(t))
        if not stale:
            return "current"
        return "training" if self.runner.is_busy("train") or self._debounce.isActive() else "stale"

    def _on_trained(self, views: TrainedViews, current: bool) -> None:
        self.session.apply_training(views.result)
        for name in views.predicted:
            model = self.session.model(name)
            if model is not None and model.proba is views.result.fitted[name].proba:  # type: ignore[union-attr]
                self.predicted[name] = views.predicted[name]
                self.confidence[name] = views.confidence[name]
        self._observe_stops(views)
        for name, fitted in views.result.fitted.items():
            if fitted is None and self.session.model(name) is None:
                self.predicted.pop(name, None)
                self.confidence.pop(name, None)
        self.trainings += 1
        self.last_result_current = current
        if not current and not self._debounce.isActive() and not self.runner.has_pending("train"):
            self._debounce.start()  # the labels moved on; make sure a newer model follows
        self.sig_models_updated.emit(current)
        self.sig_state_changed.emit(self.state())

    def _observe_stops(self, views: TrainedViews) -> None:
        """Feed each new model's predictions to its target's stop monitor (a round = a batch)."""
        for name, predicted in views.predicted.items():
            model = self.session.model(name)
            if model is None or model.proba is not views.result.fitted[name].proba:  # type: ignore[union-attr]
                continue
            if name not in self.stops:
                step = self.session.project.strategy.batch
                self.stops[name] = StopMonitor.for_rows(self.session.n_rows, step=step)
            self.stops[name].observe(predicted, model.n_labels)

    def _on_error(self, exc: BaseException) -> None:
        from app.gui.errors import user_message

        self.sig_failed.emit(user_message(exc))
        self.sig_state_changed.emit(self.state())

    # -- review -----------------------------------------------------------------------------
    def request_review(self, target: str) -> None:
        from app.core.review import review_job

        session = self.session
        version = session.labels_version
        snapshot = review_job(session, target) if session.n_rows <= BIG else None

        def fn(progress: Progress, should_stop: ShouldStop) -> Any:
            # Big data: even the snapshot (a design matrix of every row) is made here.
            job = snapshot if snapshot is not None else review_job(session, target)
            return job.run(progress, should_stop)

        self.runner.submit(
            "review",
            fn,
            lambda result, current: self._on_review(target, result, current),
            on_error=self._on_error,
            labels_version=version,
            description=f"Checking {target} labels",
            lane=CPU,
            priority=1,
        )
        self.review_wanted = False

    def _on_review(self, target: str, result: Any, current: bool) -> None:
        self.session.apply_review(result)
        self.review_results[target] = result
        self.review_labels[target] = result.labels_version
        self.sig_review_ready.emit(target)

    def review_entries(self, target: str, n: int = 50) -> list[Any] | None:
        result = self.review_results.get(target)
        return None if result is None else self.session.review_entries(result, n)

    # -- suggestions on big data ------------------------------------------------------------
    def request_suggestions(self, target: str, n: int, strategy: str, apply: Any) -> None:
        """Rank the pool in a worker (above ``BIG`` rows the numpy work takes a while).

        ``session.suggestions`` only reads the label store's in-memory dict; a label
        written meanwhile can change its size mid-read, so the read is retried, and
        the caller drops entries labelled in the meantime.
        """
        session = self.session

        def rank(progress: Progress, should_stop: ShouldStop) -> Any:
            for attempt in range(3):
                try:
                    return session.suggestions(target, n, strategy)
                except RuntimeError:  # "dictionary changed size during iteration"
                    if attempt == 2:
                        raise
            return []

        self.runner.submit(
            "suggest",
            rank,
            lambda entries, _current: apply(entries),
            on_error=self._on_error,
            labels_version=session.labels_version,
            description="Ranking suggestions",
        )

    # -- map, stats, learning curve -----------------------------------------------------------
    def request_projection(self) -> None:
        session = self.session
        columns = sorted({f for t in session.targets for f in session.features(t)})
        data, kinds = session.data, dict(session.schema.column_kinds)

        def project(progress: Progress, should_stop: ShouldStop) -> np.ndarray:
            from models.projection import pca, standardized

            progress(0.1, "Drawing the map")
            matrix = standardized(data, columns, kinds)
            if should_stop():
                return np.zeros((0, 2))
            return pca(matrix, 2)

        self.runner.submit(
            "project",
            project,
            lambda xy, _c: self.sig_projection_ready.emit(xy),
            on_error=self._on_error,
            description="Drawing the map",
            lane=CPU,
            priority=2,
        )

    def stats_job(self, columns: list[str]) -> Any:
        from app.gui.sample_facts import compute_stats

        data, kinds = self.session.data, dict(self.session.schema.column_kinds)
        return lambda progress, should_stop: compute_stats(data, columns, kinds)

    def request_stats(self, columns: list[str]) -> None:
        self.runner.submit(
            "stats",
            self.stats_job(columns),
            lambda s, _c: self.sig_stats_ready.emit(s),
            on_error=self._on_error,
            description="Reading columns",
        )

    def request_curve(self, target: str) -> None:
        session = self.session
        model = session.model(target)
        if model is None or model.design is None:
            return
        labels = session._label_positions(target)
        if len(labels) < 10:
            return
        positions = np.fromiter(labels.keys(), dtype=np.int64)
        y = np.asarray([labels[p] for p in positions], dtype=object)
        X = model.design.iloc[positions]
        types, classes, settings = (
            list(model.feature_types),
            list(model.classes),
            session.project.model,
        )

        def curve(progress: Progress, should_stop: ShouldStop) -> Any:
            from models.evaluation import curve_with_estimate

            return curve_with_estimate(
                X, y, types, classes, settings, progress=progress, should_stop=should_stop
            )

        self.runner.submit(
            "curve",
            curve,
            lambda result, current: self.sig_curve_ready.emit(target, result) if current else None,
            on_error=self._on_error,
            labels_version=session.labels_version,
            description=f"Learning curve of {target}",
            lane=CPU,
            priority=3,
        )
