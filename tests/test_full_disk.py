"""A full or read-only disk is one sentence, and nothing is left half-written.

Where the machine allows it (root, as in CI), the project lives on a real tiny
tmpfs that the test fills up, and "read-only" is a read-only remount. Elsewhere the
label log is capped with SQLite's ``max_page_count`` (a real SQLITE_FULL) and the
file writes get ENOSPC from a fault at the write boundary.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from app.core.bundle import export_bundle, import_bundle
from app.core.errors import UserError
from app.core.session import LabelingSession
from models.ebm import EBMSettings

ROOT = Path(__file__).resolve().parents[1]


def _mount(where: Path, size: str) -> bool:
    where.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        return False
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
        capture_output=True,
    )
    return done.returncode == 0


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MiB file system of its own; skipped only where mounting is not allowed."""
    where = tmp_path / "disk"
    if not _mount(where, "4m"):
        pytest.skip("mounting a tmpfs needs root; the injected-fault tests cover this machine")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def _project(folder: Path, rows: int = 60) -> Path:
    frame = pd.DataFrame(
        {
            "id": range(rows),
            "x": [float(i % 7) for i in range(rows)],
            "label": ["a", "b"] * (rows // 2),
        }
    )
    data = folder / "f.csv"
    frame.to_csv(data, index=False)
    with LabelingSession.open(data, ["label"]) as session:
        session.project.model = EBMSettings.tiny()
        session.save()
    return data.with_suffix(".lwproj")


def _fill(folder: Path) -> Path:
    """Take every free byte of the file system that holds ``folder``."""
    filler = folder / "filler.bin"
    with filler.open("wb", buffering=0) as fh:
        for chunk in (65536, 4096, 512, 1):
            with contextlib.suppress(OSError):
                while True:
                    fh.write(b"\0" * chunk)
    return filler


def _no_half_files(folder: Path) -> None:
    assert not [p.name for p in folder.rglob("*") if p.name.endswith(".tmp")]


def test_label_on_a_full_disk_says_so_and_keeps_working(disk: Path) -> None:
    session = LabelingSession.open(_project(disk))
    try:
        before = session.store.count()
        filler = _fill(disk)
        rows = session.row_ids()
        with pytest.raises(UserError, match="is full, so the label was not saved"):
            for i in range(2000):  # the WAL has a little room left; fill it up too
                session.label(rows[i % len(rows)], "label", "a" if i % 2 else "b", note="n" * 500)
        failed_at = session.store.count()
        filler.unlink()
        event = session.label(rows[0], "label", "a")
        assert event.id > 0 and session.store.count() == failed_at + 1 >= before + 1
    finally:
        session.close()
    with LabelingSession.open(disk / "f.lwproj") as again:
        assert again.store.count() == failed_at + 1
        assert again.store.integrity_ok()


@pytest.mark.parametrize("what", ["export", "bundle export", "bundle import"])
def test_outputs_on_a_full_disk_are_a_sentence(disk: Path, tmp_path: Path, what: str) -> None:
    (tmp_path / "src").mkdir()
    project = _project(tmp_path / "src" if what == "bundle import" else disk)
    bundle = tmp_path / "b.lwbundle"
    if what == "bundle import":
        with LabelingSession.open(project) as session:
            export_bundle(session, bundle, include_data=True)
    session = LabelingSession.open(project)
    _fill(disk)  # the disk fills up while the project is open
    with session, pytest.raises(UserError, match="is full"):
        if what == "export":
            session.export(disk / "out.csv")
        elif what == "bundle export":
            export_bundle(session, disk / "out.lwbundle")
        else:
            import_bundle(bundle, disk / "into")
    assert not (disk / "out.csv").exists() and not (disk / "out.lwbundle").exists()
    assert not (disk / "into").exists()
    _no_half_files(disk)


def test_read_only_disk_for_audit_out_and_for_the_lock(disk: Path) -> None:
    project = _project(disk)
    subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    audit = subprocess.run(
        [
            sys.executable,
            "-m",
            "app",
            "audit",
            "--data",
            str(disk / "f.csv"),
            "--target",
            "label",
            "--out",
            str(disk / "a.csv"),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert audit.returncode == 2 and "read-only" in audit.stderr, audit.stderr
    assert audit.stderr.strip().count("\n") == 0
    with pytest.raises(UserError, match=r"cannot write in|read-only"):
        LabelingSession.open(project)


# -- where no tmpfs can be mounted: real SQLITE_FULL and an injected ENOSPC --------------------


def test_a_full_label_log_is_a_sentence_without_tmpfs(tmp_path: Path) -> None:
    session = LabelingSession.open(_project(tmp_path))
    try:
        pages = session.store._conn.execute("PRAGMA page_count").fetchone()[0]
        session.store._conn.execute(f"PRAGMA max_page_count = {pages}")
        rows = session.row_ids()
        with pytest.raises(UserError, match="is full, so the label was not saved"):
            for i in range(5000):
                session.label(rows[i % len(rows)], "label", "a", note="n" * 2000)
        session.store._conn.execute("PRAGMA max_page_count = 1073741823")
        session.label(rows[1], "label", "b")
    finally:
        session.close()


def test_an_injected_full_disk_at_the_write(tmp_path: Path) -> None:
    project = _project(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LABELWRIGHT_DISK_FULL_AT": "write:tmp"}
    out = tmp_path / "e.csv"
    done = subprocess.run(
        [sys.executable, "-m", "app", "export", str(project), "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 2 and "the disk is full" in done.stderr, done.stderr
    assert not out.exists()
    _no_half_files(tmp_path)
