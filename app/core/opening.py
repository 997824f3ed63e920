"""Turn a path the user gave (data file, project file, bundle or ``demo``) into a session.

The label log is the user's property, so opening follows three rules:

- a project belongs to exactly one data file: ``wine.csv`` and ``wine.xlsx`` in one
  folder get ``wine.lwproj`` and ``wine.xlsx.lwproj``;
- a project created beside an existing label log adopts it (every event kept),
  unless the log plainly belongs to other data;
- a log that is missing, empty, damaged or older than the project remembers is
  refused with one sentence, and never changed.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.core import class_changes, locking
from app.core.data_cache import read_cached, write_cache
from app.core.data_changes import (
    DATA_FILE_ANNOTATOR,
    DataChange,
    compare_rows,
    read_snapshot,
    reconcile_labels,
    write_snapshot,
)
from app.core.errors import UserError
from app.core.label_store import LabelStore
from app.core.log_opening import check_adoptable, open_store
from app.core.project import PROJECT_SUFFIX, Project, labels_path_for
from app.core.row_index import RowIndex, row_index
from app.core.schema import (
    Schema,
    TargetSpec,
    sort_classes,
)
from app.core.schema_guess import (
    check_label_column,
    feature_notes,
    guess_schema,
    infer_schema,
    usable_features,
)

if TYPE_CHECKING:
    import pandas as pd

    from app.core.session import LabelingSession

log = logging.getLogger(__name__)

__all__ = [
    "create_project",
    "create_session",
    "default_project_path",
    "feature_notes",
    "guess_schema",
    "infer_schema",
    "needs_setup",
    "open_demo",
    "open_project",
    "open_session",
    "project_path_for",
    "read_data",
    "usable_features",
    "with_id_column",
]

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
        session = open_demo(cls)
    else:
        path = Path(path)
        if path.suffix.lower() == PROJECT_SUFFIX:
            session = open_project(cls, path)
        elif path.suffix.lower() == BUNDLE_SUFFIX:
            from app.core.bundle import open_bundle

            session = open_bundle(cls, path)
        else:
            proj = Path(project_path) if project_path else project_path_for(path)
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
    return project_path_for(data_path)


def project_path_for(data_path: Path) -> Path:
    """``d.lwproj``, unless that project belongs to another file; then ``d.csv.lwproj``."""
    plain = data_path.with_suffix(PROJECT_SUFFIX)
    if not plain.exists() or _belongs_to(plain, data_path):
        return plain
    return data_path.with_name(data_path.name + PROJECT_SUFFIX)


def _belongs_to(project_path: Path, data_path: Path) -> bool:
    """Whether a project file names this data file (a damaged file is given the benefit)."""
    try:
        doc = json.loads(project_path.read_text(encoding="utf-8"))
        recorded = Path(str(doc["data"]["path"]))
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        return True  # opening it reports the damage, with advice that keeps the labels
    if not recorded.is_absolute():
        recorded = project_path.parent / recorded
    try:
        if recorded.resolve() == data_path.resolve():
            return True
    except OSError:
        return True
    # A moved folder: the recorded file is gone but had this name.
    return not recorded.exists() and recorded.name == data_path.name


def read_data(project: Project) -> tuple[pd.DataFrame, list[str]]:
    """The project's data: from the parsed-data cache when the file is unchanged."""
    from app.core.dataset import load_table

    if not project.data_path.exists():
        raise UserError(
            f"The data file {project.data_path} of project {project.path.name} is missing; "
            "put it back or reopen the project from a bundle."
        )
    schema, sheet = project.schema, project.data_sheet
    data = read_cached(project.path, project.data_path, sheet, schema.id_column)
    if data is None:
        data = load_table(project.data_path, sheet=sheet)
        data = with_id_column(data, schema, project.data_path.name)
        write_cache(project.path, project.data_path, sheet, schema.id_column, data)
    notes = list(data.attrs.get("load_notes", []))
    return data, notes


def with_id_column(data: pd.DataFrame, schema: Schema, file_name: str) -> pd.DataFrame:
    """The data with the schema's id column, or a sentence when the file no longer has it.

    A project whose rows were numbered by the app (``row_id``) numbers them again.
    """
    from app.core.dataset import ensure_id_column

    wanted = schema.id_column
    if wanted in data.columns:
        return ensure_id_column(data, wanted)[0]
    numbered, name = ensure_id_column(data, None)
    if name != wanted:
        raise UserError(
            f"The data file {file_name} has no column '{wanted}', the id column of this "
            "project; put that column back, or open the file as a new project."
        )
    return numbered


def open_project(cls: type[LabelingSession], path: Path) -> LabelingSession:
    project = Project.load(path)
    data, notes = read_data(project)
    project.schema.validate(list(data.columns))
    return _attach(cls, project, data, notes, check_data=True)


def _attach(
    cls: type[LabelingSession],
    project: Project,
    data: pd.DataFrame,
    notes: list[str],
    *,
    check_data: bool = False,
    adopt: bool = False,
) -> LabelingSession:
    """Lock the log, open it against what the project expects, reconcile the data's labels."""
    index = row_index(data[project.schema.id_column].to_numpy())
    log_path = project.labels_path
    locking.acquire(log_path, project.path)
    try:
        fresh = project.log is not None and project.log.events == 0
        store = open_store(project, create=adopt or fresh)
        try:
            change = _reconcile(project, store, index, data, notes, check_data, adopt)
            session = cls(project, data, store, notes, index=index)
            session.data_change = change
            if store.meta("data_name") is None:
                store.set_meta("data_name", project.data_path.name)
            session.save()
        except BaseException:
            store.close()
            raise
    except BaseException:
        locking.release(log_path)
        raise
    return session


