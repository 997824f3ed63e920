"""Subcommands kept in their own modules: bundle, score and bench.

They are imported plainly (not by name strings), so PyInstaller's analysis sees
them and the frozen app carries them; each imports only the standard library at
module level, so ``labelwright --help`` stays fast.
"""

from __future__ import annotations

import argparse
from types import ModuleType
from typing import Any

from app.cli import (
    agreement_cmd,
    bench_cmd,
    bundle_cmd,
    classes_cmd,
    copy_cmd,
    score_cmd,
    store_cmd,
    team_cmd,
)

# command name -> module with ``add_parser(sub)`` and ``run(args) -> int``
MODULES: dict[str, ModuleType] = {
    "bundle": bundle_cmd,
    "score": score_cmd,
    "bench": bench_cmd,
    "copy": copy_cmd,
    "classes": classes_cmd,
    "agreement": agreement_cmd,
    "store": store_cmd,
    "team": team_cmd,
}


def add_extra_commands(sub: Any) -> None:
    for module in MODULES.values():
        module.add_parser(sub)


def run_extra(args: argparse.Namespace) -> int:
    return int(MODULES[args.command].run(args))
