"""Compiled EBM scoring matches interpret's predict_proba to 1e-6, on any input form."""

from __future__ import annotations

import copy
import subprocess
import sys
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from interpret.glassbox import ExplainableBoostingClassifier, ExplainableBoostingRegressor

from models._scoring_direct import bin_floats
from models.scoring import (
    CompiledEBM,
    ScoringPool,
    compile_ebm,
    prepare_pool,
    resolve_device,
    uncertainty_from_proba,
)
from models.scoring_bench import benchmark_scoring

ATOL = 1e-6
CATS = np.array(["a", "b", "c", "d"], dtype=object)


def _fit(X: Any, y: Any, **kwargs: Any) -> ExplainableBoostingClassifier:
    params: dict[str, Any] = {
        "n_jobs": 1,
        "outer_bags": 2,
        "max_rounds": 40,
        "max_bins": 12,
        "max_interaction_bins": 6,
        "interactions": 0,
        "random_state": 0,
    }
    params.update(kwargs)
    ebm = ExplainableBoostingClassifier(**params)
    with warnings.catch_warnings():  # missing values / multiclass-pair visualisation notes
        warnings.simplefilter("ignore", UserWarning)
        ebm.fit(X, y)
    return ebm


def _interpret_proba(ebm: ExplainableBoostingClassifier, X: Any) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return np.asarray(ebm.predict_proba(X))


def _frame(rng: np.random.Generator, n: int, missing: float, unseen: bool) -> pd.DataFrame:
    """Numeric, integer and categorical columns; optionally NaN/None and unseen values."""
    num = np.round(rng.normal(size=n), 1)
    ints = rng.integers(0, 9 if unseen else 6, n)
    cat = rng.choice(np.append(CATS, "zz") if unseen else CATS, n).astype(object)
    obj = cat.copy()
    if missing:
        num[rng.random(n) < missing] = np.nan
        cat[rng.random(n) < missing] = None
        obj[rng.random(n) < missing] = np.nan
    return pd.DataFrame({"num": num, "ints": ints, "cat": cat, "obj": pd.Series(obj, dtype=object)})


def _labels(rng: np.random.Generator, n: int, n_classes: int) -> np.ndarray:
    y = np.arange(n) % n_classes
    rng.shuffle(y)
    return np.array(["p", "q", "r"])[y] if n_classes == 3 else y


def _with_cut_values(ebm: ExplainableBoostingClassifier, X: pd.DataFrame) -> pd.DataFrame:
    """Put every cut value (and its float neighbours) into the numeric column: edge bins."""
    cuts = np.concatenate([np.asarray(level) for level in ebm.bins_[0]])
    edges = np.concatenate([cuts, np.nextafter(cuts, -np.inf), [np.inf, -np.inf, -0.0]])
    X = X.copy()
    X.loc[X.index[: len(edges)], "num"] = edges[: len(X)]
    return X


def _check_parity(ebm: ExplainableBoostingClassifier, X: Any, chunk_rows: int = 1000) -> None:
    """One-shot (the data itself) and a prepared pool, numpy and torch, all match interpret."""
    expected = _interpret_proba(ebm, X)
    for backend in ("numpy", "torch"):
        for data in (X, ScoringPool.from_frame(X)):
            compiled = compile_ebm(ebm)
            compiled.cpu_backend = backend
            compiled.chunk_rows = chunk_rows
            got = compiled.predict_proba(data, device="cpu")
            assert got.shape == expected.shape
            np.testing.assert_allclose(got, expected, rtol=0, atol=ATOL, err_msg=backend)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**16),
    n_classes=st.sampled_from([2, 3]),
    interactions=st.sampled_from([0, 3]),
    missing=st.sampled_from([0.0, 0.2]),
    outer_bags=st.integers(2, 3),
    chunk_rows=st.sampled_from([7, 64, 262_144]),
    nominal_numbers=st.booleans(),
)
def test_parity_with_interpret(
    seed: int,
    n_classes: int,
    interactions: int,
    missing: float,
    outer_bags: int,
    chunk_rows: int,
    nominal_numbers: bool,
) -> None:
    rng = np.random.default_rng(seed)
    X = _frame(rng, 60, missing, unseen=False)
    # numbers as categories: floats compare as "0.5", "2" ("2.0"), "0" ("-0.0"); ints as str
    types = ["nominal", "nominal", "auto", "auto"] if nominal_numbers else None
    ebm = _fit(
        X,
        _labels(rng, 60, n_classes),
        interactions=interactions,
        outer_bags=outer_bags,
        feature_types=types,
    )
    X_new = _frame(rng, 90, max(missing, 0.1), unseen=True)
    if not nominal_numbers:
        X_new = _with_cut_values(ebm, X_new)
    else:
        X_new.loc[:3, "num"] = [-0.0, 2.0, 1e16, np.inf]
    _check_parity(ebm, X_new, chunk_rows)


