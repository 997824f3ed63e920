"""Labelling as a team in the window: blind mode, the agreement view, the conflicts queue,
File › Merge bundles… and the team settings, on a real project with a tiny EBM.

Every test asserts on what the widgets show and on what the session wrote.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt

from app.cli import main
from app.core.bundle import export_bundle
from app.core.project import Project
from app.core.session import LabelingSession
from app.gui import create_main_window, team_blind
from app.gui.workers import running_threads
from models.ebm import EBMSettings

READY_MS = 90_000
T = "label"


def _data(folder: Path, n: int = 80) -> Path:
    rng = np.random.default_rng(3)
    x = rng.normal(size=n)
    frame = pd.DataFrame(
        {
            "id": range(n),
            "x": x,
            "z": rng.normal(size=n),
            "label": np.where(x > 0, "yes", "no").astype(object),
        }
    )
    frame.loc[8:, "label"] = None  # the file knows eight labels
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "t.csv"
    frame.to_csv(path, index=False)
    return path


def _project(folder: Path, **team: Any) -> Path:
    data = _data(folder)
    with LabelingSession.open(data, [T]) as session:
        session.project.model = EBMSettings.tiny()
        for key, value in team.items():
            setattr(session.project.team, key, value)
        session.save()
    return data.with_suffix(".lwproj")


def _two_raters(project: Path) -> None:
    """alice and bob each label rows 10-49 (bob disagrees on a few), carol a handful."""
    rng = np.random.default_rng(7)
    with LabelingSession.open(project) as session:
        x = session.data["x"].to_numpy()
        for row in range(10, 50):
            truth = "yes" if x[row] > 0 else "no"
            session.label(row, T, truth, annotator="alice")
            flip = rng.random() < 0.25
            session.label(row, T, ("no" if truth == "yes" else "yes") if flip else truth,
                          annotator="bob")  # fmt: skip
        for row in range(40, 46):
            session.label(row, T, "yes", annotator="carol")


@pytest.fixture
def open_window(qtbot: Any) -> Iterator[Any]:
    windows: list[Any] = []

    def make(path: Path, annotator: str) -> Any:
        w = create_main_window(
            path, model_settings=EBMSettings.tiny(), annotator=annotator, interactive=False
        )
        assert w is not None
        qtbot.addWidget(w)
        windows.append(w)
        qtbot.waitUntil(lambda: w.ready and not w.runner.is_busy("train"), timeout=READY_MS)
        w.deferred.flush()
        return w

    yield make
    for w in windows:
        w.close()
    assert running_threads() == []


def _cell(w: Any, position: int, kind: str) -> str:
    model = w.table.model
    column = next(i for i, c in enumerate(model.columns) if c.kind == kind and c.key == T)
    return str(model.data(model.index(model.view_row(position), column)))


def _pick_in_table(w: Any, position: int) -> None:
    """Click the row in the table (the controller follows the table's current row)."""
    model, view = w.table.model, w.table.view
    if view.currentIndex().row() == model.view_row(position):
        view.setCurrentIndex(model.index(0 if model.view_row(position) else 1, 0))
    view.setCurrentIndex(model.index(model.view_row(position), 0))
    w.deferred.flush()
    assert w.controller.current == position


def test_blind_mode_hides_the_model_and_colleagues_until_one_labels(
    qtbot: Any, tmp_path: Path, open_window: Any
) -> None:
    project = _project(tmp_path, blind=True)
    with LabelingSession.open(project) as session:
        session.label(20, T, "yes", annotator="alice")
    w = open_window(project, "bob")
    session = w.session
    pos = session.position(20)
    _pick_in_table(w, pos)
    assert w.controller.current == pos and session.model(T) is not None
    # The model: no suggestion to accept, no confidence, no chart, no prediction cells.
    assert w.label_bar.suggested() is None and not w.label_bar.accept_button.isEnabled()
    assert w.label_bar.accept_button.text() == team_blind.ACCEPT_HIDDEN
    assert w.chart.is_empty() and w.chart.placeholder_text() == team_blind.HIDDEN_NOTE
    assert _cell(w, pos, "prediction") == "" and _cell(w, pos, "confidence") == ""
    never = session.position(70)  # nobody labelled it: hidden too
    assert _cell(w, never, "prediction") == "" and _cell(w, never, "confidence") == ""
    assert w.suggestion_queue.list.isColumnHidden(team_blind.SUGGESTION_MODEL_COLUMN)
    assert w.overview.allowed_color_modes() == ["label"]
    # The colleague: alice's label is in the log, but not on bob's screen.
    assert session.labels(T)[20] == "yes"
    assert _cell(w, pos, "label") == "—" and _cell(w, pos, "source") == ""
    assert w.label_views.label_codes(T)[pos] == -1
    assert "hidden until you label it" in w.sample_view.subtitle()
    assert "yes" not in w.sample_view.subtitle() and "model says" not in w.sample_view.subtitle()
    assert "labelled" not in w.label_bar._status.text().replace("not labelled", "")
    qtbot.keyClick(w, Qt.Key.Key_Return)  # Enter accepts nothing that is hidden
    assert session.store.state_of("20", T, "bob").is_empty
    # A colleague's label arriving while bob looks stays hidden as well.
    other = session.position(30)
    session.label(30, T, "no", annotator="alice")
    assert _cell(w, other, "label") == "—" and w.label_views.label_codes(T)[other] == -1
    # Bob labels the row: everything comes back for it.
    qtbot.keyClick(w, Qt.Key.Key_1)
    assert session.store.state_of("20", T, "bob").label == "no"
    _pick_in_table(w, pos)
    qtbot.waitUntil(lambda: not w.chart.is_empty(), timeout=READY_MS)
    assert w.label_bar.suggested() is not None and w.label_bar.accept_button.isEnabled()
    assert _cell(w, pos, "prediction") in ("yes", "no") and _cell(w, pos, "confidence").endswith(
        "%"
    )
    assert _cell(w, pos, "label") != "—"
    assert "hidden" not in w.sample_view.subtitle()
    assert _cell(w, never, "prediction") == ""  # still hidden where bob has not labelled
    # The lead switches blind mode off: every row shows the model and colleagues again.
    session.project.team.blind = False
    w.team.team_changed()
    w.deferred.flush()
    assert _cell(w, never, "prediction") in ("yes", "no")
    assert _cell(w, other, "label") == "no"
    assert not w.suggestion_queue.list.isColumnHidden(team_blind.SUGGESTION_MODEL_COLUMN)
    assert "prediction" in w.overview.allowed_color_modes()


def test_the_agreement_view_shows_kappa_confusion_alpha_and_quality(
    qtbot: Any, tmp_path: Path, open_window: Any
) -> None:
    import krippendorff
    from sklearn.metrics import cohen_kappa_score

    project = _project(tmp_path, adjudicators=["lead"])
    _two_raters(project)
    w = open_window(project, "lead")
    assert w.docks["agreement"].isVisible() or not w.docks["agreement"].isHidden()
    w.actions_.agreement.trigger()
    view = w.docks["agreement"].widget()
    qtbot.waitUntil(lambda: len(view.quality_text()) == 3, timeout=READY_MS)
    qtbot.waitUntil(lambda: all(v != "—" for v in view.quality_text().values()), timeout=READY_MS)
    votes = {a: v for a, v in w.session.store.by_annotator(T).items() if a != "data file"}
    both = sorted(set(votes["alice"]) & set(votes["bob"]))
    a_labels = [votes["alice"][r] for r in both]
    b_labels = [votes["bob"][r] for r in both]
    kappa = cohen_kappa_score(a_labels, b_labels)
    assert view.kappa_text("alice", "bob") == f"{kappa:.2f}\nn = {len(both)}"
    assert view.kappa_text("bob", "alice") == view.kappa_text("alice", "bob")
    view.kappa.cellClicked.emit(0, 0)  # bob's row, alice's column: as a click does
    assert view.chosen_pair() == ("alice", "bob")
    expected = pd.crosstab(pd.Series(a_labels), pd.Series(b_labels)).reindex(
        index=["no", "yes"], columns=["no", "yes"], fill_value=0
    )
    assert view.confusion_counts() == expected.to_numpy().tolist()
    names = sorted(votes)
    rows = sorted({r for v in votes.values() for r in v})
    index = {"no": 0, "yes": 1}
    matrix = np.array(
        [[index[votes[n][r]] if r in votes[n] else np.nan for r in rows] for n in names]
    )
    alpha = krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")
    assert view.alpha.value.text() == f"{alpha:.2f}"
    shared = [r for r in rows if sum(r in votes[n] for n in names) >= 2]
    same = sum(len({votes[n][r] for n in names if r in votes[n]}) == 1 for r in shared)
    assert view.full.value.text() == f"{100 * same / len(shared):.0f}%"
    assert view.shared.value.text() == str(len(shared))
    quality = {k: float(v) for k, v in view.quality_text().items()}
    assert set(quality) == {"alice", "bob", "carol"} and all(0 <= q <= 1 for q in quality.values())
    assert quality["alice"] >= quality["bob"]  # bob flipped a quarter of his labels


def _conflicts(session: LabelingSession) -> set[int]:
    out = set()
    for (target, row), _event in session.store.current_items():
        people = {
            a: e.label
            for a, e in session.store.annotations(row, target).items()
            if a != "data file" and e.label is not None
        }
        if len(set(people.values())) > 1 and session.store.decided(row, target) != "adjudicated":
            out.add(session.position(row))
    return out


def test_an_adjudicator_decides_conflicts_and_undo_brings_them_back(
    qtbot: Any, tmp_path: Path, open_window: Any
) -> None:
    project = _project(tmp_path, adjudicators=["lead"])
    _two_raters(project)
    w = open_window(project, "lead")
    session = w.session
    w.actions_.conflicts.trigger()
    queue = w.docks["conflicts"].widget()
    expected = _conflicts(session)
    assert expected
    qtbot.waitUntil(lambda: set(queue.positions()) == expected, timeout=READY_MS)
    qtbot.waitUntil(lambda: all(r[3] != "—" for r in queue.row_texts()), timeout=READY_MS)
    qualities = [float(r[3]) for r in queue.row_texts()]
    assert qualities == sorted(qualities)  # the least certain consensus first
    first = queue.positions()[0]
    row_id = session.row_id_at(first)
    people = session.store.annotations(str(row_id), T)
    shown = queue.row_texts()[0][1]
    for who in ("alice", "bob"):
        assert f"{who}: {people[who].label}" in shown
    assert queue.note.isHidden() and queue.can_decide()
    assert queue.current_position() == first
    assert not queue.chart.is_empty() and queue.chart.header_text().startswith("P(")
    queue.list.setFocus()
    qtbot.keyClick(queue.list, Qt.Key.Key_2)  # class 2 of no, yes
    assert session.store.decided(str(row_id), T) == "adjudicated"
    assert session.label_event(row_id, T).source == "adjudication"
    assert session.labels(T)[row_id] == "yes"
    assert session.store.state_of(str(row_id), T, "lead").is_empty  # not lead's own label
    assert first not in queue.positions()
    assert _cell(w, first, "label") == "yes"
    qtbot.keyClick(w, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert session.store.decided(str(row_id), T) != "adjudicated"
    qtbot.waitUntil(lambda: first in queue.positions(), timeout=READY_MS)
    # Somebody who is not an adjudicator sees the queue read-only.
    w.session.annotator = "bob"
    w.team.conflicts.update_rights()
    assert queue.note.isVisibleTo(queue) and "not an adjudicator" in queue.note.text()
    assert not any(b.isEnabled() for b in queue.decision_buttons().values())
    queue.select_position(first)
    before = session.store.count()
    qtbot.keyClick(queue.list, Qt.Key.Key_2)
    assert session.store.count() == before  # neither a decision nor bob's own label
    assert "not an adjudicator" in w.statusBar().currentMessage()


def test_merge_bundles_reports_new_events_refuses_a_conflict_and_opens_the_result(
    qtbot: Any, tmp_path: Path, open_window: Any
) -> None:
    from app.gui.merge_dialog import open_merge_dialog

    project = _project(tmp_path / "lead")
    with LabelingSession.open(project) as lead:
        lead_bundle = export_bundle(lead, tmp_path / "lead.lwbundle", include_data=True)
    made = []
    for name, offset in (("alice", 10), ("bob", 15)):
        folder = tmp_path / name
        assert main(["bundle", "import", str(lead_bundle), "--into", str(folder)]) == 0
        with LabelingSession.open(folder / "t.lwproj", annotator=name) as theirs:
            for row in theirs.row_ids()[offset : offset + 10]:
                theirs.label(row, T, "yes")
            time.sleep(0.01)
            made.append(export_bundle(theirs, tmp_path / f"{name}.lwbundle"))
    w = open_window(project, "lead")
    dialog = open_merge_dialog(w)
    dialog.add_bundles([lead_bundle, *made])
    dialog.set_folder(tmp_path / "merged")
    dialog.merge_button.click()
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=READY_MS)
    lead_events = 8  # the data file's labels, carried in the lead's bundle
    assert dialog.result_text().startswith(f"{lead_events + 20} new label events from 3 bundles")
    assert dialog.open_button.isVisible()
    dialog.merge_button.click()  # the same bundles again: nothing new
    qtbot.waitUntil(lambda: dialog.result_text().startswith("0 new label events"), timeout=READY_MS)
    # Another class set is refused with the sentence of the merge.
    with LabelingSession.open(tmp_path / "alice" / "t.lwproj") as theirs:
        theirs.add_class(T, "maybe")
        odd = export_bundle(theirs, tmp_path / "odd.lwbundle")
    dialog.add_bundles([odd])
    dialog.merge_button.click()
    qtbot.waitUntil(lambda: "cannot be merged" in dialog.result_text(), timeout=READY_MS)
    assert "has the classes" in dialog.result_text() and not dialog.open_button.isVisible()
    dialog.bundles.takeItem(dialog.bundles.count() - 1)
    dialog.merge_button.click()
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=READY_MS)
    opened: list[Path] = []
    dialog._open_project = opened.append  # what the button opens (a new window in the app)
    dialog.open_button.click()
    assert opened == [tmp_path / "merged" / "t.lwproj"]
    with LabelingSession.open(opened[0]) as merged:
        people = merged.store.by_annotator(T)
        assert len(people["alice"]) == 10 and len(people["bob"]) == 10


