"""Where Labelwright keeps its own files; LABELWRIGHT_HOME overrides all of them."""

from __future__ import annotations

import os
from pathlib import Path

APP = "labelwright"


def _home(kind: str) -> Path | None:
    root = os.environ.get("LABELWRIGHT_HOME")
    return Path(root) / kind if root else None


def user_data_dir() -> Path:
    from platformdirs import user_data_path

    return _home("data") or user_data_path(APP, appauthor=False)


def user_config_dir() -> Path:
    from platformdirs import user_config_path

    return _home("config") or user_config_path(APP, appauthor=False)


def user_log_dir() -> Path:
    from platformdirs import user_log_path

    return _home("log") or user_log_path(APP, appauthor=False)


def resources_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "resources"
