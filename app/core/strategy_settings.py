"""How suggestions are made for a project: saved in the project file and the bundle."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


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
