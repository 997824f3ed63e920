"""The first-open dialog: it proposes the guessed schema and every part of it can be changed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt

from app.core.opening import guess_schema, needs_setup
from app.gui.setup_dialog import SetupDialog
from models.ebm import EBMSettings


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    n = 120
    frame = pd.DataFrame(
        {
            "record_id": [f"R{i:03d}" for i in range(n)],
            "age": rng.integers(20, 80, n),
            "weight": rng.normal(70, 10, n).round(1),
            "city": rng.choice(["north", "south", "east"], n),
            "label": [("sick" if i % 3 else "well") if i < 30 else None for i in range(n)],
            "grade": [("high" if i % 2 else "low") if i < 20 else None for i in range(n)],
        }
    )
    path = tmp_path / "records.csv"
    frame.to_csv(path, index=False)
    return path


def _item(widget: Any, text: str) -> Any:
    for i in range(widget.count()):
        item = widget.item(i)
        if item.text() == text or item.text().startswith(text + " "):
            return item
    raise AssertionError(f"{text} not in the list")


def test_the_dialog_proposes_the_guess_and_lets_the_user_change_it(
    qtbot: Any, data_file: Path
) -> None:
    data, schema = guess_schema(data_file)
    dialog = SetupDialog(data, schema, data_file.name)
    qtbot.addWidget(dialog)
    assert dialog.id_combo.currentText() == schema.id_column == "record_id"
    assert dialog.schema().target_names == schema.target_names == ["label"]

    _item(dialog.targets, "grade").setCheckState(Qt.CheckState.Checked)  # a second target
    assert dialog.schema().target_names == ["label", "grade"]
    grade_features = dialog.schema().target("grade").features
    assert "age" in grade_features and "label" not in grade_features

    dialog.targets.setCurrentItem(_item(dialog.targets, "label"))
    _item(dialog.features, "weight").setCheckState(Qt.CheckState.Unchecked)
    _item(dialog.features, "grade").setCheckState(Qt.CheckState.Checked)  # chain on grade
    dialog.extra_classes.setText("unknown")
    dialog.extra_classes.editingFinished.emit()
    edited = dialog.schema()
    label = edited.target("label")
    assert "weight" not in label.features and "age" in label.features
    assert label.uses_targets == ["grade"]
    assert label.classes == ["sick", "unknown", "well"]
    edited.validate([str(c) for c in data.columns])


def test_a_cycle_is_refused_with_one_sentence(qtbot: Any, data_file: Path) -> None:
    data, schema = guess_schema(data_file)
    dialog = SetupDialog(data, schema, data_file.name)
    qtbot.addWidget(dialog)
    _item(dialog.targets, "grade").setCheckState(Qt.CheckState.Checked)
    _item(dialog.features, "label").setCheckState(Qt.CheckState.Checked)  # grade uses label
    dialog.targets.setCurrentItem(_item(dialog.targets, "label"))
    _item(dialog.features, "grade").setCheckState(Qt.CheckState.Checked)  # and label uses grade
    dialog.accept()
    assert dialog.result() == 0
    assert "cycle" in dialog.error.text()


def test_a_new_data_file_opens_in_a_window_with_the_guessed_schema(
    qtbot: Any, data_file: Path
) -> None:
    from app.gui import create_main_window

    assert needs_setup(data_file)
    window = create_main_window(data_file, interactive=False, model_settings=EBMSettings.tiny())
    assert window is not None
    try:
        assert window.session.targets == ["label"]
        assert not window.target_combo.isVisibleTo(window)  # one target: no selector
        assert window.label_bar.classes() == ["sick", "well"]
        assert window.controller.current is not None
    finally:
        window.close()
    assert not needs_setup(data_file)
