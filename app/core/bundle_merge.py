"""Merge the bundles that several experts labelled apart into one project.

The lead sends a bundle; each expert labels offline and sends theirs back; the lead
merges them. Every bundle must come from the same data (same SHA-256) and agree on
the schema (targets, their classes, the id column); a conflict is refused with a
sentence before anything is written. Events keep their annotators, sources and
times; an event is the same event wherever it travelled (its content, not its id,
which differs from copy to copy), so merging a bundle twice adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app.core.bundle import install
from app.core.bundle_reader import ValidatedBundle, read_bundle
from app.core.errors import UserError
from app.core.label_state import LabelEvent
from app.core.project import PROJECT_SUFFIX, Project
from app.core.schema import Schema

EventKey = tuple[object, ...]


@dataclass
class MergeReport:
    project: Path
    added: int
    bundles: int
    created: bool


def event_key(event: LabelEvent) -> EventKey:
    """What makes two copies of an event the same event: everything but the id."""
    confidence = None if event.confidence is None else round(float(event.confidence), 12)
    return (
        event.row_id,
        event.target,
        event.label,
        bool(event.unsure),
        event.annotator,
        event.source,
        event.model_version,
        confidence,
        round(float(event.time), 6),
        event.note,
    )


def _schema_conflict(a: Schema, b: Schema) -> str | None:
    if a.id_column != b.id_column:
        return f"its id column is '{b.id_column}', not '{a.id_column}'"
    names_a, names_b = set(a.target_names), set(b.target_names)
    if names_a != names_b:
        other = sorted(names_a ^ names_b)[0]
        return f"one of them has the target '{other}' and the other does not"
    for spec in a.targets:
        theirs = b.target(spec.name)
        if set(spec.classes) != set(theirs.classes):
            return (
                f"the target '{spec.name}' has the classes {', '.join(theirs.classes)} there "
                f"and {', '.join(spec.classes)} here"
            )
    return None


def merge_bundles(paths: list[str | Path], into: str | Path) -> MergeReport:
    """Merge ``paths`` into the project in ``into`` (made from the first bundle if absent)."""
    from app.core.session import LabelingSession

    if not paths:
        raise UserError("Name at least one bundle to merge.")
    bundles = [read_bundle(p) for p in paths]
    folder = Path(into)
    existing = sorted(folder.glob(f"*{PROJECT_SUFFIX}")) if folder.is_dir() else []
    if len(existing) > 1:
        raise UserError(
            f"The folder {folder} holds several projects; merge into a folder with one project."
        )
    reference = Project.load(existing[0]) if existing else None
    first = bundles[0]
    sha = reference.data_sha256 if reference is not None else first.dataset.sha256
    schema = reference.schema if reference is not None else first.schema
    for bundle in bundles:
        _check_fits(bundle, sha, schema)
    created = reference is None
    project_file = existing[0] if existing else install(first, folder, None)
    with LabelingSession.open(project_file) as session:
        known = {event_key(e) for e in session.store.events()}
        fresh: list[LabelEvent] = []
        for bundle in bundles:
            for event in bundle.events:
                key = event_key(event)
                if key not in known:
                    known.add(key)
                    fresh.append(event)
        fresh.sort(key=lambda e: e.time)  # stable: each bundle's own order is kept
        added = session.store.append_events(fresh)
        session.save()
    if created:
        added += len(first.events)  # the project was made from the first bundle's log
    return MergeReport(project_file, added, len(bundles), created)


def _check_fits(bundle: ValidatedBundle, sha: str, schema: Schema) -> None:
    if bundle.dataset.sha256 != sha:
        raise UserError(
            f"The bundle {bundle.path.name} was made from other data (SHA-256 "
            f"{bundle.dataset.sha256[:12]}…, the merge needs {sha[:12]}…); merge only bundles "
            "of the same data file."
        )
    conflict = _schema_conflict(schema, bundle.schema)
    if conflict is not None:
        raise UserError(
            f"The bundle {bundle.path.name} cannot be merged: {conflict}; ask its sender to use "
            "the same targets and classes, or merge it into another folder."
        )
