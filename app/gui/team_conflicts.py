"""The conflicts queue in the window: list the disagreements, show why, let an adjudicator decide.

A decision is ``session.adjudicate`` (an event with source ``adjudication``), pushed
on the window's undo stack like any label, so Ctrl+Z takes it back. The label
stream then carries it to the table, the counts and the model, as it carries a
key press. The queue itself comes from ``TeamFiguresJob`` (CROWDLAB ranks it);
after a decision the next conflict is shown at once, from the list in memory.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from app.core.errors import UserError
from app.gui import team_blind
from app.gui.undo import LabelCommand
from widgets.conflicts_queue import READ_ONLY

if TYPE_CHECKING:
    from PySide6.QtGui import QUndoStack

    from app.core.session import Change, LabelingSession
    from app.gui.team_figures import Conflict, TeamFigures, TeamFiguresJob
    from widgets.conflicts_queue import ConflictsQueue

log = logging.getLogger(__name__)

SHOWN = 500  # conflicts listed at once: a QTreeWidget fills ~10,000 rows a second


def read_only_note(session: LabelingSession) -> str:
    who = session.annotator or "this annotator"
    return f"{READ_ONLY[:-1]} ({who} is not an adjudicator; the project lead can add you)."


class ConflictsController(QObject):
    """Feeds the conflicts queue and turns an adjudicator's choice into a decision."""

    sig_error = Signal(str)
    sig_status = Signal(str)

    def __init__(
        self,
        session: LabelingSession,
        widget: ConflictsQueue,
        figures: TeamFiguresJob,
        undo_stack: QUndoStack,
        current_target: Callable[[], str],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.widget = widget
        self.figures = figures
        self.undo_stack = undo_stack
        self.current_target = current_target
        self.entries: list[Conflict] = []
        self._target: str | None = None
        figures.sig_ready.connect(self.show_figures)
        widget.sig_current_changed.connect(self.show_sample)
        widget.sig_decide.connect(self.decide)
        widget.sig_refused.connect(lambda: self.sig_status.emit(read_only_note(self.session)))
        self.update_rights()

    def update_rights(self) -> None:
        """Who may decide: the project's adjudicators (on a store, the server's role)."""
        session = self.session
        self.widget.set_can_decide(
            session.is_adjudicator(session.annotator), read_only_note(session)
        )

    def set_target(self, target: str) -> None:
        if target != self._target:
            self._target = target
            self.widget.set_classes(list(self.session.schema.target(target).classes))
            self.entries = []
            self.widget.set_entries([])
            self.widget.chart.set_contributions(None, None)
            self.widget.set_status("Looking for conflicts…")

    def show_figures(self, figures: TeamFigures) -> None:
        """A fresh list from the figures job; the sample being decided stays selected."""
        if figures.target != self.current_target():
            return
        self.set_target(figures.target)
        session = self.session
        entries = list(figures.conflicts)
        if not session.is_adjudicator(session.annotator):
            entries = team_blind.visible_entries(session, figures.target, entries)
        keep = self.widget.current_position()
        n = len(entries)
        entries = entries[:SHOWN]  # the least certain; the list stays quick to fill
        self.entries = entries
        self.widget.set_entries(entries)
        ranked = any(e.quality is not None for e in entries)
        order = "least certain consensus first" if ranked else "fewest agreeing first"
        shown = f" (the first {SHOWN:,} shown)" if n > SHOWN else ""
        self.widget.set_status(
            f"{n:,} sample{'s' if n != 1 else ''} where annotators disagree; {order}{shown}."
            if n
            else "No conflicts: wherever two annotators labelled the same sample, they agree."
        )
        positions = [e.position for e in entries]
        if keep in positions:
            self.widget.select_position(keep)
        elif positions:
            self.widget.select_position(positions[0])
            self.show_sample(positions[0])
        else:
            self.widget.chart.set_contributions(None, None)

    def show_sample(self, position: int) -> None:
        """The model's explanation of the chosen sample, as the main chart shows any sample."""
        from app.gui.presenter import binary_focus

        target = self.current_target()
        session = self.session
        entry = next((e for e in self.entries if e.position == position), None)
        contrib = None
        title = "Why the model thinks so"
        model = session.model(target)
        if model is not None:
            contrib = session.contributions(session.row_id_at(position), target)
            says, sure = model.predicted[position], float(model.proba[position].max())
            title += f" · it says {says} ({100 * sure:.0f}%)"
        classes = list(session.schema.target(target).classes)
        focus = binary_focus(classes) or (entry.consensus if entry is not None else None)
        self.widget.chart.set_title(title)
        self.widget.chart.set_contributions(contrib, focus)

    def decide(self, value: str) -> None:
        position = self.widget.current_position()
        if position is None:
            return
        session, target = self.session, self.current_target()
        row_id = session.row_id_at(position)
        try:
            session.adjudicate(row_id, target, value)
        except UserError as exc:
            self.sig_error.emit(str(exc))
            return
        text = f"Decide {row_id} as {value}"
        self.undo_stack.push(LabelCommand(session, text, position, target, self._on_undo_redo))
        self._advance(position)
        self.sig_status.emit(f"{row_id} decided as {value}.")

    def _advance(self, position: int) -> None:
        row = self.widget.remove_position(position)
        self.entries = [e for e in self.entries if e.position != position]
        nxt = self.widget.position_at(max(row, 0))
        if nxt is None:
            nxt = self.widget.position_at(max(row - 1, 0))
        self.widget.select_position(nxt)
        if nxt is not None:
            self.show_sample(nxt)
        else:
            self.widget.chart.set_contributions(None, None)

    def _on_undo_redo(self, change: Change | Any, undone: bool) -> None:
        """An undone decision brings its conflict back with the next figures."""
        self.figures.request()
        if undone and change is not None and hasattr(change, "row"):
            self.sig_status.emit(f"The decision on {change.row} was undone.")
