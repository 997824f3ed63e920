"""Where does the GUI thread spend a stall? Samples its Python stack while it is late.

Usage: QT_QPA_PLATFORM=offscreen .venv/bin/python tools/find_stalls.py [PATH] [--top 15]

Opens PATH (default: the demo, in a throw-away LABELWRIGHT_HOME), then presses label keys
while the models retrain, as ``labelwright bench`` does (``app.gui.measure``). A 2 ms
timer on the GUI thread beats a heartbeat; a sampler thread wakes every 4 ms and, when
the heartbeat is over 30 ms old, records the GUI thread's stack. Printed: the stall
figures of the run and the stacks seen most often during stalls. A stack that ends in
``_spin`` is Qt's own C++ (painting, layout) with no Python frame above it.
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("path", nargs="?", default="demo")
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if args.path == "demo":
        os.environ["LABELWRIGHT_HOME"] = tempfile.mkdtemp(prefix="labelwright-stalls-")

    from PySide6.QtCore import QTimer

    from app.gui import create_main_window, measure

    beat = [time.perf_counter()]
    gui_thread = threading.get_ident()
    stacks: collections.Counter[str] = collections.Counter()
    sampling = threading.Event()

    def sample() -> None:
        while True:
            time.sleep(0.004)
            if not sampling.is_set() or time.perf_counter() - beat[0] < 0.03:
                continue
            frame = sys._current_frames().get(gui_thread)
            if frame is not None:
                where = reversed(traceback.extract_stack(frame)[-10:])
                names = (f"{Path(f.filename).name}:{f.lineno}:{f.name}" for f in where)
                stacks[" <- ".join(names)] += 1

    threading.Thread(target=sample, daemon=True).start()
    window = create_main_window(args.path, interactive=False, annotator="stalls")
    assert window is not None
    heartbeat = QTimer()
    heartbeat.setInterval(2)
    heartbeat.timeout.connect(lambda: beat.__setitem__(0, time.perf_counter()))
    heartbeat.start()
    window.resize(1600, 1000)
    measure._wait_idle(window, 180.0)
    sampling.set()
    print(measure.measure_labelling(window))
    sampling.clear()
    total = sum(stacks.values()) or 1
    for stack, n in stacks.most_common(args.top):
        print(f"\n{n} samples ({n / total:.0%}): {stack}")
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
