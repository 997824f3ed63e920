"""``labelwright audit``: rank the labelled rows of a data file by how likely they are wrong."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from models.ebm import EBMSettings

if TYPE_CHECKING:
    import pandas as pd


def audit(
    data_path: Path, target: str, features: dict[str, list[str]] | None = None, seed: int = 0
) -> pd.DataFrame:
    import pandas as pd

    from app.core.session import LabelingSession

    with tempfile.TemporaryDirectory(prefix="labelwright-audit-") as tmp:
        session = LabelingSession.open(
            data_path, [target], project_path=Path(tmp) / "audit.lwproj", features=features
        )
        try:
            session.project.model = EBMSettings(random_state=seed)
            entries = session.review_queue(target, n=session.n_rows)
        finally:
            session.close()
    return pd.DataFrame(
        {
            "id": [e.row_id for e in entries],
            "given": [e.given for e in entries],
            "suggested": [e.suggested for e in entries],
            "score": [round(e.score, 6) for e in entries],
            "rank": list(range(1, len(entries) + 1)),
            "flagged": [e.flagged for e in entries],
        }
    )
