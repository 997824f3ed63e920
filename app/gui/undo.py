"""Label changes as QUndoCommands, kept in step with the session's own undo stack.

Every label the GUI makes is first written through the session (so it is on
disk before the user sees it), then pushed here with ``done=True``. The first
``redo()`` that QUndoStack.push triggers is therefore a no-op; every later
``redo()`` calls ``session.redo()`` and every ``undo()`` calls ``session.undo()``.
Both stacks are LIFO and every GUI label goes through both, so they stay in step.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QUndoCommand

if TYPE_CHECKING:
    from app.core.class_editing import ClassStep
    from app.core.session import Change, LabelingSession

log = logging.getLogger(__name__)


class LabelCommand(QUndoCommand):
    """One label event (a class, an accepted suggestion or an unsure mark)."""

    def __init__(
        self,
        session: LabelingSession,
        text: str,
        position: int,
        target: str,
        on_applied: Callable[[Change | ClassStep | None, bool], None],
    ) -> None:
        super().__init__(text)
        self._session = session
        self._first = True
        self.position = position
        self.target = target
        self._on_applied = on_applied

    def redo(self) -> None:
        if self._first:  # the label was already written before the push
            self._first = False
            return
        change = self._session.redo()
        self._on_applied(change, False)

    def undo(self) -> None:
        change = self._session.undo()
        self._on_applied(change, True)
