"""How a team shares the work: who gets which suggested rows, and what a blind annotator sees.

Overlap: with a roster of annotators, every row has one owner, chosen by a hash of
the row's id (stable across machines and sessions, so two desktops never need to
talk to agree); a share ``overlap`` of rows also goes to a second annotator, so
that agreement can be measured on them. The rest is split without duplicates.

Blind mode: an annotator sees neither the model's suggestion and confidence nor
colleagues' labels for a row until they have labelled it themselves, so nobody
anchors on the model or on a colleague.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from app.core.session import LabelingSession
    from app.core.team_settings import TeamSettings


def _unit(text: str) -> float:
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def assignees(row_key: str, team: TeamSettings, salt: str = "") -> list[str]:
    """The annotators a row goes to: one owner, and a second one for the overlap share."""
    roster = sorted(dict.fromkeys(team.annotators))
    if not roster:
        return []
    owner = int(_unit(f"{salt}|owner|{row_key}") * len(roster)) % len(roster)
    out = [roster[owner]]
    if len(roster) > 1 and _unit(f"{salt}|overlap|{row_key}") < team.overlap:
        out.append(roster[(owner + 1) % len(roster)])
    return out


def my_pool(session: LabelingSession, target: str, annotator: str) -> np.ndarray | None:
    """The rows this annotator should be offered, or None when the work is not split.

    Rows assigned to them that they have not labelled themselves; a colleague's label
    does not take an overlap row away, since the second opinion is the point.
    """
    team = session.project.team
    if annotator not in team.annotators:
        return None
    salt = session.project.data_sha256
    keys = session._keys
    cache_key = (annotator, tuple(sorted(team.annotators)), team.overlap, salt, len(keys))
    cached = session._assignment
    if cached is None or cached[0] != cache_key:
        mask = np.fromiter(
            (annotator in assignees(k, team, salt) for k in keys), dtype=bool, count=len(keys)
        )
        session._assignment = cached = (cache_key, mask)
    mine = cached[1].copy()
    for key, _event in session.store.current(target).items():
        if not session.store.state_of(key, target, annotator).is_empty:
            position = session._position.get(key)
            if position is not None:
                mine[position] = False
    return np.flatnonzero(mine)


def blinded(session: LabelingSession, row_key: str, target: str, annotator: str) -> bool:
    """Whether the model and colleagues must stay hidden for this annotator on this row."""
    if not session.project.team.blind:
        return False
    return session.store.state_of(row_key, target, annotator).is_empty
