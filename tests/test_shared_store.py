"""A team's shared PostgreSQL store, against a real server started by the test (pgserver).

Two OS processes label one project at once; roles may not rewrite history; the
server stops and comes back mid-session; a SIGKILL while offline loses nothing;
a colleague's label reaches an open session through LISTEN/NOTIFY.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from app.cli import main
from app.core.errors import UserError
from app.core.session import LabelingSession

pgserver = pytest.importorskip("pgserver")
psycopg = pytest.importorskip("psycopg")

ROOT = Path(__file__).resolve().parents[1]


class Server:
    """One PostgreSQL server in a folder of its own, which can be stopped and started."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.instance: Any = None
        self.start()

    def start(self) -> None:
        self.instance = pgserver.get_server(self.folder, cleanup_mode="stop")
        uri = self.instance.get_uri()
        self.host = uri.split("host=", 1)[1].split("&", 1)[0]

    def stop(self) -> None:
        self.instance.cleanup()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                psycopg.connect(self.url("postgres"), connect_timeout=1).close()
            except psycopg.OperationalError:
                if not (self.folder / "postmaster.pid").exists():
                    return
            time.sleep(0.2)
        raise AssertionError("the server did not stop")

    def url(self, role: str) -> str:
        return f"postgresql://{role}@/postgres?host={self.host}"

    def sql(self, query: str, role: str = "postgres") -> list[tuple[Any, ...]]:
        with psycopg.connect(self.url(role), autocommit=True) as conn:
            cur = conn.execute(query)
            return cur.fetchall() if cur.description else []


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    os.environ.setdefault("XDG_RUNTIME_DIR", str(tmp_path_factory.mktemp("runtime")))
    srv = Server(tmp_path_factory.mktemp("pg"))
    assert main(["store", "init", srv.url("postgres")]) == 0
    for name in ("alice", "bob"):
        assert main(["store", "add-annotator", srv.url("postgres"), name]) == 0
    assert main(["store", "add-annotator", srv.url("postgres"), "lead", "--adjudicator"]) == 0
    yield srv
    srv.instance.cleanup()


def _data(folder: Path, name: str = "cases.csv") -> Path:
    """Each colleague has their own copy of the same data file."""
    rng = np.random.default_rng(5)
    x = rng.normal(size=60)
    frame = pd.DataFrame(
        {"id": range(60), "x": x, "label": np.where(x > 0, "yes", "no").astype(object)}
    )
    frame.loc[6:, "label"] = None
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    frame.to_csv(path, index=False)
    return path


def _events(server: Server, project: str) -> list[tuple[Any, ...]]:
    return server.sql(
        "SELECT e.uid, e.row_id, e.label, e.db_role, e.source FROM labelwright.events e "
        "JOIN labelwright.projects p ON p.id = e.project_id "
        f"WHERE p.name = '{project}' ORDER BY e.id"
    )


LABELLER = textwrap.dedent(
    """
    import sys, random
    sys.path.insert(0, {root!r})
    from app.core.session import LabelingSession
    session = LabelingSession.open({data!r}, ["label"], store={url!r})
    rng = random.Random({seed})
    print("ready", session.annotator, flush=True)
    for i in range({count}):
        row = i % 30
        event = session.label(row, "label", rng.choice(["yes", "no"]))
        print("ack", event.id, row, event.label, flush=True)
    session.close()
    print("done", flush=True)
    """
)


