"""The project file: a versioned JSON document that ties data, schema and settings together."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.core.atomic import atomic_write_text
from app.core.errors import UserError
from app.core.schema import Schema
from models.ebm import EBMSettings

FORMAT = "labelwright-project"
FORMAT_VERSION = 1
PROJECT_SUFFIX = ".lwproj"
LABELS_SUFFIX = ".lwlabels"


@dataclass
class StrategySettings:
    name: str = "margin"
    batch: int = 10
    seed: int = 0
    diversity: float = 1.0

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "batch": self.batch,
            "seed": self.seed,
            "diversity": self.diversity,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StrategySettings:
        return cls(
            name=str(data.get("name", "margin")),
            batch=int(data.get("batch", 10)),
            seed=int(data.get("seed", 0)),
            diversity=float(data.get("diversity", 1.0)),
        )


@dataclass
class Project:
    """Everything about a labelling project except the data and the labels themselves."""

    path: Path
    data_path: Path
    schema: Schema
    data_sha256: str = ""
    data_rows: int = 0
    data_sheet: str | None = None
    labels_file: str = ""
    model: EBMSettings = field(default_factory=EBMSettings)
    strategy: StrategySettings = field(default_factory=StrategySettings)
    layout: dict[str, Any] = field(default_factory=dict)
    annotator: str = ""

    @property
    def labels_path(self) -> Path:
        name = self.labels_file or self.path.with_suffix(LABELS_SUFFIX).name
        return self.path.parent / name

    def to_json(self) -> dict[str, Any]:
        try:
            data_ref = str(self.data_path.resolve().relative_to(self.path.parent.resolve()))
        except ValueError:
            data_ref = str(self.data_path.resolve())
        return {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "data": {
                "path": data_ref,
                "sha256": self.data_sha256,
                "rows": self.data_rows,
                "sheet": self.data_sheet,
            },
            "labels": self.labels_path.name,
            "schema": self.schema.to_json(),
            "model": self.model.to_json(),
            "strategy": self.strategy.to_json(),
            "layout": self.layout,
            "annotator": self.annotator,
        }

    def save(self) -> None:
        atomic_write_text(self.path, json.dumps(self.to_json(), indent=2, sort_keys=True))

    @classmethod
    def from_json(cls, path: Path, doc: dict[str, Any]) -> Project:
        if doc.get("format") != FORMAT:
            raise UserError(
                f"{path.name} is not a Labelwright project file; open a data file instead."
            )
        version = doc.get("version")
        if not isinstance(version, int) or version > FORMAT_VERSION or version < 1:
            raise UserError(
                f"{path.name} has project format {version!r}, which this Labelwright cannot read; "
                "update Labelwright."
            )
        try:
            data = doc["data"]
            data_path = Path(data["path"])
            if not data_path.is_absolute():
                data_path = path.parent / data_path
            return cls(
                path=path,
                data_path=data_path,
                schema=Schema.from_json(doc["schema"]),
                data_sha256=str(data.get("sha256", "")),
                data_rows=int(data.get("rows", 0)),
                data_sheet=data.get("sheet"),
                labels_file=str(doc.get("labels", "")),
                model=EBMSettings.from_json(doc.get("model", {})),
                strategy=StrategySettings.from_json(doc.get("strategy", {})),
                layout=dict(doc.get("layout", {})),
                annotator=str(doc.get("annotator", "")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise UserError(
                f"The project file {path.name} is damaged ({exc}); recreate it from the data file."
            ) from exc

    @classmethod
    def load(cls, path: Path) -> Project:
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise UserError(f"The project file {path} does not exist; check the path.") from exc
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise UserError(
                f"The project file {path.name} is not valid JSON; recreate it from the data file."
            ) from exc
        if not isinstance(doc, dict):
            raise UserError(
                f"{path.name} is not a Labelwright project file; open a data file instead."
            )
        return cls.from_json(path, doc)
