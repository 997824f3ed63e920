"""The messages between the window and its model worker process (pickled over a socket).

Both sides are our own processes, so pickling here is fine; nothing in this module
is ever written to a user's file. Requests carry only what changed since the data
was mapped: labels per target, settings and the labels-version. Replies carry
results (probabilities, class codes, the fitted EBM for explanations), never the
data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

CPU = "cpu"  # fits and out-of-fold work: one at a time
LIGHT = "light"  # ranking the pool: beside a fit, never behind it


class WorkerLost(RuntimeError):  # noqa: N818 - a state, like models.jobs.Cancelled
    """The worker process ended while a job was waiting for it (a crash or a kill)."""


class WorkerJobError(RuntimeError):
    """A job failed inside the worker; ``detail`` holds the worker's traceback."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail


@dataclass(frozen=True)
class DataSource:
    """Where the worker finds the data: the project's parsed-data cache, mapped from disk."""

    project_path: str
    data_path: str
    sheet: str | None
    id_column: str
    n_rows: int
    columns: tuple[str, ...]  # every column some target's model reads
    kinds: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Hello:
    """The worker's first word: how it got the data (``mapped`` or ``needs_data``)."""

    pid: int
    how: str
    seconds: float


@dataclass(frozen=True)
class DataFrameSent:
    """The fallback when no cache can be mapped: the columns, sent once per worker."""

    frame: Any


@dataclass(frozen=True)
class Request:
    id: int
    kind: str
    payload: Any
    lane: str = CPU


@dataclass(frozen=True)
class Cancel:
    id: int


@dataclass(frozen=True)
class Shutdown:
    pass


@dataclass(frozen=True)
class Progress:
    id: int
    fraction: float
    message: str


@dataclass(frozen=True)
class Reply:
    """A job's end: a result, a cancellation, or an error (its type name, text and traceback)."""

    id: int
    result: Any = None
    cancelled: bool = False
    error: str | None = None
    error_type: str = ""
    detail: str = ""
