"""Turn a path the user gave (data file, project file, bundle or ``demo``) into a session."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.core import locking
from app.core.errors import UserError
from app.core.label_store import LabelStore, StoreError
from app.core.project import LABELS_SUFFIX, PROJECT_SUFFIX, Project
from app.core.schema import Schema, TargetSpec, canonical, sort_classes

if TYPE_CHECKING:
    import pandas as pd

    from app.core.session import LabelingSession

log = logging.getLogger(__name__)

BUNDLE_SUFFIX = ".lwbundle"


def open_session(
    cls: type[LabelingSession],
    path: str | Path,
    targets: list[str] | None,
    *,
    project_path: str | Path | None,
    id_column: str | None,
    features: dict[str, list[str]] | None,
    classes: dict[str, list[str]] | None,
    annotator: str | None,
) -> LabelingSession:
    if str(path) == "demo":
        return open_demo(cls)
    path = Path(path)
    if path.suffix.lower() == PROJECT_SUFFIX:
        session = open_project(cls, path)
    elif path.suffix.lower() == BUNDLE_SUFFIX:
        from app.core.bundle import open_bundle

        return open_bundle(cls, path)
    else:
        proj = Path(project_path) if project_path else default_project_path(path)
        if proj.exists():
            session = open_project(cls, proj)
        else:
            session = create_project(
                cls,
                path,
                proj,
                targets=targets,
                id_column=id_column,
                features=features,
                classes=classes,
            )
    if annotator:
        session.annotator = annotator
    return session


def default_project_path(data_path: Path) -> Path:
    return data_path.with_suffix(PROJECT_SUFFIX)


def read_data(project: Project) -> tuple[pd.DataFrame, list[str]]:
    from app.core.dataset import ensure_id_column, load_table

    if not project.data_path.exists():
        raise UserError(
            f"The data file {project.data_path} of project {project.path.name} is missing; "
            "put it back or reopen the project from a bundle."
        )
    data = load_table(project.data_path, sheet=project.data_sheet)
    data, _ = ensure_id_column(
        data, project.schema.id_column if project.schema.id_column in data.columns else None
    )
    notes = list(data.attrs.get("load_notes", []))
    return data, notes


def open_project(cls: type[LabelingSession], path: Path) -> LabelingSession:
    project = Project.load(path)
    data, notes = read_data(project)
    project.schema.validate(list(data.columns))
    return _attach(cls, project, data, notes)


def _attach(
    cls: type[LabelingSession],
    project: Project,
    data: pd.DataFrame,
    notes: list[str],
    initial: list[tuple[str, str, str | None, bool]] | None = None,
) -> LabelingSession:
    locking.acquire(project.path)
    try:
        store = LabelStore(project.labels_path)
    except StoreError as exc:
        locking.release(project.path)
        raise UserError(str(exc)) from exc
    except Exception as exc:
        locking.release(project.path)
        raise UserError(
            f"The label database {project.labels_path.name} cannot be opened ({exc}); "
            "restore it from a bundle or a backup."
        ) from exc
    if initial:
        store.append_many(initial, annotator="data file", source="import")
    return cls(project, data, store, notes)


def infer_schema(
    data: pd.DataFrame,
    id_column: str,
    targets: list[str],
    features: dict[str, list[str]] | None = None,
    classes: dict[str, list[str]] | None = None,
) -> Schema:
    """The schema a headless open (or the first-open dialog) starts from."""
    from app.core.dataset import ColumnKind, infer_column_kinds, looks_like_id_name

    kinds = {k: str(v.value) for k, v in infer_column_kinds(data, exclude=[id_column]).items()}
    usable = [
        c
        for c in data.columns
        if c != id_column
        and c not in targets
        and not looks_like_id_name(str(c))
        and kinds.get(c) in (ColumnKind.NUMERIC.value, ColumnKind.CATEGORICAL.value)
    ]
    specs = []
    for name in targets:
        present = {c for v in data[name].tolist() if (c := canonical(v)) is not None}
        declared = [canonical(c) or "" for c in (classes or {}).get(name, [])]
        chosen = (features or {}).get(name)
        feats = [f for f in chosen if f not in targets] if chosen is not None else list(usable)
        uses = [f for f in chosen if f in targets] if chosen is not None else []
        specs.append(
            TargetSpec(name, sort_classes(sorted(set(present) | set(declared))), feats, uses)
        )
    image = next((c for c, k in kinds.items() if k == ColumnKind.IMAGE.value), None)
    return Schema(id_column=id_column, targets=specs, column_kinds=kinds, image_column=image)


def create_project(
    cls: type[LabelingSession],
    data_path: Path,
    project_path: Path,
    *,
    targets: list[str] | None = None,
    id_column: str | None = None,
    features: dict[str, list[str]] | None = None,
    classes: dict[str, list[str]] | None = None,
    schema: Schema | None = None,
    settings: dict[str, Any] | None = None,
) -> LabelingSession:
    """First open of a data file: guess the schema, import the labels it already has."""
    from app.core.dataset import ensure_id_column, file_sha256, find_target_columns, load_table

    data = load_table(data_path)
    notes = list(data.attrs.get("load_notes", []))
    data, id_col = ensure_id_column(data, schema.id_column if schema else id_column)
    if schema is None:
        names = list(targets) if targets else find_target_columns(data)
        if not names:
            raise UserError(
                f"No target column was found in {data_path.name}; name one with --target COLUMN "
                "or call a column 'label'."
            )
        missing = [t for t in names if t not in data.columns]
        if missing:
            raise UserError(
                f"The target column '{missing[0]}' is not in {data_path.name}; "
                f"choose one of its columns: {', '.join(map(str, data.columns[:12]))}."
            )
        schema = infer_schema(data, id_col, names, features, classes)
    schema.validate(list(data.columns))
    for spec in schema.targets:
        if len(spec.classes) == 1:
            notes.append(
                f"Target '{spec.name}' has only the class '{spec.classes[0]}' so far; "
                "the model starts once a second class is labelled."
            )
    project = Project(
        path=project_path,
        data_path=data_path,
        schema=schema,
        data_sha256=file_sha256(data_path),
        data_rows=len(data),
        labels_file=project_path.with_suffix(LABELS_SUFFIX).name,
    )
    if settings:
        for key, value in settings.items():
            setattr(project, key, value)
    try:
        project.save()
    except PermissionError as exc:
        raise UserError(
            f"Cannot create the project file beside {data_path.name}; "
            "choose a folder you can write to for the project."
        ) from exc
    if project.labels_path.exists():
        project.labels_path.unlink()  # a leftover from a project file that was deleted
    initial: list[tuple[str, str, str | None, bool]] = []
    ids = [canonical(rid) or "" for rid in data[id_col].tolist()]
    for spec in schema.targets:
        for rid, value in zip(ids, data[spec.name].tolist(), strict=True):
            label = canonical(value)
            if label is not None:
                initial.append((rid, spec.name, label, False))
    return _attach(cls, project, data, notes, initial)


def open_demo(cls: type[LabelingSession]) -> LabelingSession:
    """The synthetic clinic: created on first use, reopened (with its labels) after."""
    from app.core.demo import demo_definition, demo_project_path, ensure_demo_files

    data_path, _ = ensure_demo_files()
    proj = demo_project_path()
    if proj.exists():
        return open_project(cls, proj)
    spec = demo_definition()
    schema_targets = [
        TargetSpec(
            t["name"], list(t["classes"]), list(t["features"]), list(t.get("uses_targets", []))
        )
        for t in spec["targets"]
    ]
    from app.core.dataset import infer_column_kinds, load_table

    data = load_table(data_path)
    kinds = {
        k: str(v.value) for k, v in infer_column_kinds(data, exclude=[spec["id_column"]]).items()
    }
    schema = Schema(spec["id_column"], schema_targets, kinds)
    return create_project(cls, data_path, proj, schema=schema)


def needs_setup(path: str | Path) -> bool:
    """True for a data file that has no project yet (the GUI then asks about the schema)."""
    if str(path) == "demo":
        return False
    p = Path(path)
    if p.suffix.lower() in (PROJECT_SUFFIX, BUNDLE_SUFFIX):
        return False
    return not default_project_path(p).exists()


def guess_schema(path: str | Path) -> tuple[pd.DataFrame, Schema]:
    """The data and the schema a first-open dialog proposes; every part can be edited."""
    from app.core.dataset import ensure_id_column, find_target_columns, load_table

    data = load_table(Path(path))
    data, id_col = ensure_id_column(data, None)
    return data, infer_schema(data, id_col, find_target_columns(data))


def create_session(
    cls: type[LabelingSession],
    data_path: str | Path,
    schema: Schema,
    project_path: str | Path | None = None,
) -> LabelingSession:
    """Create the project for ``data_path`` with a schema the user confirmed."""
    data_path = Path(data_path)
    proj = Path(project_path) if project_path else default_project_path(data_path)
    return create_project(cls, data_path, proj, schema=schema)
