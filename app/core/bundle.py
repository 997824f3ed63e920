"""Share a whole session as one ``.lwbundle`` file: export, import and open.

Import is all-or-nothing. ``read_bundle`` validates the archive in memory;
then the data is found (the copy inside, a file beside the bundle with the
same SHA-256, or a file the user names), loaded and checked against the
schema and the labels. Only then is anything written, into a hidden staging
folder inside the destination, and moved into place with the project file
last, so a crash or an error leaves no half-imported project behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from app.core import import_journal
from app.core.atomic import atomic_write_text, is_disk_problem, write_failure
from app.core.bundle_checks import BundleError, check_row_ids
from app.core.bundle_images import top_level
from app.core.bundle_reader import ValidatedBundle, read_bundle
from app.core.bundle_writer import BUNDLE_SUFFIX, export_bundle, library_versions
from app.core.errors import UserError
from app.core.faults import boundary
from app.core.label_store import EVENT_COLUMNS, LabelStore, write_error
from app.core.project import PROJECT_SUFFIX, LogMark, Project, labels_path_for
from app.core.schema import canonical
from app.core.scratch import scratch_dir, sweep_temp

if TYPE_CHECKING:
    from app.core.session import LabelingSession

__all__ = [
    "BUNDLE_SUFFIX",
    "BundleError",
    "MissingDataError",
    "ValidatedBundle",
    "export_bundle",
    "import_bundle",
    "open_bundle",
    "read_bundle",
    "reproduced",
]

MARKER = ".lwbundle-source"  # the SHA-256 of the bundle a folder was imported from
SCRATCH = "labelwright-import-"  # private folders in the system temp folder


class MissingDataError(UserError):
    """The data file was found nowhere; the GUI answers this with a file picker."""

    def __init__(self, message: str, bundle: ValidatedBundle) -> None:
        super().__init__(message)
        self.bundle = bundle


@dataclass(frozen=True)
class DataSource:
    path: Path  # where the data can be read now
    route: str  # "bundle", "beside" or "given"


def _sha(path: Path) -> str:
    from app.core.dataset import file_sha256

    return file_sha256(path)


def resolve_data(bundle: ValidatedBundle, given: Path | None, scratch: Path) -> DataSource:
    """Find the bundle's data: the file the user named, the copy inside, or one beside it."""
    ref = bundle.dataset
    if given is not None:
        if not given.is_file():
            raise UserError(f"The data file {given} does not exist; check the path.")
        digest = _sha(given)
        if digest != ref.sha256:
            raise UserError(
                f"The file {given.name} is not the data this bundle was made from (its SHA-256 "
                f"is {digest[:12]}…, the bundle needs {ref.sha256[:12]}…); choose the original "
                f"{ref.name}."
            )
        return DataSource(given.resolve(), "given")
    if ref.member is not None:
        copy = scratch / Path(ref.member).name
        bundle.extract_data(copy)
        return DataSource(copy, "bundle")
    found = find_beside(bundle)
    if found is not None:
        return DataSource(found, "beside")
    raise MissingDataError(
        f"The bundle {bundle.path.name} needs its data file {ref.describe()}, which is neither "
        "inside the bundle nor next to it; put that file beside the bundle or pass it with "
        "--data FILE.",
        bundle,
    )


def find_beside(bundle: ValidatedBundle) -> Path | None:
    """A file next to the bundle with the data's SHA-256: same name first, then any file.

    The built-in demo's data is generated identically on every machine, so a
    bundle made from the demo also finds the receiver's own copy of it.
    """
    from app.core.demo import DEMO_DATA_NAME, demo_dir, ensure_demo_files

    ref = bundle.dataset
    folder = bundle.path.parent
    same = folder / ref.name
    candidates = [same] if same.is_file() else []
    with contextlib.suppress(OSError):
        candidates += sorted(p for p in folder.iterdir() if p != same and p.is_file())
    if ref.name == DEMO_DATA_NAME:
        ensure_demo_files()  # a demo bundle on a machine that never opened the demo
    candidates.append(demo_dir() / ref.name)
    for path in candidates:
        try:
            if path.stat().st_size == ref.size and _sha(path) == ref.sha256:
                return path.resolve()
        except (OSError, UserError):
            continue
    return None


