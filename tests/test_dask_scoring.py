"""Scoring Parquet partitions on a real Dask cluster: complete, no duplicates, equal to
in-process scoring row for row, and still complete after a worker is killed mid-write."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("distributed")

from distributed import Client, LocalCluster

from app.core.dask_scoring import (
    KILL_AT,
    KILL_ONCE,
    MANIFEST,
    TOP_FILE,
    find_partitions,
    prepare_out_dir,
    run_dask_scoring,
)
from app.core.errors import UserError
from app.core.predictions import score_session_rows, scorers_for
from app.core.session import LabelingSession
from models.ebm import EBMSettings
from tests.datasets import mixed_file

TARGETS = ["a_label", "b_label"]
N_TOP = 7


@dataclass
class Made:
    session: LabelingSession
    folder: Path
    data: Path  # the Parquet files
    rows: pd.DataFrame  # every row of them, in file order


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Made]:
    """A trained project with a chained target, and 4 Parquet files of new rows."""
    folder = tmp_path_factory.mktemp("dask")
    mp = pytest.MonkeyPatch()
    mp.setenv("LABELWRIGHT_HOME", str(folder / "home"))
    path = mixed_file(folder, n=300)
    session = LabelingSession.open(
        path, TARGETS, features={"a_label": ["x1", "color"], "b_label": ["x2", "a_label"]}
    )
    session.project.model = EBMSettings.tiny(random_state=2)
    session.retrain()
    source = pd.read_csv(path).drop(columns=TARGETS)
    data = folder / "big"
    data.mkdir()
    frames = []
    for i in range(4):
        part = source.sample(frac=1.0, random_state=i).reset_index(drop=True)
        part["key"] = [f"p{i}-{j}" for j in range(len(part))]
        part.to_parquet(data / f"rows-{i}.parquet", index=False, row_group_size=100)
        frames.append(part)
    try:
        yield Made(session, folder, data, pd.concat(frames, ignore_index=True))
    finally:
        session.close()
        mp.undo()


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as c,
    ):
        yield c


def _score(made: Made, client: Client, out: Path) -> dict:
    parts = find_partitions(str(made.data / "*.parquet"), rows_per_partition=150)
    prepare_out_dir(out)
    lines: list[str] = []
    summary = run_dask_scoring(
        client, scorers_for(made.session), parts, out, "key", "margin", N_TOP, lines.append
    )
    assert len(lines) == len(parts)  # a progress line per finished partition
    return summary


def _read_parts(out: Path) -> pd.DataFrame:
    files = sorted(out.glob("part-*.parquet"))
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)


def _check_complete(made: Made, out: Path, summary: dict) -> pd.DataFrame:
    parts = summary["partitions"]
    assert len(parts) == 12  # 4 files x 300 rows, 150 rows a partition
    assert sorted(p.name for p in out.glob("part-*.parquet")) == [p["output"] for p in parts]
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]  # no temporaries
    got = _read_parts(out)
    assert len(got) == len(made.rows) == summary["rows"]
    assert not got["id"].duplicated().any()
    assert set(got["id"]) == set(made.rows["key"])
    assert json.loads((out / MANIFEST).read_text())["rows"] == len(made.rows)
    return got


def test_dask_output_equals_in_process_scoring(made: Made, client: Client, tmp_path: Path) -> None:
    out = tmp_path / "predictions"
    summary = _score(made, client, out)
    got = _check_complete(made, out, summary).set_index("id")

    # Row for row against in-process scoring of the same rows (the --out F path).
    local = score_session_rows(made.session, made.rows, "margin")
    local = local.set_index("id").loc[got.index]
    pd.testing.assert_frame_equal(got, local, check_dtype=False, rtol=0, atol=1e-12)

    # And against the model the project itself trained (its own pool path): a_label on every
    # row; b_label where a_label has no label (a label, not a prediction, feeds the chain).
    # File 0 holds every project row once, shuffled as the fixture shuffled them.
    session = made.session
    a_model = session.model("a_label")
    assert a_model is not None
    shuffled = pd.read_csv(session.project.data_path).sample(frac=1.0, random_state=0)
    expected = a_model.predicted[shuffled.index.to_numpy()]
    keys = [f"p0-{j}" for j in range(300)]
    np.testing.assert_array_equal(got.loc[keys, "a_label__prediction"].to_numpy(), expected)
    np.testing.assert_allclose(
        got.loc[keys, "a_label__confidence"].to_numpy(),
        a_model.confidence()[shuffled.index.to_numpy()],
        atol=1e-6,
    )
    b_model = session.model("b_label")
    assert b_model is not None
    unlabelled = shuffled["a_label"].isna().to_numpy()
    np.testing.assert_array_equal(
        got.loc[keys, "b_label__prediction"].to_numpy()[unlabelled],
        b_model.predicted[shuffled.index.to_numpy()][unlabelled],
    )

    # The top file is the global top-N of all rows (ties: earlier partition, earlier row).
    top = pd.read_parquet(out / TOP_FILE)
    for target in TARGETS:
        mine = top[top["target"] == target]
        assert list(mine["rank"]) == list(range(1, N_TOP + 1))
        u = got[f"{target}__uncertainty"]
        np.testing.assert_allclose(
            mine["uncertainty"].to_numpy(), np.sort(u.to_numpy())[::-1][:N_TOP]
        )
        assert set(mine["id"]) <= set(u.index[u >= mine["uncertainty"].min()])


def test_a_worker_killed_mid_write_is_retried(
    made: Made, client: Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One task SIGKILLs its own worker after writing its temporary file, before the rename."""
    reference = tmp_path / "reference"
    _score(made, client, reference)
    marker = tmp_path / "killed-once"
    monkeypatch.setenv(KILL_AT, "dask:writing")
    monkeypatch.setenv(KILL_ONCE, str(marker))
    out = tmp_path / "predictions"
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as fresh,  # its workers carry the kill switch
    ):
        summary = _score(made, fresh, out)
    assert marker.exists(), "no worker was killed"
    got = _check_complete(made, out, summary)
    want = _read_parts(reference)
    pd.testing.assert_frame_equal(got, want)
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / TOP_FILE), pd.read_parquet(reference / TOP_FILE)
    )


def test_output_folder_rules(made: Made, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="not empty"):
        busy = tmp_path / "busy"
        busy.mkdir()
        (busy / "notes.txt").write_text("mine")
        prepare_out_dir(busy)
    with pytest.raises(UserError, match="folder"):
        prepare_out_dir(tmp_path / "preds.parquet")
    with pytest.raises(UserError, match="does not exist"):
        prepare_out_dir(tmp_path / "no" / "such")
    with pytest.raises(UserError, match="No Parquet files"):
        find_partitions(str(tmp_path / "*.parquet"))
    assert len(find_partitions(str(made.data))) == 4  # a folder: one partition per file here
