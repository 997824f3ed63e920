"""How a team labels one target, computed off the GUI thread for the agreement and conflicts views.

One job reads every annotator's labels, then computes the pairwise Cohen's kappa,
Krippendorff's alpha, the full-agreement share, a confusion matrix per pair,
CROWDLAB's consensus (its label and quality per shared sample, and each
annotator's quality), and the list of samples whose annotators disagree.
It only reads the session; a label written meanwhile can make a read fail
("dictionary changed size"), and then it reads again. The result carries the
labels-version it was read at, like every background result of the window.

Reading is dictionary work over the labelled rows; kappa, alpha and CROWDLAB are
numpy and scikit-learn over the shared ones, so the job is short for a few
thousand labels and stays off the GUI thread for a million.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from app.core.errors import UserError
from app.core.label_state import ADJUDICATED, DATA_FILE
from app.gui.workers import JobCancelled

if TYPE_CHECKING:
    from app.core.session import LabelingSession
    from app.gui.workers import Progress, ShouldStop, TaskRunner

log = logging.getLogger(__name__)

DEBOUNCE_MS = 400
READ_ATTEMPTS = 8


@dataclass(frozen=True)
class Conflict:
    """A sample whose annotators disagree, as the conflicts queue lists it."""

    row_id: Any
    position: int
    labels: dict[str, str]  # annotator -> their label
    consensus: str | None  # CROWDLAB's consensus, else the majority's
    quality: float | None  # CROWDLAB's consensus quality (None before a model exists)


@dataclass
class TeamFigures:
    """One target's agreement report (the CLI's JSON shape) and what the views add to it."""

    target: str
    labels_version: int
    classes: list[str]
    report: dict[str, Any]
    confusion: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)

    @property
    def shared(self) -> int:
        """How many samples two or more annotators labelled."""
        return int(self.report.get("shared", 0))


def confusion(a: dict[str, str], b: dict[str, str], classes: list[str]) -> np.ndarray:
    """Counts of (a's class, b's class) over the samples both labelled."""
    index = {c: i for i, c in enumerate(classes)}
    out = np.zeros((len(classes), len(classes)), dtype=np.int64)
    for row in a.keys() & b.keys():
        i, j = index.get(a[row]), index.get(b[row])
        if i is not None and j is not None:
            out[i, j] += 1
    return out


def _read(session: LabelingSession, target: str) -> tuple[int, dict[str, dict[str, str]], Any]:
    from app.core.team_labels import model_probabilities

    version = session.labels_version
    votes = {a: v for a, v in session.store.by_annotator(target).items() if a != DATA_FILE and v}
    probs = model_probabilities(session, target)
    return version, votes, probs


def compute_figures(
    session: LabelingSession,
    target: str,
    progress: Progress | None = None,
    should_stop: ShouldStop | None = None,
) -> TeamFigures:
    """Everything the agreement and conflicts views show for ``target`` (a worker thread)."""
    from app.core.agreement import report, shown
    from models.multiannotator import crowdlab

    for attempt in range(READ_ATTEMPTS):
        try:
            version, votes, probs = _read(session, target)
            break
        except RuntimeError:  # a label arrived while reading: read again
            if attempt == READ_ATTEMPTS - 1:
                raise
    classes = list(session.schema.target(target).classes)
    extra = sorted({lab for v in votes.values() for lab in v.values()} - set(classes))
    classes += extra  # a colleague's class this schema does not know yet
    if progress is not None:
        progress(0.3, "Measuring agreement")
    position = _positions(session, votes)
    by_position = {
        a: {position[r]: lab for r, lab in v.items() if r in position} for a, v in votes.items()
    }
    consensus = crowdlab(by_position, probs, classes)
    if should_stop is not None and should_stop():
        raise JobCancelled
    figures = TeamFigures(
        target, version, classes, report(votes, classes, consensus.annotator_quality)
    )
    names = sorted(votes)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            figures.confusion[(shown(a), shown(b))] = confusion(votes[a], votes[b], classes)
    rows: dict[str, dict[str, str]] = {}
    for a, v in votes.items():
        for row, lab in v.items():
            rows.setdefault(row, {})[shown(a)] = lab
    shared = {row: people for row, people in rows.items() if len(people) >= 2}
    figures.report["shared"] = len(shared)
    store = session.store
    for row, people in shared.items():
        if len(set(people.values())) < 2 or store.decided(row, target) == ADJUDICATED:
            continue
        p = position.get(row)
        if p is None:
            continue  # a row no longer in the data file
        majority = Counter(people.values()).most_common(1)[0][0]
        figures.conflicts.append(
            Conflict(
                session.row_id_at(p),
                p,
                dict(sorted(people.items())),
                consensus.labels.get(p, majority),
                consensus.quality.get(p),
            )
        )
    figures.conflicts.sort(
        key=lambda c: (c.quality if c.quality is not None else _vote_share(c), c.position)
    )
    return figures


def _positions(session: LabelingSession, votes: dict[str, dict[str, str]]) -> dict[str, int]:
    """Row key -> position for every voted row still in the data."""
    out: dict[str, int] = {}
    for v in votes.values():
        for row in v:
            if row not in out:
                try:
                    out[row] = session.position(row)
                except UserError:
                    continue
    return out


def _vote_share(conflict: Conflict) -> float:
    """Before CROWDLAB can weigh anyone: the majority's share, the smallest first."""
    counts = Counter(conflict.labels.values())
    return counts.most_common(1)[0][1] / max(1, len(conflict.labels))


class TeamFiguresJob(QObject):
    """Asks for fresh figures when labels or the model change and someone is looking."""

    sig_ready = Signal(object)  # TeamFigures, current for the labels
    sig_failed = Signal(str)

    def __init__(
        self,
        session: LabelingSession,
        runner: TaskRunner,
        current_target: Callable[[], str],
        wanted: Callable[[], bool],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.runner = runner
        self.current_target = current_target
        self.wanted = wanted
        self.latest: TeamFigures | None = None
        self.requests = 0
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self.request)

    def soon(self) -> None:
        """Labels or the model changed: ask again once the changes pause."""
        if self.wanted():
            self._debounce.start()

    def request_if_wanted(self) -> None:
        if self.wanted():
            latest = self.latest
            fresh = (
                latest is not None
                and latest.target == self.current_target()
                and latest.labels_version == self.session.labels_version
            )
            if not fresh:
                self.request()

    def request(self) -> None:
        self._debounce.stop()
        session, target = self.session, self.current_target()
        self.requests += 1
        self.runner.submit(
            "team",
            lambda progress, should_stop: compute_figures(session, target, progress, should_stop),
            self._on_result,
            on_error=self._on_error,
            labels_version=session.labels_version,
            description="Measuring agreement",
        )

    def _on_result(self, figures: TeamFigures, current: bool) -> None:
        if figures.target != self.current_target():
            self.request_if_wanted()
            return
        self.latest = figures
        self.sig_ready.emit(figures)
        if not current or figures.labels_version != self.session.labels_version:
            self.soon()  # shown (a moment old is better than nothing), and asked again

    def _on_error(self, exc: BaseException) -> None:
        from app.gui.errors import user_message

        log.warning("Agreement figures failed: %s", exc)
        self.sig_failed.emit(user_message(exc))
