"""The main window: docks around one labelling session, wired to the background jobs.

The window is a shell. It builds the views (``Views``) and hands each helper the
objects it needs, never itself: ``LabelController`` decides what a key does and
what comes next, ``SamplePresenter`` fills the sample views, ``LabelViews`` keeps
the table, counts and map in step with the session's label stream, ``ModelJobs``
runs training, review, the map and the learning curve in the worker process, and
``JobResultViews`` shows what comes back. Helpers talk back through signals.
Closing the window ends the worker process and joins every thread before the
session closes.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QByteArray, Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent, QUndoStack
from PySide6.QtWidgets import QComboBox, QToolBar, QWidget

from app.gui import layout_state
from app.gui.actions import build_menus, create_actions, update_class_actions
from app.gui.annotator_dialog import install_status as install_annotator_status
from app.gui.deferred import DeferredSteps
from app.gui.docks import build_docks
from app.gui.label_stream import LabelStream
from app.gui.label_views import LabelViews
from app.gui.labeling import LabelController
from app.gui.model_jobs import BIG, ModelJobs
from app.gui.presenter import SamplePresenter
from app.gui.result_views import JobResultViews
from app.gui.sample_facts import compute_stats, display_columns
from app.gui.settings import GuiSettings
from app.gui.status import JobStatusWidget
from app.gui.team_window import install_team
from app.gui.views import Views
from app.gui.window_api import Window
from app.gui.workers import TaskRunner
from models.strategies import offered
from widgets.text import plain_label

if TYPE_CHECKING:
    from app.core.session import LabelingSession

log = logging.getLogger(__name__)

TABLE_FEATURES = 40  # beyond this many columns the table shows the targets' features only


def keys_hint(classes: list[str], keys: dict[str, int]) -> str:
    """The status bar's reminder of the labelling keys for the current target."""
    if all(classes[i] == k for k, i in keys.items()):
        keyed = [f"{min(keys)}–{max(keys)} class"] if len(keys) > 2 else [*keys]
    else:
        keyed = [f"{k} {classes[i]}" for k, i in sorted(keys.items(), key=lambda kv: kv[1])]
    more = ["C all classes"] if len(classes) > len(keys) else []
    rest = ["Enter accept", "S unsure", "↑↓ move", "Ctrl+Z undo", "F1 keys"]
    return "Keys:  " + " · ".join([*keyed, *more, *rest])


