"""The first-open dialog: confirm or change the guessed id column, targets and features.

It starts from ``guess_schema`` and edits a copy of the ``Schema``: the id
column, which columns are targets, and for the selected target its features
(plain columns and other targets it builds on) and any extra classes. The
result is validated with ``Schema.validate`` before the dialog can close, so
the message the user sees is the same one sentence the command line prints.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import UserError
from app.core.schema import Schema, TargetSpec, canonical, sort_classes
from widgets.text import esc, plain_label

if TYPE_CHECKING:
    import pandas as pd

FEATURE_KINDS = ("numeric", "categorical")


class SetupDialog(QDialog):
    """Edit the schema proposed for a data file opened for the first time."""

    def __init__(
        self, data: pd.DataFrame, schema: Schema, file_name: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Set up {file_name}")
        self.setObjectName("setupDialog")
        self.resize(760, 560)
        self._data = data
        self._schema = copy.deepcopy(schema)
        self._columns = [str(c) for c in data.columns]
        self._specs: dict[str, TargetSpec] = {t.name: t for t in self._schema.targets}
        self._selected: str | None = None

        intro = QLabel(
            f"Labelwright guessed how <b>{esc(file_name)}</b> is organised. Check the id column, "
            "tick the columns you want to label (targets), then choose each target's features."
        )
        intro.setWordWrap(True)
        self.id_combo = QComboBox()
        self.id_combo.addItems(self._columns)
        self.id_combo.setCurrentText(self._schema.id_column)
        self.id_combo.currentTextChanged.connect(self._on_id_changed)

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
        all_on = QPushButton("All")
        all_off = QPushButton("None")
        all_on.clicked.connect(lambda: self._check_all(True))
        all_off.clicked.connect(lambda: self._check_all(False))
        self.error = plain_label()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #B3261E;")

        target_box = QGroupBox("Targets (label columns)")
        tl = QVBoxLayout(target_box)
        tl.addWidget(self.targets)
        feature_box = QGroupBox("Features of the selected target")
        fl = QVBoxLayout(feature_box)
        fl.addWidget(self.features, 1)
        row = QHBoxLayout()
        row.addWidget(all_on)
        row.addWidget(all_off)
        row.addStretch(1)
        fl.addLayout(row)
        fl.addWidget(self.classes_label)
        fl.addWidget(self.extra_classes)
        middle = QHBoxLayout()
        middle.addWidget(target_box, 2)
        middle.addWidget(feature_box, 3)
        form = QFormLayout()
        form.addRow("Id column:", self.id_combo)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Start labelling")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addLayout(middle, 1)
        layout.addWidget(self.error)
        notes = list(data.attrs.get("load_notes", []))
        if notes:
            note = plain_label(" ".join(notes))
            note.setWordWrap(True)
            note.setStyleSheet("color: #6B6B6B;")
            layout.addWidget(note)
        layout.addWidget(buttons)
        self._fill_targets()

    # -- result -----------------------------------------------------------------------------
    def schema(self) -> Schema:
        """The schema as edited (targets in the order of the data's columns)."""
        out = copy.deepcopy(self._schema)
        out.id_column = self.id_combo.currentText()
        out.targets = [copy.deepcopy(self._specs[c]) for c in self._columns if c in self._specs]
        return out

    def accept(self) -> None:
        try:
            self.schema().validate(self._columns)
        except UserError as exc:
            self.error.setText(str(exc))
            return
        super().accept()

    # -- targets ----------------------------------------------------------------------------
    def _candidate_targets(self) -> list[str]:
        return [c for c in self._columns if c != self.id_combo.currentText()]

    def _fill_targets(self) -> None:
        self.targets.blockSignals(True)
        self.targets.clear()
        for name in self._candidate_targets():
            item = QListWidgetItem(name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(
                Qt.CheckState.Checked if name in self._specs else Qt.CheckState.Unchecked
            )
            self.targets.addItem(item)
        self.targets.blockSignals(False)
        first = next(
            (
                self.targets.item(i)
                for i in range(self.targets.count())
                if self.targets.item(i).text() in self._specs
            ),
            None,
        )
        if first is not None:
            self.targets.setCurrentItem(first)
        self._select_target(first)

    def _on_id_changed(self, column: str) -> None:
        self._specs.pop(column, None)
        for spec in self._specs.values():
            spec.features = [f for f in spec.features if f != column]
        self._fill_targets()

    def _on_target_toggled(self, item: QListWidgetItem) -> None:
        name = item.text()
        if item.checkState() == Qt.CheckState.Checked and name not in self._specs:
            self._specs[name] = TargetSpec(
                name, self._classes_in(name), self._default_features(name)
            )
            for spec in self._specs.values():
                spec.features = [f for f in spec.features if f != name]
        elif item.checkState() != Qt.CheckState.Checked:
            self._specs.pop(name, None)
            for spec in self._specs.values():
                spec.uses_targets = [t for t in spec.uses_targets if t != name]
        self.targets.setCurrentItem(item)
        self._select_target(item)

    def _classes_in(self, column: str) -> list[str]:
        values = {canonical(v) for v in self._data[column].tolist()} - {None}
        return sort_classes(sorted(v for v in values if v is not None))

    def _default_features(self, target: str) -> list[str]:
        kinds = self._schema.column_kinds
        return [
            c
            for c in self._columns
            if c not in self._specs
            and c != target
            and c != self.id_combo.currentText()
            and kinds.get(c) in FEATURE_KINDS
        ]

    # -- features of the selected target ----------------------------------------------------
    def _select_target(self, item: QListWidgetItem | None) -> None:
        name = item.text() if item is not None else None
        self._selected = name if name in self._specs else None
        self.features.blockSignals(True)
        self.features.clear()
        spec = self._specs.get(name or "")
        self.features.setEnabled(spec is not None)
        self.extra_classes.setEnabled(spec is not None)
        if spec is None:
            self.classes_label.setText("Tick a target to choose its features.")
            self.features.blockSignals(False)
            return
        kinds = self._schema.column_kinds
        for column in self._columns:
            if column in (spec.name, self.id_combo.currentText()):
                continue
            is_target = column in self._specs
            if not is_target and kinds.get(column) not in FEATURE_KINDS:
                continue
            text = (
                f"{column}  (uses its labels)"
                if is_target
                else f"{column}  ·  {kinds.get(column, '?')}"
            )
            entry = QListWidgetItem(text)
            entry.setData(Qt.ItemDataRole.UserRole, column)
            entry.setFlags(entry.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            chosen = column in (spec.uses_targets if is_target else spec.features)
            entry.setCheckState(Qt.CheckState.Checked if chosen else Qt.CheckState.Unchecked)
            self.features.addItem(entry)
        shown = ", ".join(spec.classes) if spec.classes else "none yet"
        self.classes_label.setText(f"Classes of {spec.name}: {shown}")
        self.features.blockSignals(False)

    def _on_feature_toggled(self, item: QListWidgetItem) -> None:
        spec = self._specs.get(self._selected or "")
        if spec is None:
            return
        column = str(item.data(Qt.ItemDataRole.UserRole))
        on = item.checkState() == Qt.CheckState.Checked
        bucket = spec.uses_targets if column in self._specs else spec.features
        if on and column not in bucket:
            bucket.append(column)
        elif not on and column in bucket:
            bucket.remove(column)

    def _check_all(self, on: bool) -> None:
        for i in range(self.features.count()):
            self.features.item(i).setCheckState(
                Qt.CheckState.Checked if on else Qt.CheckState.Unchecked
            )

    def _on_extra_classes(self) -> None:
        spec = self._specs.get(self._selected or "")
        if spec is None:
            return
        extra = [canonical(c) for c in self.extra_classes.text().split(",")]
        spec.classes = sort_classes(sorted({*spec.classes, *[c for c in extra if c]}))
        self._select_target(self.targets.currentItem())
