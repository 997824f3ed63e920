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
    """Cross-validated macro-F1 at several numbers of labels: (sizes, mean, std across folds).

    ``X`` and ``y`` are the labelled rows only. Sizes are training-set sizes, capped at
    a fold's training size; too few labels for two folds give three empty lists.
    """
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold

    labels = np.asarray(y, dtype=object).astype(str)
    present, counts = np.unique(labels, return_counts=True)
    n_folds = min(folds, int(counts.min()) if len(counts) else 0)
    if len(present) < 2 or n_folds < 2:
        return [], [], []
    scored = [c for c in classes if c in set(present)] or [str(c) for c in present]
    splitter = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=settings.random_state)
    splits = list(splitter.split(np.zeros(len(labels)), labels))
    max_train = min(len(train) for train, _ in splits)
    if sizes is None:
        grid = default_sizes(max_train, len(present))
    else:
        grid = sorted({min(int(s), max_train) for s in sizes if int(s) >= len(present)})
    if not grid:
        return [], [], []
    scores = np.full((len(grid), n_folds), np.nan)
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
            predicted = np.asarray(ebm.predict(X.iloc[test])).astype(str)
            scores[s, f] = f1_score(
                labels[test], predicted, labels=scored, average="macro", zero_division=0
            )
    if progress is not None:
        progress(1.0, "Learning curve done")
    keep = ~np.all(np.isnan(scores), axis=1)
    mean = np.nanmean(scores[keep], axis=1)
    std = np.nanstd(scores[keep], axis=1)
    kept = [size for size, k in zip(grid, keep, strict=True) if k]
    return kept, [float(v) for v in mean], [float(v) for v in std]
