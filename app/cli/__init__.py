"""The command line: the GUI by default, subcommands for headless work.

Only the chosen command's modules are imported, so ``labelwright --help`` and
the GUI start-up do not pay for torch, interpret or scikit-learn.
"""

from __future__ import annotations

import argparse
import json
import logging
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from app.cli.parsing import SentenceParser, unknown_command
from app.core.errors import UserError

SUBCOMMANDS = (
    "simulate",
    "audit",
    "export",
    "bundle",
    "score",
    "bench",
    "copy",
    "classes",
    "agreement",
    "store",
    "team",
)


def _features(values: list[str] | None) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for item in values or []:
        target, sep, cols = item.partition("=")
        if not sep or not target or not cols:
            raise UserError(f"--features '{item}' is not TARGET=col1,col2; write it that way.")
        out[target.strip()] = [c.strip() for c in cols.split(",") if c.strip()]
    return out


def gui_parser() -> argparse.ArgumentParser:
    p = SentenceParser(
        prog="labelwright",
        description="Label tabular data with an explainable model. Subcommands: "
        + ", ".join(SUBCOMMANDS)
        + " (labelwright COMMAND --help).",
    )
    p.add_argument("path", nargs="?", default=None, help="data file, project, bundle or 'demo'")
    p.add_argument(
        "--target",
        action="append",
        metavar="COL",
        help="label column of a data file opened the first time: creates the project without "
        "the setup dialog (repeat for several targets)",
    )
    p.add_argument(
        "--features",
        action="append",
        metavar="TARGET=a,b,c",
        help="the feature columns of one target, with --target",
    )
    p.add_argument(
        "--annotator", metavar="NAME", help="who labels in this window (kept with every label)"
    )
    p.add_argument(
        "--store",
        metavar="URL",
        help="keep the label log in a shared PostgreSQL store (postgresql://host/db) with a team",
    )
    p.add_argument(
        "--screenshot",
        metavar="OUT.png",
        help="render the window offscreen once the first model is ready, write a PNG and exit",
    )
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    p.add_argument("--version", action=_VersionAction, help="print the version and exit")
    p.add_argument(
        "--install-desktop",
        action="store_true",
        help="add Labelwright to the application menu and let it open .lwbundle/.lwproj files",
    )
    return p


