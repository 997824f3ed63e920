"""Export the labelled dataset with provenance; the source file is never touched."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from app.core.atomic import atomic_path
from app.core.errors import UserError
from app.core.schema import typed

if TYPE_CHECKING:
    import pandas as pd

    from app.core.session import LabelingSession

FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}
PROVENANCE = ("label", "unsure", "source", "annotator", "time", "prediction", "confidence")


def export_frame(session: LabelingSession) -> pd.DataFrame:
    """The id and original columns, then per target its label and where it came from."""
    import pandas as pd

    frame = session.data.copy()
    for name in frame.columns:
        frame[name] = _as_written(frame[name])
    n = session.n_rows
    keys = session._keys
    for target in session.targets:
        current = session.store.current(target)
        label = np.full(n, None, dtype=object)
        unsure = np.zeros(n, dtype=bool)
        source = np.full(n, None, dtype=object)
        annotator = np.full(n, None, dtype=object)
        when = np.full(n, None, dtype=object)
        for i, key in enumerate(keys):
            event = current.get(key)
            if event is None or event.state.is_empty:
                continue
            label[i] = None if event.label is None else typed(event.label)
            unsure[i] = event.unsure
            source[i] = event.source
            annotator[i] = event.annotator or None
            when[i] = dt.datetime.fromtimestamp(event.time, tz=dt.UTC).isoformat(timespec="seconds")
        model = session.model(target)
        if model is not None:
            prediction = np.asarray([typed(str(c)) for c in model.predicted], dtype=object)
            confidence = model.confidence()
        else:
            prediction = np.full(n, None, dtype=object)
            confidence = np.full(n, np.nan)
        columns = {
            "label": label,
            "unsure": unsure,
            "source": source,
            "annotator": annotator,
            "time": when,
            "prediction": prediction,
            "confidence": confidence,
        }
        for suffix in PROVENANCE:
            frame[f"{target}__{suffix}"] = pd.Series(columns[suffix], index=frame.index)
    return frame


def _as_written(column: pd.Series) -> pd.Series:
    """Whole numbers that a missing value turned into floats go out as "64", not "64.0"."""
    import pandas as pd

    if not pd.api.types.is_float_dtype(column.dtype):
        return column
    values = column.to_numpy()
    finite = values[np.isfinite(values)]
    if len(finite) == len(values) or not np.all(finite == np.round(finite)):
        return column
    if len(finite) and np.abs(finite).max() >= 2**53:
        return column
    return column.astype("Int64")


def export_labels(session: LabelingSession, path: Path) -> Path:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise UserError(
            f"Cannot export to '{path.name}'; use a file name ending in .csv or .parquet."
        )
    if session.project.data_path.resolve() == path.resolve():
        raise UserError("The export would overwrite the source data; choose another file name.")
    frame = export_frame(session)
    try:
        with atomic_path(path) as tmp:
            if fmt == "csv":
                frame.to_csv(tmp, index=False)
            else:
                frame.to_parquet(tmp, index=False)
    except PermissionError as exc:
        raise UserError(f"Cannot write {path}; choose a folder you can write to.") from exc
    return path
