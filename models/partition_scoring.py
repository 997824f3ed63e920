"""Score any table with a project's compiled models: one partition at a time, no files.

Why: predictions for rows beyond the project (a folder of Parquet files larger than RAM,
scored on a Dask cluster, or one file scored in-process) must equal what the app shows.
So the rows go through the same design matrix as training (`models.design`), chained
targets in dependency order, and each target's `CompiledEBM` (plain arrays: it pickles
to worker processes without interpret). The uncertainty is the strategies' definition.

The most uncertain rows are found map-reduce style: `top_rows` per partition, then
`merge_tops` over any number of those; ties go to the earlier partition and row, so the
merged top-N equals the top-N of all rows at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from models.design import design_matrix
from models.scoring import CompiledEBM, UncertaintyKind, uncertainty_from_proba

__all__ = [
    "ChainedInput",
    "TargetScorer",
    "TargetScores",
    "merge_tops",
    "needed_columns",
    "ranked",
    "score_frame",
    "top_rows",
]

TOP_COLUMNS = ("target", "partition", "row", "id", "prediction", "confidence", "uncertainty")


@dataclass(frozen=True)
class ChainedInput:
    """A design column fed by an upstream target: its predicted class, or a probability."""

    column: str
    upstream: str
    class_index: int | None  # None: the predicted class as text; else that class's probability
    # (-1: a class the upstream model never saw, probability 0)


@dataclass(frozen=True)
class TargetScorer:
    """Everything one target needs to score rows it has never seen."""

    name: str
    classes: tuple[str, ...]  # the model's classes, in its probability columns' order
    features: tuple[str, ...]  # data columns
    kinds: dict[str, str]  # data column -> column kind (numeric, categorical, ...)
    chained: tuple[ChainedInput, ...]
    compiled: CompiledEBM


@dataclass(frozen=True)
class TargetScores:
    classes: tuple[str, ...]
    proba: np.ndarray  # (n, len(classes))
    predicted: np.ndarray  # (n,) int index into classes
    confidence: np.ndarray
    uncertainty: np.ndarray

    @property
    def labels(self) -> np.ndarray:
        return np.asarray(self.classes, dtype=object)[self.predicted]


def needed_columns(scorers: Iterable[TargetScorer]) -> list[str]:
    """The data columns any target reads, in first-use order."""
    seen: dict[str, None] = {}
    for scorer in scorers:
        seen.update(dict.fromkeys(scorer.features))
    return list(seen)


def score_frame(
    scorers: Sequence[TargetScorer],
    frame: pd.DataFrame,
    kind: UncertaintyKind = "margin",
    device: str = "cpu",
) -> dict[str, TargetScores]:
    """Score `frame` for every target; `scorers` come upstream first (training order)."""
    out: dict[str, TargetScores] = {}
    n = len(frame)
    for scorer in scorers:
        chained: dict[str, np.ndarray] = {}
        for link in scorer.chained:
            upstream = out.get(link.upstream)
            if upstream is None:
                raise ValueError(f"Target {scorer.name} needs {link.upstream} scored first.")
            if link.class_index is None:
                chained[link.column] = upstream.labels if n else np.empty(0, dtype=object)
            elif link.class_index < 0:
                chained[link.column] = np.zeros(n)
            else:
                chained[link.column] = upstream.proba[:, link.class_index].copy()
        X, _ = design_matrix(frame, list(scorer.features), scorer.kinds, chained)
        if n:
            proba = scorer.compiled.predict_proba(X, device)
        else:
            proba = np.empty((0, len(scorer.classes)))
        predicted = np.argmax(proba, axis=1) if n else np.empty(0, np.intp)
        out[scorer.name] = TargetScores(
            scorer.classes,
            proba,
            predicted,
            proba.max(axis=1) if n else np.empty(0),
            uncertainty_from_proba(proba, kind) if n else np.empty(0),
        )
    return out


def top_rows(
    target: str,
    partition: int,
    ids: np.ndarray,
    scores: TargetScores,
    n_top: int,
) -> pd.DataFrame:
    """This partition's `n_top` most uncertain rows (ties: the earlier row first)."""
    rows = np.arange(len(ids))
    order = np.lexsort((rows, -scores.uncertainty))[:n_top]
    return pd.DataFrame(
        {
            "target": np.full(len(order), target, dtype=object),
            "partition": np.full(len(order), partition, dtype=np.int64),
            "row": order.astype(np.int64),
            "id": np.asarray(ids, dtype=object)[order],
            "prediction": scores.labels[order],
            "confidence": scores.confidence[order],
            "uncertainty": scores.uncertainty[order],
        },
        columns=list(TOP_COLUMNS),
    )


def merge_tops(parts: Sequence[pd.DataFrame], n_top: int) -> pd.DataFrame:
    """The `n_top` most uncertain rows per target among several partitions' top rows."""
    frames = [p for p in parts if len(p)]
    if not frames:
        return pd.DataFrame({c: [] for c in TOP_COLUMNS})
    both = pd.concat(frames, ignore_index=True)
    both = both.sort_values(
        ["target", "uncertainty", "partition", "row"],
        ascending=[True, False, True, True],
        kind="stable",
    )
    return both.groupby("target", sort=False).head(n_top).reset_index(drop=True)


def ranked(tops: pd.DataFrame) -> pd.DataFrame:
    """Final form of merged top rows: a 1-based rank per target, most uncertain first."""
    out = tops.copy()
    out.insert(1, "rank", out.groupby("target", sort=False).cumcount() + 1)
    return out
