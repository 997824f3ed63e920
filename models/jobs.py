"""The contract every long function in ``models`` follows, so GUI, CLI and tests share it."""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[float, str], None]
"""``progress(fraction, message)``, fraction in [0, 1]."""

ShouldStop = Callable[[], bool]
"""Polled between steps; True ends the work with ``Cancelled``."""


class Cancelled(Exception):  # noqa: N818 - a state, not an error
    """Raised inside a job when ``should_stop`` asked it to end early."""


def report(progress: Progress | None, fraction: float, message: str) -> None:
    if progress is not None:
        progress(fraction, message)


def check_stop(should_stop: ShouldStop | None) -> None:
    if should_stop is not None and should_stop():
        raise Cancelled
