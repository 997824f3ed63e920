"""File menu actions: open another project (in a new window) and export the labels."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog

from app.core.errors import UserError

if TYPE_CHECKING:
    from app.gui.window_api import Window

log = logging.getLogger(__name__)

OPEN_FILTER = (
    "Data and projects (*.csv *.tsv *.txt *.parquet *.pq *.xlsx *.xlsm *.xls *.lwproj *.lwbundle);;"
    "All files (*)"
)
EXPORT_FILTER = "CSV (*.csv);;Parquet (*.parquet)"
BIG_EXPORT = 200_000


def _start_directory(w: Window) -> str:
    return w.settings.last_directory or str(Path.home())


def open_dialog(w: Window) -> None:
    path, _ = QFileDialog.getOpenFileName(
        w, "Open data or project", _start_directory(w), OPEN_FILTER
    )
    if path:
        open_in_new_window(w, path)


def open_in_new_window(w: Window, path: str) -> None:
    """Open ``path`` in a new window; this one closes once the new one is up."""
    from app.gui import create_main_window

    QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        window = create_main_window(path, settings=w.settings, parent_window=w)
    except UserError as exc:
        w.show_error(str(exc))
        return
    finally:
        QGuiApplication.restoreOverrideCursor()
    if window is None:  # the first-open dialog was cancelled
        return
    window.show()
    w.close()


def export_dialog(w: Window) -> None:
    stem = w.session.project.path.stem
    start = str(Path(_start_directory(w)) / f"{stem}-labels.csv")
    path, chosen = QFileDialog.getSaveFileName(w, "Export labels", start, EXPORT_FILTER)
    if not path:
        return
    if not Path(path).suffix:
        path += ".parquet" if "parquet" in chosen.lower() else ".csv"
    export_to(w, path)


def export_to(w: Window, path: str) -> None:
    """Write the labelled data; small projects inline, big ones in a worker."""
    session = w.session

    def done(out: object, _current: bool) -> None:
        w.show_status(f"Exported {session.n_rows:,} rows to {out}.", 8000)

    if session.n_rows <= BIG_EXPORT:
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            done(session.export(path), True)
        except UserError as exc:
            w.show_error(str(exc))
        except OSError as exc:
            w.show_error(f"Cannot write {path} ({exc.strerror}); choose another folder.")
        finally:
            QGuiApplication.restoreOverrideCursor()
        return
    w.runner.submit(
        "export",
        lambda progress, should_stop: session.export(path),
        done,
        on_error=lambda exc: w.show_error(
            str(exc)
            if isinstance(exc, UserError)
            else f"Exporting to {path} failed; see the log for details."
        ),
        description="Exporting",
    )
