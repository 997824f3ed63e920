"""A calm light theme: Fusion, one palette, readable dock titles. Applied once per app."""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

STYLESHEET = """
QMainWindow::separator { background: #E2E2E2; width: 4px; height: 4px; }
QDockWidget { font-weight: 600; }
QDockWidget::title { background: #EEF1F4; padding: 5px 8px; border-bottom: 1px solid #D9DDE2; }
QToolBar { spacing: 6px; border: none; padding: 2px 4px; }
QTabBar::tab { padding: 5px 12px; }
QTabBar::tab:selected { font-weight: 600; }
QHeaderView::section { background: #F6F7F9; border: none; border-right: 1px solid #E3E3E3;
                       border-bottom: 1px solid #DADADA; padding: 4px 6px; }
QTableView, QTreeView { gridline-color: #ECECEC; selection-background-color: #CFE3F7;
                        selection-color: #111111; alternate-background-color: #F8F9FB; }
QStatusBar { border-top: 1px solid #DADADA; }
QStatusBar::item { border: none; }
QPushButton#acceptButton { background: #1F6FB2; color: white; border-radius: 4px;
                           padding: 5px 12px; font-weight: 600; border: 1px solid #185A91; }
QPushButton#acceptButton:disabled { background: #B8C9D9; border-color: #B8C9D9; }
QPushButton#acceptButton:hover { background: #2A7DC4; }
"""


def apply_theme(app: QApplication) -> None:
    app.setStyle("Fusion")
    palette = QPalette()
    palette.setColor(QPalette.ColorRole.Window, QColor("#F4F5F7"))
    palette.setColor(QPalette.ColorRole.WindowText, QColor("#1F1F1F"))
    palette.setColor(QPalette.ColorRole.Base, QColor("#FFFFFF"))
    palette.setColor(QPalette.ColorRole.AlternateBase, QColor("#F8F9FB"))
    palette.setColor(QPalette.ColorRole.Text, QColor("#1F1F1F"))
    palette.setColor(QPalette.ColorRole.Button, QColor("#FBFBFC"))
    palette.setColor(QPalette.ColorRole.ButtonText, QColor("#1F1F1F"))
    palette.setColor(QPalette.ColorRole.Highlight, QColor("#2A7DC4"))
    palette.setColor(QPalette.ColorRole.HighlightedText, QColor("#FFFFFF"))
    palette.setColor(QPalette.ColorRole.ToolTipBase, QColor("#FFFFF0"))
    palette.setColor(QPalette.ColorRole.ToolTipText, QColor("#1F1F1F"))
    palette.setColor(QPalette.ColorRole.PlaceholderText, QColor("#8A8A8A"))
    app.setPalette(palette)
    font = QFont(app.font())
    if font.pointSize() < 10:
        font.setPointSize(10)
    app.setFont(font)
    app.setStyleSheet(STYLESHEET)
