"""Several annotators: their own labels, a working label, adjudication, agreement and merges."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from app.cli import main
from app.core.agreement import krippendorff_alpha
from app.core.bundle import export_bundle, read_bundle
from app.core.bundle_merge import merge_bundles
from app.core.errors import UserError
from app.core.session import LabelingSession
from app.core.team_labels import compute_consensus
from models.ebm import EBMSettings


@pytest.fixture
def project(tmp_path: Path) -> Path:
    rng = np.random.default_rng(3)
    n = 80
    x = rng.normal(size=n)
    frame = pd.DataFrame(
        {
            "id": range(n),
            "x": x,
            "z": rng.normal(size=n),
            "label": np.where(x > 0, "yes", "no").astype(object),
        }
    )
    frame.loc[8:, "label"] = None  # the file knows eight labels
    data = tmp_path / "t.csv"
    frame.to_csv(data, index=False)
    with LabelingSession.open(data, ["label"]) as session:
        session.project.model = EBMSettings.tiny()
        session.project.team.adjudicators = ["lead"]
        session.save()
    return data.with_suffix(".lwproj")


def test_each_annotator_keeps_their_own_label_and_undo(project: Path) -> None:
    with LabelingSession.open(project) as session:
        session.label(20, "label", "yes", annotator="alice")
        session.label(20, "label", "no", annotator="bob")
        session.label(20, "label", "no", annotator="carol")
        assert session.store.decided("20", "label") == "consensus"
        assert session.labels("label")[20] == "no"  # two of three
        assert {a: e.label for a, e in session.store.annotations("20", "label").items()} == {
            "alice": "yes",
            "bob": "no",
            "carol": "no",
        }
        session.undo()  # carol's label: alice's and bob's stay
        assert session.store.state_of("20", "label", "carol").is_empty
        assert session.store.state_of("20", "label", "bob").label == "no"
        assert session.store.state_of("20", "label", "alice").label == "yes"


def test_people_override_the_data_files_labels(project: Path) -> None:
    with LabelingSession.open(project) as session:
        file_label = session.labels("label")[0]
        other = "yes" if file_label == "no" else "no"
        session.label(0, "label", other, annotator="alice")
        assert session.labels("label")[0] == other
        assert session.store.decided("0", "label") == "single"


def test_only_an_adjudicator_decides_and_it_can_be_undone(project: Path) -> None:
    with LabelingSession.open(project) as session:
        session.label(30, "label", "yes", annotator="alice")
        session.label(30, "label", "no", annotator="bob")
        with pytest.raises(UserError, match="Only an adjudicator may decide"):
            session.adjudicate(30, "label", "yes", annotator="bob")
        session.adjudicate(30, "label", "yes", annotator="lead")
        assert session.store.decided("30", "label") == "adjudicated"
        assert session.labels("label")[30] == "yes"
        assert session.label_event(30, "label").source == "adjudication"
        session.undo()
        assert session.store.decided("30", "label") == "consensus"
    with LabelingSession.open(project) as again:  # the log alone decides after a reopen
        assert again.store.decided("30", "label") == "consensus"


def _two_raters(session: LabelingSession) -> tuple[list[str], list[str]]:
    rng = np.random.default_rng(0)
    rows = session.row_ids()[10:60]
    a_labels, b_labels = [], []
    for row in rows:
        a = "yes" if rng.random() < 0.5 else "no"
        b = a if rng.random() < 0.75 else ("no" if a == "yes" else "yes")
        session.label(row, "label", a, annotator="alice")
        session.label(row, "label", b, annotator="bob")
        a_labels.append(a)
        b_labels.append(b)
    for row in session.row_ids()[60:70]:
        session.label(row, "label", "yes", annotator="carol")
        session.label(row, "label", "yes", annotator="alice")
    return a_labels, b_labels


def test_agreement_equals_the_reference_implementations(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import krippendorff
    from sklearn.metrics import cohen_kappa_score

    with LabelingSession.open(project) as session:
        a_labels, b_labels = _two_raters(session)
        votes = {a: v for a, v in session.store.by_annotator("label").items() if a != "data file"}
    out = tmp_path / "agreement.json"
    assert main(["agreement", str(project), "--out", str(out)]) == 0
    report = json.loads(out.read_text())["targets"]["label"]
    assert report["annotators"] == {"alice": 60, "bob": 50, "carol": 10}
    pair = next(p for p in report["pairs"] if {p["a"], p["b"]} == {"alice", "bob"})
    assert pair["n"] == 50
    assert pair["cohen_kappa"] == pytest.approx(cohen_kappa_score(a_labels, b_labels), abs=1e-6)
    names = sorted(votes)
    rows = sorted({r for v in votes.values() for r in v})
    index = {"no": 0, "yes": 1}
    matrix = np.array(
        [[index[votes[n][r]] if r in votes[n] else np.nan for r in rows] for n in names]
    )
    expected = krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")
    assert report["krippendorff_alpha"] == pytest.approx(expected, abs=1e-6)
    assert krippendorff_alpha(votes, ["no", "yes"]) == pytest.approx(expected, abs=1e-6)
    same = sum(a == b for a, b in zip(a_labels, b_labels, strict=True)) + 10
    assert report["full_agreement"] == pytest.approx(same / 60, abs=1e-6)
    assert set(report["annotator_quality"]) == {"alice", "bob", "carol"}
    assert all(0.0 <= q <= 1.0 for q in report["annotator_quality"].values())


def test_crowdlab_consensus_feeds_training_and_export(project: Path, tmp_path: Path) -> None:
    with LabelingSession.open(project) as session:
        _two_raters(session)
        session.retrain()
        result = compute_consensus(session, "label")
        assert result.labels and result.quality and len(result.annotator_quality) == 3
        shared = [p for p in result.labels if session.store.decided(session._keys[p], "label")]
        for position in shared:
            key = session._keys[position]
            if session.store.decided(key, "label") == "consensus":
                assert session._label_positions("label")[position] == result.labels[position]
        frame = pd.read_csv(session.export(tmp_path / "team.csv"))
    assert {"label__by__alice", "label__by__bob", "label__by__carol"} <= set(frame.columns)
    assert set(frame["label__decided"].dropna()) == {"single", "consensus"}
    row = frame[frame["id"] == 10].iloc[0]
    assert row["label__by__alice"] in ("yes", "no") and row["label__decided"] == "consensus"
    assert 0.0 <= row["label__consensus_quality"] <= 1.0


def test_merging_bundles_labelled_apart(project: Path, tmp_path: Path) -> None:
    with LabelingSession.open(project) as lead:
        lead_bundle = export_bundle(lead, tmp_path / "lead.lwbundle", include_data=True)
    made = []
    for name, offset in (("alice", 10), ("bob", 15)):
        folder = tmp_path / name
        assert main(["bundle", "import", str(lead_bundle), "--into", str(folder)]) == 0
        with LabelingSession.open(folder / "t.lwproj", annotator=name) as theirs:
            for row in theirs.row_ids()[offset : offset + 10]:
                theirs.label(row, "label", "yes")
            time.sleep(0.01)
            made.append(export_bundle(theirs, tmp_path / f"{name}.lwbundle"))
    into = tmp_path / "merged"
    report = merge_bundles(made, into)
    lead_events = len(read_bundle(lead_bundle).events)
    assert report.created and report.added == lead_events + 20
    with LabelingSession.open(report.project) as merged:
        people = merged.store.by_annotator("label")
        assert len(people["alice"]) == 10 and len(people["bob"]) == 10
        assert merged.store.decided("15", "label") == "consensus"
        count = merged.store.count()
    again = merge_bundles(made, into)  # the same bundles again: nothing changes
    assert again.added == 0
    with LabelingSession.open(report.project) as merged:
        assert merged.store.count() == count


def test_a_conflicting_merge_is_refused(project: Path, tmp_path: Path) -> None:
    with LabelingSession.open(project) as lead:
        good = export_bundle(lead, tmp_path / "good.lwbundle", include_data=True)
        lead.add_class("label", "maybe")
        other = export_bundle(lead, tmp_path / "other.lwbundle", include_data=True)
    with pytest.raises(UserError, match="has the classes"):
        merge_bundles([good, other], tmp_path / "merged")
    assert not (tmp_path / "merged").exists()


def test_overlap_splits_the_work_and_shares_a_part(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.core.team_work import assignees

    assert main(["team", str(project), "--annotators", "alice,bob,carol", "--overlap", "0.2"]) == 0
    assert "overlap 20%" in capsys.readouterr().out
    pools = {}
    for name in ("alice", "bob", "carol"):
        with LabelingSession.open(project, annotator=name) as session:
            pools[name] = set(session.pool("label").tolist())
            picks = session.suggestions("label", 5)
            assert {p.position for p in picks} <= pools[name]
            team = session.project.team
            salt = session.project.data_sha256
            keys = session._keys
    every = set().union(*pools.values())
    assert every == set(range(len(keys)))  # nothing is left out
    shared = [k for k in keys if len(assignees(k, team, salt)) == 2]
    assert 0.1 < len(shared) / len(keys) < 0.3  # about the overlap share, on 80 rows
    twice = sum(1 for p in every if sum(p in v for v in pools.values()) == 2)
    assert twice == len(shared) and all(sum(p in v for v in pools.values()) <= 2 for p in every)
    with LabelingSession.open(project, annotator="alice") as session:  # my label leaves my pool
        row = next(iter(pools["alice"]))
        session.label(session.row_id_at(row), "label", "yes")
        assert row not in set(session.pool("label").tolist())


def test_blind_mode_hides_until_one_labels(project: Path) -> None:
    assert main(["team", str(project), "--blind", "on"]) == 0
    with LabelingSession.open(project, annotator="bob") as session:
        session.label(33, "label", "no", annotator="alice")
        assert session.is_blinded(33, "label")  # bob has not labelled it: hide alice and model
        session.label(33, "label", "yes")
        assert not session.is_blinded(33, "label")
    assert main(["team", str(project), "--blind", "off"]) == 0
    with LabelingSession.open(project, annotator="carol") as session:
        assert not session.is_blinded(33, "label")
