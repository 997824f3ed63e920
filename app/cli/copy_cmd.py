"""``labelwright copy PROJECT COPY.lwproj``: a whole copy, even of a project open elsewhere."""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(sub: Any) -> None:
    c = sub.add_parser(
        "copy",
        help="copy a project and its label log under a new name (works while it is open)",
    )
    c.add_argument("project", help="the .lwproj file to copy")
    c.add_argument("dest", metavar="COPY.lwproj", help="the new project file")
    c.add_argument("--debug", action="store_true", help="show tracebacks")


def run(args: argparse.Namespace) -> int:
    from app.core.project_copy import copy_project

    out = copy_project(args.project, args.dest)
    print(f"Copied {args.project} to {out}; open the copy with: labelwright {out}")
    return 0
