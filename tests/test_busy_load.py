"""``bench --load N``: the busy processes spin while measured and never outlive the bench."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from app.cli.busy_load import busy_processes

ROOT = Path(__file__).resolve().parents[1]


def _gone(pid: int) -> bool:
    """True once `pid` has exited (a zombie waiting for its reaper counts as gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True
    return "\nState:\tZ" in status


def _wait_gone(pid: int, timeout_s: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if _gone(pid):
            return True
        time.sleep(0.05)
    return False


def test_busy_processes_spin_and_are_reaped() -> None:
    with busy_processes(2) as procs:
        assert len(procs) == 2
        time.sleep(0.3)
        assert all(p.poll() is None for p in procs)  # still spinning
        cpu = [float(Path(f"/proc/{p.pid}/stat").read_text().split()[13]) for p in procs]
        assert all(ticks > 0 for ticks in cpu)  # they burn CPU, they do not sleep
    assert all(p.returncode is not None for p in procs)


def test_busy_processes_die_with_a_killed_bench() -> None:
    """SIGKILL skips every finally: the spinners notice their parent is gone and stop."""
    code = (
        "import sys, time\n"
        "from app.cli.busy_load import busy_processes\n"
        "with busy_processes(1) as procs:\n"
        "    print(procs[0].pid, flush=True)\n"
        "    time.sleep(60)\n"
    )
    bench = subprocess.Popen(
        [sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert bench.stdout is not None
        spinner = int(bench.stdout.readline())
        assert not _gone(spinner)
        os.kill(bench.pid, signal.SIGKILL)
        bench.wait(timeout=10)
        assert _wait_gone(spinner), "the busy process outlived the killed bench"
    finally:
        if bench.poll() is None:
            bench.kill()
            bench.wait()
        if bench.stdout is not None:
            bench.stdout.close()


def test_bench_reports_quiet_and_loaded_figures(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    args = ["bench", "--quick", "--skip-gui", "--load", "1", "--out", str(out)]
    done = subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads(out.read_text())
    assert results["load"] == 1
    for key in ("scoring_ratio", "rescore_ratio", "retrain_s", "retrain_multiclass_s"):
        assert results[key] > 0 and results["loaded"][key] > 0, key
        assert results["budgets"][key]["loaded_verdict"] in ("ok", "OVER BUDGET")
    assert results["loaded"]["max_abs_diff"] < 1e-6
    assert "load 1" in done.stdout.splitlines()[0]
    assert "rescoring a prepared pool" in done.stdout
