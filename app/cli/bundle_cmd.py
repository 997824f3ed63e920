"""``labelwright bundle export|import``: share a whole session as one file."""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(sub: Any) -> None:
    b = sub.add_parser("bundle", help="export or import a whole session as one .lwbundle file")
    b.add_argument("--debug", action="store_true", help="show tracebacks")
    bsub = b.add_subparsers(dest="bundle_command", required=True)

    e = bsub.add_parser("export", help="write a project as a .lwbundle file")
    e.add_argument("project", help="project file, data file with a project, or 'demo'")
    e.add_argument("--out", required=True, metavar="F.lwbundle", help="the bundle to write")
    e.add_argument(
        "--include-data",
        action="store_true",
        help="put a copy of the data inside, with the images its rows refer to",
    )
    e.add_argument("--debug", action="store_true", help="show tracebacks")

    i = bsub.add_parser("import", help="write a .lwbundle file out as a project")
    i.add_argument("bundle", metavar="F.lwbundle", help="the bundle to import")
    i.add_argument("--into", required=True, metavar="DIR", help="folder for the project")
    i.add_argument("--data", metavar="FILE", help="the data file, if the bundle has no copy")
    i.add_argument("--debug", action="store_true", help="show tracebacks")

    m = bsub.add_parser(
        "merge", help="merge bundles that several annotators labelled apart into one project"
    )
    m.add_argument("bundles", nargs="+", metavar="F.lwbundle", help="the bundles to merge")
    m.add_argument(
        "--into", required=True, metavar="DIR", help="the project folder (made if it is new)"
    )
    m.add_argument("--debug", action="store_true", help="show tracebacks")


def run(args: argparse.Namespace) -> int:
    if args.bundle_command == "export":
        return _export(args)
    if args.bundle_command == "merge":
        return _merge(args)
    return _import(args)


def _merge(args: argparse.Namespace) -> int:
    from app.core.bundle_merge import merge_bundles

    report = merge_bundles(args.bundles, args.into)
    verb = "Created" if report.created else "Merged into"
    news = f"{report.added} new label event(s)" if report.added else "nothing new"
    print(f"{verb} {report.project} from {report.bundles} bundle(s): {news}.")
    return 0


def _export(args: argparse.Namespace) -> int:
    from app.cli import _project_arg, print_notes
    from app.core.bundle_writer import export_bundle_with_report
    from app.core.session import LabelingSession

    session = LabelingSession.open(_project_arg(args.project))
    print_notes(session)
    try:
        out, images = export_bundle_with_report(session, args.out, include_data=args.include_data)
        events = session.store.count()
        trained = sum(session.model(t) is not None for t in session.targets)
        data = session.project.data_path
    finally:
        session.close()
    where = (
        f"with a copy of the data{images.inside()} inside{images.not_inside()}"
        if args.include_data
        else f"without the data; the recipient needs {data.name} (or --include-data)"
    )
    print(f"Wrote {out}: {events} label events, {trained} model(s), {where}.")
    return 0


def _import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from app.core.bundle import already_imported, import_bundle
    from app.core.project import Project

    again = already_imported(Path(args.bundle), Path(args.into))
    project_file = import_bundle(args.bundle, args.into, args.data)
    project = Project.load(project_file)
    if again:
        print(f"{args.bundle} is already imported as {project_file}; nothing was changed.")
    else:
        print(f"Imported {args.bundle} as {project_file} (data: {project.data_path}).")
    return 0
