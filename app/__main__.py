"""``python -m app`` and the ``labelwright`` console script."""

from __future__ import annotations

import sys

if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--model-worker":  # a frozen app's worker process
        from app.worker.process import main as worker_main

        sys.exit(worker_main(sys.argv[2:]))
    from app.cli import main

    sys.exit(main())
