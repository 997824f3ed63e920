"""The headless session, driven exactly as the command line and the GUI drive it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from app.core.errors import UserError
from app.core.session import LabelingSession
from models.ebm import EBMSettings
from models.strategies import STRATEGIES
from tests.datasets import breast_cancer_files, digits_file, mixed_file


def _tiny(session: LabelingSession) -> LabelingSession:
    session.project.model = EBMSettings.tiny()
    return session


@pytest.fixture
def mixed(tmp_path: Path) -> LabelingSession:
    path = mixed_file(tmp_path)
    session = LabelingSession.open(
        path,
        ["a_label", "b_label"],
        features={"a_label": ["x1", "color"], "b_label": ["x2", "a_label"]},
    )
    yield _tiny(session)
    session.close()


def test_open_creates_project_beside_data_and_leaves_data_alone(tmp_path: Path) -> None:
    path = mixed_file(tmp_path)
    before = path.read_bytes()
    session = LabelingSession.open(path)
    assert session.targets == ["a_label", "b_label"]  # found by name
    assert (tmp_path / "mixed.lwproj").exists()
    assert session.row_ids()[:2] == ["k0", "k1"]
    assert session.classes("a_label") == ["neg", "pos"]
    session.label("k100", "a_label", "pos")
    session.close()
    assert path.read_bytes() == before


def test_chained_target_uses_upstream_label_or_prediction(mixed: LabelingSession) -> None:
    mixed.retrain()
    a_model, b_model = mixed.model("a_label"), mixed.model("b_label")
    assert a_model is not None and b_model is not None
    assert "a_label" in b_model.design_columns
    every_row = list(range(mixed.n_rows))
    chained = mixed.design_rows("b_label", every_row)["a_label"].to_numpy()
    labels = mixed.labels("a_label")
    for rid, value in labels.items():
        assert chained[mixed.position(rid)] == value
    unlabelled = [p for p in range(mixed.n_rows) if mixed.row_id_at(p) not in labels]
    predicted = a_model.predicted
    assert all(chained[p] == predicted[p] for p in unlabelled)
    # Chains work from the first labels: with no model yet the chained column is empty.
    assert mixed.schema.training_order() == ["a_label", "b_label"]


def test_chained_columns_as_hard_prediction_or_probability() -> None:
    from models.design import chained_columns

    predicted = np.array(["neg", "pos", "pos", "neg"], dtype=object)
    proba = np.array([[0.9, 0.1], [0.2, 0.8], [0.4, 0.6], [0.7, 0.3]])
    hard = chained_columns("a", 4, {0: "pos"}, ["neg", "pos"], predicted, proba, how="label")
    assert hard["a"].tolist() == ["pos", "pos", "pos", "neg"]
    soft = chained_columns("a", 4, {0: "pos"}, ["neg", "pos"], predicted, proba, how="probability")
    assert soft["a"].tolist() == [1.0, 0.8, 0.6, 0.3]
    three = chained_columns("a", 2, {1: "y"}, ["x", "y", "z"], None, None, how="probability")
    assert set(three) == {"a=x", "a=y", "a=z"}
    assert np.isnan(three["a=x"][0]) and three["a=y"][1] == 1.0 and three["a=x"][1] == 0.0


def test_cycle_between_targets_is_refused(tmp_path: Path) -> None:
    path = mixed_file(tmp_path)
    with pytest.raises(UserError, match="cycle"):
        LabelingSession.open(
            path,
            ["a_label", "b_label"],
            features={"a_label": ["x1", "b_label"], "b_label": ["x2", "a_label"]},
        )
    assert not (tmp_path / "mixed.lwproj").exists()


def test_missing_values_and_categories_are_kept(mixed: LabelingSession) -> None:
    assert mixed.data["x1"].isna().sum() > 0
    assert mixed.data["color"].isna().sum() > 0
    assert mixed.schema.column_kinds["color"] == "categorical"
    mixed.retrain()
    model = mixed.model("a_label")
    assert model is not None
    design = mixed.design_rows("a_label", list(range(mixed.n_rows)))
    assert design["x1"].isna().sum() == mixed.data["x1"].isna().sum()
    hole = int(np.flatnonzero(mixed.data["color"].isna().to_numpy())[0])
    contrib = mixed.contributions(mixed.row_id_at(hole), "a_label")
    assert contrib is not None
    color_term = next(t for t in contrib.terms if t.name == "color")
    assert color_term.missing
    assert np.all(np.isfinite(model.proba))
    assert np.allclose(model.proba.sum(axis=1), 1.0)


def test_undo_redo_append_inverse_events(mixed: LabelingSession) -> None:
    rid = "k200"
    mixed.label(rid, "a_label", "pos", annotator="dr_a")
    mixed.label(rid, "a_label", "neg")
    assert mixed.labels("a_label")[rid] == "neg"
    mixed.undo()
    assert mixed.labels("a_label")[rid] == "pos"
    mixed.undo()
    assert rid not in mixed.labels("a_label")
    assert mixed.undo() is None or rid not in mixed.labels("a_label")
    mixed.redo()
    assert mixed.labels("a_label")[rid] == "pos"
    sources = [e.source for e in mixed.store.events("a_label") if e.row_id == rid]
    assert sources[:2] == ["human", "human"]
    assert "undo" in sources and sources[-1] == "redo"
    assert mixed.label_event(rid, "a_label").annotator in ("dr_a", "")


def test_unsure_mark_skips_suggestions(mixed: LabelingSession) -> None:
    first = mixed.suggestions("a_label", 1)[0].row_id
    mixed.mark_unsure(first, "a_label", note="borderline")
    assert first in mixed.unsure("a_label")
    assert first not in [s.row_id for s in mixed.suggestions("a_label", 20)]
    assert first not in mixed.labels("a_label")


def test_label_survives_reopen(tmp_path: Path) -> None:
    path = mixed_file(tmp_path)
    session = LabelingSession.open(path)
    session.label("k150", "b_label", "high", annotator="dr_b")
    session.close()
    again = LabelingSession.open(path)
    assert again.labels("b_label")["k150"] == "high"
    assert again.label_event("k150", "b_label").annotator == "dr_b"
    again.close()
    reopened = LabelingSession.open(tmp_path / "mixed.lwproj")
    assert reopened.labels("b_label")["k150"] == "high"
    reopened.close()


def test_cold_start_with_zero_labels(tmp_path: Path) -> None:
    path = mixed_file(tmp_path)
    frame = pd.read_csv(path)
    frame["a_label"] = None
    frame.to_csv(path, index=False)
    session = _tiny(LabelingSession.open(path, ["a_label"], classes={"a_label": ["neg", "pos"]}))
    assert session.labels("a_label") == {}
    session.retrain()
    assert session.model("a_label") is None
    picks = session.suggestions("a_label", 8)
    assert len(picks) == 8 and len({p.row_id for p in picks}) == 8
    assert {p.reason for p in picks} == {"unexplored region"}
    # One class seen so far: still no model, picks move away from what was labelled.
    session.label(picks[0].row_id, "a_label", "neg")
    session.retrain()
    assert session.model("a_label") is None
    again = session.suggestions("a_label", 5)
    assert picks[0].row_id not in [p.row_id for p in again]
    assert {p.reason for p in again} == {"unexplored region"}
    session.close()


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_every_strategy_gives_tagged_distinct_suggestions(
    mixed: LabelingSession, strategy: str
) -> None:
    mixed.retrain()
    picks = mixed.suggestions("a_label", 10, strategy)
    assert len(picks) == 10
    assert len({p.row_id for p in picks}) == 10
    labelled = set(mixed.labels("a_label"))
    assert not labelled & {p.row_id for p in picks}
    expected = {
        "random": {"random"},
        "committee": {"committee disagrees", "rare class"},
    }.get(strategy, {"uncertain", "rare class"})
    assert {p.reason for p in picks} <= expected
    assert all(p.predicted in ("neg", "pos") for p in picks)


def test_uncertainty_suggestions_prefer_uncertain_rows(mixed: LabelingSession) -> None:
    mixed.retrain()
    model = mixed.model("a_label")
    margin = 1 - np.abs(model.proba[:, 0] - model.proba[:, 1])
    picks = mixed.suggestions("a_label", 5, "margin")
    pool = mixed.pool("a_label")
    assert np.mean([margin[p.position] for p in picks]) > np.median(margin[pool])


def test_diverse_batch_avoids_near_duplicates() -> None:
    from models.strategies import select_batch

    rng = np.random.default_rng(0)
    cluster = rng.normal(0, 0.01, size=(30, 2))
    far = rng.normal(5, 1, size=(30, 2))
    emb = np.vstack([cluster, far])
    scores = np.concatenate([np.full(30, 1.0), np.full(30, 0.8)])
    plain = select_batch(scores, emb, 5, diversity=0)
    diverse = select_batch(scores, emb, 5, diversity=1.0)
    assert all(i < 30 for i in plain)
    assert sum(i < 30 for i in diverse) <= 2


def test_contributions_cover_every_class_term_and_intercept(tmp_path: Path) -> None:
    path = digits_file(tmp_path, n=200, labelled=60)
    session = LabelingSession.open(path)
    session.project.model = EBMSettings(
        outer_bags=2, interactions=2, max_rounds=40, early_stopping_rounds=10, learning_rate=0.1
    )
    session.retrain()
    model = session.model("digit_label")
    assert model is not None
    contrib = session.contributions(session.row_ids()[0], "digit_label")
    k = len(session.classes("digit_label"))
    assert len(contrib.classes) == k and contrib.intercept.shape == (k,)
    assert any(" & " in t.name for t in contrib.terms)  # pairs included
    assert all(t.scores.shape == (k,) for t in contrib.terms)
    # The terms and the intercept add up to the model's probability.
    logits = contrib.intercept + sum(t.scores for t in contrib.terms)
    soft = np.exp(logits - logits.max())
    assert np.allclose(soft / soft.sum(), contrib.proba, atol=1e-6)
    top = contrib.for_class(contrib.classes[0])
    assert abs(top[0][1]) >= abs(top[-1][1])
    assert session.importances("digit_label")[0][1] >= session.importances("digit_label")[-1][1]
    curve = session.shape_curve("digit_label", "pixel_3_4")
    assert curve is not None and curve.scores.shape[1] == k
    session.close()


def test_binary_contributions_add_up(mixed: LabelingSession) -> None:
    mixed.retrain()
    contrib = mixed.contributions("k5", "a_label")
    logit = contrib.intercept[1] + sum(t.scores[1] for t in contrib.terms)
    assert contrib.proba[1] == pytest.approx(1 / (1 + np.exp(-logit)), abs=1e-6)
    assert np.allclose(contrib.intercept[0], -contrib.intercept[1])


def test_review_queue_finds_flipped_labels(tmp_path: Path) -> None:
    data, _, flipped = breast_cancer_files(tmp_path, flip_fraction=0.1, all_labelled=True, seed=3)
    session = _tiny(LabelingSession.open(data))
    queue = session.review_queue("label", 40)
    top = {e.row_id for e in queue}
    assert len(top & set(flipped)) >= 0.6 * len(top)
    assert all(e.given != e.suggested for e in queue[:10])
    assert queue[0].score >= queue[-1].score or queue[0].flagged
    session.close()


def test_export_has_provenance_columns(mixed: LabelingSession, tmp_path: Path) -> None:
    mixed.retrain()
    mixed.label("k201", "a_label", "pos", annotator="dr_c")
    out = mixed.export(tmp_path / "out.csv")
    frame = pd.read_csv(out)
    original = ["key", "x1", "color", "x2", "a_label", "b_label"]
    assert list(frame.columns[: len(original)]) == original
    for target in ("a_label", "b_label"):
        for suffix in (
            "label",
            "unsure",
            "source",
            "annotator",
            "time",
            "prediction",
            "confidence",
        ):
            assert f"{target}__{suffix}" in frame.columns
    row = frame.set_index("key").loc["k201"]
    assert row["a_label__label"] == "pos"
    assert row["a_label__source"] == "human"
    assert row["a_label__annotator"] == "dr_c"
    assert row["a_label__prediction"] in ("neg", "pos")
    assert 0.5 <= row["a_label__confidence"] <= 1.0
    imported = frame.set_index("key").loc["k0"]
    assert imported["a_label__source"] == "import"
    parquet = mixed.export(tmp_path / "out.parquet")
    assert pd.read_parquet(parquet).shape == frame.shape
    with pytest.raises(UserError, match=r"\.csv or \.parquet"):
        mixed.export(tmp_path / "out.json")
    with pytest.raises(UserError, match="overwrite"):
        mixed.export(mixed.project.data_path)


def test_unknown_ids_targets_and_strategies_are_user_errors(mixed: LabelingSession) -> None:
    with pytest.raises(UserError, match="no sample"):
        mixed.label("nope", "a_label", "pos")
    with pytest.raises(UserError, match="no target"):
        mixed.labels("nope")
    with pytest.raises(UserError, match="no strategy"):
        mixed.suggestions("a_label", 3, "telepathy")


def test_stale_training_result_is_reported(mixed: LabelingSession) -> None:
    job = mixed.training_job()
    mixed.label("k210", "a_label", "pos")
    result = job.run()
    assert mixed.apply_training(result, allow_stale=False) is False
    assert mixed.model("a_label") is None
    assert mixed.apply_training(job.run()) is False
    assert mixed.model_is_stale("a_label")
    mixed.retrain()
    assert not mixed.model_is_stale("a_label")


def test_demo_has_four_chained_targets() -> None:
    session = LabelingSession.open("demo")
    assert session.targets == ["DM_label", "HTN_label", "CKD_label", "DLP_label"]
    assert session.n_rows == 2000
    assert session.schema.target("CKD_label").uses_targets == ["DM_label", "HTN_label"]
    assert 20 <= len(session.labels("DM_label")) <= 60
    assert 0.05 < session.data["glucose"].isna().mean() < 0.15
    feats = {t: set(session.features(t)) for t in session.targets}
    assert feats["DM_label"] != feats["HTN_label"]
    session.close()


def test_a_class_added_after_the_last_retrain_does_not_break_suggestions(
    mixed: LabelingSession,
) -> None:
    mixed.retrain()
    mixed.label("k220", "a_label", "borderline")
    assert mixed.classes("a_label") == ["borderline", "neg", "pos"]
    picks = mixed.suggestions("a_label", 10)
    assert len(picks) == 10
    assert all(p.predicted in ("neg", "pos") for p in picks)


def test_ids_and_labels_keep_their_spelling_through_export(tmp_path: Path) -> None:
    path = tmp_path / "codes.csv"
    path.write_text("id,x,n,code_label\n000,1.5,3,01\n001,2.5,,02\n002,3.5,4,\n", encoding="utf-8")
    session = LabelingSession.open(path)
    assert session.row_ids() == ["000", "001", "002"]
    assert session.classes("code_label") == ["01", "02"]
    session.label("002", "code_label", "01")
    out = session.export(tmp_path / "out.csv")
    session.close()
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[1].startswith("000,1.5,3,01,")
    assert lines[2].startswith("001,2.5,,02,")
    assert lines[3].startswith("002,3.5,4,,01,")
