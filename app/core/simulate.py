"""Active learning with a truth file as the oracle: how fast does each strategy learn?"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from app.core.errors import UserError
from app.core.schema import canonical
from models.ebm import EBMSettings


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
            canonical(i) or "": lab for i, v in pairs if (lab := canonical(v)) is not None
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
) -> dict[str, Any]:
    """Rounds of (retrain, measure, query a batch, label it from the truth)."""
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
            truth = load_truth(truth_path, session.schema.id_column, targets)
            keys = [canonical(r) or "" for r in session.row_ids()]
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
                rounds.append(_measure(session, targets, truth, keys))
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
    return {"strategy": strategy, "rounds": rounds}


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
        out[t] = sorted({c for v in truth[t].tolist() if (c := canonical(v)) is not None})
    return out


def _measure(
    session: Any, targets: list[str], truth: dict[str, dict[str, str]], keys: list[str]
) -> dict[str, Any]:
    from sklearn.metrics import accuracy_score, f1_score

    result: dict[str, Any] = {"labels": len(session.labels(targets[0])), "targets": {}}
    for target in targets:
        y_true = np.asarray([truth[target][k] for k in keys], dtype=object)
        model = session.model(target)
        if model is not None:
            y_pred = np.asarray(model.predicted, dtype=object)
        else:
            labels = list(session.store.labels(target).values())
            majority = max(set(labels), key=labels.count) if labels else y_true[0]
            y_pred = np.full(len(keys), majority, dtype=object)
        result["targets"][target] = {
            "model_f1": round(float(f1_score(y_true, y_pred, average="macro", zero_division=0)), 4),
            "accuracy": round(float(accuracy_score(y_true, y_pred)), 4),
        }
    return result
