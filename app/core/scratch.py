"""Temporary files and folders that a kill cannot leave behind for long.

Every temporary name carries the process id of its writer. A SIGKILL skips all
clean-up, so the next run sweeps the leftovers of processes that no longer
exist, and never touches those of a process that is still writing.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

_PID = re.compile(r"-(\d+)-")


def pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    except OSError:
        return False
    return True


def sweep(folder: Path, prefix: str) -> int:
    """Remove ``<prefix><pid>-*`` entries in ``folder`` whose process is gone."""
    removed = 0
    try:
        entries = list(folder.iterdir())
    except OSError:
        return 0
    for entry in entries:
        if not entry.name.startswith(prefix):
            continue
        m = _PID.match(entry.name[len(prefix) - 1 :])
        if m is None or pid_alive(int(m.group(1))):
            continue
        with contextlib.suppress(OSError):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
            removed += 1
    return removed


def sweep_temp(prefix: str) -> int:
    """Sweep the system temporary folder, where operations keep their private folders."""
    return sweep(Path(tempfile.gettempdir()), prefix)


def tagged_prefix(prefix: str) -> str:
    """``labelwright-import-`` → ``labelwright-import-1234-`` for this process."""
    return f"{prefix}{os.getpid()}-"


@contextlib.contextmanager
def scratch_dir(prefix: str, parent: Path | None = None) -> Iterator[Path]:
    """A private folder for one operation; stale ones of dead processes are swept first."""
    base = Path(parent) if parent is not None else Path(tempfile.gettempdir())
    sweep(base, prefix)
    path = Path(tempfile.mkdtemp(prefix=tagged_prefix(prefix), dir=base))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
