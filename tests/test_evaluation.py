"""The learning curve: cross-validated macro-F1 against the number of labels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer

from models.ebm import EBMSettings
from models.evaluation import (
    curve_with_estimate,
    default_sizes,
    learning_curve,
    nested_stratified_order,
    pool_estimate,
    wilson_interval,
)
from models.training import Cancelled

CLASSES = ["benign", "malignant"]


@pytest.fixture(scope="module")
def cancer() -> tuple[pd.DataFrame, np.ndarray]:
    data = load_breast_cancer(as_frame=True)
    y = np.where(data.target.to_numpy() == 1, "benign", "malignant").astype(object)
    return data.data, y


def test_curve_rises_and_reports_progress(cancer: tuple[pd.DataFrame, np.ndarray]) -> None:
    X, y = cancer
    calls: list[tuple[float, str]] = []
    sizes, scores, errors = learning_curve(
        X,
        y,
        ["continuous"] * X.shape[1],
        CLASSES,
        EBMSettings.tiny(),
        progress=lambda f, m: calls.append((f, m)),
    )
    assert 4 <= len(sizes) <= 5
    assert sizes == sorted(sizes)
    assert sizes[0] == 10
    assert sizes[-1] == pytest.approx(len(y) * 2 / 3, abs=2)
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert all(e >= 0.0 for e in errors)
    assert scores[-1] > 0.9
    assert scores[-1] >= scores[0] - 0.02
    fractions = [f for f, _ in calls]
    assert fractions == sorted(fractions)
    assert fractions[-1] == 1.0
    assert "fold 1/3" in calls[0][1]


def test_explicit_sizes_are_capped_and_folds_respected(
    cancer: tuple[pd.DataFrame, np.ndarray],
) -> None:
    X, y = cancer
    X, y = X.iloc[:120], y[:120]
    sizes, scores, errors = learning_curve(
        X, y, ["continuous"] * X.shape[1], CLASSES, EBMSettings.tiny(), sizes=[1, 20, 500], folds=2
    )
    assert sizes == [20, 60]
    assert len(scores) == len(errors) == 2


def test_cancel_stops_before_fitting(cancer: tuple[pd.DataFrame, np.ndarray]) -> None:
    X, y = cancer
    with pytest.raises(Cancelled):
        learning_curve(
            X, y, ["continuous"] * X.shape[1], CLASSES, EBMSettings.tiny(), should_stop=lambda: True
        )


def test_too_few_labels_give_an_empty_curve(cancer: tuple[pd.DataFrame, np.ndarray]) -> None:
    X, _ = cancer
    types = ["continuous"] * 30
    one_class = np.array(["benign"] * 5, dtype=object)
    assert learning_curve(X.iloc[:5], one_class, types, CLASSES, EBMSettings.tiny()) == ([], [], [])
    single_malignant = np.array(["benign"] * 9 + ["malignant"], dtype=object)
    curve = learning_curve(X.iloc[:10], single_malignant, types, CLASSES, EBMSettings.tiny())
    assert curve == ([], [], [])


def test_nested_order_puts_every_class_first() -> None:
    y = np.array(["a"] * 90 + ["b"] * 9 + ["c"] * 1)
    order = nested_stratified_order(y, seed=3)
    assert sorted(order.tolist()) == list(range(100))
    assert set(y[order[:3]]) == {"a", "b", "c"}
    share_b = np.mean(y[order[:50]] == "b")
    assert 0.04 <= share_b <= 0.16


def test_default_sizes() -> None:
    assert default_sizes(379, 2) == [10, 25, 62, 153, 379]
    assert default_sizes(8, 2) == [8]
    assert default_sizes(30, 10)[0] == 20


def test_curve_gives_a_cross_validated_accuracy_with_an_interval(
    cancer: tuple[pd.DataFrame, np.ndarray],
) -> None:
    X, y = cancer
    X, y = X.iloc[:150], y[:150]
    result = curve_with_estimate(
        X, y, ["continuous"] * X.shape[1], CLASSES, EBMSettings.tiny(), folds=3
    )
    estimate = result.accuracy
    assert estimate is not None
    assert estimate.n == 150  # every label predicted once, by the fold that left it out
    assert 0.0 <= estimate.low < estimate.accuracy < estimate.high <= 1.0
    assert estimate.accuracy > 0.8
    assert (estimate.low, estimate.high) == wilson_interval(round(estimate.accuracy * 150), 150)
    assert "Estimated accuracy" in estimate.text()
    assert (
        result.sizes
        == learning_curve(X, y, ["continuous"] * X.shape[1], CLASSES, EBMSettings.tiny(), folds=3)[
            0
        ]
    )


def test_wilson_interval() -> None:
    low, high = wilson_interval(0, 10)
    assert low == 0.0 and 0.25 < high < 0.35
    low, high = wilson_interval(95, 100)
    assert 0.88 < low < 0.9 and 0.97 < high < 0.99
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_pool_estimate_weights_accuracy_by_the_pools_confidence() -> None:
    rng = np.random.default_rng(0)
    confidence = rng.uniform(0.5, 1.0, 400)
    correct = rng.random(400) < confidence  # accuracy tracks confidence
    hard_pool = pool_estimate(confidence, correct, np.full(1000, 0.55))
    easy_pool = pool_estimate(confidence, correct, np.full(1000, 0.99))
    assert easy_pool.rows == 1000 and easy_pool.n == 400
    assert hard_pool.accuracy < np.mean(correct) < easy_pool.accuracy
    assert easy_pool.accuracy > 0.85
    for e in (hard_pool, easy_pool):
        assert 0.0 <= e.low < e.accuracy < e.high <= 1.0
    assert "on the 1,000 unlabelled rows" in easy_pool.text()


def test_curve_carries_the_estimate_to_the_unlabelled_rows(
    cancer: tuple[pd.DataFrame, np.ndarray],
) -> None:
    X, y = cancer
    result = curve_with_estimate(
        X.iloc[:90],
        y[:90],
        ["continuous"] * X.shape[1],
        CLASSES,
        EBMSettings.tiny(),
        folds=3,
        pool_confidence=np.full(300, 0.97),
    )
    assert result.accuracy is not None and result.pool_accuracy is not None
    assert result.pool_accuracy.rows == 300 and result.pool_accuracy.n == 90
    assert result.best_estimate is result.pool_accuracy
