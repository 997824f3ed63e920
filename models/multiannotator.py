"""Consensus and quality when several annotators label the same samples: CROWDLAB.

cleanlab's CROWDLAB weighs every annotator by how well their labels agree with the
others and with a model, then estimates each sample's consensus label, how sure
that consensus is, and each annotator's overall quality. The model's out-of-fold
probabilities keep the model from grading labels it learnt from.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np


@dataclass
class Consensus:
    """CROWDLAB's verdicts for one target."""

    labels: dict[int, str] = field(default_factory=dict)  # row position -> consensus class
    quality: dict[int, float] = field(default_factory=dict)  # row position -> in [0, 1]
    annotator_quality: dict[str, float] = field(default_factory=dict)


def crowdlab(
    votes: dict[str, dict[int, str]],
    pred_probs: dict[int, np.ndarray],
    classes: list[str],
) -> Consensus:
    """``votes``: annotator → (row position → class); ``pred_probs``: position → probabilities
    in ``classes`` order for every voted row. Rows without probabilities are left out."""
    from cleanlab.multiannotator import get_label_quality_multiannotator

    names = sorted(a for a, v in votes.items() if v)
    rows = sorted({p for a in names for p in votes[a] if p in pred_probs})
    if len(names) < 2 or len(rows) < 2:
        return Consensus()
    index = {c: i for i, c in enumerate(classes)}
    matrix = np.full((len(rows), len(names)), np.nan)
    at = {p: i for i, p in enumerate(rows)}
    for j, name in enumerate(names):
        for position, label in votes[name].items():
            if position in at and label in index:
                matrix[at[position], j] = index[label]
    keep = [j for j in range(len(names)) if np.isfinite(matrix[:, j]).any()]
    if len(keep) < 2:
        return Consensus()
    matrix, names = matrix[:, keep], [names[j] for j in keep]
    probs = np.asarray([pred_probs[p] for p in rows], dtype=np.float64)
    probs = np.clip(probs, 1e-6, None)
    probs /= probs.sum(axis=1, keepdims=True)
    import pandas as pd

    frame = pd.DataFrame(matrix, columns=names)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = get_label_quality_multiannotator(frame, probs, verbose=False)
    except (ValueError, AssertionError, IndexError):
        return Consensus()  # cleanlab needs more overlap than there is yet
    quality = result["label_quality"]
    stats = result["annotator_stats"]
    return Consensus(
        labels={
            rows[i]: classes[int(c)] for i, c in enumerate(quality["consensus_label"].tolist())
        },
        quality={rows[i]: float(q) for i, q in enumerate(quality["consensus_quality_score"])},
        annotator_quality={str(a): float(q) for a, q in stats["annotator_quality"].items()},
    )
