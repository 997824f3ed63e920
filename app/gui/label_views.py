"""The views that show labels, kept in step by the session's label stream.

After a label (a key, undo, a class change, a colleague's label) the table row,
the label counts and the map's colours follow from one ``LabelChange``; nobody
pushes into them. The map's label colours are class codes kept per target and
changed one row at a time, so a label at a million rows costs no pass over the
data; only a class change (rename, merge) recodes a target.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, QTimer

from app.core.label_changes import CLASSES
from app.gui.model_jobs import BIG
from app.gui.presenter import class_codes, target_arrays

MAP_DELAY_MS = 2000

if TYPE_CHECKING:
    from app.core.label_changes import LabelChange
    from app.core.session import LabelingSession
    from app.gui.deferred import DeferredSteps
    from app.gui.label_stream import LabelStream
    from app.gui.model_jobs import ModelJobs
    from app.gui.views import Views


class LabelViews(QObject):
    """Table rows, counts and map colours for one session's labels."""

    def __init__(
        self,
        session: LabelingSession,
        stream: LabelStream,
        views: Views,
        jobs: ModelJobs,
        deferred: DeferredSteps,
        current_target: Callable[[], str],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.views = views
        self.jobs = jobs
        self.deferred = deferred
        self.current_target = current_target
        self._label_codes: dict[str, np.ndarray] = {}
        # Recolouring a million-point map takes 30-50 ms: on big data it waits until the
        # expert pauses, instead of following every key.
        self._map_timer = QTimer(self)
        self._map_timer.setSingleShot(True)
        self._map_timer.setInterval(MAP_DELAY_MS if session.n_rows > BIG else 0)
        self._map_timer.timeout.connect(lambda: self.deferred.later("map", self.update_map_colors))
        stream.sig_changed.connect(self._on_change)

    def fill_table(self) -> None:
        """Every target's labels into the table (opening; the stream keeps them after)."""
        for t in self.session.targets:
            self._set_target(t)

    def _set_target(self, target: str) -> None:
        classes = list(self.session.schema.target(target).classes)
        self.views.table.set_target(target, target_arrays(self.session, target), classes)
        self._label_codes.pop(target, None)

    def _on_change(self, change: LabelChange) -> None:
        target = change.target
        if target not in self.session.targets:
            return
        if change.kind == CLASSES:
            self._set_target(target)
        elif change.position is not None and change.state is not None:
            state = change.state
            shown = state.label is not None or state.unsure
            self.views.table.set_label(
                target, change.position, state.label, state.unsure, change.source if shown else None
            )
            codes = self._label_codes.get(target)
            if codes is not None:
                classes = list(self.session.schema.target(target).classes)
                label = state.label
                codes[change.position] = classes.index(label) if label in classes else -1
        self.deferred.later("counts", self.update_counts)
        if target == self.current_target():
            self._map_timer.start()

    def update_counts(self) -> None:
        session, target = self.session, self.current_target()
        n_labels = len(session.store.labels(target))
        n_unsure = len(session.store.unsure(target))
        unsure = f" · {n_unsure} unsure" if n_unsure else ""
        self.views.counts_label.setText(
            f"{target}: {n_labels:,} of {session.n_rows:,} labelled{unsure}"
        )

    def label_codes(self, target: str) -> np.ndarray:
        """Class index of each row's label (-1: none), made once and then kept by the stream."""
        codes = self._label_codes.get(target)
        if codes is None:
            classes = list(self.session.schema.target(target).classes)
            arrays = self.views.table.model.targets.get(target)
            labels = None if arrays is None else arrays.labels
            codes = class_codes(labels, classes, self.session.n_rows).astype(np.int16)
            self._label_codes[target] = codes
        return codes

    def update_map_colors(self) -> None:
        """Colour the map by the chosen mode for the current target (no-op before the map)."""
        target = self.current_target()
        n = self.session.n_rows
        overview = self.views.overview
        mode = overview.color_mode()
        classes = list(self.session.schema.target(target).classes)
        labels = self.label_codes(target)
        try:
            if mode == "uncertainty":
                conf = self.jobs.confidence.get(target)
                values = np.zeros(n) if conf is None else 1.0 - np.asarray(conf, dtype=np.float64)
                overview.set_labelled(np.flatnonzero(labels >= 0))
                overview.set_colors(values, mode, None)
            elif mode == "prediction":
                overview.set_labelled(np.flatnonzero(labels >= 0))
                overview.set_colors(self._predicted_codes(target, classes, n), mode, classes)
            else:  # label mode: the labelled points are the coloured ones
                overview.set_colors(labels, mode, classes)
        except ValueError:
            pass  # the map has no points yet; the projection job will call again

    def _predicted_codes(self, target: str, classes: list[str], n: int) -> np.ndarray:
        codes = self.jobs.codes.get(target)
        model = self.session.model(target)
        if codes is not None and model is not None and list(model.classes) == classes:
            return codes.astype(np.int64)
        return class_codes(self.jobs.predicted.get(target), classes, n)
