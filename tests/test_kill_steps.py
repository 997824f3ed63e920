"""SIGKILL at every step boundary of import, export, bundle export and retrain.

Each command runs for real in a subprocess; ``LABELWRIGHT_KILL_AT`` makes it kill
itself exactly between two steps (``app.core.faults``), and other rounds kill it
at random moments. After every kill the project opens with every acknowledged
label, a re-run of the same command succeeds, and nothing is left behind.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from app.core.bundle import read_bundle
from app.core.session import LabelingSession
from models.ebm import EBMSettings

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def project(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A small project with tiny model settings and a few acknowledged labels."""
    rng = random.Random(5)
    frame = pd.DataFrame(
        {
            "id": range(1, 61),
            "x": [rng.random() for _ in range(60)],
            "y": [rng.random() for _ in range(60)],
            "label": ["yes", "no"] * 3 + [None] * 54,
        }
    )
    data = tmp_path / "work" / "k.csv"
    data.parent.mkdir()
    frame.to_csv(data, index=False)
    acked: dict[str, str] = {}
    with LabelingSession.open(data, ["label"]) as session:
        session.project.model = EBMSettings.tiny()
        for i, row in enumerate(session.row_ids()[6:20]):
            session.label(row, "label", "yes" if (i % 3) else "no")
        acked = {str(k): str(v) for k, v in session.labels("label").items()}
        session.save()
    return data.with_suffix(".lwproj"), acked


def _env(tmp: Path, kill_at: str | None) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmp)}
    env.pop("LABELWRIGHT_KILL_AT", None)
    if kill_at:
        env["LABELWRIGHT_KILL_AT"] = kill_at
    return env


def _run(
    args: list[str], tmp: Path, kill_at: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        capture_output=True,
        text=True,
        env=_env(tmp, kill_at),
        timeout=300,
    )


def _leftovers(*folders: Path) -> list[str]:
    found = []
    for folder in folders:
        if folder.is_dir():
            for p in folder.rglob("*"):
                if p.name.endswith(".tmp") or p.name.startswith(
                    ("labelwright-import-", ".labelwright-import")
                ):
                    found.append(str(p))
    return found


def _labels_intact(project: Path, acked: dict[str, str]) -> None:
    with LabelingSession.open(project) as session:
        labels = {str(k): str(v) for k, v in session.labels("label").items()}
    assert {k: labels.get(k) for k in acked} == acked


COMMANDS = {
    "export": (["export", "{project}", "--out", "{out}/e.csv"], ["write:tmp", "write:renamed"]),
    "bundle-export": (
        ["bundle", "export", "{project}", "--out", "{out}/k.lwbundle", "--include-data"],
        ["write:tmp", "write:renamed", "retrain:fitted"],
    ),
}


@pytest.mark.parametrize(
    ("command", "step"),
    [(c, s) for c, (_a, steps) in COMMANDS.items() for s in steps],
)
def test_a_kill_between_steps_of_an_output_command(
    tmp_path: Path, project: tuple[Path, dict[str, str]], command: str, step: str
) -> None:
    proj, acked = project
    out = tmp_path / "out"
    out.mkdir()
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    args = [a.format(project=proj, out=out) for a in COMMANDS[command][0]]
    first = _run(args, scratch, kill_at=step)
    assert first.returncode == -signal.SIGKILL, first.stderr  # the step was reached
    _labels_intact(proj, acked)
    again = _run(args, scratch)
    assert again.returncode == 0, again.stderr
    if command == "export":
        assert len(pd.read_csv(out / "e.csv")) == 60
    else:
        assert len(read_bundle(out / "k.lwbundle").events) >= len(acked)
    assert not _leftovers(out, scratch, proj.parent)


IMPORT_STEPS = ["import:staged", "import:journal", "import:moved-1", "import:moved-2",
                "import:moved-3", "import:moved-4", "write:tmp"]  # fmt: skip


