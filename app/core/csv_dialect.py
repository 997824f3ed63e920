"""How a delimited text file was written: its separator and its decimal mark.

Much of Europe writes CSV with ``;`` between fields and a decimal comma
(``13,2``), because the comma is the decimal mark there. Read with pandas'
defaults, every number of such a file is text, and the model silently loses
those columns. The first lines are enough to tell: the separator is the
candidate that splits every line into the same number of fields (more fields
win ties), and the decimal mark is a comma when numbers like ``13,2`` outnumber
numbers like ``13.2`` in the fields that separator yields.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass

_COMMA_DECIMAL = re.compile(r"[+-]?\d+,\d+")
_DOT_DECIMAL = re.compile(r"[+-]?\d+\.\d+")
_DOT_THOUSANDS = re.compile(r"[+-]?\d{1,3}(\.\d{3})+,\d+|[+-]?\d{1,3}(\.\d{3}){2,}")
_SAMPLE_LINES = 60
NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}


@dataclass(frozen=True)
class Dialect:
    sep: str
    decimal: str = "."
    thousands: str | None = None

    def note(self, file_name: str) -> str | None:
        """Say how the file was read when it is not plain comma-and-point CSV."""
        if self.decimal == ",":
            return (
                f"Read {file_name} as {NAMES.get(self.sep, self.sep)}-separated with decimal "
                "commas (12,5 means 12.5)."
            )
        return None


def sniff(text: str, candidates: tuple[str, ...]) -> Dialect:
    """The dialect of the text's first lines; the first candidate when nothing fits better."""
    lines = [line for line in text.splitlines() if line.strip()][:_SAMPLE_LINES]
    if len(lines) > 1 and not text.endswith("\n"):
        lines = lines[:-1]  # the last line may be cut off mid-field
    best, best_score = candidates[0], (-1.0, 0)
    for sep in candidates:
        widths = [len(row) for row in _rows(lines, sep)]
        if not widths:
            continue
        width, count = Counter(widths).most_common(1)[0]
        if width < 2:
            continue
        score = (count / len(widths), width)
        if score > best_score:
            best, best_score = sep, score
    if best == ",":
        return Dialect(",")
    fields = [f.strip() for row in _rows(lines[1:], best) for f in row]
    commas = sum(1 for f in fields if _COMMA_DECIMAL.fullmatch(f))
    dots = sum(1 for f in fields if _DOT_DECIMAL.fullmatch(f))
    if commas > dots:
        thousands = "." if any(_DOT_THOUSANDS.fullmatch(f) for f in fields) else None
        return Dialect(best, ",", thousands)
    return Dialect(best)


def _rows(lines: list[str], sep: str) -> list[list[str]]:
    try:
        return list(csv.reader(io.StringIO("\n".join(lines)), delimiter=sep))
    except csv.Error:
        return []
