"""Shared by the measurement scripts: run ``simulate`` on a dataset and summarise the rounds."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.core.simulate import simulate
from models.ebm import EBMSettings
from tools.datasets import Dataset, start_labels, write_simulation


def run(
    dataset: Dataset,
    strategy: str,
    *,
    seed: int,
    batch: int,
    budget: int,
    per_class: int = 2,
    settings: EBMSettings | None = None,
    on_round: Callable[[Any, list[dict[str, Any]]], None] | None = None,
) -> dict[str, Any]:
    """One simulation from a stratified handful of labels; returns simulate's document."""
    X, y = dataset
    start = start_labels(y, per_class, seed)
    with tempfile.TemporaryDirectory(prefix="lw-measure-") as tmp:
        data, truth = write_simulation(Path(tmp), X, y, start)
        return simulate(
            data,
            truth,
            ["label"],
            strategy,
            batch,
            budget,
            seed=seed,
            settings=settings or EBMSettings(random_state=seed),
            on_round=on_round,
        )


def f1_curve(doc: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    labels = np.asarray([r["labels"] for r in doc["rounds"]], dtype=np.float64)
    f1 = np.asarray([r["targets"]["label"]["model_f1"] for r in doc["rounds"]], dtype=np.float64)
    return labels, f1


def aulc(doc: dict[str, Any]) -> float:
    """Area under the macro-F1 learning curve, divided by its width (so it reads as an F1)."""
    x, y = f1_curve(doc)
    if len(x) < 2:
        return float(y[0]) if len(y) else float("nan")
    return float(np.trapezoid(y, x) / (x[-1] - x[0]))


def labels_to_reach(doc: dict[str, Any], f1: float) -> int | None:
    x, y = f1_curve(doc)
    hit = np.flatnonzero(y >= f1)
    return int(x[hit[0]]) if len(hit) else None


def f1_at(doc: dict[str, Any], labels: int) -> float:
    """Macro-F1 of the last round with at most ``labels`` labels."""
    x, y = f1_curve(doc)
    idx = np.flatnonzero(x <= labels)
    return float(y[idx[-1]]) if len(idx) else float(y[0])
