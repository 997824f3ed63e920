"""The model panel shows whether predictions have stabilized and the estimated accuracy."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt

from app.gui import create_main_window
from app.gui.workers import running_threads
from models.ebm import EBMSettings
from widgets.model_panel import ModelPanel

READY_MS = 90_000


def test_panel_shows_the_stop_signal_and_the_accuracy(qtbot: Any) -> None:
    panel = ModelPanel()
    qtbot.addWidget(panel)
    panel.show()
    panel.set_stop_signal("Predictions have been stable for 3 rounds (κ ≥ 0.99).", True)
    assert panel.stop_advised() and "stable for 3 rounds" in panel.stop_text()
    panel.set_accuracy(0.912, 0.87, 0.94, 180)
    assert panel.accuracy_text() == (
        "Estimated accuracy 91% (95% interval 87%–94%, from 180 labels cross-validated)"
    )
    panel.set_accuracy(0.97, 0.95, 0.99, 180, rows=1820)
    assert panel.accuracy_text().startswith("Estimated accuracy on the 1,820 unlabelled rows 97%")
    panel.clear()
    assert panel.stop_text() == "" and panel.accuracy_text() == "" and not panel.stop_advised()


@pytest.fixture
def window(qtbot: Any) -> Iterator[Any]:
    w = create_main_window("demo", model_settings=EBMSettings.tiny())
    assert w is not None
    qtbot.addWidget(w)
    yield w
    w.close()
    assert running_threads() == []


def test_labelling_a_batch_gives_a_kappa_and_the_curve_an_estimate(qtbot: Any, window: Any) -> None:
    w = window
    w.session.project.strategy.batch = 3  # a round is one batch of labels; keep it short
    w.show()
    w.docks["model"].raise_()
    target = w.controller.target
    qtbot.waitUntil(lambda: target in w.jobs.stops, timeout=READY_MS)
    monitor = w.jobs.stops[target]
    assert len(monitor.rounds) == 1 and monitor.rounds[0].kappa is None
    assert monitor.step == 3
    start = monitor.rounds[0].labels
    for _ in range(monitor.step):
        qtbot.keyClick(w, Qt.Key.Key_1)
    qtbot.waitUntil(lambda: len(monitor.rounds) == 2, timeout=READY_MS)
    assert monitor.rounds[1].labels >= start + monitor.step
    kappa = monitor.rounds[1].kappa
    assert kappa is not None and -1.0 <= kappa <= 1.0
    w.deferred.flush()
    qtbot.waitUntil(lambda: "κ" in w.model_panel.stop_text(), timeout=READY_MS)
    # The estimate is the new model's: the curve follows each model, not only the first.
    labelled = monitor.rounds[1].labels
    qtbot.waitUntil(
        lambda: f"from {labelled} labels" in w.model_panel.accuracy_text(), timeout=READY_MS
    )
    assert w.model_panel.accuracy_text().startswith("Estimated accuracy")
