"""The rows a contribution chart draws: which terms, in what order, labelled how.

Kept apart from the drawing so the choice of bars (top terms by magnitude, the
rest summed, the intercept last) and the label shortening can be read and
tested without a plot.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.ebm import Contributions, TermContribution
from widgets import palette

LABEL_CHARS = 48


@dataclass
class ChartRow:
    """One bar: what it says, how long it is, and which feature a click opens."""

    label: str
    value: float
    kind: str  # "term", "other" or "intercept"
    missing: bool = False
    feature: str | None = None
    y: float = 0.0
    tooltip: str = ""
    short: str = ""  # the label without values, for narrow charts


def _term_label(term: TermContribution) -> str:
    parts = []
    for name, value in zip(term.features, term.values, strict=False):
        text = palette.format_value(value)
        parts.append(f"{name} (missing)" if text == "missing" else f"{name} = {text}")
    return " & ".join(parts) if parts else term.name


def short_label(label: str, limit: int = LABEL_CHARS) -> str | None:
    """Shorten the feature names, never the values; None when the values alone do not fit."""
    if len(label) <= limit:
        return label
    parts = label.split(" & ")
    each = (limit - 3 * (len(parts) - 1)) // len(parts)
    short = [_short_part(p, each) for p in parts]
    return None if any(p is None for p in short) else " & ".join(p for p in short if p)


def _short_part(part: str, limit: int) -> str | None:
    if len(part) <= limit:
        return part
    if " = " in part:
        name, value = part.rsplit(" = ", 1)
        suffix = f" = {value}"
    elif part.endswith(" (missing)"):
        name, suffix = part[: -len(" (missing)")], " (missing)"
    else:
        name, suffix = part, ""
    keep = limit - len(suffix) - 1
    if keep < 5:
        return None
    return name[:keep].rstrip() + "…" + suffix


def build_rows(contrib: Contributions, cls: str, max_terms: int) -> list[ChartRow]:
    """The bars for ``cls``: top terms by magnitude, the rest summed, then the intercept."""
    k = contrib.classes.index(cls)
    terms = sorted(contrib.terms, key=lambda t: abs(float(t.scores[k])), reverse=True)
    rows: list[ChartRow] = []
    for term in terms[:max_terms]:
        value = float(term.scores[k])
        label = _term_label(term)
        rows.append(
            ChartRow(
                label=label,
                value=value,
                kind="term",
                missing=term.missing,
                feature=term.features[0] if term.features else term.name,
                tooltip=f"{label}\n{value:+.3f} log-odds of {cls}\nClick to see its shape",
                short=" & ".join(term.features) + (" (missing)" if term.missing else ""),
            )
        )
    rest = terms[max_terms:]
    if rest:
        total = float(sum(float(t.scores[k]) for t in rest))
        rows.append(
            ChartRow(
                label=f"{len(rest)} other terms",
                short=f"{len(rest)} others",
                value=total,
                kind="other",
                tooltip=f"{len(rest)} smaller terms together: {total:+.3f}",
            )
        )
    for i, row in enumerate(rows):
        row.y = float(i)
    intercept = float(contrib.intercept[k])
    rows.append(
        ChartRow(
            label="Intercept (baseline)",
            short="Intercept",
            value=intercept,
            kind="intercept",
            y=len(rows) + 0.35,
            tooltip=f"The baseline every sample starts from: {intercept:+.3f}",
        )
    )
    return rows
