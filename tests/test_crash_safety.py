"""Nothing acknowledged is ever lost: SIGKILL during labelling, crashes during writes, locks."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from app.core import atomic, bundle_writer
from app.core.atomic import atomic_path
from app.core.bundle import export_bundle, import_bundle, read_bundle
from app.core.errors import UserError
from app.core.project import Project
from app.core.session import LabelingSession
from models.ebm import EBMSettings

ROOT = Path(__file__).resolve().parents[1]

# The child labels as fast as it can and prints each label only after ``label`` returned,
# which is the moment the app tells the user the label is safe.
LABELLER = textwrap.dedent(
    """
    import random, sys
    sys.path.insert(0, {root!r})
    from app.core.session import LabelingSession

    session = LabelingSession.open({project!r})
    ids = session.row_ids()
    rng = random.Random({seed})
    print("ready", flush=True)
    while True:
        row = rng.choice(ids)
        value = rng.choice(["yes", "no"])
        event = session.label(row, "label", value, note="x" * rng.randrange(200))
        print(event.id, row, value, flush=True)
    """
)

HOLDER = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {root!r})
    from app.core.session import LabelingSession

    session = LabelingSession.open({project!r})
    print("ready", flush=True)
    time.sleep(60)
    """
)


def _small_project(folder: Path) -> Path:
    """A 40-row table with a few labels; no model is ever trained here."""
    frame = pd.DataFrame(
        {
            "id": range(1, 41),
            "x": [i * 0.5 for i in range(40)],
            "label": ["yes", "no"] + [None] * 38,
        }
    )
    data = folder / "small.csv"
    frame.to_csv(data, index=False)
    session = LabelingSession.open(data, targets=["label"])
    session.close()
    return data.with_suffix(".lwproj")


