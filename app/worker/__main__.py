"""``python -m app.worker FD PARENT_PID``: the model worker of one window."""

from __future__ import annotations

import sys

from app.worker.process import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
