"""The row index answers exactly as a list of keys and a dict from key to position would."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from app.core.row_index import positions_of, row_index
from app.core.schema import canonical

CASES: list[Any] = [
    np.arange(1, 8, dtype=np.int64),  # consecutive
    np.array([40, -3, 7, 1000, 0, 12], dtype=np.int64),  # unsorted with gaps
    np.array([5, 6, 7, 9], dtype=np.int32),  # almost consecutive
    np.array([3, 1, 2], dtype=np.uint16),
    np.array([], dtype=np.int64),
    np.array(["b", "a", "007", "x y"], dtype=object),  # not whole numbers: the plain path
    np.array([1.5, 2.0, 3.25]),
]


def _reference(values: Any) -> tuple[list[str], list[Any], dict[str, int]]:
    ids = np.asarray(values).tolist()
    keys = [canonical(v) or "" for v in ids]
    return keys, ids, dict(zip(keys, range(len(keys)), strict=True))


@pytest.mark.parametrize("values", CASES, ids=lambda v: f"{np.asarray(v).dtype}-{len(v)}")
def test_the_index_matches_a_list_and_a_dict(values: Any) -> None:
    index = row_index(values)
    keys, ids, positions = _reference(values)
    assert list(index.keys) == keys and len(index.keys) == len(keys)
    assert [index.keys[i] for i in range(len(keys))] == keys
    assert list(index.ids) == ids and [index.ids[i] for i in range(len(ids))] == ids
    assert all(type(a) is type(b) for a, b in zip(index.ids, ids, strict=True))
    assert len(index.positions) == len(positions)
    for key, position in positions.items():
        assert key in index.positions and index.positions[key] == position
        assert index.positions.get(key) == position
    for stranger in ["007", "+7", " 7", "7.0", "", "abc", "-0", str(2**70), "99999"]:
        if stranger not in positions:
            assert stranger not in index.positions
            assert index.positions.get(stranger) is None
            with pytest.raises(KeyError):
                index.positions[stranger]


def test_whole_number_ids_keep_no_python_object_per_row() -> None:
    index = row_index(np.arange(10, 1_000_010, dtype=np.int64))
    assert not isinstance(index.keys, list) and not isinstance(index.positions, dict)
    assert index.positions["500009"] == 499_999 and index.keys[-1] == "1000009"
    assert index.ids[0] == 10 and type(index.ids[0]) is int


@pytest.mark.parametrize("values", CASES, ids=lambda v: f"{np.asarray(v).dtype}-{len(v)}")
def test_looking_up_many_keys_at_once_answers_as_one_at_a_time(values: Any) -> None:
    index = row_index(values)
    keys, _ids, positions = _reference(values)
    asked = [*keys[::-1], "007", "+7", " 7", "7.0", "", "abc", "-0", str(2**70), "99999", "-3"]
    found = positions_of(index.positions, asked)
    assert found.tolist() == [positions.get(k, -1) for k in asked]
