"""``labelwright store init URL`` and ``store add-annotator URL NAME``: a team's server."""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(sub: Any) -> None:
    s = sub.add_parser("store", help="set up a shared PostgreSQL store for a team")
    s.add_argument("--debug", action="store_true", help="show tracebacks")
    ssub = s.add_subparsers(dest="store_command", required=True, metavar="ACTION")
    i = ssub.add_parser("init", help="create the schema and the annotator roles")
    i.add_argument("url", metavar="URL", help="postgresql://admin@host/database (no password)")
    i.add_argument("--debug", action="store_true", help="show tracebacks")
    a = ssub.add_parser("add-annotator", help="add a login role for one annotator")
    a.add_argument("url", metavar="URL", help="postgresql://admin@host/database (no password)")
    a.add_argument("name", help="the annotator's role name (lower case, digits, _)")
    a.add_argument(
        "--adjudicator", action="store_true", help="may also decide conflicts between annotators"
    )
    a.add_argument("--debug", action="store_true", help="show tracebacks")


def run(args: argparse.Namespace) -> int:
    from app.core.pg_schema import add_annotator, init_store, safe_url

    if args.store_command == "init":
        init_store(args.url)
        print(f"The store {safe_url(args.url)} is ready; add annotators with store add-annotator.")
        return 0
    add_annotator(args.url, args.name, adjudicator=args.adjudicator)
    what = "adjudicator" if args.adjudicator else "annotator"
    print(
        f"Added the {what} {args.name}; set a password with psql's \\password {args.name}, and "
        f"{args.name} keeps it in ~/.pgpass."
    )
    return 0