def _check_data(bundle: ValidatedBundle, source: Path) -> None:
    """Load the data as the session will, and check the schema and every label's sample."""
    from app.core.dataset import load_table
    from app.core.opening import with_id_column

    data = load_table(source, sheet=bundle.dataset.sheet)
    try:
        data = with_id_column(data, bundle.schema, bundle.dataset.name)
        bundle.schema.validate([str(c) for c in data.columns])
    except UserError as exc:
        raise bundle.refuse(
            f"has a schema that does not fit its data file ({str(exc).split(';')[0]})"
        ) from exc
    if len(data) != bundle.dataset.rows:
        raise bundle.refuse(
            f"describes {bundle.dataset.rows} rows but its data reads as {len(data)} rows here",
            "update Labelwright to the sender's version",
        )
    keys = {canonical(v) or "" for v in data[bundle.schema.id_column].tolist()}
    check_row_ids(bundle.path, bundle.events, keys)


def import_bundle(
    path: str | Path, into_dir: str | Path, data_path: str | Path | None = None
) -> Path:
    """Check the bundle fully, then write it out as a project in ``into_dir``."""
    bundle = read_bundle(path)
    return install(bundle, Path(into_dir), Path(data_path) if data_path else None)


def install(
    bundle: ValidatedBundle, into: Path, data_path: Path | None, marker: str | None = None
) -> Path:
    """Write a validated bundle as a project; returns the project file.

    An import killed halfway is finished or undone by the next one (``import_journal``),
    so a re-run always succeeds and no half project is ever opened.
    """
    project_file = into / f"{bundle.project_name}{PROJECT_SUFFIX}"
    labels_file = labels_path_for(project_file)
    if into.exists() and not into.is_dir():
        raise UserError(f"{into} is a file, not a folder; choose a folder to import into.")
    sweep_temp(SCRATCH)
    if into.is_dir():
        import_journal.recover(into)
    digest = marker or _sha(bundle.path)
    if project_file.exists() and _marker(into) == digest:
        return project_file  # this very bundle is already imported there: nothing to redo
    if project_file.exists() or labels_file.exists():
        raise UserError(
            f"The folder {into} already holds a project {project_file.name}; import into "
            "another folder or open that project."
        )
    with scratch_dir(SCRATCH) as scratch:
        source = resolve_data(bundle, data_path, scratch)
        boundary("import:staged")
        _check_data(bundle, source.path)
        final_data = source.path
        if source.route == "bundle":
            final_data = into / _copy_name(bundle)
            if final_data.exists() and _sha(final_data) != bundle.dataset.sha256:
                raise UserError(
                    f"The folder {into} already has a different file named {final_data.name}; "
                    "import into another folder."
                )
        project = Project(
            path=project_file,
            data_path=final_data,
            schema=bundle.schema,
            data_sha256=bundle.dataset.sha256,
            data_rows=bundle.dataset.rows,
            data_sheet=bundle.dataset.sheet,
            model=bundle.model,
            strategy=bundle.strategy,
            layout=bundle.layout,
        )
        copy = source.path if source.route == "bundle" and not final_data.exists() else None
        images = bundle.images if source.route == "bundle" else ()
        for top in sorted({top_level(m) for m in images}):
            if (into / top).exists():
                raise UserError(
                    f"The folder {into} already has {top}, where the bundle's images go; "
                    "import into another folder."
                )
        _write(bundle, into, project, copy, digest, bool(images))
    return project_file


def already_imported(bundle_path: Path, into: Path) -> bool:
    """Whether ``into`` holds a finished import of this very bundle (a re-run is a no-op)."""
    try:
        return _marker(into) == _sha(bundle_path) and any(into.glob(f"*{PROJECT_SUFFIX}"))
    except UserError:
        return False


def _marker(folder: Path) -> str | None:
    try:
        return (folder / MARKER).read_text(encoding="utf-8").strip()
    except OSError:
        return None


def _copy_name(bundle: ValidatedBundle) -> str:
    """The data copy keeps its original name when that name has the copy's suffix."""
    member = Path(bundle.dataset.member or "")
    name = bundle.dataset.name
    return name if Path(name).suffix.lower() == member.suffix.lower() else member.name


def _write(
    bundle: ValidatedBundle,
    into: Path,
    project: Project,
    copy: Path | None,
    marker: str,
    images: bool = False,
) -> None:
    """Stage every file beside its final place, then move them in, the project file last."""
    created = not into.exists()
    try:
        into.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise write_failure(into, exc) from exc
    ok = False
    try:
        with scratch_dir(import_journal.STAGING, into) as staging:
            moves: list[tuple[Path, Path]] = []
            if copy is not None:
                shutil.copyfile(copy, staging / project.data_path.name)
                moves.append((staging / project.data_path.name, project.data_path))
            if images:
                tree = staging / "images"
                for top in bundle.extract_images(tree):
                    moves.append((tree / top, into / top))
            labels = staging / project.labels_path.name
            project.log = write_events(labels, bundle)
            moves.append((labels, project.labels_path))
            atomic_write_text(staging / MARKER, marker)
            moves.append((staging / MARKER, into / MARKER))
            doc = json.dumps(project.to_json(), indent=2, sort_keys=True)
            atomic_write_text(staging / project.path.name, doc)
            moves.append((staging / project.path.name, project.path))
            import_journal.move_in(into, moves)
        ok = True
    except OSError as exc:
        if is_disk_problem(exc):
            raise write_failure(into, exc) from exc
        raise
    finally:
        if created and not ok:
            with contextlib.suppress(OSError):
                into.rmdir()


