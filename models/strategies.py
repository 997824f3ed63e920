"""Query strategies: which unlabelled samples the expert should see next, and why.

Every strategy returns ranked ``Suggestion`` objects with a reason tag. Batches
are diversity-aware (a greedy choice that trades score against distance to the
samples already picked), so a batch is not ten copies of one confusing case.
With no model yet (zero labels, or one class seen) the cold start spreads the
first picks over the data with farthest-point traversal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from models.projection import RowSource

STRATEGIES = ("margin", "least_confident", "entropy", "committee", "random")
# What the window offers. The committee (margin plus the outer bags' disagreement)
# still runs by name. It beats the old committee (disagreement alone) on every set
# of tools/measure_committee.py, but it is only level with margin sampling (AULC
# -0.006 to +0.002, mean -0.001, over six sets), so it adds a choice, not a gain.
CHOICES = ("margin", "least_confident", "entropy", "random")

REASON_UNCERTAIN = "uncertain"
REASON_COMMITTEE = "committee disagrees"
REASON_UNEXPLORED = "unexplored region"
REASON_RARE = "rare class"
REASON_RANDOM = "random"

# The committee: the consensus's margin, plus this weight times the outer bags'
# disagreement (scaled to [0, 1] over the pool). None ranks by disagreement alone.
COMMITTEE_WEIGHT: float | None = 0.1


@dataclass(frozen=True)
class Suggestion:
    position: int  # row position in the data
    score: float
    reason: str


def offered(current: str) -> tuple[str, ...]:
    """The strategies to offer: the default choices, plus ``current`` if a project uses another."""
    return CHOICES if current in CHOICES else (*CHOICES, current)


def margin_uncertainty(proba: np.ndarray) -> np.ndarray:
    """1 - (p1 - p2), the two most likely classes' gap; 0 for a single class."""
    if proba.shape[1] < 2:
        return np.zeros(proba.shape[0])
    if proba.shape[1] == 2:  # the same numbers as sorting each row, 10× faster
        return np.asarray(1.0 - np.abs(proba[:, 1] - proba[:, 0]))
    top2 = np.partition(proba, -2, axis=1)[:, -2:]  # [:, -1] the largest
    return np.asarray(1.0 - (top2[:, 1] - top2[:, 0]))


def uncertainty(proba: np.ndarray, kind: str) -> np.ndarray:
    """Higher means the model is less sure; all three are in [0, 1]."""
    if proba.shape[1] < 2:
        return np.zeros(proba.shape[0])
    if kind == "least_confident":
        return np.asarray(1.0 - proba.max(axis=1))
    if kind == "margin":
        return margin_uncertainty(proba)
    if kind == "entropy":
        p = np.clip(proba, 1e-12, 1.0)
        return np.asarray(-(p * np.log(p)).sum(axis=1) / np.log(proba.shape[1]))
    raise ValueError(f"unknown uncertainty kind {kind!r}")


def committee_scores(
    proba: np.ndarray, disagreement: np.ndarray, weight: float | None
) -> np.ndarray:
    """Where the committee's members disagree, among the samples the consensus is unsure of."""
    d = np.asarray(disagreement, dtype=np.float64)
    if weight is None:
        return d
    top = float(d.max()) if len(d) else 0.0
    scaled = d / top if top > 0 else np.zeros_like(d)
    return np.asarray(uncertainty(proba, "margin") + weight * scaled)


def select_batch(
    scores: np.ndarray,
    embedding: RowSource,
    n: int,
    diversity: float = 1.0,
    pool_factor: int = 10,
    rows: np.ndarray | None = None,
) -> list[int]:
    """Pick ``n`` indices with high scores that are also spread out.

    Candidates are the best ``pool_factor * n`` by score; each pick maximises
    ``weight * d / (d + d_median)``, where ``weight`` falls from 1 to 0.5 with the
    score's rank and where ``d`` is the distance to the nearest
    sample picked so far. ``diversity=0`` is plain top-n. With ``rows``, score ``i``
    belongs to ``embedding[rows[i]]``: only the candidates' rows are read, never a
    copy of the whole pool's embedding (160 MB at a million rows).
    """
    n = min(n, len(scores))
    if n <= 0:
        return []
    k = n if diversity <= 0 or n == 1 else max(pool_factor * n, 50)
    order = _top(scores, k)
    if diversity <= 0 or n == 1:
        return [int(i) for i in order[:n]]
    cand = order[:k]
    emb = embedding[cand] if rows is None else embedding[rows[cand]]
    # Rank-based weights (1 for the best candidate down to 0.5) keep the trade-off
    # independent of how a strategy scales its scores.
    s = 1.0 - 0.5 * np.arange(len(cand)) / max(len(cand), 1)
    chosen = [0]
    dmin = np.linalg.norm(emb - emb[0], axis=1)
    scale = float(np.median(dmin[dmin > 0])) if np.any(dmin > 0) else 1.0
    for _ in range(1, n):
        gain = s * (dmin / (dmin + diversity * scale))
        gain[chosen] = -np.inf
        nxt = int(np.argmax(gain))
        if not np.isfinite(gain[nxt]):
            break
        chosen.append(nxt)
        dmin = np.minimum(dmin, np.linalg.norm(emb - emb[nxt], axis=1))
    return [int(cand[c]) for c in chosen]


TOP_BY_PARTITION = 100_000  # above this many scores the best are found without a full sort


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    """The indices of the ``k`` highest scores, best first, ties in index order.

    A full sort of a million scores takes ~0.1 s; above ``TOP_BY_PARTITION`` only the
    best ``k`` are found (``argpartition``) and sorted.
    """
    if len(scores) <= TOP_BY_PARTITION or k >= len(scores):
        return np.argsort(-scores, kind="stable")[:k]
    idx = np.argpartition(-scores, k - 1)[:k]
    return idx[np.lexsort((idx, -scores[idx]))]


