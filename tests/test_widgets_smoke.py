"""Every widget class in ``widgets/``: build, show, shrink to its minimum size hint, grab.

The list is discovered, not written down, so a new widget is smoke-tested the
day it is added. Widgets whose constructor needs arguments get them from
``FACTORIES``; a widget that needs arguments and is missing there fails loudly.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from PySide6.QtWidgets import QWidget

import widgets

FACTORIES: dict[str, Callable[[], QWidget]] = {
    "QueueList": lambda: _queue_list(),
}


def _queue_list() -> QWidget:
    from widgets.queue_list import QueueList

    return QueueList(["#", "Sample", "Why"], tag_column=2)


def widget_classes() -> list[type[QWidget]]:
    found: dict[str, type[QWidget]] = {}
    for info in pkgutil.iter_modules(widgets.__path__):
        module = importlib.import_module(f"widgets.{info.name}")
        for name, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, QWidget) and obj.__module__ == module.__name__:
                found[f"{module.__name__}.{name}"] = obj
    return [found[k] for k in sorted(found)]


CLASSES = widget_classes()


def test_the_discovery_finds_the_labelling_widgets() -> None:
    names = {c.__name__ for c in CLASSES}
    assert {"SamplesTable", "SampleView", "SuggestionQueue", "ReviewQueue", "LabelBar"} <= names


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: f"{c.__module__}.{c.__name__}")
def test_widget_builds_shows_shrinks_and_grabs(qtbot: Any, cls: type[QWidget]) -> None:
    factory = FACTORIES.get(cls.__name__, cls)
    widget = factory()
    qtbot.addWidget(widget)
    widget.show()
    hint = widget.minimumSizeHint()
    size = hint if hint.isValid() and not hint.isEmpty() else widget.sizeHint()
    if size.isValid() and not size.isEmpty():
        widget.resize(size)
    image = widget.grab()
    assert not image.isNull()
    assert image.width() > 0 and image.height() > 0


def _entries() -> list[Any]:
    from app.core.session_queues import ReviewEntry, SuggestionEntry

    sugg = [SuggestionEntry(f"P{i}", i, 0.9, "uncertain", "yes", 0.55) for i in range(5)]
    review = [ReviewEntry(f"P{i}", i, "no", "yes", 0.8, i == 0) for i in range(3)]
    return [sugg, review]


def test_fed_widgets_render_their_content(qtbot: Any) -> None:
    from widgets.label_bar import LabelBar
    from widgets.review_queue import ReviewQueue
    from widgets.sample_view import FeatureFact, SampleView
    from widgets.samples_table import SamplesTable
    from widgets.samples_table_model import empty_target
    from widgets.suggestion_queue import SuggestionQueue

    sugg, review = _entries()
    queue = SuggestionQueue()
    queue.set_strategies(["margin", "random"], "random")
    queue.set_entries(sugg)
    assert queue.positions() == [0, 1, 2, 3, 4] and queue.current_strategy() == "random"
    assert queue.remove_position(2) == 2 and queue.position_at(2) == 3

    rq = ReviewQueue()
    rq.set_entries(review)
    assert rq.positions() == [0, 1, 2]

    bar = LabelBar()
    bar.set_classes(["no", "yes"])
    bar.set_state("no", False, "yes", 0.8)
    assert bar.button(0).isChecked() and "yes" in bar.accept_button.text()
    chosen: list[int] = []
    bar.sig_class_chosen.connect(chosen.append)
    bar.button(1).click()
    assert chosen == [1]

    view = SampleView()
    view.set_sample(
        "P1",
        "row 1",
        [FeatureFact("age", 42.0, 55.0), FeatureFact("bmi", None)],
        image=np.arange(64, dtype=float).reshape(8, 8),
    )
    assert view.values() == {"age": "42", "bmi": "missing"}
    assert view.has_image()

    table = SamplesTable()
    n = 1000
    table.set_table(
        np.array([f"P{i}" for i in range(n)], dtype=object), {"age": np.arange(n, dtype=float)}
    )
    arrays = empty_target(n)
    table.set_target("t", arrays, ["a", "b"])
    table.set_current_target("t", ["age"])
    table.set_label("t", 3, "b", False, "human")
    for widget in (queue, rq, bar, view, table):
        qtbot.addWidget(widget)
        widget.show()
        assert not widget.grab().isNull()
    table.filter_edit.setText("t = b")
    table.apply_filter()
    assert table.visible_positions().tolist() == [3]


def test_the_table_model_stays_lazy_at_a_million_rows(qtbot: Any) -> None:
    import time

    from widgets.samples_table import SamplesTable
    from widgets.samples_table_model import empty_target

    n = 1_000_000
    table = SamplesTable()
    qtbot.addWidget(table)
    ids = np.arange(n).astype(str).astype(object)
    rng = np.random.default_rng(0)
    start = time.perf_counter()
    table.set_table(
        ids, {"x": rng.random(n), "kind": rng.choice(np.array(["a", "b"], dtype=object), n)}
    )
    table.set_target("t", empty_target(n), ["a", "b"])
    table.set_current_target("t", ["x"])
    table.show()
    table.grab()
    built = time.perf_counter() - start
    column = next(i for i, c in enumerate(table.model.columns) if c.key == "x")
    start = time.perf_counter()
    table._on_header_clicked(column)
    sorted_in = time.perf_counter() - start
    xs = table.model.features["x"][table.visible_positions()[:1000]]
    assert np.all(np.diff(xs) >= 0)
    table.filter_edit.setText("x > 0.5")
    start = time.perf_counter()
    table.apply_filter()
    filtered_in = time.perf_counter() - start
    assert abs(table.model.rowCount() - n / 2) < n * 0.01
    # Generous bounds: the point is "no per-row Python", not a benchmark.
    assert built < 5 and sorted_in < 5 and filtered_in < 5


def test_digit_classes_get_their_own_keys() -> None:
    from widgets.label_bar import class_keys

    digits = [str(d) for d in range(10)]
    assert class_keys(digits) == digits  # key 3 labels class 3, key 0 class 0
    assert class_keys(["no", "yes"]) == ["1", "2"]
    many = [f"c{i}" for i in range(11)]
    assert class_keys(many)[:9] == [str(i) for i in range(1, 10)]
    assert class_keys(many)[9:] == [None, None]
