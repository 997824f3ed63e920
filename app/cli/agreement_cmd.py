"""``labelwright agreement PROJECT --out F.json``: how much the annotators agree."""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(sub: Any) -> None:
    a = sub.add_parser("agreement", help="agreement between annotators, per target, as JSON")
    a.add_argument("project", help="project file, data file with a project, or 'demo'")
    a.add_argument("--target", action="append", metavar="T", help="only these targets")
    a.add_argument("--store", metavar="URL", help="the shared PostgreSQL store of the project")
    a.add_argument("--out", required=True, metavar="F.json", help="where the report is written")
    a.add_argument("--debug", action="store_true", help="show tracebacks")


def run(args: argparse.Namespace) -> int:
    import json

    from app.cli import _project_arg, print_notes
    from app.core.agreement import agreement
    from app.core.atomic import atomic_write_text, check_out
    from app.core.errors import UserError
    from app.core.session import LabelingSession

    out = check_out(args.out, (".json",), "the agreement report")
    session = LabelingSession.open(_project_arg(args.project), store=args.store)
    try:
        print_notes(session)
        unknown = [t for t in args.target or [] if t not in session.targets]
        if unknown:
            raise UserError(
                f"The project has no target '{unknown[0]}'; its targets are "
                f"{', '.join(session.targets)}."
            )
        targets = args.target or session.targets
        session.retrain()
        for target in targets:  # out-of-fold probabilities make CROWDLAB fair to everyone
            if len(session.labels(target)) >= 10:
                session.review_queue(target)
        report = agreement(session, targets)
    finally:
        session.close()
    atomic_write_text(out, json.dumps(report, indent=2))
    for target, result in report["targets"].items():
        alpha = result["krippendorff_alpha"]
        shown = "n/a" if alpha is None else f"{alpha:.3f}"
        print(f"{target}: {len(result['annotators'])} annotator(s), Krippendorff's alpha {shown}.")
    print(f"Wrote {out}.")
    return 0
