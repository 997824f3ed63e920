"""Menus, toolbar actions and keyboard shortcuts of the main window.

Label keys are window-wide shortcuts, so they work wherever focus is (text
fields keep their own typing: Qt lets a focused line edit override plain keys).
Arrow keys are left to the focused list or table, which moves its own
selection; the window only handles arrows nobody else used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence

from app.gui.about import show_about
from app.gui.annotator_dialog import change_annotator
from app.gui.class_actions import class_change_dialog
from app.gui.class_picker import open_class_picker
from app.gui.help_dialog import show_quick_guide, show_shortcuts
from app.gui.merge_dialog import open_merge_dialog
from app.gui.recent_files import build_recent_menu
from app.gui.team_settings_dialog import edit_team
from widgets.label_bar import class_keys

if TYPE_CHECKING:
    from app.gui.window_api import Window

DIGITS = [str(d) for d in (1, 2, 3, 4, 5, 6, 7, 8, 9, 0)]


@dataclass
class Actions:
    open: QAction
    export: QAction
    export_bundle: QAction
    reset_layout: QAction
    quit: QAction
    undo: QAction
    redo: QAction
    accept: QAction
    unsure: QAction
    retrain: QAction
    review: QAction
    cancel_jobs: QAction
    pick_class: QAction
    add_class: QAction
    rename_class: QAction
    merge_classes: QAction
    annotator: QAction
    shortcuts: QAction
    guide: QAction
    merge_bundles: QAction
    team_settings: QAction
    agreement: QAction
    conflicts: QAction
    classes: list[QAction] = field(default_factory=list)


def _action(
    w: Window, text: str, slot: object, keys: list[str] | None = None, tip: str = ""
) -> QAction:
    action = QAction(text, w)
    if keys:
        action.setShortcuts([QKeySequence(k) for k in keys])
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    if tip:
        action.setStatusTip(tip)
        action.setToolTip(tip)
    action.triggered.connect(slot)
    w.addAction(action)  # shortcuts work even when the action is in no visible menu
    return action


def create_actions(w: Window) -> Actions:
    c = w.controller
    undo = w.undo_stack.createUndoAction(w, "Undo")
    undo.setShortcuts([QKeySequence("Ctrl+Z")])
    redo = w.undo_stack.createRedoAction(w, "Redo")
    redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
    for a in (undo, redo):
        a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        w.addAction(a)
    actions = Actions(
        open=_action(w, "&Open…", w.open_dialog, ["Ctrl+O"], "Open a data file or a project"),
        export=_action(
            w,
            "&Export labels…",
            w.export_dialog,
            ["Ctrl+E"],
            "Write the labelled data as CSV or Parquet",
        ),
        export_bundle=_action(
            w,
            "Export &bundle…",
            w.export_bundle_dialog,
            ["Ctrl+Shift+E"],
            "Write labels, settings, models and layout as one shareable file",
        ),
        reset_layout=_action(
            w, "&Reset layout", w.reset_layout, None, "Put every panel back where it started"
        ),
        quit=_action(w, "&Quit", w.close, ["Ctrl+Q"]),
        undo=undo,
        redo=redo,
        accept=_action(
            w,
            "&Accept suggestion",
            c.accept,
            ["Return", "Enter"],
            "Label the sample with the suggested class",
        ),
        unsure=_action(w, "Mark &unsure", c.unsure, ["S"], "Flag the sample as unsure and skip it"),
        retrain=_action(w, "&Retrain now", w.jobs.retrain_now, ["F5"], "Train every model now"),
        review=_action(
            w,
            "&Check labels",
            w.request_review,
            ["F6"],
            "Rank the labels by how likely they are wrong",
        ),
        cancel_jobs=_action(w, "&Cancel background work", w.runner.cancel, None),
        pick_class=_action(
            w,
            "&Find class…",
            lambda: open_class_picker(w),
            ["C", "/"],
            "Type a few letters of any class and press Enter to label the sample",
        ),
        add_class=_action(
            w,
            "A&dd class…",
            lambda: class_change_dialog(w, "add"),
            None,
            "Add a class to the current target",
        ),
        rename_class=_action(
            w,
            "Re&name class…",
            lambda: class_change_dialog(w, "rename"),
            None,
            "Rename a class; its labels follow",
        ),
        merge_classes=_action(
            w,
            "&Merge classes…",
            lambda: class_change_dialog(w, "merge"),
            None,
            "Make two or more classes one",
        ),
        annotator=_action(
            w,
            "Annotator &name…",
            lambda: change_annotator(w),
            None,
            "The name recorded with every label you make",
        ),
        shortcuts=_action(
            w,
            "&Keyboard shortcuts",
            lambda: show_shortcuts(w),
            ["F1"],
            "Every key of the window",
        ),
        guide=_action(
            w, "&Quick guide", lambda: show_quick_guide(w), None, "How to use Labelwright"
        ),
        merge_bundles=_action(
            w,
            "&Merge bundles…",
            lambda: open_merge_dialog(w),
            None,
            "Make one project of the bundles your team labelled apart",
        ),
        team_settings=_action(
            w,
            "&Team settings…",
            lambda: edit_team(w, lambda: w.team.team_changed()),
            None,
            "Blind mode, overlap, who splits the work and who decides conflicts",
        ),
        agreement=_action(
            w,
            "&Agreement between annotators",
            lambda: _raise_dock(w, "agreement"),
            None,
            "Cohen's kappa per pair, Krippendorff's alpha and each annotator's quality",
        ),
        conflicts=_action(
            w,
            "C&onflicts to decide",
            lambda: _raise_dock(w, "conflicts"),
            None,
            "Samples whose annotators disagree, least certain first",
        ),
    )
    w.views.label_bar.sig_more_classes.connect(actions.pick_class.trigger)
    for digit in DIGITS:
        action = _action(w, f"Key {digit}", lambda _c=False, d=digit: c.label_key(d), [digit])
        actions.classes.append(action)
    return actions


def build_menus(w: Window, a: Actions) -> None:
    bar = w.menuBar()
    file_menu = bar.addMenu("&File")
    file_menu.addAction(a.open)
    build_recent_menu(w, file_menu)
    file_menu.addSeparator()
    file_menu.addAction(a.export)
    file_menu.addAction(a.export_bundle)
    file_menu.addAction(a.merge_bundles)
    file_menu.addSeparator()
    file_menu.addAction(a.team_settings)
    file_menu.addSeparator()
    file_menu.addAction(a.reset_layout)
    file_menu.addSeparator()
    file_menu.addAction(a.quit)
    edit = bar.addMenu("&Edit")
    edit.addAction(a.undo)
    edit.addAction(a.redo)
    edit.addSeparator()
    edit.addAction(a.annotator)
    label = bar.addMenu("&Label")
    for action in a.classes:
        label.addAction(action)
    label.addAction(a.pick_class)
    label.addSeparator()
    label.addAction(a.accept)
    label.addAction(a.unsure)
    label.addSeparator()
    label.addAction(a.add_class)
    label.addAction(a.rename_class)
    label.addAction(a.merge_classes)
    model = bar.addMenu("&Model")
    model.addAction(a.retrain)
    model.addAction(a.review)
    model.addAction(a.cancel_jobs)
    model.addSeparator()
    model.addAction(a.agreement)
    model.addAction(a.conflicts)
    view = bar.addMenu("&View")
    for dock in w.docks.values():
        view.addAction(dock.toggleViewAction())
    view.addSeparator()
    view.addAction(a.reset_layout)
    help_menu = bar.addMenu("&Help")
    help_menu.addAction(a.shortcuts)
    help_menu.addAction(a.guide)
    help_menu.addSeparator()
    about = help_menu.addAction("&About Labelwright")
    about.setMenuRole(QAction.MenuRole.AboutRole)
    about.triggered.connect(lambda _checked=False: show_about(w))


def _raise_dock(w: Window, key: str) -> None:
    dock = w.docks[key]
    dock.show()
    dock.raise_()


def update_class_actions(a: Actions, classes: list[str]) -> dict[str, int]:
    """Name the number keys after the current target's classes; hide unused ones.

    Returns key → class index (see ``widgets.label_bar.class_keys``).
    """
    keys = {k: i for i, k in enumerate(class_keys(classes)) if k is not None}
    for digit, action in zip(DIGITS, a.classes, strict=True):
        used = digit in keys
        if used:
            action.setText(f"Label as {classes[keys[digit]]}".replace("&", "&&"))
        action.setEnabled(used)
        action.setVisible(used)
    return keys
