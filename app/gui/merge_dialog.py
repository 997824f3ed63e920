"""File › Merge bundles…: the lead merges the bundles the team labelled apart into one project.

The dialog collects the bundles and the folder, runs ``merge_bundles`` in the
background (reading and checking every bundle takes a moment, and the window goes
on meanwhile), and reports in one line: how many label events are new, or the
sentence that says why the merge was refused. It then offers to open the merged
project in a new window.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from app.core.errors import UserError
from widgets.text import plain_label

if TYPE_CHECKING:
    from app.core.bundle_merge import MergeReport
    from app.gui.window_api import Window
    from app.gui.workers import TaskRunner

BUNDLE_FILTER = "Labelwright bundle (*.lwbundle)"


def merged_sentence(report: MergeReport) -> str:
    """What the merge did, in one line."""
    n = report.added
    events = f"{n:,} new label event{'s' if n != 1 else ''}"
    bundles = f"{report.bundles} bundle{'s' if report.bundles != 1 else ''}"
    where = "a new project" if report.created else "the project"
    return f"{events} from {bundles} in {where} {report.project.name}."


class MergeDialog(QDialog):
    """Bundles in, one project out."""

    def __init__(
        self,
        runner: TaskRunner,
        open_project: Callable[[Path], Any],
        start_folder: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mergeDialog")
        self.setWindowTitle("Merge bundles")
        self.runner = runner
        self._open_project = open_project
        self._start = start_folder or str(Path.home())
        self.report: MergeReport | None = None
        self._busy = False
        intro = QLabel(
            "Bundles the team labelled apart, all made from the same data file, become one "
            "project. Every label keeps its annotator; a bundle merged twice adds nothing."
        )
        intro.setWordWrap(True)
        self.bundles = QListWidget()
        self.bundles.setObjectName("mergeBundles")
        self.bundles.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        add = QPushButton("Add bundles…")
        add.clicked.connect(self._pick_bundles)
        self.remove = QPushButton("Remove")
        self.remove.clicked.connect(self._remove_selected)
        side = QVBoxLayout()
        side.addWidget(add)
        side.addWidget(self.remove)
        side.addStretch(1)
        lists = QHBoxLayout()
        lists.addWidget(self.bundles, 1)
        lists.addLayout(side)
        self.folder = QLineEdit()
        self.folder.setObjectName("mergeFolder")
        self.folder.setPlaceholderText("the folder of the merged project (new or existing)")
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._pick_folder)
        folder_row = QHBoxLayout()
        folder_row.addWidget(plain_label("Into:"))
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(browse)
        self.result_line = plain_label("")
        self.result_line.setObjectName("mergeResult")
        self.result_line.setWordWrap(True)
        self.result_line.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons = QDialogButtonBox()
        self.merge_button = self.buttons.addButton("Merge", QDialogButtonBox.ButtonRole.ActionRole)
        self.merge_button.setObjectName("mergeButton")
        self.merge_button.setDefault(True)
        self.open_button = self.buttons.addButton(
            "Open merged project", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.open_button.setObjectName("openMerged")
        self.open_button.hide()
        close = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.clicked.connect(self.reject)
        self.merge_button.clicked.connect(self.merge)
        self.open_button.clicked.connect(self._open)
        self.bundles.model().rowsInserted.connect(self._update)
        self.bundles.model().rowsRemoved.connect(self._update)
        self.folder.textChanged.connect(self._update)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(lists, 1)
        layout.addLayout(folder_row)
        layout.addWidget(self.result_line)
        layout.addWidget(self.buttons)
        self.setMinimumSize(560, 360)
        self._update()

    # -- API --------------------------------------------------------------------------------
    def add_bundles(self, paths: list[str | Path]) -> None:
        known = set(self.paths())
        for path in paths:
            text = str(Path(path))
            if text not in known:
                self.bundles.addItem(text)
                known.add(text)
        if not self.folder.text() and self.paths():
            first = Path(self.paths()[0])
            self.folder.setText(str(first.with_name(f"{first.stem}_merged")))

    def paths(self) -> list[str]:
        return [self.bundles.item(i).text() for i in range(self.bundles.count())]

    def set_folder(self, folder: str | Path) -> None:
        self.folder.setText(str(folder))

    def merge(self) -> None:
        """Run the merge in the background; the result line says what happened."""
        from app.core.bundle_merge import merge_bundles

        paths, folder = self.paths(), self.folder.text().strip()
        if not paths or not folder:
            return
        self.report = None
        self._busy = True
        self.open_button.hide()
        self.merge_button.setEnabled(False)
        self.result_line.setStyleSheet("color: #6B6B6B;")
        self.result_line.setText(f"Merging {len(paths)} bundle{'s' if len(paths) != 1 else ''}…")
        self.runner.submit(
            "merge",
            lambda progress, should_stop: merge_bundles(list(paths), folder),
            self._on_merged,
            on_error=self._on_failed,
            description="Merging bundles",
        )

    def result_text(self) -> str:
        return self.result_line.text()

    # -- internals --------------------------------------------------------------------------
    def _on_merged(self, report: MergeReport, _current: bool) -> None:
        if not isValid(self):  # closed while the merge ran; the project is there all the same
            return
        self._busy = False
        self.report = report
        self.result_line.setStyleSheet("color: #1B7F3B;")
        self.result_line.setText(merged_sentence(report))
        self.open_button.show()
        self.open_button.setDefault(True)
        self._update()

    def _on_failed(self, exc: BaseException) -> None:
        from app.gui.errors import user_message

        if not isValid(self):
            return
        self._busy = False
        self.result_line.setStyleSheet("color: #B3261E;")
        self.result_line.setText(str(exc) if isinstance(exc, UserError) else user_message(exc))
        self._update()

    def _open(self) -> None:
        if self.report is not None:
            self.accept()
            self._open_project(self.report.project)

    def _update(self, *_args: object) -> None:
        ready = bool(self.paths() and self.folder.text().strip())
        self.merge_button.setEnabled(ready and not self._busy)
        self.remove.setEnabled(self.bundles.count() > 0)

    def _pick_bundles(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self, "Bundles to merge", self._start, BUNDLE_FILTER
        )
        if paths:
            self._start = str(Path(paths[0]).parent)
            self.add_bundles(list(paths))

    def _pick_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Merge into", self._start)
        if folder:
            self.folder.setText(folder)

    def _remove_selected(self) -> None:
        for item in self.bundles.selectedItems():
            self.bundles.takeItem(self.bundles.row(item))


def open_merge_dialog(w: Window) -> MergeDialog:
    """File › Merge bundles…; the merged project opens in a new window when asked."""
    from app.gui.file_actions import open_in_new_window

    dialog = MergeDialog(
        w.runner,
        lambda project: open_in_new_window(w, str(project)),
        w.settings.last_directory,
        w,
    )
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog
