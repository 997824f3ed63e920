"""The first-open dialog: it proposes the guessed schema and every part of it can be changed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

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


# -- files as people write them ------------------------------------------------------------
def _kind_shown(dialog: SetupDialog, column: str) -> str:
    """What the kinds table shows for ``column`` (its drop-down's text)."""
    return dialog.kinds.word(column)


def _preview_header(dialog: SetupDialog) -> list[str]:
    model = dialog.preview.model()
    return [str(model.headerData(c, Qt.Orientation.Horizontal)) for c in range(model.columnCount())]


def _feature_texts(dialog: SetupDialog) -> list[str]:
    return [dialog.features.item(i).text() for i in range(dialog.features.count())]


def test_a_workbook_offers_its_sheets_and_the_project_keeps_the_chosen_one(
    qtbot: Any, tmp_path: Path
) -> None:
    from app.core.session import LabelingSession
    from tests.real_files import workbook

    path = workbook(tmp_path)
    dialog = SetupDialog.for_file(path)
    qtbot.addWidget(dialog)
    sheets = [dialog.sheet_combo.itemText(i) for i in range(dialog.sheet_combo.count())]
    assert sheets == ["Notizen", "Messungen"] and dialog.sheet_combo.isVisibleTo(dialog)
    assert dialog.sheet() == "Notizen"  # the first sheet with cells, as loading chooses
    assert "2 sheets" in dialog.notes.text()

    dialog.sheet_combo.setCurrentText("Messungen")
    assert dialog.sheet() == "Messungen"
    assert "178 rows" in dialog.preview_title.text()
    header = _preview_header(dialog)
    assert "Alkohol (%)\nnumber" in header and "Sorte\ncategory" in header
    assert dialog.preview.model().index(0, 1).data() == "W001"
    assert dialog.proposed_target() == "Sorte"
    schema = dialog.schema()
    assert schema.target_names == ["Sorte"]
    assert schema.target("Sorte").classes == ["Barbera", "Barolo", "Grignolino"]

    with LabelingSession.create(path, schema, sheet=dialog.sheet()) as session:
        assert session.project.data_sheet == "Messungen"
        assert session.n_rows == 178
        project = session.project.path
    with LabelingSession.open(project) as again:
        assert again.project.data_sheet == "Messungen" and again.n_rows == 178


def test_a_european_csv_shows_numbers_and_proposes_the_label_column(
    qtbot: Any, tmp_path: Path
) -> None:
    from tests.real_files import european_csv

    dialog = SetupDialog.for_file(european_csv(tmp_path))
    qtbot.addWidget(dialog)
    assert not dialog.sheet_combo.isVisibleTo(dialog)
    assert _kind_shown(dialog, "Alkohol (%)") == "number"
    assert _kind_shown(dialog, "Farbintensität") == "number"
    assert _kind_shown(dialog, "Probe") == "text"
    assert dialog.preview.model().index(0, 2).data() == "14.23"  # 14,23 read as a number
    assert dialog.proposed_target() == "Sorte"
    assert "Sorte  (proposed)" in [
        dialog.targets.item(i).text() for i in range(dialog.targets.count())
    ]
    features = dialog.schema().target("Sorte").features
    assert len(features) == 10 and "Alkohol (%)" in features


def test_a_csv_with_a_bom_and_non_ascii_names_reports_classes_spelled_two_ways(
    qtbot: Any, tmp_path: Path
) -> None:
    from tests.real_files import bom_csv

    dialog = SetupDialog.for_file(bom_csv(tmp_path))
    qtbot.addWidget(dialog)
    columns = [dialog.kinds.item(r, 0).text() for r in range(dialog.kinds.rowCount())]
    assert "Probe" in columns and "Äpfelsäure" in columns  # no BOM in the first name
    assert not any("\ufeff" in c for c in columns)
    assert dialog.proposed_target() == "Gekauft?"
    notes = dialog.notes.text()
    assert "“Gekauft?”" in notes and "case or spaces" in notes
    for spelling in ("“JA”", "“Ja”", "“ja ”"):
        assert spelling in notes
    assert "“Probe” has a different value in every row" in notes
    dialog.set_kind("Probe", "id")  # as the note suggests
    assert dialog.id_combo.currentText() == "Probe"
    assert "different value in every row" not in dialog.notes.text()
    # With the target unticked, the case note goes too.
    item = next(
        dialog.targets.item(i)
        for i in range(dialog.targets.count())
        if dialog.targets.item(i).text().startswith("Gekauft?")
    )
    item.setCheckState(Qt.CheckState.Unchecked)
    assert "case or spaces" not in dialog.notes.text()


def test_an_image_column_is_never_a_target_and_kinds_can_be_changed(
    qtbot: Any, tmp_path: Path
) -> None:
    from tests.real_files import png_folder

    dialog = SetupDialog.for_file(png_folder(tmp_path))
    qtbot.addWidget(dialog)
    assert dialog.image_combo.currentText() == "file"
    assert _kind_shown(dialog, "file") == "image"
    assert _kind_shown(dialog, "scan_id") == "id"
    assert "file" not in dialog.target_names() and "scan_id" not in dialog.target_names()
    assert dialog.proposed_target() == "digit"
    assert dialog.schema().target("digit").classes == [str(d) for d in range(10)]

    # Through the drop-down as the user would: "ink" is set aside, "width" is a category.
    dialog.kinds.choose("ink", "ignore")
    dialog.kinds.choose("width", "category")
    assert not any(t.startswith("ink") for t in _feature_texts(dialog))
    assert "width  ·  category" in _feature_texts(dialog)
    assert "ink\nignore" in _preview_header(dialog)
    schema = dialog.schema()
    assert schema.column_kinds["ink"] == "ignore" and "ink" not in schema.target("digit").features
    assert schema.column_kinds["width"] == "categorical"

    # The id column keeps its kind until another column is the id.
    dialog.kinds.choose("scan_id", "number")
    assert "id column" in dialog.error.text() and _kind_shown(dialog, "scan_id") == "id"
    dialog.image_combo.setCurrentText("(none)")
    assert _kind_shown(dialog, "file") == "text" and dialog.schema().image_column is None
    dialog.kinds.choose("file", "image")
    assert dialog.image_combo.currentText() == "file" and dialog.schema().image_column == "file"

    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted
    from app.core.session import LabelingSession

    with LabelingSession.create(tmp_path / "scans.csv", dialog.schema()) as session:
        assert session.schema.image_column == "file"
        assert session.schema.column_kinds["ink"] == "ignore"
        assert session.features("digit") == ["width"]


def test_a_wide_table_says_how_many_features_it_starts_with_and_offers_all(
    qtbot: Any, tmp_path: Path
) -> None:
    from tests.real_files import wide_csv

    dialog = SetupDialog.for_file(wide_csv(tmp_path))
    qtbot.addWidget(dialog)
    assert dialog.width_box.isVisibleTo(dialog)
    assert "100 columns" in dialog.width_text.text()
    assert dialog.use_informative.text() == "Use the 64 most informative"
    assert dialog.use_all.text() == "Use all 100 (slow)"
    assert len(dialog.schema().target("label").features) == 64
    assert {"m000", "m001", "m002", "m003", "m004"} <= set(dialog.schema().target("label").features)
    dialog.use_all.setChecked(True)
    assert len(dialog.schema().target("label").features) == 100
    assert "100 features" in dialog.classes_label.text()
    dialog.use_informative.setChecked(True)
    assert len(dialog.schema().target("label").features) == 64


def test_a_narrow_table_has_no_width_choice(qtbot: Any, data_file: Path) -> None:
    dialog = SetupDialog.for_file(data_file)
    qtbot.addWidget(dialog)
    assert not dialog.width_box.isVisibleTo(dialog)


def test_the_window_creates_a_workbook_project_on_the_chosen_sheet(
    qtbot: Any, tmp_path: Path
) -> None:
    """The whole first open: the dialog appears, the user picks a sheet, the window opens."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from app.gui import create_main_window
    from tests.real_files import workbook

    path = workbook(tmp_path)
    seen: list[str] = []

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, SetupDialog):
            QTimer.singleShot(50, answer)
            return
        seen.append(dialog.sheet() or "")
        dialog.sheet_combo.setCurrentText("Messungen")
        dialog.accept()

    QTimer.singleShot(0, answer)
    window = create_main_window(path, interactive=True, model_settings=EBMSettings.tiny())
    assert window is not None
    try:
        assert seen == ["Notizen"]
        assert window.session.project.data_sheet == "Messungen"
        assert window.session.targets == ["Sorte"]
        assert window.label_bar.classes() == ["Barbera", "Barolo", "Grignolino"]
    finally:
        window.close()
