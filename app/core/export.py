"""Export the labelled dataset with provenance; the source file is never touched."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from app.core.atomic import atomic_path
from app.core.csv_safety import write_csv
from app.core.errors import UserError
from app.core.schema import typed

if TYPE_CHECKING:
    import pandas as pd

    from app.core.session import LabelingSession

FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}
PROVENANCE = (
    "label",
    "unsure",
    "source",
    "annotator",
    "time",
    "prediction",
    "confidence",
    "decided",  # adjudicated, consensus or single
    "consensus_quality",  # CROWDLAB's, where several annotators labelled the row
)


def export_frame(session: LabelingSession, *, for_csv: bool = True) -> pd.DataFrame:
    """The id and original columns, then per target its label and where it came from.

    CSV writes whole-number columns with holes as "64", as the user typed them;
    Parquet keeps their float type, since a typed column should stay what it was.
    """
    import pandas as pd

    frame = session.data
    if for_csv:
        frame = pd.DataFrame({name: _as_written(frame[name]) for name in frame.columns})
    from app.core.team_labels import consensus_of, working_labels

    added: dict[str, pd.Series] = {}
    n = session.n_rows
    store, positions = session.store, session._position
    for target in session.targets:
        current = store.current(target)
        working = working_labels(session, target)
        consensus = consensus_of(session, target)
        label = np.full(n, None, dtype=object)
        unsure = np.zeros(n, dtype=bool)
        source = np.full(n, None, dtype=object)
        annotator = np.full(n, None, dtype=object)
        when = np.full(n, None, dtype=object)
        decided = np.full(n, None, dtype=object)
        quality = np.full(n, np.nan)
        for key, event in current.items():
            i = positions.get(key)
            if i is None or event.state.is_empty:
                continue
            value = working.get(key, event.label)
            label[i] = None if value is None else typed(value)
            unsure[i] = event.unsure
            source[i] = event.source
            annotator[i] = event.annotator or None
            when[i] = dt.datetime.fromtimestamp(event.time, tz=dt.UTC).isoformat(timespec="seconds")
            decided[i] = store.decided(key, target)
            if consensus is not None and i in consensus.quality:
                quality[i] = consensus.quality[i]
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
        columns["decided"] = decided
        columns["consensus_quality"] = quality
        for suffix in PROVENANCE:
            added[f"{target}__{suffix}"] = pd.Series(columns[suffix], index=frame.index)
        added.update(_by_annotator(session, target, frame.index))
    return pd.concat([frame, pd.DataFrame(added, index=frame.index)], axis=1)


def _by_annotator(session: LabelingSession, target: str, index: pd.Index) -> dict[str, pd.Series]:
    """``T__by__NAME``: each person's own label, when two or more people labelled the target."""
    import pandas as pd

    from app.core.agreement import shown
    from app.core.label_state import DATA_FILE

    people = {a: r for a, r in session.store.by_annotator(target).items() if a != DATA_FILE}
    if len(people) < 2:
        return {}
    out = {}
    for name, rows in sorted(people.items()):
        column = np.full(session.n_rows, None, dtype=object)
        for key, value in rows.items():
            i = session._position.get(key)
            if i is not None:
                column[i] = typed(value)
        out[f"{target}__by__{shown(name)}"] = pd.Series(column, index=index)
    return out


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
    frame = export_frame(session, for_csv=fmt == "csv")
    if fmt == "csv":
        write_csv(frame, path)
    else:
        with atomic_path(path) as tmp:
            frame.to_parquet(tmp, index=False)
    orphans = orphan_frame(session)
    if len(orphans):
        write_csv(orphans, orphans_path(path))
    return path


def orphans_path(path: Path) -> Path:
    """``labels.csv`` → ``labels.orphans.csv``: where labels of vanished rows are listed."""
    return path.with_name(f"{path.stem}.orphans.csv")


def orphan_frame(session: LabelingSession) -> pd.DataFrame:
    """Labels kept in the log for rows the data file no longer has."""
    import pandas as pd

    rows = [
        {
            "id": typed(event.row_id),
            "target": event.target,
            "label": None if event.label is None else typed(event.label),
            "unsure": event.unsure,
            "source": event.source,
            "annotator": event.annotator or None,
            "time": dt.datetime.fromtimestamp(event.time, tz=dt.UTC).isoformat(timespec="seconds"),
        }
        for event in session.orphan_labels()
    ]
    columns = ["id", "target", "label", "unsure", "source", "annotator", "time"]
    return pd.DataFrame(rows, columns=columns)
