"""Help › Keyboard shortcuts and Help › Quick guide.

The shortcuts view is read from the window's own QActions each time it opens,
menu by menu, so it lists exactly the keys that work now (the number keys are
named after the current target's classes) and cannot go stale when an action
or its key changes. Only the few keys that widgets handle themselves (arrows in
a list, Escape in a dialog) are not actions; ``WIDGET_KEYS`` lists them.

The quick guide is the "Using it" section of README.md, read at run time when the
file is beside the code; a packaged build carries ``BUILT_IN_GUIDE``, a copy that
a test keeps equal to the README.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QColor, QFont, QFontMetrics, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QMenu,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from widgets.text import plain_label

if TYPE_CHECKING:
    from app.gui.window_api import Window

WIDGET_KEYS = [
    ("↑  ↓", "Move through the focused list, table or queue"),
    ("Letters", "In the class picker: filter the classes as you type"),
    ("Esc", "Close a dialog or the class picker without a change"),
]
README = Path(__file__).resolve().parents[2] / "README.md"
GUIDE_HEADING = "## Using it"


@dataclass(frozen=True)
class ShortcutRow:
    group: str
    keys: str
    text: str


def action_text(action: QAction) -> str:
    """The action's menu text without mnemonics ('&&' stays one '&') or a trailing '…'."""
    text = action.text().replace("&&", "\0").replace("&", "").replace("\0", "&")
    return text.removesuffix("…").removesuffix("...").strip()


def key_text(action: QAction) -> str:
    keys = [s.toString(QKeySequence.SequenceFormat.NativeText) for s in action.shortcuts()]
    return "  or  ".join(k for k in keys if k)


def shortcut_rows(w: Window) -> list[ShortcutRow]:
    """Every visible action with a key, grouped by the menu it sits in, in menu order."""
    rows: list[ShortcutRow] = []
    seen: set[int] = set()

    def walk(menu: QMenu, group: str) -> None:
        for action in menu.actions():
            sub = action.menu()
            if isinstance(sub, QMenu):
                walk(sub, group)
                continue
            if action.isSeparator() or id(action) in seen:
                continue
            seen.add(id(action))
            keys = key_text(action)
            if keys and action.isVisible():
                rows.append(ShortcutRow(group, keys, action_text(action)))

    for top in w.menuBar().actions():
        menu = top.menu()
        if isinstance(menu, QMenu):
            walk(menu, action_text(top))
    for action in w.actions():  # keys that sit in no menu
        if id(action) not in seen and key_text(action) and action.isVisible():
            seen.add(id(action))
            rows.append(ShortcutRow("Other", key_text(action), action_text(action)))
    rows += [ShortcutRow("Lists and dialogs", k, t) for k, t in WIDGET_KEYS]
    return merge_digit_rows(rows)


def merge_digit_rows(rows: list[ShortcutRow]) -> list[ShortcutRow]:
    """Ten rows "3 · Label as 3" (classes that are the digits) read better as one."""
    own = [r for r in rows if r.keys.isdigit() and r.text == f"Label as {r.keys}"]
    if len(own) < 3:
        return rows
    keys = sorted(r.keys for r in own)
    merged = ShortcutRow(own[0].group, f"{keys[0]} – {keys[-1]}", "Label as that digit")
    at = rows.index(own[0])
    rest = [r for r in rows if r not in own]
    return [*rest[:at], merged, *rest[at:]]


