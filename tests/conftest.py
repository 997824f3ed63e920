"""Shared fixtures: offscreen Qt and user directories isolated per test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def isolated_user_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """Point every platformdirs directory at a fresh temporary folder."""
    home = tmp_path_factory.mktemp("user")
    monkeypatch.setenv("LABELWRIGHT_HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    yield home


@pytest.fixture(autouse=True)
def no_threads_left_running() -> Iterator[None]:
    """Fail a test that leaves a worker QThread (or any new Python thread) running."""
    import sys
    import threading

    before = set(threading.enumerate())
    yield
    leftovers: list[str] = []
    workers = sys.modules.get("app.gui.workers")
    if workers is not None:
        leftovers += [t.objectName() or "QThread" for t in workers.running_threads()]
    leftovers += [
        t.name for t in threading.enumerate() if t not in before and t.is_alive() and not t.daemon
    ]
    if leftovers:
        pytest.fail(f"threads left running: {', '.join(leftovers)}")
