"""The project schema: targets, their classes, feature subsets and chained targets."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from app.core.errors import UserError


def canonical(value: Any) -> str | None:
    """One spelling per value, so 1, 1.0, "1" and numpy's 1 are the same label or id."""
    if value is None:
        return None
    if isinstance(value, float | int) and not isinstance(value, bool):
        f = float(value)
        if math.isnan(f):
            return None
        if f.is_integer():
            return str(int(f))
        return repr(f)
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        return canonical(value.item())
    text = str(value).strip()
    if text == "" or text.lower() == "nan":
        return None
    return text


_DECIMAL = re.compile(r"[+-]?(0|[1-9]\d*)(\.\d*)?([eE][+-]?\d+)?|[+-]?\.\d+")


def canonical_class(value: Any) -> str | None:
    """One spelling per class: 1, 1.0, "1", "1.0" and " 1 " are all the class "1".

    Classes reach the app from the data file, a truth file, typed labels and
    bundles, and pandas writes an integer column with blanks as 1.0, 2.0. Numbers
    written as plain decimals therefore meet in one spelling. Zero-padded codes
    ("01", "007") are names, as ``typed`` treats them, and keep their spelling.
    """
    key = canonical(value)
    if key is None or not _DECIMAL.fullmatch(key):
        return key
    number = float(key)
    if not math.isfinite(number):
        return key
    return str(int(number)) if number.is_integer() and abs(number) < 2**53 else repr(number)


def typed(text: str) -> int | str:
    """The friendliest Python value for a canonical label or id."""
    try:
        number = int(text)
    except ValueError:
        return text
    return number if str(number) == text else text  # "007" stays a name


def sort_classes(classes: list[str]) -> list[str]:
    """Numbers in numeric order, then text alphabetically."""
    return sorted(classes, key=lambda c: (0, float(c), "") if _is_number(c) else (1, 0.0, c))


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@dataclass
class TargetSpec:
    """One label column: its classes, its data features and the targets it builds on."""

    name: str
    classes: list[str] = field(default_factory=list)
    features: list[str] = field(default_factory=list)
    uses_targets: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "classes": list(self.classes),
            "features": list(self.features),
            "uses_targets": list(self.uses_targets),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TargetSpec:
        return cls(
            name=str(data["name"]),
            classes=[str(c) for c in data.get("classes", [])],
            features=[str(f) for f in data.get("features", [])],
            uses_targets=[str(t) for t in data.get("uses_targets", [])],
        )


@dataclass
class Schema:
    """Everything about the columns that the user decided or confirmed."""

    id_column: str
    targets: list[TargetSpec]
    column_kinds: dict[str, str] = field(default_factory=dict)
    image_column: str | None = None

    @property
    def target_names(self) -> list[str]:
        return [t.name for t in self.targets]

    def target(self, name: str) -> TargetSpec:
        for spec in self.targets:
            if spec.name == name:
                return spec
        raise UserError(
            f"There is no target named '{name}'; choose one of {', '.join(self.target_names)}."
        )

    def training_order(self) -> list[str]:
        """Targets ordered so that each comes after every target it uses."""
        return topological_order({t.name: list(t.uses_targets) for t in self.targets})

    def validate(self, columns: list[str]) -> None:
        names = self.target_names
        if len(set(names)) != len(names):
            raise UserError("Two targets have the same name; give each target its own column.")
        if not names:
            raise UserError("The project has no target; choose at least one label column.")
        known = set(columns)
        if self.image_column is not None and self.image_column not in known:
            raise UserError(
                f"The image column '{self.image_column}' is not a column of the data; choose "
                "another image column or none."
            )
        for spec in self.targets:
            for feature in spec.features:
                if feature not in known:
                    raise UserError(
                        f"Target '{spec.name}' uses the feature '{feature}', which is not a "
                        "column of the data; remove it from the feature list."
                    )
                if feature in names or feature == self.id_column:
                    raise UserError(
                        f"Target '{spec.name}' lists '{feature}' as a plain feature; use target "
                        "columns through chained targets and leave the id column out."
                    )
            for other in spec.uses_targets:
                if other not in names:
                    raise UserError(
                        f"Target '{spec.name}' builds on '{other}', which is not a target; "
                        "add it as a target or remove the link."
                    )
        self.training_order()

    def to_json(self) -> dict[str, Any]:
        return {
            "id_column": self.id_column,
            "targets": [t.to_json() for t in self.targets],
            "column_kinds": dict(self.column_kinds),
            "image_column": self.image_column,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Schema:
        return cls(
            id_column=str(data["id_column"]),
            targets=[TargetSpec.from_json(t) for t in data["targets"]],
            column_kinds={str(k): str(v) for k, v in data.get("column_kinds", {}).items()},
            image_column=data.get("image_column"),
        )


def topological_order(graph: dict[str, list[str]]) -> list[str]:
    """Order nodes after their dependencies; refuse a cycle and name it."""
    order: list[str] = []
    state: dict[str, int] = {}  # 1 = visiting, 2 = done

    def visit(node: str, path: list[str]) -> None:
        mark = state.get(node, 0)
        if mark == 2:
            return
        if mark == 1:
            cycle = [*path[path.index(node) :], node]
            raise UserError(
                "The targets depend on each other in a cycle ("
                + " → ".join(cycle)
                + "); remove one of these links."
            )
        state[node] = 1
        for dep in graph.get(node, []):
            visit(dep, [*path, node])
        state[node] = 2
        order.append(node)

    for node in graph:
        visit(node, [])
    return order
