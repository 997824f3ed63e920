"""One writer per label log: an OS file lock that a crash or SIGKILL releases by itself.

The lock belongs to the log, not to the project file, so a copy of a project file
(or a second project file pointing at the same log) can never add a second writer.
"""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path
from typing import IO

from app.core.errors import UserError

_held: dict[Path, IO[str]] = {}


def lock_path(log_path: Path) -> Path:
    return log_path.with_name(log_path.name + ".lock")


def _key(log_path: Path) -> Path:
    return log_path.resolve()


def acquire(log_path: Path, project_path: Path | None = None) -> None:
    """Take the log's lock or explain, in one sentence, who holds it and what to do.

    ``flock`` locks belong to the open file, so the kernel drops them when the
    holder dies; a stale lock file left by a crash never blocks a reopen.
    """
    key = _key(log_path)
    shown = (project_path or log_path).name
    if key in _held:
        raise UserError(
            f"The project {shown} is already open in this window; switch to it instead of "
            "opening it twice."
        )
    path = lock_path(key)  # beside the real file, however the log was reached
    try:
        fh = path.open("a+", encoding="utf-8")
    except IsADirectoryError as exc:
        raise UserError(
            f"The lock file {path.name} beside the project is a folder; remove or rename that "
            "folder and open the project again."
        ) from exc
    except OSError as exc:
        raise UserError(_cannot_lock(path, exc)) from exc
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows has no flock; run without the check
        _held[key] = fh
        return
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        fh.seek(0)
        holder = fh.read().strip()[:40] or "another process"
        fh.close()
        raise UserError(
            f"The project {shown} is open in another Labelwright ({holder}); close it there "
            f"first, or work on a copy: labelwright copy {shown} COPY.lwproj makes one you can "
            "open at once."
        ) from None
    with contextlib.suppress(OSError):  # the holder's pid is a courtesy, not the lock
        fh.seek(0)
        fh.truncate()
        fh.write(f"process {os.getpid()}")
        fh.flush()
    _held[key] = fh


def release(log_path: Path) -> None:
    fh = _held.pop(_key(log_path), None)
    if fh is not None:
        with contextlib.suppress(OSError):
            fh.close()


def is_held(log_path: Path) -> bool:
    return _key(log_path) in _held


def _cannot_lock(path: Path, exc: OSError) -> str:
    folder = path.parent
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return (
            f"Labelwright cannot write in {folder} (it is read-only for you), and it needs to "
            "lock the project's label log there; copy the project to a folder you can write to "
            "and open it there."
        )
    if exc.errno == errno.ENOSPC:
        return f"The disk holding {folder} is full; free some space and open the project again."
    return (
        f"Labelwright cannot create the lock file {path.name} in {folder} "
        f"({(exc.strerror or str(exc)).lower()}); check the folder and try again."
    )
