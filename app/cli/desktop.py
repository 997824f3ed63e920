"""``labelwright --install-desktop``: menu entry, file types and icons for this user.

Freedesktop layout under ``$XDG_DATA_HOME`` (default ``~/.local/share``):
``applications/labelwright.desktop``, ``mime/packages/labelwright.xml`` (so a
double-click on a ``.lwbundle`` or ``.lwproj`` opens Labelwright) and the icon in
``icons/hicolor`` at 16-256 px plus scalable. The files come from ``packaging/``,
which the frozen build carries too; the entry's Exec line names this very
executable, so the installed entry starts the build (or venv) it came from.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from app.core.atomic import atomic_write_bytes, atomic_write_text
from app.core.errors import UserError

APP_ID = "labelwright"
_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")


def packaging_dir() -> Path:
    """The desktop files: packaging/ beside app/, in the source tree and in the bundle."""
    return Path(__file__).resolve().parents[2] / "packaging"


def data_home() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")


def launch_command() -> str:
    """The Exec command that starts this Labelwright, quoted as the desktop entry spec asks."""
    script = Path(sys.executable).parent / APP_ID  # the console script of this venv
    if getattr(sys, "frozen", False):
        parts = [sys.executable]
    elif script.is_file():
        parts = [str(script)]
    else:
        parts = [sys.executable, "-m", "app"]
    return " ".join(_quote(p) for p in parts)


def _quote(arg: str) -> str:
    if not any(c in _RESERVED for c in arg):
        return arg
    escaped = "".join("\\" + c if c in '"`$\\' else c for c in arg)
    return f'"{escaped}"'


def desktop_entry(exec_command: str) -> str:
    """packaging/labelwright.desktop with its Exec line pointing at ``exec_command``."""
    lines = (packaging_dir() / f"{APP_ID}.desktop").read_text(encoding="utf-8").splitlines()
    out = [f"Exec={exec_command} %f" if ln.startswith("Exec=") else ln for ln in lines]
    return "\n".join(out) + "\n"


def install_desktop(root: Path | None = None, refresh: bool = True) -> int:
    """Install the entry, MIME types and icons under ``root`` ($XDG_DATA_HOME by default)."""
    source = packaging_dir()
    if not (source / f"{APP_ID}.desktop").is_file():
        raise UserError(f"The desktop files are missing from {source}; reinstall Labelwright.")
    root = root or data_home()
    apps, mime, icons = root / "applications", root / "mime", root / "icons" / "hicolor"
    try:
        for folder in (apps, mime / "packages", icons / "scalable" / "apps"):
            folder.mkdir(parents=True, exist_ok=True)
        atomic_write_text(apps / f"{APP_ID}.desktop", desktop_entry(launch_command()))
        mime_xml = (source / f"{APP_ID}-mime.xml").read_bytes()
        atomic_write_bytes(mime / "packages" / f"{APP_ID}.xml", mime_xml)
        svg = (source / f"{APP_ID}.svg").read_bytes()
        atomic_write_bytes(icons / "scalable" / "apps" / f"{APP_ID}.svg", svg)
        sizes = []
        for png in sorted((source / "icons" / "hicolor").glob(f"*/apps/{APP_ID}.png"), key=_size):
            target = icons / png.relative_to(source / "icons" / "hicolor")
            target.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(target, png.read_bytes())
            sizes.append(png.parts[-3])
    except OSError as exc:
        raise UserError(
            f"Cannot write the desktop files under {root} ({exc.strerror}); "
            "set XDG_DATA_HOME to a folder you can write to."
        ) from exc
    print(f"Installed {apps / (APP_ID + '.desktop')} (Exec={launch_command()}).")
    print(f"Installed the file types .lwbundle and .lwproj in {mime / 'packages'}.")
    print(f"Installed the icon at {', '.join(sizes)} and scalable in {icons}.")
    if refresh:
        _refresh(apps, mime, icons)
    return 0


def _refresh(apps: Path, mime: Path, icons: Path) -> None:
    """Rebuild the caches that menus and file managers read, with the tools that exist."""
    for tool, folder in (
        ("update-mime-database", mime),
        ("update-desktop-database", apps),
        ("gtk-update-icon-cache", icons),
    ):
        exe = shutil.which(tool)
        if exe is None:
            continue
        args = [exe, "-f", "-t", str(folder)] if tool.startswith("gtk") else [exe, str(folder)]
        done = subprocess.run(args, capture_output=True, text=True, check=False, timeout=120)
        state = "done" if done.returncode == 0 else f"failed: {done.stderr.strip()[:200]}"
        print(f"Ran {tool}: {state}.")


def _size(png: Path) -> int:
    """16 for .../16x16/apps/labelwright.png: install and report the sizes in order."""
    return int(png.parts[-3].split("x")[0])
