"""The jobs the worker process runs, on the data it mapped and the models it keeps.

The worker keeps each target's full fitted model (on small data with its scoring
pool, so a retrain only bins the unique values again) and sends the window a light copy:
probabilities, class codes, the committee's disagreement and the EBM itself for
explanations. No design matrix is kept for every row: the review and the
learning curve build the labelled rows on demand (``app.core.design_rows``).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING, Any

import numpy as np

from app.core.design_rows import design_rows
from app.worker.payloads import (
    Pick,
    ProjectPayload,
    RowsPayload,
    SuggestPayload,
    TrainedTarget,
    TrainPayload,
    TrainReply,
    light,
)
from models.jobs import Progress, ShouldStop, check_stop, report

if TYPE_CHECKING:
    import pandas as pd

    from app.core.review import ReviewResult
    from models.evaluation import CurveResult
    from models.projection import RowSource
    from models.training import FittedTarget

log = logging.getLogger(__name__)


# Above this many rows the committee's disagreement (a second scoring pass, ~0.4 s at a
# million rows) is computed after the reply, so that the new model reaches the window
# first, and the standardised columns are float32. Below it every number is the
# session's own, so the window ranks exactly what the command line ranks.
BIG = 100_000


class WorkerState:
    """The mapped data and what the worker learned from it so far."""

    def __init__(self, data: pd.DataFrame, kinds: dict[str, str]) -> None:
        self.data = data
        self.kinds = dict(kinds)
        self.models: dict[str, FittedTarget] = {}
        self._embeddings: dict[tuple[str, ...], RowSource] = {}
        self._lock = threading.Lock()  # the lanes share the embeddings
        self._committee_lock = threading.Lock()

    def embedding(self, features: list[str]) -> RowSource:
        """Standardised columns, for spreading a batch out and for the map.

        Small data keeps the session's exact matrix, once per set of columns. Big data
        reads the standardised rows a job asks for (`StandardizedRows`): a batch reads a
        few hundred candidates, the map every row once, in blocks; the whole matrix was
        80 MB held for the session's life at a million rows × 20 columns.
        """
        from models.projection import StandardizedRows, standardized

        big = len(self.data) > BIG
        key = tuple(sorted(features)) if big else tuple(features)  # distances ignore order
        with self._lock:
            if key not in self._embeddings:
                if big:
                    rows = StandardizedRows(self.data, list(key), self.kinds, np.float32)
                    self._embeddings[key] = rows
                else:
                    self._embeddings[key] = standardized(self.data, list(key), self.kinds)
            return self._embeddings[key]

    def committee(self, model: FittedTarget) -> np.ndarray | None:
        """The outer bags' disagreement on every row, once per model (None if unavailable)."""
        with self._committee_lock:
            try:
                return model.committee()
            except Exception:  # a scoring backend without a committee: strategies fall back
                log.debug("No committee scores for %s", model.name, exc_info=True)
                return None

    def upstream(self, payload: RowsPayload) -> dict[str, tuple[Any, FittedTarget | None]]:
        return {t.name: (t, self.models.get(t.name)) for t in payload.upstream}


def run(state: WorkerState, kind: str, payload: Any, progress: Progress, stop: ShouldStop) -> Any:
    """Dispatch one request to its job."""
    if kind == "train":
        return train(state, payload, progress, stop)
    if kind == "suggest":
        return suggest(state, payload)
    if kind == "review":
        return review(state, payload, progress, stop)
    if kind == "curve":
        return curve(state, payload, progress, stop)
    if kind == "project":
        return project(state, payload, progress, stop)
    if kind == "ping":
        return payload
    raise ValueError(f"unknown job kind {kind!r}")


def train(state: WorkerState, p: TrainPayload, progress: Progress, stop: ShouldStop) -> TrainReply:
    from models.training import train_targets

    start = time.perf_counter()
    fitted = train_targets(
        state.data, state.kinds, p.order, p.settings, state.models, progress, stop
    )
    seconds = {"fit": time.perf_counter() - start}
    targets: dict[str, TrainedTarget | None] = {}
    for name, model in fitted.items():
        if model is None:
            state.models.pop(name, None)
            targets[name] = None
            continue
        check_stop(stop)
        report(progress, 0.97, f"Scoring {name}")
        committee = None
        if len(model.proba) <= BIG:
            committee = state.committee(model)  # the window ranks small pools itself
        state.models[name] = model
        proba = model.proba
        codes = np.argmax(proba, axis=1).astype(np.int16)
        targets[name] = TrainedTarget(light(model, committee), codes, proba.max(axis=1))
    reply = TrainReply(p.labels_version, targets, seconds=seconds)
    if p.suggest is not None:
        start = time.perf_counter()
        reply.suggested_for = (p.suggest.target, p.suggest.strategy, p.suggest.n)
        reply.picks = suggest(state, p.suggest)
        seconds["suggest"] = time.perf_counter() - start
    return reply


