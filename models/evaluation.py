"""How good the model is, and how fast it improves with more labels.

The learning curve answers the expert's practical question, "is labelling more
still worth it?". Each point is a cross-validated macro-F1 (every class counts
equally, so a rare class the model ignores pulls the score down) of an EBM trained
on a stratified subsample of a training fold. Subsamples of one fold are nested
(a smaller size is a prefix of a larger one), so the curve shows the effect of
adding labels rather than the noise of drawing different ones.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from models.ebm import EBMSettings, fit_ebm
from models.training import Cancelled

if TYPE_CHECKING:
    import pandas as pd

Progress = Callable[[float, str], None]
ShouldStop = Callable[[], bool]

MIN_SIZE = 10
N_SIZES = 5
Z95 = 1.959964


@dataclass(frozen=True)
class AccuracyEstimate:
    """Cross-validated accuracy, with a 95% interval.

    Every labelled row is predicted once by a model that never saw it (the
    learning curve's largest size). ``rows`` is None when the figure is the
    accuracy on those labelled rows themselves. Actively chosen labels are the
    hard cases, so that figure is pessimistic for the rest of the table (0.84
    against a true 0.998 on breast cancer after 120 margin-sampled labels);
    ``pool_estimate`` therefore carries it over to the unlabelled rows through
    the model's confidence, and then ``rows`` is how many rows it speaks for.
    """

    accuracy: float
    low: float
    high: float
    n: int
    rows: int | None = None

    def text(self) -> str:
        where = "" if self.rows is None else f" on the {self.rows:,} unlabelled rows"
        return (
            f"Estimated accuracy{where} {self.accuracy:.0%} "
            f"(95% interval {self.low:.0%}–{self.high:.0%}, from {self.n} labels cross-validated)"
        )


@dataclass(frozen=True)
class CurveResult:
    """The learning curve and, from its largest size, the accuracy estimates."""

    sizes: list[int]
    means: list[float]
    stds: list[float]
    accuracy: AccuracyEstimate | None  # on the labelled rows
    pool_accuracy: AccuracyEstimate | None = None  # reweighted to the unlabelled rows

    @property
    def best_estimate(self) -> AccuracyEstimate | None:
        return self.pool_accuracy or self.accuracy


def pool_estimate(
    confidence: np.ndarray,
    correct: np.ndarray,
    pool_confidence: np.ndarray,
    resamples: int = 200,
    seed: int = 0,
) -> AccuracyEstimate:
    """Cross-validated accuracy carried over to unlabelled rows through the model's confidence.

    How often the out-of-fold prediction of a label was right is fitted against its
    confidence (the top probability) with a logistic curve on the logit (Platt's
    form); the estimate is that curve's mean over the unlabelled rows' current
    confidences. The pool is usually more confident than any actively chosen label,
    and the curve carries the trend there, where bins of labels could only repeat
    their top bin. The interval is the 2.5-97.5 percentile over bootstrap
    resamples of the labels.
    """
    x = _logit(np.asarray(confidence, dtype=np.float64))
    hit = np.asarray(correct, dtype=np.float64)
    pool_x = _logit(np.asarray(pool_confidence, dtype=np.float64))
    coef = _platt(x, hit)
    accuracy = float(np.mean(_sigmoid(coef[0] + coef[1] * pool_x)))
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(resamples):
        i = rng.integers(0, len(x), len(x))
        coef = _platt(x[i], hit[i])
        draws.append(np.mean(_sigmoid(coef[0] + coef[1] * pool_x)))
    low, high = np.percentile(draws, [2.5, 97.5]) if draws else (0.0, 1.0)
    return AccuracyEstimate(
        accuracy,
        float(min(low, accuracy)),
        float(max(high, accuracy)),
        len(hit),
        len(pool_x),
    )


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.asarray(np.log(p / (1 - p)))


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(z, -50, 50))))


def _platt(x: np.ndarray, y: np.ndarray, ridge: float = 1e-2, steps: int = 30) -> np.ndarray:
    """(intercept, slope) of a logistic fit of ``y`` on ``x`` by Newton's method, lightly ridged."""
    X = np.stack([np.ones_like(x), x], axis=1)
    coef = np.zeros(2)
    for _ in range(steps):
        p = _sigmoid(X @ coef)
        grad = X.T @ (p - y) + ridge * coef
        hess = (X * (p * (1 - p))[:, None]).T @ X + ridge * np.eye(2)
        step = np.linalg.solve(hess, grad)
        coef -= step
        if np.abs(step).max() < 1e-8:
            break
    return coef


def wilson_interval(correct: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a proportion (sound at 0, 1 and small ``n``)."""
    if n <= 0:
        return 0.0, 1.0
    p = correct / n
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, float(centre - half)), min(1.0, float(centre + half))


def default_sizes(max_train: int, n_classes: int, count: int = N_SIZES) -> list[int]:
    """About ``count`` geometrically spaced training sizes from ~10 up to ``max_train``."""
    low = min(max(MIN_SIZE, 2 * n_classes), max_train)
    if max_train <= low:
        return [max_train]
    sizes = np.unique(np.rint(np.geomspace(low, max_train, count)).astype(int))
    return [int(s) for s in sizes]


def nested_stratified_order(y: np.ndarray, seed: int) -> np.ndarray:
    """An order of ``y``'s positions whose every prefix is (about) stratified.

    One sample of each class comes first, so any prefix at least as long as the
    number of classes holds every class; the rest interleave in class proportion.
    """
    rng = np.random.default_rng(seed)
    keys = np.empty(len(y), dtype=np.float64)
    for cls in np.unique(y):
        idx = np.flatnonzero(y == cls)
        idx = idx[rng.permutation(len(idx))]
        keys[idx] = (np.arange(len(idx)) + rng.random(len(idx))) / len(idx)
        keys[idx[0]] = -1.0 + rng.random() * 1e-3
    return np.argsort(keys, kind="stable")


def learning_curve(
    X: pd.DataFrame,
    y: np.ndarray | Sequence[str],
    feature_types: list[str],
    classes: list[str],
    settings: EBMSettings,
    sizes: Sequence[int] | None = None,
    folds: int = 3,
    progress: Progress | None = None,
    should_stop: ShouldStop | None = None,
) -> tuple[list[int], list[float], list[float]]:
    """Cross-validated macro-F1 at several numbers of labels: (sizes, mean, std across folds)."""
    r = curve_with_estimate(
        X, y, feature_types, classes, settings, sizes, folds, progress, should_stop
    )
    return r.sizes, r.means, r.stds


def curve_with_estimate(
    X: pd.DataFrame,
    y: np.ndarray | Sequence[str],
    feature_types: list[str],
    classes: list[str],
    settings: EBMSettings,
    sizes: Sequence[int] | None = None,
    folds: int = 3,
    progress: Progress | None = None,
    should_stop: ShouldStop | None = None,
    pool_confidence: np.ndarray | None = None,
) -> CurveResult:
    """Cross-validated macro-F1 at several numbers of labels, and the accuracy estimate.

    ``X`` and ``y`` are the labelled rows only. Sizes are training-set sizes, capped at
    a fold's training size; too few labels for two folds give an empty curve and no
    estimate. The estimate comes for free: at the largest size every labelled row is
    predicted once, by the fold that left it out. With ``pool_confidence`` (the
    current model's top probability on each unlabelled row) it is also carried
    over to the unlabelled rows (``pool_estimate``).
    """
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold

    labels = np.asarray(y, dtype=object).astype(str)
    present, counts = np.unique(labels, return_counts=True)
    n_folds = min(folds, int(counts.min()) if len(counts) else 0)
    empty = CurveResult([], [], [], None)
    if len(present) < 2 or n_folds < 2:
        return empty
    scored = [c for c in classes if c in set(present)] or [str(c) for c in present]
    splitter = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=settings.random_state)
    splits = list(splitter.split(np.zeros(len(labels)), labels))
    max_train = min(len(train) for train, _ in splits)
    if sizes is None:
        grid = default_sizes(max_train, len(present))
    else:
        grid = sorted({min(int(s), max_train) for s in sizes if int(s) >= len(present)})
    if not grid:
        return empty
    scores = np.full((len(grid), n_folds), np.nan)
    correct = np.zeros(len(labels), dtype=bool)
    confidence = np.zeros(len(labels))
    predicted_once = np.zeros(len(labels), dtype=bool)
    total = len(grid) * n_folds
    for f, (train, test) in enumerate(splits):
        order = train[nested_stratified_order(labels[train], settings.random_state + f)]
        for s, size in enumerate(grid):
            if should_stop is not None and should_stop():
                raise Cancelled
            if progress is not None:
                step = f * len(grid) + s
                progress(step / total, f"Learning curve: {size} labels, fold {f + 1}/{n_folds}")
            subset = order[:size]
            if len(np.unique(labels[subset])) < 2:
                continue
            ebm = fit_ebm(X.iloc[subset], labels[subset], feature_types, settings)
            proba = np.asarray(ebm.predict_proba(X.iloc[test]))
            predicted = np.asarray(ebm.classes_).astype(str)[proba.argmax(axis=1)]
            scores[s, f] = f1_score(
                labels[test], predicted, labels=scored, average="macro", zero_division=0
            )
            if s == len(grid) - 1:
                correct[test] = predicted == labels[test]
                confidence[test] = proba.max(axis=1)
                predicted_once[test] = True
    if progress is not None:
        progress(1.0, "Learning curve done")
    keep = ~np.all(np.isnan(scores), axis=1)
    mean = np.nanmean(scores[keep], axis=1)
    std = np.nanstd(scores[keep], axis=1)
    kept = [size for size, k in zip(grid, keep, strict=True) if k]
    n = int(predicted_once.sum())
    estimate = pooled = None
    if n:
        hits = int(correct[predicted_once].sum())
        low, high = wilson_interval(hits, n)
        estimate = AccuracyEstimate(hits / n, low, high, n)
        if pool_confidence is not None and len(pool_confidence):
            pooled = pool_estimate(
                confidence[predicted_once], correct[predicted_once], pool_confidence
            )
    means, stds = [float(v) for v in mean], [float(v) for v in std]
    return CurveResult(kept, means, stds, estimate, pooled)
