"""Notice when the data file changed under a project, and say exactly what changed.

A project stores the data's size, modification time and SHA-256. Opening compares
the cheap facts first, then the checksum; when the file really changed, a snapshot
of every row's digest (written at the last open, in the project's cache folder)
tells which rows were added, removed or edited. Labels typed into the file are
reconciled with the log by one rule that never overrides an expert:

- a (row, target) the log has never seen: the file's label is imported;
- one whose newest event is the file's own earlier label: an edit of the file, imported;
- one whose newest event came from a person: kept, and the difference is reported.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from app.core import class_changes
from app.core.atomic import atomic_path
from app.core.schema import canonical_class

if TYPE_CHECKING:
    import pandas as pd

    from app.core.label_store import LabelStore
    from app.core.schema import Schema

DATA_FILE_ANNOTATOR = "data file"
SNAPSHOT = "rows.parquet"
_EXAMPLES = 3


@dataclass
class LabelDifference:
    row_id: str
    target: str
    in_file: str | None
    in_log: str | None


@dataclass
class DataChange:
    """What changed in the data file since the project last saw it."""

    file_name: str
    rows_before: int
    rows_now: int
    added: int | None = None  # None: unknown, the snapshot was missing
    removed: int | None = None
    edited: int | None = None
    columns_added: list[str] = field(default_factory=list)
    columns_removed: list[str] = field(default_factory=list)
    imported: int = 0
    differences: list[LabelDifference] = field(default_factory=list)

    def sentences(self) -> list[str]:
        if self.added is None:
            head = (
                f"The data file {self.file_name} changed since the project last opened it "
                f"({self.rows_before:,} rows then, {self.rows_now:,} now)."
            )
        else:
            head = (
                f"The data file {self.file_name} changed since the project last opened it: "
                f"{self.added:,} rows added, {self.removed:,} removed and {self.edited:,} edited "
                f"({self.rows_now:,} rows now)."
            )
        out = [head]
        if self.columns_added or self.columns_removed:
            parts = []
            if self.columns_added:
                parts.append("new columns " + ", ".join(self.columns_added[:5]))
            if self.columns_removed:
                parts.append("columns gone " + ", ".join(self.columns_removed[:5]))
            out.append(f"The file has {'; '.join(parts)}.")
        if self.imported:
            out.append(
                f"Imported {self.imported:,} label(s) typed into {self.file_name} since then."
            )
        if self.differences:
            shown = "; ".join(
                f"'{d.row_id}' {d.target}: file {d.in_file or 'blank'}, log {d.in_log or 'blank'}"
                for d in self.differences[:_EXAMPLES]
            )
            out.append(
                f"{len(self.differences):,} label(s) in {self.file_name} differ from the label "
                f"log, which is kept (for example {shown})."
            )
        return out


def cache_dir_for(project_path: Path) -> Path:
    """``d.lwproj`` → ``d.lwcache``: derived files only, safe to delete."""
    name = project_path.name
    stem = name[: -len(".lwproj")] if name.lower().endswith(".lwproj") else name
    return project_path.with_name(stem + ".lwcache")


def row_digests(data: pd.DataFrame, id_column: str, targets: list[str]) -> np.ndarray:
    """One 64-bit digest per row over every column but the id and the label columns."""
    import pandas as pd

    columns = [c for c in data.columns if c != id_column and c not in targets]
    if not columns:
        return np.zeros(len(data), dtype=np.uint64)
    frame = data[columns]
    text = [c for c in columns if frame[c].dtype == object]
    if text:  # a missing text value hashes alike whether it was read as None or NaN
        frame = frame.assign(**{c: frame[c].where(frame[c].notna(), None) for c in text})
    return np.asarray(pd.util.hash_pandas_object(frame, index=False), dtype=np.uint64)


def write_snapshot(
    project_path: Path,
    keys: Sequence[str],
    data: pd.DataFrame,
    id_column: str,
    targets: list[str],
) -> None:
    """Remember every row's digest, for telling edited rows apart at the next change."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = [str(c) for c in data.columns if c != id_column and c not in targets]
    table = pa.table({"id": list(keys), "digest": row_digests(data, id_column, targets)})
    table = table.replace_schema_metadata({"columns": json.dumps(columns)})
    folder = cache_dir_for(project_path)
    folder.mkdir(exist_ok=True)
    with atomic_path(folder / SNAPSHOT) as tmp:
        pq.write_table(table, tmp)


def read_snapshot(project_path: Path) -> tuple[dict[str, int], list[str]] | None:
    """The digests of the last open, or None when the cache is missing or unreadable."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = cache_dir_for(project_path) / SNAPSHOT
    try:
        table = pq.read_table(path)
        meta = table.schema.metadata or {}
        columns = json.loads(meta.get(b"columns", b"[]"))
        ids = table.column("id").to_pylist()
        digests = table.column("digest").to_numpy()
    except (OSError, pa.ArrowException, KeyError, ValueError):
        return None
    if not isinstance(columns, list) or len(ids) != len(digests):
        return None
    return dict(zip(ids, digests.tolist(), strict=True)), [str(c) for c in columns]


def compare_rows(
    change: DataChange,
    snapshot: tuple[dict[str, int], list[str]] | None,
    keys: Sequence[str],
    data: pd.DataFrame,
    id_column: str,
    targets: list[str],
) -> None:
    """Fill in rows added, removed and edited (and column changes) from the snapshot."""
    if snapshot is None:
        return
    before, columns_before = snapshot
    columns_now = [str(c) for c in data.columns if c != id_column and c not in targets]
    change.columns_added = [c for c in columns_now if c not in columns_before]
    change.columns_removed = [c for c in columns_before if c not in columns_now]
    now = set(keys)
    change.added = sum(1 for k in keys if k not in before)
    change.removed = sum(1 for k in before if k not in now)
    if change.columns_added or change.columns_removed:
        change.edited = sum(1 for k in keys if k in before)  # every kept row has new fields
        return
    digests = row_digests(data, id_column, targets).tolist()
    change.edited = sum(
        1 for k, d in zip(keys, digests, strict=True) if k in before and before[k] != d
    )


def reconcile_labels(
    store: LabelStore, schema: Schema, keys: Sequence[str], data: pd.DataFrame
) -> tuple[list[tuple[str, str, str | None, bool]], list[LabelDifference]]:
    """The labels of the file to import now, and the ones that differ from the log."""
    imports: list[tuple[str, str, str | None, bool]] = []
    differences: list[LabelDifference] = []
    for spec in schema.targets:
        if spec.name not in data.columns:
            continue
        # The file speaks the class names of its time: read it through every change since.
        changes = class_changes.active(store.class_changes(spec.name))
        for key, value in zip(keys, data[spec.name].tolist(), strict=True):
            label = class_changes.effective(canonical_class(value), 0, changes)
            if label is None:
                continue
            latest = store.latest(key, spec.name)
            if latest is None or (
                latest.source == "import"
                and latest.annotator == DATA_FILE_ANNOTATOR
                and latest.label != label
            ):
                imports.append((key, spec.name, label, False))
            elif latest.label != label:
                differences.append(LabelDifference(key, spec.name, label, latest.label))
    return imports, differences