def after_reply(state: WorkerState, kind: str, payload: Any) -> None:
    """Work the window need not wait for: the committee of a big model, when it is the
    strategy on screen (other strategies would share the worker with its scoring pass;
    chosen later, the committee's first ranking pays that pass, ~0.4 s at a million rows)."""
    suggest = getattr(payload, "suggest", None)
    if kind != "train" or suggest is None or suggest.strategy != "committee":
        return
    model = state.models.get(suggest.target)
    if model is not None and len(model.proba) > BIG:
        state.committee(model)


def suggest(state: WorkerState, p: SuggestPayload) -> list[Pick]:
    """The session's ranking (``LabelingSession.suggestions``), on the worker's model."""
    from models.strategies import rank_pool

    model = state.models.get(p.target)
    columns = list(model.classes) if model is not None else list(p.classes)
    counts = dict.fromkeys(range(len(columns)), 0)
    for value in p.labels.values():
        if value in columns:
            counts[columns.index(value)] += 1
    disagreement = None
    if model is not None and p.strategy == "committee":
        disagreement = state.committee(model)
    picks = rank_pool(
        p.strategy,
        p.pool,
        p.n,
        proba=None if model is None else model.proba,
        disagreement=disagreement,
        embedding=state.embedding(p.features),
        labelled=np.fromiter(p.labels.keys(), dtype=np.int64, count=len(p.labels)),
        class_counts=counts,
        seed=p.seed,
        diversity=p.diversity,
    )
    out = []
    for pick in picks:
        predicted = confidence = None
        if model is not None:
            row = model.proba[pick.position]
            predicted = str(model.classes[int(np.argmax(row))])
            confidence = float(row.max())
        out.append(Pick(pick.position, pick.score, pick.reason, predicted, confidence))
    return out


def _labelled_rows(state: WorkerState, p: RowsPayload) -> tuple[Any, np.ndarray, list[str], Any]:
    labels = p.target.labels
    positions = np.fromiter(labels.keys(), dtype=np.int64, count=len(labels))
    y = np.asarray([labels[int(i)] for i in positions], dtype=object)
    X, types = design_rows(state.data, state.kinds, p.target, state.upstream(p), positions)
    return X, y, types, positions


def review(
    state: WorkerState, p: RowsPayload, progress: Progress, stop: ShouldStop
) -> ReviewResult:
    """Out-of-fold ranking of one target's labels (``app.core.review.ReviewJob.run``)."""
    from app.core.review import ReviewResult
    from models.label_quality import out_of_fold_proba, rank_label_issues

    name = p.target.name
    X, y, types, positions = _labelled_rows(state, p)
    if len(set(y)) < 2 or len(y) < 4:
        return ReviewResult(name, p.labels_version, [])
    classes = list(p.target.classes)
    oof = out_of_fold_proba(X, y, types, classes, p.settings, progress=progress, should_stop=stop)
    return ReviewResult(name, p.labels_version, rank_label_issues(positions, y, oof, classes))


def curve(state: WorkerState, p: RowsPayload, progress: Progress, stop: ShouldStop) -> CurveResult:
    from models.evaluation import curve_with_estimate

    X, y, types, _positions = _labelled_rows(state, p)
    return curve_with_estimate(
        X, y, types, list(p.target.classes), p.settings, progress=progress, should_stop=stop
    )


def project(
    state: WorkerState, p: ProjectPayload, progress: Progress, stop: ShouldStop
) -> np.ndarray:
    """The 2-D map: PCA of the standardised model columns, as float32 (half the bytes)."""
    from models.projection import pca

    report(progress, 0.1, "Drawing the map")
    matrix = state.embedding(p.columns)
    check_stop(stop)
    return pca(matrix, 2).astype(np.float32)
