"""``labelwright bench``'s million-row section: a big project, reopened and labelled.

The project: N rows × 20 numeric features (5% missing), one binary target with 200
labels, made once per bench run (its first open parses and caches the data). Each
figure comes from a fresh process:

- ``reopen_session_s`` / ``reopen_s``: process start to ``LabelingSession.open``
  done, and to a usable window on the same project; the difference is what the
  window adds to opening;
- the window's figures (``app.gui.measure_big``): label → fresh suggestions, each
  strategy's ranking, stalls, and the peak memory of window plus worker, against
  the same run on 2,000 rows (``base_mb``, the fixed base); ``memory_million_ratio``
  is the difference over the data's in-memory size.

The window runs in its own process, so Qt never loads into the bench's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

FEATURES = 20
LABELS = 200


def make_project(folder: Path, rows: int, seed: int = 0) -> Path:
    """Write the data file and create its project (the first open parses and caches it)."""
    import numpy as np
    import pandas as pd

    from app.core.session import LabelingSession

    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, FEATURES))
    signal = X[:, 0] + X[:, 1] * X[:, 2] + 0.5 * rng.normal(size=rows)
    X[rng.random(X.shape) < 0.05] = np.nan
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(FEATURES)])
    frame.insert(0, "id", np.arange(1, rows + 1, dtype=np.int64))
    labels = np.full(rows, None, dtype=object)
    chosen = rng.choice(rows, size=min(LABELS, rows), replace=False)
    labels[chosen] = np.where(signal[chosen] > 0, "yes", "no")
    frame["label"] = labels
    folder.mkdir(parents=True, exist_ok=True)
    data = folder / f"big_{rows}.parquet"
    frame.to_parquet(data, index=False)
    with LabelingSession.open(data, ["label"]) as session:
        project = session.project.path
    return project


_OPEN_CHILD = """
import sys, time
from app.core.session import LabelingSession
s = LabelingSession.open({path!r})
print("OPEN", time.time(), flush=True)
s.close()
"""

_WINDOW_CHILD = """
import sys, time
from PySide6.QtCore import QCoreApplication
from app.gui import create_main_window
w = create_main_window({path!r}, interactive=False, annotator="bench")
QCoreApplication.processEvents()
print("OPEN", time.time(), w.controller.current is not None, flush=True)
w.close()
"""


def time_to_open(project: Path, window: bool, runs: int = 2) -> float:
    """Process start to an open session (or a usable window), best of ``runs``, seconds."""
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    child = (_WINDOW_CHILD if window else _OPEN_CHILD).format(path=str(project))
    times = []
    for _ in range(runs):
        start = time.time()
        out = subprocess.run(
            [sys.executable, "-c", child],
            capture_output=True,
            text=True,
            env=env,
            check=True,
            timeout=600,
        )
        line = next(ln for ln in out.stdout.splitlines() if ln.startswith("OPEN"))
        times.append(float(line.split()[1]) - start)
    return min(times)


def measure_million(folder: Path, rows: int) -> dict[str, float]:
    """Every figure at ``rows`` rows, with the 2,000-row run as the memory base."""
    big = folder / f"project_{rows}"
    small = folder / "project_2000"
    projects = {
        rows: next(big.glob("*.lwproj"), None) or make_project(big, rows),
        2000: next(small.glob("*.lwproj"), None) or make_project(small, 2000),
    }
    result: dict[str, float] = {}
    result["reopen_session_s"] = time_to_open(projects[rows], window=False)
    result["reopen_s"] = time_to_open(projects[rows], window=True)
    result["reopen_window_adds_s"] = result["reopen_s"] - result["reopen_session_s"]
    runs = {}
    for n, project in projects.items():
        out = subprocess.run(
            [sys.executable, "-m", "app.gui.measure_big", str(project)],
            capture_output=True,
            text=True,
            env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
            timeout=1800,
            check=False,
        )
        if out.returncode != 0:
            raise RuntimeError((out.stderr.strip().splitlines() or ["failed"])[-1])
        runs[n] = json.loads(out.stdout[out.stdout.index("{") :])
    big_run, base = runs[rows], runs[2000]
    for key, value in big_run.items():
        kept = key.startswith(("label_to_suggestions", "suggest_"))
        result[key if kept else f"million_{key}"] = value
    result["base_mb"] = base["peak_mb"]
    result["memory_million_ratio"] = (big_run["peak_mb"] - base["peak_mb"]) / big_run["data_mb"]
    return result
