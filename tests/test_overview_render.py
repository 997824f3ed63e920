"""The map's whole-data density image, recoloured point by point when labels change."""

from __future__ import annotations

import numpy as np

from widgets.overview_render import ColourBins, density_rgba

TABLE = np.array(
    [[230, 120, 0, 255], [0, 110, 180, 255], [0, 160, 110, 255], [200, 200, 200, 255]],
    dtype=np.uint8,
)  # three classes, then the unlabelled grey


def _points(n: int = 20_000, seed: int = 3) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=n), rng.normal(size=n) * 0.5
    codes = np.where(rng.random(n) < 0.1, rng.integers(0, 3, n), 3)
    return x, y, codes


def test_binned_image_is_the_density_image() -> None:
    x, y, codes = _points()
    rect, shape = (-2.5, 2.5, -1.5, 1.5), (120, 80)  # some points fall outside
    bins = ColourBins(x, y, codes, TABLE, rect, shape)
    expected = density_rgba(x, y, codes, TABLE, rect, shape)
    assert np.abs(bins.image.astype(int) - expected.astype(int)).max() <= 1


def test_new_labels_recolour_only_their_pixels_and_match_a_fresh_image() -> None:
    x, y, codes = _points()
    rect, shape = (-2.5, 2.5, -1.5, 1.5), (120, 80)
    bins = ColourBins(x, y, codes, TABLE, rect, shape)
    before = bins.image.copy()
    labelled = codes.copy()
    unlabelled = np.flatnonzero(codes == 3)
    picks = np.concatenate([unlabelled[:5], np.flatnonzero(np.abs(x) > 2.6)[:2]])  # 2 outside
    labelled[picks] = [0, 1, 2, 0, 1, 2, 0]
    assert bins.recolour(labelled) == len(picks)
    assert bins.recolour(labelled) == 0  # nothing new
    expected = density_rgba(x, y, labelled, TABLE, rect, shape)
    assert np.abs(bins.image.astype(int) - expected.astype(int)).max() <= 1
    changed = np.flatnonzero(np.any(bins.image != before, axis=2).ravel())
    assert 0 < changed.size <= 5  # the bins of the five labels inside the picture
    assert bins.matches(TABLE, rect, shape, len(x))
    assert not bins.matches(TABLE, rect, (60, 40), len(x))


def test_a_flat_picture_or_no_points_give_an_empty_image() -> None:
    points = np.zeros(5)
    flat = ColourBins(points, points, np.full(5, 3), TABLE, (0.0, 0.0, 0.0, 0.0), (10, 10))
    assert flat.image.shape == (10, 10, 4) and not flat.image.any()
    assert flat.recolour(np.zeros(5, dtype=int)) == 5  # codes follow; no pixel to paint
    assert not flat.image.any()
    none = np.zeros(0)
    empty = ColourBins(none, none, np.zeros(0, dtype=int), TABLE, (0.0, 1.0, 0.0, 1.0), (8, 6))
    assert empty.image.shape == (6, 8, 4) and not empty.image.any()