@pytest.mark.parametrize("step", IMPORT_STEPS)
def test_a_kill_between_steps_of_bundle_import(
    tmp_path: Path, project: tuple[Path, dict[str, str]], step: str
) -> None:
    proj, acked = project
    bundle = tmp_path / "k.lwbundle"
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    made = _run(["bundle", "export", str(proj), "--out", str(bundle), "--include-data"], scratch)
    assert made.returncode == 0, made.stderr
    into = tmp_path / "into"
    args = ["bundle", "import", str(bundle), "--into", str(into)]
    first = _run(args, scratch, kill_at=step)
    assert first.returncode == -signal.SIGKILL, first.stderr
    if (into / "k.lwproj").exists() and not (into / ".labelwright-import.json").exists():
        _labels_intact(into / "k.lwproj", acked)  # whatever is visible is whole
    again = _run(args, scratch)
    assert again.returncode == 0, again.stderr
    _labels_intact(into / "k.lwproj", acked)
    assert not _leftovers(into, scratch)
    assert sorted(p.name for p in into.iterdir() if not p.name.startswith("k.lw")) == [
        ".lwbundle-source",
        "k.csv",
    ]


def test_kills_at_random_moments_of_import_and_export(
    tmp_path: Path, project: tuple[Path, dict[str, str]]
) -> None:
    proj, acked = project
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    bundle = tmp_path / "k.lwbundle"
    assert _run(["bundle", "export", str(proj), "--out", str(bundle), "--include-data"], scratch)
    rng = random.Random(7)
    into = tmp_path / "into"
    commands = [
        ["bundle", "import", str(bundle), "--into", str(into)],
        ["export", str(proj), "--out", str(tmp_path / "e.csv")],
        ["bundle", "export", str(proj), "--out", str(tmp_path / "again.lwbundle")],
    ]
    for round_ in range(9):
        args = commands[round_ % 3]
        proc = subprocess.Popen(
            [sys.executable, "-m", "app", *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=_env(scratch, None),
        )
        time.sleep(rng.uniform(0.3, 3.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        _labels_intact(proj, acked)
        again = _run(args, scratch)
        assert again.returncode == 0, (round_, again.stderr)
    _labels_intact(into / "k.lwproj", acked)
    assert not _leftovers(into, scratch, tmp_path / "work")


RETRAINER = textwrap.dedent(
    """
    import random, sys
    sys.path.insert(0, {root!r})
    from app.core.session import LabelingSession
    from models.ebm import EBMSettings

    session = LabelingSession.open({project!r})
    session.project.model = EBMSettings.tiny()
    rng = random.Random({seed})
    ids = session.row_ids()
    print("ready", flush=True)
    while True:
        row = rng.choice(ids)
        value = rng.choice(["yes", "no"])
        event = session.label(row, "label", value)
        print(event.id, row, value, flush=True)
        session.retrain()
    """
)


def test_sigkill_during_retrains_loses_no_acknowledged_label(
    tmp_path: Path, project: tuple[Path, dict[str, str]]
) -> None:
    proj, acked = project
    rng = random.Random(11)
    newest = dict(acked)
    for round_ in range(6):
        env = _env(tmp_path, "retrain:fitted" if round_ == 0 else None)
        proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                RETRAINER.format(root=str(ROOT), project=str(proj), seed=round_),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert proc.stdout is not None
        if round_:
            assert proc.stdout.readline().strip() == "ready"
            time.sleep(rng.uniform(0.5, 2.5))
            proc.send_signal(signal.SIGKILL)
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == -signal.SIGKILL, err
        for line in out.splitlines(keepends=True):
            parts = line.split()
            if line.endswith("\n") and len(parts) == 3:
                newest[parts[1]] = parts[2]
        with LabelingSession.open(proj) as session:
            labels = {str(k): str(v) for k, v in session.labels("label").items()}
            events = {str(e.id) for e in session.store.events("label")}
        for line in out.splitlines(keepends=True):
            parts = line.split()
            if line.endswith("\n") and len(parts) == 3:
                assert parts[0] in events  # every acknowledged label is in the log
    assert set(newest) <= set(labels)
