"""``labelwright --screenshot OUT.png``: render the window once the first model is in.

It waits (processing events, so the workers' results arrive) until a model is
installed, the suggestions show it and no job is running; then it grabs the
1600×1000 window, writes the PNG and closes cleanly. A screenshot without the
model is not what was asked for (the packaged build's smoke test relies on it),
so when the first training fails, or nothing is ready after 60 seconds, it
writes nothing and ends with one sentence (exit code 2) as soon as that is known.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QThread

if TYPE_CHECKING:
    from app.gui.window_api import Window

log = logging.getLogger(__name__)

SIZE = (1600, 1000)
TIMEOUT_S = 60.0


def wait_until_ready(
    window: Window, timeout_s: float = TIMEOUT_S, failures: list[str] | None = None
) -> bool:
    """Process events until the first model, its suggestions, the map and the curve are in.

    The review ranking may still run: it is not on the first screen, and closing
    the window cancels it. With ``failures`` (the sentences of ``sig_failed``), it
    returns False as soon as a job failed while no model exists and none is training.
    """
    app = QCoreApplication.instance()
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if app is not None:
            app.processEvents()
        if failures and not window.ready and window.jobs.state() == "none":
            return False  # the first training failed and no retrain is coming
        if (
            window.ready
            and not window.runner.is_busy("train")
            and not window.runner.is_busy("project")
            and not window.runner.is_busy("curve")
            and not window.deferred.pending()
            and window.views.overview.drawn_point_count() > 0
        ):
            return True
        QThread.msleep(10)
    return False


def take_screenshot(window: Window, out: str | Path, timeout_s: float = TIMEOUT_S) -> int:
    """Write the window to ``out`` once the first model is shown; UserError if it never is."""
    from app.core.errors import UserError

    failures: list[str] = []
    window.jobs.sig_failed.connect(failures.append)
    window.resize(*SIZE)
    window.reset_layout()
    if not wait_until_ready(window, timeout_s, failures):
        window.close()
        if failures:
            log.error("No screenshot: the first model could not be trained: %s", failures[0])
            raise UserError(
                f"The first model could not be trained, so no screenshot was written: {failures[0]}"
            )
        raise UserError(
            f"The first model was not ready after {timeout_s:.0f} s, so no screenshot was "
            "written; try again on a less busy machine or with a smaller data file."
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
        raise UserError(f"Cannot write the screenshot to {out}; choose a folder you can write to.")
    print(f"Wrote {out} ({image.width()}×{image.height()}){_models_shown(window)}.")
    return 0


def _models_shown(window: Window) -> str:
    """', showing the model of T (N labels)' for each trained target, so scripts can check."""
    shown = []
    for target in window.session.targets:
        model = window.session.model(target)
        if model is not None:
            shown.append(f"{target} ({model.n_labels} labels)")
    return ", showing the model of " + ", ".join(shown) if shown else ", with no model yet"