def _spawn(script: str, **fields: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", script.format(root=str(ROOT), **fields)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )


def _wait_ready(proc: subprocess.Popen[str]) -> None:
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if line.strip() != "ready":
        proc.kill()
        raise AssertionError(f"child did not start: {line!r} {proc.communicate()[1]}")


def test_sigkill_never_loses_an_acknowledged_label(tmp_path: Path) -> None:
    project = _small_project(tmp_path)
    rng = random.Random(1234)
    acknowledged: dict[int, tuple[str, str]] = {}
    kills = 24
    for round_ in range(kills):
        proc = _spawn(LABELLER, project=str(project), seed=round_)
        if round_ % 6 == 5:
            time.sleep(rng.uniform(0.0, 0.4))  # sometimes mid-open, before "ready"
        else:
            _wait_ready(proc)
            time.sleep(rng.uniform(0.0, 0.25))
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate(timeout=10)
        assert proc.returncode == -signal.SIGKILL
        for line in out.splitlines(keepends=True):
            parts = line.split()
            if not line.endswith("\n") or len(parts) != 3:
                continue  # the last line may be cut off by the kill: never acknowledged
            acknowledged[int(parts[0])] = (parts[1], parts[2])
        with sqlite3.connect(project.with_suffix(".lwlabels")) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            stored = {
                row[0]: (row[1], row[2])
                for row in conn.execute("SELECT id, row_id, label FROM events WHERE source='human'")
            }
        conn.close()
        missing = {k: v for k, v in acknowledged.items() if stored.get(k) != v}
        assert not missing, f"round {round_}: acknowledged labels lost: {missing}"
    assert len(acknowledged) > 2 * kills  # the loop really labelled between kills
    session = LabelingSession.open(project)  # and the killed holders never block a reopen
    try:
        assert session.store.integrity_ok()
        # The current label of a sample is its newest surviving event. That may be newer
        # than its newest acknowledged one: a label can commit just before the kill that
        # stops its acknowledgement, and keeping it is right.
        newest: dict[str, tuple[int, str | None]] = {}
        for event in session.store.events("label"):
            newest[event.row_id] = (event.id, event.label)
        labels = {str(k): v for k, v in session.labels("label").items()}
        assert labels == {row: label for row, (_, label) in newest.items() if label is not None}
        for event_id, (row, _) in acknowledged.items():
            assert newest[row][0] >= event_id
    finally:
        session.close()


def test_a_project_open_in_another_process_is_explained(tmp_path: Path) -> None:
    project = _small_project(tmp_path)
    proc = _spawn(HOLDER, project=str(project))
    try:
        _wait_ready(proc)
        with pytest.raises(UserError, match=r"is open in another Labelwright \(process \d+\)"):
            LabelingSession.open(project)
    finally:
        proc.kill()
        proc.communicate(timeout=10)
    LabelingSession.open(project).close()  # the lock died with its holder


# -- atomic writes: a crash mid-write leaves the old file intact ------------------------------


def _fail_replace(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*_a: object, **_k: object) -> None:
        raise OSError("disk pulled out")

    monkeypatch.setattr(atomic.Path, "replace", boom)


def _no_temp_files(folder: Path) -> None:
    assert not [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_crash_inside_an_atomic_write_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "file.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half of the new")
        raise RuntimeError("crash")
    assert target.read_text() == "old"
    _no_temp_files(tmp_path)


def test_failed_rename_keeps_project_export_and_bundle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project_file = _small_project(tmp_path)
    session = LabelingSession.open(project_file)
    try:
        session.project.model = EBMSettings.tiny()
        session.project.save()
        export = tmp_path / "labels.csv"
        session.export(export)
        bundle = tmp_path / "small.lwbundle"
        export_bundle(session, bundle)
        before = {p: p.read_bytes() for p in (project_file, export, bundle)}

        with monkeypatch.context() as m:
            _fail_replace(m)
            session.project.layout = {"changed": True}
            with pytest.raises(OSError):
                session.project.save()
            session.label(session.row_ids()[5], "label", "yes")
            with pytest.raises(OSError):
                session.export(export)
            with pytest.raises(OSError):
                export_bundle(session, bundle)
        assert {p: p.read_bytes() for p in before} == before
        assert Project.load(project_file).layout == {}
        read_bundle(bundle)  # still a whole, valid bundle
        _no_temp_files(tmp_path)
    finally:
        session.close()


def test_crash_while_zipping_keeps_the_old_bundle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = LabelingSession.open(_small_project(tmp_path))
    try:
        session.project.model = EBMSettings.tiny()
        bundle = tmp_path / "small.lwbundle"
        export_bundle(session, bundle)
        old = bundle.read_bytes()
        session.label(session.row_ids()[7], "label", "no")

        def crash(*_a: object, **_k: object) -> None:
            raise KeyboardInterrupt  # the user's Ctrl+C halfway through the zip

        monkeypatch.setattr(bundle_writer, "_put", crash)
        with pytest.raises(KeyboardInterrupt):
            export_bundle(session, bundle)
        assert bundle.read_bytes() == old
        assert zipfile.is_zipfile(bundle)
        _no_temp_files(tmp_path)
    finally:
        session.close()


def test_crash_during_import_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = LabelingSession.open(_small_project(tmp_path))
    try:
        session.project.model = EBMSettings.tiny()
        bundle = tmp_path / "small.lwbundle"
        export_bundle(session, bundle, include_data=True)
    finally:
        session.close()
    into = tmp_path / "into"

    def crash(*_a: object, **_k: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("app.core.bundle.write_events", crash)
    with pytest.raises(OSError):
        import_bundle(bundle, into)
    assert not into.exists()
    monkeypatch.undo()
    (into / "keep.txt").parent.mkdir()
    (into / "keep.txt").write_text("mine")
    monkeypatch.setattr(atomic.Path, "replace", lambda *_a, **_k: (_ for _ in ()).throw(OSError()))
    with pytest.raises(OSError):
        import_bundle(bundle, into)
    assert sorted(p.name for p in into.iterdir()) == ["keep.txt"]


def test_atomic_writes_keep_a_readable_mode(tmp_path: Path) -> None:
    """mkstemp makes 0600 files; a shared bundle or export must stay readable by others."""
    fresh = tmp_path / "fresh.txt"
    atomic.atomic_write_text(fresh, "new")
    assert fresh.stat().st_mode & 0o777 == 0o666 & ~atomic._UMASK
    kept = tmp_path / "kept.txt"
    kept.write_text("old")
    kept.chmod(0o640)
    atomic.atomic_write_text(kept, "new")
    assert kept.stat().st_mode & 0o777 == 0o640
