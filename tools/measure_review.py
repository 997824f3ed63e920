"""Does the review queue find flipped labels at least as well as cleanlab on boosted trees?

Usage: nice .venv/bin/python tools/measure_review.py [--sets breast_cancer wine ...]
       [--seeds 0 1 2] [--noise 0.1 0.3] [--variants] [--skip-40] [--out review.md]

For every set, noise level and seed, a share of the labels is flipped to another
class uniformly at random, and k = the number flipped. The score is top-k precision:
the share of flipped rows among the k rows ranked most suspicious. Columns:

- old:      the previous review queue (EBM out-of-fold, cleanlab-flagged rows first);
- cleanlab: cleanlab's label-quality ranking on out-of-fold HistGradientBoosting
            (scikit-learn's defaults), the same folds;
- new:      the review queue as the app runs it now (models.label_quality).

The 40% part flips 40% of a binary target's labels and reports the share of
flipped rows whose suggested label is the true one, beside an in-sample EBM (as
in the XLabel paper) and the ceiling: an out-of-fold EBM trained on clean labels.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models.ebm import EBMSettings, align_proba, fit_ebm
from models.label_quality import (
    OutOfFold,
    _folds,
    count_issues,
    issue_scores,
    log_loss,
    out_of_fold,
    rank_label_issues,
)
from tools import datasets

BINARY_40 = (
    "separable_binary",
    "separable_binary_6000",
    "breast_cancer",
    "DM_label",
    "HTN_label",
    "CKD_label",
    "DLP_label",
)


def load(name: str) -> datasets.Dataset:
    if name in datasets.SETS:
        return datasets.SETS[name]()
    if name == "separable_binary":
        return datasets.separable_binary()
    if name == "separable_binary_6000":  # the same generator, three times the rows
        return datasets.separable_binary(n=6000)
    return datasets.clinic_target(name)


def top_k(score: np.ndarray, flipped: np.ndarray) -> float:
    """Share of flipped rows among the ``len(flipped)`` highest scores (stable order)."""
    k = len(flipped)
    order = np.argsort(-score, kind="stable")
    return len(set(order[:k].tolist()) & set(flipped.tolist())) / k


def cleanlab_trees(
    matrix: np.ndarray, categorical: np.ndarray, y: np.ndarray, classes: list[str], seed: int
) -> np.ndarray:
    """Out-of-fold probabilities of HistGradientBoosting with scikit-learn's defaults."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from threadpoolctl import threadpool_limits

    out = np.zeros((len(y), len(classes)))
    cats = categorical if categorical.any() else None
    for train, test in _folds(y, 5, seed):
        model = HistGradientBoostingClassifier(categorical_features=cats, random_state=seed)
        with threadpool_limits(limits=1, user_api="openmp"):
            model.fit(matrix[train], y[train])
            proba = model.predict_proba(matrix[test])
        out[test] = align_proba(proba, list(model.classes_), classes)
    return out


def previous_queue(
    X: Any, y: np.ndarray, types: list[str], classes: list[str], seed: int
) -> np.ndarray:
    """Out-of-fold probabilities as the review queue made them before: the EBM alone, 3 pairs."""
    settings = EBMSettings(random_state=seed)
    return out_of_fold(X, y, types, classes, settings, second_opinion=False, more_pairs=False).ebm


def variants(oof: OutOfFold, labels: np.ndarray) -> dict[str, np.ndarray]:
    """Candidate mixes, each as probabilities (for the --variants table)."""
    assert oof.trees is not None
    choose = oof.ebm if log_loss(oof.ebm, labels) <= log_loss(oof.trees, labels) else oof.trees
    return {
        "ebm": oof.ebm,
        "trees": oof.trees,
        "average": (oof.ebm + oof.trees) / 2,
        "choose": choose,
        "weighted": oof.mixed,
    }


