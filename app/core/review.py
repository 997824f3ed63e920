"""The review queue's background job: out-of-fold ranking of one target's labels."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from models.design import chained_columns, design_matrix
from models.jobs import Progress, ShouldStop
from models.label_quality import ReviewItem, out_of_fold_proba, rank_label_issues

if TYPE_CHECKING:
    from app.core.session import LabelingSession


@dataclass
class ReviewResult:
    target: str
    labels_version: int
    items: list[ReviewItem]


class ReviewJob:
    """A frozen snapshot for ranking one target's labels; ``run`` is safe off the GUI thread."""

    def __init__(self, session: LabelingSession, target: str) -> None:
        spec = session.schema.target(target)
        self.target = target
        self.labels_version = session.labels_version
        self.classes = list(spec.classes)
        self.settings = session.project.model
        labels = session._label_positions(target)
        chained: dict[str, np.ndarray] = {}
        for upstream in spec.uses_targets:
            fitted = session.model(upstream)
            chained.update(
                chained_columns(
                    upstream,
                    session.n_rows,
                    session._label_positions(upstream),
                    list(session.schema.target(upstream).classes),
                    None if fitted is None else fitted.predicted,
                    None if fitted is None else fitted.proba,
                )
            )
        self.positions = np.fromiter(labels.keys(), dtype=np.int64)
        self.y = np.asarray([labels[p] for p in self.positions], dtype=object)
        X, self.types = design_matrix(
            session.data, spec.features, session.schema.column_kinds, chained
        )
        self.X = X.iloc[self.positions]

    def run(
        self,
        progress: Progress | None = None,
        should_stop: ShouldStop | None = None,
    ) -> ReviewResult:
        if len(set(self.y)) < 2 or len(self.y) < 4:
            return ReviewResult(self.target, self.labels_version, [])
        oof = out_of_fold_proba(
            self.X,
            self.y,
            self.types,
            self.classes,
            self.settings,
            progress=progress,
            should_stop=should_stop,
        )
        items = rank_label_issues(self.positions, self.y, oof, self.classes)
        return ReviewResult(self.target, self.labels_version, items)


def review_job(session: LabelingSession, target: str) -> ReviewJob:
    return ReviewJob(session, target)
