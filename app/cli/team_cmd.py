"""``labelwright team PROJECT``: the lead's rules for labelling a project as a team."""

from __future__ import annotations

import argparse
from typing import Any


def _names(text: str) -> list[str]:
    return [n.strip() for n in text.split(",") if n.strip()]


def add_parser(sub: Any) -> None:
    t = sub.add_parser("team", help="show or set blind mode, overlap, annotators, adjudicators")
    t.add_argument("project", help="project file or data file with a project")
    t.add_argument(
        "--blind", choices=("on", "off"), help="hide the model and colleagues until one labels"
    )
    t.add_argument(
        "--overlap", type=float, metavar="SHARE", help="share of rows for two annotators, 0-1"
    )
    t.add_argument("--annotators", metavar="A,B,C", help="the roster the work is split among")
    t.add_argument("--adjudicators", metavar="A,B", help="who may decide conflicts")
    t.add_argument("--store", metavar="URL", help="the shared PostgreSQL store of the project")
    t.add_argument("--debug", action="store_true", help="show tracebacks")


def run(args: argparse.Namespace) -> int:
    from app.cli import _project_arg
    from app.core.errors import UserError
    from app.core.session import LabelingSession

    if args.overlap is not None and not 0.0 <= args.overlap <= 1.0:
        raise UserError(f"--overlap must be a share from 0 to 1, not {args.overlap}.")
    session = LabelingSession.open(_project_arg(args.project), store=args.store)
    try:
        team = session.project.team
        changed = False
        if args.blind is not None:
            team.blind, changed = args.blind == "on", True
        if args.overlap is not None:
            team.overlap, changed = args.overlap, True
        if args.annotators is not None:
            team.annotators, changed = _names(args.annotators), True
        if args.adjudicators is not None:
            team.adjudicators, changed = _names(args.adjudicators), True
        if changed:
            session.save()
            if session.sync is not None:
                from app.core.shared_session import publish_team

                publish_team(session)
        roster = ", ".join(team.annotators) or "nobody (the work is not split)"
        judges = ", ".join(team.adjudicators) or "nobody"
    finally:
        session.close()
    print(
        f"Blind mode {'on' if team.blind else 'off'}; overlap {team.overlap:.0%}; annotators "
        f"{roster}; adjudicators {judges}."
    )
    return 0
