"""``LabelingSession``: the one object that owns a project's state.

The command line, the GUI and the tests all drive this class the same way.
It holds the data, the schema, the label store and the fitted models, and it
is the only place that turns a key press into a durable label event.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from app.core.class_changes import CLASS_SOURCE
from app.core.class_editing import ClassEditing, ClassStep
from app.core.errors import UserError
from app.core.label_changes import CLASSES, COLLEAGUE, LABEL, LabelChange, LabelChanges
from app.core.label_store import ADJUDICATION, LabelEvent, LabelState, LabelStore
from app.core.project import Project
from app.core.row_index import RowIndex, positions_of, row_index
from app.core.schema import Schema, canonical, canonical_class, sort_classes, typed
from app.core.session_models import ModelQueries
from app.core.session_queues import QueueQueries
from models.training import FittedTarget

if TYPE_CHECKING:
    import pandas as pd

    from app.core.data_changes import DataChange
    from app.core.review import ReviewResult
    from app.core.shared_sync import SyncStatus, SyncWorker
    from models.multiannotator import Consensus

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Change:
    """One undoable step: a sample's label state before and after."""

    row: str
    target: str
    before: LabelState
    after: LabelState
    annotator: str = ""  # whose state it was: undo never touches another person's label
    adjudication: bool = False


