"""Moving an imported project into place so that a kill never leaves half of it.

The files are staged in a private folder inside the destination, then renamed in
one by one, the project file last. Before the first rename a journal lists the
files the import creates; after the last one it is removed. The next import into
that folder reads a leftover journal: if the project file made it, the import was
complete; if not, the files it lists are removed, so the folder is as it was.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from pathlib import Path

from app.core.atomic import atomic_write_text
from app.core.errors import UserError
from app.core.faults import boundary
from app.core.scratch import pid_alive, sweep

JOURNAL = ".labelwright-import.json"
STAGING = ".labelwright-import-"


def move_in(into: Path, moves: list[tuple[Path, Path]]) -> None:
    """Rename staged files into ``into``; the last move must be the project file."""
    names = [dst.name for _src, dst in moves]
    doc = {"pid": os.getpid(), "files": names}
    atomic_write_text(into / JOURNAL, json.dumps(doc))
    boundary("import:journal")
    for i, (src, dst) in enumerate(moves, start=1):
        src.replace(dst)
        boundary(f"import:moved-{i}")
    _fsync_dir(into)
    (into / JOURNAL).unlink()
    _fsync_dir(into)


def recover(into: Path) -> None:
    """Finish or undo an import that a crash interrupted in ``into``."""
    sweep(into, STAGING)
    journal = into / JOURNAL
    try:
        doc = json.loads(journal.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return
    except (OSError, ValueError):
        doc = {}
    pid = doc.get("pid") if isinstance(doc, dict) else None
    if isinstance(pid, int) and pid != os.getpid() and pid_alive(pid):
        raise UserError(
            f"Another Labelwright (process {pid}) is importing into {into} right now; wait for "
            "it to finish, or import into another folder."
        )
    files = doc.get("files") if isinstance(doc, dict) else None
    names = [n for n in files if _plain(n)] if isinstance(files, list) else []
    complete = bool(names) and (into / names[-1]).exists()
    if not complete:
        for name in names:
            path = into / name
            with contextlib.suppress(OSError):
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path)
                else:
                    path.unlink()
    with contextlib.suppress(OSError):
        journal.unlink()
    _fsync_dir(into)


def _plain(name: object) -> bool:
    return isinstance(name, str) and name not in ("", ".", "..") and "/" not in name


def _fsync_dir(path: Path) -> None:
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