class _VersionAction(argparse.Action):
    """``--version``: the version is read only when asked (importlib.metadata is slow)."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, help=kwargs.get("help"))

    def __call__(self, parser: argparse.ArgumentParser, *_args: Any) -> None:
        from app.core.bundle_writer import app_version

        print(f"labelwright {app_version()}")
        parser.exit()


def command_parser() -> argparse.ArgumentParser:
    from models.strategies import STRATEGIES

    p = SentenceParser(prog="labelwright")
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    features_help = "the feature columns of one target (repeat per target)"

    s = sub.add_parser("simulate", help="active learning with a truth file as the oracle")
    s.add_argument("--data", required=True, metavar="F", help="the data file to label")
    s.add_argument(
        "--truth", required=True, metavar="F", help="a file with the true label of every row"
    )
    s.add_argument(
        "--target", action="append", required=True, metavar="COL", help="label column(s)"
    )
    s.add_argument("--features", action="append", metavar="TARGET=a,b,c", help=features_help)
    s.add_argument(
        "--strategy", required=True, choices=STRATEGIES, help="how the next rows are chosen"
    )
    s.add_argument("--batch", type=int, required=True, metavar="B", help="rows labelled per round")
    s.add_argument("--budget", type=int, required=True, metavar="N", help="labels in all")
    s.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    s.add_argument("--out", required=True, metavar="F.json", help="where the rounds are written")
    s.add_argument("--debug", action="store_true", help="show tracebacks")

    a = sub.add_parser("audit", help="rank labelled rows by how likely their label is wrong")
    a.add_argument("--data", required=True, metavar="F", help="the data file with labels")
    a.add_argument("--target", required=True, metavar="COL", help="the label column to check")
    a.add_argument("--features", action="append", metavar="TARGET=a,b,c", help=features_help)
    a.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    a.add_argument("--out", required=True, metavar="F.csv", help="where the ranking is written")
    a.add_argument("--debug", action="store_true", help="show tracebacks")

    e = sub.add_parser("export", help="write the labelled dataset as CSV or Parquet")
    e.add_argument("project", help="project file, data file with a project, or 'demo'")
    e.add_argument("--out", required=True, metavar="F.csv|F.parquet", help="the file to write")
    e.add_argument(
        "--target", action="append", metavar="COL", help="label column(s) of a new data file"
    )
    e.add_argument("--features", action="append", metavar="TARGET=a,b,c", help=features_help)
    e.add_argument("--debug", action="store_true", help="show tracebacks")

    from app.cli.extra import add_extra_commands

    add_extra_commands(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args_list
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING, format="%(message)s")
    try:
        if args_list and args_list[0] in SUBCOMMANDS:
            args = command_parser().parse_args(args_list)
            return run_command(args)
        first = next((a for a in args_list if not a.startswith("-")), None)
        if first is not None and (mistake := unknown_command(first, SUBCOMMANDS)):
            raise mistake
        args = gui_parser().parse_args(args_list)
        if args.install_desktop:
            from app.cli.desktop import install_desktop

            return install_desktop()
        if args.path is not None and args.path != "demo":
            _existing(args.path, "data or project")
        if args.screenshot:
            from app.core.atomic import check_out

            check_out(args.screenshot, (".png",), "a screenshot")
        if (args.target or args.features) and args.path is None:
            raise UserError("--target and --features need a data file; name one before them.")
        from app.gui import run_gui

        return run_gui(
            args.path,
            screenshot=args.screenshot,
            debug=args.debug,
            annotator=args.annotator,
            store=args.store,
            targets=args.target,
            features=_features(args.features) or None,
        )
    except UserError as exc:
        if debug:
            raise
        print(str(exc), file=sys.stderr)
        return 2
    except (OSError, sqlite3.Error) as exc:
        sentence = _environment_error(exc)
        if debug or sentence is None:
            raise
        print(sentence, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _environment_error(exc: BaseException) -> str | None:
    """A full disk or a permission problem that reached the top is still one sentence."""
    from app.core.atomic import is_disk_problem, write_failure

    if isinstance(exc, OSError) and is_disk_problem(exc):
        where = Path(exc.filename) if exc.filename else Path.cwd()
        return str(write_failure(where, exc))
    if isinstance(exc, sqlite3.Error):
        if "full" in str(exc).lower():
            return "The disk is full, so the label log could not be written; free some space."
        return f"The label log could not be used ({exc}); check the disk and try again."
    return None


def run_command(args: argparse.Namespace) -> int:
    if args.command == "simulate":
        return _simulate(args)
    if args.command == "audit":
        return _audit(args)
    if args.command == "export":
        return _export(args)
    from app.cli.extra import run_extra

    return run_extra(args)


def _write_json(path: str, doc: Any) -> None:
    from app.core.atomic import atomic_write_text

    atomic_write_text(path, json.dumps(doc, indent=2))


def _existing(path: str, what: str) -> Path:
    p = Path(path)
    if not p.exists():
        raise UserError(f"The {what} file {path} does not exist; check the path.")
    return p


def _simulate(args: argparse.Namespace) -> int:
    from app.core.atomic import check_out
    from app.core.simulate import simulate

    check_out(args.out, (".json",), "the simulation")
    result = simulate(
        _existing(args.data, "data"),
        _existing(args.truth, "truth"),
        args.target,
        args.strategy,
        args.batch,
        args.budget,
        args.seed,
        _features(args.features),
        progress=lambda msg: print(msg, file=sys.stderr),
    )
    _write_json(args.out, result)
    last = result["rounds"][-1]
    for target, m in last["targets"].items():
        print(
            f"{args.strategy}: {last['labels']} labels, {target}: macro-F1 {m['model_f1']:.3f}, "
            f"accuracy {m['accuracy']:.3f}"
        )
    return 0


def _audit(args: argparse.Namespace) -> int:
    from app.core.atomic import check_out
    from app.core.audit import audit
    from app.core.csv_safety import write_csv

    out = check_out(args.out, (".csv",), "the audit")
    rows = audit(_existing(args.data, "data"), args.target, _features(args.features), args.seed)
    flagged = int(rows["flagged"].sum())
    write_csv(rows, out)
    print(f"Ranked {len(rows)} labelled rows; {flagged} look mislabelled. Wrote {args.out}.")
    return 0


def _export(args: argparse.Namespace) -> int:
    from app.core.atomic import check_out
    from app.core.session import LabelingSession

    check_out(args.out, (".csv", ".parquet", ".pq"), "the export")
    session = LabelingSession.open(
        _project_arg(args.project), args.target, features=_features(args.features) or None
    )
    try:
        unknown = [t for t in args.target or [] if t not in session.targets]
        if unknown:
            raise UserError(
                f"The project {session.project.path.name} has no target '{unknown[0]}'; its "
                f"targets are {', '.join(session.targets)}."
            )
        print_notes(session)
        session.retrain()
        out = session.export(args.out)
        orphans = len(session.orphan_labels())
    finally:
        session.close()
    print(f"Exported {session.n_rows} rows to {out}.")
    if orphans:
        from app.core.export import orphans_path

        print(
            f"{orphans} label(s) belong to rows no longer in the data; they are listed in "
            f"{orphans_path(out)}."
        )
    return 0


def print_notes(session: Any) -> None:
    """What opening the project noticed (a changed data file, adopted labels), on stderr."""
    for note in session.notes:
        print(note, file=sys.stderr)


def _project_arg(value: str) -> str:
    if value == "demo":
        return value
    _existing(value, "project")
    return value
