"""Classes that change while labelling: add, rename and merge, as events in the label log.

A class change is an event like a label (source ``class``, no row), so it has a
time, an annotator and a place in the order of events. It never rewrites an
older event: a label given before a rename is read through the rename. That is
what lets undo and redo work (``revert``/``reapply`` name the change they
switch off or on) and lets a bundle carry the whole history.

The note of a class event holds the change as JSON: the operation, the classes
it took from, the target's classes just before, and for revert/reapply the id of
the change it refers to.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

CLASS_SOURCE = "class"
OPS = ("add", "rename", "merge", "revert", "reapply")


@dataclass(frozen=True)
class ClassChange:
    event_id: int
    target: str
    op: str
    into: str  # the class added, renamed to or merged into ("" for revert/reapply)
    sources: tuple[str, ...] = ()  # the classes renamed or merged
    before: tuple[str, ...] = ()  # the target's classes just before the change
    ref: int = 0  # the change a revert or reapply refers to

    def mapping(self) -> dict[str, str]:
        if self.op in ("rename", "merge"):
            return {s: self.into for s in self.sources if s != self.into}
        return {}

    def note(self) -> str:
        return note_for(self.op, self.sources, self.before, self.ref)


def note_for(op: str, sources: Iterable[str], before: Iterable[str], ref: int = 0) -> str:
    doc: dict[str, Any] = {"op": op, "from": list(sources), "before": list(before)}
    if ref:
        doc["ref"] = ref
    return json.dumps(doc, sort_keys=True)


def parse(event_id: int, target: str, label: str | None, note: str) -> ClassChange:
    """A class event read back; ValueError when its note is not a valid change."""
    doc = json.loads(note)
    if not isinstance(doc, dict) or doc.get("op") not in OPS:
        raise ValueError("not a class change")
    op = str(doc["op"])
    sources = doc.get("from", [])
    before = doc.get("before", [])
    ref = doc.get("ref", 0)
    texts = isinstance(sources, list) and isinstance(before, list)
    if not texts or not all(isinstance(c, str) for c in [*sources, *before]):
        raise ValueError("class lists must be texts")
    if not isinstance(ref, int) or isinstance(ref, bool) or ref < 0:
        raise ValueError("bad reference")
    if op in ("revert", "reapply"):
        if not 0 < ref < event_id:
            raise ValueError("a revert must name an earlier change")
    elif not label:
        raise ValueError("a class change needs a class")
    if op in ("rename", "merge") and not sources:
        raise ValueError("nothing to rename or merge")
    return ClassChange(event_id, target, op, label or "", tuple(sources), tuple(before), ref)


def active(changes: list[ClassChange]) -> list[ClassChange]:
    """The add/rename/merge changes in force: a revert switches one off, a reapply on again."""
    on: dict[int, bool] = {}
    base: dict[int, ClassChange] = {}
    for change in changes:
        if change.op in ("revert", "reapply"):
            if change.ref in base:
                on[change.ref] = change.op == "reapply"
        else:
            base[change.event_id] = change
            on[change.event_id] = True
    return [c for i, c in base.items() if on.get(i)]


def effective(label: str | None, event_id: int, changes: list[ClassChange]) -> str | None:
    """A label given at ``event_id``, read through every later change in force."""
    if label is None:
        return None
    for change in changes:
        if change.event_id > event_id:
            label = change.mapping().get(label, label)
    return label


def apply_to_classes(classes: list[str], change: ClassChange) -> list[str]:
    """The class list after ``change``; a renamed class keeps its place (and so its key).

    Idempotent: applying a change twice changes nothing more.
    """
    mapping = change.mapping()
    out: list[str] = []
    for c in classes:
        mapped = mapping.get(c, c)
        if mapped not in out:
            out.append(mapped)
    if change.op in ("add", "rename", "merge") and change.into not in out:
        out.append(change.into)
    return out
