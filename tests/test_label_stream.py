"""One stream of label changes: the session publishes, views and jobs listen.

Headless, every change (label, unsure, undo, redo, a class renamed) is published
once, after it is on disk. In the window, a label that did not come from a key
(a colleague's, an import) reaches the table, the counts and the model jobs
through the stream alone, also when it is published from another thread.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.core.label_changes import CLASSES, LABEL, LabelChange
from app.core.session import LabelingSession
from tests.datasets import mixed_file


@pytest.fixture
def session(tmp_path: Path) -> Iterator[LabelingSession]:
    s = LabelingSession.open(mixed_file(tmp_path), ["a_label", "b_label"])
    yield s
    s.close()


def test_every_change_is_published_once_after_it_is_written(session: LabelingSession) -> None:
    seen: list[tuple[Any, ...]] = []

    def record(change: LabelChange) -> None:
        # Published after the commit: the store already says what the change says.
        if change.kind == LABEL:
            assert session.store.state(change.row, change.target) == change.state
        assert change.labels_version == session.labels_version
        state = change.state
        seen.append(
            (
                change.kind,
                change.target,
                change.row,
                None if state is None else (state.label, state.unsure),
                change.source,
            )
        )

    unsubscribe = session.changes.subscribe(record)
    row = session.row_ids()[3]
    key = str(row)
    session.label(row, "a_label", "pos")
    session.mark_unsure(row, "a_label")
    session.undo()
    session.redo()
    session.rename_class("a_label", "pos", "positive")
    session.undo()
    assert seen == [
        (LABEL, "a_label", key, ("pos", False), "human"),
        (LABEL, "a_label", key, ("pos", True), "human"),
        (LABEL, "a_label", key, ("pos", False), "undo"),
        (LABEL, "a_label", key, ("pos", True), "redo"),
        (CLASSES, "a_label", None, None, "class"),
        (CLASSES, "a_label", None, None, "class"),
    ]
    assert seen[0][2] is not None and session.position(row) == 3
    unsubscribe()
    session.label(row, "b_label", "neg")
    assert len(seen) == 6


def test_a_failing_listener_does_not_stop_the_others(
    session: LabelingSession, caplog: pytest.LogCaptureFixture
) -> None:
    got: list[LabelChange] = []

    def broken(_change: LabelChange) -> None:
        raise RuntimeError("a broken view")

    session.changes.subscribe(broken)
    session.changes.subscribe(got.append)
    session.label(session.row_ids()[0], "a_label", "neg")
    assert len(got) == 1 and got[0].position == 0
    assert "broken view" in caplog.text
    assert session.label_state(session.row_ids()[0], "a_label").label == "neg"


pytest.importorskip("pytestqt")


@pytest.fixture
def window(qtbot: Any) -> Iterator[Any]:
    from app.gui import create_main_window
    from app.gui.workers import running_threads
    from models.ebm import EBMSettings

    w = create_main_window("demo", model_settings=EBMSettings.tiny())
    assert w is not None
    qtbot.addWidget(w)
    yield w
    w.close()
    assert running_threads() == []


def _label_cell(w: Any, position: int) -> Any:
    column = next(i for i, c in enumerate(w.table.model.columns) if c.kind == "label")
    return w.table.model.index(w.table.model.view_row(position), column).data()


def test_a_label_from_elsewhere_reaches_table_counts_and_jobs_through_the_stream(
    qtbot: Any, window: Any
) -> None:
    w = window
    session = w.session
    target = w.controller.target
    position = 11
    assert _label_cell(w, position) == "—"
    before = w.counts_label.text()
    row = session.row_id_at(position)
    session.label(row, target, "yes", annotator="colleague", source="import")
    assert _label_cell(w, position) == "yes"  # inside the same call: the table listens
    assert w.jobs._debounce.isActive()  # a retrain is on its way
    w.deferred.flush()
    assert w.counts_label.text() != before
    assert w.label_views.label_codes(target)[position] == 1  # the map's colour code


def test_a_change_published_off_the_gui_thread_is_shown_on_it(qtbot: Any, window: Any) -> None:
    w = window
    session = w.session
    target = w.controller.target
    position = 12
    row = session.row_id_at(position)
    gui_thread = threading.current_thread()
    threads: list[threading.Thread] = []
    w.stream.sig_changed.connect(lambda _c: threads.append(threading.current_thread()))
    # Written straight to the store, as a sync with a shared store would; the news of it
    # comes from that sync's thread.
    key = str(row)
    session.store.append(key, target, "no", annotator="colleague", source="import")
    assert _label_cell(w, position) == "—"
    sender = threading.Thread(target=session.publish_label, args=(key, target, "import"))
    sender.start()
    sender.join()
    qtbot.waitUntil(lambda: _label_cell(w, position) == "no", timeout=5000)
    assert threads and all(t is gui_thread for t in threads)
