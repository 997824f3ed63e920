"""Errors in the GUI: one plain sentence in a dismissable banner, details in a log file.

Nothing here ever shows a traceback to the user. ``UserError`` messages are
already one sentence; anything else is a bug, logged with its traceback, and
the banner says where the log is.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import ClassVar

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QHBoxLayout, QToolButton, QWidget

from app.core.errors import UserError
from app.core.paths import user_log_dir
from widgets.text import plain_label

log = logging.getLogger("labelwright")
LOG_NAME = "labelwright.log"
PACKAGES = ("app", "widgets", "models", "labelwright")


def log_file() -> Path:
    return user_log_dir() / LOG_NAME


def setup_logging(debug: bool = False) -> Path:
    """Send Labelwright's own log to a rotating file in the platform log directory.

    Only our packages log there (at INFO); libraries keep their own defaults, so
    the console stays quiet unless ``debug`` is set.
    """
    path = log_file()
    for name in PACKAGES:
        if any(getattr(h, "_labelwright", False) for h in logging.getLogger(name).handlers):
            return path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=2_000_000, backupCount=3, encoding="utf-8"
        )
    except OSError:
        handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler._labelwright = True  # type: ignore[attr-defined]
    for name in PACKAGES:
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG if debug else logging.INFO)
        logger.propagate = debug
    return path


def install_qt_message_handler() -> None:
    """Qt's own warnings go to the log file, not the console."""
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    qt_log = logging.getLogger("labelwright.qt")
    levels = {
        QtMsgType.QtDebugMsg: logging.DEBUG,
        QtMsgType.QtInfoMsg: logging.INFO,
        QtMsgType.QtWarningMsg: logging.WARNING,
        QtMsgType.QtCriticalMsg: logging.ERROR,
        QtMsgType.QtFatalMsg: logging.CRITICAL,
    }

    def handler(kind: QtMsgType, _context: object, message: str) -> None:
        if "propagateSizeHints" in message:  # the offscreen platform's harmless notice
            return
        qt_log.log(levels.get(kind, logging.WARNING), "%s", message)

    qInstallMessageHandler(handler)


def user_message(exc: BaseException) -> str:
    """The sentence to show for ``exc``."""
    if isinstance(exc, UserError):
        return str(exc)
    if isinstance(exc, MemoryError):
        return "The computer ran out of memory; close other programs or open a smaller file."
    return f"Something went wrong inside Labelwright; the details are in {log_file()}."


def install_excepthook(show: Callable[[str], None]) -> None:
    """Log every uncaught exception and show one sentence instead of crashing."""

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc, tb)
            return
        log.error("Uncaught exception", exc_info=(kind, exc, tb))
        try:
            show(user_message(exc))
        except Exception:  # the hook itself must never raise
            log.exception("Could not show the error message")

    sys.excepthook = hook


class MessageBanner(QWidget):
    """A thin, dismissable strip for one sentence (an error, a warning, or a note)."""

    sig_dismissed = Signal()

    STYLES: ClassVar[dict[str, tuple[str, str, str]]] = {
        "error": ("#FDECEA", "#B3261E", "⚠"),
        "warning": ("#FFF4E5", "#8A5300", "⚠"),
        "info": ("#E8F1FB", "#0B4F8A", "ℹ"),
    }

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAutoFillBackground(True)
        self._icon = plain_label()
        self._text = plain_label()
        self._text.setWordWrap(True)
        self._text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._log = QToolButton()
        self._log.setText("Open log")
        self._log.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._log.clicked.connect(self._open_log)
        self._close = QToolButton()
        self._close.setText("✕")
        self._close.setToolTip("Dismiss")
        self._close.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._close.clicked.connect(self.dismiss)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 6, 4)
        layout.addWidget(self._icon)
        layout.addWidget(self._text, 1)
        layout.addWidget(self._log)
        layout.addWidget(self._close)
        self._active = False  # its container (a toolbar row) shows and hides it

    def show_message(self, text: str, level: str = "error") -> None:
        background, color, icon = self.STYLES.get(level, self.STYLES["error"])
        self.setStyleSheet(
            f"MessageBanner {{ background: {background}; border-bottom: 1px solid {color}; }}"
            f"QLabel {{ color: {color}; }}"
        )
        self._icon.setText(icon)
        self._text.setText(text)
        self._log.setVisible(level == "error" and "log" in text)
        self._active = True

    def text(self) -> str:
        """The sentence shown now ('' once dismissed)."""
        return self._text.text() if self._active else ""

    def dismiss(self) -> None:
        self._active = False
        self.sig_dismissed.emit()

    def _open_log(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(log_file())))
