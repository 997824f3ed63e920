"""Library warnings that are expected and say nothing the user can act on.

Filters are installed once, permanently, instead of ``warnings.catch_warnings``
blocks around each call: those blocks save and restore the process-wide filter
list, which is not thread-safe, and fits run in worker threads. The test
configuration in pyproject.toml lists the same messages.
"""

from __future__ import annotations

import warnings

EXPECTED = (
    # interpret: our charts do show the missing-value bin.
    "Missing values detected",
    # scikit-learn: a class with fewer labels than folds; the fold count is lowered already.
    "The least populated class in y",
    # interpret: its JSON export is marked beta; we only write it.
    "JSON formats are in beta",
    # interpret: with too few labels for a validation split the bags still differ by sample.
    "If validation_size is 0, the outer_bags have no purpose",
    # interpret: about its own global plots, which we do not use.
    "For multiclass we cannot currently visualize pairs",
    "Dropping term",
    # cleanlab: a class with very few labels; the review queue still ranks its rows.
    "May not flag all label issues in class",
)

_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    for message in EXPECTED:
        warnings.filterwarnings("ignore", message=message, category=UserWarning)
    _installed = True
