"""The setup dialog's targets, their features and its notes, as a mixin of ``SetupDialog``.

Ticking a column makes it a target with its classes and default features (the
most informative ``MAX_DEFAULT_FEATURES`` of a wide table, or all of them when
the user chose so); the features list edits the selected target. The notes say
when a wide table starts with fewer features, when classes differ only in case
or spaces, and when a column looks like the id while the app numbers the rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QRadioButton,
)

from app.core.schema import TargetSpec, canonical_class, sort_classes
from app.gui.setup_guess import (
    FEATURE_KINDS,
    case_variant_sentence,
    case_variants,
    kind_word,
    target_candidates,
)

if TYPE_CHECKING:
    import pandas as pd


class TargetEditing:
    """Targets and features of the schema being set up (mixed into ``SetupDialog``)."""

    _data: pd.DataFrame
    _columns: list[str]
    _id: str
    _kinds: dict[str, str]
    _specs: dict[str, TargetSpec]
    _proposed: str
    _selected: str | None
    targets: QListWidget
    features: QListWidget
    classes_label: QLabel
    extra_classes: QLineEdit
    target_hint: QLabel
    notes: QLabel
    width_box: QGroupBox
    width_text: QLabel
    use_all: QRadioButton
    sheet_combo: QComboBox

    def _drop_feature(self, column: str) -> None:
        for spec in self._specs.values():
            spec.features = [f for f in spec.features if f != column]

    def _drop_target(self, column: str) -> None:
        if self._specs.pop(column, None) is not None:
            for spec in self._specs.values():
                spec.uses_targets = [t for t in spec.uses_targets if t != column]

    # -- targets ----------------------------------------------------------------------------
    def _fill_targets(self) -> None:
        candidates = target_candidates(self._data, self._kinds, self._id)
        shown = [c for c in self._columns if c in candidates or c in self._specs]
        keep = self._selected
        self.targets.blockSignals(True)
        self.targets.clear()
        for name in shown:
            text = f"{name}  (proposed)" if name == self._proposed else name
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(
                Qt.CheckState.Checked if name in self._specs else Qt.CheckState.Unchecked
            )
            self.targets.addItem(item)
        self.targets.blockSignals(False)
        hidden = len(self._columns) - len(shown) - 1
        self.target_hint.setText(
            f"{hidden:,} column(s) are not offered: measurements, free text, ids and images; "
            "make one a category to offer it."
            if hidden > 0
            else ""
        )
        pick = keep if keep in self._specs else next((c for c in shown if c in self._specs), None)
        current = self._target_item(pick) if pick else None
        if current is not None:
            self.targets.setCurrentItem(current)
        self._select_target(current)
        self._update_notes()

    def _target_item(self, name: str) -> QListWidgetItem | None:
        for i in range(self.targets.count()):
            if self.targets.item(i).data(Qt.ItemDataRole.UserRole) == name:
                return self.targets.item(i)
        return None

    def _on_target_toggled(self, item: QListWidgetItem) -> None:
        name = str(item.data(Qt.ItemDataRole.UserRole))
        if item.checkState() == Qt.CheckState.Checked and name not in self._specs:
            self._specs[name] = self._new_spec(name)
            self._drop_feature(name)
        elif item.checkState() != Qt.CheckState.Checked:
            self._drop_target(name)
        self.targets.setCurrentItem(item)
        self._select_target(item)
        self._update_notes()

    def _new_spec(self, name: str) -> TargetSpec:
        return TargetSpec(name, self._classes_in(name), self._default_features(name))

    def _classes_in(self, column: str) -> list[str]:
        values = {canonical_class(v) for v in self._data[column].tolist()} - {None}
        return sort_classes(sorted(v for v in values if v is not None))

    def _usable(self, targets: list[str]) -> list[str]:
        from app.core.opening import usable_features

        return usable_features(self._data, self._id, targets, self._kinds)

    def _default_features(self, target: str) -> list[str]:
        from models.feature_choice import choose_features

        usable = self._usable([*self._specs, target])
        if self.use_all.isChecked():
            return usable
        return choose_features(self._data, usable, self._kinds, self._data[target])

    # -- features of the selected target ----------------------------------------------------
    def _select_target(self, item: QListWidgetItem | None) -> None:
        name = str(item.data(Qt.ItemDataRole.UserRole)) if item is not None else None
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
        for column in self._columns:
            if column in (spec.name, self._id):
                continue
            is_target = column in self._specs
            kind = self._kinds.get(column)
            if not is_target and kind not in FEATURE_KINDS:
                continue
            word = kind_word(kind or "")
            text = f"{column}  (uses its labels)" if is_target else f"{column}  ·  {word}"
            entry = QListWidgetItem(text)
            entry.setData(Qt.ItemDataRole.UserRole, column)
            entry.setFlags(entry.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            chosen = column in (spec.uses_targets if is_target else spec.features)
            entry.setCheckState(Qt.CheckState.Checked if chosen else Qt.CheckState.Unchecked)
            self.features.addItem(entry)
        shown = ", ".join(spec.classes[:30]) if spec.classes else "none yet"
        more = f" and {len(spec.classes) - 30} more" if len(spec.classes) > 30 else ""
        self.classes_label.setText(
            f"{len(spec.features)} features. Classes of {spec.name}: {shown}{more}"
        )
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
        self._update_notes()

    def _check_all(self, on: bool) -> None:
        for i in range(self.features.count()):
            self.features.item(i).setCheckState(
                Qt.CheckState.Checked if on else Qt.CheckState.Unchecked
            )

    def _on_extra_classes(self) -> None:
        spec = self._specs.get(self._selected or "")
        if spec is None:
            return
        extra = [canonical_class(c) for c in self.extra_classes.text().split(",")]
        spec.classes = sort_classes(sorted({*spec.classes, *[c for c in extra if c]}))
        self._select_target(self.targets.currentItem())

    # -- notes: a wide table, classes spelled two ways, what loading noticed ----------------
    def _apply_width(self) -> None:
        for name, spec in self._specs.items():
            spec.features = self._default_features(name)
        self._select_target(self.targets.currentItem())
        self._update_notes()

    def _update_notes(self) -> None:
        from models.feature_choice import MAX_DEFAULT_FEATURES

        usable = len(self._usable(list(self._specs)))
        wide = usable > MAX_DEFAULT_FEATURES
        self.width_box.setVisible(wide)
        if wide:
            counts = sorted({len(s.features) for s in self._specs.values()})
            now = " / ".join(str(n) for n in counts) if counts else "no"
            self.use_all.setText(f"Use all {usable:,} (slow)")
            self.width_text.setText(
                f"The table has {usable:,} columns a model can learn from. Training time grows "
                f"with every column, so each target starts with the {MAX_DEFAULT_FEATURES} "
                f"that best tell its classes apart (now {now} features); the model's quality "
                "is shown as you label, and you can tick other features below."
            )
        lines = []
        for name in self._specs:
            groups = case_variants(self._data, name)
            if groups:
                lines.append(case_variant_sentence(name, groups))
        notes = [n for n in self._data.attrs.get("load_notes", []) if "Loaded sheet" not in n]
        if self.sheet_combo.count() > 1:
            lines.append(
                f"This workbook has {self.sheet_combo.count()} sheets; the Sheet list above "
                "chooses the one to label."
            )
        naming = self._naming_column()
        if naming is not None:
            lines.append(
                f"“{naming}” has a different value in every row; if it names the samples, "
                "choose it as the id column (the rows are numbered now)."
            )
        self.notes.setText("\n".join([*lines, *notes]))
        self.notes.setVisible(bool(lines or notes))

    def _naming_column(self) -> str | None:
        """A complete text column with unique values while the app numbers the rows."""
        if not self._data.attrs.get("numbered_id") or self._id != self._columns[0]:
            return None
        for column in self._columns[1:]:
            values = self._data[column]
            if self._kinds.get(column) == "text" and values.notna().all() and values.is_unique:
                return column
        return None
