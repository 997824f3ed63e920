"""A sample's label when several people label it: each annotator's own state, then one
working label for training and export.

The log keeps every annotator's latest event per (sample, target); nobody's event
replaces another person's. The working label is decided by one rule:

1. an adjudication (source ``adjudication``), if there is one;
2. else the annotators who labelled the sample: one of them alone is a *single*
   label, several are a *consensus* by majority (a tie goes to the most recent
   label; the session may replace it by CROWDLAB's consensus, which weighs each
   annotator by quality);
3. labels imported from the data file count only where no person has labelled the
   sample: they are what was known before anyone looked.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

ADJUDICATION = "adjudication"
DATA_FILE = "data file"  # the annotator of labels imported from the data file
SINGLE, CONSENSUS, ADJUDICATED = "single", "consensus", "adjudicated"


EVENT_COLUMNS = (
    "id",
    "row_id",
    "target",
    "label",
    "unsure",
    "annotator",
    "source",
    "model_version",
    "confidence",
    "time",
    "note",
)


@dataclass(frozen=True)
class LabelState:
    """What a sample's label is right now for one target."""

    label: str | None = None
    unsure: bool = False

    @property
    def is_empty(self) -> bool:
        return self.label is None and not self.unsure


@dataclass(frozen=True)
class LabelEvent:
    id: int
    row_id: str
    target: str
    label: str | None
    unsure: bool
    annotator: str
    source: str
    model_version: int | None
    confidence: float | None
    time: float
    note: str

    @property
    def state(self) -> LabelState:
        return LabelState(self.label, self.unsure)


def decide(
    by: dict[str, LabelEvent], adjudication: LabelEvent | None
) -> tuple[LabelEvent | None, str]:
    """The working event of one sample and how it was decided."""
    if adjudication is not None and not adjudication.state.is_empty:
        return adjudication, ADJUDICATED
    present = [e for e in by.values() if not e.state.is_empty]
    people = [e for e in present if e.annotator != DATA_FILE]
    voters = people or present
    if not voters:
        latest = max(by.values(), key=lambda e: e.id, default=None)
        return latest, SINGLE  # removed everywhere: the newest (empty) state
    if len(voters) == 1:
        return voters[0], SINGLE
    labelled = [e for e in voters if e.label is not None]
    if not labelled:
        return max(voters, key=lambda e: e.id), CONSENSUS
    counts = Counter(e.label for e in labelled)
    top = max(counts.values())
    tied = {label for label, n in counts.items() if n == top}
    chosen = max((e for e in labelled if e.label in tied), key=lambda e: e.id)
    return chosen, CONSENSUS
