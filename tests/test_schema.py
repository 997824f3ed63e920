from __future__ import annotations

import pytest

from app.core.errors import UserError
from app.core.schema import Schema, TargetSpec, canonical, sort_classes, topological_order


def test_canonical_spellings() -> None:
    assert canonical(1) == canonical(1.0) == canonical("1") == "1"
    assert canonical(float("nan")) is None
    assert canonical(None) is None
    assert canonical(" yes ") == "yes"
    assert canonical(2.5) == "2.5"


def test_classes_sort_numbers_numerically() -> None:
    assert sort_classes(["10", "9", "b", "a"]) == ["9", "10", "a", "b"]


def test_dependencies_come_first() -> None:
    order = topological_order({"ckd": ["dm", "htn"], "dm": [], "htn": ["dm"]})
    assert order.index("dm") < order.index("htn") < order.index("ckd")


def test_cycle_is_refused_with_its_path() -> None:
    schema = Schema(
        "id", [TargetSpec("a", uses_targets=["b"]), TargetSpec("b", uses_targets=["a"])]
    )
    with pytest.raises(UserError, match=r"cycle \(a → b → a\)"):
        schema.validate(["id", "a", "b"])


def test_unknown_feature_is_refused() -> None:
    schema = Schema("id", [TargetSpec("a", features=["nope"])])
    with pytest.raises(UserError, match="nope"):
        schema.validate(["id", "a"])


def test_round_trip_json() -> None:
    schema = Schema(
        "id", [TargetSpec("a", ["0", "1"], ["x"], ["b"]), TargetSpec("b", ["n"])], {"x": "numeric"}
    )
    assert Schema.from_json(schema.to_json()) == schema
