"""File › Export bundle… and the data picker for a bundle whose data was not found."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog, QMessageBox

from app.core.errors import UserError
from app.gui import layout_state
from widgets.text import plain_message

if TYPE_CHECKING:
    from app.gui.window_api import Window

log = logging.getLogger(__name__)

BUNDLE_FILTER = "Labelwright bundle (*.lwbundle)"


def export_bundle_dialog(w: Window) -> None:
    start = (
        Path(w.settings.last_directory or Path.home()) / f"{w.session.project.path.stem}.lwbundle"
    )
    path, _ = QFileDialog.getSaveFileName(w, "Export bundle", str(start), BUNDLE_FILTER)
    if not path:
        return
    if not path.lower().endswith(".lwbundle"):
        path += ".lwbundle"
    answer = QMessageBox.question(
        w,
        "Export bundle",
        "Include a copy of the data in the bundle?\n\n"
        "With it, a colleague needs nothing else; without it, they need the same data file.",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    export_bundle_to(w, path, include_data=answer == QMessageBox.StandardButton.Yes)


def needs_retrain(w: Window) -> bool:
    session = w.session
    return any(
        len(set(session.labels(t).values())) >= 2
        and (session.model(t) is None or session.model_is_stale(t))
        for t in session.targets
    )


def export_bundle_to(w: Window, path: str, include_data: bool = False) -> None:
    """Write the bundle once the models match the labels; the fit runs in the worker."""
    layout_state.save(w)  # the bundle carries the layout as it is now
    if needs_retrain(w):
        w.show_status("Bringing the models up to date before the bundle is written…", 0)

        def on_models(current: bool) -> None:
            if current and not needs_retrain(w):
                _forget_pending(w)
                _write(w, path, include_data)

        def on_failed(message: str) -> None:
            _forget_pending(w)
            w.show_error(f"The bundle was not written: {message.rstrip('.')}.")

        _forget_pending(w)  # a second request replaces the first, never writes twice
        w.jobs.sig_models_updated.connect(on_models)
        w.jobs.sig_failed.connect(on_failed)
        w.pending_bundle_export = (on_models, on_failed)
        w.jobs.retrain_now()
        return
    _write(w, path, include_data)


def _forget_pending(w: Window) -> None:
    pending = w.pending_bundle_export
    if pending is not None:
        w.jobs.sig_models_updated.disconnect(pending[0])
        w.jobs.sig_failed.disconnect(pending[1])
        w.pending_bundle_export = None


def _write(w: Window, path: str, include_data: bool) -> None:
    from app.core.bundle import export_bundle

    QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        out = export_bundle(w.session, path, include_data=include_data)
    except UserError as exc:
        w.show_error(str(exc))
        return
    except OSError as exc:
        w.show_error(f"Cannot write {path} ({exc.strerror}); choose another folder.")
        return
    finally:
        QGuiApplication.restoreOverrideCursor()
    w.settings.last_directory = str(Path(path).parent)
    w.show_status(f"Wrote the bundle {Path(out).name}.", 8000)


def pick_bundle_data(parent: Any, error: Any) -> str | None:
    """Ask for the data file a bundle needs; the import checks its SHA-256."""
    plain_message(parent, "Data file needed", str(error), QMessageBox.Icon.Information).exec()
    path, _ = QFileDialog.getOpenFileName(parent, "Choose the bundle's data file", "")
    return path or None
