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
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from app.core.errors import UserError
from app.core.label_store import EVENT_COLUMNS, SOURCES, LabelEvent
from app.core.project import StrategySettings
from app.core.schema import Schema, TargetSpec, canonical
from models.ebm import EBMSettings
from models.strategies import STRATEGIES

RESEND = "ask the sender to export it again from Labelwright"
KINDS = ("numeric", "categorical", "text", "image", "empty")
SHA256 = re.compile(r"[0-9a-f]{64}")
_BAD_NAME = re.compile(r"[\\/\x00-\x1f:*?\"<>|]")
_MAX_TEXT = 10_000


def show(text: str) -> str:
    """Text from a bundle made safe to print in one line: printable and not too long."""
    clean = "".join(c if c.isprintable() else "?" for c in text)
    return clean if len(clean) <= 60 else clean[:57] + "..."


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


class InvalidFieldError(ValueError):
    """A manifest field with the wrong type or range; the message names the field."""


def want_obj(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidFieldError(f"{where} must be an object")
    return value


def want_str(value: Any, where: str, *, empty: bool = False) -> str:
    if not isinstance(value, str) or (not empty and not value) or len(value) > _MAX_TEXT:
        raise InvalidFieldError(f"{where} must be a short non-empty text")
    return value


def want_int(value: Any, where: str, lo: int, hi: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
        raise InvalidFieldError(f"{where} must be a whole number from {lo} to {hi}")
    return value


def want_num(value: Any, where: str, lo: float, hi: float) -> float:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok or not math.isfinite(value) or not lo <= value <= hi:
        raise InvalidFieldError(f"{where} must be a number from {lo} to {hi}")
    return float(value)


def str_list(value: Any, where: str) -> list[str]:
    if not isinstance(value, list):
        raise InvalidFieldError(f"{where} must be a list of texts")
    return [want_str(v, f"{where}[{i}]") for i, v in enumerate(value)]


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


def _plain_file_name(value: Any, where: str) -> str:
    name = want_str(value, where)
    if _BAD_NAME.search(name) or name in (".", "..") or len(name) > 255:
        raise InvalidFieldError(f"{where} must be a plain file name")
    return name


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
        name=_plain_file_name(doc.get("name"), "dataset.name"),
        sha256=sha,
        rows=want_int(doc.get("rows"), "dataset.rows", 1, 2**40),
        size=want_int(doc.get("bytes"), "dataset.bytes", 0, 2**50),
        sheet=sheet,
        member=member,
    )


def schema_from(value: Any) -> Schema:
    """A schema built only from checked values, with its target graph free of cycles."""
    doc = want_obj(value, "schema")
    raw_targets = doc.get("targets")
    if not isinstance(raw_targets, list) or not raw_targets:
        raise InvalidFieldError("schema.targets must be a non-empty list")
    targets = []
    for i, item in enumerate(raw_targets):
        where = f"schema.targets[{i}]"
        t = want_obj(item, where)
        classes = str_list(t.get("classes", []), f"{where}.classes")
        if any(canonical(c) != c for c in classes) or len(set(classes)) != len(classes):
            raise InvalidFieldError(f"{where}.classes must be distinct labels")
        targets.append(
            TargetSpec(
                name=want_str(t.get("name"), f"{where}.name"),
                classes=classes,
                features=str_list(t.get("features", []), f"{where}.features"),
                uses_targets=str_list(t.get("uses_targets", []), f"{where}.uses_targets"),
            )
        )
    kinds = want_obj(doc.get("column_kinds", {}), "schema.column_kinds")
    for column, kind in kinds.items():
        if kind not in KINDS:
            raise InvalidFieldError(f"schema.column_kinds has an unknown kind for '{show(column)}'")
    image = doc.get("image_column")
    schema = Schema(
        id_column=want_str(doc.get("id_column"), "schema.id_column"),
        targets=targets,
        column_kinds=dict(kinds),
        image_column=None if image is None else want_str(image, "schema.image_column"),
    )
    names = schema.target_names
    if len(set(names)) != len(names):
        raise InvalidFieldError("schema.targets has two targets with the same name")
    for spec in targets:
        if any(u not in names for u in spec.uses_targets):
            raise InvalidFieldError(f"target '{show(spec.name)}' builds on an unknown target")
    try:
        schema.training_order()
    except UserError as exc:
        raise InvalidFieldError("the schema's targets depend on each other in a cycle") from exc
    return schema


_EBM_RANGES: dict[str, tuple[float, float]] = {
    "outer_bags": (1, 100),
    "interactions": (0, 1000),
    "max_bins": (2, 1_000_000),
    "max_interaction_bins": (2, 10_000),
    "max_rounds": (1, 10_000_000),
    "learning_rate": (1e-9, 10.0),
    "early_stopping_rounds": (0, 1_000_000),
    "min_samples_leaf": (1, 1_000_000),
    "random_state": (0, 2**31 - 1),
    "n_jobs": (-1, 256),
}


def model_settings(value: Any) -> EBMSettings:
    """EBM settings with every known field in a range interpret accepts."""
    doc = want_obj(value, "model")
    out: dict[str, Any] = {}
    for f in fields(EBMSettings):
        if f.name not in doc:
            continue
        lo, hi = _EBM_RANGES.get(f.name, (-(2**31), 2**31))
        where = f"model.{f.name}"
        if f.type in ("float", float):
            out[f.name] = want_num(doc[f.name], where, lo, hi)
        else:
            out[f.name] = want_int(doc[f.name], where, int(lo), int(hi))
    if out.get("n_jobs") == 0:
        raise InvalidFieldError("model.n_jobs must not be 0")
    return EBMSettings(**out)


def strategy_settings(value: Any) -> StrategySettings:
    doc = want_obj(value, "strategy")
    name = doc.get("name", "margin")
    if name not in STRATEGIES:
        raise InvalidFieldError(f"strategy.name must be one of {', '.join(STRATEGIES)}")
    return StrategySettings(
        name=name,
        batch=want_int(doc.get("batch", 10), "strategy.batch", 1, 100_000),
        seed=want_int(doc.get("seed", 0), "strategy.seed", 0, 2**62),
        diversity=want_num(doc.get("diversity", 1.0), "strategy.diversity", 0.0, 1e6),
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
    if canonical(row_id) != row_id or not target:
        raise ValueError("bad sample id or target")
    if label != "" and canonical(label) != label:
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
    """Every event names a target of the schema and one of that target's classes."""
    classes = {t.name: set(t.classes) for t in schema.targets}
    for event in events:
        known = classes.get(event.target)
        if known is None:
            raise BundleError.make(
                path,
                f"has a label (event {event.id} in labels.csv) for the target "
                f"'{show(event.target)}', which its schema does not define",
            )
        if event.label is not None and event.label not in known:
            raise BundleError.make(
                path,
                f"has the label '{show(event.label)}' (event {event.id} in labels.csv), which "
                f"is not a class of '{show(event.target)}' ({show(', '.join(sorted(known)))})",
            )


def check_row_ids(path: Path, events: list[LabelEvent], keys: set[str]) -> None:
    """Labels may only name samples the data has; checked once the data is loaded."""
    unknown = [e.row_id for e in events if e.row_id not in keys]
    if unknown:
        raise BundleError.make(
            path,
            f"has labels for {len(set(unknown))} sample id(s) that are not in the data, for "
            f"example '{show(unknown[0])}'",
            "check that the data file is the one the bundle was made from",
        )