def test_overlap_rows_stay_open_after_a_colleague_and_name_who_labelled(
    qtbot: Any, tmp_path: Path, open_window: Any
) -> None:
    project = _project(tmp_path, annotators=["alice", "bob"], overlap=1.0)  # all rows to both
    with LabelingSession.open(project) as session:
        session.project.strategy.batch = 100
        session.save()
        for row in range(10, 20):
            session.label(row, T, "yes", annotator="alice")
    w = open_window(project, "bob")
    session = w.session
    w.controller.refresh_suggestions(keep_current=False)
    offered = set(w.suggestion_queue.positions())
    alices = {session.position(r) for r in range(10, 20)}
    assert alices <= offered  # the second opinion is the point of the overlap
    assert _cell(w, session.position(12), "source") == "alice"
    _pick_in_table(w, session.position(12))
    assert "(alice)" in w.sample_view.subtitle()
    w.suggestion_queue.list.setFocus()
    first = w.suggestion_queue.positions()[0]
    w.controller.pick("suggestions", first)
    qtbot.keyClick(w, Qt.Key.Key_1)  # bob's own label: the row leaves his queue
    assert session.store.state_of(str(session.row_id_at(first)), T, "bob").label == "no"
    w.controller.refresh_suggestions(keep_current=False)
    assert first not in w.suggestion_queue.positions()


