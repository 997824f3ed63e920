"""Active learning with a truth file as the oracle: how fast does each strategy learn?

Each round also carries ``stop_kappa``: Cohen's kappa between this round's and
the previous round's predictions on a fixed stop set (the lowest over the
targets), and the output's ``stop_at`` is the number of labels at which
stabilizing predictions (``models.stopping``) first advised stopping, or null.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from app.core.errors import UserError
from app.core.schema import canonical, canonical_class
from models.ebm import EBMSettings
from models.stopping import StopMonitor, first_stable


def load_truth(truth_path: Path, id_column: str, targets: list[str]) -> dict[str, dict[str, str]]:
    """Target → (canonical id → canonical label) from the truth file."""
    from app.core.dataset import ensure_id_column, load_table

    truth = load_table(truth_path)
    truth, tid = ensure_id_column(truth, id_column if id_column in truth.columns else None)
    out: dict[str, dict[str, str]] = {}
    for target in targets:
        if target not in truth.columns:
            raise UserError(
                f"The truth file {truth_path.name} has no column '{target}'; "
                "give a truth file with every simulated target."
            )
        pairs = zip(truth[tid].tolist(), truth[target].tolist(), strict=True)
        out[target] = {
            canonical(i) or "": lab for i, v in pairs if (lab := canonical_class(v)) is not None
        }
    return out


def simulate(
    data_path: Path,
    truth_path: Path,
    targets: list[str],
    strategy: str,
    batch: int,
    budget: int,
    seed: int = 0,
    features: dict[str, list[str]] | None = None,
    settings: EBMSettings | None = None,
    progress: Callable[[str], None] | None = None,
    on_round: Callable[[Any, list[dict[str, Any]]], None] | None = None,
) -> dict[str, Any]:
    """Rounds of (retrain, measure, query a batch, label it from the truth).

    ``on_round(session, rounds)`` runs after each round is measured (tools use it
    to look at the session at a chosen round).
    """
    from app.core.session import LabelingSession
    from models.strategies import STRATEGIES

    if strategy not in STRATEGIES:
        raise UserError(
            f"There is no strategy '{strategy}'; choose one of {', '.join(STRATEGIES)}."
        )
    if batch < 1 or budget < 0:
        raise UserError("--batch must be at least 1 and --budget at least 0; fix the numbers.")
    with tempfile.TemporaryDirectory(prefix="labelwright-sim-") as tmp:
        probe_classes = _truth_classes(truth_path, targets)
        session = LabelingSession.open(
            data_path,
            targets,
            project_path=Path(tmp) / "simulation.lwproj",
            features=features,
            classes=probe_classes,
            annotator="oracle",
        )
        try:
            session.project.strategy.seed = seed
            session.project.model = settings or EBMSettings(random_state=seed)
            _check_classes(session.data, targets, probe_classes, truth_path.name)
            truth = load_truth(truth_path, session.schema.id_column, targets)
            keys = [canonical(r) or "" for r in session.row_ids()]
            monitors = {t: StopMonitor.for_rows(session.n_rows, step=1, seed=seed) for t in targets}
            for target in targets:
                missing = sum(1 for k in keys if k not in truth[target])
                if missing:
                    raise UserError(
                        f"The truth file lacks '{target}' labels for {missing} rows of the "
                        "data; give a truth label for every row."
                    )
            rounds = []
            added = 0
            while True:
                session.retrain()
                rounds.append(_measure(session, targets, truth, keys, monitors))
                if on_round is not None:
                    on_round(session, rounds)
                if progress is not None:
                    progress(f"{strategy}: {rounds[-1]['labels']} labels")
                if added >= budget:
                    break
                step = min(batch, budget - added)
                labelled = 0
                for target in targets:
                    picks = session.suggestions(target, step, strategy)
                    for pick in picks:
                        label = truth[target][canonical(pick.row_id) or ""]
                        session.label(pick.row_id, target, label, source="auto")
                    labelled = max(labelled, len(picks))
                if labelled == 0:
                    break  # every row is labelled: the oracle has nothing left to answer
                added += labelled
        finally:
            session.close()
    stop_at = first_stable([r["labels"] for r in rounds], [r["stop_kappa"] for r in rounds])
    return {"strategy": strategy, "rounds": rounds, "stop_at": stop_at}


def _truth_classes(truth_path: Path, targets: list[str]) -> dict[str, list[str]]:
    from app.core.dataset import load_table

    truth = load_table(truth_path)
    out = {}
    for t in targets:
        if t not in truth.columns:
            raise UserError(
                f"The truth file {truth_path.name} has no column '{t}'; "
                "give a truth file with every simulated target."
            )
        out[t] = sorted({c for v in truth[t].tolist() if (c := canonical_class(v)) is not None})
    return out


def _check_classes(
    data: Any, targets: list[str], truth_classes: dict[str, list[str]], truth_name: str
) -> None:
    """Refuse a truth file that spells the data's classes differently (or lacks some)."""
    for t in targets:
        present = {c for v in data[t].tolist() if (c := canonical_class(v)) is not None}
        unknown = sorted(present - set(truth_classes[t]))
        if unknown:
            raise UserError(
                f"The data's '{t}' classes {', '.join(unknown)} are not among the truth file "
                f"{truth_name}'s classes ({', '.join(truth_classes[t])}); give a truth file "
                "that uses the same classes as the data."
            )


def _measure(
    session: Any,
    targets: list[str],
    truth: dict[str, dict[str, str]],
    keys: list[str],
    monitors: dict[str, StopMonitor],
) -> dict[str, Any]:
    from sklearn.metrics import accuracy_score, f1_score

    n_labels = len(session.labels(targets[0]))
    result: dict[str, Any] = {"labels": n_labels, "targets": {}}
    kappas: list[float | None] = []
    for target in targets:
        y_true = np.asarray([truth[target][k] for k in keys], dtype=object)
        model = session.model(target)
        if model is not None:
            y_pred = np.asarray(model.predicted, dtype=object)
        else:
            labels = list(session.store.labels(target).values())
            majority = max(set(labels), key=labels.count) if labels else y_true[0]
            y_pred = np.full(len(keys), majority, dtype=object)
        spelled, codes = np.unique(np.asarray(y_pred, dtype=str), return_inverse=True)
        y_pred = np.asarray([canonical_class(v) for v in spelled], dtype=object)[codes]
        kappas.append(monitors[target].observe(y_pred, n_labels))
        result["targets"][target] = {
            "model_f1": round(float(f1_score(y_true, y_pred, average="macro", zero_division=0)), 4),
            "accuracy": round(float(accuracy_score(y_true, y_pred)), 4),
        }
    known = [k for k in kappas if k is not None]
    result["stop_kappa"] = round(min(known), 6) if len(known) == len(kappas) else None
    return result
