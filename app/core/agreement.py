"""How much the annotators agree: per pair Cohen's kappa, overall Krippendorff's alpha.

Only people count: labels imported from the data file are the prior, not a rater.
Kappa is computed on the samples both annotators of a pair labelled; alpha
(nominal) over every sample that at least two annotators labelled; full agreement
is the share of those samples on which every annotator gave the same label; each
annotator's quality comes from CROWDLAB (``app.core.team_labels``).
"""

from __future__ import annotations

import itertools
import math
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from app.core.label_state import DATA_FILE

if TYPE_CHECKING:
    from app.core.session import LabelingSession

UNNAMED = "(unnamed)"


def shown(name: str) -> str:
    return name or UNNAMED


def _kappa(a: list[str], b: list[str]) -> float | None:
    from sklearn.metrics import cohen_kappa_score

    if len(a) < 2:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = float(cohen_kappa_score(a, b))
    return None if math.isnan(value) else round(value, 6)


def krippendorff_alpha(votes: dict[str, dict[str, str]], classes: list[str]) -> float | None:
    """Nominal alpha over the samples at least two annotators labelled (None without any)."""
    import krippendorff

    names = sorted(votes)
    rows = sorted({r for v in votes.values() for r in v})
    counts = {r: sum(r in votes[n] for n in names) for r in rows}
    rows = [r for r in rows if counts[r] >= 2]
    if len(names) < 2 or not rows:
        return None
    index = {c: i for i, c in enumerate(classes)}
    matrix = np.full((len(names), len(rows)), np.nan)
    for i, name in enumerate(names):
        for j, row in enumerate(rows):
            label = votes[name].get(row)
            if label is not None:
                matrix[i, j] = index.setdefault(label, len(index))
    if len({v for v in matrix[np.isfinite(matrix)].tolist()}) < 2:
        return 1.0  # every rater gave every shared sample the same single class
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = float(krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal"))
    return None if math.isnan(value) else round(value, 6)


def pairs(votes: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    """Cohen's kappa of every pair of annotators, on the samples both labelled."""
    out = []
    for a, b in itertools.combinations(sorted(votes), 2):
        both = sorted(set(votes[a]) & set(votes[b]))
        out.append(
            {
                "a": shown(a),
                "b": shown(b),
                "n": len(both),
                "cohen_kappa": _kappa([votes[a][r] for r in both], [votes[b][r] for r in both]),
            }
        )
    return out


def full_agreement(votes: dict[str, dict[str, str]]) -> float | None:
    """The share of samples labelled by two or more annotators on which all of them agree."""
    shared = [
        r
        for r in {r for v in votes.values() for r in v}
        if sum(r in v for v in votes.values()) >= 2
    ]
    if not shared:
        return None
    same = sum(len({v[r] for v in votes.values() if r in v}) == 1 for r in shared)
    return round(same / len(shared), 6)


def report(
    votes: dict[str, dict[str, str]], classes: list[str], annotator_quality: dict[str, float]
) -> dict[str, Any]:
    """One target's figures in the JSON shape, from each annotator's labels (row id -> class)."""
    return {
        "annotators": {shown(a): len(v) for a, v in sorted(votes.items())},
        "pairs": pairs(votes),
        "krippendorff_alpha": krippendorff_alpha(votes, classes),
        "full_agreement": full_agreement(votes),
        "annotator_quality": {shown(a): round(q, 6) for a, q in sorted(annotator_quality.items())},
    }


def target_agreement(session: LabelingSession, target: str) -> dict[str, Any]:
    from app.core.team_labels import compute_consensus

    votes = {a: v for a, v in session.store.by_annotator(target).items() if a != DATA_FILE}
    consensus = compute_consensus(session, target)
    classes = list(session.schema.target(target).classes)
    return report(votes, classes, consensus.annotator_quality)


def agreement(session: LabelingSession, targets: list[str] | None = None) -> dict[str, Any]:
    """The agreement report of the issue's JSON shape, for ``targets`` (default: all)."""
    return {"targets": {t: target_agreement(session, t) for t in targets or session.targets}}
