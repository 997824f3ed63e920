"""How long a colleague's label takes to reach another open session through the shared store.

Usage: .venv/bin/python tools/measure_team_latency.py [--labels 20]

Starts a throw-away PostgreSQL server (pgserver), sets up the store, opens the same data
file twice (alice labels, lead watches), and times each label from alice's acknowledged
write to the moment lead's ``refresh()`` sees it, polling every 50 ms as the window's
timer would (the window polls every 250 ms, which adds up to 0.25 s).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.cli import main as cli
from app.core.session import LabelingSession


def _data(folder: Path) -> Path:
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame({"id": range(200), "x": rng.normal(size=200), "label": None})
    frame.loc[:5, "label"] = ["a", "b"] * 3
    path = folder / "team.csv"
    frame.to_csv(path, index=False)
    return path


def main() -> None:
    import pgserver

    parser = argparse.ArgumentParser()
    parser.add_argument("--labels", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        os.environ.setdefault("XDG_RUNTIME_DIR", str(root / "runtime"))
        os.environ["LABELWRIGHT_HOME"] = str(root / "home")
        server = pgserver.get_server(root / "pg", cleanup_mode="stop")
        host = server.get_uri().split("host=", 1)[1]

        def url(role: str) -> str:
            return f"postgresql://{role}@/postgres?host={host}"

        cli(["store", "init", url("postgres")])
        cli(["store", "add-annotator", url("postgres"), "alice"])
        cli(["store", "add-annotator", url("postgres"), "lead"])
        alice = LabelingSession.open(_data(root / "a"), ["label"], store=url("alice"))
        lead = LabelingSession.open(_data(root / "l"), ["label"], store=url("lead"))
        delays = []
        try:
            for i in range(args.labels):
                row = 10 + i
                alice.label(row, "label", "a")
                start = time.perf_counter()
                while lead.store.state_of(str(row), "label", "alice").label is None:
                    lead.refresh()
                    time.sleep(0.05)
                    if time.perf_counter() - start > 30:
                        raise SystemExit(f"label {i} never arrived")
                delays.append(time.perf_counter() - start)
        finally:
            alice.close()
            lead.close()
            server.cleanup()
    print(
        f"{len(delays)} labels: median {statistics.median(delays):.3f} s, "
        f"max {max(delays):.3f} s (goal: within 2 s)"
    )


if __name__ == "__main__":
    main()
