"""Everything the window computes in the background: training, review, map, curve, stats.

Model work runs in the window's worker process (``app.worker``), started once and
fed through a memory-mapped copy of the data; a background QThread of the
``TaskRunner`` waits for each answer, so the window's interpreter never runs a
fit. The rules, for every kind of job:

- the request (labels per target, settings, the labels-version) is taken on the
  GUI thread; it is small, never the data;
- the result comes back with ``current`` (the labels did not move meanwhile);
  a stale training result is still installed (a slightly old model beats none)
  but the status says "stale" and a newer retrain is already queued; stale review
  rankings and learning curves are dropped and asked for again;
- if the worker dies, the window says so in one line, a new worker starts with the
  next retrain, and no label is lost: labels are written here, through the session.
"""

from __future__ import annotations

import gc
import logging
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from app.gui.workers import Progress, ShouldStop, TaskRunner
from app.worker import payloads
from app.worker.client import WorkerClient
from app.worker.protocol import LIGHT, DataSource, WorkerLost
from models.stopping import StopMonitor

if TYPE_CHECKING:
    from app.core.label_changes import LabelChange
    from app.core.session import LabelingSession
    from app.core.session_queues import SuggestionEntry
    from app.gui.label_stream import LabelStream

log = logging.getLogger(__name__)

RETRAIN_DELAY_MS = 300
# The lane of every job that fits: one at a time. Two fits on two cores only fight
# each other (and the window) for the cores; the worker runs them in order anyway.
CPU = "cpu"
BIG = 100_000  # rows above which suggestions and column statistics are computed off-thread
CHUNK = 131_072  # rows per step when turning class codes into labels off the GUI thread


@dataclass
class TrainedViews:
    """A training reply plus the per-row labels the views show, made off the GUI thread."""

    reply: payloads.TrainReply
    predicted: dict[str, np.ndarray]


def train_in_worker(
    client: WorkerClient,
    payload: payloads.TrainPayload,
    progress: Progress,
    should_stop: ShouldStop,
) -> TrainedViews:
    """Train in the worker process, then spell out each row's predicted class here.

    The spelling is a gather of Python objects (it holds the interpreter lock), so
    it is done in slices: the GUI thread gets the lock between them.
    """
    pending = client.submit("train", payload, progress=progress)
    reply: payloads.TrainReply = pending.wait(should_stop)
    predicted = {}
    for name, trained in reply.targets.items():
        if trained is None:
            continue
        classes = np.asarray(trained.fitted.classes, dtype=object)
        codes = trained.codes
        out = np.empty(len(codes), dtype=object)
        for start in range(0, len(codes), CHUNK):
            out[start : start + CHUNK] = classes[codes[start : start + CHUNK]]
        predicted[name] = out
    return TrainedViews(reply, predicted)


_warm = threading.Event()
_warm_lock = threading.Lock()
window_ready = threading.Event()  # set once a window is shown and takes keys
WARM_UP_WAIT_S = 5.0


def warm_up_model_imports() -> None:
    """Import what unpickling a fitted EBM needs, once, while the first fit runs.

    interpret and scikit-learn take 1-1.5 s to import, holding the interpreter lock in
    stretches of up to 60 ms, and leave ~180,000 new objects behind: imported while
    the model arrives, they stalled the window ~100 ms (a full garbage collection
    among them). Here they load in a background thread during the first fit, with
    the collector paused; ``gc.freeze`` then keeps a collection from ever scanning them.
    """
    # Not while the window is still being built: the imports would take the
    # interpreter lock from the start-up itself (seen as 0.3-1 s of a 2 s budget).
    window_ready.wait(timeout=WARM_UP_WAIT_S)
    with _warm_lock:
        if _warm.is_set():
            return
        gc.disable()
        try:
            import interpret.glassbox  # noqa: F401
            import sklearn.utils  # noqa: F401

            import models.ebm  # noqa: F401
        finally:
            gc.freeze()
            gc.enable()
            _warm.set()


def data_source(session: LabelingSession) -> DataSource:
    """Where the worker finds the model columns of this session's data."""
    columns = tuple(sorted({f for t in session.targets for f in session.features(t)}))
    project = session.project
    return DataSource(
        str(project.path),
        str(project.data_path),
        project.data_sheet,
        session.schema.id_column,
        session.n_rows,
        columns,
        dict(session.schema.column_kinds),
    )