_SPECIALS = [0.0, -0.0, np.inf, -np.inf, np.nan, -np.nan, 5e-324, -5e-324, 1e308, -1e308]


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**16),
    n_cuts=st.integers(1, 300),
    scale=st.sampled_from([1e-300, 1e-3, 1.0, 1e3, 1e300]),
    rounded=st.booleans(),
)
def test_one_shot_binning_equals_searchsorted(
    seed: int, n_cuts: int, scale: float, rounded: bool
) -> None:
    """The prefix-table binning is searchsorted(side="right") exactly, NaN to the missing slot."""
    rng = np.random.default_rng(seed)
    values = rng.standard_cauchy(3000) * scale
    if rounded:
        values = np.round(values, 1)
    values[: len(_SPECIALS)] = _SPECIALS
    finite = values[np.isfinite(values)]
    cuts = np.unique(np.concatenate([rng.choice(finite, n_cuts), rng.choice([0.0, -0.0], 1)]))
    values[len(_SPECIALS) : len(_SPECIALS) + len(cuts)] = cuts  # values equal to cuts go up
    expected = np.searchsorted(cuts, values, side="right")
    expected[np.isnan(values)] = len(cuts) + 1
    np.testing.assert_array_equal(bin_floats(values, cuts).astype(np.int64), expected)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_large_pool_parity(n_classes: int) -> None:
    """A pool with ~70k distinct values per column takes the coarse lookups: still exact."""
    rng = np.random.default_rng(11)
    n = 70_000
    X = pd.DataFrame(rng.normal(size=(n, 3)), columns=["a", "b", "c"])
    X.iloc[rng.random(n) < 0.05, 0] = np.nan
    X["cat"] = pd.Categorical(rng.choice(["x", "y", "z"], n))
    ebm = _fit(X.iloc[:400], _labels(rng, 400, n_classes), interactions=[(0, 1), (1, 3)])
    X = _with_cut_values(ebm, X.rename(columns={"a": "num"})).rename(columns={"num": "a"})
    expected = _interpret_proba(ebm, X)
    pool = ScoringPool.from_frame(X)
    assert min(c.n_uniques for c in pool.columns[:3]) > 65_536
    compiled = compile_ebm(ebm)
    np.testing.assert_allclose(compiled.predict_proba(pool, "cpu"), expected, atol=ATOL)
    assert any(d.coarse is not None for g in compiled._plan(pool, "mean").gathers for d in g.dims)
    np.testing.assert_allclose(compile_ebm(ebm).predict_proba(X, "cpu"), expected, atol=ATOL)
    spread = compile_ebm(ebm).disagreement(pool, "cpu")
    np.testing.assert_allclose(compile_ebm(ebm).disagreement(X, "cpu"), spread, atol=1e-12)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_interactions_with_missing_values(n_classes: int) -> None:
    rng = np.random.default_rng(1)
    X = _frame(rng, 120, 0.2, unseen=False)
    pairs = [(0, 1), (0, 2), (1, 3), (2, 3)]
    ebm = _fit(X, _labels(rng, 120, n_classes), interactions=pairs)
    assert sum(len(t) == 2 for t in ebm.term_features_) == len(pairs)
    _check_parity(ebm, _with_cut_values(ebm, _frame(rng, 200, 0.2, unseen=True)), chunk_rows=33)


