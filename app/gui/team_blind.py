"""Blind mode in the window: what an annotator may see of a row they have not labelled yet.

When the lead turns blind mode on (``project.team.blind``), an annotator must not
anchor on the model or on a colleague. For every row they have not labelled
themselves, the window hides the model's suggestion and confidence (the accept
button, the predicted class, the contributions chart, the prediction and
confidence cells of the table, the map's model colours) and other people's labels
(the table's label cell, the sample's label line, the review queue). Everything
comes back for a row as soon as they have labelled it.

The functions here are what the views ask before they show a row; they cost one
dictionary lookup per row, and the whole-table masks are made once per labels
version. ``BlindViews`` follows the blind switch and one's own labels, and refreshes
what the per-row questions cannot: whole columns, the map's colour modes, the
suggestion list's model column.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QObject

from app.core.label_changes import CLASSES
from app.core.label_state import ADJUDICATION, DATA_FILE, LabelEvent, LabelState
from app.core.schema import canonical

if TYPE_CHECKING:
    from app.core.label_changes import LabelChange
    from app.core.session import LabelingSession
    from widgets.samples_table_model import TargetArrays

HIDDEN_NOTE = "Hidden in blind mode until you label this sample"
MAP_NOTE = "Blind mode: the model's colours are hidden until you label a sample"
NO_SUGGESTION = "Blind mode: the model's suggestion is hidden until you label this sample."
ACCEPT_HIDDEN = "Suggestion hidden (blind mode)"
SUGGESTION_MODEL_COLUMN = 3  # "Model says" in the suggestion queue

# session -> target -> (labels version, annotator, rows) -> mask, dropped with the session
_masks: weakref.WeakKeyDictionary[Any, dict[str, tuple[tuple[Any, ...], np.ndarray]]] = (
    weakref.WeakKeyDictionary()
)


def blind(session: LabelingSession) -> bool:
    return bool(session.project.team.blind)


def hides(session: LabelingSession, position: int | None, target: str) -> bool:
    """Whether the model and colleagues must stay hidden on this row for this annotator."""
    if position is None or not blind(session):
        return False
    return session.is_blinded(session.row_id_at(position), target)


def hidden_rows(session: LabelingSession, target: str) -> np.ndarray | None:
    """True for every row whose model and colleagues are hidden; None when blind mode is off.

    A row is hidden until this annotator labelled it (or marked it unsure): one pass
    over the labelled rows, kept until the labels change.
    """
    if not blind(session):
        return None
    me = session.annotator
    stamp = (session.labels_version, me, session.n_rows)
    per_target = _masks.setdefault(session, {})
    cached = per_target.get(target)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    hidden = np.ones(session.n_rows, dtype=bool)
    store = session.store
    for key in store.current(target):
        if not store.state_of(key, target, me).is_empty:
            try:
                hidden[session.position(key)] = False
            except Exception:  # a row no longer in the data
                continue
    per_target[target] = (stamp, hidden)
    return hidden


def visible_arrays(session: LabelingSession, target: str, arrays: TargetArrays) -> TargetArrays:
    """The table's label columns as this annotator may see them (colleagues' labels hidden)."""
    hidden = hidden_rows(session, target)
    if hidden is not None:
        arrays.labels[hidden] = None
        arrays.sources[hidden] = None
        arrays.unsure[hidden] = False
    return arrays


def visible_state(session: LabelingSession, position: int | None, target: str, state: Any) -> Any:
    """A row's label state as this annotator may see it: nothing until they labelled it."""
    return LabelState() if hides(session, position, target) else state


def still_to_label(session: LabelingSession, position: int, target: str) -> bool:
    """Whether the row is still this annotator's to label: nobody labelled it, or, when the
    roster splits the work, they have not (a colleague's label leaves an overlap row open,
    since the second opinion is the point)."""
    row_id = session.row_id_at(position)
    me = session.annotator
    if me and me in session.project.team.annotators:
        return session.store.state_of(canonical(row_id) or "", target, me).is_empty
    return session.label_state(row_id, target).is_empty


def who(session: LabelingSession, event: LabelEvent) -> str:
    """The source word of a label, or the colleague's name when someone else made it."""
    if event.annotator in ("", DATA_FILE, session.annotator) or event.source == ADJUDICATION:
        return event.source
    return event.annotator


def visible_entries(session: LabelingSession, target: str, entries: list[Any] | None) -> Any:
    """Queue entries (review, conflicts) of rows this annotator may see."""
    if entries is None or not blind(session):
        return entries
    return [e for e in entries if not hides(session, e.position, target)]


class BlindViews(QObject):
    """Keeps what the views drew earlier in step with blind mode and with the label stream.

    The table's prediction and confidence cells are blanked row by row through the
    table's mask, which follows every label change (one's own label shows the row's
    model at once). A colleague's label on a hidden row is taken back from the table
    and the map right after the label views drew it, before anything is painted.
    """

    def __init__(
        self,
        session: LabelingSession,
        stream: Any,
        views: Any,
        label_codes: Callable[[str], np.ndarray],
        redraw_all: Callable[[], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.views = views
        self._label_codes = label_codes
        self._redraw_all = redraw_all
        self._was_blind = blind(session)
        self.apply_masks()
        stream.sig_changed.connect(self._on_change)  # after the label views: they draw first

    def _on_change(self, change: LabelChange) -> None:
        session, target = self.session, change.target
        if not blind(session) or target not in session.targets:
            return
        table = self.views.table
        if change.kind == CLASSES or change.position is None:
            rows = hidden_rows(session, target)
            table.model.set_hidden(target, None if rows is None else rows.copy())
            return
        position = change.position
        hidden = hides(session, position, target)
        table.model.set_row_hidden(target, position, hidden)
        if hidden:  # a colleague's label (or one's own undone): nothing to see here yet
            table.set_label(target, position, None, False, None)
            self._label_codes(target)[position] = -1

    def apply_masks(self) -> None:
        """Mask every target's model cells, or none, as blind mode is now."""
        session = self.session
        for target in session.targets:
            rows = hidden_rows(session, target)
            self.views.table.model.set_hidden(target, None if rows is None else rows.copy())
        self.apply_chrome()

    def current_changed(self, position: int | None, target: str) -> None:
        """Say why the chart is empty when blind mode is what empties it."""
        hidden = hides(self.session, position, target)
        self.views.chart.set_placeholder(HIDDEN_NOTE if hidden else None)
        if hidden:  # the disabled button says why there is nothing to accept
            self.views.label_bar.accept_button.setText(ACCEPT_HIDDEN)

    def settings_changed(self) -> None:
        """The lead switched blind mode (or the roster): redraw what depends on it."""
        now = blind(self.session)
        self.apply_masks()
        if now != self._was_blind:
            self._was_blind = now
            self._redraw_all()

    def apply_chrome(self) -> None:
        """Column and colour-mode choices that blind mode turns off for every row."""
        on = blind(self.session)
        v = self.views
        v.suggestion_queue.list.setColumnHidden(SUGGESTION_MODEL_COLUMN, on)
        modes = ("label",) if on else ("label", "prediction", "uncertainty")
        v.overview.allow_color_modes(modes, MAP_NOTE)
