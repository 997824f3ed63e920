"""Project › Team settings…: the lead's rules for labelling as a team.

Blind mode, the share of rows that go to two annotators (overlap, so agreement can
be measured), the roster the work is split among, and who may decide conflicts.
They are saved with the project (``session.save``) and, on a shared store, written
to the server (``publish_team``) so that every desktop that joins follows them;
the server call runs in the background, since a store that is away must not
freeze the window.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.label_state import DATA_FILE
from app.core.team_settings import TeamSettings
from widgets.text import plain_label

if TYPE_CHECKING:
    from app.core.session import LabelingSession
    from app.gui.window_api import Window

ROSTER, ADJUDICATOR = 1, 2


class TeamSettingsDialog(QDialog):
    """Blind, overlap, roster and adjudicators of one project."""

    def __init__(self, team: TeamSettings, known: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("teamSettingsDialog")
        self.setWindowTitle("Team settings")
        intro = QLabel(
            "How your team labels this project. The rules are saved with the project and, on "
            "a shared store, apply on every desktop that opens it."
        )
        intro.setWordWrap(True)
        self.blind = QCheckBox("Blind mode")
        self.blind.setObjectName("teamBlind")
        self.blind.setChecked(team.blind)
        blind_note = plain_label(
            "Annotators see neither the model's suggestion nor colleagues' labels until they "
            "have labelled a sample themselves."
        )
        blind_note.setWordWrap(True)
        blind_note.setStyleSheet("color: #6B6B6B;")
        self.overlap = QSpinBox()
        self.overlap.setObjectName("teamOverlap")
        self.overlap.setRange(0, 100)
        self.overlap.setSuffix(" %")
        self.overlap.setValue(round(100 * team.overlap))
        self.overlap.setToolTip("The share of suggested samples that goes to two annotators")
        overlap_note = plain_label(
            "of the samples go to two annotators, so that agreement can be measured; the rest "
            "is split among the roster without duplicates."
        )
        overlap_note.setWordWrap(True)
        overlap_note.setStyleSheet("color: #6B6B6B;")
        overlap_row = QHBoxLayout()
        overlap_row.addWidget(self.overlap)
        overlap_row.addWidget(overlap_note, 1)

        self.people = QTableWidget(0, 3)
        self.people.setObjectName("teamPeople")
        self.people.setHorizontalHeaderLabels(["Person", "Splits the work", "Adjudicator"])
        self.people.verticalHeader().hide()
        self.people.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.people.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.people.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        names = sorted(
            {*known, *team.annotators, *team.adjudicators} - {DATA_FILE, ""}, key=str.lower
        )
        for name in names:
            self.set_person(name, name in team.annotators, name in team.adjudicators)
        self.new_name = QLineEdit()
        self.new_name.setObjectName("teamNewName")
        self.new_name.setPlaceholderText("a colleague's name (on a store: their database role)")
        add = QPushButton("Add")
        add.clicked.connect(self._add_typed)
        self.new_name.returnPressed.connect(self._add_typed)
        add_row = QHBoxLayout()
        add_row.addWidget(self.new_name, 1)
        add_row.addWidget(add)
        people_note = plain_label(
            "With nobody splitting the work, everyone is offered every sample. Only an "
            "adjudicator may decide a conflict."
        )
        people_note.setWordWrap(True)
        people_note.setStyleSheet("color: #6B6B6B;")

        form = QFormLayout()
        form.addRow(self.blind)
        form.addRow(blind_note)
        form.addRow("Overlap:", overlap_row)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(plain_label("People:"))
        layout.addWidget(self.people, 1)
        layout.addLayout(add_row)
        layout.addWidget(people_note)
        layout.addWidget(self.buttons)
        self.setMinimumSize(520, 460)

    def set_person(self, name: str, roster: bool, adjudicator: bool) -> None:
        """Add ``name`` (or update their row) with their two roles."""
        row = self._row_of(name)
        if row < 0:
            row = self.people.rowCount()
            self.people.insertRow(row)
            self.people.setItem(row, 0, QTableWidgetItem(name))
        for column, on in ((ROSTER, roster), (ADJUDICATOR, adjudicator)):
            item = QTableWidgetItem()
            item.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
            self.people.setItem(row, column, item)

    def settings(self) -> TeamSettings:
        """The rules as the dialog shows them now."""
        roster: list[str] = []
        judges: list[str] = []
        for row in range(self.people.rowCount()):
            name_item = self.people.item(row, 0)
            if name_item is None:
                continue
            for column, out in ((ROSTER, roster), (ADJUDICATOR, judges)):
                item = self.people.item(row, column)
                if item is not None and item.checkState() == Qt.CheckState.Checked:
                    out.append(name_item.text())
        return TeamSettings(
            blind=self.blind.isChecked(),
            overlap=self.overlap.value() / 100.0,
            adjudicators=judges,
            annotators=roster,
        )

    def _row_of(self, name: str) -> int:
        for row in range(self.people.rowCount()):
            item = self.people.item(row, 0)
            if item is not None and item.text() == name:
                return row
        return -1

    def _add_typed(self) -> None:
        from app.gui.annotator_dialog import clean_name

        name = clean_name(self.new_name.text())
        if name and name != DATA_FILE:
            if self._row_of(name) < 0:
                self.set_person(name, True, False)
            self.new_name.clear()


def known_people(session: LabelingSession) -> list[str]:
    """Everyone who labelled this project, and whoever labels in this window."""
    return sorted({*session.store.annotators(), session.annotator} - {DATA_FILE, ""})


def apply_team(
    session: LabelingSession,
    team: TeamSettings,
    send: Callable[[Callable[[], None]], None] | None = None,
) -> None:
    """Save ``team`` with the project; on a store, also send it to the server.

    ``send`` runs the server call (the window passes its background runner); without
    it the call runs here.
    """
    from app.core.shared_session import send_team, team_request

    session.project.team = team
    session.save()
    request = team_request(session)
    if request is not None:
        if send is None:
            send_team(*request)
        else:
            send(lambda: send_team(*request))


def edit_team(w: Window, on_saved: Callable[[], None]) -> TeamSettingsDialog:
    """Open the dialog; Save applies the rules and calls ``on_saved`` for the views."""
    from app.gui.errors import user_message

    session = w.session
    dialog = TeamSettingsDialog(session.project.team, known_people(session), w)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def publish(send: Callable[[], None]) -> None:
        w.runner.submit(
            "team-settings",
            lambda progress, should_stop: send(),
            lambda _r, _c: w.show_status("The team settings are on the store.", 5000),
            on_error=lambda exc: w.show_error(
                f"The team settings are saved here but not on the store: "
                f"{user_message(exc).rstrip('.')}; save them again once it answers."
            ),
            description="Sharing the team settings",
        )

    def save() -> None:
        apply_team(session, dialog.settings(), publish)
        on_saved()
        w.show_status("Team settings saved.", 5000)

    dialog.accepted.connect(save)
    dialog.show()
    return dialog