def test_object_and_pandas_dtypes() -> None:
    """Mixed Python types, numeric strings, categoricals, pandas string/nullable dtypes."""
    rng = np.random.default_rng(2)
    n = 80
    mixed_pool = np.array(
        [1, 1.0, 2.5, "2.5", True, False, "a", np.float32(1.1), np.int64(7), -0.0], dtype=object
    )
    numeric_text = np.array(["1.5", "2", "3.25", "-1", "1e1", "0.5"], dtype=object)

    def frame(n_rows: int, predict: bool) -> pd.DataFrame:
        text = numeric_text.copy()
        if predict:
            text = np.append(text, ["abc", "nan", " 2 "])
        mixed = rng.choice(mixed_pool, n_rows)
        mixed[rng.random(n_rows) < 0.1] = None
        numtext = rng.choice(text, n_rows)
        numtext[rng.random(n_rows) < 0.1] = None  # a scored missing bin, apart from unknown
        bools = rng.choice(np.array([True, False, None], dtype=object), n_rows)
        intbool = rng.choice(np.array([1, True, 0, False, "a", 2], dtype=object), n_rows)
        return pd.DataFrame(
            {
                "mixed": pd.Series(mixed, dtype=object),
                "numtext": pd.Series(numtext, dtype=object),
                "bools": pd.Series(bools, dtype=object),
                "intbool": pd.Series(intbool, dtype=object),  # True -> "True", 1 -> "1"
                "floatcat": pd.Series(rng.choice([0.5, 1.0, 2.0], n_rows)).astype("category"),
                "strcat": pd.Series(rng.choice(["x", "y", "z"], n_rows)).astype("category"),
                "string": pd.Series(
                    rng.choice(np.array(["u", "v", None], dtype=object), n_rows), dtype="string"
                ),
                "nullable": pd.Series(
                    rng.choice(np.array([1, 2, 3, None], dtype=object), n_rows), dtype="Int64"
                ),
                "flag": rng.random(n_rows) < 0.5,
                "floats32": rng.normal(size=n_rows).astype(np.float32),
            }
        )

    X = frame(n, predict=False)
    for n_classes in (2, 3):
        types = ["auto"] * X.shape[1]
        types[2] = "nominal"  # bools would be continuous by default
        ebm = _fit(
            X, _labels(rng, n, n_classes), interactions=[(0, 1), (2, 5)], feature_types=types
        )
        assert list(ebm.feature_types_in_[:3]) == ["nominal", "continuous", "nominal"]
        X_new = frame(150, predict=True)
        X_new.loc[0, "strcat"] = np.nan
        _check_parity(ebm, X_new, chunk_rows=50)
        X_new.loc[1, "bools"] = "True"  # str next to bools: all become unknown text
        _check_parity(ebm, X_new, chunk_rows=50)
        _check_parity(ebm, X_new.to_numpy(dtype=object), chunk_rows=50)


def test_dataframe_array_and_pool_agree() -> None:
    rng = np.random.default_rng(3)
    X = pd.DataFrame(rng.normal(size=(200, 4)), columns=list("wxyz"))
    X.iloc[::7, 1] = np.nan
    ebm = _fit(X.iloc[:100], _labels(rng, 100, 2), interactions=2)
    compiled = compile_ebm(ebm)
    expected = _interpret_proba(ebm, X)
    pool = prepare_pool(X)
    for data in (X, X.to_numpy(), pool, ScoringPool.from_frame(X.to_numpy())):
        np.testing.assert_allclose(compiled.predict_proba(data, "cpu"), expected, atol=ATOL)
    # a pool with extra columns in another order is matched by name
    shuffled = ScoringPool.from_frame(X[["z", "y", "x", "w"]].assign(extra=1.0))
    np.testing.assert_allclose(compiled.predict_proba(shuffled, "cpu"), expected, atol=ATOL)
    with pytest.raises(ValueError, match="columns"):
        compiled.predict_proba(X[["w", "x"]], "cpu")


def test_chunking_and_threads_do_not_change_results() -> None:
    rng = np.random.default_rng(4)
    X = _frame(rng, 1000, 0.1, unseen=True)
    ebm = _fit(X.iloc[:300], _labels(rng, 300, 3), interactions=2)
    pool = prepare_pool(X)
    reference = compile_ebm(ebm).predict_proba(pool, "cpu")
    for chunk_rows, threads in ((1, 1), (999, 2), (333, 2), (10**6, 1)):
        compiled = compile_ebm(ebm)
        compiled.chunk_rows, compiled.n_threads = chunk_rows, threads
        np.testing.assert_array_equal(compiled.predict_proba(pool, "cpu"), reference)
        assert compiled.disagreement(pool, "cpu").shape == (1000,)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_uncertainty_matches_numpy_reference(n_classes: int) -> None:
    rng = np.random.default_rng(5)
    X = _frame(rng, 150, 0.1, unseen=True)
    ebm = _fit(X, _labels(rng, 150, n_classes))
    p = _interpret_proba(ebm, X)
    top = np.sort(p, axis=1)[:, ::-1]
    reference = {
        "least_confident": 1.0 - top[:, 0],
        "margin": 1.0 - (top[:, 0] - top[:, 1]),
        "entropy": -(p * np.log(p)).sum(axis=1),
    }
    compiled = compile_ebm(ebm)
    for kind, expected in reference.items():
        got = compiled.uncertainty(X, kind, device="cpu")  # type: ignore[arg-type]
        np.testing.assert_allclose(got, expected, atol=ATOL, err_msg=kind)
    with pytest.raises(ValueError, match="kind"):
        uncertainty_from_proba(p, "bogus")  # type: ignore[arg-type]


