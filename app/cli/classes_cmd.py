"""``labelwright classes PROJECT``: list, add, rename or merge a target's classes."""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(sub: Any) -> None:
    c = sub.add_parser(
        "classes",
        help="list, add, rename or merge the classes of a target (each change is undoable "
        "in the log)",
    )
    c.add_argument("project", help="project file, data file with a project, or 'demo'")
    c.add_argument("--target", help="the target whose classes change (default: the only one)")
    what = c.add_mutually_exclusive_group()
    what.add_argument("--add", metavar="NAME", help="add a class nobody has used yet")
    what.add_argument("--rename", nargs=2, metavar=("OLD", "NEW"), help="rename a class")
    what.add_argument("--merge", nargs="+", metavar="CLASS", help="merge these classes")
    c.add_argument("--into", metavar="CLASS", help="the class that --merge merges into")
    c.add_argument("--annotator", metavar="NAME", help="who makes the change (for the log)")
    c.add_argument("--debug", action="store_true", help="show tracebacks")


def run(args: argparse.Namespace) -> int:
    from app.cli import _project_arg, print_notes
    from app.core.errors import UserError
    from app.core.session import LabelingSession

    if args.merge and not args.into:
        raise UserError("--merge needs --into CLASS, the class they become; add it.")
    if args.into and not args.merge:
        raise UserError("--into only goes with --merge; add --merge A B.")
    session = LabelingSession.open(_project_arg(args.project), annotator=args.annotator)
    try:
        print_notes(session)
        target = args.target or session.targets[0]
        if args.target is None and len(session.targets) > 1:
            raise UserError(
                f"The project has several targets ({', '.join(session.targets)}); name one "
                "with --target."
            )
        if args.add is not None:
            session.add_class(target, args.add)
        elif args.rename:
            session.rename_class(target, *args.rename)
        elif args.merge:
            session.merge_classes(target, args.merge, args.into)
        counts = {c: 0 for c in session.schema.target(target).classes}
        for value in session.store.labels(target).values():
            counts[value] = counts.get(value, 0) + 1
    finally:
        session.close()
    listing = ", ".join(f"{c} ({n})" for c, n in counts.items())
    print(f"Classes of {target}: {listing}.")
    return 0