class ShortcutsDialog(QDialog):
    """A read-only table of keys, one section per menu."""

    def __init__(self, rows: list[ShortcutRow], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("shortcutsDialog")
        self.setWindowTitle("Keyboard shortcuts")
        self.rows = rows
        self.table = QTableWidget(0, 2)
        self.table.setObjectName("shortcutsTable")
        self.table.setHorizontalHeaderLabels(["Key", "Action"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        vertical = self.table.verticalHeader()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 8)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self._fill(rows)
        keys = [self.table.item(r, 0) for r in range(self.table.rowCount())]
        widths = [
            QFontMetrics(item.font()).horizontalAdvance(item.text())
            for r, item in enumerate(keys)
            if item is not None and self.table.columnSpan(r, 0) == 1
        ]
        self.table.setColumnWidth(0, max([80, *widths]) + 32)
        note = plain_label(
            "The number keys follow the classes of the current target; the menus show the "
            "same keys beside each command."
        )
        note.setWordWrap(True)
        note.setStyleSheet("color: #6B6B6B;")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(note)
        layout.addWidget(buttons)
        rows_px = self.table.rowCount() * vertical.defaultSectionSize()
        self.resize(600, min(820, 150 + rows_px))

    def _fill(self, rows: list[ShortcutRow]) -> None:
        bold = QFont(self.font())
        bold.setBold(True)
        group = None
        for row in rows:
            if row.group != group:
                group = row.group
                r = self.table.rowCount()
                self.table.insertRow(r)
                heading = QTableWidgetItem(group)
                heading.setFont(bold)
                heading.setBackground(QColor("#F0F0F0"))
                self.table.setItem(r, 0, heading)
                self.table.setSpan(r, 0, 1, 2)
            r = self.table.rowCount()
            self.table.insertRow(r)
            key = QTableWidgetItem(row.keys)
            key.setFont(QFont("monospace", self.font().pointSize()))
            self.table.setItem(r, 0, key)
            self.table.setItem(r, 1, QTableWidgetItem(row.text))

    def key_for(self, text: str) -> str | None:
        """The keys shown for the action called ``text`` (for tests and the guide)."""
        return next((r.keys for r in self.rows if r.text == text), None)


def show_shortcuts(w: Window) -> ShortcutsDialog:
    dialog = ShortcutsDialog(shortcut_rows(w), w)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog


# ---------------------------------------------------------------------------- quick guide
def readme_guide(path: Path = README) -> str | None:
    """The README's "Using it" section (heading included), or None without the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    match = re.search(rf"^{re.escape(GUIDE_HEADING)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    if match is None:
        return None
    return f"{GUIDE_HEADING}\n{match.group(1)}".strip() + "\n"


def quick_guide() -> str:
    return readme_guide() or BUILT_IN_GUIDE


class QuickGuideDialog(QDialog):
    """The short guide, rendered from its Markdown."""

    def __init__(self, markdown: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("quickGuideDialog")
        self.setWindowTitle("Quick guide")
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(False)
        self.browser.setMarkdown(markdown.replace(GUIDE_HEADING, "## Quick guide", 1))
        self.browser.document().setDocumentMargin(14)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser, 1)
        layout.addWidget(buttons)
        self.resize(720, 560)


def show_quick_guide(w: Window) -> QuickGuideDialog:
    dialog = QuickGuideDialog(quick_guide(), w)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog


BUILT_IN_GUIDE = """\
## Using it

- `labelwright` opens the demo: 2,000 synthetic patient records with four diagnoses
  (diabetes, hypertension, chronic kidney disease, which builds on the first two, and
  dyslipidemia), about 10% missing values and a few dozen labels per diagnosis.
- `labelwright data.csv` opens your own table (CSV, TSV, Parquet or Excel). The first
  time, a setup dialog shows the first rows and proposes the id column, the label
  column(s) and each target's features. You can change any column's kind (number,
  category, text, image, id or ignore), the image column and, in a workbook, the sheet.
  The dialog says when a wide table starts with only its 64 most informative features
  (you can use all of them) and when classes differ only in case or spaces. A project
  file (`data.lwproj`) and its label log (`data.lwlabels`, SQLite) are created beside
  the data, which is never modified.
- The first start asks for your name. Every label records it, the status bar shows it,
  and exports carry it; Edit › Annotator name… changes it.
- Keys: `1`–`9` choose a class, `C` or `/` opens the class picker (type a few letters,
  `Enter` labels; it reaches every class, also past nine), `Enter` accepts the model's
  suggestion, `S` marks a sample unsure, `Ctrl+Z` / `Ctrl+Shift+Z` undo and redo, the
  arrow keys move. Help › Keyboard shortcuts (`F1`) lists every key.
- Label › Add class…, Rename class… and Merge classes… change a target's classes while
  you label. Each change is an event in the label log, so `Ctrl+Z` undoes it and the
  export follows it.
- File › Open Recent lists the projects you opened lately, by absolute path.
"""
