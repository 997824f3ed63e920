"""The session's models: a retrain as a job safe off the GUI thread, and what a fitted model
tells about rows (predictions, contributions, importances, shape curves).

Mixed into ``LabelingSession``; kept apart so the session file holds the labels' life
and this one the models'.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.core.faults import boundary
from app.core.schema import typed
from models.ebm import Contributions, ShapeCurve, explain_rows, global_importances, shape_curve
from models.jobs import Progress, ShouldStop
from models.training import FittedTarget, TargetInput, train_targets

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from app.core.project import Project
    from app.core.schema import Schema


@dataclass
class TrainingResult:
    """What a training job produced, stamped with the labels it was computed from."""

    labels_version: int
    fitted: dict[str, FittedTarget | None]


class TrainingJob:
    """A frozen snapshot of everything a retrain needs; ``run`` is safe off the GUI thread."""

    def __init__(self, session: ModelQueries) -> None:
        self.labels_version = session.labels_version
        self._data = session.data
        self._kinds = dict(session.schema.column_kinds)
        self._settings = session.project.model
        self._previous = dict(session._models)
        self._order = [session._target_input(t) for t in session.schema.training_order()]

    def run(
        self, progress: Progress | None = None, should_stop: ShouldStop | None = None
    ) -> TrainingResult:
        fitted = train_targets(
            self._data,
            self._kinds,
            self._order,
            self._settings,
            self._previous,
            progress=progress,
            should_stop=should_stop,
        )
        return TrainingResult(self.labels_version, fitted)


class ModelQueries:
    """Mixed into ``LabelingSession``: training and what the fitted models say."""

    data: pd.DataFrame
    project: Project
    _models: dict[str, FittedTarget]
    _model_versions: dict[str, int]
    _trained_at: dict[str, int]

    @property
    def schema(self) -> Schema:
        raise NotImplementedError

    @property
    def targets(self) -> list[str]:
        raise NotImplementedError

    @property
    def labels_version(self) -> int:
        raise NotImplementedError

    def position(self, row_id: Any) -> int:
        raise NotImplementedError

    def _label_positions(self, target: str) -> dict[int, str]:
        raise NotImplementedError

    def _target_input(self, target: str) -> TargetInput:
        spec = self.schema.target(target)
        return TargetInput(
            spec.name,
            list(spec.classes),
            list(spec.features),
            list(spec.uses_targets),
            self._label_positions(target),
        )

    def training_job(self) -> TrainingJob:
        return TrainingJob(self)

    def apply_training(self, result: TrainingResult, *, allow_stale: bool = True) -> bool:
        """Install fitted models; a result older than the labels is refused unless allowed.

        Returns whether the result was current. A stale model is still better than
        none while the next retrain runs, so callers may keep it (marked stale).
        """
        current = result.labels_version == self.labels_version
        if not current and not allow_stale:
            return False
        for name, fitted in result.fitted.items():
            if name not in self.targets:
                continue
            if fitted is None:
                self._models.pop(name, None)
                continue
            if fitted.classes != self.schema.target(name).classes:
                continue  # a class was added meanwhile; wait for the next retrain
            self._models[name] = fitted
            self._model_versions[name] = self._model_versions.get(name, 0) + 1
            self._trained_at[name] = result.labels_version
        return current

    def retrain(
        self, progress: Progress | None = None, should_stop: ShouldStop | None = None
    ) -> dict[str, FittedTarget | None]:
        """Fit every target now (dependencies first) and score all rows."""
        result = self.training_job().run(progress, should_stop)
        boundary("retrain:fitted")
        self.apply_training(result)
        return result.fitted

    def model(self, target: str) -> FittedTarget | None:
        return self._models.get(target)

    def model_version(self, target: str) -> int:
        return self._model_versions.get(target, 0)

    def model_is_stale(self, target: str) -> bool:
        return self._trained_at.get(target, -1) != self.labels_version

    def predictions(self, target: str) -> np.ndarray | None:
        model = self._models.get(target)
        return None if model is None else model.proba

    def predicted_label(self, row_id: Any, target: str) -> Any | None:
        model = self._models.get(target)
        if model is None:
            return None
        return typed(str(model.predicted[self.position(row_id)]))

    def design_rows(self, target: str, positions: list[int]) -> pd.DataFrame:
        """Rows as the model sees them; made on demand for a model trained elsewhere."""
        model = self._models[target]
        if model.design is not None:
            return model.design.iloc[positions]
        from app.core.design_rows import design_rows

        spec = self.schema.target(target)
        upstream = {u: (self._target_input(u), self._models.get(u)) for u in spec.uses_targets}
        X, _types = design_rows(
            self.data, self.schema.column_kinds, self._target_input(target), upstream, positions
        )
        return X

    def contributions(self, row_id: Any, target: str) -> Contributions | None:
        """Why the model predicts what it does for one sample; None before a model exists."""
        model = self._models.get(target)
        if model is None:
            return None
        X = self.design_rows(target, [self.position(row_id)])
        return explain_rows(model.ebm, X, model.classes)[0]

    def importances(self, target: str) -> list[tuple[str, float]]:
        model = self._models.get(target)
        return [] if model is None else global_importances(model.ebm)

    def shape_curve(self, target: str, feature: str) -> ShapeCurve | None:
        model = self._models.get(target)
        if model is None:
            return None
        return shape_curve(model.ebm, feature, model.classes)
