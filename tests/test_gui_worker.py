"""The window and its worker process: a kill is survived with no label lost; closing ends it."""

from __future__ import annotations

import os
import signal
from typing import Any

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt

from app.core.session import LabelingSession
from app.gui import create_main_window
from app.gui.workers import running_threads
from app.worker.client import wait_gone
from models.ebm import EBMSettings

READY_MS = 90_000


def _ready(qtbot: Any, w: Any) -> None:
    qtbot.waitUntil(lambda: w.ready and not w.runner.is_busy("train"), timeout=READY_MS)
    w.deferred.flush()


def test_a_killed_worker_is_replaced_and_no_label_is_lost(qtbot: Any) -> None:
    w = create_main_window("demo", model_settings=EBMSettings.tiny())
    assert w is not None
    qtbot.addWidget(w)
    project = w.session.project.path
    target = w.controller.target
    try:
        _ready(qtbot, w)
        first = w.jobs.client.pid
        assert first is not None
        labelled = []
        for key in (Qt.Key.Key_1, Qt.Key.Key_2):
            labelled.append(w.session.row_id_at(w.controller.current))
            qtbot.keyClick(w, key)
        w.jobs.retrain_now()  # the worker is busy with these labels when it dies
        os.kill(first, signal.SIGKILL)
        qtbot.waitUntil(lambda: "SIGKILL" in w.banner.text(), timeout=READY_MS)
        assert "no label was lost" in w.banner.text()
        assert wait_gone(first, 5)
        labelled.append(w.session.row_id_at(w.controller.current))
        qtbot.keyClick(w, Qt.Key.Key_1)  # labelling goes on while the new worker starts
        qtbot.waitUntil(lambda: w.model_status.state == "current", timeout=READY_MS)
        second = w.jobs.client.pid
        assert second not in (None, first)
        model = w.session.model(target)
        assert model is not None and model.n_labels == len(w.session.labels(target))
        expected = {r: w.session.label_state(r, target).label for r in labelled}
        assert None not in expected.values()
    finally:
        w.close()
    assert running_threads() == []
    with LabelingSession.open(project) as again:  # what the log on disk says
        assert {r: again.label_state(r, target).label for r in labelled} == expected


def test_closing_the_window_ends_its_worker(qtbot: Any) -> None:
    w = create_main_window("demo", model_settings=EBMSettings.tiny())
    assert w is not None
    _ready(qtbot, w)
    pid = w.jobs.client.pid
    assert pid is not None and not wait_gone(pid, 0.1)
    w.jobs.retrain_now()  # closing while the worker fits
    w.close()
    assert wait_gone(pid, 10)
    assert running_threads() == []
    assert not w.jobs.client.running
