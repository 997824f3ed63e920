"""The session's view of a team's labels: CROWDLAB consensus over the annotators' votes.

Majority vote (``app.core.label_state``) decides a shared sample at once. When the
model has out-of-fold probabilities for the labelled rows (the review job), or at
least its own probabilities, CROWDLAB's consensus replaces the majority for every
sample that several annotators labelled and nobody adjudicated; it also gives each
consensus a quality and each annotator a quality score.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from app.core.label_state import CONSENSUS, DATA_FILE
from models.multiannotator import Consensus, crowdlab

if TYPE_CHECKING:
    from app.core.session import LabelingSession


def votes(session: LabelingSession, target: str) -> dict[str, dict[int, str]]:
    """Annotator → (row position → their label); the data file is not a voter."""
    out: dict[str, dict[int, str]] = {}
    for annotator, rows in session.store.by_annotator(target).items():
        if annotator == DATA_FILE:
            continue
        positions = {session._position[r]: v for r, v in rows.items() if r in session._position}
        if positions:
            out[annotator] = positions
    return out


def model_probabilities(session: LabelingSession, target: str) -> dict[int, np.ndarray]:
    """Out-of-fold probabilities where the review made them, else the model's own."""
    out: dict[int, np.ndarray] = {}
    review = session._review.get(target)
    if review is not None:
        for item in review.items:
            out[item.position] = np.asarray(item.proba, dtype=np.float64)
    model = session.model(target)
    if model is not None and model.classes == list(session.schema.target(target).classes):
        for position in {p for v in votes(session, target).values() for p in v}:
            out.setdefault(position, np.asarray(model.proba[position], dtype=np.float64))
    return out


def compute_consensus(session: LabelingSession, target: str) -> Consensus:
    """CROWDLAB for one target now (cheap: only the labelled rows take part)."""
    classes = list(session.schema.target(target).classes)
    result = crowdlab(votes(session, target), model_probabilities(session, target), classes)
    session._consensus[target] = (session.labels_version, result)
    return result


def consensus_of(session: LabelingSession, target: str) -> Consensus | None:
    """The last CROWDLAB result for ``target``, if it is still about the current labels."""
    cached = session._consensus.get(target)
    if cached is None or cached[0] != session.labels_version:
        return None
    return cached[1]


def working_labels(session: LabelingSession, target: str) -> dict[str, str]:
    """Row id → the label training and export use: adjudicated, consensus or single."""
    labels = session.store.labels(target)
    result = consensus_of(session, target)
    if result is None or not result.labels:
        return labels
    keys = session._keys
    for position, label in result.labels.items():
        key = keys[position]
        if session.store.decided(key, target) == CONSENSUS and key in labels:
            labels[key] = label
    return labels


def shared_rows(session: LabelingSession, target: str) -> list[tuple[str, dict[str, Any]]]:
    """Samples two or more people labelled, with each person's label (for the conflicts view)."""
    out = []
    for (t, row), _event in session.store.current_items():
        if t != target:
            continue
        people = {
            a: e.label
            for a, e in session.store.annotations(row, target).items()
            if a != DATA_FILE and e.label is not None
        }
        if len(people) >= 2:
            out.append((row, people))
    return out
