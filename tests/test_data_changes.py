"""A data file edited under its project: detected, reported, and no label lost or ignored."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from app.cli import main
from app.core.session import LabelingSession


def _frame(rows: int = 30) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": range(1, rows + 1),
            "x": [float(i) for i in range(rows)],
            "label": ["yes", "no", "yes"] + [None] * (rows - 3),
        }
    )


def _touch_later(path: Path) -> None:
    """Some file systems keep mtime in seconds; make the edit visible either way."""
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))


def test_an_edited_data_file_is_reported_and_reconciled(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    frame = _frame()
    frame.to_csv(data, index=False)
    with LabelingSession.open(data, ["label"]) as session:
        session.label(10, "label", "no")  # a row that will be deleted from the file
        session.label(2, "label", "yes")  # overrides the file's "no" for row 2
        session.label(12, "label", "yes")
    assert LabelingSession.open(data.with_suffix(".lwproj")).close() is None  # reopens as is

    edited = frame[~frame["id"].isin([10, 11])].copy()  # rows removed (10 was labelled)
    edited.loc[edited["id"] == 5, "x"] = 99.0  # a row edited
    edited.loc[edited["id"] == 7, "label"] = "no"  # a label typed into the file
    edited.loc[edited["id"] == 1, "label"] = "no"  # the file's own label, changed
    edited.loc[edited["id"] == 12, "label"] = "no"  # differs from the expert's "yes"
    extra = pd.DataFrame({"id": [31, 32], "x": [1.5, 2.5], "label": [None, "yes"]})
    pd.concat([edited, extra]).to_csv(data, index=False)  # rows added, one labelled
    _touch_later(data)

    with LabelingSession.open(data.with_suffix(".lwproj")) as session:
        change = session.data_change
        assert change is not None
        assert (change.added, change.removed, change.edited) == (2, 2, 1)
        assert change.imported == 3  # rows 7 and 32 are new labels; row 1 was edited in the file
        assert {(d.row_id, d.in_file, d.in_log) for d in change.differences} == {
            ("2", "no", "yes"),
            ("12", "no", "yes"),
        }
        labels = {str(k): str(v) for k, v in session.labels("label").items()}
        assert labels["7"] == "no" and labels["32"] == "yes" and labels["1"] == "no"
        assert labels["2"] == "yes" and labels["12"] == "yes"  # the experts' labels are kept
        assert session.label_event(7, "label").source == "import"
        orphans = {(e.row_id, e.label) for e in session.orphan_labels()}
        assert orphans == {("10", "no")}  # kept, though the row has gone
        text = " ".join(session.notes)
        assert "2 rows added, 2 removed and 1 edited" in text
        assert "Imported 3 label(s) typed into d.csv" in text
        assert "2 label(s) in d.csv differ from the label log" in text
        assert "1 label(s) belong to rows that are no longer in d.csv" in text
        assert session.project.data_rows == 30

    out = tmp_path / "export.csv"
    assert main(["export", str(data.with_suffix(".lwproj")), "--out", str(out)]) == 0
    listed = pd.read_csv(tmp_path / "export.orphans.csv")
    assert listed[["id", "target", "label"]].values.tolist() == [[10, "label", "no"]]

    with LabelingSession.open(data.with_suffix(".lwproj")) as session:
        assert session.data_change is None  # reported once; the project now knows the file


def test_a_change_without_a_snapshot_still_says_so(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    _frame().to_csv(data, index=False)
    LabelingSession.open(data, ["label"]).close()
    for leftover in (tmp_path / "d.lwcache").iterdir():
        leftover.unlink()  # the cache is derived; deleting it must never cost a label
    _frame(25).to_csv(data, index=False)
    _touch_later(data)
    with LabelingSession.open(data.with_suffix(".lwproj")) as session:
        assert session.data_change is not None
        assert session.data_change.added is None
        assert any("30 rows then, 25 now" in n for n in session.notes)
        assert len(session.labels("label")) == 3


def test_the_parsed_data_cache_is_used_only_for_the_same_file(tmp_path: Path) -> None:
    from app.core.data_cache import NAME

    data = tmp_path / "d.csv"
    _frame().to_csv(data, index=False)
    LabelingSession.open(data, ["label"]).close()
    cache = tmp_path / "d.lwcache" / NAME
    assert cache.is_file()
    with LabelingSession.open(data.with_suffix(".lwproj")) as session:
        fresh = session.data.copy()
    cache.write_bytes(b"not parquet")  # a damaged cache is parsed again, never trusted
    with LabelingSession.open(data.with_suffix(".lwproj")) as session:
        assert session.data.equals(fresh)
    edited = _frame()
    edited.loc[3, "x"] = 42.0
    edited.to_csv(data, index=False)
    _touch_later(data)
    with LabelingSession.open(data.with_suffix(".lwproj")) as session:  # a stale cache is not
        assert session.data.loc[3, "x"] == 42.0
        assert session.data_change is not None and session.data_change.edited == 1