class ModelJobs(QObject):
    """Schedules background jobs for one session and announces their results."""

    sig_models_updated = Signal(bool)  # current
    sig_state_changed = Signal(str)  # none / current / stale / training
    sig_review_ready = Signal(str)  # target
    sig_projection_ready = Signal(object)  # (n, 2) array
    sig_curve_ready = Signal(str, object)  # target, models.evaluation.CurveResult
    sig_stats_ready = Signal(object)  # ColumnStats
    sig_failed = Signal(str)  # one sentence
    sig_worker_lost = Signal(str)  # one sentence: the worker died; a new one follows

    def __init__(
        self,
        session: LabelingSession,
        runner: TaskRunner,
        stream: LabelStream,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.runner = runner
        self.predicted: dict[str, np.ndarray] = {}
        self.confidence: dict[str, np.ndarray] = {}
        self.codes: dict[str, np.ndarray] = {}  # predicted class index per row
        self.trainings = 0  # results installed
        self.last_result_current: bool | None = None
        self.review_results: dict[str, Any] = {}
        self.review_labels: dict[str, int] = {}  # labels_version each review was made at
        self.review_wanted = False  # a review gave way to a retrain and should run again
        self.stops: dict[str, StopMonitor] = {}  # stabilizing predictions, per target
        self.focus: str | None = None  # the target on screen: its pool is ranked with each model
        self.picks: tuple[str, str, int, list[SuggestionEntry]] | None = None
        self.timings: dict[str, float] = {}  # the last training's seconds in the worker
        self._projected = False
        self.client = WorkerClient(
            data_source(session),
            lambda: session.data[list(data_source(session).columns)],
            on_lost=self.sig_worker_lost.emit,  # emitted from the reader thread: queued
            prepare_reader=warm_up_model_imports,  # while the worker starts and fits
        )
        self.sig_worker_lost.connect(self._on_worker_lost)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(RETRAIN_DELAY_MS)
        self._debounce.timeout.connect(self.retrain_now)
        stream.sig_changed.connect(self._on_label_change)

    def close(self) -> None:
        """End the worker process (the window calls this before joining its threads)."""
        self._debounce.stop()
        self.client.close()

    # -- training ---------------------------------------------------------------------------
    def _on_label_change(self, _change: LabelChange) -> None:
        self.labels_changed()

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
        payload = payloads.train_payload(self.session, self._suggest_payload())
        client = self.client
        self.runner.submit(
            "train",
            lambda p, s: train_in_worker(client, payload, p, s),
            self._on_trained,
            on_error=self._on_error,
            labels_version=payload.labels_version,
            description="Training",
            policy="queue",
            lane=CPU,
            priority=0,
        )
        self.sig_state_changed.emit(self.state())

    def _suggest_payload(self) -> payloads.SuggestPayload | None:
        target = self.focus
        if target is None or target not in self.session.targets:
            return None
        strategy = self.session.project.strategy
        return payloads.suggest_payload(self.session, target, strategy.batch, strategy.name)

    def ranking_coming(self, target: str) -> bool:
        """A retrain is on its way and will rank ``target``'s pool with its new model."""
        return self.focus == target and self.retrain_coming()

    def retrain_coming(self) -> bool:
        """Labels changed since the last retrain was asked for, or one is queued or running."""
        return self._debounce.isActive() or self.runner.result_coming("train")

    def state(self) -> str:
        session = self.session
        if not any(session.model(t) is not None for t in session.targets):
            return "training" if self.retrain_coming() else "none"
        stale = any(session.model_is_stale(t) for t in session.targets if session.model(t))
        if not stale:
            return "current"
        return "training" if self.retrain_coming() else "stale"

    def _on_trained(self, views: TrainedViews, current: bool) -> None:
        from app.core.session_models import TrainingResult

        reply = views.reply
        fitted = {n: (t.fitted if t is not None else None) for n, t in reply.targets.items()}
        self.session.apply_training(TrainingResult(reply.labels_version, fitted))
        for name, trained in reply.targets.items():
            model = self.session.model(name)
            if trained is not None and model is trained.fitted:
                self.predicted[name] = views.predicted[name]
                self.confidence[name] = trained.confidence
                self.codes[name] = trained.codes
                self._observe_stop(name, views.predicted[name], model.n_labels)
            elif trained is None and model is None:
                for table in (self.predicted, self.confidence, self.codes):
                    table.pop(name, None)
        self.picks = None
        if reply.picks is not None and reply.suggested_for is not None:
            target, strategy, n = reply.suggested_for
            self.picks = (target, strategy, n, self._entries_for(reply.picks))
        self.timings = dict(reply.seconds)
        self.trainings += 1
        self.last_result_current = current
        if not current and not self._debounce.isActive() and not self.runner.has_pending("train"):
            self._debounce.start()  # the labels moved on; make sure a newer model follows
        self.sig_models_updated.emit(current)
        self.sig_state_changed.emit(self.state())

    def take_picks(self, target: str, strategy: str, n: int) -> list[SuggestionEntry] | None:
        """The ranking made with the newest model, once, if it is for this view of the pool."""
        picks, self.picks = self.picks, None
        if picks is None or picks[:3] != (target, strategy, n):
            return None
        return picks[3]

    def _entries_for(self, picks: list[payloads.Pick]) -> list[SuggestionEntry]:
        from app.core.schema import typed
        from app.core.session_queues import SuggestionEntry

        session = self.session
        return [
            SuggestionEntry(
                session.row_id_at(p.position),
                p.position,
                p.score,
                p.reason,
                None if p.predicted is None else typed(p.predicted),
                p.confidence,
            )
            for p in picks
        ]

    def _observe_stop(self, name: str, predicted: np.ndarray, n_labels: int) -> None:
        """Feed each new model's predictions to its target's stop monitor (a round = a batch)."""
        if name not in self.stops:
            step = self.session.project.strategy.batch
            self.stops[name] = StopMonitor.for_rows(self.session.n_rows, step=step)
        self.stops[name].observe(predicted, n_labels)

    def _on_error(self, exc: BaseException) -> None:
        if isinstance(exc, WorkerLost):
            return  # said once, by _on_worker_lost; the retrain it starts brings a worker back
        from app.gui.errors import user_message

        self.sig_failed.emit(user_message(exc))
        self.sig_state_changed.emit(self.state())

    def _on_worker_lost(self, sentence: str) -> None:
        """The worker died: retrain (that starts a new one); redo what was lost with it."""
        self.review_wanted = True
        self.retrain_now()
        if not self._projected:
            self.request_projection()

    # -- review -----------------------------------------------------------------------------
    def request_review(self, target: str) -> None:
        payload = payloads.rows_payload(self.session, target)
        client = self.client
        self.runner.submit(
            "review",
            lambda p, s: client.call("review", payload, progress=p, should_stop=s),
            lambda result, current: self._on_review(target, result, current),
            on_error=self._on_error,
            labels_version=payload.labels_version,
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
        """Rank the pool in the worker (above ``BIG`` rows the numpy work takes a while)."""
        payload = payloads.suggest_payload(self.session, target, n, strategy)
        client = self.client
        model = self.session.model(target)

        def rank(progress: Progress, should_stop: ShouldStop) -> Any:
            picks = client.call("suggest", payload, lane=LIGHT, should_stop=should_stop)
            return self._entries_for(picks)

        def applied(entries: list[SuggestionEntry], _current: bool) -> None:
            if self.session.model(target) is model:  # else a newer model brought its own
                apply(entries)

        self.runner.submit(
            "suggest",
            rank,
            applied,
            on_error=self._on_error,
            labels_version=self.session.labels_version,
            description="Ranking suggestions",
        )

    # -- map, stats, learning curve -----------------------------------------------------------
    def request_projection(self) -> None:
        payload = payloads.ProjectPayload(list(data_source(self.session).columns))
        client = self.client
        self.runner.submit(
            "project",
            lambda p, s: client.call("project", payload, progress=p, should_stop=s),
            self._on_projection,
            on_error=self._on_error,
            description="Drawing the map",
            lane=CPU,
            priority=2,
        )

    def _on_projection(self, xy: np.ndarray, _current: bool) -> None:
        self._projected = True
        self.sig_projection_ready.emit(xy)

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
        if session.model(target) is None or len(session._label_positions(target)) < 10:
            return
        payload = payloads.rows_payload(session, target)
        client = self.client
        self.runner.submit(
            "curve",
            lambda p, s: client.call("curve", payload, progress=p, should_stop=s),
            lambda result, current: self.sig_curve_ready.emit(target, result) if current else None,
            on_error=self._on_error,
            labels_version=payload.labels_version,
            description=f"Learning curve of {target}",
            lane=CPU,
            priority=3,
        )