def write_events(db: Path, bundle: ValidatedBundle) -> LogMark:
    """Replay the log with its own ids, times and sources, so order and history survive."""
    store = LabelStore(db)  # creates the tables and the format stamp
    log_id = store.assign_log_id()
    store.set_meta("data_name", bundle.dataset.name)
    store.close()
    conn = sqlite3.connect(str(db), isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(
            f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(EVENT_COLUMNS))})",
            [
                (
                    e.id,
                    e.row_id,
                    e.target,
                    e.label,
                    int(e.unsure),
                    e.annotator,
                    e.source,
                    e.model_version,
                    e.confidence,
                    e.time,
                    e.note,
                )
                for e in bundle.events
            ],
        )
        conn.execute("COMMIT")
    except sqlite3.Error as exc:
        raise write_error(db, exc, "written") from exc
    finally:
        conn.close()
    for suffix in ("-wal", "-shm"):  # the last close checkpoints; make sure nothing dangles
        leftover = db.with_name(db.name + suffix)
        if leftover.exists() and leftover.stat().st_size == 0:
            leftover.unlink()
    last = bundle.events[-1].id if bundle.events else 0
    return LogMark(len(bundle.events), last, log_id)


def reproduced(session: LabelingSession, bundle: ValidatedBundle) -> dict[str, bool]:
    """Per target: do this session's predictions match the sender's, bit for bit?

    Call it after a retrain; a mismatch usually means other library versions.
    """
    import hashlib

    out = {}
    index = bundle.manifest.get("models", {})
    for target, entry in index.items():
        fitted = session.model(target)
        want = entry.get("predictions_sha256") if isinstance(entry, dict) else None
        got = None if fitted is None else hashlib.sha256(fitted.proba.tobytes()).hexdigest()
        out[target] = isinstance(want, str) and got == want
    return out


def version_notes(bundle: ValidatedBundle) -> list[str]:
    """Say when library versions differ, since retrained models may then differ slightly."""
    here = library_versions()
    notes = []
    for lib in ("interpret", "scikit-learn", "numpy"):
        theirs = bundle.libraries.get(lib)
        if theirs and theirs != here.get(lib):
            notes.append(
                f"The bundle was made with {lib} {theirs} and this machine has {here.get(lib)}, "
                "so retrained models may differ slightly from the sender's."
            )
    return notes


def _import_folders(bundle_path: Path) -> list[Path]:
    """``<name>_project`` beside the bundle, or under the user data folder if that is read-only."""
    from app.core.paths import user_data_dir

    base = bundle_path.parent
    if not os.access(base, os.W_OK):
        base = user_data_dir() / "bundles"
    stem = bundle_path.stem
    return [base / f"{stem}_project", *(base / f"{stem}_project-{i}" for i in range(2, 100))]


def open_bundle(
    cls: type[LabelingSession], path: str | Path, data_path: str | Path | None = None
) -> LabelingSession:
    """Import a bundle into a folder beside it (once) and open the project."""
    from app.core.opening import open_project

    bundle_path = Path(path)
    bundle = read_bundle(bundle_path)
    digest = _sha(bundle_path)
    for folder in _import_folders(bundle_path):
        marker = folder / MARKER
        project_file = folder / f"{bundle.project_name}{PROJECT_SUFFIX}"
        if marker.is_file() and project_file.is_file():
            with contextlib.suppress(OSError):
                if marker.read_text(encoding="utf-8").strip() == digest:
                    session = open_project(cls, project_file)
                    session.notes.append(
                        f"Reopened the project imported earlier from {bundle_path.name}, in "
                        f"{folder}; import the bundle into another folder for a fresh copy."
                    )
                    return session
        if folder.is_dir():
            import_journal.recover(folder)  # an import into it that a crash interrupted
        if folder.exists() and any(folder.iterdir()):
            continue
        given = Path(data_path) if data_path else None
        project_file = install(bundle, folder, given, marker=digest)
        session = open_project(cls, project_file)
        session.notes += [f"Imported {bundle_path.name} into {folder}.", *version_notes(bundle)]
        return session
    raise UserError(
        f"There is no free folder to import {bundle_path.name} into beside it; remove old "
        "imports or use bundle import --into DIR."
    )
