"""Data files as people write them, for the GUI tests and the documentation screenshots.

Each builder writes a real file (or a folder) from scikit-learn's bundled data or a
seeded generator; nothing is downloaded. PNG files are encoded here with zlib, so
writing them needs no Qt application and no imaging library.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

WINE_NAMES = {  # German column names: non-ASCII letters, spaces and brackets
    "alcohol": "Alkohol (%)",
    "malic_acid": "Äpfelsäure",
    "ash": "Asche",
    "alcalinity_of_ash": "Alkalität der Asche",
    "magnesium": "Magnesium",
    "total_phenols": "Phenole gesamt",
    "flavanoids": "Flavanoide",
    "color_intensity": "Farbintensität",
    "hue": "Farbton",
    "proline": "Prolin",
}


def wine_frame(n_labels: int = 30, seed: int = 0) -> pd.DataFrame:
    """sklearn's wine (178 rows) with German names and a partly filled 'Sorte' column."""
    from sklearn.datasets import load_wine

    bunch = load_wine()
    frame = pd.DataFrame(bunch.data, columns=list(bunch.feature_names))
    frame = frame[list(WINE_NAMES)].rename(columns=WINE_NAMES)
    names = np.array(["Barolo", "Grignolino", "Barbera"], dtype=object)[bunch.target]
    rng = np.random.default_rng(seed)
    sorte = np.full(len(frame), None, dtype=object)
    for cls in range(3):
        pool = np.flatnonzero(bunch.target == cls)
        take = rng.choice(pool, size=n_labels // 3, replace=False)
        sorte[take] = names[take]
    frame.insert(0, "Probe", [f"W{i:03d}" for i in range(1, len(frame) + 1)])
    frame["Sorte"] = sorte
    return frame


def european_csv(folder: Path) -> Path:
    """Semicolon separated, decimal commas (``13,2``), as Excel writes in Germany."""
    path = folder / "weine_eu.csv"
    wine_frame().to_csv(path, sep=";", decimal=",", index=False, encoding="utf-8")
    return path


def bom_csv(folder: Path) -> Path:
    """UTF-8 with a byte-order mark, non-ASCII names, and a class spelled three ways."""
    frame = wine_frame()
    frame = frame.drop(columns=["Sorte"])
    rng = np.random.default_rng(1)
    spelled = np.array(["Ja", "ja ", "JA", "Nein"], dtype=object)
    gekauft = np.full(len(frame), None, dtype=object)
    picks = rng.choice(len(frame), size=40, replace=False)
    gekauft[picks] = spelled[rng.integers(0, 4, size=40)]
    gekauft[picks[:4]] = spelled  # every spelling at least once
    frame["Gekauft?"] = gekauft
    path = folder / "weine_bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + frame.to_csv(index=False).encode("utf-8"))
    return path


def workbook(folder: Path) -> Path:
    """Two sheets: a short note first (as people keep them), the measurements second."""
    path = folder / "weine.xlsx"
    notes = pd.DataFrame({"Notiz": ["Messungen aus dem Labor, März", "Sorte: noch offen"]})
    with pd.ExcelWriter(path) as writer:
        notes.to_excel(writer, sheet_name="Notizen", index=False)
        wine_frame().to_excel(writer, sheet_name="Messungen", index=False)
    return path


def png_bytes(pixels: np.ndarray) -> bytes:
    """An 8-bit grayscale PNG of ``pixels`` (values 0–255)."""
    img = np.asarray(pixels, dtype=np.uint8)
    height, width = img.shape
    raw = b"".join(b"\x00" + img[r].tobytes() for r in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def digits_frame(n_rows: int = 400, labels_per_class: int = 6, seed: int = 0) -> pd.DataFrame:
    """sklearn's 8×8 digits: pixel columns, and a few labels of each of the ten classes."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(bunch.target), size=n_rows, replace=False)
    data = bunch.data[rows]
    target = bunch.target[rows]
    columns = [f"pixel_{r}_{c}" for r in range(8) for c in range(8)]
    frame = pd.DataFrame(data, columns=columns)
    label = np.full(n_rows, None, dtype=object)
    for cls in range(10):
        pool = np.flatnonzero(target == cls)
        take = pool[:labels_per_class]
        label[take] = cls
    frame.insert(0, "id", np.arange(1, n_rows + 1))
    frame["label"] = label
    frame.attrs["truth"] = target
    return frame


def digits_csv(folder: Path, **kwargs: int) -> Path:
    path = folder / "digits.csv"
    digits_frame(**kwargs).to_csv(path, index=False)
    return path


def png_folder(folder: Path, n_rows: int = 60) -> Path:
    """A folder of PNG digits (one per row) and a CSV that names each file."""
    from sklearn.datasets import load_digits

    images = folder / "scans"
    images.mkdir(parents=True, exist_ok=True)
    bunch = load_digits()
    names, labels = [], []
    for i in range(n_rows):
        pixels = np.kron(bunch.images[i] * 255 / 16, np.ones((4, 4)))  # 32×32
        name = f"scan_{i:03d}.png"
        (images / name).write_bytes(png_bytes(pixels))
        names.append(f"scans/{name}")
        labels.append(int(bunch.target[i]) if i < 20 else None)
    frame = pd.DataFrame(
        {
            "scan_id": [f"S{i:03d}" for i in range(n_rows)],
            "file": names,
            "ink": bunch.images[:n_rows].sum(axis=(1, 2)),
            "width": (bunch.images[:n_rows] > 4).any(axis=1).sum(axis=1),
            "digit": labels,
        }
    )
    path = folder / "scans.csv"
    frame.to_csv(path, index=False)
    return path


def wide_csv(folder: Path, n_columns: int = 100, n_rows: int = 150, seed: int = 0) -> Path:
    """More numeric columns than a model starts with (64), a few of them informative."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n_rows)
    data = rng.normal(size=(n_rows, n_columns))
    data[:, :5] += y[:, None] * 1.5
    frame = pd.DataFrame(data, columns=[f"m{i:03d}" for i in range(n_columns)])
    frame.insert(0, "id", np.arange(n_rows))
    frame["label"] = np.where(y == 1, "hit", "miss").astype(object)
    frame.loc[40:, "label"] = None
    path = folder / "wide.csv"
    frame.to_csv(path, index=False)
    return path
