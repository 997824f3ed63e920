"""What the window's verbs may use of it: menus, docks, layout, dialogs, team views.

Those modules act on the whole window, and the window builds them; importing
``main_window`` back (even for type hints) made the two an import circle. They
import ``Window`` from here instead: for type checkers it is the window's contract,
which ``MainWindow`` implements; at run time it is plain ``QMainWindow``. So the
imports run one way: ``main_window`` → the verbs → ``window_api`` → the helpers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PySide6.QtCore import QByteArray, SignalInstance
    from PySide6.QtGui import QUndoStack
    from PySide6.QtWidgets import QComboBox, QDockWidget, QLabel, QMainWindow

    from app.core.session import LabelingSession
    from app.gui.deferred import DeferredSteps
    from app.gui.label_stream import LabelStream
    from app.gui.label_views import LabelViews
    from app.gui.labeling import LabelController
    from app.gui.model_jobs import ModelJobs
    from app.gui.presenter import SamplePresenter
    from app.gui.result_views import JobResultViews
    from app.gui.settings import GuiSettings
    from app.gui.views import Views
    from app.gui.workers import TaskRunner

    class Window(QMainWindow):
        """The window as its verbs see it (``app.gui.main_window.MainWindow`` is one)."""

        sig_ready: SignalInstance
        session: LabelingSession
        settings: GuiSettings
        views: Views
        stream: LabelStream
        jobs: ModelJobs
        runner: TaskRunner
        deferred: DeferredSteps
        controller: LabelController
        presenter: SamplePresenter
        label_views: LabelViews
        results: JobResultViews
        undo_stack: QUndoStack
        docks: dict[str, QDockWidget]
        actions_: Any  # app.gui.actions.Actions (a verb module itself)
        team: Any  # app.gui.team_window.TeamViews (likewise)
        keys_hint: QLabel
        target_combo: QComboBox
        class_key_map: dict[str, int]
        default_state: QByteArray
        pending_bundle_export: tuple[Any, Any] | None

        @property
        def ready(self) -> bool: ...
        def show_error(self, text: str, level: str = "error") -> None: ...
        def show_status(self, text: str, ms: int = 5000) -> None: ...
        def set_target(self, target: str, force: bool = False) -> None: ...
        def request_review(self) -> None: ...
        def update_map_labels(self, target: str) -> None: ...
        def update_counts(self) -> None: ...
        def reset_layout(self) -> None: ...
        def open_dialog(self) -> None: ...
        def export_dialog(self) -> None: ...
        def export_bundle_dialog(self) -> None: ...

else:
    from PySide6.QtWidgets import QMainWindow as Window

__all__ = ["Window"]
