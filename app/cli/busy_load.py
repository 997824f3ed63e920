"""Busy processes for ``labelwright bench --load N``: a user's machine is never idle.

Each is a pure-Python spin loop in its own interpreter, at normal priority, like a
browser tab or a build competing for the cores. They must never outlive the benchmark:
the context manager kills and reaps them on every exit (exceptions, Ctrl+C included), and
each one also checks every ~50 ms whether its parent is gone, so a benchmark killed with
SIGKILL leaves nothing spinning either.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator

# The parent's pid comes in argv: os.getppid() changes once the parent has died.
_SPIN = """
import os, sys, time
parent = int(sys.argv[1])
x = 0
while os.getppid() == parent:
    deadline = time.monotonic() + 0.05
    while time.monotonic() < deadline:
        x += 1
"""


@contextlib.contextmanager
def busy_processes(n: int) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Run `n` spinning processes for the duration of the block; none survives it."""
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for _ in range(max(0, n)):
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-c", _SPIN, str(os.getpid())],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        time.sleep(0.2 if procs else 0.0)  # let them reach full speed
        yield procs
    finally:
        for proc in procs:
            with contextlib.suppress(OSError):
                proc.kill()
        for proc in procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)
