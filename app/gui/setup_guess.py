"""What the setup dialog proposes and warns about, without Qt (so it is easy to test).

- ``propose_target``: the column a new user most likely wants to label. A column
  named like a label (label, target, class, ``…_label``) wins; otherwise the last
  column with a few classes that still has gaps (labels to be given), else the
  last categorical column with a few classes, the usual place of a label in a
  table someone exported. An id column, an image column and a column set aside
  never qualify.
- ``target_candidates``: the columns the dialog offers as targets: categories,
  empty columns (labels still to be given) and whole numbers with few values;
  never measurements, free text, ids or image paths.
- ``case_variants``: classes that differ only in case or surrounding spaces
  ("Yes", "yes ", "YES"); spaces are trimmed on reading, case is not, so these
  would silently become separate classes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.core.errors import UserError
from app.core.schema import canonical_class

if TYPE_CHECKING:
    from pathlib import Path

    import pandas as pd

    from app.core.schema import Schema

# The kinds the dialog offers, in the words it shows, and the schema kind of each.
KIND_WORDS = {
    "numeric": "number",
    "categorical": "category",
    "text": "text",
    "image": "image",
    "id": "id",
    "ignore": "ignore",
}
WORD_KINDS = {word: kind for kind, word in KIND_WORDS.items()}
FEATURE_KINDS = ("numeric", "categorical")
SET_ASIDE = ("image", "id", "ignore")
MAX_PROPOSED_CLASSES = 20  # "a few classes": more reads as a measurement or a code
MAX_NUMERIC_TARGET_VALUES = 30


def kind_word(kind: str) -> str:
    """The word the dialog shows for a schema kind ('empty' columns say so)."""
    return KIND_WORDS.get(kind, "empty" if kind == "empty" else kind)


def _distinct(data: pd.DataFrame, column: str) -> int:
    try:
        return int(data[column].nunique(dropna=True))
    except TypeError:  # unhashable cells
        return len(data)


def target_candidates(data: pd.DataFrame, kinds: dict[str, str], id_column: str) -> list[str]:
    """Columns that can be a target, in table order."""
    from app.core.dataset import is_target_name

    out = []
    for column in (str(c) for c in data.columns):
        kind = kinds.get(column, "")
        if column == id_column or kind in SET_ASIDE:
            continue
        named = is_target_name(column) or kind in ("categorical", "empty")
        if named or (kind == "numeric" and _few_whole_numbers(data[column])):
            out.append(column)
    return out


def _few_whole_numbers(values: pd.Series) -> bool:
    import pandas as pd

    numbers = pd.to_numeric(values.dropna(), errors="coerce")
    if numbers.empty or numbers.isna().any():
        return False
    whole = bool((numbers == numbers.round()).all())
    return whole and numbers.nunique() <= MAX_NUMERIC_TARGET_VALUES


def propose_target(data: pd.DataFrame, kinds: dict[str, str], id_column: str) -> str | None:
    """The column the dialog ticks as the target when nothing is named like a label."""
    from app.core.dataset import is_target_name, looks_like_id_name

    candidates = target_candidates(data, kinds, id_column)
    named = [c for c in candidates if is_target_name(c)]
    if named:
        return named[0]
    few = [
        c
        for c in candidates
        if kinds.get(c) in ("categorical", "numeric")
        and not looks_like_id_name(c)
        and 2 <= _distinct(data, c) <= MAX_PROPOSED_CLASSES
    ]
    # A column with gaps is the usual sign of labels still to be given.
    gaps = [c for c in few if data[c].isna().any()]
    pick = gaps or [c for c in few if kinds.get(c) == "categorical"]
    return pick[-1] if pick else None


def case_variants(data: pd.DataFrame, column: str, limit: int = 6) -> list[list[str]]:
    """Groups of spellings of one class that differ only in case or surrounding spaces.

    Each group lists the spellings as the file has them (with their spaces), most
    frequent first; only groups that would become more than one class are returned.
    """
    counts = data[column].dropna().astype(str).value_counts()
    groups: dict[str, dict[str, int]] = {}
    for raw, n in counts.items():
        key = canonical_class(raw)
        if key is None:
            continue
        groups.setdefault(key.casefold(), {})[str(raw)] = int(n)
    out = []
    for spellings in groups.values():
        classes = {canonical_class(s) for s in spellings}
        if len(classes) > 1:
            ordered = sorted(spellings, key=lambda s: (-spellings[s], s))
            out.append(ordered[:limit])
    return out


def case_variant_sentence(column: str, groups: list[list[str]]) -> str:
    """One sentence for the dialog: which spellings, and what to do about them."""
    shown = "; ".join(", ".join(f"“{s}”" for s in group) for group in groups[:3])
    more = f" and {len(groups) - 3} more" if len(groups) > 3 else ""
    return (
        f"In “{column}”, {shown}{more} differ only in case or spaces, so they would be "
        "separate classes; fix the file, or merge them after opening with Label › Merge classes."
    )


def usable_count(
    data: pd.DataFrame, id_column: str, targets: list[str], kinds: dict[str, str]
) -> int:
    """How many columns a model could learn from (numbers and categories, no ids or targets)."""
    from app.core.opening import usable_features

    return len(usable_features(data, id_column, targets, kinds))


def load_guess(path: Path, sheet: str | None) -> tuple[pd.DataFrame, Schema]:
    """The data of ``path`` (one sheet of a workbook) and the schema proposed for it."""
    from app.core.dataset import ensure_id_column, find_target_columns, load_table
    from app.core.opening import infer_schema

    data = load_table(path, sheet=sheet)
    columns = set(data.columns)
    data, id_col = ensure_id_column(data, None)
    data.attrs["numbered_id"] = id_col not in columns  # rows numbered by the app
    return data, infer_schema(data, id_col, find_target_columns(data))


def first_sheet(path: Path) -> tuple[str, pd.DataFrame, Schema]:
    """The first sheet with cells (as ``load_table`` chooses), its data and schema."""
    from app.core.dataset import list_sheets

    sheets = list_sheets(path)
    for name in sheets[:-1]:
        try:
            return (name, *load_guess(path, name))
        except UserError:
            continue  # an empty sheet: the next one
    return (sheets[-1], *load_guess(path, sheets[-1]))
