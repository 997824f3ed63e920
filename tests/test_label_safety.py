"""The label log is the user's property: never deleted, replaced, shared or silently ignored."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from app.core.errors import UserError
from app.core.session import LabelingSession

ROOT = Path(__file__).resolve().parents[1]


def _data(folder: Path, rows: int = 40, name: str = "d.csv") -> Path:
    frame = pd.DataFrame(
        {
            "id": range(1, rows + 1),
            "x": [i * 0.5 for i in range(rows)],
            "label": ["yes", "no"] + [None] * (rows - 2),
        }
    )
    path = folder / name
    if path.suffix == ".xlsx":
        frame.to_excel(path, index=False)
    else:
        frame.to_csv(path, index=False)
    return path


def _labelled(folder: Path, n: int = 6) -> tuple[Path, dict[str, str]]:
    """A project with ``n`` human labels beyond the file's two; returns the data and them."""
    data = _data(folder)
    given = {}
    with LabelingSession.open(data, ["label"]) as session:
        for i, row in enumerate(session.row_ids()[5 : 5 + n]):
            value = "yes" if i % 2 else "no"
            session.label(row, "label", value)
            given[str(row)] = value
    return data, given


def _labels(path: Path) -> dict[str, str]:
    with LabelingSession.open(path) as session:
        return {str(k): str(v) for k, v in session.labels("label").items()}


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )


# -- 1. recreating a project keeps its labels ------------------------------------------------


