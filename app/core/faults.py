"""Named step boundaries where a test can kill the process, to prove crash safety.

``LABELWRIGHT_KILL_AT=NAME`` makes the process SIGKILL itself when it reaches the
boundary ``NAME`` (for example ``import:moved-1``). The crash tests run real
commands in subprocesses with it, so a kill lands exactly between two steps, the
places where a half-finished operation is most likely to be left behind. Unset, a
boundary costs one dictionary lookup.
"""

from __future__ import annotations

import os
import signal

ENV = "LABELWRIGHT_KILL_AT"


def boundary(name: str) -> None:
    if os.environ.get(ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
