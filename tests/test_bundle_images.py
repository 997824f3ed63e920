"""Images travel with the project: `bundle export --include-data` carries the rows' images."""

from __future__ import annotations

import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from app.cli import main
from app.core.bundle import import_bundle, read_bundle
from app.core.errors import UserError
from app.core.session import LabelingSession


def png(width: int, height: int, shade: int) -> bytes:
    """A real grey-scale PNG, written by hand so the test needs no imaging library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + bytes([shade % 256]) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def scans(tmp_path: Path) -> Path:
    """A folder of PNG images, one per row, and a CSV that names them relatively."""
    folder = tmp_path / "study"
    (folder / "img" / "left").mkdir(parents=True)
    rows = []
    for i in range(12):
        name = f"img/{'left/' if i % 2 else ''}scan_{i:03d}.png"
        (folder / name).write_bytes(png(8, 8, 20 * i))
        rows.append({"id": i, "scan": name, "size": float(i), "label": ["a", "b"][i % 2]})
    rows.append({"id": 12, "scan": "img/gone.png", "size": 1.0, "label": None})
    rows.append({"id": 13, "scan": str(tmp_path / "elsewhere.png"), "size": 2.0, "label": None})
    data = folder / "scans.csv"
    pd.DataFrame(rows).to_csv(data, index=False)
    with LabelingSession.open(data, ["label"]) as session:
        assert session.schema.image_column == "scan"
    return data


def test_bundle_export_carries_the_images_and_says_what_is_not_inside(
    scans: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "scans.lwbundle"
    project = scans.with_suffix(".lwproj")
    assert main(["bundle", "export", str(project), "--out", str(out), "--include-data"]) == 0
    said = capsys.readouterr().out
    assert "with a copy of the data and 12 image(s) inside" in said
    assert "2 image(s) are not inside (1 missing, 1 named by absolute paths)" in said
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
    assert "images/img/scan_000.png" in names and "images/img/left/scan_001.png" in names
    bundle = read_bundle(out)
    assert len(bundle.images) == 12
    into = tmp_path / "colleague"
    imported = import_bundle(out, into)
    assert (into / "img" / "left" / "scan_011.png").read_bytes() == png(8, 8, 220)
    with LabelingSession.open(imported) as session:
        assert session.n_rows == 14


def test_a_tampered_image_is_refused(scans: Path, tmp_path: Path) -> None:
    out = tmp_path / "scans.lwbundle"
    assert main(["bundle", "export", str(scans.with_suffix(".lwproj")), "--out", str(out),
                 "--include-data"]) == 0  # fmt: skip
    bad = tmp_path / "bad.lwbundle"
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():
            blob = src.read(info.filename)
            if info.filename == "images/img/scan_004.png":
                blob = png(8, 8, 1)
            dst.writestr(info.filename, blob)
    with pytest.raises(UserError, match="does not match its checksum"):
        import_bundle(bad, tmp_path / "into")
    assert not (tmp_path / "into").exists()


def test_an_image_member_that_is_not_an_image_is_refused(scans: Path, tmp_path: Path) -> None:
    out = tmp_path / "scans.lwbundle"
    assert main(["bundle", "export", str(scans.with_suffix(".lwproj")), "--out", str(out),
                 "--include-data"]) == 0  # fmt: skip
    bad = tmp_path / "bad.lwbundle"
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))
        dst.writestr("images/img/run.sh", b"#!/bin/sh\n")
    with pytest.raises(UserError, match=r"unexpected member 'images/img/run\.sh'"):
        read_bundle(bad)


def test_importing_in_the_window_shows_the_images(qtbot: Any, scans: Path, tmp_path: Path) -> None:
    pytest.importorskip("pytestqt")
    from app.gui import create_main_window
    from models.ebm import EBMSettings

    out = tmp_path / "share" / "scans.lwbundle"
    out.parent.mkdir()
    assert main(["bundle", "export", str(scans.with_suffix(".lwproj")), "--out", str(out),
                 "--include-data"]) == 0  # fmt: skip
    scans.parent.rename(tmp_path / "moved-away")  # the originals are gone on this machine
    w = create_main_window(out, model_settings=EBMSettings.tiny(), interactive=False)
    assert w is not None
    qtbot.addWidget(w)
    try:
        w.controller.pick("table", 3)
        w.deferred.flush()
        assert w.sample_view.has_image()
        assert w.sample_view._image.pixmap() is not None
        assert not w.sample_view._image.pixmap().isNull()
    finally:
        w.close()
