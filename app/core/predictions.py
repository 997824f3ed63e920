"""Predictions for any table from a project's models: ``score … --out F.csv|F.parquet``.

One row per data row: the id, then per target ``T__prediction``, ``T__confidence`` (the
top probability) and ``T__uncertainty`` (the chosen kind: least_confident, margin or
entropy, as the suggestion strategies define it); ``T__`` as in the labelled export.
The scoring itself is `models.partition_scoring`, shared with the Dask path.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from app.core.atomic import atomic_path
from app.core.csv_safety import write_csv
from app.core.errors import UserError
from app.core.schema import typed

if TYPE_CHECKING:
    import pandas as pd

    from app.core.session import LabelingSession
    from models.partition_scoring import TargetScorer, TargetScores

OUT_FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}
UNCERTAINTIES = ("margin", "least_confident", "entropy")
FIELDS = ("prediction", "confidence", "uncertainty")


def output_format(path: Path) -> str:
    """csv or parquet from the file name, or a sentence naming the fix."""
    fmt = OUT_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise UserError(
            f"Cannot write predictions to '{path.name}'; use a file name ending in .csv or "
            ".parquet (or a folder, with --dask)."
        )
    return fmt


def scorers_for(session: LabelingSession) -> list[TargetScorer]:
    """Every target's compiled model with what it reads, upstream targets first."""
    from models.partition_scoring import ChainedInput, TargetScorer
    from models.scoring import compile_ebm

    schema = session.schema
    kinds = {str(k): str(v) for k, v in schema.column_kinds.items()}
    scorers: list[TargetScorer] = []
    model_classes: dict[str, list[str]] = {}
    for name in schema.training_order():
        fitted = session.model(name)
        if fitted is None:
            raise UserError(
                f"Target '{name}' has no model yet; label at least two of its classes first."
            )
        spec = schema.target(name)
        classes = [str(c) for c in fitted.ebm.classes_]
        model_classes[name] = classes
        chained = []
        for column, kind in zip(fitted.design_columns, fitted.feature_types, strict=True):
            if column in spec.features:
                continue
            upstream, _, cls = column.partition("=")
            if upstream not in model_classes:
                raise UserError(f"Target '{name}' reads '{column}', which no target provides.")
            if not cls and kind == "nominal":
                chained.append(ChainedInput(column, upstream, None))
                continue
            if not cls:  # a binary upstream as one probability: of its second class
                cls = str(schema.target(upstream).classes[1])
            ups = model_classes[upstream]
            chained.append(ChainedInput(column, upstream, ups.index(cls) if cls in ups else -1))
        compiled = fitted.compiled if fitted.compiled is not None else compile_ebm(fitted.ebm)
        scorers.append(
            TargetScorer(
                name,
                tuple(classes),
                tuple(spec.features),
                {f: kinds.get(f, "numeric") for f in spec.features},
                tuple(chained),
                compiled,
            )
        )
    return scorers


def missing_columns(scorers: list[TargetScorer], columns: Any) -> list[str]:
    from models.partition_scoring import needed_columns

    have = {str(c) for c in columns}
    return [c for c in needed_columns(scorers) if c not in have]


def check_columns(scorers: list[TargetScorer], columns: Any, where: str) -> None:
    missing = missing_columns(scorers, columns)
    if missing:
        shown = ", ".join(f"'{c}'" for c in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise UserError(
            f"{where} lacks the model column(s) {shown}{more}; score a table with the "
            "project's feature columns."
        )


def prediction_frame(ids: Any, scores: dict[str, TargetScores]) -> pd.DataFrame:
    """id, then per target its prediction (typed as labels are), confidence, uncertainty."""
    import pandas as pd

    columns: dict[str, Any] = {"id": np.asarray(ids, dtype=object)}
    for target, s in scores.items():
        labels = np.asarray([typed(c) for c in s.classes], dtype=object)
        if len({type(label) for label in labels}) > 1:  # one type per column, as Parquet needs
            labels = np.asarray(list(s.classes), dtype=object)
        columns[f"{target}__prediction"] = labels[s.predicted] if len(s.predicted) else labels[:0]
        columns[f"{target}__confidence"] = s.confidence
        columns[f"{target}__uncertainty"] = s.uncertainty
    frame = pd.DataFrame(columns)
    for name in frame.columns:
        if frame[name].dtype == object:  # ids and labels: numbers stay numbers in Parquet
            frame[name] = frame[name].infer_objects()
    return frame


def write_predictions(frame: pd.DataFrame, path: Path) -> Path:
    """CSV (formula-safe) or Parquet by extension, atomically."""
    if output_format(path) == "csv":
        write_csv(frame, path)
    else:
        with atomic_path(path) as tmp:
            frame.to_parquet(tmp, index=False)
    return path


def score_session_rows(
    session: LabelingSession,
    data: pd.DataFrame | None,
    kind: str,
    device: str = "cpu",
) -> pd.DataFrame:
    """Predictions for `data` (rows with the project's id column), else the project's rows.

    The project's own rows get exactly what the app shows (a chained target reads the
    upstream label where there is one); other rows read the upstream prediction.
    """
    from models.partition_scoring import TargetScores, score_frame
    from models.scoring import uncertainty_from_proba

    if data is None:
        scores: dict[str, TargetScores] = {}
        for name in session.schema.training_order():
            fitted = session.model(name)
            if fitted is None:
                raise UserError(
                    f"Target '{name}' has no model yet; label at least two of its classes first."
                )
            proba = fitted.proba
            scores[name] = TargetScores(
                tuple(str(c) for c in fitted.classes),
                proba,
                np.argmax(proba, axis=1),
                fitted.confidence(),
                uncertainty_from_proba(proba, kind),  # type: ignore[arg-type]
            )
        return prediction_frame(session.row_ids(), scores)
    scorers = scorers_for(session)
    check_columns(scorers, data.columns, "The data")
    scores = score_frame(scorers, data, kind, device)  # type: ignore[arg-type]
    return prediction_frame(data[session.schema.id_column].to_numpy(), scores)
