"""Who labels: the annotator's name, asked once, kept in the settings, shown in the status bar.

Every label event records its annotator, so an export or an agreement report can
say who decided what. A name given on the command line (``--annotator``) or to
``create_main_window(annotator=...)`` wins for that window; otherwise the name
saved in the settings is used, and on the very first start the window asks.
It never asks when it cannot be answered: without ``interactive`` (tests,
``--screenshot``) or on the offscreen platform.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from widgets.text import plain_label

if TYPE_CHECKING:
    from app.gui.settings import GuiSettings
    from app.gui.window_api import Window

MAX_NAME = 80


def clean_name(text: str) -> str:
    """The name as it will be recorded: trimmed, one line, no control characters."""
    kept = "".join(" " if unicodedata.category(ch).startswith("C") else ch for ch in text)
    return " ".join(kept.split())[:MAX_NAME]


class AnnotatorDialog(QDialog):
    """One line: the name recorded with every label made in this window."""

    def __init__(self, current: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("annotatorDialog")
        self.setWindowTitle("Annotator name")
        intro = QLabel(
            "Labelwright records who made each label, so an export or a colleague can tell "
            "your labels from theirs. Your name or initials:"
        )
        intro.setWordWrap(True)
        self.name_edit = QLineEdit(current)
        self.name_edit.setObjectName("annotatorName")
        self.name_edit.setPlaceholderText("for example Dr. Ada Byron or AB")
        self.name_edit.setMaxLength(MAX_NAME)
        self.name_edit.selectAll()
        note = plain_label("You can change it later with Edit › Annotator name…")
        note.setStyleSheet("color: #6B6B6B;")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.name_edit.textChanged.connect(self._update_ok)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.name_edit)
        layout.addWidget(note)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(420)
        self._update_ok()

    def name(self) -> str:
        return clean_name(self.name_edit.text())

    def _update_ok(self) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(bool(self.name()))


def ask_name(parent: QWidget | None, current: str = "") -> str | None:
    """The name the user typed, or None when they cancelled."""
    dialog = AnnotatorDialog(current, parent)
    if not dialog.exec():
        return None
    return dialog.name() or None


def can_ask(interactive: bool) -> bool:
    """A dialog can be answered: an interactive start on a real screen."""
    return interactive and QGuiApplication.platformName() != "offscreen"


def choose_annotator(
    explicit: str | None,
    settings: GuiSettings,
    asking: bool,
    ask: Callable[[], str | None] = lambda: ask_name(None),
) -> str:
    """The name for this window: explicit, else saved, else asked (and then saved).

    An explicit name is for this window only and does not replace the saved one.
    """
    from app.gui.settings import save_settings

    if explicit and clean_name(explicit):
        return clean_name(explicit)
    if settings.annotator:
        return settings.annotator
    if not asking:
        return ""
    name = ask()
    if name:
        settings.annotator = name
        save_settings(settings)
    return name or ""


class AnnotatorStatus(QToolButton):
    """The status bar's 'Annotator: name'; a click changes the name."""

    sig_change_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("annotatorStatus")
        self.setAutoRaise(True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.setToolTip("Every label you make records this name; click to change it")
        self.clicked.connect(self.sig_change_requested.emit)

    def set_name(self, name: str) -> None:
        shown = name.replace("&", "&&") if name else "not set"
        self.setText(f"Annotator: {shown}")


def install_status(w: Window) -> AnnotatorStatus:
    """Add the annotator's name to the window's status bar."""
    status = AnnotatorStatus()
    status.set_name(w.session.annotator)
    status.sig_change_requested.connect(lambda: change_annotator(w))
    w.statusBar().addPermanentWidget(status)
    return status


def annotator_status(w: Window) -> AnnotatorStatus | None:
    return w.findChild(AnnotatorStatus, "annotatorStatus")


def change_annotator(w: Window, name: str | None = None) -> None:
    """Edit › Annotator name…: ask (unless ``name`` is given), then record it everywhere."""
    from app.gui.settings import save_settings

    if name is None:
        name = ask_name(w, w.session.annotator)
    name = clean_name(name or "")
    if not name:
        return
    w.session.annotator = name
    w.settings.annotator = name
    save_settings(w.settings)
    status = annotator_status(w)
    if status is not None:
        status.set_name(name)
    w.show_status(f"Labels from now on record the annotator {name}.")
