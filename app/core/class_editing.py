"""Add, rename and merge classes while labelling, with undo: the session's class API.

Each change is an event in the label log (``app.core.class_changes``), so the
export, the bundle and every later reader see labels through it, and undo appends
a revert instead of erasing anything. The project's class list follows at once,
so keys, buttons and the next model use the new classes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.core.class_changes import ClassChange, apply_to_classes
from app.core.errors import UserError
from app.core.schema import canonical_class

if TYPE_CHECKING:
    from app.core.label_store import LabelStore
    from app.core.schema import Schema


@dataclass(frozen=True)
class ClassStep:
    """One undoable class change; ``row`` is empty, since it touches no single sample."""

    target: str
    change: ClassChange
    row: str = ""


class ClassEditing:
    """Mixed into ``LabelingSession``: the methods that change a target's classes."""

    store: LabelStore
    annotator: str
    _undo: list[Any]
    _redo: list[Any]

    @property
    def schema(self) -> Schema:
        raise NotImplementedError

    def save(self) -> None:
        raise NotImplementedError

    def add_class(self, target: str, name: Any) -> ClassChange:
        """A class nobody has used yet (digit 9 before its first label)."""
        spec = self.schema.target(target)
        key = _class_name(name, target)
        if key in spec.classes:
            raise UserError(f"'{key}' is already a class of '{target}'; choose another name.")
        return self._record(target, "add", key, ())

    def rename_class(self, target: str, old: Any, new: Any) -> ClassChange:
        """Every label of ``old``, given before or after, reads as ``new``."""
        spec = self.schema.target(target)
        source, key = _existing(old, spec.classes, target), _class_name(new, target)
        if key == source:
            raise UserError(f"The class '{source}' already has that name; type a new name.")
        if key in spec.classes:
            raise UserError(
                f"'{key}' is already a class of '{target}'; merge '{source}' into it instead."
            )
        return self._record(target, "rename", key, (source,))

    def merge_classes(self, target: str, classes: Sequence[Any], into: Any) -> ClassChange:
        """Two or more classes become one (``into`` may be one of them or a new name)."""
        spec = self.schema.target(target)
        sources = tuple(dict.fromkeys(_existing(c, spec.classes, target) for c in classes))
        key = _class_name(into, target)
        if len(set(sources) | {key}) < 2:
            raise UserError(f"Choose at least two classes of '{target}' to merge.")
        return self._record(target, "merge", key, sources)

    def _record(self, target: str, op: str, into: str, sources: tuple[str, ...]) -> ClassChange:
        spec = self.schema.target(target)
        change = self.store.append_class_change(
            target, op, into, sources, spec.classes, annotator=self.annotator
        )
        spec.classes = apply_to_classes(spec.classes, change)
        self.save()
        self._undo.append(ClassStep(target, change))
        self._redo.clear()
        self._classes_changed(target)
        return change

    def _undo_class(self, step: ClassStep) -> None:
        spec = self.schema.target(step.target)
        self.store.append_class_change(
            step.target, "revert", "", (), spec.classes, ref=step.change.event_id,
            annotator=self.annotator,
        )  # fmt: skip
        spec.classes = list(step.change.before)
        self.save()
        self._classes_changed(step.target)

    def _redo_class(self, step: ClassStep) -> None:
        spec = self.schema.target(step.target)
        self.store.append_class_change(
            step.target, "reapply", "", (), spec.classes, ref=step.change.event_id,
            annotator=self.annotator,
        )  # fmt: skip
        spec.classes = apply_to_classes(spec.classes, step.change)
        self.save()
        self._classes_changed(step.target)

    def _classes_changed(self, target: str) -> None:
        """Published by the session to its listeners (``app.core.label_changes``)."""


def _class_name(value: Any, target: str) -> str:
    key = canonical_class(value)
    if key is None:
        raise UserError(f"A class of '{target}' needs a name; type one.")
    return key


def _existing(value: Any, classes: list[str], target: str) -> str:
    key = canonical_class(value)
    if key is None or key not in classes:
        raise UserError(
            f"'{value}' is not a class of '{target}'; choose one of {', '.join(classes)}."
        )
    return key
