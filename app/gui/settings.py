"""Typed, versioned GUI settings saved as JSON under the user config directory.

App-wide things (window geometry, the last dock layout, recent files, the
annotator's name) live here.
Per-project choices (target, plot settings, that project's dock layout) live in
``project.layout`` so they travel with the project and the bundle. The window
``saveState`` blob is stored base64-encoded together with ``LAYOUT_VERSION``:
when the docks change shape in a new release the version goes up and the old
blob is ignored instead of producing a garbled window.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from app.core.atomic import atomic_write_text
from app.core.paths import user_config_dir

log = logging.getLogger(__name__)

SETTINGS_VERSION = 1
LAYOUT_VERSION = 2  # bump whenever docks are added, removed or renamed
SETTINGS_FILE = "gui-settings.json"
MAX_RECENT = 8


@dataclass
class GuiSettings:
    """Everything the GUI remembers between runs that is not part of a project."""

    version: int = SETTINGS_VERSION
    geometry: str = ""  # base64 of QMainWindow.saveGeometry()
    window_state: str = ""  # base64 of QMainWindow.saveState(LAYOUT_VERSION)
    layout_version: int = LAYOUT_VERSION
    recent: list[str] = field(default_factory=list)  # absolute paths, most recent first
    last_directory: str = ""
    annotator: str = ""  # who labels on this machine; recorded with every label

    def remember(self, path: str) -> None:
        """Put ``path`` first in the recent files, as an absolute path."""
        if path == "demo":
            return
        path = absolute(path)
        self.recent = [path, *[p for p in self.recent if absolute(p) != path]][:MAX_RECENT]
        self.last_directory = str(Path(path).parent)

    def forget(self, paths: list[str]) -> None:
        """Drop ``paths`` from the recent files (missing ones the user chose to remove)."""
        gone = {absolute(p) for p in paths}
        self.recent = [p for p in self.recent if absolute(p) not in gone]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, doc: Any) -> GuiSettings:
        """Read a settings document, keeping what is valid and defaulting the rest."""
        if not isinstance(doc, dict):
            return cls()
        doc = migrate(doc)
        out = cls()
        for f in fields(cls):
            if f.name not in doc:
                continue
            value = doc[f.name]
            default = getattr(out, f.name)
            if isinstance(default, list):
                if isinstance(value, list):
                    setattr(out, f.name, [str(v) for v in value if isinstance(v, str)])
            elif isinstance(value, type(default)):
                setattr(out, f.name, value)
        out.version = SETTINGS_VERSION
        return out


def absolute(path: str) -> str:
    """An absolute, normalised path; links are not resolved, so the name the user knows stays."""
    return os.path.normpath(Path(path).expanduser().absolute())


def migrate(doc: dict[str, Any]) -> dict[str, Any]:
    """Bring an older settings document up to ``SETTINGS_VERSION``."""
    version = doc.get("version", 0)
    if not isinstance(version, int):
        return {}
    if version > SETTINGS_VERSION:
        log.warning("Settings written by a newer Labelwright (version %s); using defaults", version)
        return {}
    if version < 1:
        # Version 0 (never released) had "state" instead of "window_state".
        doc = dict(doc)
        if "state" in doc:
            doc["window_state"] = doc.pop("state")
    return doc


def settings_path() -> Path:
    return user_config_dir() / SETTINGS_FILE


def load_settings(path: Path | None = None) -> GuiSettings:
    """The saved settings, or defaults when the file is missing or damaged."""
    path = path or settings_path()
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return GuiSettings()
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        log.warning("Ignoring damaged settings file %s: %s", path, exc)
        return GuiSettings()
    return GuiSettings.from_json(doc)


def save_settings(settings: GuiSettings, path: Path | None = None) -> None:
    """Write atomically: a crash mid-write keeps the previous settings."""
    from app.core.errors import UserError

    path = path or settings_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)  # the app's own folder, on first use
        atomic_write_text(path, json.dumps(settings.to_json(), indent=2, sort_keys=True))
    except (OSError, UserError) as exc:
        log.warning("Could not save settings to %s: %s", path, exc)
