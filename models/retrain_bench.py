"""The two retrain budgets of issue 11, as functions ``labelwright bench`` and tools/ call.

- multiclass: digits (10 classes × 64 pixel features) at 200 labels, goal ≤ 2 s;
- binary: 2,000 labels × 20 features with 5% missing and a pair, goal ≤ 1 s.

Each figure is one whole retrain as the app runs it (``train_targets``: fit,
compile, score every row), the median of ``repeats`` runs after a warm-up run.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from models.ebm import EBMSettings
from models.training import TargetInput, train_targets

if TYPE_CHECKING:
    import pandas as pd

BUDGETS_S = {"multiclass": 2.0, "binary": 1.0}


def digits_case(n_labels: int = 200, seed: int = 0) -> tuple[pd.DataFrame, TargetInput]:
    """scikit-learn's bundled digits, every row in the pool, ``n_labels`` of them labelled."""
    import pandas as pd
    from sklearn.datasets import load_digits

    bunch = load_digits()
    columns = [f"pixel_{r}_{c}" for r in range(8) for c in range(8)]
    data = pd.DataFrame(bunch.data, columns=columns)
    y = bunch.target.astype(str)
    rng = np.random.default_rng(seed)
    picks = rng.choice(len(y), size=n_labels, replace=False)
    classes = sorted(set(y.tolist()), key=int)
    target = TargetInput("digit", classes, columns, [], {int(p): str(y[p]) for p in picks})
    return data, target


def binary_case(seed: int = 0) -> tuple[pd.DataFrame, TargetInput]:
    """2,000 rows × 20 features, 5% missing, one main effect and one pair; all labelled."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    n, d = 2000, 20
    data = pd.DataFrame(rng.normal(size=(n, d)), columns=[f"f{i}" for i in range(d)])
    data = data.mask(rng.random((n, d)) < 0.05)
    signal = data["f0"].fillna(0) + data["f1"].fillna(0) * data["f2"].fillna(0) + rng.normal(size=n)
    y = np.where(signal > 0, "yes", "no")
    target = TargetInput("t", ["no", "yes"], list(data.columns), [], dict(enumerate(y.tolist())))
    return data, target


CASES: dict[str, Callable[[], tuple[pd.DataFrame, TargetInput]]] = {
    "multiclass": digits_case,
    "binary": binary_case,
}


def retrain_seconds(
    case: str, settings: EBMSettings | None = None, repeats: int = 3
) -> dict[str, Any]:
    """Median, worst and first (cold) seconds of one retrain of ``case``."""
    data, target = CASES[case]()
    kinds = dict.fromkeys(data.columns, "numeric")
    times = []
    for seed in range(repeats + 1):
        s = settings or EBMSettings()
        s = EBMSettings.from_json({**s.to_json(), "random_state": seed})
        start = time.perf_counter()
        train_targets(data, kinds, [target], s)
        times.append(time.perf_counter() - start)
    warm = times[1:]
    return {
        "case": case,
        "median_s": statistics.median(warm),
        "max_s": max(warm),
        "first_s": times[0],
        "budget_s": BUDGETS_S[case],
        "labels": len(target.labels),
        "features": len(target.features),
        "classes": len(target.classes),
    }
