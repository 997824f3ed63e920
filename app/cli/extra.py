"""Subcommands that arrive with later capabilities: bundle, score and bench."""

from __future__ import annotations

import argparse
from typing import Any


def add_extra_commands(sub: Any) -> None:
    return None


def run_extra(args: argparse.Namespace) -> int:
    raise SystemExit(f"unknown command {args.command}")
