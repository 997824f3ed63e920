"""Find labels that look wrong: out-of-fold probabilities ranked by confident learning.

Confident learning is only as good as its out-of-fold probabilities, so two
different models score every labelled row from folds that never saw its label:
the EBM and scikit-learn's HistGradientBoosting (``models.second_opinion``), on
the same folds. Their probabilities are mixed with the EBM weight (0, ¼, ½, ¾
or 1) that gives the lowest out-of-fold log-loss against the given labels: the
EBM wins on small tabular sets, the trees on image-like data, and a mix on most.
Rows are ranked by one score, the mixed probability of the given label (low =
suspicious). Confident learning (cleanlab) estimates how many labels are wrong;
that many rows at the top are ``flagged``, so the flags never reorder the queue.
``tools/measure_review.py`` measures all of this against cleanlab on
out-of-fold HistGradientBoosting.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from models.ebm import EBMSettings, align_proba, fit_ebm
from models.jobs import Progress, ShouldStop, check_stop, report

if TYPE_CHECKING:
    import pandas as pd

EBM_WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)
# The review runs in the background, so its EBMs may look for more pairs than the
# interactive ones (3): on the imbalanced 4-class set at 10% noise, 10 pairs lift
# top-k precision from 0.803 to 0.817 at the same time per fold.
REVIEW_INTERACTIONS = 10


@dataclass(frozen=True)
class ReviewItem:
    position: int
    given: str
    suggested: str
    score: float  # higher = more likely wrong, in [0, 1]
    flagged: bool  # among the rows confident learning counts as label issues
    proba: tuple[float, ...]  # the mixed out-of-fold probabilities, in class order


@dataclass
class OutOfFold:
    """Both models' out-of-fold probabilities and their mix, rows × classes in class order."""

    ebm: np.ndarray
    trees: np.ndarray | None
    ebm_weight: float

    @property
    def mixed(self) -> np.ndarray:
        if self.trees is None:
            return self.ebm
        return np.asarray(self.ebm_weight * self.ebm + (1.0 - self.ebm_weight) * self.trees)


def _folds(y: np.ndarray, folds: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    from sklearn.model_selection import StratifiedKFold

    _, counts = np.unique(y, return_counts=True)
    k = int(max(2, min(folds, counts.min())))
    splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros(len(y)), y))


def out_of_fold(
    X: pd.DataFrame,
    y: np.ndarray,
    feature_types: list[str],
    classes: list[str],
    settings: EBMSettings,
    folds: int = 5,
    second_opinion: bool = True,
    progress: Progress | None = None,
    should_stop: ShouldStop | None = None,
    more_pairs: bool = True,
) -> OutOfFold:
    """Each labelled row scored by an EBM and by boosted trees that never saw its label.

    ``more_pairs`` lets the EBMs look for ``REVIEW_INTERACTIONS`` pairs.
    """
    from models.scoring import compile_ebm
    from models.second_opinion import tree_matrix, tree_proba

    splits = _folds(y, folds, settings.random_state)
    if more_pairs:
        settings = replace(settings, interactions=max(settings.interactions, REVIEW_INTERACTIONS))
    ebm_proba = np.zeros((len(y), len(classes)))
    trees = np.zeros_like(ebm_proba) if second_opinion else None
    matrix, categorical = tree_matrix(X, feature_types) if second_opinion else (None, None)
    k = len(splits)
    for i, (train, test) in enumerate(splits):
        check_stop(should_stop)
        report(progress, i / k, f"Cross-checking labels, fold {i + 1} of {k}")
        y_train = y[train]
        if len(np.unique(y_train)) < 2:
            share = np.bincount([classes.index(c) for c in y_train], minlength=len(classes))
            ebm_proba[test] = share / len(y_train)
            if trees is not None:
                trees[test] = share / len(y_train)
            continue
        ebm = fit_ebm(X.iloc[train], y_train, feature_types, settings)
        raw = compile_ebm(ebm).predict_proba(X.iloc[test], device="cpu")
        ebm_proba[test] = align_proba(raw, [str(c) for c in ebm.classes_], classes)
        if trees is not None and matrix is not None and categorical is not None:
            check_stop(should_stop)
            report(progress, (i + 0.6) / k, f"Cross-checking labels, fold {i + 1} of {k}")
            trees[test] = tree_proba(
                matrix[train], y_train, matrix[test], categorical, classes, settings.random_state
            )
    labels = np.asarray([classes.index(c) for c in y], dtype=np.int64)
    weight = 1.0 if trees is None else best_ebm_weight(ebm_proba, trees, labels)
    return OutOfFold(ebm_proba, trees, weight)


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
    """The mixed out-of-fold probabilities of every labelled row."""
    return out_of_fold(
        X, y, feature_types, classes, settings, folds, True, progress, should_stop
    ).mixed


def log_loss(proba: np.ndarray, labels: np.ndarray) -> float:
    picked = proba[np.arange(len(labels)), labels]
    return float(-np.mean(np.log(np.clip(picked, 1e-6, 1.0))))


def best_ebm_weight(ebm: np.ndarray, trees: np.ndarray, labels: np.ndarray) -> float:
    """The EBM's share of the mix with the lowest out-of-fold log-loss (ties favour the EBM).

    One parameter chosen over every labelled row hardly overfits, and the log-loss
    is measured against the given labels, noise included, as it must be.
    """
    losses = [log_loss(w * ebm + (1 - w) * trees, labels) for w in EBM_WEIGHTS]
    best = min(losses)
    return max(w for w, v in zip(EBM_WEIGHTS, losses, strict=True) if v <= best + 1e-9)


def issue_scores(proba: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """How suspicious each label is, in [0, 1]: one minus its out-of-fold probability."""
    return np.asarray(1.0 - proba[np.arange(len(labels)), labels], dtype=np.float64)


def count_issues(proba: np.ndarray, labels: np.ndarray) -> int:
    """Confident learning's estimate of how many labels are wrong."""
    from cleanlab.filter import find_label_issues

    present = np.unique(labels)
    if len(present) < 2:
        return 0
    # cleanlab wants every class column to be present among the labels.
    local = {c: i for i, c in enumerate(present)}
    sub = proba[:, present]
    sub = sub / np.clip(sub.sum(axis=1, keepdims=True), 1e-12, None)
    sub_labels = np.asarray([local[c] for c in labels])
    return int(np.sum(find_label_issues(sub_labels, sub, filter_by="prune_by_noise_rate")))


def rank_label_issues(
    positions: np.ndarray, y: np.ndarray, oof: np.ndarray, classes: list[str]
) -> list[ReviewItem]:
    """Every labelled row with a suggested label and a score, most suspicious first.

    The order is the score alone; the first ``count_issues`` rows are flagged, so
    the queue never runs dry and the flags explain where the likely errors end.
    """
    index = {c: i for i, c in enumerate(classes)}
    labels = np.asarray([index[c] for c in y], dtype=np.int64)
    score = issue_scores(oof, labels)
    order = np.argsort(-score, kind="stable")
    flagged = np.zeros(len(labels), dtype=bool)
    flagged[order[: count_issues(oof, labels)]] = True
    suggested = np.argmax(oof, axis=1)
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
