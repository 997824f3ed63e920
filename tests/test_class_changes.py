"""Classes change while labelling: add, rename and merge are log events that undo, export
and bundles follow."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from app.cli import main
from app.core.bundle import export_bundle, import_bundle
from app.core.errors import UserError
from app.core.session import LabelingSession
from models.ebm import EBMSettings


@pytest.fixture
def project(tmp_path: Path) -> Path:
    frame = pd.DataFrame(
        {
            "id": range(1, 41),
            "x": [float(i) for i in range(40)],
            "label": ["cat", "dog", "cat", "bird"] + [None] * 36,
        }
    )
    data = tmp_path / "pets.csv"
    frame.to_csv(data, index=False)
    LabelingSession.open(data, ["label"]).close()
    return data.with_suffix(".lwproj")


def _labels(session: LabelingSession) -> dict[str, str]:
    return {str(k): str(v) for k, v in session.labels("label").items()}


def test_add_a_class_nobody_used_yet(project: Path) -> None:
    with LabelingSession.open(project) as session:
        session.add_class("label", "fish")
        assert session.classes("label") == ["bird", "cat", "dog", "fish"]
        session.label(9, "label", "fish")
        with pytest.raises(UserError, match="already a class"):
            session.add_class("label", "fish")
        assert session.undo() is not None  # the label
        assert session.undo() is not None  # the class
        assert "fish" not in session.classes("label")
    with LabelingSession.open(project) as again:
        assert "fish" not in again.classes("label")


def test_rename_reads_old_and_new_labels_through_it_and_undo_redo(
    project: Path, tmp_path: Path
) -> None:
    with LabelingSession.open(project) as session:
        session.label(5, "label", "dog")
        session.rename_class("label", "dog", "canine")
        assert session.classes("label") == ["bird", "cat", "canine"]  # same place, same key
        assert _labels(session) == {
            "1": "cat",
            "2": "canine",
            "3": "cat",
            "4": "bird",
            "5": "canine",
        }
        session.label(6, "label", "canine")
        out = session.export(tmp_path / "renamed.csv")
        assert set(pd.read_csv(out)["label__label"].dropna()) == {"cat", "canine", "bird"}
        session.undo()  # the label of row 6
        session.undo()  # the rename
        assert _labels(session)["2"] == "dog" and "canine" not in session.classes("label")
        session.redo()
        assert _labels(session)["5"] == "canine"
    with LabelingSession.open(project) as again:  # the log alone decides, after a reopen
        assert _labels(again)["2"] == "canine" and again.classes("label") == [
            "bird",
            "cat",
            "canine",
        ]
        sources = [e.source for e in again.store.events("label")]
        assert sources.count("class") == 3  # rename, revert, reapply: nothing rewritten
    version = sqlite3.connect(project.with_suffix(".lwlabels")).execute(
        "SELECT value FROM meta WHERE key='schema_version'"
    )
    assert version.fetchone()[0] == "2"


def test_merge_and_undo_restores_each_row(project: Path) -> None:
    with LabelingSession.open(project) as session:
        session.merge_classes("label", ["cat", "dog"], "mammal")
        assert _labels(session) == {"1": "mammal", "2": "mammal", "3": "mammal", "4": "bird"}
        assert session.classes("label") == ["bird", "mammal"]
        with pytest.raises(UserError, match="not a class"):
            session.merge_classes("label", ["cat", "bird"], "x")
        session.undo()
        assert _labels(session) == {"1": "cat", "2": "dog", "3": "cat", "4": "bird"}
        assert session.classes("label") == ["bird", "cat", "dog"]


def test_a_rename_travels_in_a_bundle(project: Path, tmp_path: Path) -> None:
    with LabelingSession.open(project) as session:
        session.project.model = EBMSettings.tiny()
        session.rename_class("label", "bird", "parrot")
        bundle = export_bundle(session, tmp_path / "pets.lwbundle", include_data=True)
    imported = import_bundle(bundle, tmp_path / "into")
    with LabelingSession.open(imported) as other:
        assert _labels(other)["4"] == "parrot"
        assert "parrot" in other.classes("label") and "bird" not in other.classes("label")


def test_the_data_file_speaks_the_old_names(project: Path) -> None:
    """A file edited after a rename is read through it: no ghost class comes back."""
    import os

    with LabelingSession.open(project) as session:
        session.rename_class("label", "cat", "feline")
    data = project.with_suffix(".csv")
    frame = pd.read_csv(data)
    frame.loc[10, "label"] = "cat"  # typed with the old name
    frame.to_csv(data, index=False)
    st = data.stat()
    os.utime(data, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))
    with LabelingSession.open(project) as again:
        assert _labels(again)["11"] == "feline" and "cat" not in again.classes("label")


def test_classes_from_the_command_line(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["classes", str(project), "--add", "9"]) == 0
    assert "9 (0)" in capsys.readouterr().out
    assert main(["classes", str(project), "--merge", "cat", "dog", "--into", "pet"]) == 0
    assert "pet (3)" in capsys.readouterr().out
    assert main(["classes", str(project), "--rename", "nothing", "x"]) == 2
    assert "is not a class" in capsys.readouterr().err
