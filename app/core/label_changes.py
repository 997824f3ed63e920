"""One stream of label changes per session: every view, job and status line listens to it.

Labels change from many places: a key press, undo and redo, a class renamed or
merged, an import, and soon other annotators live and merged bundles. Instead of
each place pushing the change into each view, the session publishes one
``LabelChange`` after the change is committed, and whoever shows or uses labels
subscribes (napari's evented models, without Qt: the GUI bridges the stream to a
Qt signal in ``app.gui.label_stream``).

Subscribers run in the publishing thread, in the order they subscribed. One that
raises is logged and the others still run: a broken view must not hide a label
that is already safe on disk.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.core.label_store import LabelState

log = logging.getLogger(__name__)

LABEL = "label"  # one row's state changed
CLASSES = "classes"  # a target's classes changed: every row of it may read differently
COLLEAGUE = "colleague"  # the source of a change another desktop made (read by ``refresh``)


@dataclass(frozen=True)
class LabelChange:
    """What changed, after it is durable. ``row``/``position`` are None for a class change."""

    kind: str
    target: str
    labels_version: int
    row: str | None = None  # the row's canonical key
    position: int | None = None
    state: LabelState | None = None  # the row's state now
    source: str = ""  # human, suggestion, undo, redo, class, import, ...


Subscriber = Callable[[LabelChange], None]


class LabelChanges:
    """A tiny publisher: ``subscribe`` returns the function that unsubscribes."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self._lock = threading.Lock()

    def subscribe(self, fn: Subscriber) -> Callable[[], None]:
        with self._lock:
            self._subscribers.append(fn)

        def unsubscribe() -> None:
            with self._lock:
                if fn in self._subscribers:
                    self._subscribers.remove(fn)

        return unsubscribe

    def publish(self, change: LabelChange) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for fn in subscribers:
            try:
                fn(change)
            except Exception:
                log.exception("A subscriber of label changes failed on %s", change)

    def __len__(self) -> int:
        return len(self._subscribers)
