"""The core never imports Qt or the widgets: checked on the source and at import time."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEADLESS = [ROOT / "models", ROOT / "app" / "core", ROOT / "app" / "cli"]
FORBIDDEN = ("PySide6", "PyQt5", "PyQt6", "shiboken6", "pyqtgraph", "widgets", "app.gui")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_headless_layers_import_no_qt() -> None:
    offenders = []
    for folder in HEADLESS:
        for path in folder.rglob("*.py"):
            for name in _imports(path):
                allowed_gui_entry = path.name == "__init__.py" and folder.name == "cli"
                if name.startswith(FORBIDDEN) and not (allowed_gui_entry and name == "app.gui"):
                    offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offenders == []


def test_importing_the_core_loads_no_qt_and_no_torch() -> None:
    code = (
        "import sys, app.core.session, app.core.bundle, models.scoring, app.cli;"
        "bad=[m for m in sys.modules if m.split('.')[0] in ('PySide6','pyqtgraph','torch')];"
        "print(','.join(bad))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert out.stdout.strip() == ""


def test_the_window_is_imported_only_by_its_factory() -> None:
    """The verbs and helpers of ``app/gui`` see the window through ``window_api``, so the
    imports run one way: ``main_window`` → its parts, never back."""
    gui = ROOT / "app" / "gui"
    offenders = [
        str(path.relative_to(ROOT))
        for path in [*gui.rglob("*.py"), *(ROOT / "widgets").rglob("*.py")]
        if path.name not in ("main_window.py", "__init__.py")
        and "app.gui.main_window" in _imports(path)
    ]
    assert offenders == []
    assert "app.gui.window_api" in _imports(gui / "main_window.py")
