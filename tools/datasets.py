"""The data the measurement scripts use: scikit-learn's bundled sets and seeded generators.

Every set is a (features frame, labels as text) pair; nothing is downloaded.
``write_simulation`` turns one into the data and truth files ``simulate`` reads.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

Dataset = tuple[pd.DataFrame, np.ndarray]


def _bunch(loader: Callable[[], Any]) -> Dataset:
    bunch = loader()
    names = [str(c).replace(" (cm)", "").replace(" ", "_") for c in bunch.feature_names]
    X = pd.DataFrame(bunch.data, columns=names)
    labels = np.asarray(bunch.target_names)[np.asarray(bunch.target)]
    return X, np.asarray([str(v) for v in labels], dtype=object)


def breast_cancer() -> Dataset:
    from sklearn.datasets import load_breast_cancer

    return _bunch(load_breast_cancer)


def wine() -> Dataset:
    from sklearn.datasets import load_wine

    return _bunch(load_wine)


def iris() -> Dataset:
    from sklearn.datasets import load_iris

    return _bunch(load_iris)


def digits() -> Dataset:
    """8×8 images as 64 pixel columns, ten classes."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    X = pd.DataFrame(bunch.data, columns=[f"pixel_{r}_{c}" for r in range(8) for c in range(8)])
    return X, np.asarray([str(v) for v in bunch.target], dtype=object)


def imbalanced4(n: int = 3000, seed: int = 0) -> Dataset:
    """Four classes at 55 / 25 / 13 / 7 %, 20 features of which 8 informative."""
    from sklearn.datasets import make_classification

    X, y = make_classification(
        n_samples=n,
        n_features=20,
        n_informative=8,
        n_redundant=4,
        n_classes=4,
        n_clusters_per_class=2,
        weights=[0.55, 0.25, 0.13, 0.07],
        class_sep=1.2,
        flip_y=0.0,
        random_state=seed,
    )
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    return frame, np.asarray([f"c{v}" for v in y], dtype=object)


def ten_class(n: int = 2000, seed: int = 1) -> Dataset:
    """Ten balanced classes, 20 features of which 12 informative."""
    from sklearn.datasets import make_classification

    X, y = make_classification(
        n_samples=n,
        n_features=20,
        n_informative=12,
        n_redundant=2,
        n_classes=10,
        n_clusters_per_class=1,
        class_sep=1.5,
        flip_y=0.0,
        random_state=seed,
    )
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    return frame, np.asarray([f"k{v}" for v in y], dtype=object)


def binary_2000(seed: int = 0) -> Dataset:
    """The bench's retrain set: 2,000 × 20, 5% missing, one main effect and one pair."""
    rng = np.random.default_rng(seed)
    n, d = 2000, 20
    X = pd.DataFrame(rng.normal(size=(n, d)), columns=[f"f{i}" for i in range(d)])
    X = X.mask(rng.random((n, d)) < 0.05)
    signal = X["f0"].fillna(0) + X["f1"].fillna(0) * X["f2"].fillna(0) + rng.normal(size=n)
    return X, np.where(signal > 0, "yes", "no").astype(object)


def separable_binary(n: int = 2000, seed: int = 4) -> Dataset:
    """Two well-separated classes (clean labels are learnable to ~99%), 10 features."""
    from sklearn.datasets import make_classification

    X, y = make_classification(
        n_samples=n,
        n_features=10,
        n_informative=4,
        n_redundant=2,
        n_clusters_per_class=1,
        class_sep=2.0,
        flip_y=0.0,
        random_state=seed,
    )
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    return frame, np.where(y == 1, "yes", "no").astype(object)


def clinic_target(target: str = "DM_label") -> Dataset:
    """One diagnosis of the built-in demo clinic (2,000 patients, missing values).

    A chained target also sees its upstream diagnoses, as the demo project defines.
    """
    from app.core.demo import clinic_frames, demo_definition

    spec = demo_definition()
    data, truth = clinic_frames(spec["rows"], spec["seed"], 0)
    t = next(t for t in spec["targets"] if t["name"] == target)
    X = data[t["features"]].copy()
    for upstream in t.get("uses_targets", []):
        X[upstream] = truth[upstream].to_numpy(dtype=object)
    return X, truth[target].to_numpy(dtype=object)


def feature_types(X: pd.DataFrame) -> list[str]:
    """interpret's feature types: numbers are continuous, anything else nominal."""
    return ["continuous" if X[c].dtype.kind in "fiu" else "nominal" for c in X.columns]


SETS: dict[str, Callable[[], Dataset]] = {
    "breast_cancer": breast_cancer,
    "wine": wine,
    "iris": iris,
    "digits": digits,
    "imbalanced4": imbalanced4,
    "ten_class": ten_class,
}


def flip_labels(y: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(noisy labels, flipped positions): ``fraction`` of rows get another class, uniformly."""
    rng = np.random.default_rng(seed)
    classes = np.unique(y)
    flipped = np.sort(rng.choice(len(y), size=round(fraction * len(y)), replace=False))
    noisy = y.copy()
    for i in flipped:
        others = classes[classes != y[i]]
        noisy[i] = others[rng.integers(len(others))]
    return noisy, flipped


def start_labels(y: np.ndarray, per_class: int, seed: int) -> np.ndarray:
    """Positions of a stratified handful of starting labels."""
    rng = np.random.default_rng(seed)
    picks = []
    for cls in np.unique(y):
        pool = np.flatnonzero(y == cls)
        picks.extend(rng.choice(pool, size=min(per_class, len(pool)), replace=False).tolist())
    return np.sort(np.asarray(picks, dtype=np.int64))


def write_simulation(
    folder: Path, X: pd.DataFrame, y: np.ndarray, start: np.ndarray, name: str = "data"
) -> tuple[Path, Path]:
    """(data file with the starting labels, truth file) for ``labelwright simulate``."""
    folder.mkdir(parents=True, exist_ok=True)
    ids = np.arange(1, len(y) + 1)
    label = np.full(len(y), None, dtype=object)
    label[start] = y[start]
    data = pd.concat(
        [pd.DataFrame({"id": ids}), X.reset_index(drop=True), pd.DataFrame({"label": label})],
        axis=1,
    )
    data_path, truth_path = folder / f"{name}.csv", folder / f"{name}_truth.csv"
    data.to_csv(data_path, index=False)
    pd.DataFrame({"id": ids, "label": y}).to_csv(truth_path, index=False)
    return data_path, truth_path