class LabelingSession(ModelQueries, QueueQueries, ClassEditing):
    """A project opened for labelling."""

    def __init__(
        self,
        project: Project,
        data: pd.DataFrame,
        store: LabelStore,
        notes: Iterable[str] = (),
        *,
        index: RowIndex | None = None,
    ) -> None:
        self.project = project
        self.data = data
        self.store = store
        self.notes: list[str] = list(notes)
        self.annotator = project.annotator
        if index is None:
            index = row_index(data[project.schema.id_column].to_numpy())
        self._ids: Sequence[Any] = index.ids
        self._keys: Sequence[str] = index.keys
        self._position: Mapping[str, int] = index.positions
        self._models: dict[str, FittedTarget] = {}
        self._model_versions: dict[str, int] = {}
        self._trained_at: dict[str, int] = {}
        self._undo: list[Change | ClassStep] = []
        self._redo: list[Change | ClassStep] = []
        self._embeddings: dict[str, np.ndarray] = {}
        self._review: dict[str, ReviewResult] = {}
        self._closed = False
        self.changes = LabelChanges()  # every committed label change: views and jobs listen
        self.data_change: DataChange | None = None  # what changed in the data file, if anything
        self._consensus: dict[str, tuple[int, Consensus]] = {}  # target -> (version, CROWDLAB)
        self.sync: SyncWorker | None = None  # the link to a shared store, if the team has one
        self._assignment: tuple[Any, np.ndarray] | None = None  # rows the roster gives us

    # -- opening -----------------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        path: str | Path,
        targets: list[str] | None = None,
        *,
        project_path: str | Path | None = None,
        id_column: str | None = None,
        features: dict[str, list[str]] | None = None,
        classes: dict[str, list[str]] | None = None,
        annotator: str | None = None,
        store: str | None = None,
    ) -> LabelingSession:
        """Open a data file, a project file or the word ``demo``; ``store`` is a shared
        PostgreSQL store (``postgresql://host/db``) that keeps the team's label log."""
        from app.core.opening import open_session

        if store:
            from app.core.shared_session import open_shared

            return open_shared(cls, path, targets, store=store, annotator=annotator)
        session = open_session(
            cls,
            path,
            targets,
            project_path=project_path,
            id_column=id_column,
            features=features,
            classes=classes,
            annotator=annotator,
        )
        if session.project.store:  # a team project: its store as it was joined
            from app.core.shared_session import attach

            try:
                attach(session, session.project.store)
            except BaseException:
                session.close()
                raise
        return session

    @classmethod
    def create(
        cls,
        data_path: str | Path,
        schema: Any,
        project_path: str | Path | None = None,
        sheet: str | None = None,
    ) -> LabelingSession:
        """First open of a data file with a schema the user confirmed in the GUI.

        ``sheet`` names the workbook sheet the schema was made for.
        """
        from app.core.opening import create_session

        return create_session(cls, data_path, schema, project_path, sheet)

    # -- basic facts -------------------------------------------------------------------------
    @property
    def schema(self) -> Schema:
        return self.project.schema

    @property
    def targets(self) -> list[str]:
        return self.schema.target_names

    def classes(self, target: str) -> list[Any]:
        return [typed(c) for c in self.schema.target(target).classes]

    def row_ids(self) -> list[Any]:
        return list(self._ids)

    @property
    def n_rows(self) -> int:
        return len(self._ids)

    @property
    def labels_version(self) -> int:
        return self.store.version

    def position(self, row_id: Any) -> int:
        key = canonical(row_id)
        if key is None or key not in self._position:
            raise UserError(f"There is no sample with id '{row_id}'; pick an id from the data.")
        return self._position[key]

    def row_id_at(self, position: int) -> Any:
        return self._ids[position]

    def features(self, target: str) -> list[str]:
        return list(self.schema.target(target).features)

    # -- labelling -----------------------------------------------------------------------------
    def _class_key(self, target: str, value: Any) -> str:
        spec = self.schema.target(target)
        key = canonical_class(value)
        if key is None:
            raise UserError(
                f"A label for '{target}' cannot be empty; use remove_label to clear one."
            )
        if key not in spec.classes:
            spec.classes = sort_classes([*spec.classes, key])
            self.save()
        return key

    def _write(
        self,
        row_key: str,
        target: str,
        state: LabelState,
        source: str,
        annotator: str | None,
        note: str = "",
    ) -> LabelEvent:
        model = self._models.get(target)
        confidence = None
        if model is not None:
            confidence = float(model.proba[self._position[row_key]].max())
        event = self.store.append(
            row_key,
            target,
            state.label,
            unsure=state.unsure,
            annotator=annotator if annotator is not None else self.annotator,
            source=source,
            model_version=self._model_versions.get(target),
            confidence=confidence,
            note=note,
        )
        self.publish_label(row_key, target, source)
        if self.sync is not None:
            self.sync.wake()  # send it now, not at the next poll
        return event

    def publish_label(self, row_key: str, target: str, source: str) -> None:
        """Tell every listener that one row's label state changed (it is on disk now)."""
        position = self._position.get(row_key)
        state = self.store.state(row_key, target)
        change = LabelChange(LABEL, target, self.labels_version, row_key, position, state, source)
        self.changes.publish(change)

    def _classes_changed(self, target: str) -> None:
        self.changes.publish(LabelChange(CLASSES, target, self.labels_version, source="class"))

    def _change(
        self,
        row_id: Any,
        target: str,
        after: LabelState,
        source: str,
        annotator: str | None,
        note: str = "",
    ) -> LabelEvent:
        self.schema.target(target)
        key = canonical(row_id) or ""
        self.position(row_id)
        who = annotator if annotator is not None else self.annotator
        adjudication = source == ADJUDICATION
        if adjudication:
            decided = self.store.adjudication(key, target)
            before = decided.state if decided is not None else LabelState()
        else:
            before = self.store.state_of(key, target, who)
        event = self._write(key, target, after, source, who, note)
        self._undo.append(Change(key, target, before, after, who, adjudication))
        self._redo.clear()
        return event

    def label(
        self,
        row_id: Any,
        target: str,
        value: Any,
        annotator: str | None = None,
        *,
        source: str = "human",
        note: str = "",
    ) -> LabelEvent:
        """Record a label; it returns only after the event is committed to disk."""
        key = self._class_key(target, value)
        return self._change(row_id, target, LabelState(key, False), source, annotator, note)

    def mark_unsure(
        self, row_id: Any, target: str, note: str = "", annotator: str | None = None
    ) -> LabelEvent:
        """The expert is not sure: keep any label, flag it, and skip it in suggestions."""
        key = canonical(row_id) or ""
        who = annotator if annotator is not None else self.annotator
        current = self.store.state_of(key, target, who)
        return self._change(
            row_id, target, LabelState(current.label, True), "human", annotator, note
        )

    def adjudicate(
        self, row_id: Any, target: str, value: Any, annotator: str | None = None, note: str = ""
    ) -> LabelEvent:
        """Decide a sample whose annotators disagree; only an adjudicator may."""
        who = annotator if annotator is not None else self.annotator
        if not self.is_adjudicator(who):
            raise UserError(
                f"Only an adjudicator may decide a conflict, and {who or 'this annotator'} is "
                "not one; ask the project lead to add you as an adjudicator."
            )
        key = self._class_key(target, value)
        return self._change(row_id, target, LabelState(key, False), ADJUDICATION, who, note)

    def is_blinded(self, row_id: Any, target: str) -> bool:
        """Blind mode: hide the model and colleagues on this row until this annotator labels it."""
        from app.core.team_work import blinded

        return blinded(self, canonical(row_id) or "", target, self.annotator)

    def is_adjudicator(self, annotator: str) -> bool:
        return bool(annotator) and annotator in self.project.team.adjudicators

    def remove_label(self, row_id: Any, target: str, annotator: str | None = None) -> LabelEvent:
        return self._change(row_id, target, LabelState(), "human", annotator)

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    def undo(self) -> Change | ClassStep | None:
        """Append the inverse of the latest change; None when there is nothing to undo."""
        if not self._undo:
            return None
        change = self._undo.pop()
        if isinstance(change, ClassStep):
            self._undo_class(change)
        else:
            source = ADJUDICATION if change.adjudication else "undo"
            note = "undo" if change.adjudication else ""
            self._write(change.row, change.target, change.before, source, change.annotator, note)
        self._redo.append(change)
        return change

    def redo(self) -> Change | ClassStep | None:
        if not self._redo:
            return None
        change = self._redo.pop()
        if isinstance(change, ClassStep):
            self._redo_class(change)
        else:
            source = ADJUDICATION if change.adjudication else "redo"
            note = "redo" if change.adjudication else ""
            self._write(change.row, change.target, change.after, source, change.annotator, note)
        self._undo.append(change)
        return change

    def labels(self, target: str) -> dict[Any, Any]:
        """Row id → working label (adjudicated, consensus or single) for ``target``."""
        from app.core.team_labels import working_labels

        self.schema.target(target)
        return {
            self._ids[self._position[k]]: typed(v)
            for k, v in working_labels(self, target).items()
            if k in self._position
        }

    def unsure(self, target: str) -> set[Any]:
        return {
            self._ids[self._position[k]] for k in self.store.unsure(target) if k in self._position
        }

    def label_state(self, row_id: Any, target: str) -> LabelState:
        return self.store.state(canonical(row_id) or "", target)

    def label_event(self, row_id: Any, target: str) -> LabelEvent | None:
        return self.store.latest(canonical(row_id) or "", target)

    def orphan_labels(self) -> list[LabelEvent]:
        """Labels the log keeps for rows that are no longer in the data file."""
        return [
            event
            for (_target, row), event in self.store.current_items()
            if row not in self._position and not event.state.is_empty
        ]

    def _label_positions(self, target: str) -> dict[int, str]:
        from app.core.team_labels import working_labels

        labels = working_labels(self, target)
        keys = list(labels)
        found = positions_of(self._position, keys)
        return {int(p): labels[k] for k, p in zip(keys, found.tolist(), strict=True) if p >= 0}

    # -- output and lifecycle -------------------------------------------------------------------
    def export(self, path: str | Path) -> Path:
        from app.core.export import export_labels

        return export_labels(self, Path(path))

    def refresh(self) -> int:
        """Take in labels others wrote (a shared store's colleagues); returns how many.

        Each row they changed is published on ``changes`` (source ``colleague``), so the
        views and the model follow a colleague's label as they follow one made here.
        """
        fresh: list[LabelEvent] = []
        count = self.store.refresh(fresh)
        published: set[tuple[str, str]] = set()
        for event in fresh:
            key = (event.row_id, event.target)
            if key in published or event.target not in self.targets:
                continue
            published.add(key)
            if event.source == CLASS_SOURCE:
                self._classes_changed(event.target)
            else:
                self.publish_label(event.row_id, event.target, COLLEAGUE)
        return count

    def sync_status(self) -> SyncStatus | None:
        """Online or not, and how many labels wait to be sent; None for a local project."""
        if self.sync is None:
            return None
        status = self.sync.status()
        return replace(status, waiting=self.store.waiting())  # counted here, never stale

    def save(self) -> None:
        """Write the project file, recording what the log holds so a lost log is noticed."""
        from app.core.project import LogMark

        self.store.assign_log_id()
        self.project.log = LogMark(*self.store.mark())
        self.project.save()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self.sync is not None:
            self.sync.settle(timeout=2.0)  # a last chance to send what waits
            self.sync.stop()
        try:
            self.store.refresh()
            if self.project.log is None or self.project.log.events != self.store.count():
                self.save()
        except Exception:
            log.warning("Could not record the label count in %s", self.project.path, exc_info=True)
        finally:
            self.store.close()
            from app.core.locking import release

            release(self.project.labels_path)

    def __enter__(self) -> LabelingSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
