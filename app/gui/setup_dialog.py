"""The first-open dialog: check how a new data file is organised before labelling starts.

It shows the first rows, proposes the target (``setup_guess.propose_target``), the
id column and each target's features, and lets the user change any column's kind
(number, category, text, image, id, ignore), the image column and, for a
workbook, the sheet. It says so when a wide table would start with only the most
informative features (with a choice to use all of them) and when classes differ
only in case or spaces. The edited ``Schema`` is validated with
``Schema.validate`` before the dialog closes, so the user sees the same one
sentence the command line prints; ``sheet()`` is the sheet it was made for.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QRadioButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import UserError
from app.core.schema import Schema, TargetSpec
from app.gui.setup_columns import PREVIEW_ROWS, KindsTable, PreviewTable
from app.gui.setup_guess import (
    FEATURE_KINDS,
    WORD_KINDS,
    first_sheet,
    kind_word,
    load_guess,
    propose_target,
)
from app.gui.setup_targets import TargetEditing
from widgets.text import esc, plain_label

if TYPE_CHECKING:
    import pandas as pd

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")
NO_IMAGE = "(none)"
MUTED = "color: #6B6B6B;"
SUMMARY_ROWS = 100_000


class SetupDialog(TargetEditing, QDialog):
    """Edit the schema proposed for a data file opened for the first time."""

    def __init__(
        self,
        data: pd.DataFrame,
        schema: Schema,
        file_name: str,
        parent: QWidget | None = None,
        *,
        path: Path | None = None,
        sheet: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Set up {file_name}")
        self.setObjectName("setupDialog")
        self.resize(1120, 800)
        self._path = path
        self._sheet = sheet
        self._selected: str | None = None
        self._build(file_name)
        self._reset(data, schema)

    @classmethod
    def for_file(cls, path: str | Path, parent: QWidget | None = None) -> SetupDialog:
        """Load ``path`` (a workbook's first sheet with cells) and propose its schema."""
        path = Path(path)
        if path.suffix.lower() in WORKBOOK_SUFFIXES:
            sheet, data, schema = first_sheet(path)
            return cls(data, schema, path.name, parent, path=path, sheet=sheet)
        data, schema = load_guess(path, None)
        return cls(data, schema, path.name, parent, path=path)

    # -- construction -----------------------------------------------------------------------
    def _build(self, file_name: str) -> None:
        intro = QLabel(
            f"Labelwright guessed how <b>{esc(file_name)}</b> is organised. Check the kind of "
            "each column, tick the columns you want to label (targets), then each target's "
            "features. Nothing is written to the data file."
        )
        intro.setWordWrap(True)
        self.sheet_combo = QComboBox()
        self.sheet_combo.setObjectName("sheetCombo")
        self.sheet_combo.setMinimumContentsLength(16)
        self.sheet_label = plain_label("Sheet:")
        if self._path is not None and self._path.suffix.lower() in WORKBOOK_SUFFIXES:
            from app.core.dataset import list_sheets

            self.sheet_combo.addItems(list_sheets(self._path))
            self.sheet_combo.setCurrentText(self._sheet or "")
        self.sheet_combo.currentTextChanged.connect(self._on_sheet)
        has_sheets = self.sheet_combo.count() > 0
        self.sheet_label.setVisible(has_sheets)
        self.sheet_combo.setVisible(has_sheets)
        self.preview_title = plain_label()
        self.preview_title.setStyleSheet("font-weight: 600;")
        self.preview = PreviewTable()
        self.kinds = KindsTable()
        self.kinds.sig_kind_changed.connect(self._on_kind_chosen)
        self.id_combo = QComboBox()
        self.id_combo.setObjectName("idCombo")
        self.id_combo.currentTextChanged.connect(self._on_id_changed)
        self.image_combo = QComboBox()
        self.image_combo.setObjectName("imageCombo")
        self.image_combo.currentTextChanged.connect(self._on_image_changed)
        self.targets = QListWidget()
        self.targets.itemChanged.connect(self._on_target_toggled)
        self.targets.currentItemChanged.connect(lambda cur, _p: self._select_target(cur))
        self.features = QListWidget()
        self.features.itemChanged.connect(self._on_feature_toggled)
        self.classes_label = plain_label()
        self.classes_label.setWordWrap(True)
        self.extra_classes = QLineEdit()
        self.extra_classes.setPlaceholderText("more classes, comma separated (optional)")
        self.extra_classes.editingFinished.connect(self._on_extra_classes)
        self.error = plain_label()
        self.error.setObjectName("setupError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #B3261E;")
        self.notes = plain_label()
        self.notes.setObjectName("setupNotes")
        self.notes.setWordWrap(True)
        self.notes.setStyleSheet(MUTED)

        top = QHBoxLayout()
        top.addWidget(self.preview_title, 1)
        top.addWidget(self.sheet_label)
        top.addWidget(self.sheet_combo)
        columns_box = QGroupBox("Columns")
        cl = QVBoxLayout(columns_box)
        roles = QHBoxLayout()
        roles.addWidget(plain_label("Id column:"))
        roles.addWidget(self.id_combo, 1)
        roles.addSpacing(12)
        roles.addWidget(plain_label("Image column:"))
        roles.addWidget(self.image_combo, 1)
        cl.addLayout(roles)
        cl.addWidget(self.kinds, 1)
        target_box = QGroupBox("Targets (label columns)")
        tl = QVBoxLayout(target_box)
        tl.addWidget(self.targets, 1)
        self.target_hint = plain_label()
        self.target_hint.setWordWrap(True)
        self.target_hint.setStyleSheet(MUTED)
        tl.addWidget(self.target_hint)
        feature_box = QGroupBox("Features of the selected target")
        fl = QVBoxLayout(feature_box)
        fl.addWidget(self.features, 1)
        row = QHBoxLayout()
        for text, on in (("All", True), ("None", False)):
            button = QPushButton(text)
            button.clicked.connect(lambda _c=False, on=on: self._check_all(on))
            row.addWidget(button)
        row.addStretch(1)
        fl.addLayout(row)
        fl.addWidget(self.classes_label)
        fl.addWidget(self.extra_classes)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.setChildrenCollapsible(False)
        for box in (columns_box, target_box, feature_box):
            split.addWidget(box)
        split.setSizes([440, 280, 400])
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Start labelling")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(top)
        layout.addWidget(self.preview)
        layout.addWidget(split, 1)
        layout.addWidget(self._build_width_box())
        layout.addWidget(self.notes)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def _build_width_box(self) -> QGroupBox:
        from models.feature_choice import MAX_DEFAULT_FEATURES

        self.width_box = QGroupBox("A wide table")
        self.width_box.setObjectName("widthBox")
        self.width_text = plain_label()
        self.width_text.setWordWrap(True)
        self.use_informative = QRadioButton(f"Use the {MAX_DEFAULT_FEATURES} most informative")
        self.use_all = QRadioButton("Use all")
        self.use_informative.setChecked(True)
        group = QButtonGroup(self.width_box)
        group.addButton(self.use_informative)
        group.addButton(self.use_all)
        self.use_all.toggled.connect(lambda _on: self._apply_width())
        box = QVBoxLayout(self.width_box)
        box.addWidget(self.width_text)
        choice = QHBoxLayout()
        choice.addWidget(self.use_informative)
        choice.addWidget(self.use_all)
        choice.addStretch(1)
        box.addLayout(choice)
        return self.width_box

    # -- result -----------------------------------------------------------------------------
    def schema(self) -> Schema:
        """The schema as edited (targets in the order of the data's columns)."""
        kinds = {c: k for c, k in self._kinds.items() if c != self._id}
        return Schema(
            id_column=self._id,
            targets=[copy.deepcopy(self._specs[c]) for c in self._columns if c in self._specs],
            column_kinds=kinds,
            image_column=self._image,
        )

    def sheet(self) -> str | None:
        """The workbook sheet the schema was made for (None for other files)."""
        return self._sheet if self.sheet_combo.count() else None

    def accept(self) -> None:
        from app.core.dataset import ensure_id_column

        try:
            if self._id in self._data.columns:
                ensure_id_column(self._data, self._id)
            self.schema().validate(self._columns)
        except UserError as exc:
            self.error.setText(str(exc))
            return
        super().accept()

    # -- the whole table (again after a new sheet) ------------------------------------------
    def _reset(self, data: pd.DataFrame, schema: Schema) -> None:
        from app.core.dataset import infer_column_kinds

        self._data = data
        self._columns = [str(c) for c in data.columns]
        self._id = schema.id_column
        self._image = schema.image_column
        missing = [c for c in self._columns if c not in schema.column_kinds]
        auto = {k: str(v.value) for k, v in infer_column_kinds(data[missing]).items()}
        self._kinds = {c: schema.column_kinds.get(c, auto.get(c, "text")) for c in self._columns}
        self._specs: dict[str, TargetSpec] = {t.name: copy.deepcopy(t) for t in schema.targets}
        self._proposed = ""
        if not self._specs:
            proposed = propose_target(data, self._kinds, self._id)
            if proposed is not None:
                self._proposed = proposed
                self._specs[proposed] = self._new_spec(proposed)
        self.preview_title.setText(
            f"The first {min(PREVIEW_ROWS, len(data))} of {len(data):,} rows, "
            f"{len(self._columns):,} columns"
        )
        self.preview.set_frame(data.head(PREVIEW_ROWS), self._shown_kinds())
        self.kinds.set_columns(self._columns, self._shown_kinds(), self._value_summaries())
        for combo, items, current in (
            (self.id_combo, self._columns, self._id),
            (self.image_combo, [NO_IMAGE, *self._columns], self._image or NO_IMAGE),
        ):
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(items)
            combo.setCurrentText(current)
            combo.blockSignals(False)
        self.use_informative.blockSignals(True)
        self.use_informative.setChecked(True)
        self.use_informative.blockSignals(False)
        self.error.setText("")
        self._fill_targets()

    def _shown_kinds(self) -> dict[str, str]:
        words = {c: kind_word(k) for c, k in self._kinds.items()}
        words[self._id] = "id"
        if self._image:
            words[self._image] = "image"
        return words

    def _value_summaries(self) -> dict[str, str]:
        """Distinct values per column; a big table counts its first ``SUMMARY_ROWS`` rows.

        Counting all of a million rows took 2.3 s for 20 columns, too long for a dialog.
        """
        head = self._data.iloc[:SUMMARY_ROWS]
        sampled = len(self._data) > SUMMARY_ROWS
        self.kinds.set_values_title(
            f"Values (first {SUMMARY_ROWS:,} rows)" if sampled else "Values"
        )
        out = {}
        for c in self._columns:
            try:
                n = int(head[c].nunique(dropna=True))
            except TypeError:
                n = len(head)
            out[c] = "no values" if n == 0 else f"{n:,} distinct"
        if self._data.attrs.get("numbered_id") and self._columns:
            out[self._columns[0]] = "numbered by Labelwright"
        return out

    def _on_sheet(self, sheet: str) -> None:
        if not sheet or self._path is None or sheet == self._sheet:
            return
        try:
            data, schema = load_guess(self._path, sheet)
        except UserError as exc:
            self.error.setText(str(exc))
            self.sheet_combo.blockSignals(True)
            self.sheet_combo.setCurrentText(self._sheet or "")
            self.sheet_combo.blockSignals(False)
            return
        self._sheet = sheet
        self._reset(data, schema)

    # -- kinds ------------------------------------------------------------------------------
    def _on_kind_chosen(self, column: str, word: str) -> None:
        self.set_kind(column, word)

    def set_kind(self, column: str, word: str) -> bool:
        """Give ``column`` the kind ``word`` (as the drop-down does); False when refused."""
        self.error.setText("")
        if word == "id":
            self.id_combo.setCurrentText(column)
            return self._id == column
        if column == self._id:
            self.error.setText(
                f"'{column}' is the id column; choose another id column first, then change "
                "its kind."
            )
            self._refresh_kinds()
            return False
        kind = WORD_KINDS.get(word, word)
        if kind == "image":
            self.image_combo.setCurrentText(column)
            return True
        if column == self._image:
            self._image = None
            self._set_combo(self.image_combo, NO_IMAGE)
        was_feature = self._kinds.get(column) in FEATURE_KINDS
        self._kinds[column] = kind
        if kind in FEATURE_KINDS and not was_feature:
            for spec in self._specs.values():
                if column != spec.name and column not in spec.features:
                    spec.features.append(column)
        if kind not in FEATURE_KINDS:
            self._drop_feature(column)
        if kind == "ignore":
            self._drop_target(column)
        self._refresh_kinds()
        return True

    def _on_id_changed(self, column: str) -> None:
        if not column or column == self._id:
            return
        old = self._id
        self._id = column
        self._kinds[old] = "ignore"  # ids are poor features; the user may choose another kind
        if column == self._image:
            self._image = None
            self._set_combo(self.image_combo, NO_IMAGE)
        self._drop_target(column)
        self._drop_feature(column)
        self._refresh_kinds()

    def _on_image_changed(self, text: str) -> None:
        column = None if text in ("", NO_IMAGE) else text
        if column == self._image:
            return
        if column is not None and column == self._id:
            self.error.setText(f"'{column}' is the id column; choose another id column first.")
            self._set_combo(self.image_combo, self._image or NO_IMAGE)
            return
        if self._image is not None:
            self._kinds[self._image] = "text"
        self._image = column
        if column is not None:
            self._kinds[column] = "image"
            self._drop_target(column)
            self._drop_feature(column)
        self._refresh_kinds()

    def _refresh_kinds(self) -> None:
        words = self._shown_kinds()
        self.kinds.set_words(words)
        self.preview.preview.set_kinds(words)
        self._fill_targets()

    @staticmethod
    def _set_combo(combo: QComboBox, text: str) -> None:
        combo.blockSignals(True)
        combo.setCurrentText(text)
        combo.blockSignals(False)

    # -- for tests and scripts --------------------------------------------------------------
    def proposed_target(self) -> str:
        return self._proposed

    def target_names(self) -> list[str]:
        """The targets the list offers, top to bottom."""
        return [
            str(self.targets.item(i).data(Qt.ItemDataRole.UserRole))
            for i in range(self.targets.count())
        ]
