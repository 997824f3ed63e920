"""What a job asks of the worker and what it answers, built from a session on the GUI side.

A job carries labels per target (positions → class), settings and the
labels-version; the worker already has the data mapped. The builders here read
the session on the GUI thread and are cheap (a dict of the labelled rows).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from app.core.session import LabelingSession
    from models.ebm import EBMSettings
    from models.training import FittedTarget, TargetInput


@dataclass
class SuggestPayload:
    """Rank one target's pool: the unlabelled rows that are not marked unsure."""

    target: str
    n: int
    strategy: str
    seed: int
    diversity: float
    features: list[str]
    classes: list[str]  # the schema's classes (used before any model exists)
    labels: dict[int, str]  # labelled positions -> class
    pool: np.ndarray  # positions to rank: neither labelled nor marked unsure


@dataclass(frozen=True)
class Pick:
    position: int
    score: float
    reason: str
    predicted: str | None
    confidence: float | None


@dataclass
class TrainPayload:
    labels_version: int
    settings: EBMSettings
    order: list[TargetInput]  # dependencies first
    suggest: SuggestPayload | None = None  # rank this pool with the new model at once


@dataclass
class TrainedTarget:
    """One target's new model as the window keeps it: no design matrix, no scoring pool."""

    fitted: FittedTarget
    codes: np.ndarray  # predicted class index per row
    confidence: np.ndarray


@dataclass
class TrainReply:
    labels_version: int
    targets: dict[str, TrainedTarget | None]
    suggested_for: tuple[str, str, int] | None = None  # (target, strategy, n) of ``picks``
    picks: list[Pick] | None = None
    seconds: dict[str, float] = field(default_factory=dict)


@dataclass
class RowsPayload:
    """A job over one target's labelled rows (the review, the learning curve)."""

    labels_version: int
    settings: EBMSettings
    target: TargetInput
    upstream: list[TargetInput]


@dataclass
class ProjectPayload:
    columns: list[str]


def target_inputs(session: LabelingSession, names: list[str] | None = None) -> list[TargetInput]:
    """Each target's frozen input (its labels as positions), in training order."""
    order = session.schema.training_order()
    return [session._target_input(t) for t in order if names is None or t in names]


def train_payload(session: LabelingSession, suggest: SuggestPayload | None) -> TrainPayload:
    return TrainPayload(
        session.labels_version, session.project.model, target_inputs(session), suggest
    )


def rows_payload(session: LabelingSession, target: str) -> RowsPayload:
    spec = session.schema.target(target)
    return RowsPayload(
        session.labels_version,
        session.project.model,
        session._target_input(target),
        target_inputs(session, list(spec.uses_targets)),
    )


def suggest_payload(session: LabelingSession, target: str, n: int, strategy: str) -> SuggestPayload:
    """The pool and the labels of ``target`` now (the window's view of the log)."""
    labels = session._label_positions(target)
    settings = session.project.strategy
    spec = session.schema.target(target)
    return SuggestPayload(
        target,
        n,
        strategy,
        settings.seed + len(labels),
        settings.diversity,
        list(spec.features),
        list(spec.classes),
        labels,
        session.pool(target),
    )


def light(fitted: FittedTarget, committee: Any) -> FittedTarget:
    """The model without its design matrix and binned rows (what crosses to the window)."""
    import dataclasses

    return dataclasses.replace(
        fitted, design=None, compiled=None, pool=None, binned=None, _committee=committee
    )
