"""Subcommands kept in their own modules: bundle, score and bench."""

from __future__ import annotations

import argparse
import importlib
from typing import Any

# command name -> module with ``add_parser(sub)`` and ``run(args) -> int``
MODULES = {
    "bundle": "app.cli.bundle_cmd",
    "score": "app.cli.score_cmd",
    "bench": "app.cli.bench_cmd",
}


def add_extra_commands(sub: Any) -> None:
    for module_name in MODULES.values():
        importlib.import_module(module_name).add_parser(sub)


def run_extra(args: argparse.Namespace) -> int:
    module = importlib.import_module(MODULES[args.command])
    return int(module.run(args))
