"""The real labelling flows, driven through the window on the demo with a tiny EBM.

Each test asserts on the session (what was written) and on what the widgets show.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.gui import create_main_window
from app.gui.docks import TEAM_DOCKS
from app.gui.workers import running_threads
from models.ebm import EBMSettings
from widgets import palette

READY_MS = 90_000


@pytest.fixture
def window(qtbot: Any) -> Iterator[Any]:
    w = create_main_window("demo", model_settings=EBMSettings.tiny())
    assert w is not None
    qtbot.addWidget(w)
    yield w
    w.close()
    assert running_threads() == []


def wait_ready(qtbot: Any, w: Any) -> None:
    try:
        qtbot.waitUntil(lambda: w.ready and not w.runner.is_busy("train"), timeout=READY_MS)
    except Exception:
        state = (
            w.ready,
            w.banner.text(),
            [h.description for h in w.runner.running()],
            w.model_status.state,
            w.jobs.trainings,
            w.deferred.pending(),
        )
        raise AssertionError(f"not ready: {state}") from None
    w.deferred.flush()


def current_row(w: Any) -> Any:
    return w.session.row_id_at(w.controller.current)


def test_opening_the_demo_selects_the_first_suggestion_with_keyboard_focus(
    qtbot: Any, window: Any
) -> None:
    w = window
    session = w.session
    assert session.targets == ["DM_label", "HTN_label", "CKD_label", "DLP_label"]
    positions = w.suggestion_queue.positions()
    assert positions, "the queue is filled before any model exists"
    assert w.controller.current == positions[0]
    assert w.suggestion_queue.current_position() == positions[0]
    assert w.sample_view.title() == str(current_row(w))
    assert w.label_bar.classes() == ["no", "yes"]
    assert w.target_combo.isVisibleTo(w)
    assert QApplication.focusWidget() is w.suggestion_queue.list
    wait_ready(qtbot, w)
    # The first model replaced the cold-start batch and its first pick is shown.
    assert w.controller.current == w.suggestion_queue.positions()[0]
    assert w.model_status.state == "current"
    assert w.table.model.rowCount() == session.n_rows


def test_picking_a_row_in_the_table_shows_its_values_and_contributions(
    qtbot: Any, window: Any
) -> None:
    w = window
    wait_ready(qtbot, w)
    row = 7
    index = w.table.model.index(row, 0)
    w.table.view.setCurrentIndex(index)  # as a click does
    w.deferred.flush()  # the explanation follows the values one event-loop turn later
    position = w.table.model.position_at(row)
    assert w.controller.current == position and w.controller.active == "table"
    row_id = w.session.row_id_at(position)
    assert w.sample_view.title() == str(row_id)
    age = w.session.data["age"].iloc[position]
    assert w.sample_view.values()["age"] == palette.format_value(age)
    contrib = w.session.contributions(row_id, "DM_label")
    shown = {r.feature for r in w.chart.rows() if r.kind == "term"}
    expected = {t.features[0] for t in contrib.terms}
    assert shown and shown <= expected
    k = contrib.classes.index("yes")
    assert w.chart.header_text() == f"P(yes) = {float(contrib.proba[k]):.2f}"
    # Clicking a term shows its shape curve with this sample marked.
    w.chart.sig_term_clicked.emit("glucose")
    w.deferred.flush()
    assert "glucose" in w.shape.title_text()


def test_label_keys_undo_and_redo(qtbot: Any, window: Any) -> None:
    w = window
    wait_ready(qtbot, w)
    session = w.session
    first = w.controller.current
    row_id = session.row_id_at(first)
    queue = w.suggestion_queue.positions()
    qtbot.keyClick(w, Qt.Key.Key_2)
    assert session.label_state(row_id, "DM_label").label == "yes"
    assert session.label_event(row_id, "DM_label").source == "human"
    # The next suggestion is shown at once, without waiting for the retrain.
    assert w.controller.current == queue[1]
    # The queue drops the labelled sample one event-loop turn later, after the paint.
    qtbot.waitUntil(lambda: first not in w.suggestion_queue.positions(), timeout=1000)
    assert w.suggestion_queue.current_position() == w.controller.current
    label_column = next(i for i, c in enumerate(w.table.model.columns) if c.kind == "label")
    view_row = w.table.model.view_row(first)
    assert w.table.model.index(view_row, label_column).data() == "yes"
    assert w.model_status.state in ("stale", "training")

    qtbot.keyClick(w, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert session.label_state(row_id, "DM_label").label is None
    assert w.controller.current == first
    assert w.table.model.index(view_row, label_column).data() == "—"
    assert w.undo_stack.canRedo() and session.can_redo

    qtbot.keyClick(
        w, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    assert session.label_state(row_id, "DM_label").label == "yes"
    assert w.undo_stack.index() == 1 and not session.can_redo


def test_enter_accepts_the_suggestion_and_s_marks_unsure(qtbot: Any, window: Any) -> None:
    w = window
    wait_ready(qtbot, w)
    session = w.session
    row_id = current_row(w)
    predicted = str(session.predicted_label(row_id, "DM_label"))
    assert w.label_bar.suggested() == predicted
    qtbot.keyClick(w, Qt.Key.Key_Return)
    event = session.label_event(row_id, "DM_label")
    assert event.state.label == predicted and event.source == "suggestion"
    next_id = current_row(w)
    assert next_id != row_id
    qtbot.keyClick(w, Qt.Key.Key_S)
    assert session.label_state(next_id, "DM_label").unsure
    assert next_id in session.unsure("DM_label")
    assert current_row(w) not in (row_id, next_id)


def test_switching_the_target(qtbot: Any, window: Any) -> None:
    w = window
    wait_ready(qtbot, w)
    w.target_combo.setCurrentText("HTN_label")
    assert w.controller.target == "HTN_label"
    assert w.table.model.columns[1].key == "HTN_label"
    session = w.session
    labelled = set(session.labels("HTN_label"))
    shown = [session.row_id_at(p) for p in w.suggestion_queue.positions()]
    assert shown and not (set(shown) & labelled)
    row_id = current_row(w)
    qtbot.keyClick(w, Qt.Key.Key_1)
    assert session.label_state(row_id, "HTN_label").label == "no"
    assert session.label_state(row_id, "DM_label").label is None or row_id in session.labels(
        "DM_label"
    )
    assert "HTN_label" in w.counts_label.text()


def test_opening_a_review_item_compares_given_and_suggested(qtbot: Any, window: Any) -> None:
    w = window
    wait_ready(qtbot, w)
    w.docks["review"].raise_()
    qtbot.waitUntil(lambda: "cross-checked" in w.review_queue.status(), timeout=READY_MS)
    positions = w.review_queue.positions()
    assert positions
    w.review_queue.list.setCurrentItem(w.review_queue.list.topLevelItem(0))
    w.deferred.flush()
    entry = w.controller.review[0]
    assert w.controller.current == entry.position and w.controller.active == "review"
    comparison = w.review_queue.comparison
    assert comparison.given.current_class() == str(entry.given)
    assert comparison.suggested.current_class() == str(entry.suggested)
    assert w.label_bar.suggested() == str(entry.suggested)
    row_id = w.session.row_id_at(entry.position)
    qtbot.keyClick(w, Qt.Key.Key_Return)
    assert w.session.label_state(row_id, "DM_label").label == str(entry.suggested)
    assert entry.position not in [e.position for e in w.controller.review]
    w.deferred.flush()  # the list follows after the next sample is painted
    assert entry.position not in w.review_queue.positions()


def test_a_training_result_older_than_the_labels_is_marked_stale(
    qtbot: Any, window: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import app.gui.model_jobs as model_jobs

    w = window
    wait_ready(qtbot, w)
    gate = threading.Event()
    original = model_jobs.train_in_worker

    def gated(client: Any, payload: Any, progress: Any, should_stop: Any) -> Any:
        gate.wait(30)
        return original(client, payload, progress, should_stop)

    monkeypatch.setattr(model_jobs, "train_in_worker", gated)
    # Nothing else in the lane: the retrain starts now, before the label below.
    qtbot.waitUntil(lambda: not w.runner.is_busy(), timeout=READY_MS)
    before = w.jobs.trainings
    w.jobs.retrain_now()
    assert [h.kind for h in w.runner.running()] == ["train"]
    qtbot.keyClick(w, Qt.Key.Key_1)  # a label while the model trains
    gate.set()
    qtbot.waitUntil(lambda: w.jobs.trainings > before, timeout=READY_MS)
    assert w.jobs.last_result_current is False
    assert w.session.model_is_stale("DM_label")
    assert w.model_status.state in ("stale", "training")
    # The queued retrain then brings a current model.
    qtbot.waitUntil(lambda: w.model_status.state == "current", timeout=READY_MS)
    assert w.jobs.last_result_current is True


def test_closing_with_a_worker_running_joins_every_thread(qtbot: Any) -> None:
    w = create_main_window("demo", model_settings=EBMSettings.tiny())
    assert w is not None
    started = threading.Event()

    def endless(progress: Any, should_stop: Any) -> None:
        started.set()
        while not should_stop():
            threading.Event().wait(0.01)

    w.runner.submit("slow", endless, lambda r, c: None)
    assert started.wait(10)
    assert running_threads()
    w.close()
    assert running_threads() == []
    assert not w.runner.is_busy()


def test_layout_target_and_colour_mode_persist(qtbot: Any) -> None:
    from app.gui.settings import load_settings

    w = create_main_window("demo", model_settings=EBMSettings.tiny())
    assert w is not None
    w.target_combo.setCurrentText("CKD_label")
    w.overview.set_color_mode("uncertainty")
    w.docks["model"].hide()
    w.close()
    settings = load_settings()
    assert settings.window_state and settings.geometry

    again = create_main_window("demo", model_settings=EBMSettings.tiny())
    assert again is not None
    try:
        assert again.controller.target == "CKD_label"
        assert again.overview.color_mode() == "uncertainty"
        assert again.docks["model"].isHidden()
        again.reset_layout()
        assert not again.docks["model"].isHidden()
    finally:
        again.close()


def test_a_damaged_layout_falls_back_to_the_default(qtbot: Any) -> None:
    from app.gui.settings import GuiSettings

    bad = GuiSettings(window_state="bm90IGEgc3RhdGU=", geometry="@@@")
    w = create_main_window("demo", settings=bad, model_settings=EBMSettings.tiny())
    assert w is not None
    try:  # every dock of one who labels alone (the team's open on a team project)
        assert all(not d.isHidden() for k, d in w.docks.items() if k not in TEAM_DOCKS)
    finally:
        w.close()


def test_errors_show_one_sentence_in_a_banner(
    qtbot: Any, window: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.core.errors import UserError

    w = window

    def refuse(*_a: Any, **_k: Any) -> None:
        raise UserError(
            "The label database is read-only; copy the project to a folder you can write to."
        )

    monkeypatch.setattr(w.session, "label", refuse)
    before = w.controller.current
    qtbot.keyClick(w, Qt.Key.Key_1)
    assert w.banner.text().startswith("The label database is read-only")
    assert w.controller.current == before  # nothing moved: the label did not happen
    assert w.undo_stack.count() == 0


def test_table_filter_and_sort_are_vectorised_views(qtbot: Any, window: Any) -> None:
    w = window
    table = w.table
    table.filter_edit.setText("age > 60 and sex = F")
    table.apply_filter()
    data = w.session.data
    expected = np.flatnonzero((data["age"] > 60).to_numpy() & (data["sex"] == "F").to_numpy())
    assert sorted(table.visible_positions().tolist()) == expected.tolist()
    column = next(i for i, c in enumerate(table.model.columns) if c.key == "age")
    table._on_header_clicked(column)
    ages = data["age"].to_numpy()[table.visible_positions()]
    assert np.all(np.diff(ages) >= 0)
    table.filter_edit.setText("")
    table.apply_filter()
    assert table.model.rowCount() == w.session.n_rows


def test_keys_work_while_the_queue_has_focus_and_arrows_move_in_it(qtbot: Any, window: Any) -> None:
    w = window
    wait_ready(qtbot, w)
    queue = w.suggestion_queue.list
    assert QApplication.focusWidget() is queue
    positions = w.suggestion_queue.positions()
    qtbot.keyClick(queue, Qt.Key.Key_Down)
    assert w.controller.current == positions[1]
    assert w.sample_view.title() == str(w.session.row_id_at(positions[1]))
    qtbot.keyClick(queue, Qt.Key.Key_Up)
    assert w.controller.current == positions[0]
    row_id = current_row(w)
    qtbot.keyClick(queue, Qt.Key.Key_Return)
    assert w.session.label_event(row_id, "DM_label").source == "suggestion"
    second = current_row(w)
    qtbot.keyClick(queue, Qt.Key.Key_S)
    assert w.session.label_state(second, "DM_label").unsure
    third = current_row(w)
    qtbot.keyClick(queue, Qt.Key.Key_1)
    assert w.session.label_state(third, "DM_label").label == "no"
    # Typing in the table's filter box types; it does not label.
    w.table.filter_edit.setFocus()
    fourth = current_row(w)
    qtbot.keyClick(w.table.filter_edit, Qt.Key.Key_2)
    assert w.table.filter_edit.text() == "2"
    assert w.session.label_state(fourth, "DM_label").label is None


def test_big_data_ranks_suggestions_and_reads_columns_in_workers(
    qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import app.gui.labeling as labeling
    import app.gui.main_window as main_window
    import app.gui.model_jobs as model_jobs

    for module in (labeling, main_window, model_jobs):
        monkeypatch.setattr(module, "BIG", 100)  # the demo's 2,000 rows count as big
    w = create_main_window("demo", model_settings=EBMSettings.tiny())
    assert w is not None
    try:
        wait_ready(qtbot, w)
        qtbot.waitUntil(lambda: not w.runner.is_busy(), timeout=READY_MS)
        w.deferred.flush()
        assert w.presenter.stats is not None
        positions = w.suggestion_queue.positions()
        assert positions and w.controller.current == positions[0]
        row_id = current_row(w)
        qtbot.keyClick(w, Qt.Key.Key_2)
        assert w.session.label_state(row_id, "DM_label").label == "yes"
        assert w.controller.current == positions[1]
        w.docks["review"].raise_()
        qtbot.waitUntil(lambda: "cross-checked" in w.review_queue.status(), timeout=READY_MS)
        _big_rankings_follow_the_newest_model(qtbot, w)
    finally:
        w.close()


def _big_rankings_follow_the_newest_model(qtbot: Any, w: Any) -> None:
    import dataclasses

    from app.core.session_models import TrainingResult

    qtbot.waitUntil(lambda: w.model_status.state == "current", timeout=READY_MS)
    session, target = w.session, w.controller.target
    strategy = session.project.strategy.name
    # A ranking made with a model that was replaced meanwhile is dropped: the newer
    # model's ranking came with it, and the older one must not overwrite it.
    got: list[Any] = []
    w.jobs.request_suggestions(target, 5, strategy, got.append)
    newer = dataclasses.replace(session.model(target))
    session.apply_training(TrainingResult(session.labels_version, {target: newer}))
    qtbot.waitUntil(lambda: not w.runner.result_coming("suggest"), timeout=READY_MS)
    assert got == []
    w.jobs.request_suggestions(target, 5, strategy, got.append)
    qtbot.waitUntil(lambda: len(got) == 1, timeout=READY_MS)
    assert len(got[0]) == 5
    # With no model yet and one on its way, a big pool gets no cold start: the model
    # brings the first ranking.
    session.apply_training(TrainingResult(session.labels_version, {target: None}))
    w.jobs.labels_changed()
    w.controller.refresh_suggestions(keep_current=False)
    assert not w.runner.result_coming("suggest")
    assert w.suggestion_queue.status() == "Waiting for the first model…"
    qtbot.waitUntil(lambda: session.model(target) is not None, timeout=READY_MS)
    qtbot.waitUntil(lambda: w.suggestion_queue.status() == "", timeout=READY_MS)
    reasons = {e.reason for e in w.controller.suggestions}
    assert w.controller.suggestions and "unexplored region" not in reasons


def test_export_writes_the_labels_without_a_dialog(qtbot: Any, window: Any, tmp_path: Any) -> None:
    import pandas as pd

    from app.gui.file_actions import export_to

    w = window
    row_id = current_row(w)
    qtbot.keyClick(w, Qt.Key.Key_2)
    out = tmp_path / "labels.csv"
    export_to(w, str(out))
    frame = pd.read_csv(out)
    assert len(frame) == w.session.n_rows
    assert "Exported" in w.statusBar().currentMessage()
    row = frame[frame["patient_id"] == row_id]
    assert (row["DM_label__label"] == "yes").all()
    assert (row["DM_label__source"] == "human").all()


def test_a_map_selection_filters_the_table_and_a_click_shows_the_sample(
    qtbot: Any, window: Any
) -> None:
    w = window
    wait_ready(qtbot, w)
    qtbot.waitUntil(lambda: w.overview.drawn_point_count() > 0, timeout=READY_MS)
    chosen = np.array([3, 10, 42, 1999])
    w.overview.sig_selection_changed.emit(chosen)
    assert sorted(w.table.visible_positions().tolist()) == chosen.tolist()
    w.overview.sig_selection_changed.emit(np.zeros(0, dtype=np.int64))
    assert w.table.model.rowCount() == w.session.n_rows
    w.overview.sig_point_clicked.emit(42)
    assert w.controller.current == 42 and w.controller.active == "table"
    assert w.sample_view.title() == str(w.session.row_id_at(42))


def test_export_bundle_then_open_it_gives_the_same_session(
    qtbot: Any, window: Any, tmp_path: Any
) -> None:
    from app.gui.bundle_actions import export_bundle_to

    w = window
    wait_ready(qtbot, w)
    w.target_combo.setCurrentText("HTN_label")
    qtbot.keyClick(w, Qt.Key.Key_2)  # a fresh label makes the models stale
    labels = {t: w.session.labels(t) for t in w.session.targets}
    out = tmp_path / "shared.lwbundle"
    export_bundle_to(w, str(out), include_data=True)
    qtbot.waitUntil(out.exists, timeout=READY_MS)  # written once the retrain has finished
    w.close()
    again = create_main_window(out, model_settings=EBMSettings.tiny())
    assert again is not None
    qtbot.addWidget(again)
    try:
        assert {t: again.session.labels(t) for t in again.session.targets} == labels
        assert again.controller.target == "HTN_label"  # the layout travelled with it
        assert again.windowTitle() != ""
    finally:
        again.close()
