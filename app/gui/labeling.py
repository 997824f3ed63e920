"""The labelling loop: which sample is current, what a key does, what comes next.

The *active queue* is where the expert last picked a sample: the suggestions,
the review queue or the table. After a label the next item of that queue is
shown at once, from data already in memory; the retrain is only scheduled
(debounced) and runs in the background, so labelling never waits for it.
The current sample never changes under the expert's eyes because a model
arrived: a refreshed suggestion list keeps the current sample at its top.

The controller writes labels through the session and moves through the queues;
the table, the map, the counts and the model jobs follow the session's label
stream by themselves. It receives the views it drives, not the window, and asks
the window for what only the window does (switching target, showing a message)
through its signals.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from app.core.class_editing import ClassStep
from app.core.errors import UserError
from app.gui import team_blind
from app.gui.model_jobs import BIG
from app.gui.undo import LabelCommand

if TYPE_CHECKING:
    from PySide6.QtGui import QUndoStack

    from app.core.session import Change, LabelingSession
    from app.gui.model_jobs import ModelJobs
    from app.gui.presenter import SamplePresenter
    from app.gui.views import Views

log = logging.getLogger(__name__)

QUEUES = ("suggestions", "review", "table")


class LabelController(QObject):
    """Owns the current sample and the active queue; turns label keys into session calls."""

    sig_current_changed = Signal(object)  # position or None
    sig_labelled = Signal(int)  # position just labelled
    sig_error = Signal(str)  # one sentence for the message banner
    sig_status = Signal(str)  # a passing note for the status bar
    sig_target_wanted = Signal(str, bool)  # target, force: an undo went back to another target

    def __init__(
        self,
        session: LabelingSession,
        views: Views,
        presenter: SamplePresenter,
        jobs: ModelJobs,
        undo_stack: QUndoStack,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.views = views
        self.presenter = presenter
        self.jobs = jobs
        self.undo_stack = undo_stack
        self.class_keys: dict[str, int] = {}  # digit -> class index of the current target
        self.target: str = session.targets[0]
        self.current: int | None = None
        self.active = "suggestions"
        self.engaged = False  # the expert has acted; never swap the sample under them
        self.suggestions: list[Any] = []
        self.review: list[Any] = []
        self.reviewed: dict[str, set[int]] = {}
        self._dropped: list[tuple[Any, int]] = []  # (queue, position) to take out of the list

    # -- choosing samples -------------------------------------------------------------------
    def pick(self, queue: str, position: int) -> None:
        """The expert chose ``position`` in ``queue`` (a click or an arrow key)."""
        self.active = queue
        self.engaged = True
        self.show(position, paint_now=True)

    def show(self, position: int | None, paint_now: bool = False) -> None:
        self.current = position
        if not paint_now:
            self._follow()
        entry = (
            self._review_entry(position)
            if self.active == "review" and position is not None
            else None
        )
        self.presenter.show(
            position,
            self.target,
            self.suggested_class(position),
            self.context(),
            paint_now,
            review_entry=entry,
        )
        if paint_now:
            # The lists follow one turn later: selecting in them now would make the
            # key press paint the table and both queues along with the new sample.
            self.presenter.deferred.later("follow", self._follow)
        self.sig_current_changed.emit(position)

    def _follow(self) -> None:
        """Select the shown sample in every list, and drop the ones just labelled."""
        self._drop_labelled()
        v, position = self.views, self.current
        if self.active != "table":
            v.table.select_position(position)
        if self.active != "suggestions":
            in_queue = position in self._sugg_positions()
            v.suggestion_queue.select_position(position if in_queue else None)
        elif position is not None:
            v.suggestion_queue.select_position(position)
        if self.active != "review":
            in_queue = position in self._review_positions()
            v.review_queue.select_position(position if in_queue else None)
        else:
            v.review_queue.select_position(position)

    def _drop_labelled(self) -> None:
        for queue, position in self._dropped:
            queue.remove_position(position)
        self._dropped.clear()

    def context(self) -> str:
        return {
            "suggestions": "Suggested",
            "review": "Under review",
            "table": "Picked in the table",
        }[self.active]

    def suggested_class(self, position: int | None) -> str | None:
        if position is None:
            return None
        if self.active == "review":
            entry = self._review_entry(position)
            if entry is not None:
                return str(entry.suggested)
        predicted = self.jobs.predicted.get(self.target)
        if predicted is None or team_blind.hides(self.session, position, self.target):
            return None
        return str(predicted[position])

    def move(self, step: int) -> None:
        """Arrow keys when no list has focus: step through the active queue."""
        if self.active == "table":
            nxt = (
                self.views.table.position_after(self.current, step)
                if self.current is not None
                else None
            )
        else:
            positions = (
                self._sugg_positions() if self.active == "suggestions" else self._review_positions()
            )
            if not positions:
                return
            i = positions.index(self.current) if self.current in positions else -1
            nxt = positions[max(0, min(len(positions) - 1, i + step))]
        if nxt is not None:
            self.pick(self.active, nxt)

    # -- labelling --------------------------------------------------------------------------
    def label_key(self, key: str) -> None:
        """A number key: the class it stands for on the current target."""
        index = self.class_keys.get(key)
        if index is not None:
            self.label_index(index)

    def label_index(self, index: int) -> None:
        classes = self.session.schema.target(self.target).classes
        if 0 <= index < len(classes):
            self._commit("label", classes[index], "human")

    def accept(self) -> None:
        suggested = self.suggested_class(self.current)
        if suggested is None:
            blind = team_blind.hides(self.session, self.current, self.target)
            self.sig_status.emit(
                team_blind.NO_SUGGESTION
                if blind
                else "No suggestion yet: the model needs labels of two classes."
            )
            return
        if suggested not in self.session.schema.target(self.target).classes:
            # An undone class change: the model still knows the old class until it retrains.
            self.sig_status.emit(
                f"“{suggested}” is no longer a class; the model catches up in a moment, or "
                "choose a class with its key."
            )
            return
        self._commit("label", suggested, "suggestion")

    def unsure(self) -> None:
        self._commit("unsure", None, "human")

    def _commit(self, kind: str, value: str | None, source: str) -> None:
        position = self.current
        if position is None:
            return
        session, target = self.session, self.target
        row_id = session.row_id_at(position)
        try:
            if kind == "unsure":
                session.mark_unsure(row_id, target)
                text = f"Mark {row_id} unsure"
            else:
                session.label(row_id, target, value, source=source)
                text = f"Label {row_id} as {value}"
        except UserError as exc:
            self.sig_error.emit(str(exc))
            return
        self.engaged = True
        command = LabelCommand(session, text, position, target, self._on_undo_redo)
        self.undo_stack.push(command)
        self._advance(position)
        self.sig_labelled.emit(position)

    def _advance(self, position: int) -> None:
        """Show the next item of the active queue (at once, from memory)."""
        v = self.views
        self._drop_labelled()  # a previous key's, when keys come faster than the event loop
        if self.active == "table":
            nxt = v.table.position_after(position)
        elif self.active == "review":
            self.reviewed.setdefault(self.target, set()).add(position)
            nxt = self._next_in(v.review_queue, position)
            self.review = [e for e in self.review if e.position != position]
        else:
            nxt = self._next_in(v.suggestion_queue, position)
            self.suggestions = [e for e in self.suggestions if e.position != position]
            if nxt is None:
                self.refresh_suggestions()
                nxt = v.suggestion_queue.position_at(0)
        self.show(nxt, paint_now=True)

    def _next_in(self, queue: Any, position: int) -> int | None:
        """The item after ``position`` once it is gone (the one before, at the end)."""
        positions = queue.positions()
        self._dropped.append((queue, position))
        if position not in positions:
            return positions[0] if positions else None
        i = positions.index(position)
        rest = positions[i + 1 :] or positions[:i][-1:]
        return rest[0] if rest else None

    def _on_undo_redo(self, change: Change | ClassStep | None, undone: bool) -> None:
        self._drop_labelled()  # before an undo can put the same sample back in its queue
        if change is None:
            return
        if isinstance(change, ClassStep):  # a class came or went: keys and buttons follow
            self.sig_target_wanted.emit(change.target, True)
            return
        try:
            position = self.session.position(change.row)
        except UserError:
            return
        if change.target != self.target:
            self.sig_target_wanted.emit(change.target, False)
        if undone and self.active == "suggestions" and position not in self._sugg_positions():
            self._put_first_in_suggestions(position)
        self.show(position, paint_now=True)

    # -- queues -----------------------------------------------------------------------------
    def refresh_suggestions(self, keep_current: bool = True) -> None:
        """A new batch from the current model; the sample on screen stays first.

        The newest model's ranking, made in the worker with the model, is used once
        when it is for this target and strategy. Otherwise, up to ``BIG`` rows the
        ranking (numpy over the pool) runs inline; above, it runs in the worker and
        the batch appears when it is ready.
        """
        session, target = self.session, self.target
        strategy = session.project.strategy
        ready = self.jobs.take_picks(target, strategy.name, strategy.batch)
        if ready is not None:
            self._apply_suggestions(target, ready, keep_current)
            return
        if session.n_rows > BIG:
            if session.model(target) is None and self.jobs.ranking_coming(target):
                # A cold start over a big pool takes seconds and memory, and the model
                # on its way brings its own ranking.
                self.views.suggestion_queue.set_status("Waiting for the first model…")
                return
            self.views.suggestion_queue.set_status("Ranking the pool…")
            self.jobs.request_suggestions(
                target,
                strategy.batch,
                strategy.name,
                lambda entries: self._apply_suggestions(target, entries, keep_current),
            )
            return
        try:
            entries = session.suggestions(target, strategy.batch, strategy.name)
        except UserError as exc:
            self.sig_error.emit(str(exc))
            entries = []
        self._apply_suggestions(target, entries, keep_current)

    def _apply_suggestions(self, target: str, entries: list[Any], keep_current: bool) -> None:
        if target != self.target:
            return  # the expert switched targets while a worker ranked
        batch = self.session.project.strategy.batch
        entries = [e for e in entries if self._is_open(e.position)]
        current = self.current
        if (
            keep_current
            and self.engaged
            and current is not None
            and self._is_open(current)
            and all(e.position != current for e in entries)
        ):
            entries = [self._entry_for(current), *entries[: max(0, batch - 1)]]
        self.suggestions = entries
        queue = self.views.suggestion_queue
        queue.set_entries(entries)
        queue.set_status(self._suggestion_status())
        if self.active == "suggestions":
            if not self.engaged or current is None or not self._is_open(current):
                first = entries[0].position if entries else None
                queue.select_position(first)
                self.show(first)
            else:
                queue.select_position(current)
                self.show(current)

    def _suggestion_status(self) -> str:
        session, target = self.session, self.target
        if session.model(target) is None:
            return "No model yet: these samples spread over the data. Label a few of each class."
        if session.model_is_stale(target):
            return "Ranked by the previous model; the new one is on its way."
        return ""

    def _is_open(self, position: int) -> bool:
        return team_blind.still_to_label(self.session, position, self.target)

    def _entry_for(self, position: int) -> Any:
        from app.core.session_queues import SuggestionEntry

        predicted = self.jobs.predicted.get(self.target)
        conf = self.jobs.confidence.get(self.target)
        return SuggestionEntry(
            self.session.row_id_at(position),
            position,
            0.0,
            "your pick",
            None if predicted is None else predicted[position],
            None if conf is None else float(conf[position]),
        )

    def _put_first_in_suggestions(self, position: int) -> None:
        self.suggestions = [self._entry_for(position), *self.suggestions]
        self.views.suggestion_queue.set_entries(self.suggestions)

    def set_review_entries(self, entries: list[Any] | None) -> None:
        done = self.reviewed.get(self.target, set())
        entries = team_blind.visible_entries(self.session, self.target, entries)
        self.review = [e for e in (entries or []) if e.position not in done]
        self.views.review_queue.set_entries(self.review)
        if self.active == "review" and self.current is not None:
            self.views.review_queue.select_position(self.current)

    def review_entry_for(self, position: int) -> Any | None:
        return self._review_entry(position)

    def _review_entry(self, position: int) -> Any | None:
        return next((e for e in self.review if e.position == position), None)

    def _sugg_positions(self) -> list[int]:
        return [e.position for e in self.suggestions]

    def _review_positions(self) -> list[int]:
        return [e.position for e in self.review]
