"""Help › About Labelwright: versions, how scoring runs, and where the app keeps its files.

Support questions start here: which build is this, does it have torch (the CPU
build does not, and scores with numpy), and where are the log and settings.
Nothing here imports torch: that takes seconds, so the dialog reports torch's
state as it is (loaded by the first model, present, or absent).
"""

from __future__ import annotations

import importlib.util
import platform
import sys
from importlib import metadata
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, qVersion
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

NO_TORCH = "this build has no torch: scoring runs on the CPU with numpy"
LIBRARIES = {
    "interpret": "interpret-core",
    "scikit-learn": "scikit-learn",
    "cleanlab": "cleanlab",
    "numpy": "numpy",
    "pandas": "pandas",
    "pyarrow": "pyarrow",
    "scipy": "scipy",
    "pyqtgraph": "pyqtgraph",
    "PySide6": "PySide6-Essentials",
}


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "unknown"


def torch_version() -> str | None:
    """torch's version, or None when it cannot be imported (the CPU build)."""
    if "torch" in sys.modules:
        module = sys.modules["torch"]
        return None if module is None else str(getattr(module, "__version__", "unknown"))
    if importlib.util.find_spec("torch") is None:
        return None
    return _version("torch")


def scoring_summary() -> str:
    """One line: what scores the pool in this build, on this machine."""
    version = torch_version()
    if version is None:
        return NO_TORCH
    if sys.modules.get("torch") is None:
        return (
            f"torch {version}: scoring runs on a GPU (CUDA or Apple MPS) when the first model "
            "finds one, else on the CPU with numpy"
        )
    from models.scoring import resolve_device

    device = resolve_device("auto")
    if device == "cpu":
        return f"torch {version} found no GPU: scoring runs on the CPU with numpy"
    return f"torch {version}: scoring runs on the GPU ({device})"


def about_facts() -> list[tuple[str, str]]:
    """(label, value) rows of the dialog, also what a bug report should quote."""
    from app.core.bundle_writer import app_version

    rows = [("Labelwright", app_version()), ("Python", platform.python_version())]
    rows.append(("Qt", qVersion()))
    rows += [(label, _version(dist)) for label, dist in LIBRARIES.items()]
    version = torch_version()
    rows.append(("torch", version or "not in this build"))
    rows.append(("Scoring", scoring_summary()))
    return rows


def folders() -> list[tuple[str, Path]]:
    from app.core.paths import user_config_dir, user_data_dir, user_log_dir

    return [
        ("Data folder", user_data_dir()),
        ("Log folder", user_log_dir()),
        ("Settings folder", user_config_dir()),
    ]


class AboutDialog(QDialog):
    """Versions, scoring backend and folders, every value selectable for bug reports."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About Labelwright")
        self.setObjectName("aboutDialog")
        layout = QVBoxLayout(self)
        title = QLabel("<b>Labelwright</b> — label tabular data with an explainable model")
        layout.addWidget(title)
        form = QFormLayout()
        self.values: dict[str, str] = {}
        for label, value in about_facts():
            form.addRow(f"{label}:", self._value(value))
            self.values[label] = value
        for label, path in folders():
            link = QLabel(f'<a href="{QUrl.fromLocalFile(str(path)).toString()}">{path}</a>')
            link.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
            link.linkActivated.connect(lambda url: QDesktopServices.openUrl(QUrl(url)))
            form.addRow(f"{label}:", link)
            self.values[label] = str(path)
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    @staticmethod
    def _value(text: str) -> QLabel:
        label = QLabel(text)
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label


def show_about(parent: QWidget | None = None) -> None:
    AboutDialog(parent).exec()
