"""``labelwright score … --out``: predictions per row and target, refusals in one sentence."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from app.core.session import LabelingSession
from models.ebm import EBMSettings
from tests.datasets import mixed_file

ROOT = Path(__file__).resolve().parents[1]
TARGETS = ["a_label", "b_label"]
FEATURES = {"a_label": ["x1", "color"], "b_label": ["x2", "a_label"]}


def _project(folder: Path) -> Path:
    """A saved project with tiny model settings (closed: a command may open it)."""
    path = mixed_file(folder, n=200)
    session = LabelingSession.open(path, TARGETS, features=FEATURES)
    session.project.model = EBMSettings.tiny(random_state=4)
    session.project.save()
    session.close()
    return Path(session.project.path)


@contextlib.contextmanager
def _trained(project: Path) -> Iterator[LabelingSession]:
    """The same project trained in this process, to compare with what a command wrote."""
    session = LabelingSession.open(project)
    try:
        session.retrain()
        yield session
    finally:
        session.close()


def _cli(
    *args: str, env: dict[str, str] | None = None, code: str | None = None
) -> subprocess.CompletedProcess[str]:
    prefix = ["-c", code] if code else ["-m", "app"]
    return subprocess.run(
        [sys.executable, *prefix, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=dict(os.environ, **(env or {})),
        timeout=600,
        check=False,
    )


def test_out_csv_and_parquet_hold_each_targets_prediction(tmp_path: Path) -> None:
    project = _project(tmp_path)
    csv = tmp_path / "out" / "predictions.csv"
    done = _cli("score", str(project), "--out", str(csv))
    assert done.returncode == 0, done.stderr
    parquet = tmp_path / "predictions.parquet"
    done = _cli("score", str(project), "--out", str(parquet), "--uncertainty", "entropy")
    assert done.returncode == 0, done.stderr
    frame = pd.read_csv(csv)
    fields = ["prediction", "confidence", "uncertainty"]
    assert list(frame.columns) == ["id"] + [f"{t}__{f}" for t in TARGETS for f in fields]
    with _trained(project) as session:
        assert list(frame["id"]) == session.row_ids()
        for target in TARGETS:
            model = session.model(target)
            assert model is not None
            p = model.confidence()
            np.testing.assert_array_equal(frame[f"{target}__prediction"], model.predicted)
            np.testing.assert_allclose(frame[f"{target}__confidence"], p, atol=1e-6)
            margin = frame[f"{target}__uncertainty"]
            np.testing.assert_allclose(margin, 1 - (p - (1 - p)), atol=1e-6)  # two classes
    table = pd.read_parquet(parquet)
    p = table["a_label__confidence"].to_numpy()
    entropy = -(p * np.log(p) + (1 - p) * np.log(1 - p))
    np.testing.assert_allclose(table["a_label__uncertainty"], entropy, atol=1e-9)


def test_score_other_rows_of_the_same_columns(tmp_path: Path) -> None:
    project = _project(tmp_path)
    rows = pd.read_csv(tmp_path / "mixed.csv").drop(columns=TARGETS).iloc[::-1]
    rows["key"] = [f"new{i}" for i in range(len(rows))]
    data = tmp_path / "new.parquet"
    rows.to_parquet(data, index=False)
    out = tmp_path / "new-predictions.parquet"
    done = _cli("score", str(project), "--data", str(data), "--out", str(out))
    assert done.returncode == 0, done.stderr
    table = pd.read_parquet(out)
    assert list(table["id"]) == list(rows["key"])
    with _trained(project) as session:
        model = session.model("a_label")
        assert model is not None
        np.testing.assert_array_equal(table["a_label__prediction"], model.predicted[::-1])
    folder = tmp_path / "parts"
    folder.mkdir()
    rows.iloc[:50].to_parquet(folder / "a.parquet", index=False)
    rows.iloc[50:].to_parquet(folder / "b.parquet", index=False)
    both = tmp_path / "both.csv"
    done = _cli("score", str(project), "--data", f"{folder}/*.parquet", "--out", str(both))
    assert done.returncode == 0, done.stderr
    pd.testing.assert_frame_equal(pd.read_csv(both), table, check_dtype=False)
    missing = tmp_path / "missing.parquet"
    rows.drop(columns=["x2"]).to_parquet(missing, index=False)
    done = _cli("score", str(project), "--data", str(missing), "--out", str(out))
    assert done.returncode == 2 and "'x2'" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("name", ["predictions.xlsx", "predictions", "predictions.json"])
def test_out_with_another_extension_is_refused(tmp_path: Path, name: str) -> None:
    done = _cli("score", "demo", "--out", str(tmp_path / name))
    assert done.returncode == 2
    assert ".csv or .parquet" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / name).exists()


def test_dask_without_dask_says_how_to_install(tmp_path: Path) -> None:
    """An interpreter where distributed cannot be imported, as without the extra."""
    code = (
        "import sys; sys.modules['distributed'] = None\n"
        "from app.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    args = [
        "score",
        "demo",
        "--data",
        "x/*.parquet",
        "--out",
        str(tmp_path / "p"),
        "--dask",
        "local",
    ]
    done = _cli(*args, code=code)
    assert done.returncode == 2, done.stderr
    assert "pip install 'labelwright[dask]'" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_dask_end_to_end_on_a_local_cluster(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    project = _project(tmp_path)
    rows = pd.read_csv(tmp_path / "mixed.csv").drop(columns=TARGETS)
    big = tmp_path / "big"
    big.mkdir()
    for i in range(3):
        part = rows.assign(key=[f"f{i}-{j}" for j in range(len(rows))])
        part.to_parquet(big / f"part{i}.parquet", index=False)
    out = tmp_path / "predictions"
    args = ["score", str(project), "--data", f"{big}/*.parquet", "--out"]
    refused = _cli(*args, str(tmp_path / "p.parquet"), "--dask", "local")
    assert refused.returncode == 2 and "folder" in refused.stderr
    done = _cli(*args, str(out), "--dask", "local", "--workers", "2", "--top", "5")
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("scored partition") == 3
    parts = sorted(p.name for p in out.glob("part-*.parquet"))
    assert parts == ["part-00000.parquet", "part-00001.parquet", "part-00002.parquet"]
    got = pd.concat([pd.read_parquet(out / p) for p in parts], ignore_index=True)
    assert len(got) == 3 * len(rows) and not got["id"].duplicated().any()
    top = pd.read_parquet(out / "top_uncertain.parquet")
    assert sorted(top.groupby("target").size().to_dict().items()) == [(t, 5) for t in TARGETS]