def test_team_settings_are_saved_with_the_project(
    qtbot: Any, tmp_path: Path, open_window: Any
) -> None:
    from app.gui.team_settings_dialog import edit_team

    project = _project(tmp_path)
    _two_raters(project)
    w = open_window(project, "lead")
    dialog = edit_team(w, w.team.team_changed)
    people = {dialog.people.item(r, 0).text() for r in range(dialog.people.rowCount())}
    assert people == {"alice", "bob", "carol", "lead"}  # who labelled, and who is here
    dialog.blind.setChecked(True)
    dialog.overlap.setValue(20)
    for name in ("alice", "bob"):
        dialog.set_person(name, True, False)
    dialog.set_person("lead", False, True)
    dialog.new_name.setText("dora")
    dialog._add_typed()
    dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    team = Project.load(project).team
    assert team.blind and team.overlap == pytest.approx(0.2)
    assert sorted(team.annotators) == ["alice", "bob", "dora"] and team.adjudicators == ["lead"]
    # The window follows at once: blind mode hides the model where lead has not labelled.
    w.deferred.flush()
    assert w.suggestion_queue.list.isColumnHidden(team_blind.SUGGESTION_MODEL_COLUMN)
    assert _cell(w, w.session.position(70), "prediction") == ""
    assert w.docks["conflicts"].widget().can_decide()
