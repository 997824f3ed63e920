"""The GUI settings file: typed, versioned, written atomically, tolerant of damage."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.gui.settings import SETTINGS_VERSION, GuiSettings, load_settings, save_settings


def test_settings_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    settings = GuiSettings(geometry="AAA", window_state="BBB")
    settings.remember("/data/a.csv")
    settings.remember("/data/b.csv")
    settings.remember("/data/a.csv")
    save_settings(settings, path)
    again = load_settings(path)
    assert again == settings
    assert again.recent == ["/data/a.csv", "/data/b.csv"]
    assert json.loads(path.read_text())["version"] == SETTINGS_VERSION


def test_damaged_or_foreign_settings_fall_back_to_defaults(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text("{ not json")
    assert load_settings(path) == GuiSettings()
    path.write_text(json.dumps({"version": SETTINGS_VERSION + 1, "geometry": "x"}))
    assert load_settings(path) == GuiSettings()  # written by a newer Labelwright
    path.write_text(json.dumps({"version": 1, "geometry": 5, "recent": ["a", 3]}))
    loaded = load_settings(path)
    assert loaded.geometry == "" and loaded.recent == ["a"]  # wrong types are dropped
    assert load_settings(tmp_path / "missing.json") == GuiSettings()


def test_version_zero_settings_are_migrated() -> None:
    old = {"version": 0, "state": "QUJD", "geometry": "R0VP"}
    settings = GuiSettings.from_json(old)
    assert settings.window_state == "QUJD" and settings.geometry == "R0VP"
    assert settings.version == SETTINGS_VERSION


def test_recent_paths_are_absolute_and_the_annotator_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = GuiSettings(annotator="Ada")
    settings.remember("wine.lwproj")  # relative, as typed
    settings.remember(str(tmp_path / "sub" / ".." / "wine.lwproj"))
    settings.remember("demo")
    assert settings.recent == [str(tmp_path / "wine.lwproj")]  # one file, one entry
    settings.remember(str(tmp_path / "other.csv"))
    settings.forget(["wine.lwproj"])
    assert settings.recent == [str(tmp_path / "other.csv")]
    path = tmp_path / "s.json"
    save_settings(settings, path)
    assert load_settings(path).annotator == "Ada"


def test_a_version_one_file_without_a_name_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"version": 1, "geometry": "R0VP", "recent": ["/a.lwproj"]}))
    loaded = load_settings(path)
    assert loaded.annotator == "" and loaded.recent == ["/a.lwproj"]


def test_settings_are_saved_into_a_folder_made_on_first_use(tmp_path: Path) -> None:
    path = tmp_path / "new" / "config" / "gui-settings.json"
    save_settings(GuiSettings(annotator="Bo"), path)
    assert load_settings(path).annotator == "Bo"
