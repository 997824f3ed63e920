"""File › Open Recent: the projects and data files opened lately, most recent first.

Paths are absolute, so an entry opens the same file whatever folder the app was
started from. A file that has since moved or been deleted stays in the list,
greyed and marked "missing", until the user removes it: a network drive that is
merely not mounted yet should not silently lose its entry.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMenu

from widgets.text import tip

if TYPE_CHECKING:
    from app.gui.window_api import Window

MAX_SHOWN_CHARS = 90


def shown_path(path: str, limit: int = MAX_SHOWN_CHARS) -> str:
    """The path for a menu entry: whole when short, else its start and end around '…'."""
    if len(path) <= limit:
        return path
    keep = limit - 1
    return path[: keep // 3] + "…" + path[-(keep - keep // 3) :]


def build_recent_menu(w: Window, parent: QMenu) -> QMenu:
    """Add the 'Open Recent' submenu to ``parent``; it is refilled each time it opens."""
    menu = parent.addMenu("Open &Recent")
    menu.setObjectName("recentMenu")
    menu.setToolTipsVisible(True)
    menu.aboutToShow.connect(lambda: fill_recent_menu(w, menu))
    fill_recent_menu(w, menu)
    return menu


def fill_recent_menu(w: Window, menu: QMenu) -> None:
    menu.clear()
    recent = list(w.settings.recent)
    missing = [p for p in recent if not Path(p).exists()]
    if not recent:
        empty = menu.addAction("No recent files")
        empty.setEnabled(False)
        return
    for number, path in enumerate(recent, start=1):
        gone = path in missing
        text = shown_path(path).replace("&", "&&")
        prefix = f"&{number}  " if number < 10 else "    "
        action = menu.addAction(prefix + text + ("   (missing)" if gone else ""))
        action.setToolTip(tip(f"{path} no longer exists" if gone else path))
        action.setData(path)
        action.setEnabled(not gone)
        action.triggered.connect(lambda _c=False, p=path: open_recent(w, p))
    menu.addSeparator()
    count = f" ({len(missing)})" if missing else ""
    remove = menu.addAction(f"Remove missing files{count}")
    remove.setEnabled(bool(missing))
    remove.triggered.connect(lambda _c=False: _forget(w, missing))
    clear = menu.addAction("Clear list")
    clear.triggered.connect(lambda _c=False: _forget(w, recent))


def open_recent(w: Window, path: str) -> None:
    from app.gui.file_actions import open_in_new_window

    open_in_new_window(w, path)


def _forget(w: Window, paths: list[str]) -> None:
    from app.gui.settings import save_settings

    w.settings.forget(paths)
    save_settings(w.settings)
