"""``labelwright --screenshot OUT.png``: render the window once the first model is in.

It waits (processing events, so the workers' results arrive) until a model is
installed, the suggestions show it and no job is running, or 60 seconds pass;
then it grabs the 1600×1000 window, writes the PNG and closes cleanly.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QThread

if TYPE_CHECKING:
    from app.gui.main_window import MainWindow

log = logging.getLogger(__name__)

SIZE = (1600, 1000)
TIMEOUT_S = 60.0


def wait_until_ready(window: MainWindow, timeout_s: float = TIMEOUT_S) -> bool:
    """Process events until the first model, its suggestions, the map and the curve are in.

    The review ranking may still run: it is not on the first screen, and closing
    the window cancels it.
    """
    app = QCoreApplication.instance()
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if app is not None:
            app.processEvents()
        if (
            window.ready
            and not window.runner.is_busy("train")
            and not window.runner.is_busy("project")
            and not window.runner.is_busy("curve")
            and not window.deferred.pending()
            and window.overview.drawn_point_count() > 0
        ):
            return True
        QThread.msleep(10)
    return False


def take_screenshot(window: MainWindow, out: str | Path, timeout_s: float = TIMEOUT_S) -> int:
    window.resize(*SIZE)
    window.reset_layout()
    ready = wait_until_ready(window, timeout_s)
    if not ready:
        log.warning(
            "The first model was not ready after %.0f s; taking the screenshot anyway", timeout_s
        )
    app = QCoreApplication.instance()
    for _ in range(5):  # let deferred layouts and plot updates settle
        if app is not None:
            app.processEvents()
        QThread.msleep(20)
    image = window.grab()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    ok = image.save(str(out), "PNG")
    window.close()
    if not ok:
        from app.core.errors import UserError

        raise UserError(f"Cannot write the screenshot to {out}; choose a folder you can write to.")
    print(f"Wrote {out} ({image.width()}×{image.height()}).")
    return 0
