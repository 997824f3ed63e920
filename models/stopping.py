"""Knowing when to stop labelling: stabilizing predictions.

Bloodgood & Vijay-Shanker (CoNLL 2009, "A method for stopping active learning
based on stabilizing predictions") compare successive models on a fixed *stop
set* of rows that need no labels: once Cohen's kappa between their predictions
has stayed at or above 0.99 for a few rounds, more labels rarely change the
model, and labelling can stop. The stop set here is a seeded sample of every row
(labelled or not); it never changes during a session, so the signal compares like
with like.

A "round" is a fixed number of new labels (the suggestion batch), not one
retrain: the GUI retrains after every label, and two models one label apart
agree almost always, which would advise stopping far too early.
``tools/measure_stopping.py`` measures what stopping where this advises costs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

STOP_KAPPA = 0.99
STABLE_ROUNDS = 3
STOP_SET_SIZE = 4000


def stop_set(n_rows: int, size: int = STOP_SET_SIZE, seed: int = 0) -> np.ndarray:
    """Sorted positions of the fixed stop set: every row up to ``size``, else a sample."""
    if n_rows <= size:
        return np.arange(n_rows, dtype=np.int64)
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n_rows, size=size, replace=False)).astype(np.int64)


def cohen_kappa(a: np.ndarray, b: np.ndarray) -> float:
    """Cohen's kappa of two label vectors; 1.0 when they are identical (even constant)."""
    a = np.asarray(a, dtype=object)
    b = np.asarray(b, dtype=object)
    if len(a) == 0 or np.array_equal(a, b):
        return 1.0
    values, codes = np.unique(np.concatenate([a, b]).astype(str), return_inverse=True)
    ca, cb = codes[: len(a)], codes[len(a) :]
    k = len(values)
    observed = float(np.mean(ca == cb))
    pa = np.bincount(ca, minlength=k) / len(a)
    pb = np.bincount(cb, minlength=k) / len(b)
    expected = float(np.dot(pa, pb))
    if expected >= 1.0:
        return 1.0 if observed >= 1.0 else 0.0
    return (observed - expected) / (1.0 - expected)


def first_stable(
    labels: list[int],
    kappas: list[float | None],
    threshold: float = STOP_KAPPA,
    window: int = STABLE_ROUNDS,
) -> int | None:
    """The labels of the first round that ends ``window`` rounds in a row with κ ≥ threshold."""
    run = 0
    for n, kappa in zip(labels, kappas, strict=True):
        run = run + 1 if kappa is not None and kappa >= threshold else 0
        if run >= window:
            return n
    return None


@dataclass
class StopRound:
    labels: int
    kappa: float | None  # against the previous round's model; None for the first


@dataclass
class StopMonitor:
    """Tracks one target's models round by round and says when predictions have settled.

    ``observe`` is called with every new model; it records a round only once at
    least ``step`` labels were added since the last recorded round.
    """

    positions: np.ndarray
    step: int = 10
    threshold: float = STOP_KAPPA
    window: int = STABLE_ROUNDS
    rounds: list[StopRound] = field(default_factory=list)
    _previous: np.ndarray | None = field(default=None, repr=False)

    @classmethod
    def for_rows(cls, n_rows: int, step: int = 10, seed: int = 0) -> StopMonitor:
        return cls(stop_set(n_rows, seed=seed), step=max(1, step))

    def observe(self, predicted: np.ndarray, n_labels: int) -> float | None:
        """Record a model's predictions (every row); returns the round's kappa if one was recorded.

        Fewer labels than the last round (an undo, a removal) restarts the count
        from this model, because its predictions are no longer "later".
        """
        current = np.asarray(predicted, dtype=object)[self.positions]
        if self.rounds and n_labels < self.rounds[-1].labels:
            self.rounds.clear()
            self._previous = None
        if self.rounds and n_labels - self.rounds[-1].labels < self.step:
            return None
        kappa = None if self._previous is None else cohen_kappa(self._previous, current)
        self.rounds.append(StopRound(n_labels, kappa))
        self._previous = current
        return kappa

    @property
    def last_kappa(self) -> float | None:
        return self.rounds[-1].kappa if self.rounds else None

    def stable_rounds(self) -> int:
        """How many of the latest rounds in a row kept kappa at or above the threshold."""
        count = 0
        for r in reversed(self.rounds):
            if r.kappa is None or r.kappa < self.threshold:
                break
            count += 1
        return count

    def should_stop(self) -> bool:
        return self.stable_rounds() >= self.window

    def stop_at(self) -> int | None:
        """The number of labels at which stopping was first advised, if it was."""
        return first_stable(
            [r.labels for r in self.rounds],
            [r.kappa for r in self.rounds],
            self.threshold,
            self.window,
        )

    def message(self) -> str:
        """One sentence for the expert."""
        if not self.rounds or self.last_kappa is None:
            return (
                f"Stability is measured after every {self.step} new labels "
                "by comparing the model with the previous one."
            )
        n = self.stable_rounds()
        kappa = self.last_kappa
        if n >= self.window:
            return (
                f"Predictions have been stable for {n} rounds (κ ≥ {self.threshold:g}): "
                "more labels are unlikely to change the model; you can stop."
            )
        if n > 0:
            return (
                f"Predictions have been stable for {n} of {self.window} rounds "
                f"(κ = {kappa:.3f} ≥ {self.threshold:g}); keep labelling."
            )
        return f"Predictions are still changing (κ = {kappa:.3f} against {self.step} labels ago)."
