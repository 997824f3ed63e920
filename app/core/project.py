"""The project file: a versioned JSON document that ties data, schema and settings together.

A project file is read from disk that anyone may have edited, so every field is
checked (``app.core.fields``) before it is used, and every failure is one sentence
that keeps the labels safe. Two facts tie the file to the rest of the project:

- the label log is always ``<project name>.lwlabels`` beside it, so a copy of a
  project (both files under a new name) opens its own log, never the original's;
- ``log`` records how many events the log held when the project was last saved,
  so a lost, emptied or rolled-back log is refused instead of opened as empty.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.core.atomic import atomic_write_text
from app.core.errors import UserError
from app.core.fields import (
    InvalidFieldError,
    model_settings,
    plain_file_name,
    schema_from,
    show,
    strategy_settings,
    team_settings,
    want_int,
    want_obj,
    want_str,
)
from app.core.schema import Schema
from app.core.strategy_settings import StrategySettings
from app.core.team_settings import TeamSettings
from models.ebm import EBMSettings

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "LABELS_SUFFIX",
    "PROJECT_SUFFIX",
    "LogMark",
    "Project",
    "StrategySettings",
    "labels_path_for",
]

FORMAT = "labelwright-project"
FORMAT_VERSION = 1
PROJECT_SUFFIX = ".lwproj"
LABELS_SUFFIX = ".lwlabels"
MAX_LAYOUT_DEPTH = 12


def labels_path_for(project_path: Path) -> Path:
    """``d.lwproj`` → ``d.lwlabels``; ``wine.xlsx.lwproj`` → ``wine.xlsx.lwlabels``."""
    name = project_path.name
    stem = name[: -len(PROJECT_SUFFIX)] if name.lower().endswith(PROJECT_SUFFIX) else name
    return project_path.with_name(stem + LABELS_SUFFIX)


@dataclass(frozen=True)
class LogMark:
    """What the label log held when the project was last saved: it may only grow."""

    events: int = 0
    last_event_id: int = 0
    log_id: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"events": self.events, "last_event_id": self.last_event_id, "log_id": self.log_id}


@dataclass
class Project:
    """Everything about a labelling project except the data and the labels themselves."""

    path: Path
    data_path: Path
    schema: Schema
    data_sha256: str = ""
    data_rows: int = 0
    data_sheet: str | None = None
    data_bytes: int = -1  # with data_mtime_ns, a cheap "unchanged" check before hashing
    data_mtime_ns: int = -1
    model: EBMSettings = field(default_factory=EBMSettings)
    strategy: StrategySettings = field(default_factory=StrategySettings)
    layout: dict[str, Any] = field(default_factory=dict)
    annotator: str = ""
    log: LogMark | None = None  # None: a project saved before logs were counted
    team: TeamSettings = field(default_factory=TeamSettings)
    store: str = ""  # a shared store's address, never with a password
    recorded_labels_name: str = ""  # the log name the file was written with

    @property
    def labels_path(self) -> Path:
        return labels_path_for(self.path)

    def data_ref(self) -> str:
        """The data path as stored: relative to the project's folder where possible."""
        try:
            return str(self.data_path.resolve().relative_to(self.path.parent.resolve()))
        except ValueError:
            return str(self.data_path.resolve())

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "data": {
                "path": self.data_ref(),
                "sha256": self.data_sha256,
                "rows": self.data_rows,
                "sheet": self.data_sheet,
                "bytes": self.data_bytes,
                "mtime_ns": self.data_mtime_ns,
            },
            "labels": self.labels_path.name,
            "log": None if self.log is None else self.log.to_json(),
            "schema": self.schema.to_json(),
            "model": self.model.to_json(),
            "strategy": self.strategy.to_json(),
            "layout": self.layout,
            "annotator": self.annotator,
            "team": self.team.to_json(),
            "store": self.store,
        }

    def save(self) -> None:
        atomic_write_text(self.path, json.dumps(self.to_json(), indent=2, sort_keys=True))

    @classmethod
    def from_json(cls, path: Path, doc: dict[str, Any]) -> Project:
        if doc.get("format") != FORMAT:
            raise UserError(
                f"{path.name} is not a Labelwright project file; open a data file instead."
            )
        version = doc.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise damaged(path, "it has no valid format version")
        if version > FORMAT_VERSION:
            raise UserError(
                f"{path.name} has project format {version}, which this Labelwright cannot read; "
                "update Labelwright."
            )
        try:
            return cls._checked(path, doc)
        except InvalidFieldError as exc:
            raise damaged(path, f"{exc}") from exc

    @classmethod
    def _checked(cls, path: Path, doc: dict[str, Any]) -> Project:
        data = want_obj(doc.get("data"), "data")
        data_path = Path(want_str(data.get("path"), "data.path"))
        if not data_path.is_absolute():
            data_path = path.parent / data_path
        sha = data.get("sha256", "")
        if not isinstance(sha, str) or (sha and len(sha) != 64):
            raise InvalidFieldError("data.sha256 must be a SHA-256 checksum in hex")
        sheet = data.get("sheet")
        if sheet is not None and not isinstance(sheet, str | int):
            raise InvalidFieldError("data.sheet must be a sheet name or null")
        labels = doc.get("labels")
        recorded = ""
        if labels is not None:
            recorded = plain_file_name(labels, "labels")
            if not recorded.lower().endswith(LABELS_SUFFIX):
                raise InvalidFieldError(f"labels must name a {LABELS_SUFFIX} file")
        raw_log = doc.get("log")
        log = None if raw_log is None else want_obj(raw_log, "log")
        layout = want_obj(doc.get("layout", {}), "layout")
        if _depth(layout) > MAX_LAYOUT_DEPTH:
            raise InvalidFieldError("layout is nested too deeply")
        annotator = doc.get("annotator", "")
        if not isinstance(annotator, str):
            raise InvalidFieldError("annotator must be a text")
        return cls(
            path=path,
            data_path=data_path,
            schema=schema_from(doc.get("schema")),
            data_sha256=sha,
            data_rows=want_int(data.get("rows", 0), "data.rows", 0, 2**40),
            data_sheet=None if sheet is None else str(sheet),
            data_bytes=want_int(data.get("bytes", -1), "data.bytes", -1, 2**60),
            data_mtime_ns=want_int(data.get("mtime_ns", -1), "data.mtime_ns", -1, 2**80),
            model=model_settings(doc.get("model", {})),
            strategy=strategy_settings(doc.get("strategy", {})),
            layout=layout,
            annotator=annotator,
            log=None if log is None else _log_mark(log),
            team=team_settings(doc.get("team", {})),
            store=_store_url(doc.get("store", "")),
            recorded_labels_name=recorded,
        )

    @classmethod
    def load(cls, path: Path) -> Project:
        try:
            raw = path.read_bytes()
        except FileNotFoundError as exc:
            raise UserError(f"The project file {path} does not exist; check the path.") from exc
        except IsADirectoryError as exc:
            raise UserError(
                f"The project path {path} is a folder, not a project file; choose the .lwproj "
                "file inside it."
            ) from exc
        except PermissionError as exc:
            raise UserError(
                f"You do not have permission to read the project file {path.name}; ask its "
                "owner for access."
            ) from exc
        except OSError as exc:
            raise UserError(
                f"The project file {path.name} could not be read ({exc.strerror or exc}); "
                "check the disk and try again."
            ) from exc
        try:
            doc = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise damaged(path, "it is not valid JSON") from exc
        except RecursionError as exc:
            raise damaged(path, "it is nested too deeply") from exc
        if not isinstance(doc, dict):
            raise UserError(
                f"{path.name} is not a Labelwright project file; open a data file instead."
            )
        return cls.from_json(path, doc)


def _store_url(value: Any) -> str:
    if not isinstance(value, str):
        raise InvalidFieldError("store must be a text")
    return value


def _log_mark(doc: dict[str, Any]) -> LogMark:
    log_id = doc.get("log_id", "")
    if not isinstance(log_id, str) or len(log_id) > 64:
        raise InvalidFieldError("log.log_id must be a short text")
    return LogMark(
        events=want_int(doc.get("events", 0), "log.events", 0, 2**62),
        last_event_id=want_int(doc.get("last_event_id", 0), "log.last_event_id", 0, 2**62),
        log_id=log_id,
    )


def damaged(path: Path, reason: str) -> UserError:
    """The sentence for a broken project file: the fix never costs a label."""
    log = labels_path_for(path).name
    return UserError(
        f"The project file {path.name} is damaged ({show(reason)}); your labels are safe in "
        f"{log}: rename the damaged file (for example to {path.name}.broken) and open the data "
        "file again, which adopts the label log."
    )


def _depth(value: Any, level: int = 0) -> int:
    """How deeply a JSON value nests, stopping early once past the limit."""
    if level > MAX_LAYOUT_DEPTH:
        return level
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for v in value.values()), default=level + 1)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value), default=level + 1)
    return level
