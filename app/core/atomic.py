"""Atomic file writes: a crash mid-write leaves the previous file intact."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from app.core.errors import UserError
from app.core.faults import boundary
from app.core.scratch import sweep, tagged_prefix


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it replaces ``target``.

    The temporary file lives in the same directory so the final ``os.replace``
    is a rename on one file system, which POSIX and Windows make atomic.
    """
    target = Path(target)
    prefix = f".{target.name}-"
    try:
        check_output_path(target)
        target.parent.mkdir(exist_ok=True)
        sweep(target.parent, prefix)  # what a killed writer of this file left behind
        fd, tmp_name = tempfile.mkstemp(
            prefix=tagged_prefix(prefix), suffix=".tmp", dir=target.parent
        )
        os.close(fd)
    except OSError as exc:
        raise write_failure(target, exc) from exc
    tmp = Path(tmp_name)
    try:
        yield tmp
        _set_mode(tmp, target)
        _fsync_file(tmp)
        boundary("write:tmp")
        tmp.replace(target)
        boundary("write:renamed")
        _fsync_dir(target.parent)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if is_disk_problem(exc):
            raise write_failure(target, exc) from exc  # type: ignore[arg-type]
        raise


_SENTENCES = {
    errno.ENOSPC: "the disk is full; free some space and try again",
    errno.EDQUOT: "your disk quota is used up; free some space and try again",
    errno.EACCES: "you may not write in that folder; choose a folder you can write to",
    errno.EPERM: "you may not write in that folder; choose a folder you can write to",
    errno.EROFS: "that disk is read-only; choose a folder on a writable disk",
    errno.ENOTDIR: "part of that path is a file, not a folder; choose a folder for it",
    errno.EISDIR: "that path is a folder; give a file name",
    errno.ENOENT: "its folder does not exist; create the folder or choose another",
    errno.ENAMETOOLONG: "the name is too long; choose a shorter one",
    errno.EIO: "the disk reported an error; check the disk and try again",
}


def is_disk_problem(exc: BaseException) -> bool:
    """An OSError the user can act on (full disk, permissions, a bad path), not a bug."""
    return isinstance(exc, OSError) and exc.errno in _SENTENCES


def write_failure(target: Path, exc: OSError) -> UserError:
    """Why a file could not be written, as one sentence; nothing half-written is left."""
    reason = _SENTENCES.get(exc.errno or -1)
    if reason is None:
        reason = f"{(exc.strerror or str(exc)).lower()}; check the disk and try again"
    return UserError(f"Cannot write {target}: {reason}.")


def check_output_path(target: Path) -> None:
    """Refuse a folder, a path under a file, or one whose folder's own folder is missing.

    A missing output folder is created, but only one level deep, so a mistyped path
    never scatters folders across the disk (and never at the root).
    """
    if target.is_dir():
        raise UserError(f"Cannot write {target}: that path is a folder; give a file name.")
    for parent in target.parents:
        if parent.exists():
            if not parent.is_dir():
                raise UserError(
                    f"Cannot write {target}: {parent} is a file, not a folder; choose a folder "
                    "for it."
                )
            break
    folder = target.parent
    at_root = folder.parent == Path(folder.anchor)
    if not folder.exists() and (at_root or not folder.parent.is_dir()):
        raise UserError(
            f"Cannot write {target}: the folder {folder.parent} does not exist; create it first "
            "or choose another folder."
        )


def atomic_write_bytes(target: str | os.PathLike[str], data: bytes) -> None:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def atomic_write_text(target: str | os.PathLike[str], text: str) -> None:
    atomic_write_bytes(target, text.encode("utf-8"))


def atomic_write_with(target: str | os.PathLike[str], writer: Callable[[IO[bytes]], None]) -> None:
    """Let ``writer`` stream into an open binary file that becomes ``target`` atomically."""
    with atomic_path(target) as tmp, tmp.open("wb") as fh:
        writer(fh)


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _current_umask()  # read once at import, before any worker thread creates files


def _set_mode(tmp: Path, target: Path) -> None:
    """Give the new file the old file's mode, else the usual umask mode, not mkstemp's 0600.

    A bundle or export written 0600 could not be read by a colleague on a shared drive.
    """
    try:
        mode = target.stat().st_mode & 0o7777
    except OSError:
        mode = 0o666 & ~_UMASK
    with contextlib.suppress(OSError):
        tmp.chmod(mode)


def _fsync_file(path: Path) -> None:
    with path.open("rb") as fh:
        os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def check_out(path: str | os.PathLike[str], suffixes: tuple[str, ...], what: str) -> Path:
    """An output path the command can write: right extension, a file, in a real folder."""
    target = Path(path)
    check_output_path(target)
    if target.suffix.lower() not in suffixes:
        wanted = " or ".join(suffixes)
        raise UserError(
            f"Cannot write {what} to '{target.name}'; use a file name ending in {wanted}."
        )
    return target
