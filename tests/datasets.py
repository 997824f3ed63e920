"""Small data files the tests build from scikit-learn's bundled datasets and seeded generators."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd


def breast_cancer_files(
    folder: Path,
    n_seed_labels: int = 10,
    seed: int = 0,
    flip_fraction: float = 0.0,
    all_labelled: bool = False,
) -> tuple[Path, Path, list[int]]:
    """(data.csv with a few labels, truth.csv, ids of flipped rows)."""
    from sklearn.datasets import load_breast_cancer

    bunch = load_breast_cancer()
    X = pd.DataFrame(bunch.data, columns=[c.replace(" ", "_") for c in bunch.feature_names])
    y = np.where(bunch.target == 1, "benign", "malignant").astype(object)
    ids = np.arange(1, len(y) + 1)
    rng = np.random.default_rng(seed)
    truth = pd.DataFrame({"id": ids, "label": y})
    given = y.copy()
    flipped: list[int] = []
    if flip_fraction > 0:
        chosen = rng.choice(len(y), size=round(flip_fraction * len(y)), replace=False)
        given[chosen] = np.where(given[chosen] == "benign", "malignant", "benign")
        flipped = [int(ids[i]) for i in chosen]
    label = np.full(len(y), None, dtype=object)
    if all_labelled:
        label[:] = given
    else:
        # A stratified handful, so both classes are present from the start.
        for cls in ("benign", "malignant"):
            pool = np.flatnonzero(y == cls)
            take = rng.choice(pool, size=n_seed_labels // 2, replace=False)
            label[take] = given[take]
    data = pd.concat([pd.DataFrame({"id": ids}), X, pd.DataFrame({"label": label})], axis=1)
    data_path, truth_path = folder / "cancer.csv", folder / "cancer_truth.csv"
    data.to_csv(data_path, index=False)
    truth.to_csv(truth_path, index=False)
    return data_path, truth_path, flipped


def digits_file(folder: Path, n: int = 300, labelled: int = 30, seed: int = 0) -> Path:
    """sklearn's 8×8 digits as pixel columns, a multiclass target with a few labels."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(bunch.target), size=n, replace=False)
    pixels = pd.DataFrame(
        bunch.data[rows], columns=[f"pixel_{r}_{c}" for r in range(8) for c in range(8)]
    )
    label = np.full(n, None, dtype=object)
    label[:labelled] = bunch.target[rows][:labelled].astype(str)
    data = pd.concat(
        [pd.DataFrame({"sample_id": np.arange(n)}), pixels, pd.DataFrame({"digit_label": label})],
        axis=1,
    )
    path = folder / "digits.csv"
    data.to_csv(path, index=False)
    return path


def mixed_file(folder: Path, n: int = 240, seed: int = 0) -> Path:
    """Numeric and text-category features with holes, and two chained targets."""
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    color = rng.choice(np.array(["red", "green", "blue"], dtype=object), n)
    x2 = rng.normal(size=n)
    a = np.where(x1 + (color == "red") > 0.5, "pos", "neg").astype(object)
    b = np.where((a == "pos") ^ (x2 > 1.0), "high", "low").astype(object)
    x1_holes = x1.copy()
    x1_holes[rng.random(n) < 0.1] = np.nan
    color_holes = color.copy()
    color_holes[rng.random(n) < 0.1] = None
    a_label = np.full(n, None, dtype=object)
    b_label = np.full(n, None, dtype=object)
    a_label[:60] = a[:60]
    b_label[:60] = b[:60]
    frame = pd.DataFrame(
        {
            "key": [f"k{i}" for i in range(n)],
            "x1": x1_holes,
            "color": color_holes,
            "x2": x2,
            "a_label": a_label,
            "b_label": b_label,
        }
    )
    path = folder / "mixed.csv"
    frame.to_csv(path, index=False)
    return path
