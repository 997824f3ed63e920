"""Big data keeps no second copy of its rows: models score straight from the columns, the
embedding is read by rows, and both give the numbers the small-data path gives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import models.training as training
from app.core.session import LabelingSession
from app.worker import payloads, tasks
from models.ebm import EBMSettings
from models.projection import StandardizedRows, pca, standardized
from models.training import train_targets
from tests.datasets import mixed_file


@pytest.fixture
def mixed(tmp_path: Path) -> LabelingSession:
    session = LabelingSession.open(
        mixed_file(tmp_path),
        ["a_label", "b_label"],
        features={"a_label": ["x1", "color"], "b_label": ["x2", "a_label"]},
    )
    session.project.model = EBMSettings.tiny()
    return session


def _train(session: LabelingSession) -> dict[str, training.FittedTarget | None]:
    kinds = session.schema.column_kinds
    order = payloads.target_inputs(session)
    return train_targets(session.data, kinds, order, session.project.model)


def test_a_big_pool_is_scored_from_the_columns_with_the_same_numbers(
    mixed: LabelingSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    with mixed:
        small = _train(mixed)
        monkeypatch.setattr(training, "POOL_MAX_ROWS", 10)  # the 240 rows count as big
        big = _train(mixed)
        for name in ("a_label", "b_label"):  # b_label is chained on a_label
            kept, direct = small[name], big[name]
            assert kept is not None and direct is not None
            assert kept.pool is not None and kept.binned is None
            assert direct.pool is None and direct.binned is not None
            # One byte per cell: the model's own bins, not the data's distinct values.
            assert direct.binned.codes.dtype == np.uint8
            assert direct.binned.n_rows == mixed.n_rows
            np.testing.assert_allclose(direct.proba, kept.proba, rtol=0, atol=1e-12)
            np.testing.assert_allclose(direct.committee(), kept.committee(), rtol=0, atol=1e-12)
        light = payloads.light(big["a_label"], None)  # type: ignore[arg-type]
        assert light.binned is None and light.pool is None  # nothing big crosses to the window


def test_the_design_matrix_reads_float_columns_without_a_copy(mixed: LabelingSession) -> None:
    from models.design import design_matrix

    with mixed:
        X, _types = design_matrix(mixed.data, ["x1", "color"], mixed.schema.column_kinds, {})
        assert np.shares_memory(X["x1"].to_numpy(), mixed.data["x1"].to_numpy())


def _frame(n: int = 500) -> tuple[pd.DataFrame, dict[str, str]]:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "num": rng.normal(size=n),
            "ints": rng.integers(0, 9, n),
            "cat": rng.choice(np.array(["x", "y", "z", None], dtype=object), n),
            "text_numbers": rng.choice(np.array(["1", "2.5", "n/a", None], dtype=object), n),
            "empty": np.full(n, np.nan),
        }
    )
    frame.loc[::7, "num"] = np.nan
    kinds = {
        "num": "numeric",
        "ints": "numeric",
        "cat": "categorical",
        "text_numbers": "numeric",
        "empty": "numeric",
    }
    return frame, kinds


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_standardized_rows_are_the_rows_of_the_whole_matrix(dtype: type) -> None:
    frame, kinds = _frame()
    columns = list(kinds)
    with np.errstate(invalid="ignore"):
        whole = standardized(frame, columns, kinds, dtype)
        rows = StandardizedRows(frame, columns, kinds, dtype)
        assert rows.shape == whole.shape == (len(frame), 1 + 1 + 3 + 1 + 1)
        picked = np.random.default_rng(0).choice(len(frame), 40)
        np.testing.assert_array_equal(rows[picked], whole[picked])
        np.testing.assert_array_equal(rows[100:180], whole[100:180])
        assert rows[picked].dtype == np.dtype(dtype)
    assert StandardizedRows(frame, [], kinds)[np.array([1, 2])].shape == (2, 1)


def test_the_map_of_rows_read_in_blocks_is_the_map_of_the_matrix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import models.projection as projection

    frame, kinds = _frame(900)
    columns = ["num", "ints", "cat"]
    whole = standardized(frame, columns, kinds)
    monkeypatch.setattr(projection, "PCA_FIT_ROWS", 300)  # sampled axes, blocks of rows
    np.testing.assert_allclose(
        pca(StandardizedRows(frame, columns, kinds), 2), pca(whole, 2), rtol=0, atol=1e-12
    )


def test_the_worker_reads_a_big_embedding_by_rows(
    mixed: LabelingSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    with mixed:
        kinds = mixed.schema.column_kinds
        small = tasks.WorkerState(mixed.data, kinds).embedding(["x1", "color"])
        monkeypatch.setattr(tasks, "BIG", 10)
        state = tasks.WorkerState(mixed.data, kinds)
        big = state.embedding(["x1", "color"])
        assert isinstance(big, StandardizedRows)
        assert state.embedding(["color", "x1"]) is big  # one per set of columns
        assert isinstance(small, np.ndarray)
        picked = np.arange(0, mixed.n_rows, 7)
        whole = standardized(mixed.data, ["color", "x1"], kinds, np.float32)
        np.testing.assert_array_equal(big[picked], whole[picked])
        picks = tasks.suggest(state, payloads.suggest_payload(mixed, "a_label", 5, "margin"))
        assert len(picks) == 5 and len({p.position for p in picks}) == 5
