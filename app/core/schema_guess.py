"""The schema a first open starts from: which columns are targets, features and ids.

Used by the headless open (``--target``) and proposed in the setup dialog, where the
user can change every part of it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from app.core.errors import UserError
from app.core.schema import Schema, TargetSpec, canonical_class, sort_classes

if TYPE_CHECKING:
    import pandas as pd


def infer_schema(
    data: pd.DataFrame,
    id_column: str,
    targets: list[str],
    features: dict[str, list[str]] | None = None,
    classes: dict[str, list[str]] | None = None,
) -> Schema:
    """The schema a headless open (or the first-open dialog) starts from."""
    from app.core.dataset import ColumnKind, infer_column_kinds
    from models.feature_choice import choose_features

    kinds = {k: str(v.value) for k, v in infer_column_kinds(data, exclude=[id_column]).items()}
    usable = usable_features(data, id_column, targets, kinds)
    specs = []
    for name in targets:
        present = {c for v in data[name].tolist() if (c := canonical_class(v)) is not None}
        declared = [canonical_class(c) or "" for c in (classes or {}).get(name, [])]
        chosen = (features or {}).get(name)
        if chosen is not None:
            feats = [f for f in chosen if f not in targets]
        else:
            feats = choose_features(data, usable, kinds, data[name])
        uses = [f for f in chosen if f in targets] if chosen is not None else []
        specs.append(
            TargetSpec(name, sort_classes(sorted(set(present) | set(declared))), feats, uses)
        )
    image = next((c for c, k in kinds.items() if k == ColumnKind.IMAGE.value), None)
    return Schema(id_column=id_column, targets=specs, column_kinds=kinds, image_column=image)


MAX_NUMERIC_CLASSES = 30


def check_label_column(column: pd.Series, name: str) -> None:
    """Refuse a measurement chosen as a label: a classifier of 126 numbers helps nobody."""
    import pandas as pd

    values = pd.to_numeric(column.dropna(), errors="coerce")
    if len(values) == 0 or values.isna().any():
        return  # text classes, or a mix: labels
    distinct = values.nunique()
    whole = bool((values == values.round()).all())
    mostly_unique = distinct > len(values) / 2
    many = distinct > 3 * MAX_NUMERIC_CLASSES
    if distinct > MAX_NUMERIC_CLASSES and (not whole or many or mostly_unique):
        raise UserError(
            f"The column '{name}' holds {distinct} different numbers, which looks like a "
            "measurement, not a label; choose a column with a few classes as the target."
        )


def usable_features(
    data: pd.DataFrame, id_column: str, targets: list[str], kinds: dict[str, str]
) -> list[str]:
    """Columns a model can learn from: numbers and categories that are not ids or targets."""
    from app.core.dataset import ColumnKind, looks_like_id_name

    return [
        c
        for c in data.columns
        if c != id_column
        and c not in targets
        and not looks_like_id_name(str(c))
        and kinds.get(c) in (ColumnKind.NUMERIC.value, ColumnKind.CATEGORICAL.value)
    ]


def feature_notes(schema: Schema, data: pd.DataFrame) -> list[str]:
    """Say when a model learns from far fewer columns than the table offers."""
    usable = usable_features(data, schema.id_column, schema.target_names, schema.column_kinds)
    notes = []
    for spec in schema.targets:
        if len(usable) >= 10 and len(spec.features) < len(usable) / 2:
            notes.append(
                f"Target '{spec.name}' learns from {len(spec.features)} of the "
                f"{len(usable):,} feature columns; choose others in the setup dialog or with "
                "--features."
            )
    return notes


def guess_schema(path: str | Path) -> tuple[pd.DataFrame, Schema]:
    """The data and the schema a first-open dialog proposes; every part can be edited."""
    from app.core.dataset import ensure_id_column, find_target_columns, load_table

    data = load_table(Path(path))
    data, id_col = ensure_id_column(data, None)
    return data, infer_schema(data, id_col, find_target_columns(data))