def test_a_damaged_project_file_says_how_to_keep_the_labels(tmp_path: Path) -> None:
    data, _ = _labelled(tmp_path)
    project = data.with_suffix(".lwproj")
    text = project.read_text()
    project.write_text(text[: len(text) // 2])  # cut off mid-JSON
    with pytest.raises(UserError) as info:
        LabelingSession.open(project)
    message = str(info.value)
    assert "damaged" in message and "d.lwlabels" in message and "safe" in message
    assert "adopts the label log" in message


def test_recreating_a_project_adopts_the_existing_log(tmp_path: Path) -> None:
    data, given = _labelled(tmp_path)
    log = data.with_suffix(".lwlabels")
    events_before = sqlite3.connect(log).execute("SELECT COUNT(*) FROM events").fetchone()[0]
    data.with_suffix(".lwproj").unlink()  # what the old advice said to do
    with LabelingSession.open(data, ["label"]) as session:
        labels = {str(k): str(v) for k, v in session.labels("label").items()}
        assert any("Adopted the existing label log" in n for n in session.notes)
        assert session.store.count() == events_before  # no event lost, none re-imported
    for row, value in given.items():
        assert labels[row] == value
    assert labels["1"] == "yes" and labels["2"] == "no"


def test_a_log_of_other_data_is_refused_and_named(tmp_path: Path) -> None:
    data, _ = _labelled(tmp_path)
    data.with_suffix(".lwproj").unlink()
    other = pd.DataFrame({"id": range(1000, 1040), "x": range(40), "label": ["a", "b"] * 20})
    other.to_csv(data, index=False)  # same file name, other samples
    log = data.with_suffix(".lwlabels")
    before = log.read_bytes()
    with pytest.raises(UserError, match=r"d\.lwlabels.*cannot belong to this data"):
        LabelingSession.open(data, ["label"])
    assert log.read_bytes() == before
    assert not data.with_suffix(".lwproj").exists()


# -- 3. one project per data file --------------------------------------------------------------


def test_files_with_the_same_stem_get_projects_of_their_own(tmp_path: Path) -> None:
    csv = _data(tmp_path, rows=40, name="wine.csv")
    xlsx = _data(tmp_path, rows=25, name="wine.xlsx")
    with LabelingSession.open(csv, ["label"]) as first:
        first.label(first.row_ids()[10], "label", "yes")
        assert first.project.path.name == "wine.lwproj"
    with LabelingSession.open(xlsx, ["label"]) as second:
        assert second.project.path.name == "wine.xlsx.lwproj"
        assert second.project.labels_path.name == "wine.xlsx.lwlabels"
        assert second.n_rows == 25
        out = second.export(tmp_path / "wine_export.csv")
    assert len(pd.read_csv(out)) == 25
    with LabelingSession.open(csv) as again:  # the first project is untouched
        assert again.n_rows == 40 and str(again.row_ids()[10]) in {
            str(k) for k in again.labels("label")
        }


# -- 4. copies and paths ---------------------------------------------------------------------

HOLDER = """
import sys, time
sys.path.insert(0, {root!r})
from app.core.session import LabelingSession
session = LabelingSession.open({project!r})
print("ready", flush=True)
time.sleep(60)
"""


def test_a_copied_project_file_cannot_share_a_log(tmp_path: Path) -> None:
    data, given = _labelled(tmp_path)
    project = data.with_suffix(".lwproj")
    copy = tmp_path / "d-copy.lwproj"
    shutil.copyfile(project, copy)
    with pytest.raises(
        UserError, match=r"d-copy\.lwlabels.*missing.*saved with the log d\.lwlabels"
    ):
        LabelingSession.open(copy)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER.format(root=str(ROOT), project=str(project))],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        # Even a project file that names the same log by its own name meets the lock.
        twin = tmp_path / "twin"
        twin.mkdir()
        (twin / "d.lwproj").symlink_to(project)
        (twin / "d.csv").symlink_to(data)
        (twin / "d.lwlabels").symlink_to(data.with_suffix(".lwlabels"))
        with pytest.raises(UserError, match="open in another Labelwright"):
            LabelingSession.open(twin / "d.lwproj")
        # The lock message's advice leads to a working copy, made while the project is open.
        with pytest.raises(UserError) as info:
            LabelingSession.open(project)
        assert "labelwright copy d.lwproj COPY.lwproj" in str(info.value)
        done = _cli("copy", str(project), str(tmp_path / "mine.lwproj"), cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert _labels(tmp_path / "mine.lwproj") == {"1": "yes", "2": "no", **given}
    finally:
        holder.kill()
        holder.communicate(timeout=10)


@pytest.mark.parametrize(
    "labels", ["/tmp/elsewhere.lwlabels", "../../x.lwlabels", "sub/x.lwlabels"]
)
def test_a_project_may_only_name_a_log_beside_itself(tmp_path: Path, labels: str) -> None:
    data, _ = _labelled(tmp_path)
    project = data.with_suffix(".lwproj")
    doc = json.loads(project.read_text())
    doc["labels"] = labels
    project.write_text(json.dumps(doc))
    with pytest.raises(UserError, match="labels must be a plain file name"):
        LabelingSession.open(project)
    assert not Path("/tmp/elsewhere.lwlabels").exists()
    assert not (tmp_path / "sub").exists()


# -- 5. a damaged or missing log is noticed -----------------------------------------------------


@pytest.mark.parametrize("damage", ["delete", "truncate", "no_tables", "older_copy"])
def test_a_lost_or_rolled_back_log_is_refused(tmp_path: Path, damage: str) -> None:
    data, _ = _labelled(tmp_path)
    project = data.with_suffix(".lwproj")
    log = data.with_suffix(".lwlabels")
    if damage == "older_copy":
        old = tmp_path / "old.lwlabels"
        shutil.copyfile(log, old)
        with LabelingSession.open(project) as session:
            session.label(session.row_ids()[30], "label", "yes")
        log.unlink()
        old.rename(log)
    elif damage == "delete":
        log.unlink()
    elif damage == "truncate":
        log.write_bytes(b"")
    else:
        conn = sqlite3.connect(log)
        conn.execute("DROP TABLE events")
        conn.execute("DROP TABLE meta")
        conn.commit()
        conn.close()
    before = log.read_bytes() if log.exists() else None
    with pytest.raises(UserError) as info:
        LabelingSession.open(project)
    message = str(info.value)
    assert "d.lwlabels" in message
    expected = {"delete": "missing", "truncate": "empty", "no_tables": "not a label log"}
    assert expected.get(damage, "older copy") in message
    assert (log.read_bytes() if log.exists() else None) == before  # nothing was changed


def test_a_corrupt_page_is_found_on_open(tmp_path: Path) -> None:
    data, _ = _labelled(tmp_path, n=200)
    log = data.with_suffix(".lwlabels")
    raw = bytearray(log.read_bytes())
    page = 4096
    assert len(raw) > 3 * page
    raw[2 * page : 2 * page + 12] = b"\xff" * 12  # scribble over a b-tree page header
    log.write_bytes(bytes(raw))
    with pytest.raises(UserError, match=r"d\.lwlabels is damaged.*has not changed it"):
        LabelingSession.open(data.with_suffix(".lwproj"))
    assert log.read_bytes() == bytes(raw)


def test_a_label_stored_as_binary_data_is_a_sentence(tmp_path: Path) -> None:
    data, _ = _labelled(tmp_path)
    log = data.with_suffix(".lwlabels")
    conn = sqlite3.connect(log)
    conn.execute("UPDATE events SET label = ? WHERE id = 3", (b"\x00\x01yes",))
    conn.commit()
    conn.close()
    with pytest.raises(UserError, match=r"event 3 with a value of the wrong type"):
        LabelingSession.open(data.with_suffix(".lwproj"))
