"""Class names, feature names and file names are shown as text, never run as markup;
and a table with thousands of columns opens and trains like a small one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("pytestqt")

from PySide6 import QtGui
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QAbstractButton, QLabel

from app.gui import create_main_window
from app.gui.workers import running_threads
from models.ebm import EBMSettings

EVIL_CLASS = "<b>HTML</b>"
EVIL_FEATURE = "<img src=x>"


def _shown(label: QLabel) -> str:
    """What a person sees in a label: its text, or the text its markup renders to."""
    if label.textFormat() == Qt.TextFormat.PlainText:
        return label.text()
    if label.textFormat() == Qt.TextFormat.AutoText and not QtGui.Qt.mightBeRichText(label.text()):
        return label.text()
    doc = QTextDocument()
    doc.setHtml(label.text())
    return doc.toPlainText()


@pytest.fixture
def evil_window(qtbot: Any, tmp_path: Path) -> Any:
    rng = np.random.default_rng(0)
    n = 120
    x = rng.normal(size=n)
    frame = pd.DataFrame(
        {
            "id": range(n),
            EVIL_FEATURE: x,
            "z": rng.normal(size=n),
            "label": np.where(x > 0, EVIL_CLASS, "<i>plain</i>"),
        }
    )
    frame.loc[40:, "label"] = None
    data = tmp_path / "evil.csv"
    frame.to_csv(data, index=False)
    w = create_main_window(data, model_settings=EBMSettings.tiny(), interactive=False)
    assert w is not None
    qtbot.addWidget(w)
    yield w
    w.close()
    assert running_threads() == []


def test_user_text_is_never_rendered_as_markup(qtbot: Any, evil_window: Any) -> None:
    w = evil_window
    qtbot.waitUntil(lambda: w.ready and not w.runner.is_busy("train"), timeout=90_000)
    w.deferred.flush()
    row = next(r for r, v in w.session.labels("label").items() if v == EVIL_CLASS)
    w.controller.pick("table", w.session.position(row))
    w.deferred.flush()
    texts = [_shown(label) for label in w.findChildren(QLabel) if label.text()]
    # The class name shows with its angle brackets in the label bar and the sample view.
    assert any(EVIL_CLASS in t for t in texts), texts
    buttons = [b.text() for b in w.findChildren(QAbstractButton)]
    assert any(EVIL_CLASS in b for b in buttons)
    for label in w.findChildren(QLabel):
        if label.textFormat() != Qt.TextFormat.PlainText and label.text():
            doc = QTextDocument()
            doc.setHtml(label.text())
            assert "<img" not in label.text().lower(), label.text()
            assert doc.toPlainText().count("HTML") == label.text().count("HTML")
    # Axis labels are HTML in pyqtgraph: the feature name must arrive escaped.
    w.presenter.show_shape(EVIL_FEATURE, "label", w.controller.current)
    axis = w.shape._plot.getAxis("bottom").labelText
    assert "&lt;img" in axis and "<img" not in axis


def test_a_table_with_thousands_of_columns_opens_and_trains(qtbot: Any, tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    n, width = 80, 2000
    values = rng.normal(size=(n, width)).round(3)
    frame = pd.DataFrame(values, columns=[f"f{i}" for i in range(width)])
    frame.insert(0, "id", range(n))
    frame["label"] = np.where(values[:, 3] > 0, "a", "b").astype(object)
    frame.loc[30:, "label"] = None
    data = tmp_path / "wide.csv"
    frame.to_csv(data, index=False)
    w = create_main_window(data, model_settings=EBMSettings.tiny(), interactive=False)
    assert w is not None
    qtbot.addWidget(w)
    try:
        features = w.session.features("label")
        assert len(features) == 64 and "f3" in features  # the informative column is kept
        assert any("learns from 64 of the 2,000 feature columns" in n for n in w.session.notes)
        qtbot.waitUntil(lambda: w.ready and not w.runner.is_busy("train"), timeout=120_000)
        assert w.session.model("label") is not None
        assert w.table.model.columnCount() < 100
    finally:
        w.close()
    assert running_threads() == []


def test_what_opening_noticed_is_shown_in_the_window(qtbot: Any, tmp_path: Path) -> None:
    import os

    from app.core.session import LabelingSession

    frame = pd.DataFrame({"id": range(30), "x": range(30), "label": ["a", "b"] * 15})
    data = tmp_path / "d.csv"
    frame.to_csv(data, index=False)
    LabelingSession.open(data, ["label"]).close()
    frame.iloc[:25].to_csv(data, index=False)
    st = data.stat()
    os.utime(data, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))
    w = create_main_window(data, model_settings=EBMSettings.tiny(), interactive=False)
    assert w is not None
    qtbot.addWidget(w)
    try:
        shown = w.banner.text()
        assert "changed since the project last opened it" in shown
        assert "5 removed" in shown and "no longer in d.csv" in shown
    finally:
        w.close()
    assert running_threads() == []
