"""The Qt shell. ``run_gui`` is the ``labelwright [PATH]`` entry; ``create_main_window`` builds one.

Start-up stays fast because nothing heavy is imported on this path: torch,
interpret and scikit-learn load in the worker that trains the first model.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.core.session import LabelingSession
    from app.gui.main_window import MainWindow
    from app.gui.settings import GuiSettings
    from models.ebm import EBMSettings

log = logging.getLogger(__name__)

SWITCH_INTERVAL_S = 0.001
_windows: list[Any] = []  # open windows, kept alive here


def ensure_app() -> Any:
    """The QApplication, created (and themed) once."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        from app.core.malloc_heaps import limit_malloc_heaps

        limit_malloc_heaps()  # before Qt and the job threads start
        app = QApplication([sys.argv[0] if sys.argv else "labelwright"])
        # Workers run Python-heavy fits; with the default 5 ms switch interval every
        # Python callback of the GUI thread (a paint, a slot) can wait 5 ms for the
        # GIL, and a redraw makes dozens of them. 1 ms keeps the window fluid.
        sys.setswitchinterval(SWITCH_INTERVAL_S)
        app.setApplicationName("Labelwright")
        app.setOrganizationName("Labelwright")
        from app.gui.theme import apply_theme

        apply_theme(app)
    return app


def open_session(
    path: str | Path,
    interactive: bool = True,
    parent: Any = None,
    targets: list[str] | None = None,
    features: dict[str, list[str]] | None = None,
    store: str | None = None,
) -> LabelingSession | None:
    """Open ``path``; a data file seen for the first time goes through the setup dialog,
    unless ``targets`` names its label columns (then the project is made headless).

    Returns None when the user cancels the dialog.
    """
    from app.core.opening import needs_setup
    from app.core.session import LabelingSession

    if str(path).lower().endswith(".lwbundle"):
        return _open_bundle(path, interactive, parent)
    if store:
        return LabelingSession.open(path, targets, features=features, store=store)
    if not needs_setup(path) or targets:
        return LabelingSession.open(path, targets, features=features)
    from app.gui.setup_dialog import SetupDialog

    dialog = SetupDialog.for_file(path, parent)  # without a user: what it proposes
    accepted = not interactive or bool(dialog.exec())
    dialog.deleteLater()
    if not accepted:
        return None
    return LabelingSession.create(path, dialog.schema(), sheet=dialog.sheet())


def _open_bundle(path: str | Path, interactive: bool, parent: Any) -> LabelingSession | None:
    """A bundle whose data is neither inside nor beside it asks the user for the file."""
    from app.core.bundle import MissingDataError, open_bundle
    from app.core.session import LabelingSession

    try:
        return open_bundle(LabelingSession, path)
    except MissingDataError as missing:
        if not interactive:
            raise
        from app.gui.bundle_actions import pick_bundle_data

        chosen = pick_bundle_data(parent, missing)
        if chosen is None:
            return None
        return open_bundle(LabelingSession, path, data_path=chosen)


def create_main_window(
    path: str | Path | None = None,
    *,
    settings: GuiSettings | None = None,
    model_settings: EBMSettings | None = None,
    interactive: bool = True,
    show: bool = True,
    parent_window: Any = None,
    annotator: str | None = None,
    targets: list[str] | None = None,
    features: dict[str, list[str]] | None = None,
    store: str | None = None,
) -> MainWindow | None:
    """Open ``path`` (the demo when None) in a new main window with keyboard focus.

    ``annotator`` names who labels in this window; without it the name saved in the
    settings is used, and an interactive first start asks for one.

    ``model_settings`` replaces the project's EBM settings before the first
    training starts (the tests pass ``EBMSettings.tiny()``).
    """
    ensure_app()
    quiet_library_warnings()
    from app.gui.main_window import MainWindow
    from app.gui.settings import load_settings

    session = open_session(
        path or "demo", interactive=interactive, parent=parent_window, targets=targets,
        features=features, store=store,
    )  # fmt: skip
    if session is None:
        return None
    settings = settings or load_settings()
    from app.gui.annotator_dialog import can_ask, choose_annotator

    if session.sync is None:  # on a shared store the annotator is the server's role
        name = choose_annotator(annotator, settings, can_ask(interactive))
        if name:
            session.annotator = name  # every label made in this window records it
    if model_settings is not None:
        session.project.model = model_settings
    if str(path or "demo") != "demo":
        settings.remember(str(session.project.path))  # File › Open Recent
    try:
        window = MainWindow(session, settings)
    except BaseException:
        session.close()
        raise
    _windows.append(window)
    window.destroyed.connect(lambda *_a, w=window: _forget(w))
    if show:
        from PySide6.QtGui import QGuiApplication

        window.show()
        if QGuiApplication.platformName() != "offscreen":  # it has no stacking order
            window.raise_()
        window.activateWindow()
        window.suggestion_queue.list.setFocus()
        from PySide6.QtCore import QCoreApplication

        QCoreApplication.processEvents()  # deliver the activation: label keys work at once
    from app.gui.model_jobs import window_ready

    window_ready.set()  # the model libraries may load now (see warm_up_model_imports)
    return window


def quiet_library_warnings() -> None:
    """Expected library warnings (see models.quiet) never reach the user."""
    from models import quiet

    quiet.install()


def _forget(window: Any) -> None:
    if window in _windows:
        _windows.remove(window)


def run_gui(
    path: str | None = None,
    screenshot: str | None = None,
    debug: bool = False,
    annotator: str | None = None,
    targets: list[str] | None = None,
    features: dict[str, list[str]] | None = None,
    store: str | None = None,
) -> int:
    """``labelwright [PATH] [--screenshot OUT.png]``; returns the exit code."""
    if screenshot and not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from app.core.errors import UserError
    from app.gui.errors import install_excepthook, install_qt_message_handler, setup_logging

    setup_logging(debug)
    app = ensure_app()
    install_qt_message_handler()
    install_excepthook(_show_in_active_window)
    try:
        window = create_main_window(
            path,
            interactive=not screenshot,
            annotator=annotator,
            targets=targets,
            features=features,
            store=store,
        )
    except UserError as exc:
        if screenshot or debug:
            raise
        from PySide6.QtWidgets import QMessageBox

        from widgets.text import plain_message

        plain_message(None, "Labelwright", str(exc), QMessageBox.Icon.Warning).exec()
        return 2
    if window is None:
        return 0
    if screenshot:
        from app.gui.screenshot import take_screenshot

        return take_screenshot(window, screenshot)
    return int(app.exec())


def _show_in_active_window(text: str) -> None:
    for window in reversed(_windows):
        try:
            window.show_error(text)
            return
        except RuntimeError:
            continue
    print(text, file=sys.stderr)
