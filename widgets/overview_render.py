"""Array work behind the overview map, kept free of Qt so it is fast to test and reason about.

Drawing a million points one by one is what makes scatter plots stall. Above a few
tens of thousands of points in view the map instead draws a density image: every
screen bin is coloured by the mean colour of the points in it (so class regions blend
where classes overlap) and made more opaque where more points fall. Selections work
on the full arrays, never on what happens to be drawn.
"""

from __future__ import annotations

import numpy as np

Rect = tuple[float, float, float, float]  # x0, x1, y0, y1


def in_rect(x: np.ndarray, y: np.ndarray, rect: Rect) -> np.ndarray:
    """Boolean mask of the points inside ``rect`` (edges included)."""
    x0, x1, y0, y1 = rect
    return (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)


def points_in_polygon(x: np.ndarray, y: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """Boolean mask of the points inside ``polygon`` ((m, 2) vertices), by ray casting.

    The points are sorted by y once; each edge then only touches the contiguous run of
    points whose y lies in its half-open span [min, max), so the cost is about
    N log N plus N times the number of edges a horizontal line crosses, not N × edges.
    """
    poly = np.asarray(polygon, dtype=np.float64).reshape(-1, 2)
    n = len(x)
    out = np.zeros(n, dtype=bool)
    if n == 0 or len(poly) < 3:
        return out
    box = in_rect(x, y, (poly[:, 0].min(), poly[:, 0].max(), poly[:, 1].min(), poly[:, 1].max()))
    cand = np.flatnonzero(box)
    if cand.size == 0:
        return out
    cy = y[cand]
    order = np.argsort(cy, kind="stable")
    ys = cy[order]
    xs = x[cand][order]
    inside = np.zeros(cand.size, dtype=bool)
    x1s, y1s = poly[:, 0], poly[:, 1]
    x2s, y2s = np.roll(x1s, -1), np.roll(y1s, -1)
    for xa, ya, xb, yb in zip(x1s, y1s, x2s, y2s, strict=True):
        if ya == yb:
            continue
        lo, hi = (ya, yb) if ya < yb else (yb, ya)
        a = int(np.searchsorted(ys, lo, side="left"))
        b = int(np.searchsorted(ys, hi, side="left"))
        if a == b:
            continue
        seg = ys[a:b]
        cross = xa + (seg - ya) * (xb - xa) / (yb - ya)
        inside[a:b] ^= xs[a:b] < cross
    hit = np.zeros(cand.size, dtype=bool)
    hit[order] = inside
    out[cand[hit]] = True
    return out


def stable_subsample(indices: np.ndarray, rank: np.ndarray, cap: int) -> np.ndarray:
    """At most ``cap`` of ``indices``: those with the smallest fixed random ``rank``.

    Using one rank per point (not a fresh random draw) keeps the same points on screen
    while panning, so the picture does not flicker at each re-subsample.
    """
    if indices.size <= cap:
        return indices
    keep = np.argpartition(rank[indices], cap)[:cap]
    return np.sort(indices[keep])


def bin_index(x: np.ndarray, y: np.ndarray, rect: Rect, cols: int, rows: int) -> np.ndarray:
    """The flat image bin (row-major, row 0 at y0) of points inside ``rect``."""
    x0, x1, y0, y1 = rect
    fx = (x - x0) * (cols / (x1 - x0))
    fy = (y - y0) * (rows / (y1 - y0))
    flat = np.minimum(fy.astype(np.int64), rows - 1) * cols
    flat += np.minimum(fx.astype(np.int64), cols - 1)
    return flat


def bin_opacity(log_counts: np.ndarray, log_max: float) -> np.ndarray:
    """A bin's opacity in [0.35, 1], rising with the log of its count: sparse bins stay visible."""
    return 0.35 + 0.65 * log_counts / max(log_max, 1e-9)


def density_rgba(
    x: np.ndarray,
    y: np.ndarray,
    codes: np.ndarray,
    table: np.ndarray,
    rect: Rect,
    shape: tuple[int, int],
    ordinal: bool = False,
    rank: np.ndarray | None = None,
    max_points: int = 0,
    background: tuple[int, int, int, int] = (0, 0, 0, 0),
) -> np.ndarray:
    """A (rows, cols, 4) uint8 image of the points in ``rect``, row 0 at the bottom (y0).

    ``codes`` index ``table`` ((c, 4) uint8 colours) for every point. A bin shows the
    mean colour of its points (categorical codes: classes blend where they overlap)
    or, with ``ordinal``, the colour of the mean code (a colormap: the mean
    uncertainty); its opacity rises with the log of its count. With ``rank`` (a
    random permutation) and ``max_points``, at most about that many points are
    binned, a fixed random share of them, with counts scaled back up: the image then
    costs a bounded time whatever the zoom. Empty bins get ``background``.
    """
    cols, rows = max(int(shape[0]), 1), max(int(shape[1]), 1)
    x0, x1, y0, y1 = rect
    image = np.empty((rows, cols, 4), dtype=np.uint8)
    image[:] = background
    if x1 <= x0 or y1 <= y0:
        return image
    mask = in_rect(x, y, rect)
    total = int(np.count_nonzero(mask))
    if total == 0:
        return image
    scale = 1.0
    if rank is not None and 0 < max_points < total:
        mask &= rank < int(len(rank) * max_points / total)
        scale = total / max(int(np.count_nonzero(mask)), 1)
    flat = bin_index(x[mask], y[mask], rect, cols, rows)
    pc = codes[mask]
    size = rows * cols
    counts = np.bincount(flat, minlength=size)
    filled = np.flatnonzero(counts)
    n = counts[filled].astype(np.float64)
    if ordinal:
        mean = np.bincount(flat, weights=pc, minlength=size)[filled] / n
        rgb = table[np.rint(mean).astype(np.int64), :3].astype(np.float64)
    else:
        channels = table[:, :3].astype(np.float64)
        rgb = np.empty((filled.size, 3))
        for ch in range(3):
            sums = np.bincount(flat, weights=channels[pc, ch], minlength=size)
            rgb[:, ch] = sums[filled] / n
    log_counts = np.log1p(n * scale)
    alpha = bin_opacity(log_counts, float(log_counts.max()))
    flat_image = image.reshape(size, 4)
    flat_image[filled, :3] = np.clip(rgb, 0, 255).astype(np.uint8)
    flat_image[filled, 3] = (alpha * 255).astype(np.uint8)
    return image


def color_codes(values: np.ndarray, mode: str, n_classes: int, levels: int) -> np.ndarray:
    """Per-point index into the colour table of ``mode``.

    Classes map to their index and "none" (-1) to ``n_classes``; uncertainty in [0, 1]
    maps to one of ``levels`` colormap steps (missing values count as 0).
    """
    if mode == "uncertainty":
        v = np.nan_to_num(np.asarray(values, dtype=np.float64), nan=0.0)
        return np.rint(np.clip(v, 0.0, 1.0) * (levels - 1)).astype(np.int64)
    codes = np.asarray(values).astype(np.int64, copy=True)
    codes[(codes < 0) | (codes >= n_classes)] = n_classes
    return codes


def nearest_point(
    x: np.ndarray, y: np.ndarray, px: float, py: float, sx: float, sy: float, radius: float
) -> int | None:
    """The point nearest to (px, py) within ``radius`` pixels, with ``sx``/``sy`` units/pixel."""
    if len(x) == 0 or sx <= 0 or sy <= 0:
        return None
    near = np.flatnonzero(
        in_rect(x, y, (px - radius * sx, px + radius * sx, py - radius * sy, py + radius * sy))
    )
    if near.size == 0:
        return None
    d = ((x[near] - px) / sx) ** 2 + ((y[near] - py) / sy) ** 2
    best = int(np.argmin(d))
    return int(near[best]) if d[best] <= radius**2 else None


MAX_BINNED_CODES = 16  # a (bins × codes) count table beyond this costs too much memory


class ColourBins:
    """The whole-data density image of categorical colours, kept so that it can be recoloured.

    Which bin each point falls in depends only on the coordinates, and a bin's colour
    only on how many of its points carry each colour code. Both are kept, so that a
    new label (one point's code changes) updates one pixel instead of binning a
    million points again: on a busy machine that was a 300 ms stall per label.
    """

    def __init__(
        self,
        x: np.ndarray,
        y: np.ndarray,
        codes: np.ndarray,
        table: np.ndarray,
        rect: Rect,
        shape: tuple[int, int],
    ) -> None:
        self.rect, self.shape = rect, shape
        cols, rows = max(int(shape[0]), 1), max(int(shape[1]), 1)
        self._table = np.asarray(table[:, :3], dtype=np.float64)
        self.n_codes = len(table)
        size = rows * cols
        x0, x1, y0, y1 = rect
        # Small integer types: at a million points these arrays are part of the app's memory.
        self.bin = np.full(len(x), -1, dtype=np.int32)
        mask = in_rect(x, y, rect) if x1 > x0 and y1 > y0 else np.zeros(len(x), dtype=bool)
        flat = (
            bin_index(x[mask], y[mask], rect, cols, rows)
            if mask.any()
            else np.zeros(0, dtype=np.int64)
        )
        self.bin[mask] = flat
        self.codes = np.asarray(codes, dtype=np.int8).copy()
        combined = flat * self.n_codes + self.codes[mask]
        counts = np.bincount(combined, minlength=size * self.n_codes).astype(np.int32)
        self._per_code = counts.reshape(size, self.n_codes)
        self._count = self._per_code.sum(axis=1)
        self._log_max = float(np.log1p(self._count.max())) if size else 0.0
        self.image = np.zeros((rows, cols, 4), dtype=np.uint8)
        self._paint(np.flatnonzero(self._count))

    def matches(self, table: np.ndarray, rect: Rect, shape: tuple[int, int], n: int) -> bool:
        """Whether this binning serves an image of ``rect`` at ``shape`` in ``table``'s colours."""
        return (
            self.rect == rect
            and self.shape == shape
            and len(self.bin) == n
            and len(table) == self.n_codes
            and np.array_equal(self._table, np.asarray(table[:, :3], dtype=np.float64))
        )

    def recolour(self, codes: np.ndarray) -> int:
        """Move the points whose code changed; returns how many did."""
        codes = np.asarray(codes, dtype=np.int8)
        changed = np.flatnonzero(codes != self.codes)
        if changed.size == 0:
            return 0
        bins = self.bin[changed]
        inside = bins >= 0
        bins, old, new = bins[inside], self.codes[changed[inside]], codes[changed[inside]]
        np.subtract.at(self._per_code, (bins, old), 1)
        np.add.at(self._per_code, (bins, new), 1)
        self.codes[changed] = codes[changed]
        self._paint(np.unique(bins))
        return int(changed.size)

    def _paint(self, bins: np.ndarray) -> None:
        """The pixels of ``bins``: the mean colour of their points, opacity by log count."""
        flat_image = self.image.reshape(-1, 4)
        n = self._count[bins].astype(np.float64)
        empty = n == 0
        rgb = (self._per_code[bins] @ self._table) / np.maximum(n, 1.0)[:, None]
        alpha = bin_opacity(np.log1p(n), self._log_max)
        flat_image[bins, :3] = np.clip(rgb, 0, 255).astype(np.uint8)
        flat_image[bins, 3] = np.where(empty, 0, alpha * 255).astype(np.uint8)
