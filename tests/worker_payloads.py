"""Payloads for the worker tests that must be importable in the worker process too."""

from __future__ import annotations

import os
from typing import Any


def _rebuild(parent: int) -> Unreadable:
    if os.getpid() == parent:
        raise ImportError("this object cannot be read in the window's process")
    return Unreadable(parent)


class Unreadable:
    """Reads back in the worker, but not in the process that made it (echoed by "ping")."""

    def __init__(self, parent: int) -> None:
        self.parent = parent

    def __reduce__(self) -> tuple[Any, tuple[int]]:
        return _rebuild, (self.parent,)
