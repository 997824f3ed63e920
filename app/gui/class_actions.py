"""Label › Add class…, Rename class…, Merge classes…: class changes while labelling.

Each change goes through the session (``add_class``, ``rename_class``,
``merge_classes``), which writes it to the label log before the window shows it,
and is pushed on the window's undo stack as a ``ClassCommand`` whose undo and
redo call ``session.undo()``/``session.redo()``: the two stacks stay in step, as
they do for labels. After a change the keys, the label bar, the table, the map
and the model state follow the target's new classes; the model retrains soon.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoCommand
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import UserError
from widgets.text import plain_label

if TYPE_CHECKING:
    from app.core.class_changes import ClassChange
    from app.gui.window_api import Window


class ClassCommand(QUndoCommand):
    """One class change on the window's undo stack (already applied when pushed)."""

    def __init__(self, text: str, target: str, on_applied: Callable[[bool], None], w: Window):
        super().__init__(text)
        self._w = w
        self._first = True
        self.target = target
        self._on_applied = on_applied

    def redo(self) -> None:
        if self._first:
            self._first = False
            return
        self._w.session.redo()
        self._on_applied(False)

    def undo(self) -> None:
        self._w.session.undo()
        self._on_applied(True)


def refresh_classes(w: Window, target: str, mapping: dict[str, str] | None = None) -> None:
    """Make every view follow ``target``'s classes after a change, and retrain soon.

    ``mapping`` (old class → new) renames the current predictions until the next
    model arrives, so Enter never accepts a class that no longer exists.
    """
    from app.gui.presenter import target_arrays

    session = w.session
    classes = list(session.schema.target(target).classes)
    predicted = w.jobs.predicted.get(target)
    if predicted is not None and mapping:
        w.jobs.predicted[target] = np.array(
            [mapping.get(str(p), p) for p in predicted.tolist()], dtype=object
        )
    w.views.table.set_target(target, target_arrays(session, target), classes)
    if target == w.controller.target:
        w.set_target(target, force=True)
    w.update_map_labels(target)
    w.jobs.labels_changed()
    w.update_counts()


Report = Callable[[str], None]


def _apply(
    w: Window,
    target: str,
    text: str,
    change: Callable[[], ClassChange],
    report: Report | None = None,
) -> bool:
    """Run one session class change; push it for undo; False (and the sentence) when refused."""
    try:
        done = change()
    except UserError as exc:
        (report or w.show_error)(str(exc))
        return False
    forward = done.mapping()
    backward = {v: k for k, v in forward.items()} if len(forward) == 1 else {}

    def applied(undone: bool) -> None:
        refresh_classes(w, target, backward if undone else forward)

    w.undo_stack.push(ClassCommand(text, target, applied, w))
    refresh_classes(w, target, forward)
    w.show_status(f"{text}. Ctrl+Z undoes it.")
    return True


def add_class(
    w: Window, name: str, target: str | None = None, report: Report | None = None
) -> bool:
    t = target or w.controller.target
    text = f"Add class {name.strip()}"
    return _apply(w, t, text, lambda: w.session.add_class(t, name), report)


def rename_class(
    w: Window, old: str, new: str, target: str | None = None, report: Report | None = None
) -> bool:
    t = target or w.controller.target
    text = f"Rename class {old} to {new.strip()}"
    return _apply(w, t, text, lambda: w.session.rename_class(t, old, new), report)


def merge_classes(
    w: Window,
    sources: list[str],
    into: str,
    target: str | None = None,
    report: Report | None = None,
) -> bool:
    t = target or w.controller.target
    text = f"Merge {', '.join(sources)} into {into.strip()}"
    return _apply(w, t, text, lambda: w.session.merge_classes(t, sources, into), report)


class ClassChangeDialog(QDialog):
    """One small form per change: add (a name), rename (a class, a name), merge (classes, into)."""

    def __init__(self, mode: str, target: str, classes: list[str], parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName(f"{mode}ClassDialog")
        self.mode = mode
        self.on_accept: Callable[[ClassChangeDialog], bool] = lambda _d: True
        self.error = plain_label()
        self.error.setObjectName("classChangeError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #B3261E;")
        self.error.hide()
        titles = {"add": "Add a class", "rename": "Rename a class", "merge": "Merge classes"}
        self.setWindowTitle(f"{titles[mode]} of {target}")
        self.classes = list(classes)
        self.class_combo = QComboBox()
        self.class_combo.addItems(self.classes)
        self.name_edit = QLineEdit()
        self.sources = QListWidget()
        self.into_combo = QComboBox()
        self.into_combo.setEditable(True)
        self.into_combo.addItems(self.classes)
        self.into_combo.setCurrentText("")
        form = QFormLayout()
        intro = plain_label()
        intro.setWordWrap(True)
        if mode == "add":
            intro.setText(
                f"A new class of {target}, for example one nobody has labelled yet. "
                f"It gets the next key and a button."
            )
            self.name_edit.setPlaceholderText("the new class")
            form.addRow("Name:", self.name_edit)
        elif mode == "rename":
            intro.setText("Every label of the class, given before or after, reads as the new name.")
            self.name_edit.setPlaceholderText("the new name")
            form.addRow("Class:", self.class_combo)
            form.addRow("New name:", self.name_edit)
        else:
            intro.setText(
                "Tick the classes that are really one; their labels all become the class below "
                "(one of them or a new name)."
            )
            for name in self.classes:
                item = QListWidgetItem(name)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Unchecked)
                self.sources.addItem(item)
            self.sources.itemChanged.connect(self._suggest_into)
            form.addRow("Classes:", self.sources)
            form.addRow("Into:", self.into_combo)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok_text = {"add": "Add", "rename": "Rename", "merge": "Merge"}[mode]
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(420)

    def accept(self) -> None:
        """Close only once the session took the change; otherwise say why and stay open."""
        if self.on_accept(self):
            super().accept()

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    def checked_sources(self) -> list[str]:
        return [
            self.sources.item(i).text()
            for i in range(self.sources.count())
            if self.sources.item(i).checkState() == Qt.CheckState.Checked
        ]

    def check(self, names: list[str]) -> None:
        for i in range(self.sources.count()):
            item = self.sources.item(i)
            on = item.text() in names
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def _suggest_into(self, _item: QListWidgetItem) -> None:
        chosen = self.checked_sources()
        if chosen and self.into_combo.currentText() not in chosen:
            self.into_combo.setCurrentText(chosen[0])


def class_change_dialog(w: Window, mode: str) -> ClassChangeDialog:
    """Open the form for ``mode``; OK applies the change to the current target."""
    target = w.controller.target
    dialog = ClassChangeDialog(mode, target, list(w.session.schema.target(target).classes), w)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def apply(d: ClassChangeDialog) -> bool:
        if mode == "add":
            return add_class(w, d.name_edit.text(), target, d.show_error)
        if mode == "rename":
            old, new = d.class_combo.currentText(), d.name_edit.text()
            return rename_class(w, old, new, target, d.show_error)
        into = d.into_combo.currentText()
        return merge_classes(w, d.checked_sources(), into, target, d.show_error)

    dialog.on_accept = apply
    dialog.open()
    return dialog