def normalized_margin(proba: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """cleanlab's normalized margin, as a suspicion score (higher = more suspicious)."""
    given = proba[np.arange(len(labels)), labels]
    other = proba.copy()
    other[np.arange(len(labels)), labels] = -1.0
    return np.asarray(1.0 - (given - other.max(axis=1) + 1.0) / 2.0)


def one_run(name: str, noise: float, seed: int, show_variants: bool) -> dict[str, Any]:
    from cleanlab.rank import get_label_quality_scores

    from models.second_opinion import tree_matrix

    X, y = load(name)
    types = datasets.feature_types(X)
    classes = sorted(set(y.tolist()))
    noisy, flipped = datasets.flip_labels(y, noise, seed)
    labels = np.asarray([classes.index(c) for c in noisy])
    start = time.perf_counter()
    oof = out_of_fold(X, noisy, types, classes, EBMSettings(random_state=seed))
    seconds = time.perf_counter() - start
    items = rank_label_issues(np.arange(len(y)), noisy, oof.mixed, classes)
    new_order = np.asarray([it.position for it in items])
    new_score = np.zeros(len(y))
    new_score[new_order] = np.arange(len(y), 0, -1)
    # The previous queue: the interactive EBM alone, confident learning's flagged rows first.
    old = previous_queue(X, noisy, types, classes, seed)
    old_score = issue_scores(old, labels)
    old_flagged = _cleanlab_flags(old, labels)
    matrix, categorical = tree_matrix(X, types)
    base = cleanlab_trees(matrix, categorical, noisy, classes, seed)
    row = {
        "set": name,
        "noise": noise,
        "seed": seed,
        "k": len(flipped),
        "old": top_k(old_score + 2.0 * old_flagged, flipped),
        "cleanlab": top_k(1.0 - get_label_quality_scores(labels, base), flipped),
        "new": top_k(new_score, flipped),
        "ebm_weight": oof.ebm_weight,
        "flagged": sum(it.flagged for it in items),
        "seconds": seconds,
    }
    if show_variants:
        for tag, p in variants(oof, labels).items():
            row[f"{tag}/conf"] = top_k(issue_scores(p, labels), flipped)
            row[f"{tag}/margin"] = top_k(normalized_margin(p, labels), flipped)
            row[f"{tag}/ll"] = log_loss(p, labels)
        row["cleanlab/margin"] = top_k(normalized_margin(base, labels), flipped)
    return row


def _cleanlab_flags(proba: np.ndarray, labels: np.ndarray) -> np.ndarray:
    from cleanlab.filter import find_label_issues

    flags = find_label_issues(labels, proba, filter_by="prune_by_noise_rate")
    assert count_issues(proba, labels) == int(np.sum(flags))
    return np.asarray(flags, dtype=np.float64)


def forty(name: str, seed: int) -> dict[str, Any]:
    """40% of a binary target flipped: is the true label suggested for the flipped rows?"""
    X, y = load(name)
    types = datasets.feature_types(X)
    classes = sorted(set(y.tolist()))
    noisy, flipped = datasets.flip_labels(y, 0.4, seed)
    settings = EBMSettings(random_state=seed)
    oof = out_of_fold(X, noisy, types, classes, settings)
    truth = y[flipped]

    def right(proba: np.ndarray) -> float:
        return float(np.mean(np.asarray(classes)[proba[flipped].argmax(axis=1)] == truth))

    old = previous_queue(X, noisy, types, classes, seed)

    in_sample = fit_ebm(X, noisy, types, settings).predict(X.iloc[flipped])
    clean = out_of_fold(X, y, types, classes, settings, second_opinion=False)
    return {
        "set": name,
        "seed": seed,
        "flipped": len(flipped),
        "old": right(old),
        "new": right(oof.mixed),
        "in_sample": float(np.mean(np.asarray(in_sample, dtype=object) == truth)),
        "ceiling": right(clean.ebm),
    }


def mean(rows: list[dict[str, Any]], key: str) -> float:
    return statistics.mean(float(r[key]) for r in rows)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sets", nargs="+", default=list(datasets.SETS))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--noise", type=float, nargs="+", default=[0.1, 0.3])
    parser.add_argument("--variants", action="store_true", help="also score candidate mixes")
    parser.add_argument("--skip-40", action="store_true")
    parser.add_argument("--forty-sets", nargs="+", default=list(BINARY_40))
    parser.add_argument("--out", default=None, help="also write the tables as Markdown")
    args = parser.parse_args()
    lines = [
        f"Top-k precision, k = rows flipped; mean of seeds {' '.join(map(str, args.seeds))}",
        "",
        "| set | noise | k | old queue | cleanlab + HGB | new queue | EBM weight |",
        "|---|---|---|---|---|---|---|",
    ]
    print("\n".join(lines), flush=True)
    for name in args.sets:
        for noise in args.noise:
            rows = [one_run(name, noise, s, args.variants) for s in args.seeds]
            for r in rows:
                detail = {k: round(v, 3) for k, v in r.items() if isinstance(v, float)}
                print(f"  {r['set']} seed {r['seed']}: {detail}", file=sys.stderr, flush=True)
            weights = "/".join(f"{r['ebm_weight']:g}" for r in rows)
            line = (
                f"| {name} | {noise:.0%} | {rows[0]['k']} | {mean(rows, 'old'):.3f} | "
                f"{mean(rows, 'cleanlab'):.3f} | {mean(rows, 'new'):.3f} | {weights} |"
            )
            lines.append(line)
            print(line, flush=True)
            if args.variants:
                keys = [k for k in rows[0] if "/" in k]
                print("    " + "  ".join(f"{k} {mean(rows, k):.3f}" for k in keys), flush=True)
    if not args.skip_40:
        head = [
            "",
            "40% of a binary target flipped: share of flipped rows given the true label as "
            "the suggestion",
            "",
            "| set | flipped | old queue | new queue | in-sample EBM | ceiling (clean labels) |",
            "|---|---|---|---|---|---|",
        ]
        lines.extend(head)
        print("\n".join(head), flush=True)
        for name in args.forty_sets:
            rows = [forty(name, s) for s in args.seeds]
            line = (
                f"| {name} | {rows[0]['flipped']} | {mean(rows, 'old'):.3f} | "
                f"{mean(rows, 'new'):.3f} | {mean(rows, 'in_sample'):.3f} | "
                f"{mean(rows, 'ceiling'):.3f} |"
            )
            lines.append(line)
            print(line, flush=True)
    if args.out:
        Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
