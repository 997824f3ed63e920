"""Gather plans: a model's terms regrouped into a few tables, one lookup per row each.

Why: scoring is a sum of term tables looked up by bin. Per term and class that was a
numpy take and an add over every row: 25 terms x 3 classes = 75 passes for 1M x 20 with
5 pairs, 110-150 ms on one core. Regrouped (same data, CPU time on one busy core):

- Each term table is made a function of the features' cells (`models._scoring_cells`).
  Two features' cells form a joint table holding the sum of every term over them (both
  main effects, their pair, the intercept once): 12 lookups, not 25.
- A table row holds every class (padded to 1, 2 or 4 floats, or the bags' full width),
  so one ``take(axis=0)`` fetches all classes of a row.
- A mostly-distinct column's code -> cell map has ~1M entries (1-2 MB: each lookup an L3
  miss, ~5 ms per 1M rows). It is looked up through a coarse map instead (`Dim`).

Joint tables stay small enough for the core's cache (at most `JOINT_TABLE_BYTES`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from models._scoring_cells import FeatureCells
from models._scoring_values import index_dtype

JOINT_TABLE_BYTES = 512 * 1024  # a joint table beyond this misses L2 on every lookup
COARSE_ENTRIES = 16_384  # int16 coarse map of 32 KiB: stays in L1/L2
COARSE_MIN_CODES = 65_536  # below this the direct map is small enough
UNSURE = {np.dtype(np.int16): -(1 << 14), np.dtype(np.int32): -(1 << 29)}

__all__ = ["Dim", "Gather", "Plan", "build_plan", "padded_width"]


@dataclass(frozen=True, eq=False)
class Dim:
    """One feature's part of a gather's index: its cell times `stride`.

    A small map is stored strided (`table`: code -> cell * stride). A long monotone one is
    looked up through `coarse`, per block of ``2**shift`` codes: the block's strided cell,
    or a large negative number where a cut falls inside the block (0.5 % of the rows at
    1M uniques and 80 cuts), whose rows then use `FeatureCells.cells_at`. Coarse: 2.3 ms
    per 1M rows against 5 ms for the 1M-entry map (measured on one busy core).
    """

    col: int  # pool column
    stride: int
    cells: FeatureCells
    table: np.ndarray | None  # code -> cell * stride, or None when coarse
    coarse: np.ndarray | None  # ((code + offset) >> shift) -> cell * stride, or UNSURE
    shift: int
    offset: int


@dataclass(eq=False)
class Gather:
    """One lookup per row: ``table[sum of the dims' values]``."""

    dims: tuple[Dim, ...]
    dtype: type[np.integer[Any]]  # of the summed index
    table: np.ndarray  # (n_cells_total, padded) float64, C-contiguous

    @property
    def coarse(self) -> bool:
        return any(d.coarse is not None for d in self.dims)


@dataclass(eq=False)
class Plan:
    gathers: tuple[Gather, ...]
    intercept: np.ndarray  # (padded,): only used when the model has no terms
    width: int  # score columns in use
    padded: int  # columns in each table row
    tensors: dict[str, Any] = field(default_factory=dict)


def padded_width(width: int) -> int:
    """1, 2 or 4 columns copy as one machine-sized item; wider rows keep their width."""
    return width if width in (1, 2) or width > 4 else 4


def _groups(
    term_features: Sequence[tuple[int, ...]], n_cells: dict[int, int], padded: int
) -> list[tuple[int, ...]]:
    """Features paired into joint tables: a pair term's two features first, then neighbours."""
    fits = lambda a, b: n_cells[a] * n_cells[b] * padded * 8 <= JOINT_TABLE_BYTES  # noqa: E731
    taken: set[int] = set()
    groups: list[tuple[int, ...]] = []
    for features in term_features:
        if len(features) == 2 and not taken & set(features) and fits(*features):
            groups.append(tuple(features))
            taken.update(features)
    alone = [f for f in sorted(n_cells) if f not in taken]
    while alone:
        f = alone.pop(0)
        partner = next((g for g in alone if fits(f, g)), None)
        if partner is None:
            groups.append((f,))
        else:
            alone.remove(partner)
            groups.append((f, partner))
    return groups


def build_plan(
    cells: dict[int, FeatureCells],
    cols: Sequence[int],
    term_features: Sequence[tuple[int, ...]],
    term_levels: Sequence[tuple[int, ...]],
    tables: Sequence[np.ndarray],
    intercept: np.ndarray,
    dims_cache: dict[tuple[int, int, str], Dim],
) -> Plan:
    """Regroup the terms (tables ``(*bins, width)``) into gathers over the features' cells.

    `cells` holds every feature a term uses; `cols` maps a feature to its pool column;
    `dims_cache` keeps the maps (per feature, stride and dtype) between plans of one pool.
    """
    width = int(intercept.shape[0])
    padded = padded_width(width)
    groups = _groups(term_features, {f: c.n_cells for f, c in cells.items()}, padded)
    joint: dict[tuple[int, ...], np.ndarray] = {
        g: np.zeros((*(cells[f].n_cells for f in g), width)) for g in groups
    }
    for features, levels, table in zip(term_features, term_levels, tables, strict=True):
        home = next((g for g in groups if set(features) <= set(g)), None)
        if home is None:  # a pair split across two groups: its own lookup
            home = tuple(features)
            joint.setdefault(home, np.zeros((*(cells[f].n_cells for f in home), width)))
        index = []
        for f, level in zip(features, levels, strict=True):
            shape = [1] * len(home)
            shape[home.index(f)] = cells[f].n_cells
            index.append(cells[f].bins[level].reshape(shape))
        joint[home] += table[tuple(index)]
    gathers: list[Gather] = []
    for g, values in joint.items():
        flat = values.reshape(-1, width)
        if not gathers:
            flat = flat + intercept  # every row takes one cell of each table: add it once
        table = np.zeros((flat.shape[0], padded))
        table[:, :width] = flat
        n_cells = [cells[f].n_cells for f in g]
        strides = [int(np.prod(n_cells[d + 1 :], dtype=np.int64)) for d in range(len(g))]
        shifts = [_coarse_shift(cells[f]) for f in g]
        dtype = index_dtype(len(flat))
        if any(s is not None for s in shifts):  # room for the (negative) unsure marker
            dtype = np.int16 if len(flat) <= -UNSURE[np.dtype(np.int16)] else np.int32
        dims = tuple(
            _dim(f, cells[f], cols[f], stride, dtype, shift, dims_cache)
            for f, stride, shift in zip(g, strides, shifts, strict=True)
        )
        gathers.append(Gather(dims, dtype, table))
    base = np.zeros(padded)
    base[:width] = intercept
    return Plan(tuple(gathers), base, width, padded)


def _coarse_shift(cells: FeatureCells) -> int | None:
    """The block size (as a shift) of a coarse map, or None for a direct one."""
    if not cells.monotone or cells.n_codes < COARSE_MIN_CODES:
        return None
    return int(np.ceil(np.log2(cells.n_codes / COARSE_ENTRIES)))


def _dim(
    feature: int,
    cells: FeatureCells,
    col: int,
    stride: int,
    dtype: type[np.integer[Any]],
    shift: int | None,
    cache: dict[tuple[int, int, str], Dim],
) -> Dim:
    key = (feature, stride, np.dtype(dtype).str)
    dim = cache.get(key)
    if dim is not None:
        return dim
    if shift is None:
        strided = cells.cell_of.astype(dtype) * dtype(stride)
        dim = Dim(col, stride, cells, strided, None, 0, 0)
    else:
        # Blocks are offset so that the missing slot (the last code, cell 0) has one to
        # itself; a block of present codes is one cell when its first and last codes agree.
        size = 1 << shift
        last = cells.n_codes - 1
        offset = -last % size
        starts = np.maximum(np.arange(0, last + offset, size) - offset, 0)
        ends = np.minimum(starts + size - 1 - offset * (starts == 0), last - 1)
        first = cells.cells_at(starts, ascending=True)
        final = cells.cells_at(ends, ascending=True)
        coarse = np.full(len(starts) + 1, UNSURE[np.dtype(dtype)], dtype)
        same = first == final
        coarse[:-1][same] = first[same] * stride
        coarse[-1] = 0  # the missing slot: cell 0
        dim = Dim(col, stride, cells, None, coarse, shift, offset)
    cache[key] = dim
    return dim