def _spawn(data: Path, url: str, seed: int, count: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            LABELLER.format(root=str(ROOT), data=str(data), url=url, seed=seed, count=count),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def test_two_processes_label_the_same_rows_at_once(server: Server, tmp_path: Path) -> None:
    a = _spawn(_data(tmp_path / "alice", "pair.csv"), server.url("alice"), 1, 40)
    b = _spawn(_data(tmp_path / "bob", "pair.csv"), server.url("bob"), 2, 40)
    outs = [p.communicate(timeout=180) for p in (a, b)]
    for proc, (out, err) in zip((a, b), outs, strict=True):
        assert proc.returncode == 0, err
        assert out.strip().endswith("done")
    assert outs[0][0].startswith("ready alice") and outs[1][0].startswith("ready bob")
    events = _events(server, "pair")
    roles = [e[3] for e in events if e[4] == "human"]
    assert roles.count("alice") == 40 and roles.count("bob") == 40
    assert len({e[0] for e in events}) == len(events)  # every event stored once
    with LabelingSession.open(_data(tmp_path / "lead", "pair.csv"), ["label"],
                              store=server.url("lead")) as lead:  # fmt: skip
        assert lead.sync is not None and lead.sync.settle(20)
        lead.refresh()
        people = lead.store.by_annotator("label")
        assert len(people["alice"]) == 30 and len(people["bob"]) == 30
        assert lead.store.decided("3", "label") in ("consensus", "single")


def test_the_server_refuses_to_rewrite_history(server: Server, tmp_path: Path) -> None:
    with LabelingSession.open(_data(tmp_path, "history.csv"), ["label"],
                              store=server.url("alice")) as session:  # fmt: skip
        session.label(10, "label", "yes")
        assert session.sync is not None and session.sync.settle(20)
    with psycopg.connect(server.url("alice")) as conn:
        for attempt in (
            "UPDATE labelwright.events SET label = 'no'",
            "DELETE FROM labelwright.events",
            "INSERT INTO labelwright.events (uid, project_id, row_id, target, source, time, "
            "db_role) SELECT gen_random_uuid(), id, '1', 'label', 'human', 0, 'bob' "
            "FROM labelwright.projects LIMIT 1",
            "INSERT INTO labelwright.events (uid, project_id, row_id, target, source, time) "
            "SELECT gen_random_uuid(), id, '1', 'label', 'adjudication', 0 "
            "FROM labelwright.projects LIMIT 1",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(attempt)
            conn.rollback()
    assert [e[3] for e in _events(server, "history") if e[4] == "human"] == ["alice"]


def test_server_away_and_back_sends_the_outbox_exactly_once(server: Server, tmp_path: Path) -> None:
    session = LabelingSession.open(_data(tmp_path, "away.csv"), ["label"], store=server.url("bob"))
    try:
        assert session.sync is not None
        for row in range(10, 15):
            session.label(row, "label", "yes")
        assert session.sync.settle(20)
        server.stop()
        for row in range(15, 20):
            session.label(row, "label", "no")  # acknowledged while the server is away
        deadline = time.monotonic() + 20
        while session.sync_status().online and time.monotonic() < deadline:  # type: ignore[union-attr]
            time.sleep(0.1)
        status = session.sync_status()
        assert status is not None and not status.online and status.waiting == 5
        server.start()
        assert session.sync.settle(30)
        assert session.sync_status().waiting == 0  # type: ignore[union-attr]
        # A lost answer: the server has the events but the outbox still lists them.
        conn = session.store._conn
        conn.execute("INSERT INTO outbox (uid) SELECT uid FROM events WHERE source = 'human'")
        session.sync.wake()
        assert session.sync.settle(20)
    finally:
        session.close()
    human = [e for e in _events(server, "away") if e[4] == "human"]
    assert len(human) == 10 and len({e[0] for e in human}) == 10


def test_sigkill_while_offline_loses_no_acknowledged_label(server: Server, tmp_path: Path) -> None:
    data = _data(tmp_path, "killed.csv")
    LabelingSession.open(data, ["label"], store=server.url("alice")).close()  # joined once
    server.stop()
    proc = _spawn(data, server.url("alice"), 3, 10_000)
    acked = []
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("ack"):
            acked.append(line.split())
        if len(acked) >= 12:
            break
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    server.start()
    with LabelingSession.open(data.with_suffix(".lwproj")) as again:  # the store is remembered
        assert again.sync is not None and again.sync.settle(30)
    on_server = {e[0] for e in _events(server, "killed")}
    local_uids = {}
    import sqlite3

    with sqlite3.connect(data.with_suffix(".lwlabels")) as conn:
        for event_id, uid in conn.execute("SELECT id, uid FROM events"):
            local_uids[str(event_id)] = uid
    for _ack, event_id, _row, _label in acked:
        uid = local_uids[event_id]
        assert any(str(s).replace("-", "") == uid for s in on_server)


def test_a_colleagues_label_reaches_an_open_session(server: Server, tmp_path: Path) -> None:
    watcher = LabelingSession.open(_data(tmp_path / "w", "live.csv"), ["label"],
                                   store=server.url("lead"))  # fmt: skip
    try:
        with LabelingSession.open(_data(tmp_path / "a", "live.csv"), ["label"],
                                  store=server.url("alice")) as colleague:  # fmt: skip
            colleague.label(42, "label", "yes")
            assert colleague.sync is not None and colleague.sync.settle(20)
        deadline = time.monotonic() + 30  # a hang guard; bench measures the delay
        while time.monotonic() < deadline and not watcher.refresh():
            time.sleep(0.05)
        assert watcher.store.state_of("42", "label", "alice").label == "yes"
        assert watcher.labels("label")[42] == "yes"
    finally:
        watcher.close()


def test_addresses_keep_passwords_out_and_honour_sslmode(server: Server, tmp_path: Path) -> None:
    import socket

    data = _data(tmp_path, "secret.csv")
    with pytest.raises(UserError, match="holds a password"):
        LabelingSession.open(
            data, ["label"], store=f"postgresql://alice:hunter2@/postgres?host={server.host}"
        )
    with LabelingSession.open(data, ["label"], store=server.url("alice")) as session:
        assert session.project.store == server.url("alice")
    assert "hunter2" not in data.with_suffix(".lwproj").read_text()
    # libpq gets the address as written: over TCP, sslmode=require meets a server without
    # SSL and is refused; sslmode=disable connects.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    hba = server.folder / "pg_hba.conf"
    hba.write_text(hba.read_text() + "\nhost all all 127.0.0.1/32 trust\n")
    server.stop()
    from pgserver._commands import pg_ctl

    user = server.instance.system_user
    listen = ["-w", "-o", f"-h 127.0.0.1 -p {port} -k {server.host}", "-l"]
    log = server.folder / "tcp.log"
    try:
        pg_ctl([*listen, str(log), "start"], pgdata=server.folder, user=user)
    except subprocess.CalledProcessError:
        detail = log.read_text() if log.exists() else "no log"
        server.start()
        raise AssertionError(f"PostgreSQL did not start on TCP: {detail[-2000:]}") from None
    try:
        tcp = f"postgresql://alice@127.0.0.1:{port}/postgres"
        other = _data(tmp_path / "tcp", "secret.csv")
        with pytest.raises(UserError, match=r"SSL"):
            LabelingSession.open(other, ["label"], store=tcp + "?sslmode=require")
        with LabelingSession.open(other, ["label"], store=tcp + "?sslmode=disable") as session:
            assert session.annotator == "alice"
    finally:
        pg_ctl(["-w", "stop"], pgdata=server.folder, user=user)
        server.start()
