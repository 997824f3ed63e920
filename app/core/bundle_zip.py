"""Open a zip from a stranger safely: names, links, sizes, ratios, and capped reads.

These checks run on the central directory before any member is read, and
every read is capped by both the member's declared size and a hard limit, so
a zip bomb, a path-traversal name or a symlink never gets past this module.
"""

from __future__ import annotations

import hashlib
import io
import lzma
import re
import stat
import struct
import zipfile
import zlib
from pathlib import Path
from typing import IO

from app.core.bundle_checks import RESEND, BundleError, show
from app.core.bundle_images import MAX_IMAGES, is_image_member
from app.core.errors import UserError

MANIFEST = "manifest.json"
LABELS = "labels.csv"
MIB = 1024 * 1024
MAX_MEMBER_BYTES = 64 * MIB  # any member but the data copy
MAX_TOTAL_BYTES = 512 * MIB  # everything unpacked, data copy included
MAX_RATIO = 100  # unpacked / packed; text rarely passes 20, zip bombs reach 1000s
RATIO_FLOOR_BYTES = 1 * MIB  # tiny members may compress absurdly well and are harmless
MAX_MEMBERS = MAX_IMAGES + 1000  # the manifest, labels, models, data and its images
PICKLE_SUFFIXES = (".pkl", ".pickle", ".joblib", ".dill", ".npy", ".npz", ".pt", ".pth", ".sav")
DATA_SUFFIXES = (".csv", ".tsv", ".tab", ".txt", ".parquet", ".pq", ".xlsx", ".xlsm", ".xls")
MODEL_MEMBER = re.compile(r"models/[A-Za-z0-9][A-Za-z0-9._-]{0,99}\.json")
DATA_MEMBER = re.compile(r"data/[A-Za-z0-9][A-Za-z0-9._ -]{0,199}")
_DIRS = {"models/", "data/"}
_DRIVE = re.compile(r"^[A-Za-z]:")
_CHUNK = 1 << 20

# What zipfile and the decompressors raise on damaged or crafted archives.
ZIP_ERRORS: tuple[type[BaseException], ...] = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    EOFError,
    OSError,
    ValueError,
    NotImplementedError,
    RuntimeError,
    OverflowError,
    IndexError,
    KeyError,
    zlib.error,
    lzma.LZMAError,
    struct.error,
)


def _refuse(path: Path, problem: str, fix: str = RESEND) -> UserError:
    return BundleError.make(path, problem, fix)


def damaged(path: Path, exc: BaseException) -> UserError:
    reason = str(exc).splitlines()[0][:80] if str(exc) else type(exc).__name__
    return _refuse(path, f"is damaged ({show(reason)})", "copy or download the bundle again")


def check_directory_size(p: Path) -> None:
    """Refuse before zipfile builds an object per entry: a huge directory is a memory bomb."""
    size = p.stat().st_size
    if size > MAX_TOTAL_BYTES + MAX_MEMBER_BYTES:
        raise too_large(p, "", size, MAX_TOTAL_BYTES, True)
    with p.open("rb") as fh:
        fh.seek(max(0, size - (1 << 16) - 22))
        tail = fh.read()
    at = tail.rfind(b"PK\x05\x06")
    if at != -1 and len(tail) >= at + 12:
        (entries,) = struct.unpack_from("<H", tail, at + 10)
        if MAX_MEMBERS < entries < 0xFFFF:
            raise _refuse(p, f"has {entries} members, far more than a bundle holds")


