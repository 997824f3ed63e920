"""Render the documentation screenshots of the window's dialogs, offscreen.

    .venv/bin/python tools/gui_screenshots.py [--out docs]

writes ``setup-dialog.png`` (the first-open dialog on a two-sheet workbook),
``keyboard-shortcuts.png`` (Help › Keyboard shortcuts) and ``class-picker.png``
(a 10-class project, scikit-learn's digits, with the class picker open). The
data files are written to a temporary folder from scikit-learn's bundled sets.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QPoint
from PySide6.QtGui import QColor, QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QWidget


def settle(rounds: int = 10) -> None:
    from PySide6.QtCore import QThread

    for _ in range(rounds):
        QApplication.processEvents()
        QThread.msleep(20)


def with_dialog(window: QWidget, dialog: QWidget) -> QPixmap:
    """The window with ``dialog`` drawn over its middle, as a screen would show it."""
    shot = window.grab()
    top = dialog.grab()
    painter = QPainter(shot)
    at = QPoint((shot.width() - top.width()) // 2, (shot.height() - top.height()) // 3)
    for spread, alpha in ((8, 18), (5, 28), (2, 40)):  # a soft shadow
        painter.fillRect(
            at.x() - spread + 4,
            at.y() - spread + 6,
            top.width() + 2 * spread,
            top.height() + 2 * spread,
            QColor(0, 0, 0, alpha),
        )
    painter.drawPixmap(at, top)
    painter.setPen(QColor("#9A9A9A"))
    painter.drawRect(at.x() - 1, at.y() - 1, top.width() + 1, top.height() + 1)
    painter.end()
    return shot


def setup_dialog(folder: Path, out: Path) -> None:
    from app.gui.setup_dialog import SetupDialog
    from tests.real_files import workbook

    dialog = SetupDialog.for_file(workbook(folder))
    dialog.sheet_combo.setCurrentText("Messungen")
    dialog.show()
    settle()
    dialog.grab().save(str(out / "setup-dialog.png"))
    dialog.close()


def digits_window(folder: Path) -> object:
    from app.gui import create_main_window
    from app.gui.screenshot import SIZE, wait_until_ready
    from models.ebm import EBMSettings
    from tests.real_files import digits_csv

    window = create_main_window(
        digits_csv(folder),
        interactive=False,
        annotator="Dr. A. Byron",
        model_settings=EBMSettings.tiny(),
    )
    assert window is not None
    window.resize(*SIZE)
    window.reset_layout()
    if not wait_until_ready(window, 120):
        raise SystemExit("the digits model was not ready in 120 s")
    settle()
    return window


def class_picker(window: object, out: Path) -> None:
    from app.gui.class_picker import open_class_picker

    picker = open_class_picker(window)  # type: ignore[arg-type]
    assert picker is not None
    settle()
    with_dialog(window, picker).save(str(out / "class-picker.png"))  # type: ignore[arg-type]
    picker.close()


def shortcuts(window: object, out: Path) -> None:
    from app.gui.help_dialog import show_shortcuts

    dialog = show_shortcuts(window)  # type: ignore[arg-type]
    settle()
    dialog.grab().save(str(out / "keyboard-shortcuts.png"))
    dialog.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs", help="folder for the PNG files")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["LABELWRIGHT_HOME"] = str(Path(tmp) / "home")  # the user's settings stay
        from app.gui import ensure_app

        ensure_app()
        folder = Path(tmp)
        setup_dialog(folder, out)
        window = digits_window(folder)
        try:
            class_picker(window, out)
            shortcuts(window, out)
        finally:
            window.close()  # type: ignore[attr-defined]
            settle()
    for name in ("setup-dialog.png", "class-picker.png", "keyboard-shortcuts.png"):
        print(out / name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
