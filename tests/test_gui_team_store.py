"""The window on a shared store, against a real PostgreSQL server (pgserver): a colleague's
labels appear live and train the model, the status bar tells online from offline with the
labels waiting, and the lead's team settings reach the server.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("pgserver")

from PySide6.QtCore import Qt

from app.cli import main
from app.core.label_changes import COLLEAGUE
from app.core.session import LabelingSession
from app.gui import create_main_window
from app.gui.workers import running_threads
from models.ebm import EBMSettings
from tests.test_shared_store import Server, _data

READY_MS = 90_000
HANG_MS = 30_000  # a hang guard, not a timing: the delay is measured by tools/


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    os.environ.setdefault("XDG_RUNTIME_DIR", str(tmp_path_factory.mktemp("runtime")))
    srv = Server(tmp_path_factory.mktemp("pg"))
    assert main(["store", "init", srv.url("postgres")]) == 0
    assert main(["store", "add-annotator", srv.url("postgres"), "alice"]) == 0
    assert main(["store", "add-annotator", srv.url("postgres"), "lead", "--adjudicator"]) == 0
    yield srv
    srv.instance.cleanup()


@pytest.fixture
def lead_window(qtbot: Any, server: Server, tmp_path: Path) -> Iterator[Any]:
    data = _data(tmp_path / "lead", "ward.csv")
    w = create_main_window(
        data,
        store=server.url("lead"),
        targets=["label"],
        model_settings=EBMSettings.tiny(),
        interactive=False,
    )
    assert w is not None
    qtbot.addWidget(w)
    qtbot.waitUntil(lambda: w.ready and not w.runner.is_busy("train"), timeout=READY_MS)
    w.deferred.flush()
    yield w
    w.close()
    assert running_threads() == []


def _label_cell(w: Any, position: int) -> str:
    model = w.table.model
    column = next(i for i, c in enumerate(model.columns) if c.kind == "label")
    return str(model.data(model.index(model.view_row(position), column)))


def test_a_colleagues_labels_appear_live_and_train_the_model(
    qtbot: Any, server: Server, tmp_path: Path, lead_window: Any
) -> None:
    w = lead_window
    session = w.session
    assert session.annotator == "lead"
    qtbot.waitUntil(lambda: w.team.sync_status.plain_text() == "online", timeout=HANG_MS)
    seen: list[Any] = []
    session.changes.subscribe(seen.append)
    current = w.controller.current
    shown_row = session.row_id_at(current)
    rows = [r for r in range(10, 30) if r != shown_row][:6]
    trainings = w.jobs.trainings
    with LabelingSession.open(_data(tmp_path / "alice", "ward.csv"), ["label"],
                              store=server.url("alice")) as alice:  # fmt: skip
        for row in rows:
            alice.label(row, "label", "yes" if row % 2 else "no")
        alice.label(shown_row, "label", "yes")
        assert alice.sync is not None and alice.sync.settle(20)
    # Within the window's refresh: the table, the counts and the sample on screen.
    qtbot.waitUntil(lambda: _label_cell(w, session.position(rows[-1])) != "—", timeout=HANG_MS)
    for row in rows:
        expected = "yes" if row % 2 else "no"
        assert _label_cell(w, session.position(row)) == expected
    assert {c.source for c in seen} == {COLLEAGUE}
    assert {str(r) for r in [*rows, shown_row]} <= {c.row for c in seen}
    qtbot.waitUntil(lambda: "labelled <b>yes</b>" in w.label_bar._status.text(), timeout=HANG_MS)
    assert w.controller.current == current  # a colleague's label does not move the sample
    labelled = len(session.labels("label"))
    assert f"{labelled:,} of" in w.counts_label.text()
    # The model retrains on them as on one's own labels.
    qtbot.waitUntil(
        lambda: (
            w.jobs.trainings > trainings
            and not w.runner.is_busy("train")
            and session.model("label") is not None
            and session.model("label").n_labels == labelled
        ),
        timeout=READY_MS,
    )
    assert not session.model_is_stale("label")


def test_the_status_bar_says_offline_with_the_labels_waiting(
    qtbot: Any, server: Server, lead_window: Any
) -> None:
    w = lead_window
    qtbot.waitUntil(lambda: w.team.sync_status.plain_text() == "online", timeout=HANG_MS)
    server.stop()
    try:
        qtbot.waitUntil(
            lambda: w.team.sync_status.plain_text().startswith("offline"), timeout=HANG_MS
        )
        for _ in range(2):
            qtbot.keyClick(w, Qt.Key.Key_1)  # labelling goes on, acknowledged locally
        qtbot.waitUntil(
            lambda: w.team.sync_status.plain_text() == "offline, 2 labels waiting",
            timeout=HANG_MS,
        )
        assert "does not answer" in w.team.sync_status.toolTip()
    finally:
        server.start()
    qtbot.waitUntil(lambda: w.team.sync_status.plain_text() == "online", timeout=HANG_MS)
    events = server.sql(
        "SELECT count(*) FROM labelwright.events e JOIN labelwright.projects p "
        "ON p.id = e.project_id WHERE p.name = 'ward' AND e.db_role = 'lead' "
        "AND e.source = 'human'"
    )
    assert events[0][0] == 2  # sent once the server was back


def test_the_leads_team_settings_reach_the_store(
    qtbot: Any, server: Server, lead_window: Any
) -> None:
    import json

    from app.gui.team_settings_dialog import edit_team

    w = lead_window
    dialog = edit_team(w, w.team.team_changed)
    dialog.blind.setChecked(True)
    dialog.overlap.setValue(10)
    dialog.set_person("alice", True, False)
    dialog.set_person("lead", True, True)
    dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    assert w.session.project.team.blind

    def on_server() -> list[Any]:
        return server.sql(
            "SELECT t.settings_json, t.set_by FROM labelwright.team_settings t JOIN "
            "labelwright.projects p ON p.id = t.project_id WHERE p.name = 'ward' ORDER BY t.id"
        )

    qtbot.waitUntil(lambda: bool(on_server()), timeout=HANG_MS)
    settings, by = on_server()[-1]
    shared = json.loads(settings)
    assert by == "lead" and shared["blind"] is True and shared["overlap"] == pytest.approx(0.1)
    assert sorted(shared["annotators"]) == ["alice", "lead"] and shared["adjudicators"] == ["lead"]
