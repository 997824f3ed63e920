"""A new user's first day: files as people write them, and a command line that explains itself."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from app.cli import SUBCOMMANDS, command_parser, gui_parser, main
from app.core.dataset import load_table
from app.core.session import LabelingSession

ROOT = Path(__file__).resolve().parents[1]


def _wine(rows: int = 60) -> pd.DataFrame:
    from sklearn.datasets import load_wine

    frame = load_wine(as_frame=True).frame.iloc[:rows].copy()
    frame["label"] = frame.pop("target").map({0: "barolo", 1: "grignolino", 2: "barbera"})
    frame.insert(0, "id", range(len(frame)))
    return frame


# -- files as people write them -------------------------------------------------------------------


def test_a_european_csv_reads_its_numbers(tmp_path: Path) -> None:
    data = tmp_path / "wine_eu.csv"
    _wine().to_csv(data, sep=";", decimal=",", index=False)
    assert ";" in data.read_text().splitlines()[1] and "," in data.read_text().splitlines()[1]
    frame = load_table(data)
    assert frame["alcohol"].dtype == np.float64 and frame["alcohol"].iloc[0] == pytest.approx(14.23)
    assert any("decimal commas" in n for n in frame.attrs["load_notes"])
    with LabelingSession.open(data, ["label"]) as session:
        assert len(session.features("label")) == 13  # every numeric column is a feature


def test_a_csv_with_a_bom_and_non_ascii_names(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {"Größe": [1.5, 2.5, 3.5, 4.5], "Bölüm": ["ä", "ö", "ü", "ß"], "label": ["ja", "nein"] * 2}
    )
    data = tmp_path / "bom.csv"
    data.write_bytes(b"\xef\xbb\xbf" + frame.to_csv(index=False).encode("utf-8"))
    loaded = load_table(data)
    assert list(loaded.columns) == ["Größe", "Bölüm", "label"]
    with LabelingSession.open(data, ["label"]) as session:
        assert "Größe" in session.features("label")
        out = session.export(tmp_path / "out.csv")
    assert "Größe" in pd.read_csv(out).columns


def test_an_excel_workbook_with_two_sheets(tmp_path: Path) -> None:
    data = tmp_path / "book.xlsx"
    with pd.ExcelWriter(data) as writer:
        _wine(20).to_excel(writer, sheet_name="first", index=False)
        _wine(30).to_excel(writer, sheet_name="second", index=False)
    assert len(load_table(data)) == 20
    assert len(load_table(data, sheet="second")) == 30
    with LabelingSession.create(data, _schema_of(data, "second"), sheet="second") as session:
        assert session.n_rows == 30 and session.project.data_sheet == "second"
    with LabelingSession.open(data.with_suffix(".lwproj")) as again:
        assert again.n_rows == 30


def _schema_of(data: Path, sheet: str) -> object:
    from app.core.dataset import ensure_id_column
    from app.core.opening import infer_schema

    frame, id_col = ensure_id_column(load_table(data, sheet=sheet), None)
    return infer_schema(frame, id_col, ["label"])


def test_parquet_export_keeps_whole_number_floats(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "id": range(6),
            "body_mass_g": [3750.0, 3800.0, np.nan, 3450.0, 3650.0, 3625.0],
            "label": ["a", "b"] * 3,
        }
    )
    data = tmp_path / "penguins.csv"
    frame.to_csv(data, index=False)
    with LabelingSession.open(data, ["label"]) as session:
        out = session.export(tmp_path / "out.parquet")
        csv = session.export(tmp_path / "out.csv")
    assert pd.read_parquet(out)["body_mass_g"].dtype == np.float64
    assert "3750\n" in csv.read_text().replace(",a", "\n").replace(",b", "\n") or "3750," in (
        csv.read_text()
    )


# -- the command line -----------------------------------------------------------------------------


def _parsers() -> list[argparse.ArgumentParser]:
    top = command_parser()
    found = [gui_parser(), top]
    stack = [top]
    while stack:
        parser = stack.pop()
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub in action.choices.values():
                    found.append(sub)
                    stack.append(sub)
    return found


def test_every_option_has_help_and_strategy_lists_its_choices() -> None:
    missing = [
        f"{p.prog} {a.option_strings or a.dest}"
        for p in _parsers()
        for a in p._actions
        if not isinstance(a, argparse._SubParsersAction) and not (a.help or "").strip()
    ]
    assert not missing
    simulate = next(p for p in _parsers() if p.prog.endswith("simulate"))
    strategy = next(a for a in simulate._actions if "--strategy" in a.option_strings)
    assert strategy.choices and "margin" in strategy.choices
    assert "margin" in simulate.format_help()


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.startswith("labelwright ")


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["expor", "demo", "--out", "x.csv"], "unknown command 'expor'; did you mean 'export'?"),
        (["simulate", "--data", "x"], "labelwright simulate needs --truth"),
        (
            ["audit", "--data", "d", "--target", "t", "--out", "a.csv", "--seed", "x"],
            "--seed needs a whole number, not 'x'",
        ),
        (
            [
                "simulate",
                "--data",
                "d",
                "--truth",
                "t",
                "--target",
                "l",
                "--strategy",
                "smart",
                "--batch",
                "1",
                "--budget",
                "1",
                "--out",
                "s.json",
            ],
            "--strategy cannot be 'smart'",
        ),
        (["bundel"], "did you mean 'bundle'?"),
    ],
)
def test_usage_errors_are_one_sentence(
    argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert expected in err and "\n" not in err and "usage:" not in err


@pytest.fixture
def labelled(tmp_path: Path) -> Path:
    data = tmp_path / "wine.csv"
    _wine().to_csv(data, index=False)
    return data


@pytest.mark.parametrize(
    ("command", "out", "expected"),
    [
        ("audit", "{tmp}", "is a folder"),
        ("audit", "{tmp}/wine.csv/a.csv", "is a file, not a folder"),
        ("audit", "{tmp}/a.xlsx", "use a file name ending in .csv"),
        ("simulate", "{tmp}/s.csv", "use a file name ending in .json"),
        ("audit", "{tmp}/no/such/a.csv", "the folder {tmp}/no does not exist"),
        ("audit", "/labelwright-nowhere/a.csv", "does not exist"),
    ],
)
def test_out_paths_are_checked_before_any_work(
    labelled: Path, command: str, out: str, expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    tmp = str(labelled.parent)
    target = out.format(tmp=tmp)
    argv = [command, "--data", str(labelled), "--target", "label", "--out", target]
    if command == "simulate":
        argv += ["--truth", str(labelled), "--strategy", "margin", "--batch", "1", "--budget", "0"]
    assert main(argv) == 2
    assert expected.format(tmp=tmp) in capsys.readouterr().err
    assert not Path("/labelwright-nowhere").exists()


def test_a_missing_output_folder_is_made_when_its_parent_exists(labelled: Path) -> None:
    out = labelled.parent / "results" / "labels.csv"
    assert main(["export", str(labelled), "--target", "label", "--out", str(out)]) == 0
    assert out.is_file()


def test_export_names_a_missing_target(labelled: Path, capsys: pytest.CaptureFixture[str]) -> None:
    LabelingSession.open(labelled, ["label"]).close()
    out = str(labelled.parent / "e.csv")
    assert (
        main(["export", str(labelled.with_suffix(".lwproj")), "--target", "grape", "--out", out])
        == 2
    )
    assert "has no target 'grape'" in capsys.readouterr().err


def test_audit_refuses_a_measurement_as_target(
    labelled: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = str(labelled.parent / "a.csv")
    assert main(["audit", "--data", str(labelled), "--target", "proline", "--out", out]) == 2
    assert "looks like a measurement, not a label" in capsys.readouterr().err


def test_a_new_data_file_opens_headless_with_target_and_annotator(labelled: Path) -> None:
    shot = labelled.parent / "first.png"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "app",
            str(labelled),
            "--target",
            "label",
            "--annotator",
            "Dr. Rossi",
            "--screenshot",
            str(shot),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert shot.stat().st_size > 10_000
    with LabelingSession.open(labelled.with_suffix(".lwproj")) as session:
        assert session.targets == ["label"]
    assert sorted(SUBCOMMANDS)  # the commands the help names exist