def _reconcile(
    project: Project,
    store: LabelStore,
    index: RowIndex,
    data: pd.DataFrame,
    notes: list[str],
    check_data: bool,
    adopt: bool,
) -> DataChange | None:
    """Compare the data with what the project last saw; import labels typed into the file."""
    from app.core.dataset import file_sha256

    keys = index.keys

    path = project.data_path
    st = path.stat()
    unchanged = st.st_size == project.data_bytes and st.st_mtime_ns == project.data_mtime_ns
    change = None
    targets = project.schema.target_names
    if check_data and not unchanged:
        sha = file_sha256(path)
        if project.data_sha256 and sha != project.data_sha256:
            change = DataChange(path.name, project.data_rows, len(data))
            compare_rows(
                change, read_snapshot(project.path), keys, data, project.schema.id_column, targets
            )
        project.data_sha256 = sha
    if change is not None or adopt:
        imports, differences = reconcile_labels(store, project.schema, keys, data)
        if imports:
            store.append_many(imports, annotator=DATA_FILE_ANNOTATOR, source="import")
        if change is not None:
            change.imported = len(imports)
            change.differences = differences
            notes.extend(change.sentences())
        elif differences:
            notes.append(
                f"{len(differences):,} label(s) in {path.name} differ from the adopted label "
                "log, which is kept."
            )
    _adopt_classes(project, store, notes)
    orphans = _orphan_count(store, index.positions)
    if orphans:
        notes.append(
            f"{orphans:,} label(s) belong to rows that are no longer in {path.name}; they are "
            "kept in the log, and export lists them."
        )
    from app.core.data_changes import SNAPSHOT, cache_dir_for

    missing = not (cache_dir_for(project.path) / SNAPSHOT).exists()
    if not unchanged or change is not None or adopt or missing:
        project.data_bytes, project.data_mtime_ns = st.st_size, st.st_mtime_ns
        project.data_rows = len(data)
        try:
            write_snapshot(project.path, keys, data, project.schema.id_column, targets)
        except (OSError, UserError):
            log.warning("Could not write the row snapshot of %s", project.path, exc_info=True)
    return change


def _adopt_classes(project: Project, store: LabelStore, notes: list[str]) -> None:
    """Classes the log uses but the schema lacks become classes: the log is the truth."""
    for spec in project.schema.targets:
        for change in class_changes.active(store.class_changes(spec.name)):
            spec.classes = class_changes.apply_to_classes(spec.classes, change)
        used = set(store.labels(spec.name).values())
        extra = sorted(c for c in used if c not in spec.classes)
        if extra:
            spec.classes = sort_classes([*spec.classes, *extra])
            notes.append(
                f"The label log uses the class(es) {', '.join(extra[:5])} for '{spec.name}', "
                "which the project did not list; they were added."
            )
    known = set(project.schema.target_names)
    others = sorted({t for (t, _r) in store.labelled_keys() if t not in known})
    if others:
        notes.append(
            f"The label log also holds labels for {', '.join(others[:5])}, which this project "
            "does not use; they are kept."
        )


def _orphan_count(store: LabelStore, keys: Mapping[str, int]) -> int:
    return sum(
        1 for (_t, row), ev in store.current_items() if row not in keys and not ev.state.is_empty
    )


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
    sheet: str | None = None,
) -> LabelingSession:
    """First open of a data file: guess the schema, adopt a log or import the file's labels.

    ``sheet`` names the sheet of a workbook (None: the first sheet with cells).
    """
    from app.core.dataset import ensure_id_column, file_sha256, find_target_columns, load_table

    if project_path.exists():
        raise UserError(
            f"{data_path.name} already has a project, {project_path.name}; open that project."
        )
    data = load_table(data_path, sheet=sheet)
    notes = list(data.attrs.get("load_notes", []))
    if schema is not None:  # an id column the app numbered is numbered again
        data, id_col = with_id_column(data, schema, data_path.name), schema.id_column
    else:
        data, id_col = ensure_id_column(data, id_column)
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
        for name in names:
            check_label_column(data[name], name)
        schema = infer_schema(data, id_col, names, features, classes)
    schema.validate(list(data.columns))
    notes += feature_notes(schema, data)
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
        data_sheet=sheet,
    )
    if settings:
        for key, value in settings.items():
            setattr(project, key, value)
    log_path = labels_path_for(project_path)
    adopting = log_path.exists() and log_path.stat().st_size > 0
    if adopting:
        check_adoptable(log_path, data, id_col, data_path)
        notes.append(f"Adopted the existing label log {log_path.name}; every label in it is kept.")
    try:
        project.save()
    except UserError as exc:
        raise UserError(
            f"Cannot create the project file beside {data_path.name}; choose a folder you can "
            "write to for the project."
        ) from exc
    try:
        session = _attach(cls, project, data, notes, adopt=True)
    except BaseException:
        _remove_new_project(project)
        raise
    write_cache(project_path, data_path, project.data_sheet, schema.id_column, data)
    return session


def _remove_new_project(project: Project) -> None:
    """A project file this call just wrote, and nothing else, goes when creation fails."""
    with contextlib.suppress(OSError):
        project.path.unlink()


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
    return not project_path_for(p).exists()


def create_session(
    cls: type[LabelingSession],
    data_path: str | Path,
    schema: Schema,
    project_path: str | Path | None = None,
    sheet: str | None = None,
) -> LabelingSession:
    """Create the project for ``data_path`` (``sheet`` of a workbook) with a confirmed schema."""
    data_path = Path(data_path)
    proj = Path(project_path) if project_path else project_path_for(data_path)
    return create_project(cls, data_path, proj, schema=schema, sheet=sheet)
