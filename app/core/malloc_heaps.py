"""At most two malloc heaps per process, instead of glibc's eight per core.

glibc gives every thread that allocates a heap of its own until that limit, and what a
job frees in one heap stays with it. The window's job threads and the worker's lanes
and scoring threads each kept their share. On the bench's million-row project, with
``MALLOC_ARENA_MAX=2`` set from outside, the window's peak fell from 956 MB to 899 MB
and the worker's (while it kept a scoring pool) from 1.5 GB to 1.17 GB, at the same
speed; tools/measure_pool_memory.py repeats the comparison.
"""

from __future__ import annotations

import ctypes
import os
import sys

M_ARENA_MAX = -8  # glibc's malloc.h
HEAPS = 2


def limit_malloc_heaps(heaps: int = HEAPS) -> bool:
    """Ask glibc for at most ``heaps`` heaps; call it before threads start.

    False where it does not apply: not Linux, not glibc, or ``MALLOC_ARENA_MAX`` set
    by the user (glibc has already read it).
    """
    if not sys.platform.startswith("linux") or "MALLOC_ARENA_MAX" in os.environ:
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(M_ARENA_MAX, heaps))
