"""Two malloc heaps per process: eight threads that allocate share them (glibc only)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

CHILD = textwrap.dedent(
    """
    import ctypes, sys, tempfile, threading, time
    import numpy as np
    from app.core.malloc_heaps import limit_malloc_heaps
    if sys.argv[1] == "limit":
        assert limit_malloc_heaps()
    kept = []
    def work():
        kept.append(np.ones(4000))  # 32 KB: from a heap, not a mapping of its own
        time.sleep(0.2)
    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    libc = ctypes.CDLL(None)
    libc.fopen.restype = ctypes.c_void_p
    path = tempfile.mktemp()
    stream = libc.fopen(path.encode(), b"w")
    libc.malloc_info(0, ctypes.c_void_p(stream))
    libc.fclose(ctypes.c_void_p(stream))
    print(open(path).read().count("<heap nr="))
    """
)


def _heaps(mode: str) -> int:
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    out = subprocess.run(
        [sys.executable, "-c", CHILD, mode], capture_output=True, text=True, env=env, check=True
    )
    return int(out.stdout.split()[-1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
def test_threads_share_two_heaps() -> None:
    assert _heaps("limit") == 2
    assert _heaps("default") > 2  # what the limit changes
