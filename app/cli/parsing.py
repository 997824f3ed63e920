"""Argument parsing that speaks like the rest of the app: one sentence, exit code 2.

argparse prints its usage block and a terse "error:" line on a mistake. Here the
mistake becomes a ``UserError`` with one plain sentence that names the fix, and a
mistyped command is answered with the command the user probably meant.
"""

from __future__ import annotations

import argparse
import difflib
import re
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from app.core.errors import UserError

_CHOICE = r"argument (\S+?)(?:/\S+)?: invalid choice: '?([^']*)'? \(choose from (.+)\)"


class SentenceParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are ``UserError`` sentences (its sub-parsers too)."""

    def error(self, message: str) -> NoReturn:
        raise UserError(sentence(self.prog, message))


def sentence(prog: str, message: str) -> str:
    """argparse's message, rewritten as one sentence with the fix."""
    helping = f"see {prog} --help"
    if m := re.match(r"the following arguments are required: (.+)", message):
        return f"{prog} needs {m.group(1)}; {helping}."
    if m := re.match(
        r"argument (\S+?)(?:/\S+)?: invalid choice: '?([^']*)'? \(choose from (.+)\)", message
    ):
        choices = m.group(3).replace("'", "")
        return f"{m.group(1)} cannot be '{m.group(2)}'; choose one of {choices}."
    if m := re.match(r"argument (\S+?)(?:/\S+)?: invalid (int|float) value: '(.*)'", message):
        kind = "a whole number" if m.group(2) == "int" else "a number"
        return f"{m.group(1)} needs {kind}, not '{m.group(3)}'; {helping}."
    if m := re.match(r"argument (\S+?)(?:/\S+)?: expected (.+)", message):
        return f"{m.group(1)} expects {m.group(2)}; {helping}."
    if m := re.match(r"unrecognized arguments: (.+)", message):
        return f"{prog} does not know {m.group(1)}; {helping}."
    if m := re.match(r"argument (\S+?)(?:/\S+)?: not allowed with argument (\S+)", message):
        return f"{m.group(1)} cannot be used with {m.group(2)}; choose one of them."
    return f"{prog}: {message.rstrip('.')}; {helping}."


def unknown_command(word: str, commands: Sequence[str]) -> UserError | None:
    """A first argument that is neither a file nor a command: suggest the nearest command."""
    if word.startswith("-") or word == "demo" or Path(word).exists():
        return None
    if Path(word).suffix or "/" in word or "\\" in word:
        return None  # a path that does not exist: the caller says so
    close = difflib.get_close_matches(word, commands, n=1, cutoff=0.6)
    if close:
        return UserError(f"unknown command '{word}'; did you mean '{close[0]}'?")
    return UserError(
        f"unknown command '{word}', and there is no file of that name; the commands are "
        f"{', '.join(commands)} (or give a data file, project, bundle or 'demo')."
    )
