"""The session's label stream as a Qt signal, delivered on the GUI thread.

``LabelingSession.changes`` calls its subscribers in the thread that wrote the
label: the GUI thread for a key press, another thread for a colleague's label
arriving from a shared store. Views must only be touched on the GUI thread, so
every GUI subscriber connects to ``sig_changed`` here: Qt delivers it directly
when emitted on the GUI thread (the table row is updated inside the key press)
and queues it otherwise.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

if TYPE_CHECKING:
    from app.core.session import LabelingSession


class LabelStream(QObject):
    """Re-emits each ``app.core.label_changes.LabelChange`` of one session."""

    sig_changed = Signal(object)  # LabelChange

    def __init__(self, session: LabelingSession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._unsubscribe = session.changes.subscribe(self.sig_changed.emit)

    def close(self) -> None:
        """Stop listening (the window is closing; the session may outlive it in tests)."""
        self._unsubscribe()
