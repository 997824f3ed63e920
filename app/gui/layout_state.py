"""Save and restore the window arrangement and the per-project view choices.

The project's own layout (``project.layout``) wins over the app-wide one, so a
colleague opening a bundle sees the panels as its author left them. A blob
that Qt cannot restore, or one from another ``LAYOUT_VERSION``, falls back to
the default layout instead of a garbled window.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QTimer
from PySide6.QtWidgets import QTabBar

from app.gui.docks import apply_default_layout, show_docks, size_docks
from app.gui.settings import LAYOUT_VERSION, save_settings

if TYPE_CHECKING:
    from app.gui.window_api import Window

log = logging.getLogger(__name__)


def _encode(data: QByteArray) -> str:
    return base64.b64encode(bytes(data.data())).decode("ascii")


def _decode(text: object) -> QByteArray | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return QByteArray(base64.b64decode(text.encode("ascii"), validate=True))
    except (binascii.Error, ValueError):
        return None


def restore(w: Window) -> bool:
    """Restore geometry and docks; True when a saved dock state was applied."""
    settings = w.settings
    geometry = _decode(settings.geometry)
    if geometry is not None:
        w.restoreGeometry(geometry)
    layout = w.session.project.layout
    candidates = []
    if layout.get("layout_version") == LAYOUT_VERSION:
        candidates.append(layout.get("window_state"))
    if settings.layout_version == LAYOUT_VERSION:
        candidates.append(settings.window_state)
    apply_default_layout(w, w.docks)  # also the fallback: every dock placed once
    w.default_state = w.saveState(LAYOUT_VERSION)  # "Reset layout" restores this
    for blob in candidates:
        state = _decode(blob)
        if state is not None and w.restoreState(state, LAYOUT_VERSION):
            hide_stray_tab_bars(w)
            _restore_plot_settings(w)
            return True
        if state is not None:
            log.warning("The saved window layout could not be restored; using the default")
    _restore_plot_settings(w)
    QTimer.singleShot(0, lambda: size_docks(w, w.docks))  # proportions need a shown window
    return False


def reset(w: Window) -> None:
    """Back to the default arrangement."""
    if not w.restoreState(w.default_state, LAYOUT_VERSION):
        apply_default_layout(w, w.docks)
    show_docks(w, w.docks)
    w.docks["explain"].raise_()
    hide_stray_tab_bars(w)
    size_docks(w, w.docks)


def hide_stray_tab_bars(w: Window) -> None:
    """Work around Qt 6.12 leaving old dock tab bars visible after ``restoreState``.

    Each restore creates a fresh tab bar for a tabbed dock group but leaves the
    previous one on screen (one even at the window's top-left corner). The newest
    bar of each group is the live one; older bars with the same tabs are hidden.
    """
    newest: dict[tuple[str, ...], QTabBar] = {}
    for bar in w.findChildren(QTabBar):
        if bar.parent() is not w:
            continue
        key = tuple(bar.tabText(i) for i in range(bar.count()))
        if key in newest:
            newest[key].hide()
        newest[key] = bar


def _restore_plot_settings(w: Window) -> None:
    mode = w.session.project.layout.get("color_mode")
    if isinstance(mode, str):
        with contextlib.suppress(ValueError):
            w.views.overview.set_color_mode(mode)


def save(w: Window) -> None:
    """Persist the layout in the settings file and the view choices in the project."""
    state = _encode(w.saveState(LAYOUT_VERSION))
    settings = w.settings
    settings.geometry = _encode(w.saveGeometry())
    settings.window_state = state
    settings.layout_version = LAYOUT_VERSION
    settings.remember(str(w.session.project.path))
    save_settings(settings)
    layout = w.session.project.layout
    layout.update(
        {
            "target": w.controller.target,
            "color_mode": w.views.overview.color_mode(),
            "window_state": state,
            "layout_version": LAYOUT_VERSION,
        }
    )
    try:
        w.session.project.save()
    except OSError as exc:
        log.warning("Could not save the project layout: %s", exc)
