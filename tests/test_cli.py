"""The stable command line: names, outputs and one-sentence errors with exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from app.cli import main
from tests.datasets import breast_cancer_files, mixed_file


def _one_sentence(text: str) -> None:
    text = text.strip()
    assert text and "\n" not in text, text
    assert "Traceback" not in text
    assert text.endswith(".")


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["export", "missing.lwproj", "--out", "x.csv"], "does not exist"),
        (["missing.csv"], "does not exist"),
        (["--screenshot", "x.png", "missing.lwbundle"], "does not exist"),
        (["audit", "--data", "nope.csv", "--target", "label", "--out", "a.csv"], "does not exist"),
        (
            [
                "simulate",
                "--data",
                "nope.csv",
                "--truth",
                "t.csv",
                "--target",
                "label",
                "--strategy",
                "margin",
                "--batch",
                "5",
                "--budget",
                "10",
                "--out",
                "s.json",
            ],
            "does not exist",
        ),
    ],
)
def test_missing_files_are_one_sentence_errors(
    argv: list[str],
    needle: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    _one_sentence(err)
    assert needle in err


def test_bad_strategy_target_and_features(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, truth, _ = breast_cancer_files(tmp_path)
    base = [
        "simulate",
        "--data",
        str(data),
        "--truth",
        str(truth),
        "--batch",
        "5",
        "--budget",
        "5",
        "--out",
        str(tmp_path / "s.json"),
    ]
    assert main([*base, "--target", "label", "--strategy", "telepathy"]) == 2
    assert "--strategy cannot be 'telepathy'" in capsys.readouterr().err
    assert main([*base, "--target", "nope", "--strategy", "margin"]) == 2
    err = capsys.readouterr().err
    _one_sentence(err)
    assert "nope" in err
    assert main([*base, "--target", "label", "--strategy", "margin", "--features", "oops"]) == 2
    _one_sentence(capsys.readouterr().err)


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    from app.core.errors import UserError

    with pytest.raises(UserError):
        main(["export", str(tmp_path / "missing.lwproj"), "--out", "x.csv", "--debug"])


def test_simulate_output_shape(tmp_path: Path) -> None:
    data, truth, _ = breast_cancer_files(tmp_path)
    out = tmp_path / "sim.json"
    code = main(
        [
            "simulate",
            "--data",
            str(data),
            "--truth",
            str(truth),
            "--target",
            "label",
            "--strategy",
            "margin",
            "--batch",
            "10",
            "--budget",
            "20",
            "--seed",
            "1",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    doc = json.loads(out.read_text())
    assert doc["strategy"] == "margin"
    assert [r["labels"] for r in doc["rounds"]] == [10, 20, 30]
    for r in doc["rounds"]:
        assert set(r["targets"]) == {"label"}
        assert set(r["targets"]["label"]) == {"model_f1", "accuracy"}
        assert 0.5 < r["targets"]["label"]["model_f1"] <= 1.0
    # The data file is the oracle's starting point, never modified.
    assert pd.read_csv(data)["label"].notna().sum() == 10


def test_simulate_several_targets_with_chained_features(tmp_path: Path) -> None:
    path = mixed_file(tmp_path)
    frame = pd.read_csv(path)
    truth = frame[["key"]].copy()
    truth["a_label"] = frame["a_label"].fillna("neg")
    truth["b_label"] = frame["b_label"].fillna("low")
    truth.to_csv(tmp_path / "truth.csv", index=False)
    out = tmp_path / "sim.json"
    code = main(
        [
            "simulate",
            "--data",
            str(path),
            "--truth",
            str(tmp_path / "truth.csv"),
            "--target",
            "a_label",
            "--target",
            "b_label",
            "--features",
            "a_label=x1,color",
            "--features",
            "b_label=x2,a_label",
            "--strategy",
            "committee",
            "--batch",
            "5",
            "--budget",
            "5",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    doc = json.loads(out.read_text())
    assert set(doc["rounds"][-1]["targets"]) == {"a_label", "b_label"}


def test_export_command_writes_every_row(tmp_path: Path) -> None:
    path = mixed_file(tmp_path)
    out = tmp_path / "export.parquet"
    assert main(["export", str(path), "--out", str(out)]) == 0
    frame = pd.read_parquet(out)
    assert len(frame) == 240 and "a_label__prediction" in frame.columns


def test_audit_columns(tmp_path: Path) -> None:
    data, _, _ = breast_cancer_files(tmp_path, n_seed_labels=60)
    out = tmp_path / "audit.csv"
    assert main(["audit", "--data", str(data), "--target", "label", "--out", str(out)]) == 0
    frame = pd.read_csv(out)
    assert list(frame.columns) == ["id", "given", "suggested", "score", "rank", "flagged"]
    assert list(frame["rank"]) == list(range(1, 61))


def test_simulate_stops_when_every_row_is_labelled(tmp_path: Path) -> None:
    path = mixed_file(tmp_path, n=100)
    frame = pd.read_csv(path)
    truth = frame[["key"]].copy()
    truth["a_label"] = np.where(frame["x1"].fillna(0) > 0, "pos", "neg")
    truth.to_csv(tmp_path / "truth.csv", index=False)
    out = tmp_path / "sim.json"
    code = main(
        [
            "simulate",
            "--data",
            str(path),
            "--truth",
            str(tmp_path / "truth.csv"),
            "--target",
            "a_label",
            "--strategy",
            "margin",
            "--batch",
            "20",
            "--budget",
            "5000",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    rounds = json.loads(out.read_text())["rounds"]
    assert rounds[-1]["labels"] == 100
    assert [r["labels"] for r in rounds] == [60, 80, 100]


def test_export_a_new_data_file_with_a_named_target(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "plain.csv"
    path.write_text("id,x,code\n1,0.5,a\n2,0.7,b\n3,0.1,\n", encoding="utf-8")
    assert main(["export", str(path), "--out", str(tmp_path / "o.csv")]) == 2
    assert "--target COLUMN" in capsys.readouterr().err
    assert main(["export", str(path), "--target", "code", "--out", str(tmp_path / "o.csv")]) == 0
    assert "code__label" in pd.read_csv(tmp_path / "o.csv").columns
