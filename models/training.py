"""Train every target's EBM in dependency order and score every row.

This is the work a background thread runs: it reads a frozen snapshot and
never touches the label store or files, so the GUI can keep labelling while
it runs and drop the result if the labels moved on.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from models.design import chained_columns, design_matrix
from models.ebm import EBMSettings, align_proba, fit_ebm
from models.jobs import Cancelled, Progress, ShouldStop, check_stop, report

__all__ = ["Cancelled", "FittedTarget", "TargetInput", "can_train", "train_targets"]

if TYPE_CHECKING:
    import pandas as pd
    from interpret.glassbox import ExplainableBoostingClassifier


@dataclass
class TargetInput:
    """What training one target needs, frozen at the moment the job was made."""

    name: str
    classes: list[str]
    features: list[str]
    uses_targets: list[str]
    labels: dict[int, str]  # row position -> class


@dataclass
class FittedTarget:
    """A trained model and its predictions for every row."""

    name: str
    classes: list[str]
    ebm: ExplainableBoostingClassifier
    design_columns: list[str]
    feature_types: list[str]
    proba: np.ndarray  # (n_rows, n_classes) in class order
    n_labels: int
    fit_seconds: float
    # Every row as the model sees it is not kept (160 MB per target at a million rows ×
    # 20 features): ``app.core.design_rows`` makes the rows an explanation or a review needs.
    design: pd.DataFrame | None = None
    compiled: Any = None
    pool: Any = None  # the rows prepared once for fast rescoring (models.scoring.ScoringPool)
    # Above POOL_MAX_ROWS: every row binned by this model's own cuts (uint8 cells, 20 MB
    # at a million rows × 20), which its committee scores again without binning.
    binned: Any = field(default=None, repr=False)
    _committee: np.ndarray | None = field(default=None, repr=False)

    def committee(self) -> np.ndarray:
        """Disagreement among the outer bags on every row, computed once per model."""
        if self._committee is None:
            source = self.pool if self.pool is not None else self.binned
            self._committee = np.asarray(self.compiled.disagreement(source))
        return self._committee

    @property
    def predicted(self) -> np.ndarray:
        idx = np.argmax(self.proba, axis=1)
        return np.asarray(self.classes, dtype=object)[idx]

    def confidence(self) -> np.ndarray:
        return np.asarray(self.proba.max(axis=1), dtype=np.float64)


# Above this many rows no scoring pool is kept. Its unique values and row codes (225 MB
# at a million rows × 20) made a rescoring 10-70 ms faster than binning the columns
# straight against the new model's cuts (`CompiledEBM.one_shot_pool`: 0.09-0.15 s), and
# preparing it cost the first model 1.6 s (tools/measure_pool_memory.py). The model keeps
# its own binned rows instead (uint8, 20 MB): without them its committee binned every
# row again, and choosing the committee at a million rows took 0.39 s instead of 0.25 s.
POOL_MAX_ROWS = 100_000


def can_train(labels: dict[int, str]) -> bool:
    """A classifier needs two classes, each seen at least once."""
    return len(set(labels.values())) >= 2


def train_targets(
    data: pd.DataFrame,
    kinds: dict[str, str],
    order: list[TargetInput],
    settings: EBMSettings,
    previous: dict[str, FittedTarget] | None = None,
    progress: Progress | None = None,
    should_stop: ShouldStop | None = None,
) -> dict[str, FittedTarget | None]:
    """Fit targets in ``order`` (dependencies first); None where a target cannot train yet."""
    results: dict[str, FittedTarget | None] = {}
    n = len(data)
    for i, target in enumerate(order):
        check_stop(should_stop)
        report(progress, i / max(len(order), 1), f"Training {target.name}")
        chained: dict[str, np.ndarray] = {}
        for upstream in target.uses_targets:
            fitted = results.get(upstream) or (previous or {}).get(upstream)
            spec = next((t for t in order if t.name == upstream), None)
            chained.update(
                chained_columns(
                    upstream,
                    n,
                    spec.labels if spec is not None else {},
                    spec.classes if spec is not None else [],
                    None if fitted is None else fitted.predicted,
                    None if fitted is None else fitted.proba,
                )
            )
        if not can_train(target.labels):
            results[target.name] = None
            continue
        # Without chained columns the rows a target sees never change: reuse their pool.
        old = (previous or {}).get(target.name)
        reuse = old.pool if old is not None and not target.uses_targets else None
        results[target.name] = fit_target(data, kinds, target, chained, settings, reuse)
    report(progress, 1.0, "Trained")
    return results


def fit_target(
    data: pd.DataFrame,
    kinds: dict[str, str],
    target: TargetInput,
    chained: dict[str, np.ndarray],
    settings: EBMSettings,
    pool: Any = None,
) -> FittedTarget:
    from models.scoring import ScoringPool, compile_ebm

    positions = np.fromiter(target.labels.keys(), dtype=np.int64)
    y = np.asarray([target.labels[p] for p in positions], dtype=object)
    names = [*target.features, *chained]
    columns = None  # every row as the model sees it, when no pool is kept
    if len(data) > POOL_MAX_ROWS:  # views of the data: binned below by this model's cuts
        columns, types = design_matrix(data, target.features, kinds, chained)
        pool = None
        X_fit = columns.iloc[positions]
    elif pool is None or list(pool.names) != names:
        # Every row once, for the scoring pool; then only the labelled rows are kept.
        X, types = design_matrix(data, target.features, kinds, chained)
        pool = ScoringPool.from_frame(X)
        X_fit = X.iloc[positions]
        del X
    else:  # the pool already holds every row: the fit needs the labelled rows alone
        rows = {name: values[positions] for name, values in chained.items()}
        X_fit, types = design_matrix(data.iloc[positions], target.features, kinds, rows)
    start = time.perf_counter()
    ebm = fit_ebm(X_fit, y, types, settings)
    seconds = time.perf_counter() - start
    compiled = compile_ebm(ebm)
    binned = None if columns is None else compiled.one_shot_pool(columns)
    proba = align_proba(
        compiled.predict_proba(pool if pool is not None else binned),
        [str(c) for c in ebm.classes_],
        target.classes,
    )
    return FittedTarget(
        name=target.name,
        classes=list(target.classes),
        ebm=ebm,
        design_columns=names,
        feature_types=types,
        proba=proba,
        n_labels=len(positions),
        fit_seconds=seconds,
        compiled=compiled,
        pool=pool,
        binned=binned,
    )
