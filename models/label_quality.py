"""Find labels that look wrong: out-of-fold probabilities ranked by confident learning."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from models.ebm import EBMSettings, align_proba, fit_ebm
from models.jobs import Progress, ShouldStop, check_stop, report

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class ReviewItem:
    position: int
    given: str
    suggested: str
    score: float  # higher = more likely wrong, in [0, 1]
    flagged: bool  # confident learning counts it as a label issue
    proba: tuple[float, ...]


def out_of_fold_proba(
    X: pd.DataFrame,
    y: np.ndarray,
    feature_types: list[str],
    classes: list[str],
    settings: EBMSettings,
    folds: int = 5,
    progress: Progress | None = None,
    should_stop: ShouldStop | None = None,
) -> np.ndarray:
    """Each labelled row scored by a model that never saw its label."""
    from sklearn.model_selection import StratifiedKFold

    from models.scoring import compile_ebm

    _, counts = np.unique(y, return_counts=True)
    k = int(max(2, min(folds, counts.min())))
    proba = np.zeros((len(y), len(classes)))
    splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=settings.random_state)
    splits = list(splitter.split(np.zeros(len(y)), y))
    for i, (train, test) in enumerate(splits):
        check_stop(should_stop)
        report(progress, i / k, f"Cross-checking labels, fold {i + 1} of {k}")
        y_train = y[train]
        if len(np.unique(y_train)) < 2:
            proba[test] = np.bincount(
                [classes.index(c) for c in y_train], minlength=len(classes)
            ) / len(y_train)
            continue
        ebm = fit_ebm(X.iloc[train], y_train, feature_types, settings)
        raw = compile_ebm(ebm).predict_proba(X.iloc[test], device="cpu")
        proba[test] = align_proba(raw, [str(c) for c in ebm.classes_], classes)
    return proba


def rank_label_issues(
    positions: np.ndarray, y: np.ndarray, oof: np.ndarray, classes: list[str]
) -> list[ReviewItem]:
    """Every labelled row with a suggested label and a score, most suspicious first.

    Rows that confident learning flags come first (ranked by self-confidence),
    the rest follow by the same score, so the queue never runs dry.
    """
    from cleanlab.filter import find_label_issues
    from cleanlab.rank import get_label_quality_scores

    index = {c: i for i, c in enumerate(classes)}
    labels = np.asarray([index[c] for c in y], dtype=np.int64)
    present = np.unique(labels)
    # cleanlab wants every class column to be present among the labels.
    local = {c: i for i, c in enumerate(present)}
    sub = oof[:, present]
    sub = sub / np.clip(sub.sum(axis=1, keepdims=True), 1e-12, None)
    sub_labels = np.asarray([local[c] for c in labels])
    if len(present) < 2:
        quality = np.ones(len(labels))
        flagged = np.zeros(len(labels), dtype=bool)
    else:
        quality = get_label_quality_scores(sub_labels, sub, method="self_confidence")
        flagged = find_label_issues(sub_labels, sub, filter_by="prune_by_noise_rate")
    score = 1.0 - np.asarray(quality, dtype=np.float64)
    suggested = np.argmax(oof, axis=1)
    order = np.lexsort((-score, ~flagged))
    return [
        ReviewItem(
            position=int(positions[i]),
            given=classes[labels[i]],
            suggested=classes[int(suggested[i])],
            score=float(score[i]),
            flagged=bool(flagged[i]),
            proba=tuple(float(v) for v in oof[i]),
        )
        for i in order
    ]