def _nearest_labelled(emb: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Each pool row's distance to the nearest labelled row.

    Broadcasting the differences needs pool × labelled × features numbers (31 GB for a
    million rows and 200 labels), so big pools take ``|a-b|² = |a|² + |b|² - 2ab`` by
    blocks of rows, one matrix product each.
    """
    if len(emb) * len(ref) <= 10_000_000:
        dmin = np.full(len(emb), np.inf)
        for start in range(0, len(ref), 256):
            block = ref[start : start + 256]
            d = np.linalg.norm(emb[:, None, :] - block[None, :, :], axis=2).min(axis=1)
            dmin = np.minimum(dmin, d)
        return dmin
    ref_sq = (ref * ref).sum(axis=1)
    out = np.empty(len(emb))
    step = max(1, 50_000_000 // (8 * max(len(ref), 1)))
    for start in range(0, len(emb), step):
        a = emb[start : start + step]
        sq = (a * a).sum(axis=1)[:, None] + ref_sq[None, :] - 2.0 * (a @ ref.T)
        out[start : start + step] = np.sqrt(np.maximum(sq.min(axis=1), 0.0))
    return out


def farthest_first(
    embedding: RowSource, pool: np.ndarray, labelled: np.ndarray, n: int
) -> list[Suggestion]:
    """Cold start: each pick is the pool sample farthest from everything seen so far."""
    if len(pool) == 0 or n <= 0:
        return []
    emb = embedding[pool]
    if len(labelled):
        dmin = _nearest_labelled(emb, embedding[labelled])
    else:
        # Start from the most typical sample, then spread out from it.
        first = int(np.argmin(np.linalg.norm(emb - emb.mean(axis=0), axis=1)))
        dmin = np.linalg.norm(emb - emb[first], axis=1)
        picks = [Suggestion(int(pool[first]), 1.0, REASON_UNEXPLORED)]
        dmin[first] = -1.0
        return picks + _traverse(emb, pool, dmin, n - 1)
    return _traverse(emb, pool, dmin, n)


def _traverse(emb: np.ndarray, pool: np.ndarray, dmin: np.ndarray, n: int) -> list[Suggestion]:
    picks: list[Suggestion] = []
    top = float(dmin.max()) if len(dmin) else 1.0
    for _ in range(min(n, int((dmin >= 0).sum()))):
        i = int(np.argmax(dmin))
        if dmin[i] < 0:
            break
        picks.append(
            Suggestion(int(pool[i]), float(dmin[i] / top) if top > 0 else 0.0, REASON_UNEXPLORED)
        )
        dmin = np.minimum(dmin, np.linalg.norm(emb - emb[i], axis=1))
        dmin[i] = -1.0
    return picks


def rank_pool(
    strategy: str,
    pool: np.ndarray,
    n: int,
    *,
    proba: np.ndarray | None,
    disagreement: np.ndarray | None,
    embedding: RowSource,
    labelled: np.ndarray,
    class_counts: dict[int, int] | None = None,
    seed: int = 0,
    diversity: float = 1.0,
) -> list[Suggestion]:
    """The next ``n`` samples of ``pool`` (row positions) to label, best first.

    ``proba`` and ``disagreement`` cover every row; ``None`` means no model yet.
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}; choose one of {', '.join(STRATEGIES)}")
    pool = np.asarray(pool, dtype=np.int64)
    n = min(n, len(pool))
    if n <= 0:
        return []
    rng = np.random.default_rng(seed)
    if strategy == "random":
        picks = rng.choice(pool, size=n, replace=False)
        return [Suggestion(int(p), 0.0, REASON_RANDOM) for p in picks]
    if proba is None:
        return farthest_first(embedding, pool, labelled, n)

    rare = _rare_class_picks(proba, pool, class_counts or {}, max(1, n // 5))
    taken = np.asarray([s.position for s in rare], dtype=np.int64)
    rest = pool[~np.isin(pool, taken)] if len(taken) else pool
    if strategy == "committee" and disagreement is not None:
        scores = committee_scores(proba[rest], disagreement[rest], COMMITTEE_WEIGHT)
        reason = REASON_COMMITTEE
    else:
        kind = "margin" if strategy == "committee" else strategy
        scores, reason = uncertainty(proba[rest], kind), REASON_UNCERTAIN
    # Ties (common with few labels) are broken randomly but reproducibly.
    jitter = rng.random(len(rest)) * 1e-9
    chosen = select_batch(scores + jitter, embedding, n - len(rare), diversity, rows=rest)
    main = [Suggestion(int(rest[i]), float(scores[i]), reason) for i in chosen]
    return _interleave(main, rare)


def _rare_class_picks(
    proba: np.ndarray, pool: np.ndarray, class_counts: dict[int, int], n: int
) -> list[Suggestion]:
    """Samples the model thinks belong to a class with very few labels."""
    if not class_counts:
        return []
    total = sum(class_counts.values())
    rare = [k for k, c in class_counts.items() if c < max(3, 0.05 * total)]
    picks: list[Suggestion] = []
    for k in rare:
        if len(picks) >= n:
            break
        p = proba[pool, k]
        best = int(np.argmax(p))
        if p[best] >= 0.3:
            picks.append(Suggestion(int(pool[best]), float(p[best]), REASON_RARE))
    return picks


def _interleave(main: list[Suggestion], extra: list[Suggestion]) -> list[Suggestion]:
    """Put rare-class picks after the first few main picks, not all at the end."""
    out = list(main[:2])
    out.extend(extra)
    out.extend(main[2:])
    return out
