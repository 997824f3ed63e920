"""Render packaging/labelwright.svg to the PNG sizes of the hicolor icon theme.

Run after changing the SVG: ``.venv/bin/python packaging/render_icons.py``.
The PNGs are committed (a few KB each), so neither the build nor
``labelwright --install-desktop`` needs an SVG renderer.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SIZES = (16, 22, 24, 32, 48, 64, 128, 256)


def render(svg: Path = HERE / "labelwright.svg", out: Path = HERE / "icons" / "hicolor") -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"Cannot read {svg} as SVG.")
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        path = out / f"{size}x{size}" / "apps" / "labelwright.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        if not image.save(str(path), "PNG"):
            raise SystemExit(f"Cannot write {path}.")
        print(f"Wrote {path.relative_to(HERE.parent)}")


if __name__ == "__main__":
    render()
