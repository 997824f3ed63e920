"""How a team labels one project: blind or not, how much overlap, who adjudicates.

Set by the project's lead and saved with the project (and, for a shared store, on
the server, so every desktop follows the same rules).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class TeamSettings:
    blind: bool = False  # annotators see neither the model nor colleagues until they label
    overlap: float = 0.0  # share of suggested rows that go to two or more annotators
    adjudicators: list[str] = field(default_factory=list)
    annotators: list[str] = field(default_factory=list)  # the roster work is split among

    def to_json(self) -> dict[str, Any]:
        return {
            "blind": self.blind,
            "overlap": self.overlap,
            "adjudicators": list(self.adjudicators),
            "annotators": list(self.annotators),
        }
