"""The model worker process: a real second interpreter, real sockets, real SIGKILLs.

It must train exactly what the in-process session trains, from the data it maps
(not from a pickled session), run below the window's priority, survive being
killed without losing a label, and never outlive the window, even when the
window's own process is SIGKILLed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from app.core.design_rows import design_rows
from app.core.session import LabelingSession
from app.worker import payloads
from app.worker.client import WorkerClient, wait_gone
from app.worker.protocol import DataSource, WorkerLost
from models.ebm import EBMSettings
from models.jobs import Cancelled
from tests.datasets import mixed_file

ROOT = Path(__file__).resolve().parents[1]


def source_of(session: LabelingSession) -> DataSource:
    from app.gui.model_jobs import data_source

    return data_source(session)


@pytest.fixture
def mixed(tmp_path: Path) -> Iterator[LabelingSession]:
    path = mixed_file(tmp_path)
    session = LabelingSession.open(
        path,
        ["a_label", "b_label"],
        features={"a_label": ["x1", "color"], "b_label": ["x2", "a_label"]},
    )
    session.project.model = EBMSettings.tiny()
    yield session
    session.close()


@pytest.fixture
def client(mixed: LabelingSession) -> Iterator[WorkerClient]:
    source = source_of(mixed)
    c = WorkerClient(source, lambda: mixed.data[list(source.columns)])
    yield c
    pid = c.pid
    c.close()
    assert pid is None or wait_gone(pid, 10)


def test_the_worker_trains_what_the_session_trains_from_the_mapped_data(
    mixed: LabelingSession, client: WorkerClient
) -> None:
    client.start()
    assert client.hello is not None and client.hello.how == "mapped"
    mapped = Path(str(mixed.project.path).replace(".lwproj", ".lwcache")) / "features.arrow"
    assert mapped.is_file()
    suggest = payloads.suggest_payload(mixed, "a_label", 5, "margin")
    reply = client.call("train", payloads.train_payload(mixed, suggest))
    assert reply.labels_version == mixed.labels_version
    here = mixed.retrain()  # the same labels and settings, in this process
    for name in ("a_label", "b_label"):
        there = reply.targets[name]
        assert there is not None and here[name] is not None
        np.testing.assert_allclose(there.fitted.proba, here[name].proba, atol=1e-12)
        assert there.fitted.design is None and there.fitted.pool is None  # light
        assert there.codes.tolist() == np.argmax(here[name].proba, axis=1).tolist()
    # The chained target's design rows, made on demand, are the rows of the whole matrix.
    from models.design import chained_columns, design_matrix

    a_model = here["a_label"]
    a_input = mixed._target_input("a_label")
    chained = chained_columns(
        "a_label", mixed.n_rows, a_input.labels, a_input.classes, a_model.predicted, a_model.proba
    )
    whole, _ = design_matrix(mixed.data, ["x2"], mixed.schema.column_kinds, chained)
    rows = [0, 5, 17, 40]
    X, _types = design_rows(
        mixed.data,
        mixed.schema.column_kinds,
        mixed._target_input("b_label"),
        {"a_label": (a_input, a_model)},
        rows,
    )
    expected = whole.iloc[rows]
    assert list(X.columns) == list(expected.columns) == here["b_label"].design_columns
    assert X.astype(str).values.tolist() == expected.astype(str).values.tolist()
    # The suggestions made with the new model are the session's own ranking.
    mine = mixed.suggestions("a_label", 5, "margin")
    assert [p.position for p in reply.picks] == [e.position for e in mine]
    assert reply.suggested_for == ("a_label", "margin", 5)


def test_the_worker_runs_below_the_window_and_review_curve_and_map_work(
    mixed: LabelingSession, client: WorkerClient
) -> None:
    client.call("train", payloads.train_payload(mixed, None))
    pid = client.pid
    assert pid is not None
    assert os.getpriority(os.PRIO_PROCESS, pid) > os.getpriority(os.PRIO_PROCESS, 0)
    review = client.call("review", payloads.rows_payload(mixed, "a_label"))
    assert review.target == "a_label" and review.labels_version == mixed.labels_version
    assert {i.position for i in review.items} == set(mixed._label_positions("a_label"))
    curve = client.call("curve", payloads.rows_payload(mixed, "b_label"))
    assert len(curve.sizes) == len(curve.means)
    xy = client.call("project", payloads.ProjectPayload(list(source_of(mixed).columns)))
    assert xy.shape == (mixed.n_rows, 2) and np.isfinite(xy).all()


def test_without_a_cache_the_data_is_sent_once(mixed: LabelingSession) -> None:
    cache = Path(str(mixed.project.path).replace(".lwproj", ".lwcache"))
    (cache / "data.parquet").unlink()
    source = source_of(mixed)
    c = WorkerClient(source, lambda: mixed.data[list(source.columns)])
    try:
        reply = c.call("train", payloads.train_payload(mixed, None))
        assert c.hello is not None and c.hello.how == "needs_data"
        assert reply.targets["a_label"] is not None
    finally:
        c.close()


def test_cancelling_returns_at_once_and_the_worker_goes_on(
    mixed: LabelingSession, client: WorkerClient
) -> None:
    mixed.project.model = EBMSettings(max_rounds=5000, early_stopping_rounds=0, outer_bags=8)
    stop = threading.Event()
    threading.Timer(0.3, stop.set).start()
    start = time.monotonic()
    with pytest.raises(Cancelled):
        client.call("train", payloads.train_payload(mixed, None), should_stop=stop.is_set)
    assert time.monotonic() - start < 10
    assert client.call("ping", 7) == 7  # the same worker answers the next job
    assert client.starts == 1


def test_a_killed_worker_fails_its_job_and_the_next_call_starts_another(
    mixed: LabelingSession, client: WorkerClient
) -> None:
    lost: list[str] = []
    client.on_lost = lost.append
    client.call("ping", 1)
    first = client.pid
    assert first is not None
    mixed.project.model = EBMSettings(max_rounds=5000, early_stopping_rounds=0, outer_bags=8)
    threading.Timer(0.5, lambda: os.kill(first, signal.SIGKILL)).start()
    with pytest.raises(WorkerLost, match="SIGKILL"):
        client.call("train", payloads.train_payload(mixed, None))
    assert wait_gone(first, 5)
    assert lost and "SIGKILL" in lost[0] and "no label was lost" in lost[0]
    assert client.call("ping", 2) == 2
    assert client.pid not in (None, first) and client.starts == 2


def test_a_reply_that_cannot_be_read_fails_its_call_instead_of_hanging(
    client: WorkerClient,
) -> None:
    from app.worker.protocol import WorkerJobError
    from tests.worker_payloads import Unreadable

    with pytest.raises(WorkerJobError, match="could not be read"):
        client.call("ping", Unreadable(os.getpid()))
    assert client.call("ping", 3) == 3  # the same worker goes on
    assert client.starts == 1


def test_the_reader_is_prepared_before_the_first_reply_is_read(mixed: LabelingSession) -> None:
    """The window's model imports run in the thread that unpickles, before it unpickles."""
    source = source_of(mixed)
    order: list[str] = []
    c = WorkerClient(
        source,
        lambda: mixed.data[list(source.columns)],
        prepare_reader=lambda: order.append(threading.current_thread().name),
    )
    try:
        assert c.call("ping", 5) == 5 and order == ["worker-reader"]
    finally:
        c.close()


GUI_CHILD = textwrap.dedent(
    """
    import os, sys, time
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from app.gui import create_main_window
    from models.ebm import EBMSettings
    w = create_main_window("demo", model_settings=EBMSettings.tiny())
    deadline = time.time() + 120
    from PySide6.QtCore import QCoreApplication
    while w.jobs.client.pid is None and time.time() < deadline:
        QCoreApplication.processEvents()
        time.sleep(0.01)
    print("WORKER", w.jobs.client.pid, flush=True)
    while True:
        QCoreApplication.processEvents()
        time.sleep(0.01)
    """
)


def test_a_sigkilled_window_leaves_no_worker_behind(tmp_path: Path) -> None:
    env = dict(os.environ, LABELWRIGHT_HOME=str(tmp_path), PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [sys.executable, "-c", GUI_CHILD],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
        cwd=ROOT,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("WORKER "), line
        worker = int(line.split()[1])
        assert not wait_gone(worker, 0.2)  # it is running
        proc.kill()  # SIGKILL: no close event, no clean-up code in the window's process
        proc.wait(10)
        assert wait_gone(worker, 10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
