"""Field-by-field checks of a bundle's manifest and label log.

Kept apart from the zip handling so each rule reads as one line: a value has
the type and range it must have, or the bundle is refused with a sentence
that names the field. Nothing here trusts ``Schema.from_json`` or the
settings' ``from_json`` with raw input; they only see values already checked.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core import class_changes
from app.core.class_changes import CLASS_SOURCE
from app.core.errors import UserError
from app.core.fields import (
    InvalidFieldError,
    model_settings,
    plain_file_name,
    schema_from,
    show,
    str_list,
    strategy_settings,
    want_int,
    want_obj,
    want_str,
)
from app.core.label_store import EVENT_COLUMNS, SOURCES, LabelEvent
from app.core.schema import Schema, canonical, canonical_class

__all__ = [
    "RESEND",
    "BundleError",
    "DatasetRef",
    "InvalidFieldError",
    "check_events",
    "check_row_ids",
    "dataset_ref",
    "model_settings",
    "parse_json",
    "parse_labels",
    "schema_from",
    "show",
    "str_list",
    "strategy_settings",
    "want_int",
    "want_obj",
    "want_str",
]

RESEND = "ask the sender to export it again from Labelwright"
SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class DatasetRef:
    """The data file a bundle was made from: found again by its SHA-256."""

    name: str
    sha256: str
    rows: int
    size: int
    sheet: str | None
    member: str | None  # data/<file> when the bundle carries a copy

    def describe(self) -> str:
        return f"{self.name} (SHA-256 {self.sha256[:12]}…, {self.rows} rows)"


class BundleError(UserError):
    """A bundle that fails a check: one sentence with the bundle's name and the fix."""

    @classmethod
    def make(cls, path: Path, problem: str, fix: str = RESEND) -> BundleError:
        problem = "".join(c if c.isprintable() else "?" for c in problem)
        return cls(f"The bundle {path.name} {problem}, so nothing was imported; {fix}.")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"the key '{show(key)}' appears twice")
        out[key] = value
    return out


def parse_json(path: Path, member: str, raw: bytes) -> Any:
    """Strict JSON: UTF-8, no NaN or Infinity, no repeated keys (which parsers read apart)."""
    try:
        return json.loads(
            raw.decode("utf-8"), parse_constant=_reject_constant, object_pairs_hook=_unique_keys
        )
    except (UnicodeDecodeError, ValueError) as exc:
        reason = str(exc).splitlines()[0][:80] if str(exc) else "unreadable"
        raise BundleError.make(path, f"has a {member} that is not valid JSON ({reason})") from exc


def dataset_ref(value: Any, member: str | None) -> DatasetRef:
    """The dataset's name, checksum, size and rows; the copy's member name if any."""
    doc = want_obj(value, "dataset")
    sha = want_str(doc.get("sha256"), "dataset.sha256")
    if not SHA256.fullmatch(sha):
        raise InvalidFieldError("dataset.sha256 must be a SHA-256 checksum in hex")
    sheet = doc.get("sheet")
    if sheet is not None and not isinstance(sheet, str):
        raise InvalidFieldError("dataset.sheet must be a sheet name or null")
    declared = doc.get("member")
    if declared != member:
        raise InvalidFieldError("dataset.member does not name the data copy in the bundle")
    return DatasetRef(
        name=plain_file_name(doc.get("name"), "dataset.name"),
        sha256=sha,
        rows=want_int(doc.get("rows"), "dataset.rows", 1, 2**40),
        size=want_int(doc.get("bytes"), "dataset.bytes", 0, 2**50),
        sheet=sheet,
        member=member,
    )


def _opt_int(text: str) -> int | None:
    if text == "":
        return None
    value = int(text)
    if value < 0:
        raise ValueError("negative")
    return value


def _opt_float(text: str, lo: float, hi: float) -> float | None:
    if text == "":
        return None
    value = float(text)
    if not math.isfinite(value) or not lo <= value <= hi:
        raise ValueError("out of range")
    return value


def _event(row: list[str], last_id: int) -> LabelEvent:
    """One CSV row as an event; ValueError names nothing, the caller adds the line."""
    rid, row_id, target, label, unsure, annotator, source, version, conf, when, note = row
    event_id = int(rid)
    if event_id <= last_id:
        raise ValueError("event ids must increase")
    if source == CLASS_SOURCE:
        if row_id != "" or not target:
            raise ValueError("a class change names no sample")
        class_changes.parse(event_id, target, label or None, note)
    elif canonical(row_id) != row_id or not target:
        raise ValueError("bad sample id or target")
    if label != "" and canonical_class(label) != label:
        raise ValueError("bad label")
    if unsure not in ("0", "1") or source not in SOURCES:
        raise ValueError("bad unsure flag or source")
    time = _opt_float(when, 0.0, 1e11)
    if time is None:
        raise ValueError("missing time")
    return LabelEvent(
        id=event_id,
        row_id=row_id,
        target=target,
        label=label or None,
        unsure=unsure == "1",
        annotator=annotator,
        source=source,
        model_version=_opt_int(version),
        confidence=_opt_float(conf, 0.0, 1.0),
        time=time,
        note=note,
    )


def parse_labels(path: Path, raw: bytes) -> list[LabelEvent]:
    """The event log, every column checked, in the order the events were made."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BundleError.make(path, "has a labels.csv that is not UTF-8 text") from exc
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    events: list[LabelEvent] = []
    try:
        header = next(reader, None)
        if header != list(EVENT_COLUMNS):
            raise BundleError.make(
                path, "has a labels.csv whose columns are not the label event columns"
            )
        for row in reader:
            if len(row) != len(EVENT_COLUMNS):
                raise ValueError("wrong number of values")
            events.append(_event(row, events[-1].id if events else 0))
    except (csv.Error, ValueError) as exc:
        raise BundleError.make(
            path, f"has a labels.csv with an invalid event on line {reader.line_num}"
        ) from exc
    return events


def check_events(path: Path, events: list[LabelEvent], schema: Schema) -> None:
    """Every event names a target of the schema, and every label (read through the class
    changes after it) is one of that target's classes."""
    classes = {t.name: set(t.classes) for t in schema.targets}
    changes: dict[str, list[class_changes.ClassChange]] = {}
    for event in events:
        if event.target not in classes:
            raise BundleError.make(
                path,
                f"has a label (event {event.id} in labels.csv) for the target "
                f"'{show(event.target)}', which its schema does not define",
            )
        if event.source == CLASS_SOURCE:
            change = class_changes.parse(event.id, event.target, event.label, event.note)
            changes.setdefault(event.target, []).append(change)
    active = {t: class_changes.active(c) for t, c in changes.items()}
    for event in events:
        if event.source == CLASS_SOURCE:
            continue
        label = class_changes.effective(event.label, event.id, active.get(event.target, []))
        known = classes[event.target]
        if label is not None and label not in known:
            raise BundleError.make(
                path,
                f"has the label '{show(label)}' (event {event.id} in labels.csv), which "
                f"is not a class of '{show(event.target)}' ({show(', '.join(sorted(known)))})",
            )


def check_row_ids(path: Path, events: list[LabelEvent], keys: set[str]) -> None:
    """Labels may only name samples the data has; checked once the data is loaded."""
    unknown = [e.row_id for e in events if e.row_id not in keys and e.source != CLASS_SOURCE]
    if unknown:
        raise BundleError.make(
            path,
            f"has labels for {len(set(unknown))} sample id(s) that are not in the data, for "
            f"example '{show(unknown[0])}'",
            "check that the data file is the one the bundle was made from",
        )
