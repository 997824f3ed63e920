"""Named step boundaries where a test can kill the process or fill the disk.

``LABELWRIGHT_KILL_AT=NAME`` makes the process SIGKILL itself when it reaches the
boundary ``NAME`` (for example ``import:moved-1``), and
``LABELWRIGHT_DISK_FULL_AT=NAME`` makes the write there fail with ENOSPC, as a
full disk would. The crash tests run real commands in subprocesses with them, so a
failure lands exactly between two steps, where a half-finished operation is most
likely to be left behind. Unset, a boundary costs two dictionary lookups.
"""

from __future__ import annotations

import errno
import os
import signal

KILL_AT = "LABELWRIGHT_KILL_AT"
DISK_FULL_AT = "LABELWRIGHT_DISK_FULL_AT"


def boundary(name: str) -> None:
    if os.environ.get(KILL_AT) == name:
        os.kill(os.getpid(), signal.SIGKILL)
    if os.environ.get(DISK_FULL_AT) == name:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
