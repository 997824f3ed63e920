"""The window's help, recent files, annotator name, filter hint and panels that must not clip.

Every project is a real file written by the test (the European CSV of wines, the
digits); dialogs are answered the way a user would, through their widgets.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from app.gui import create_main_window
from app.gui.annotator_dialog import AnnotatorDialog, annotator_status, choose_annotator
from app.gui.help_dialog import (
    BUILT_IN_GUIDE,
    README,
    readme_guide,
    shortcut_rows,
    show_quick_guide,
    show_shortcuts,
)
from app.gui.settings import GuiSettings, load_settings, save_settings, settings_path
from app.gui.workers import running_threads
from models.ebm import EBMSettings
from tests.real_files import digits_csv, european_csv


@pytest.fixture
def wine(qtbot: Any, tmp_path: Path) -> Iterator[Any]:
    w = create_main_window(
        european_csv(tmp_path),
        interactive=False,
        annotator="Ada",
        model_settings=EBMSettings.tiny(),
    )
    assert w is not None
    qtbot.addWidget(w)
    yield w
    w.close()
    assert running_threads() == []


def _answer(fill: Any) -> dict[str, bool]:
    """Answer the next modal dialog with ``fill(dialog)`` once it is up.

    Set the returned ``["on"]`` to False to stop waiting for one.
    """
    state = {"on": True}

    def attempt() -> None:
        if not state["on"]:
            return
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(20, attempt)
            return
        state["on"] = False
        fill(dialog)

    QTimer.singleShot(0, attempt)
    return state


# -- Help -------------------------------------------------------------------------------------
def test_keyboard_shortcuts_list_every_key_of_the_window(qtbot: Any, wine: Any) -> None:
    w = wine
    dialog = show_shortcuts(w)
    qtbot.addWidget(dialog)
    keyed = {
        a.text().replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…")
        for a in w.actions()
        if a.shortcuts() and a.isVisible()
    }
    listed = {r.text for r in dialog.rows}
    assert keyed <= listed, keyed - listed
    assert dialog.key_for("Find class") == "C  or  /"
    assert dialog.key_for("Label as Barbera") == "1"  # named after the target's classes
    assert dialog.key_for("Keyboard shortcuts") == "F1"
    cells = [dialog.table.item(r, 1) for r in range(dialog.table.rowCount())]
    shown = [c.text() for c in cells if c is not None]  # headings span both columns
    assert "Accept suggestion" in shown and "Mark unsure" in shown

    # A key added or changed anywhere shows up the next time the view opens.
    extra = QAction("Jump to the map", w)
    extra.setShortcut(QKeySequence("Ctrl+M"))
    w.addAction(extra)
    w.actions_.retrain.setShortcut(QKeySequence("F9"))
    rows = {r.text: r.keys for r in shortcut_rows(w)}
    assert rows["Jump to the map"] == "Ctrl+M" and rows["Retrain now"] == "F9"


def test_the_quick_guide_is_the_readme_section_and_the_built_in_copy_matches(
    qtbot: Any, wine: Any, tmp_path: Path
) -> None:
    guide = readme_guide()
    assert guide is not None and guide.startswith("## Using it")
    assert "class picker" in guide
    assert guide == BUILT_IN_GUIDE, (
        "README.md's 'Using it' section changed: copy it into BUILT_IN_GUIDE in "
        "app/gui/help_dialog.py so packaged builds show the same guide"
    )
    assert readme_guide(tmp_path / "missing.md") is None  # a packaged build: the copy
    dialog = show_quick_guide(wine)
    qtbot.addWidget(dialog)
    text = dialog.browser.toPlainText()
    assert "Quick guide" in text and "Open Recent" in text
    assert README.name == "README.md"


def test_the_help_menu_has_keys_guide_and_about(wine: Any) -> None:
    menus = {a.text(): a.menu() for a in wine.menuBar().actions()}
    help_items = [a.text() for a in menus["&Help"].actions() if not a.isSeparator()]
    assert help_items == ["&Keyboard shortcuts", "&Quick guide", "&About Labelwright"]


# -- Open Recent ------------------------------------------------------------------------------
def _recent_entries(w: Any) -> list[QAction]:
    file_menu = next(a.menu() for a in w.menuBar().actions() if a.text() == "&File")
    recent = next(a.menu() for a in file_menu.actions() if a.text() == "Open &Recent")
    recent.aboutToShow.emit()
    return [a for a in recent.actions() if not a.isSeparator()]


def test_open_recent_lists_absolute_paths_and_marks_missing_files(
    qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gone = tmp_path / "gone" / "old.lwproj"
    settings = GuiSettings()
    settings.remember(str(gone))
    monkeypatch.chdir(tmp_path)
    digits_csv(tmp_path, n_rows=120, labels_per_class=2)
    w = create_main_window(
        "digits.csv",  # relative, as typed in a terminal
        settings=settings,
        interactive=False,
        model_settings=EBMSettings.tiny(),
    )
    assert w is not None
    qtbot.addWidget(w)
    try:
        project = str(tmp_path / "digits.lwproj")
        assert settings.recent == [project, str(gone)]
        entries = _recent_entries(w)
        texts = [a.text() for a in entries]
        assert texts[0] == f"&1  {project}" and entries[0].isEnabled()
        assert texts[1] == f"&2  {gone}   (missing)" and not entries[1].isEnabled()
        remove = next(a for a in entries if a.text().startswith("Remove missing"))
        assert remove.text() == "Remove missing files (1)" and remove.isEnabled()
        remove.trigger()
        assert settings.recent == [project]
        assert load_settings().recent == [project]  # saved at once
        assert _recent_entries(w)[0].text() == f"&1  {project}"
    finally:
        w.close()


# -- Annotator --------------------------------------------------------------------------------
def test_the_annotator_is_recorded_with_every_label_and_shown(qtbot: Any, wine: Any) -> None:
    w = wine
    assert w.session.annotator == "Ada"
    status = annotator_status(w)
    assert status is not None and status.text() == "Annotator: Ada"
    row_id = w.session.row_id_at(w.controller.current)
    w.controller.label_index(1)
    assert w.session.label_event(row_id, "Sorte").annotator == "Ada"
    out = Path(w.session.project.path).with_name("export.csv")
    w.session.export(out)
    text = out.read_text(encoding="utf-8")
    assert "Ada" in text


def test_the_name_is_asked_once_kept_and_explicit_names_win(qtbot: Any) -> None:
    settings = GuiSettings()
    asked: list[str] = []

    def ask() -> str | None:
        dialog = AnnotatorDialog()
        qtbot.addWidget(dialog)
        ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
        assert not ok.isEnabled()  # an empty name cannot be recorded
        dialog.name_edit.setText("  Dr. Bo\tChen  ")  # pasted, with a tab inside
        assert ok.isEnabled()
        asked.append(dialog.name())
        return dialog.name()

    assert choose_annotator(None, settings, asking=False, ask=ask) == ""  # tests, screenshots
    assert asked == []
    assert choose_annotator(None, settings, asking=True, ask=ask) == "Dr. Bo Chen"
    assert settings.annotator == "Dr. Bo Chen"
    assert load_settings().annotator == "Dr. Bo Chen"
    assert choose_annotator(None, settings, asking=True, ask=ask) == "Dr. Bo Chen"
    assert len(asked) == 1  # once
    assert choose_annotator("Eve", settings, asking=True, ask=ask) == "Eve"
    assert settings.annotator == "Dr. Bo Chen"  # an explicit name is for that window only


def test_a_window_uses_the_saved_name_and_the_menu_changes_it(qtbot: Any, tmp_path: Path) -> None:
    from app.core.session import LabelingSession

    save_settings(GuiSettings(annotator="Bo"))
    path = digits_csv(tmp_path, n_rows=120, labels_per_class=2)
    LabelingSession.open(path, ["label"]).close()  # the project exists: no setup dialog
    seen: list[str] = []
    guard = _answer(lambda d: (seen.append(type(d).__name__), d.reject()))  # nothing asks
    w = create_main_window(path, interactive=True, model_settings=EBMSettings.tiny())
    assert w is not None
    qtbot.addWidget(w)
    try:
        qtbot.wait(100)
        guard["on"] = False
        assert seen == []
        assert w.session.annotator == "Bo"

        def rename(dialog: Any) -> None:
            assert isinstance(dialog, AnnotatorDialog)
            assert dialog.name_edit.text() == "Bo"
            dialog.name_edit.setText("Bo Chen")
            dialog.accept()

        _answer(rename)
        w.actions_.annotator.trigger()
        assert w.session.annotator == "Bo Chen"
        assert annotator_status(w).text() == "Annotator: Bo Chen"
        assert json.loads(settings_path().read_text())["annotator"] == "Bo Chen"
        row_id = w.session.row_id_at(w.controller.current)
        w.controller.label_index(0)
        assert w.session.label_event(row_id, "label").annotator == "Bo Chen"
    finally:
        w.close()


def test_a_first_start_offscreen_never_waits_for_a_name(qtbot: Any, tmp_path: Path) -> None:
    seen: list[str] = []
    guard = _answer(lambda d: (seen.append(type(d).__name__), d.reject()))
    path = digits_csv(tmp_path, n_rows=120, labels_per_class=2)
    w = create_main_window(path, interactive=False, model_settings=EBMSettings.tiny())
    assert w is not None
    qtbot.addWidget(w)
    try:
        qtbot.wait(100)
        guard["on"] = False
        assert w.session.annotator == ""
        assert annotator_status(w).text() == "Annotator: not set"
        assert "AnnotatorDialog" not in seen
    finally:
        w.close()


# -- The table, the model panel and the label bar ---------------------------------------------
def test_the_filter_hint_uses_the_open_projects_columns(wine: Any) -> None:
    hint = wine.table.filter_hint()
    assert "Alkohol (%) > 13" in hint
    assert "Sorte = Barbera" in hint and "unlabelled" in hint
    assert "DM_label" not in hint and "age > 60" not in hint
    assert "Probe =" not in hint  # every sample has its own name: no example to filter by
    assert wine.table.filter_edit.placeholderText() == hint


def test_importances_of_64_pixels_fit_the_panel_without_overlap(qtbot: Any) -> None:
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QFontMetrics, QFontMetricsF

    from widgets import palette
    from widgets.model_panel import ModelPanel
    from widgets.value_labels import ValueLabels

    panel = ModelPanel()
    qtbot.addWidget(panel)
    panel.resize(300, 330)
    panel.show()
    items = [(f"pixel_{r}_{c}", 0.3 - 0.004 * (8 * r + c)) for r in range(8) for c in range(8)]
    panel.set_importances(items)
    qtbot.waitExposed(panel)
    view = panel.importance_plot().getPlotItem().getViewBox()
    line = QFontMetrics(palette.font(palette.TICK_PT)).height()

    def laid_out() -> None:
        names = panel.importance_names()
        more = int(panel.importance_note().removeprefix("+").removesuffix(" more"))
        assert 3 <= len(names) < 20 and len(names) + more == 64
        rows = len(names) + 1  # the "+k more" line
        assert view.height() / rows >= line  # one label line per row: no overlap
        right = view.sceneBoundingRect().right()
        values = panel.importance_values()
        assert [v.text for v in values] == [f"{v:.3f}" for _, v in items[: len(names)]]
        metrics = QFontMetricsF(palette.font(palette.TICK_PT - 1))
        for label in values:  # values are not clipped
            at = view.mapViewToScene(QPointF(label.x, label.y)).x()
            assert at + ValueLabels.GAP_PX + metrics.horizontalAdvance(label.text) <= right + 1

    qtbot.waitUntil(laid_out)

    panel.resize(300, 900)  # a taller panel shows more terms
    qtbot.waitUntil(lambda: len(panel.importance_names()) == 20)  # and the "+44 more" row
    assert panel.importance_note() == "+44 more"


def test_the_model_panel_tab_titles_are_whole_when_narrow(qtbot: Any) -> None:
    from widgets.model_panel import ModelPanel

    panel = ModelPanel()
    qtbot.addWidget(panel)
    panel.resize(220, 300)
    panel.show()
    qtbot.waitExposed(panel)
    bar = panel._tabs.tabBar()
    for i in range(bar.count()):
        assert bar.tabRect(i).width() >= bar.fontMetrics().horizontalAdvance(bar.tabText(i))


def test_the_undo_button_keeps_its_size_and_names_the_step(qtbot: Any, wine: Any) -> None:
    w = wine
    button = w.label_bar.undo_button
    before = button.sizeHint()
    assert button.text() == "Undo" and not button.isEnabled()
    w.controller.label_index(0)
    assert button.isEnabled() and button.text() == "Undo"
    assert button.sizeHint() == before
    assert "Label" in button.toolTip() and "Ctrl+Z" in button.toolTip()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert w.undo_stack.index() == 0 and w.label_bar.redo_button.isEnabled()
