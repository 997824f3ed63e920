"""Labelling as a team, in the window: live labels, blind mode, agreement and conflicts.

``install_team`` is the window's one call. It starts the live refresh and the
store's status line, keeps blind mode's masks in step, and feeds the Agreement and
Conflicts docks (built with the others in ``app.gui.docks``) from one background
figures job. It receives the window only to find its parts; every helper gets
just the objects it needs, and listens to the session's label stream.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject

from app.core.label_changes import COLLEAGUE
from app.gui import team_blind
from app.gui.docks import TEAM_DOCKS
from app.gui.status import SyncStatusLabel
from app.gui.team_blind import BlindViews
from app.gui.team_conflicts import ConflictsController
from app.gui.team_figures import TeamFigures, TeamFiguresJob
from app.gui.team_live import LiveLabels
from widgets.agreement_view import AgreementView
from widgets.conflicts_queue import ConflictsQueue

if TYPE_CHECKING:
    from app.core.label_changes import LabelChange
    from app.core.session import LabelingSession
    from app.gui.window_api import Window


def is_team_project(session: LabelingSession) -> bool:
    """A project shared on a store, with team rules, or labelled by several people.

    The agreement and conflicts docks open by default only here: nothing changes for
    somebody who labels alone. The log is asked only when it is small (a DISTINCT
    over a million events would slow the window's start).
    """
    team = session.project.team
    if session.sync is not None or session.project.store or team.blind or team.annotators:
        return True
    if team.adjudicators and session.annotator in team.adjudicators:
        return True
    if session.store.count() <= 200_000:
        from app.core.label_state import DATA_FILE

        return len(set(session.store.annotators()) - {DATA_FILE}) >= 2
    return False


class AgreementController(QObject):
    """Shows the figures job's results in the Agreement view."""

    def __init__(
        self, widget: AgreementView, figures: TeamFiguresJob, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.widget = widget
        figures.sig_ready.connect(self.show)
        figures.sig_failed.connect(widget.set_status)

    def show(self, figures: TeamFigures) -> None:
        self.widget.set_title(f"Agreement on {figures.target}")
        self.widget.set_figures(figures.report, figures.confusion, figures.classes, figures.shared)


class TeamViews(QObject):
    """Everything the team features add to one window."""

    def __init__(self, w: Window) -> None:
        super().__init__(w)
        session = w.session
        self.session = session
        self.window = w
        self.sync_status = SyncStatusLabel()
        w.statusBar().addPermanentWidget(self.sync_status)
        self.live = LiveLabels(session, self.sync_status, self)
        self.blind = BlindViews(
            session, w.stream, w.views, w.label_views.label_codes, self.redraw_all, self
        )
        self.docks = {key: w.docks[key] for key in TEAM_DOCKS}
        self.figures = TeamFiguresJob(
            session, w.runner, lambda: w.controller.target, self._wanted, self
        )
        agreement_view = self.docks["agreement"].widget()
        conflicts_queue = self.docks["conflicts"].widget()
        assert isinstance(agreement_view, AgreementView)
        assert isinstance(conflicts_queue, ConflictsQueue)
        self.agreement = AgreementController(agreement_view, self.figures, self)
        self.conflicts = ConflictsController(
            session,
            conflicts_queue,
            self.figures,
            w.undo_stack,
            lambda: w.controller.target,
            self,
        )
        self.conflicts.set_target(w.controller.target)
        self.conflicts.sig_error.connect(w.show_error)
        self.conflicts.sig_status.connect(w.show_status)
        self.figures.sig_failed.connect(self.conflicts.widget.set_status)
        w.stream.sig_changed.connect(self._on_change)
        w.jobs.sig_models_updated.connect(lambda _current: self.figures.soon())
        w.controller.sig_current_changed.connect(
            lambda position: self.blind.current_changed(position, w.controller.target)
        )
        w.target_combo.currentTextChanged.connect(self._on_target)
        for dock in self.docks.values():
            dock.visibilityChanged.connect(self._on_visibility)
        w.installEventFilter(self)

    # -- figures ----------------------------------------------------------------------------
    def _wanted(self) -> bool:
        return any(dock.isVisible() for dock in self.docks.values())

    def _on_visibility(self, visible: bool) -> None:
        if not visible:
            return
        self.conflicts.update_rights()
        self.conflicts.set_target(self.window.controller.target)
        self.figures.request_if_wanted()

    def _on_target(self, target: str) -> None:
        self.conflicts.set_target(target)
        self.figures.request_if_wanted()

    def _on_change(self, change: LabelChange) -> None:
        self.figures.soon()
        w = self.window
        c = w.controller
        session = self.session
        position, state = change.position, change.state
        if change.source == COLLEAGUE and position is not None and state is not None:
            event = session.label_event(session.row_id_at(position), change.target)
            if event is not None and not team_blind.hides(session, position, change.target):
                # "labelled by" names the colleague, as it does when the project is reopened
                shown = state.label is not None or state.unsure
                who = team_blind.who(session, event) if shown else None
                w.views.table.set_label(change.target, position, state.label, state.unsure, who)
        if (
            change.source == COLLEAGUE
            and change.position == c.current
            and change.target == c.target
        ):
            # A colleague labelled the sample on screen: show its new state, keep it current.
            w.deferred.later("colleague-current", lambda: c.show(c.current))

    # -- blind mode and team rules ----------------------------------------------------------
    def redraw_all(self) -> None:
        """Blind mode switched: every label, prediction and queue as this annotator may see it."""
        w = self.window
        c = w.controller
        w.label_views.fill_table()
        w.results.push_all_predictions()
        w.deferred.later("map", w.label_views.update_map_colors)
        c.set_review_entries(w.jobs.review_entries(c.target))
        c.refresh_suggestions()
        c.show(c.current)

    def team_changed(self) -> None:
        """The lead saved new team settings in this window."""
        self.blind.settings_changed()
        self.conflicts.update_rights()
        self.window.controller.refresh_suggestions(keep_current=False)  # the roster splits anew
        self.figures.request_if_wanted()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Stop polling before the window closes its session."""
        if watched is self.window and event.type() == QEvent.Type.Close:
            self.live.stop()
        return False


def install_team(w: Window) -> TeamViews:
    """Add the team features to a window whose views, docks and helpers exist."""
    return TeamViews(w)
