from __future__ import annotations

from pathlib import Path

import pytest

from app.core.label_store import LabelState, LabelStore


def test_latest_event_is_the_current_label(tmp_path: Path) -> None:
    store = LabelStore(tmp_path / "l.db")
    store.append("1", "t", "a", annotator="ann")
    store.append("1", "t", "b", annotator="ann")
    store.append("2", "t", "a")
    assert store.labels("t") == {"1": "b", "2": "a"}
    assert store.count() == 3
    assert store.version == 3
    assert store.annotators() == ["ann"]


def test_removal_and_unsure_are_events(tmp_path: Path) -> None:
    store = LabelStore(tmp_path / "l.db")
    store.append("1", "t", "a")
    store.append("1", "t", None)
    store.append("2", "t", None, unsure=True)
    assert store.labels("t") == {}
    assert store.unsure("t") == {"2"}
    assert store.state("2", "t") == LabelState(None, True)
    assert [e.label for e in store.events("t")] == ["a", None, None]


def test_events_survive_reopen_and_integrity(tmp_path: Path) -> None:
    store = LabelStore(tmp_path / "l.db")
    store.append_many([("1", "t", "a", False), ("2", "t", "b", True)], source="import")
    store.close()
    again = LabelStore(tmp_path / "l.db")
    assert again.labels("t") == {"1": "a", "2": "b"}
    assert again.unsure("t") == {"2"}
    assert again.integrity_ok()
    mode = again._conn.execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_unknown_source_is_refused(tmp_path: Path) -> None:
    store = LabelStore(tmp_path / "l.db")
    with pytest.raises(ValueError):
        store.append("1", "t", "a", source="telepathy")
    assert store.count() == 0


def test_newer_schema_version_is_refused(tmp_path: Path) -> None:
    from app.core.label_store import StoreError

    store = LabelStore(tmp_path / "l.db")
    store._conn.execute("UPDATE meta SET value='99' WHERE key='schema_version'")
    store.close()
    with pytest.raises(StoreError, match="newer Labelwright"):
        LabelStore(tmp_path / "l.db")
