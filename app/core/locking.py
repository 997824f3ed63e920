"""One process per project: an OS file lock that a crash or SIGKILL releases by itself."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import IO

from app.core.errors import UserError

_held: dict[Path, IO[str]] = {}


def lock_path(project_path: Path) -> Path:
    return project_path.with_name(project_path.name + ".lock")


def acquire(project_path: Path) -> None:
    """Take the project's lock or explain who holds it.

    ``flock`` locks belong to the open file, so the kernel drops them when the
    holder dies; a stale lock file left by a crash never blocks a reopen.
    """
    key = project_path.resolve()
    if key in _held:
        raise UserError(
            f"The project {project_path.name} is already open in this window; "
            "switch to it instead of opening it twice."
        )
    path = lock_path(project_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fh = path.open("a+", encoding="utf-8")
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows has no flock; run without the check
        _held[key] = fh
        return
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        fh.seek(0)
        holder = fh.read().strip() or "another process"
        fh.close()
        raise UserError(
            f"The project {project_path.name} is open in another Labelwright ({holder}); "
            "close it there first, or open a copy."
        ) from None
    fh.seek(0)
    fh.truncate()
    fh.write(f"process {os.getpid()}")
    fh.flush()
    _held[key] = fh


def release(project_path: Path) -> None:
    fh = _held.pop(project_path.resolve(), None)
    if fh is not None:
        with contextlib.suppress(OSError):
            fh.close()