def _identical_bags(compiled: CompiledEBM) -> CompiledEBM:
    compiled.bagged_scores = tuple(
        np.repeat(s[:1], s.shape[0], axis=0) for s in compiled.bagged_scores
    )
    compiled.bagged_intercept = np.repeat(compiled.bagged_intercept[:1], compiled.n_bags, axis=0)
    return compiled


def _reference_disagreement(ebm: ExplainableBoostingClassifier, X: Any) -> np.ndarray:
    """Mean KL(p_b || mean p) with each bag's p_b from interpret itself (bag b as the model)."""
    probs = []
    for b in range(len(ebm.bagged_intercept_)):
        bag = copy.deepcopy(ebm)
        bag.intercept_ = np.atleast_1d(ebm.bagged_intercept_[b])
        bag.term_scores_ = [s[b] for s in ebm.bagged_scores_]
        probs.append(_interpret_proba(bag, X))
    p = np.stack(probs)
    q = p.mean(axis=0)
    return np.asarray((p * np.log(p / q)).sum(axis=2).mean(axis=0))


@pytest.mark.parametrize("n_classes", [2, 3])
def test_disagreement(n_classes: int) -> None:
    rng = np.random.default_rng(6)
    X = _frame(rng, 120, 0.1, unseen=True)
    ebm = _fit(X, _labels(rng, 120, n_classes), outer_bags=3, interactions=2)
    pool = prepare_pool(X)
    spread = compile_ebm(ebm).disagreement(pool, "cpu")
    assert spread.shape == (120,)
    assert np.all(spread >= 0) and np.all(spread > 1e-12)
    torch_compiled = compile_ebm(ebm)
    torch_compiled.cpu_backend = "torch"
    np.testing.assert_allclose(torch_compiled.disagreement(pool, "cpu"), spread, atol=1e-12)
    np.testing.assert_allclose(spread, _reference_disagreement(ebm, X), rtol=1e-6, atol=1e-9)
    same = _identical_bags(compile_ebm(ebm)).disagreement(pool, "cpu")
    np.testing.assert_allclose(same, 0.0, atol=1e-12)
    one_bag = _fit(X, _labels(rng, 120, n_classes), outer_bags=1)
    assert np.all(compile_ebm(one_bag).disagreement(X, "cpu") == 0.0)


def test_monoclassification_and_regressor() -> None:
    X = pd.DataFrame({"a": np.arange(20.0)})
    ebm = _fit(X, np.zeros(20, int))
    compiled = compile_ebm(ebm)
    np.testing.assert_array_equal(compiled.predict_proba(X, "cpu"), _interpret_proba(ebm, X))
    assert np.all(compiled.uncertainty(X, "margin", "cpu") == 0.0)
    with pytest.raises(ValueError, match="fitted"):
        compile_ebm(ExplainableBoostingClassifier())
    regressor = ExplainableBoostingRegressor(n_jobs=1, outer_bags=1, max_rounds=5)
    regressor.fit(X, np.arange(20.0))
    with pytest.raises(ValueError, match="classifiers"):
        compile_ebm(regressor)


def test_devices() -> None:
    assert resolve_device("cpu") == "cpu"
    assert resolve_device("auto") in ("cpu", "cuda", "mps")
    with pytest.raises(ValueError, match="device"):
        resolve_device("tpu")
    import torch

    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA"):
            resolve_device("cuda")


@pytest.mark.skipif(not __import__("torch").cuda.is_available(), reason="needs a CUDA device")
def test_cuda_parity() -> None:  # pragma: no cover - only where a GPU exists
    rng = np.random.default_rng(7)
    X = _frame(rng, 300, 0.1, unseen=True)
    ebm = _fit(X, _labels(rng, 300, 3), interactions=2)
    got = compile_ebm(ebm).predict_proba(X, "cuda")
    np.testing.assert_allclose(got, _interpret_proba(ebm, X), atol=ATOL)


def test_import_does_not_load_torch() -> None:
    code = "import sys, models.scoring; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_benchmark_smoke() -> None:
    result = benchmark_scoring(n_rows=3000, n_features=3, repeats=1, n_train=300, device="cpu")
    assert result["rows"] == 3000 and result["device"] == "cpu"
    assert result["max_abs_diff"] < ATOL
    for key in ("interpret_s", "one_shot_s", "rescore_s", "prep_s", "one_shot_ratio"):
        assert result[key] > 0, key
    assert result["classes"] == 3 and result["peak_rss_mb"] > 0
