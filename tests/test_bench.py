"""``labelwright bench --quick`` runs end to end on a fresh checkout and reports every budget."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from app.cli.bench_cmd import BUDGETS


def test_quick_bench_reports_every_budget(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run(
        [sys.executable, "-m", "app", "bench", "--quick", "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = json.loads(out.read_text())
    assert results["quick"] is True
    for key in BUDGETS:
        value = results["budgets"][key]["value"]
        assert isinstance(value, float) and value > 0, (key, results.get("gui_error"))
    assert results["max_abs_diff"] < 1e-6
    assert results["scoring_rows"] == 100_000
    for label in ("retrain 2,000 x 20", "startup to usable window", "vs interpret"):
        assert label in proc.stdout
