"""Learning quality: the review queue finds flipped labels, and the committee is a committee."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer, load_wine

from app.cli import main
from models.ebm import EBMSettings
from models.label_quality import (
    EBM_WEIGHTS,
    count_issues,
    issue_scores,
    log_loss,
    out_of_fold,
    rank_label_issues,
)
from models.strategies import CHOICES, STRATEGIES, committee_scores, offered, uncertainty
from models.training import TargetInput, train_targets
from tests.datasets import breast_cancer_files


def test_audit_ranks_flipped_labels_at_the_top(tmp_path: Path) -> None:
    data, _, flipped = breast_cancer_files(tmp_path, flip_fraction=0.3, all_labelled=True, seed=11)
    out = tmp_path / "audit.csv"
    assert main(["audit", "--data", str(data), "--target", "label", "--out", str(out)]) == 0
    ranked = pd.read_csv(out)
    top = set(ranked["id"].head(int(0.3 * len(ranked))))
    found = len(top & set(flipped)) / len(flipped)
    assert found >= 0.8, f"only {found:.0%} of flipped rows in the top 30%"
    # The suggested label for a flipped row is the original (true) label.
    truth = pd.read_csv(tmp_path / "cancer_truth.csv").set_index("id")["label"]
    caught = ranked[ranked["id"].isin(flipped)].head(50)
    right = (caught["suggested"].to_numpy() == truth.loc[caught["id"]].to_numpy()).mean()
    assert right >= 0.9
    # The flagged rows are exactly the top of the ranking: the flags explain the order.
    assert ranked["flagged"].dtype == bool
    n_flagged = int(ranked["flagged"].sum())
    assert n_flagged > 0
    assert ranked["flagged"].tolist() == [True] * n_flagged + [False] * (len(ranked) - n_flagged)
    assert ranked["score"].is_monotonic_decreasing


@pytest.fixture(scope="module")
def noisy_wine() -> tuple[pd.DataFrame, np.ndarray, np.ndarray, list[str]]:
    bunch = load_wine(as_frame=True)
    y = np.asarray([f"w{v}" for v in bunch.target], dtype=object)
    rng = np.random.default_rng(3)
    flipped = rng.choice(len(y), size=18, replace=False)
    noisy = y.copy()
    noisy[flipped] = np.where(y[flipped] == "w0", "w1", "w0")
    return bunch.data, noisy, flipped, ["w0", "w1", "w2"]


def test_review_mixes_two_models_and_ranks_by_one_score(
    noisy_wine: tuple[pd.DataFrame, np.ndarray, np.ndarray, list[str]],
) -> None:
    X, y, flipped, classes = noisy_wine
    oof = out_of_fold(X, y, ["continuous"] * X.shape[1], classes, EBMSettings.tiny())
    assert oof.trees is not None
    assert not np.allclose(oof.ebm, oof.trees)  # two different opinions
    assert oof.ebm_weight in EBM_WEIGHTS
    labels = np.asarray([classes.index(c) for c in y])
    mixed = oof.mixed
    np.testing.assert_allclose(mixed, oof.ebm_weight * oof.ebm + (1 - oof.ebm_weight) * oof.trees)
    # The chosen mix is at least as good (out-of-fold log-loss) as either model alone.
    assert log_loss(mixed, labels) <= min(log_loss(oof.ebm, labels), log_loss(oof.trees, labels))
    items = rank_label_issues(np.arange(len(y)) + 100, y, mixed, classes)
    assert sorted(it.position for it in items) == list(range(100, 100 + len(y)))
    scores = [it.score for it in items]
    assert scores == sorted(scores, reverse=True)
    np.testing.assert_allclose(sorted(scores), np.sort(issue_scores(mixed, labels)))
    flags = [it.flagged for it in items]
    n = count_issues(mixed, labels)
    assert flags == [True] * n + [False] * (len(items) - n)
    top = {it.position - 100 for it in items[: len(flipped)]}
    assert len(top & set(flipped.tolist())) >= 0.6 * len(flipped)


def test_review_without_a_second_opinion_is_the_ebm_alone(
    noisy_wine: tuple[pd.DataFrame, np.ndarray, np.ndarray, list[str]],
) -> None:
    X, y, _, classes = noisy_wine
    oof = out_of_fold(X, y, ["continuous"] * 13, classes, EBMSettings.tiny(), second_opinion=False)
    assert oof.trees is None and oof.ebm_weight == 1.0
    assert oof.mixed is oof.ebm


def test_committee_members_differ_and_change_the_ranking() -> None:
    bunch = load_breast_cancer(as_frame=True)
    data = bunch.data.iloc[:300].reset_index(drop=True)
    y = np.where(bunch.target.to_numpy()[:300] == 1, "b", "m")
    labels = {int(i): str(y[i]) for i in range(0, 300, 5)}  # 60 labels
    target = TargetInput("t", ["b", "m"], list(data.columns), [], labels)
    settings = EBMSettings(outer_bags=4, interactions=0, max_rounds=100)
    fitted = train_targets(data, dict.fromkeys(data.columns, "numeric"), [target], settings)["t"]
    assert fitted is not None
    bags = np.asarray(fitted.ebm.bagged_scores_[0])  # the first term, one row per bag
    assert bags.shape[0] == 4
    assert not all(np.allclose(bags[0], bags[b]) for b in range(1, 4))
    disagreement = fitted.committee()
    assert disagreement.shape == (300,) and np.all(disagreement >= 0)
    assert np.count_nonzero(disagreement > 1e-9) > 100
    # The committee's ranking is the margin's, reordered where the members disagree.
    margin = uncertainty(fitted.proba, "margin")
    committee = committee_scores(fitted.proba, disagreement, 0.1)
    assert np.all(committee >= margin)
    assert not np.array_equal(np.argsort(-committee)[:30], np.argsort(-margin)[:30])
    assert np.array_equal(committee_scores(fitted.proba, disagreement, None), disagreement)


def test_committee_runs_by_name_but_is_not_offered_by_default() -> None:
    assert "committee" in STRATEGIES and "committee" not in CHOICES
    assert offered("margin") == CHOICES
    assert offered("committee") == (*CHOICES, "committee")  # a project that chose it keeps it


@pytest.mark.parametrize("n_classes", [2, 3, 7])
def test_margin_is_one_minus_the_gap_between_the_two_most_likely_classes(n_classes: int) -> None:
    rng = np.random.default_rng(n_classes)
    proba = rng.dirichlet(np.ones(n_classes), size=500)
    proba[:3] = 1.0 / n_classes  # ties
    top2 = np.sort(proba, axis=1)[:, -2:]
    assert np.array_equal(uncertainty(proba, "margin"), 1.0 - (top2[:, 1] - top2[:, 0]))
