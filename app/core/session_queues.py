"""The session's queues: which unlabelled rows to suggest next, and which labels to review.

Mixed into ``LabelingSession``; the ranking itself lives in ``models.strategies`` and the
out-of-fold audit in ``app.core.review``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from app.core.errors import UserError
from app.core.schema import typed
from models.jobs import Progress, ShouldStop
from models.strategies import STRATEGIES, rank_pool

if TYPE_CHECKING:
    import pandas as pd

    from app.core.label_store import LabelStore
    from app.core.project import Project
    from app.core.review import ReviewResult
    from app.core.schema import Schema
    from app.core.session import LabelingSession
    from models.training import FittedTarget


@dataclass(frozen=True)
class SuggestionEntry:
    row_id: Any
    position: int
    score: float
    reason: str
    predicted: Any | None
    confidence: float | None


@dataclass(frozen=True)
class ReviewEntry:
    row_id: Any
    position: int
    given: Any
    suggested: Any
    score: float
    flagged: bool


class QueueQueries:
    """Mixed into ``LabelingSession``: suggestions and the review queue."""

    data: pd.DataFrame
    project: Project
    store: LabelStore
    annotator: str
    _ids: Sequence[Any]
    _keys: Sequence[str]
    _position: Mapping[str, int]
    _models: dict[str, FittedTarget]
    _embeddings: dict[str, np.ndarray]
    _review: dict[str, ReviewResult]

    @property
    def schema(self) -> Schema:
        raise NotImplementedError

    @property
    def n_rows(self) -> int:
        raise NotImplementedError

    @property
    def labels_version(self) -> int:
        raise NotImplementedError

    def _label_positions(self, target: str) -> dict[int, str]:
        raise NotImplementedError

    def _session(self) -> LabelingSession:
        """The whole session, for helpers that read more than the queues do."""
        return cast("LabelingSession", self)

    def embedding(self, target: str) -> np.ndarray:
        """A standardised numeric view of the target's features, for batch diversity."""
        if target not in self._embeddings:
            from models.projection import standardized

            spec = self.schema.target(target)
            self._embeddings[target] = standardized(
                self.data, spec.features, self.schema.column_kinds
            )
        return self._embeddings[target]

    def pool(self, target: str) -> np.ndarray:
        """Positions of samples to offer: with no label and no unsure mark for ``target``,
        or, when a team splits the work, the rows assigned to this annotator."""
        from app.core.team_work import my_pool

        split = my_pool(self._session(), target, self.annotator)
        if split is not None:
            return split
        taken = np.zeros(self.n_rows, dtype=bool)
        for key, event in self.store.current(target).items():
            pos = self._position.get(key)
            if pos is not None and not event.state.is_empty:
                taken[pos] = True
        return np.flatnonzero(~taken)

    def suggestions(
        self, target: str, n: int = 10, strategy: str | None = None
    ) -> list[SuggestionEntry]:
        """The next ``n`` samples to label, best first, each with a reason tag."""
        strategy = strategy or self.project.strategy.name
        if strategy not in STRATEGIES:
            raise UserError(
                f"There is no strategy '{strategy}'; choose one of {', '.join(STRATEGIES)}."
            )
        spec = self.schema.target(target)
        model = self._models.get(target)
        labelled = self._label_positions(target)
        # Class indices follow the model's columns: a class added since the last
        # retrain has no column yet and cannot be a rare-class pick.
        columns = model.classes if model is not None else spec.classes
        counts = dict.fromkeys(range(len(columns)), 0)
        for value in labelled.values():
            if value in columns:
                counts[columns.index(value)] += 1
        disagreement = None
        if model is not None and strategy == "committee":
            disagreement = model.committee()
        picks = rank_pool(
            strategy,
            self.pool(target),
            n,
            proba=None if model is None else model.proba,
            disagreement=disagreement,
            embedding=self.embedding(target),
            labelled=np.fromiter(labelled.keys(), dtype=np.int64),
            class_counts=counts,
            seed=self.project.strategy.seed + len(labelled),
            diversity=self.project.strategy.diversity,
        )
        out = []
        for p in picks:
            predicted = None if model is None else typed(str(model.predicted[p.position]))
            conf = None if model is None else float(model.proba[p.position].max())
            out.append(
                SuggestionEntry(
                    self._ids[p.position], p.position, p.score, p.reason, predicted, conf
                )
            )
        return out

    def review_queue(
        self,
        target: str,
        n: int = 20,
        progress: Progress | None = None,
        should_stop: ShouldStop | None = None,
    ) -> list[ReviewEntry]:
        """Labelled samples an out-of-fold model disagrees with, most suspicious first."""
        from app.core.review import review_job

        cached = self._review.get(target)
        if cached is None or cached.labels_version != self.labels_version:
            cached = review_job(self._session(), target).run(progress, should_stop)
            self._review[target] = cached
        return self.review_entries(cached, n)

    def apply_review(self, result: ReviewResult) -> bool:
        current = result.labels_version == self.labels_version
        self._review[result.target] = result
        return current

    def review_entries(self, result: ReviewResult, n: int) -> list[ReviewEntry]:
        out = []
        for item in result.items:
            state = self.store.state(self._keys[item.position], result.target)
            if state.label != item.given:
                continue  # relabelled since the ranking was made
            out.append(
                ReviewEntry(
                    self._ids[item.position],
                    item.position,
                    typed(item.given),
                    typed(item.suggested),
                    item.score,
                    item.flagged,
                )
            )
            if len(out) >= n:
                break
        return out