class MainWindow(Window):
    """One project open for labelling."""

    sig_ready = Signal()  # the first model and its suggestions are shown

    def __init__(self, session: LabelingSession, settings: GuiSettings | None = None) -> None:
        super().__init__()
        self.session = session
        self.settings = settings or GuiSettings()
        self.setObjectName("labelwrightMain")
        self.setWindowTitle(f"Labelwright — {session.project.path.stem}")
        self.setDockNestingEnabled(True)
        self.runner = TaskRunner(lambda: self.session.labels_version, self)
        self.undo_stack = QUndoStack(self)
        self.stream = LabelStream(session, self)
        self.jobs = ModelJobs(session, self.runner, self.stream, self)
        self.pending_bundle_export: tuple[Any, Any] | None = None  # waiting for current models
        self.deferred = DeferredSteps(self)
        self._closing = False
        self.class_key_map: dict[str, int] = {}
        self.default_state = QByteArray()

        self._build_widgets()
        views = self.views
        self.presenter = SamplePresenter(session, views, self.jobs, self.deferred)
        self.controller = LabelController(
            session, views, self.presenter, self.jobs, self.undo_stack, self
        )
        self.label_views = LabelViews(
            session,
            self.stream,
            views,
            self.jobs,
            self.deferred,
            lambda: self.controller.target,
            self,
        )
        self.docks = build_docks(self)
        self.actions_ = create_actions(self)
        build_menus(self, self.actions_)
        self._build_toolbars()
        self._build_status_bar()
        self._connect()
        self.team = install_team(self)  # live labels, blind mode, agreement, conflicts
        self.resize(1600, 1000)
        layout_state.restore(self)
        self._populate()

    # -- construction -----------------------------------------------------------------------
    def _build_widgets(self) -> None:
        placeholder = QWidget()
        placeholder.setObjectName("centralPlaceholder")
        placeholder.setMaximumSize(0, 0)
        self.setCentralWidget(placeholder)
        placeholder.hide()
        v = self.views = Views.build()
        self.table, self.sample_view, self.label_bar = v.table, v.sample_view, v.label_bar
        self.chart, self.shape, self.overview = v.chart, v.shape, v.overview
        self.suggestion_queue, self.review_queue = v.suggestion_queue, v.review_queue
        self.model_panel, self.banner = v.model_panel, v.banner
        self.model_status, self.counts_label = v.model_status, v.counts_label

    @property
    def ready(self) -> bool:
        """Whether the first model (or the news that none can train yet) is shown."""
        return self.results.ready

    def _build_toolbars(self) -> None:
        bar = QToolBar("Main")
        bar.setObjectName("toolbar_main")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.target_combo = QComboBox()
        self.target_combo.setObjectName("targetCombo")
        self.target_combo.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.target_combo.setMinimumContentsLength(12)
        self.target_combo.addItems(self.session.targets)
        self.target_combo.setToolTip("The label column you are working on")
        self._target_label = plain_label("  Target: ")
        self._target_label_action = bar.addWidget(self._target_label)
        self._target_combo_action = bar.addWidget(self.target_combo)
        several = len(self.session.targets) > 1
        self._target_label_action.setVisible(several)
        self._target_combo_action.setVisible(several)
        bar.addSeparator()
        for action in (
            self.actions_.undo,
            self.actions_.redo,
            self.actions_.retrain,
            self.actions_.review,
        ):
            bar.addAction(action)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
        self.addToolBarBreak(Qt.ToolBarArea.TopToolBarArea)
        self.banner_bar = QToolBar("Messages")
        self.banner_bar.setObjectName("toolbar_messages")
        self.banner_bar.setMovable(False)
        self.banner_bar.addWidget(self.banner)
        self.banner.sig_dismissed.connect(self.banner_bar.hide)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.banner_bar)
        self.banner_bar.hide()
        self.label_bar.set_undo_actions(self.actions_.undo, self.actions_.redo)

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        self.keys_hint = plain_label()
        self.keys_hint.setStyleSheet("color: #6B6B6B; padding-left: 6px;")
        status.addWidget(self.keys_hint)
        self.job_status = JobStatusWidget(self.runner)
        status.addPermanentWidget(self.job_status)
        status.addPermanentWidget(self.counts_label)
        status.addPermanentWidget(self.model_status)
        install_annotator_status(self)

    def _connect(self) -> None:
        c = self.controller
        self.table.sig_current_changed.connect(lambda p: c.pick("table", p))
        self.suggestion_queue.sig_current_changed.connect(lambda p: c.pick("suggestions", p))
        self.review_queue.sig_current_changed.connect(lambda p: c.pick("review", p))
        self.overview.sig_point_clicked.connect(lambda p: c.pick("table", p))
        self.overview.sig_selection_changed.connect(self.table.set_position_filter)
        self.label_bar.sig_class_chosen.connect(c.label_index)
        self.label_bar.sig_accept.connect(c.accept)
        self.label_bar.sig_unsure.connect(c.unsure)
        self.chart.sig_term_clicked.connect(self._on_term_clicked)
        self.review_queue.comparison.sig_term_clicked.connect(self._on_term_clicked)
        self.model_panel.sig_feature_clicked.connect(self._on_term_clicked)
        self.suggestion_queue.sig_strategy_changed.connect(self._on_strategy)
        self.suggestion_queue.sig_batch_changed.connect(self._on_batch)
        self.suggestion_queue.sig_refresh_requested.connect(lambda: c.refresh_suggestions())
        self.target_combo.currentTextChanged.connect(self.set_target)
        self.model_status.sig_retrain_requested.connect(self.jobs.retrain_now)
        c.sig_error.connect(self.show_error)
        c.sig_status.connect(self.show_status)
        c.sig_target_wanted.connect(lambda target, force: self.set_target(target, force))
        self.results = JobResultViews(
            self.session,
            self.views,
            self.jobs,
            c,
            self.presenter,
            self.label_views,
            self.deferred,
            self.docks,
            self,
        )
        self.results.sig_ready.connect(self.sig_ready)
        self.results.sig_message.connect(self.show_error)

    def _populate(self) -> None:
        """Fill the views from memory, select the first suggestion, start the background jobs."""
        session = self.session
        data = session.data
        shown = [
            c
            for c in dict.fromkeys(f for t in session.targets for f in display_columns(session, t))
            if c in data.columns
        ]
        columns = shown
        if len(columns) > TABLE_FEATURES:
            features = dict.fromkeys(f for t in session.targets for f in session.features(t))
            columns = list(features)
        ids = data[session.schema.id_column].to_numpy(dtype=object)
        self.table.set_table(ids, {c: data[c].to_numpy() for c in columns})
        self.label_views.fill_table()
        strategy = session.project.strategy
        self.suggestion_queue.set_strategies(offered(strategy.name), strategy.name)
        self.suggestion_queue.set_batch(strategy.batch)
        stat_columns = [str(c) for c in shown]
        if session.n_rows <= BIG:
            self.presenter.stats = compute_stats(data, stat_columns, session.schema.column_kinds)
        else:
            self.jobs.request_stats(stat_columns)
        target = session.project.layout.get("target")
        target = target if target in session.targets else session.targets[0]
        # The first training is asked for first (it leads the CPU lane) and for this target,
        # so that on big data its ranking is the first batch rather than a cold start.
        self.jobs.focus = target
        self.jobs.retrain_now()
        self.set_target(target, force=True)
        self.update_counts()
        self.jobs.request_projection()
        if session.notes:  # what opening noticed: a changed data file, an adopted log, ...
            level = "warning" if session.data_change is not None else "info"
            self.show_error(" ".join(session.notes), level)
        self.results.on_model_state(self.jobs.state())
        self.suggestion_queue.list.setFocus()

    # -- target -----------------------------------------------------------------------------
    def set_target(self, target: str, force: bool = False) -> None:
        if target not in self.session.targets or (target == self.controller.target and not force):
            return
        c = self.controller
        c.target = target
        self.jobs.focus = target  # each new model comes with this target's pool ranked
        self.session.project.layout["target"] = target
        if self.target_combo.currentText() != target:
            self.target_combo.blockSignals(True)
            self.target_combo.setCurrentText(target)
            self.target_combo.blockSignals(False)
        classes = list(self.session.schema.target(target).classes)
        self.label_bar.set_classes(classes)
        self.class_key_map = update_class_actions(self.actions_, classes)
        c.class_keys = self.class_key_map
        self.keys_hint.setText(keys_hint(classes, self.class_key_map))
        self.table.set_current_target(target, display_columns(self.session, target))
        self.results.push_predictions(target)
        self.deferred.later("map", self.label_views.update_map_colors)
        self.deferred.later("importances", self.results.show_importances)
        c.set_review_entries(self.jobs.review_entries(target))
        self.results.review_status(target)
        c.refresh_suggestions(keep_current=False)
        if c.active != "suggestions":
            c.show(c.current)
        self.update_counts()
        if self.docks["review"].isVisible() and target not in self.jobs.review_results:
            self.request_review()

    def request_review(self) -> None:
        self.results.request_review()

    def update_map_labels(self, target: str) -> None:
        """Label colours follow the label stream; kept for callers that recolour by hand."""
        if target == self.controller.target:
            self.deferred.later("map", self.label_views.update_map_colors)

    def update_counts(self) -> None:
        self.label_views.update_counts()

    def show_error(self, text: str, level: str = "error") -> None:
        log.info("Shown to the user: %s", text)
        self.banner.show_message(text, level)
        self.banner_bar.show()

    def show_status(self, text: str, ms: int = 5000) -> None:
        self.statusBar().showMessage(text, ms)

    def _on_term_clicked(self, feature: str) -> None:
        self.presenter.shape_feature = feature
        self.presenter.show_shape(feature, self.controller.target, self.controller.current)
        self.docks["explain"].raise_()

    def _on_strategy(self, name: str) -> None:
        self.session.project.strategy.name = name
        self.controller.refresh_suggestions(keep_current=False)

    def _on_batch(self, n: int) -> None:
        self.session.project.strategy.batch = int(n)
        self.controller.refresh_suggestions()

    # -- file actions and lifecycle ---------------------------------------------------------
    def open_dialog(self) -> None:
        from app.gui.file_actions import open_dialog

        open_dialog(self)

    def export_dialog(self) -> None:
        from app.gui.file_actions import export_dialog

        export_dialog(self)

    def export_bundle_dialog(self) -> None:
        from app.gui.bundle_actions import export_bundle_dialog

        export_bundle_dialog(self)

    def reset_layout(self) -> None:
        layout_state.reset(self)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Arrows that no focused list used still step through the active queue."""
        if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up) and not event.modifiers():
            self.controller.move(1 if event.key() == Qt.Key.Key_Down else -1)
            event.accept()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._closing:
            self._closing = True
            self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Save the layout, end the worker process, join every thread, close the session."""
        try:
            layout_state.save(self)
        except Exception:
            log.exception("Saving the layout failed")
        self.deferred.cancel_all()
        self.stream.close()
        self.jobs.close()  # first: threads waiting on the worker are released at once
        self.runner.shutdown()
        self.session.close()
