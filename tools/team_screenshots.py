"""Render the documentation screenshots of the team views, offscreen.

    .venv/bin/python tools/team_screenshots.py [--out docs]

writes ``agreement-view.png`` and ``conflicts-queue.png``: scikit-learn's wine data
(178 wines, three cultivars) labelled by three annotators of different care, opened
by the project's adjudicator. The data and the project live in a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

LEAD = "Dr. Ferrari"
# name -> (share of the wines they read, how often they mix up Grignolino and Barbera)
ANNOTATORS = {"Dr. Rossi": (0.8, 0.05), "Dr. Bianchi": (0.75, 0.25), "Dr. Conti": (0.35, 0.4)}


def team_project(folder: Path) -> Path:
    """The wine table with three annotators' labels; returns the project file."""
    from sklearn.datasets import load_wine

    from app.core.session import LabelingSession
    from models.ebm import EBMSettings
    from tests.real_files import wine_frame

    frame = wine_frame(n_labels=0)
    data = folder / "wine.csv"
    frame.to_csv(data, index=False)
    truth = np.array(["Barolo", "Grignolino", "Barbera"], dtype=object)[load_wine().target]
    swap = {"Grignolino": "Barbera", "Barbera": "Grignolino", "Barolo": "Grignolino"}
    rng = np.random.default_rng(4)
    with LabelingSession.open(data, ["Sorte"], id_column="Probe") as session:
        session.project.model = EBMSettings.tiny()
        session.project.team.adjudicators = [LEAD]
        session.save()
        ids = session.row_ids()
        for name, (share, confusion) in ANNOTATORS.items():
            for i in rng.choice(len(ids), size=round(share * len(ids)), replace=False):
                label = truth[i]
                mix = confusion if label != "Barolo" else confusion / 6
                if rng.random() < mix:
                    label = swap[label]
                session.label(ids[i], "Sorte", label, annotator=name)
        return session.project.path


def settle(rounds: int = 15) -> None:
    from PySide6.QtCore import QThread
    from PySide6.QtWidgets import QApplication

    for _ in range(rounds):
        QApplication.processEvents()
        QThread.msleep(20)


def wait(predicate: object, seconds: float = 120.0) -> None:
    import time

    end = time.monotonic() + seconds
    while not predicate() and time.monotonic() < end:  # type: ignore[operator]
        settle(1)
    if not predicate():  # type: ignore[operator]
        raise SystemExit("the team figures were not ready in time")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs", help="folder for the PNG files")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["LABELWRIGHT_HOME"] = str(Path(tmp) / "home")  # the user's settings stay
        from app.gui import create_main_window, ensure_app
        from app.gui.screenshot import SIZE, wait_until_ready
        from models.ebm import EBMSettings

        ensure_app()
        project = team_project(Path(tmp))
        window = create_main_window(
            project, annotator=LEAD, model_settings=EBMSettings.tiny(), interactive=False
        )
        assert window is not None
        try:
            window.resize(*SIZE)
            window.reset_layout()
            if not wait_until_ready(window, 120):
                raise SystemExit("the model was not ready in 120 s")
            window.actions_.agreement.trigger()
            view: Any = window.docks["agreement"].widget()
            wait(lambda: view.quality_text() and "—" not in view.quality_text().values())
            view.choose_pair("Dr. Bianchi", "Dr. Rossi")
            settle()
            window.docks["agreement"].grab().save(str(out / "agreement-view.png"))
            window.actions_.conflicts.trigger()
            queue: Any = window.docks["conflicts"].widget()
            wait(lambda: queue.row_texts() and queue.row_texts()[0][3] != "—")
            settle()
            window.docks["conflicts"].grab().save(str(out / "conflicts-queue.png"))
        finally:
            window.close()
            settle()
    for name in ("agreement-view.png", "conflicts-queue.png"):
        print(out / name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
