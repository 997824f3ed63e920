"""Knowing when to stop: kappa between successive models, and simulate's stop keys."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

from app.core.errors import UserError
from app.core.simulate import simulate
from models.ebm import EBMSettings
from models.stopping import StopMonitor, cohen_kappa, first_stable, stop_set


def test_kappa_matches_scikit_learn_and_handles_constant_predictions() -> None:
    rng = np.random.default_rng(0)
    a = rng.choice(np.array(["x", "y", "z"], dtype=object), 300)
    b = a.copy()
    b[rng.random(300) < 0.2] = "y"
    assert cohen_kappa(a, b) == pytest.approx(cohen_kappa_score(a, b))
    assert cohen_kappa(a, a) == 1.0
    same = np.array(["x"] * 10, dtype=object)
    assert cohen_kappa(same, same) == 1.0  # scikit-learn says nan here
    assert cohen_kappa(same, np.array(["y"] * 10, dtype=object)) == 0.0


def test_stop_set_is_fixed_and_capped() -> None:
    assert stop_set(50).tolist() == list(range(50))
    big = stop_set(100_000, size=1000, seed=3)
    assert len(big) == 1000 and len(set(big.tolist())) == 1000
    assert np.array_equal(big, stop_set(100_000, size=1000, seed=3))


def test_monitor_counts_stable_rounds_and_advises_stopping() -> None:
    rng = np.random.default_rng(1)
    truth = rng.choice(np.array(["a", "b"], dtype=object), 400)
    monitor = StopMonitor.for_rows(400, step=10)
    assert monitor.observe(truth, 10) is None  # the first round has nothing to compare with
    changing = truth.copy()
    changing[:80] = np.where(truth[:80] == "a", "b", "a")
    kappa = monitor.observe(changing, 20)
    assert kappa is not None and kappa < 0.9
    assert monitor.stable_rounds() == 0
    assert "still changing" in monitor.message()
    assert monitor.observe(changing, 25) is None  # fewer than `step` new labels: not a round
    for n in (30, 40):
        assert monitor.observe(changing, n) == 1.0
    assert monitor.stable_rounds() == 2 and not monitor.should_stop()
    assert "2 of 3 rounds" in monitor.message()
    monitor.observe(changing, 50)
    assert monitor.should_stop()
    assert monitor.stop_at() == 50
    assert "stable for 3 rounds (κ ≥ 0.99)" in monitor.message()
    # An undo (fewer labels than the last round) starts over.
    monitor.observe(truth, 45)
    assert monitor.stable_rounds() == 0 and monitor.stop_at() is None


def test_first_stable_needs_a_run_of_rounds() -> None:
    labels = [10, 20, 30, 40, 50, 60]
    assert first_stable(labels, [None, 0.995, 0.98, 0.995, 0.999, 1.0]) == 60
    assert first_stable(labels, [None, 0.995, 0.995, 0.98, 0.995, 0.995]) is None


def _three_class_files(folder: Path, data_spelling: str, truth_spelling: str) -> tuple[Path, Path]:
    rng = np.random.default_rng(5)
    n = 150
    y = np.repeat([0, 1, 2], n // 3)
    x = y + rng.normal(0, 0.25, n)
    z = rng.normal(size=n)
    start = np.concatenate([np.flatnonzero(y == k)[:4] for k in range(3)])
    spell = {"int": lambda v: str(v), "float": lambda v: f"{v}.0", "word": lambda v: "abc"[v]}
    label = np.full(n, "", dtype=object)
    label[start] = [spell[data_spelling](int(v)) for v in y[start]]
    ids = np.arange(1, n + 1)
    data = pd.DataFrame({"id": ids, "x": x, "z": z, "label": label})
    truth = pd.DataFrame({"id": ids, "label": [spell[truth_spelling](int(v)) for v in y]})
    data.to_csv(folder / "d.csv", index=False)
    # Parquet keeps text as text: "1.0" reaches the app exactly as another tool wrote it.
    truth.to_parquet(folder / "t.parquet", index=False)
    return folder / "d.csv", folder / "t.parquet"


def test_simulate_reports_the_stop_signal_and_one_spelling_per_class(tmp_path: Path) -> None:
    data, truth = _three_class_files(tmp_path, "int", "float")
    out = simulate(data, truth, ["label"], "margin", 10, 40, seed=0, settings=EBMSettings.tiny())
    rounds = out["rounds"]
    assert [r["labels"] for r in rounds] == [12, 22, 32, 42, 52]
    assert rounds[0]["stop_kappa"] is None
    kappas = [r["stop_kappa"] for r in rounds[1:]]
    assert all(isinstance(k, float) and -1.0 <= k <= 1.0 for k in kappas)
    assert "stop_at" in out
    assert out["stop_at"] == first_stable([r["labels"] for r in rounds], [None, *kappas])
    # 0 / 1 / 2 in the data and "0.0" / "1.0" / "2.0" in the truth are three classes, not six.
    assert rounds[-1]["targets"]["label"]["model_f1"] > 0.8


def test_simulate_refuses_a_truth_file_with_other_classes(tmp_path: Path) -> None:
    data, truth = _three_class_files(tmp_path, "word", "int")
    with pytest.raises(UserError, match="same classes as the data"):
        simulate(data, truth, ["label"], "margin", 10, 10, settings=EBMSettings.tiny())
