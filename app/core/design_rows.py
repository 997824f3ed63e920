"""A few rows of a target's design matrix, made on demand instead of kept for every row.

A model's design matrix at a million rows × 20 features is 160 MB; keeping one per
target (four targets, four copies) was most of the app's memory. Explanations need
one row, the learning curve and the review only the labelled rows, so these are
built when asked: the data's rows, plus each upstream target's label (or its
model's prediction) at those rows, exactly as ``models.design`` builds every row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from models.design import chained_columns, design_matrix

if TYPE_CHECKING:
    import pandas as pd

    from models.training import FittedTarget, TargetInput


def design_rows(
    data: pd.DataFrame,
    kinds: Mapping[str, str],
    target: TargetInput,
    upstream: Mapping[str, tuple[TargetInput | None, FittedTarget | None]],
    positions: Sequence[int] | np.ndarray,
) -> tuple[pd.DataFrame, list[str]]:
    """The design rows of ``target`` at ``positions`` and the interpret feature types.

    ``upstream`` maps each target ``target`` uses to its labels and its current model.
    """
    rows = np.asarray(positions, dtype=np.int64)
    local = {int(p): i for i, p in enumerate(rows)}
    chained: dict[str, np.ndarray] = {}
    for name in target.uses_targets:
        spec, fitted = upstream.get(name, (None, None))
        labels = {} if spec is None else {local[p]: v for p, v in spec.labels.items() if p in local}
        classes = [] if spec is None else list(spec.classes)
        proba = predicted = None
        if fitted is not None:
            proba = np.asarray(fitted.proba[rows])
            predicted = np.asarray(fitted.classes, dtype=object)[np.argmax(proba, axis=1)]
        chained.update(chained_columns(name, len(rows), labels, classes, predicted, proba))
    frame = data.iloc[rows]
    X, types = design_matrix(frame, list(target.features), dict(kinds), chained)
    return X, types
