"""The images a table's rows refer to, carried inside a bundle with its data copy.

A row names its image by a path relative to the data file (``img/0001.png``). The
bundle keeps that path under ``images/``, and the importer writes it next to the
data copy, so the same relative path finds it again. Paths that could not travel
(absolute, leaving the data's folder, missing) are counted, never guessed, so the
export can say plainly what is not inside. Every image member passes the checks
every member passes (safe name, size, compression ratio, checksum, no pickle),
and only image file types are allowed under ``images/``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

PREFIX = "images/"
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".gif")
MAX_IMAGES = 20_000
IMAGE_MEMBER = re.compile(
    r"images/([A-Za-z0-9_][A-Za-z0-9._ -]{0,99}/){0,8}[A-Za-z0-9_][A-Za-z0-9._ -]{0,199}"
)


@dataclass
class ImagePlan:
    """What an export will carry: member name → file on disk, and what it leaves out."""

    members: dict[str, Path] = field(default_factory=dict)
    absolute: int = 0
    outside: int = 0
    missing: int = 0

    @property
    def left_out(self) -> int:
        return self.absolute + self.outside + self.missing

    def inside(self) -> str:
        """The export message's " and 120 image(s)"; empty without images."""
        return f" and {len(self.members):,} image(s)" if self.members else ""

    def not_inside(self) -> str:
        """The export message's "; 3 image(s) are not inside (3 missing)"; empty if none."""
        if not self.left_out:
            return ""
        why = []
        if self.missing:
            why.append(f"{self.missing:,} missing")
        if self.absolute:
            why.append(f"{self.absolute:,} named by absolute paths")
        if self.outside:
            why.append(f"{self.outside:,} outside the data's folder")
        return f"; {self.left_out:,} image(s) are not inside ({', '.join(why)})"


def relative_member(value: str) -> str | None:
    """``img/0001.png`` → ``images/img/0001.png``; None for a path that cannot travel."""
    text = value.strip().replace("\\", "/")
    if not text or text.startswith("/") or re.match(r"^[A-Za-z]:", text):
        return None
    parts = [p for p in PurePosixPath(text).parts if p not in ("", ".")]
    if not parts or ".." in parts:
        return None
    member = PREFIX + "/".join(parts)
    return member if is_image_member(member) else None


def is_image_member(name: str) -> bool:
    return bool(IMAGE_MEMBER.fullmatch(name)) and name.lower().endswith(IMAGE_SUFFIXES)


def plan_images(data: pd.DataFrame, column: str | None, data_dir: Path) -> ImagePlan:
    """The image files the rows of ``data`` refer to, found relative to ``data_dir``."""
    plan = ImagePlan()
    if not column or column not in data.columns:
        return plan
    seen: set[str] = set()
    for value in data[column].tolist():
        if not isinstance(value, str) or not value.strip() or value in seen:
            continue
        seen.add(value)
        if Path(value.strip()).is_absolute():
            plan.absolute += 1
            continue
        member = relative_member(value)
        if member is None:
            plan.outside += 1
            continue
        source = data_dir / member[len(PREFIX) :]
        if not source.is_file() or source.is_symlink():
            plan.missing += 1
            continue
        plan.members[member] = source
    return plan


def top_level(member: str) -> str:
    """The first path part below ``images/``: what the importer moves into place."""
    return member[len(PREFIX) :].split("/", 1)[0]
