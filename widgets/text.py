"""User data is shown as text, never run as markup.

Qt renders a label's text as HTML when it merely looks like HTML (``AutoText``),
and pyqtgraph's axis labels and legends are HTML outright. A class named
``<b>HTML</b>`` or ``<img src=...>`` must therefore be escaped wherever markup is
built, and every label that shows user data without markup is ``PlainText``.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget


def esc(value: Any) -> str:
    """Text safe to place inside HTML: ``<`` shows as ``<``, never starts a tag."""
    return html.escape(str(value), quote=True)


def plain_label(text: str = "", parent: QWidget | None = None) -> QLabel:
    """A QLabel that shows exactly its text (no HTML, whatever the text looks like)."""
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    return label


def rich_label(parent: QWidget | None = None) -> QLabel:
    """A QLabel for markup the app builds; every user value in it goes through ``esc``."""
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.RichText)
    return label


def tip(text: str) -> str:
    """A tooltip that shows its text as is (Qt would render text starting with a tag)."""
    return "<qt>" + esc(text).replace("\n", "<br>") + "</qt>"


def plain_message(
    parent: QWidget | None, title: str, text: str, icon: QMessageBox.Icon
) -> QMessageBox:
    """A message box whose text is never read as HTML (file names can hold anything)."""
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    return box