def check_structure(p: Path, zf: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    """Names, types, sizes and ratios of every member, from the central directory."""
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise _refuse(p, f"has {len(infos)} members, far more than a bundle holds")
    seen: dict[str, zipfile.ZipInfo] = {}
    total = packed = 0
    data_members = 0
    for info in infos:
        name = info.orig_filename
        _check_name(p, name, info.filename)
        if name in seen:
            raise _refuse(p, f"holds the member '{show(name)}' twice")
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise _refuse(p, f"holds a symbolic link '{show(name)}', which a bundle never has")
        if info.flag_bits & 0x1:
            raise _refuse(p, f"holds an encrypted member '{show(name)}'")
        if info.is_dir():
            if name not in _DIRS or info.file_size:
                raise _refuse(p, f"holds an unexpected folder '{show(name)}'")
            continue
        _check_kind(p, name)
        is_data = name.startswith("data/")
        data_members += is_data
        if data_members > 1:
            raise _refuse(p, "holds more than one data file, but a bundle carries at most one")
        limit = MAX_TOTAL_BYTES if is_data else MAX_MEMBER_BYTES
        if info.file_size > limit:
            raise too_large(p, name, info.file_size, limit, is_data)
        if info.file_size > RATIO_FLOOR_BYTES and info.file_size > MAX_RATIO * max(
            info.compress_size, 1
        ):
            ratio = info.file_size // max(info.compress_size, 1)
            raise _refuse(
                p,
                f"holds a member '{show(name)}' that expands {ratio} times when unpacked, "
                "the mark of a zip bomb",
            )
        total += info.file_size
        packed += info.compress_size
        seen[name] = info
    if total > MAX_TOTAL_BYTES:
        raise too_large(p, "", total, MAX_TOTAL_BYTES, True)
    if packed > p.stat().st_size:
        raise _refuse(p, "has members that overlap each other, a zip bomb trick")
    return seen


def too_large(p: Path, name: str, size: int, limit: int, is_data: bool) -> UserError:
    what = f"a member '{show(name)}' of" if name else "members that unpack to"
    fix = "export it again without the data copy and send the data file separately"
    return _refuse(
        p,
        f"holds {what} {size / MIB:.0f} MiB, more than the {limit // MIB} MiB limit",
        fix if is_data else RESEND,
    )


def _check_name(p: Path, name: str, normalised: str) -> None:
    """Refuse any name that could land outside the folder it is unpacked into."""
    parts = name.split("/")
    unsafe = (
        "\\" in name
        or "\x00" in name
        or name != normalised
        or name.startswith("/")
        or bool(_DRIVE.match(name))
        or any(part in ("..", ".") for part in parts)
        or any(not part for part in parts[:-1])
        or name == ""
    )
    if unsafe:
        raise _refuse(
            p,
            f"holds a member with an unsafe path '{show(name)}' (absolute, '..', backslash "
            "or drive letter)",
        )


def _check_kind(p: Path, name: str) -> None:
    lower = name.lower()
    if lower.endswith(PICKLE_SUFFIXES):
        raise _refuse(
            p,
            f"holds '{show(name)}', a pickled Python object, and pickles can run code when loaded",
        )
    if name in (MANIFEST, LABELS) or MODEL_MEMBER.fullmatch(name):
        return
    if DATA_MEMBER.fullmatch(name) and lower.endswith(DATA_SUFFIXES):
        return
    if is_image_member(name):
        return
    raise _refuse(
        p,
        f"holds an unexpected member '{show(name)}' (a bundle has only manifest.json, "
        "labels.csv, models/*.json, one data/ file and images/ of the rows)",
    )


def looks_pickled(head: bytes) -> bool:
    """Pickle protocols 2 to 5 start with PROTO (0x80) and the protocol number."""
    return len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5


def stream(
    p: Path, zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, out: IO[bytes] | None
) -> str:
    """SHA-256 of a member read in chunks, never past ``limit`` or its declared size."""
    cap = min(limit, info.file_size)
    digest = hashlib.sha256()
    seen = 0
    with zf.open(info) as fh:
        while chunk := fh.read(_CHUNK):
            if seen == 0 and looks_pickled(chunk):
                raise _refuse(
                    p,
                    f"holds pickled Python data in '{show(info.filename)}', which could run "
                    "code when loaded",
                )
            seen += len(chunk)
            if seen > cap:
                raise _refuse(
                    p,
                    f"holds a member '{show(info.filename)}' larger than it declares, the "
                    "mark of a zip bomb",
                )
            digest.update(chunk)
            if out is not None:
                out.write(chunk)
    return digest.hexdigest()


def read_member(p: Path, zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    buf = io.BytesIO()
    stream(p, zf, info, limit, buf)
    return buf.getvalue()
