"""Checked fields of the JSON documents the app reads: project files and bundle manifests.

Both arrive from outside the app (a colleague, a shared folder, a text editor), so
every value is checked for its type and range before a dataclass sees it. Each
rule reads as one line, and a failure names the field, so the caller can turn it
into one sentence for the user.
"""

from __future__ import annotations

import math
import re
from dataclasses import fields
from typing import Any

from app.core.errors import UserError
from app.core.schema import Schema, TargetSpec, canonical_class
from app.core.strategy_settings import StrategySettings
from app.core.team_settings import TeamSettings
from models.ebm import EBMSettings
from models.strategies import STRATEGIES

# "ignore": a column the user set aside in the setup dialog (no feature, not shown)
KINDS = ("numeric", "categorical", "text", "image", "empty", "ignore")
_BAD_NAME = re.compile(r"[\\/\x00-\x1f:*?\"<>|]")
_MAX_TEXT = 10_000


def show(text: str) -> str:
    """Text from a bundle made safe to print in one line: printable and not too long."""
    clean = "".join(c if c.isprintable() else "?" for c in text)
    return clean if len(clean) <= 60 else clean[:57] + "..."


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


def plain_file_name(value: Any, where: str) -> str:
    name = want_str(value, where)
    if _BAD_NAME.search(name) or name in (".", "..") or len(name) > 255:
        raise InvalidFieldError(f"{where} must be a plain file name")
    return name


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
        if any(canonical_class(c) != c for c in classes) or len(set(classes)) != len(classes):
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


def team_settings(value: Any) -> TeamSettings:
    doc = want_obj(value, "team")
    blind = doc.get("blind", False)
    if not isinstance(blind, bool):
        raise InvalidFieldError("team.blind must be true or false")
    return TeamSettings(
        blind=blind,
        overlap=want_num(doc.get("overlap", 0.0), "team.overlap", 0.0, 1.0),
        adjudicators=str_list(doc.get("adjudicators", []), "team.adjudicators"),
        annotators=str_list(doc.get("annotators", []), "team.annotators"),
    )


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
