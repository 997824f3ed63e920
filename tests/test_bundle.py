"""The bundle: a faithful round trip, the three ways to find the data, and hostile archives."""

from __future__ import annotations

import hashlib
import json
import pickle
import shutil
import stat
import struct
import time
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.cli import main
from app.core import bundle_reader, bundle_zip
from app.core.bundle import (
    MissingDataError,
    export_bundle,
    import_bundle,
    open_bundle,
    read_bundle,
    reproduced,
)
from app.core.bundle_writer import model_json
from app.core.errors import UserError
from app.core.session import LabelingSession
from models.ebm import EBMSettings
from tests.datasets import mixed_file

TARGETS = ["a_label", "b_label"]
LAYOUT = {"dock_state": "AAAA/wAAAAD9", "target": "b_label", "plot": {"color_by": "uncertainty"}}


@dataclass(repr=False)
class Made:
    folder: Path
    data: Path
    bundle: Path  # without the data
    with_data: Path
    labels: dict[str, list[tuple[Any, Any]]]
    proba: dict[str, np.ndarray]
    suggestions: dict[str, list[tuple[Any, float, str]]]
    events: list[Any]


def _suggest(session: LabelingSession) -> dict[str, list[tuple[Any, float, str]]]:
    out = {}
    for target in TARGETS:
        for strategy in ("margin", "committee", "random"):
            picks = session.suggestions(target, 12, strategy)
            out[f"{target}/{strategy}"] = [(s.row_id, s.score, s.reason) for s in picks]
    return out


def _labelled(session: LabelingSession) -> dict[str, list[tuple[Any, Any]]]:
    return {t: list(session.labels(t).items()) for t in TARGETS}


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Made:
    """One labelled, trained session, exported with and without its data."""
    folder = tmp_path_factory.mktemp("made")
    mp = pytest.MonkeyPatch()
    mp.setenv("LABELWRIGHT_HOME", str(folder / "home"))
    try:
        data = mixed_file(folder)
        session = LabelingSession.open(
            data, targets=TARGETS, features={"b_label": ["x1", "x2", "a_label"]}
        )
        session.project.model = EBMSettings.tiny(random_state=3)
        session.project.strategy.seed = 11
        session.project.layout = LAYOUT
        session.project.save()
        ids = session.row_ids()
        session.label(ids[100], "a_label", "pos", annotator="ada")
        session.label(ids[101], "a_label", "neg", annotator="bob", note='odd, "quoted"\nline')
        session.label(ids[102], "b_label", "high", annotator="ada")
        session.undo()
        session.mark_unsure(ids[103], "b_label", note="not sure", annotator="cy")
        session.remove_label(ids[0], "a_label", annotator="ada")
        session.label(ids[0], "a_label", "pos", annotator="ada")
        bundle = folder / "out" / "mixed.lwbundle"
        export_bundle(session, bundle)  # trains first: no model exists yet
        assert all(session.model(t) is not None for t in TARGETS)
        with_data = folder / "out" / "mixed-data.lwbundle"
        export_bundle(session, with_data, include_data=True)
        result = Made(
            folder,
            data,
            bundle,
            with_data,
            _labelled(session),
            {t: session.model(t).proba.copy() for t in TARGETS},  # type: ignore[union-attr]
            _suggest(session),
            list(session.store.events()),
        )
        session.close()
        return result
    finally:
        mp.undo()


def _copy(src: Path, folder: Path, name: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    dst = folder / (name or src.name)
    shutil.copyfile(src, dst)
    return dst


def _check_same_session(made: Made, project_file: Path) -> None:
    session = LabelingSession.open(project_file)
    try:
        assert list(session.store.events()) == made.events
        assert _labelled(session) == made.labels
        session.retrain()
        for t in TARGETS:
            assert np.array_equal(session.model(t).proba, made.proba[t])  # type: ignore[union-attr]
        assert _suggest(session) == made.suggestions
        assert session.project.layout == LAYOUT
        assert session.project.model == EBMSettings.tiny(random_state=3)
        assert session.project.strategy.seed == 11
        bundle = read_bundle(made.bundle)
        assert reproduced(session, bundle) == dict.fromkeys(TARGETS, True)
        for t in TARGETS:
            again = json.loads(model_json(session.model(t).ebm))  # type: ignore[union-attr]
            assert again == bundle.models[t]
    finally:
        session.close()


# -- the round trip and the three data routes ------------------------------------------------


def test_round_trip_with_the_data_beside_the_bundle(made: Made, tmp_path: Path) -> None:
    bundle = _copy(made.bundle, tmp_path / "inbox")
    _copy(made.data, tmp_path / "inbox")
    project = import_bundle(bundle, tmp_path / "proj")
    assert project == tmp_path / "proj" / "mixed.lwproj"
    _check_same_session(made, project)
    manifest = read_bundle(bundle).manifest
    assert manifest["annotators"] == ["ada", "bob", "cy", "data file"]
    assert manifest["schema"]["targets"][1]["uses_targets"] == ["a_label"]
    assert set(manifest["libraries"]) >= {"python", "interpret", "scikit-learn", "numpy", "pandas"}
    assert manifest["dataset"]["rows"] == 240
    assert manifest["model"]["random_state"] == 3 and manifest["strategy"]["seed"] == 11


def test_data_copy_inside_the_bundle(made: Made, tmp_path: Path) -> None:
    bundle = _copy(made.with_data, tmp_path / "inbox")
    project = import_bundle(bundle, tmp_path / "proj")
    assert (tmp_path / "proj" / "mixed.csv").read_bytes() == made.data.read_bytes()
    session = LabelingSession.open(project)
    try:
        assert session.project.data_path.resolve() == (tmp_path / "proj" / "mixed.csv").resolve()
        assert _labelled(session) == made.labels
    finally:
        session.close()


def test_data_found_beside_the_bundle_under_another_name(made: Made, tmp_path: Path) -> None:
    bundle = _copy(made.bundle, tmp_path / "inbox")
    (tmp_path / "inbox" / "decoy.csv").write_text("id,x\n1,2\n")
    renamed = _copy(made.data, tmp_path / "inbox", "renamed.csv")
    project = import_bundle(bundle, tmp_path / "proj")
    session = LabelingSession.open(project)
    try:
        assert session.project.data_path == renamed.resolve()
    finally:
        session.close()


def test_data_given_by_the_user_is_checked(made: Made, tmp_path: Path) -> None:
    bundle = _copy(made.bundle, tmp_path / "inbox")
    with pytest.raises(
        MissingDataError, match=r"needs its data file mixed\.csv \(SHA-256 [0-9a-f]{12}…"
    ):
        import_bundle(bundle, tmp_path / "proj")
    wrong = tmp_path / "elsewhere" / "mixed.csv"
    wrong.parent.mkdir()
    wrong.write_text(made.data.read_text().replace("red", "RED"))
    with pytest.raises(UserError, match="is not the data this bundle was made from"):
        import_bundle(bundle, tmp_path / "proj", data_path=wrong)
    assert not (tmp_path / "proj").exists()
    right = _copy(made.data, tmp_path / "elsewhere", "original.csv")
    project = import_bundle(bundle, tmp_path / "proj", data_path=right)
    _check_same_session(made, project)


def test_open_bundle_imports_beside_it_once(made: Made, tmp_path: Path) -> None:
    bundle = _copy(made.with_data, tmp_path / "inbox")
    session = LabelingSession.open(bundle)
    try:
        assert session.project.path == tmp_path / "inbox" / "mixed-data_project" / "mixed.lwproj"
        assert _labelled(session) == made.labels
        session.label(session.row_ids()[7], "a_label", "neg")
    finally:
        session.close()
    again = LabelingSession.open(bundle)  # reopens the earlier import, new label included
    try:
        assert again.project.path.parent.name == "mixed-data_project"
        assert again.labels("a_label")[again.row_ids()[7]] == "neg"
        assert any("Reopened" in n for n in again.notes)
    finally:
        again.close()


def test_open_bundle_from_a_read_only_folder(
    made: Made, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated_user_dirs: Path
) -> None:
    bundle = _copy(made.with_data, tmp_path / "inbox")
    monkeypatch.setattr("app.core.bundle.os.access", lambda *_a, **_k: False)
    session = open_bundle(LabelingSession, bundle)
    try:
        assert isolated_user_dirs in session.project.path.parents
        assert not (tmp_path / "inbox" / "mixed-data_project").exists()
    finally:
        session.close()


def test_cli_export_and_import(
    made: Made, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x.lwbundle"
    assert main(["bundle", "export", "demo", "--out", str(out)]) == 0
    assert "label events" in capsys.readouterr().out
    assert main(["bundle", "import", str(out), "--into", str(tmp_path / "d")]) == 0
    assert "clinic.lwproj" in capsys.readouterr().out  # the demo's own data was found
    session = LabelingSession.open(tmp_path / "d" / "clinic.lwproj")
    try:
        assert session.labels("DM_label") and session.project.layout == {}
    finally:
        session.close()
    # A second import of the same bundle (say, a re-run after a crash) changes nothing.
    assert main(["bundle", "import", str(out), "--into", str(tmp_path / "d")]) == 0
    assert "already imported" in capsys.readouterr().out
    other = tmp_path / "y.lwbundle"  # another bundle (its manifest has another time stamp)
    time.sleep(1.1)
    assert main(["bundle", "export", "demo", "--out", str(other)]) == 0
    capsys.readouterr()
    assert main(["bundle", "import", str(other), "--into", str(tmp_path / "d")]) == 2
    assert "already holds a project" in capsys.readouterr().err
    assert main(["bundle", "export", "demo", "--out", str(tmp_path / "x.zip")]) == 2
    assert main(["bundle", "import", str(tmp_path / "none.lwbundle"), "--into", "d"]) == 2


# -- hostile bundles --------------------------------------------------------------------------


def _members(path: Path) -> tuple[dict[str, Any], dict[str, bytes]]:
    with zipfile.ZipFile(path) as zf:
        blobs = {n: zf.read(n) for n in zf.namelist()}
    return json.loads(blobs.pop("manifest.json")), blobs


def _write_zip(
    path: Path,
    manifest: dict[str, Any] | bytes,
    blobs: dict[str, bytes],
    *,
    fix_checksums: bool = True,
    extra: Callable[[zipfile.ZipFile], None] | None = None,
) -> Path:
    if fix_checksums and isinstance(manifest, dict):
        manifest["members"] = {
            n: {"sha256": hashlib.sha256(b).hexdigest(), "bytes": len(b)} for n, b in blobs.items()
        }
    raw = manifest if isinstance(manifest, bytes) else json.dumps(manifest).encode()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate names we craft
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("manifest.json", raw)
            for name, blob in blobs.items():
                zf.writestr(name, blob)
            if extra is not None:
                extra(zf)
    return path


def _symlink(zf: zipfile.ZipFile) -> None:
    info = zipfile.ZipInfo("models/link.json")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    zf.writestr(info, "/etc/passwd")


# name -> (how to break a valid bundle, expected words in the message)
Mutation = Callable[[Made, Path], Path]


def _mutate(change: Callable[[dict[str, Any], dict[str, bytes]], None], **kw: Any) -> Mutation:
    def build(made: Made, path: Path) -> Path:
        manifest, blobs = _members(made.with_data)
        change(manifest, blobs)
        return _write_zip(path, manifest, blobs, **kw)

    return build


def _raw(data: bytes) -> Mutation:
    def build(made: Made, path: Path) -> Path:
        path.write_bytes(data)
        return path

    return build


def _add(name: str, blob: bytes) -> Mutation:
    return _mutate(lambda m, b: b.__setitem__(name, blob))


def _extra(fn: Callable[[zipfile.ZipFile], None]) -> Mutation:
    def build(made: Made, path: Path) -> Path:
        manifest, blobs = _members(made.with_data)
        return _write_zip(path, manifest, blobs, extra=fn)

    return build


def _set(*keys: str, value: Any) -> Callable[[dict[str, Any], dict[str, bytes]], None]:
    def change(manifest: dict[str, Any], blobs: dict[str, bytes]) -> None:
        doc = manifest
        for k in keys[:-1]:
            doc = doc[k]
        doc[keys[-1]] = value

    return change


def _patch_headers(path: Path, name: bytes, local: tuple[int, str, int], central: int) -> None:
    """Overwrite one field of a member's local and central headers (offset, format, value)."""
    raw = bytearray(path.read_bytes())
    offset, fmt, value = local
    for sig, name_at, field_at in ((b"PK\x03\x04", 30, offset), (b"PK\x01\x02", 46, central)):
        at = raw.find(sig)
        while at != -1:
            if raw[at + name_at : at + name_at + len(name)] == name:
                struct.pack_into(fmt, raw, at + field_at, value)
            at = raw.find(sig, at + 4)
    path.write_bytes(bytes(raw))


def _lying_size(made: Made, path: Path) -> Path:
    """Headers that declare 10 bytes for a member that inflates to 2 MiB."""
    manifest, blobs = _members(made.with_data)
    blobs["models/big.json"] = b" " * (2 * 1024 * 1024)
    _write_zip(path, manifest, blobs)
    manifest["members"]["models/big.json"] = {"sha256": "0" * 64, "bytes": 10}
    _write_zip(path, manifest, blobs, fix_checksums=False)
    _patch_headers(path, b"models/big.json", (22, "<I", 10), 24)
    return path


def _encrypted(made: Made, path: Path) -> Path:
    """The 'encrypted' flag set on a listed member (zipfile cannot write real encryption)."""
    manifest, blobs = _members(made.with_data)
    _write_zip(path, manifest, blobs)
    _patch_headers(path, b"labels.csv", (6, "<H", 0x9), 8)
    return path


def _unknown_class(m: dict[str, Any], b: dict[str, bytes]) -> None:
    b["labels.csv"] += b"999,k5,a_label,maybe,0,,human,,,1.0,\n"


def _unknown_target(m: dict[str, Any], b: dict[str, bytes]) -> None:
    b["labels.csv"] += b"999,k5,z_label,pos,0,,human,,,1.0,\n"


def _bad_model_json(m: dict[str, Any], b: dict[str, bytes]) -> None:
    b["models/a_label.json"] = b'{"version": "1.0", "ebm": {'


def _pickled_model(m: dict[str, Any], b: dict[str, bytes]) -> None:
    b["models/a_label.json"] = pickle.dumps({"ebm": "surprise"})


def _tampered_labels(m: dict[str, Any], b: dict[str, bytes]) -> None:
    b["labels.csv"] = b["labels.csv"].replace(b",pos,", b",neg,", 1)


def _tampered_data(m: dict[str, Any], b: dict[str, bytes]) -> None:
    b["data/mixed.csv"] = b["data/mixed.csv"].replace(b"red", b"RED", 1)


def _duplicate(zf: zipfile.ZipFile) -> None:
    zf.writestr("labels.csv", b"id\n")


HOSTILE: dict[str, tuple[Mutation, str]] = {
    "traversal": (_add("../evil.json", b"{}"), "unsafe path '../evil.json'"),
    "nested traversal": (_add("models/../../x.json", b"{}"), "unsafe path"),
    "absolute": (_add("/etc/cron.d/evil", b"x"), "unsafe path '/etc/cron.d/evil'"),
    "backslash": (_add("models\\..\\evil.json", b"{}"), "unsafe path"),
    "drive letter": (_add("C:/evil.json", b"{}"), "unsafe path"),
    "symlink": (_extra(_symlink), "symbolic link"),
    "encrypted": (_encrypted, "encrypted member 'labels.csv'"),
    "zip bomb": (_add("models/bomb.json", b" " * (20 * 1024 * 1024)), "the mark of a zip bomb"),
    "lying size": (_lying_size, "is damaged (Bad CRC-32"),
    "pickle name": (_add("models/a_label.pkl", pickle.dumps(1)), "pickled Python object"),
    "pickle bytes": (_mutate(_pickled_model), "pickled Python data"),
    "unknown member": (_add("scripts/run.py", b"import os"), "unexpected member 'scripts/run.py'"),
    "second data file": (_add("data/other.csv", b"a\n1\n"), "more than one data file"),
    "duplicate": (_extra(_duplicate), "holds the member 'labels.csv' twice"),
    "newer version": (_mutate(_set("version", value=2)), "uses bundle format version 2"),
    "not a bundle format": (_mutate(_set("format", value="zip")), "its manifest says format"),
    "bad manifest json": (
        lambda made, p: _write_zip(p, b'{"format": "labelwright-bundle",', {}),
        "manifest.json that is not valid JSON",
    ),
    "bad model json": (_mutate(_bad_model_json), "models/a_label.json that is not valid JSON"),
    "bad field": (_mutate(_set("model", "outer_bags", value=10**9)), "model.outer_bags must be"),
    "cycle": (
        _mutate(_set("schema", "targets", 0, "uses_targets", value=["b_label"])),
        "depend on each other in a cycle",
    ),
    "checksum": (_mutate(_tampered_labels, fix_checksums=False), "does not match its checksum"),
    "data checksum": (_mutate(_tampered_data), "does not match the dataset checksum"),
    "unknown class": (_mutate(_unknown_class), "label 'maybe' (event 999"),
    "unknown target": (_mutate(_unknown_target), "for the target 'z_label'"),
    "bad event": (_mutate(lambda m, b: b.__setitem__("labels.csv", b"id\n")), "columns are not"),
    "unlisted member": (
        _mutate(lambda m, b: b.__setitem__("models/x.json", b"{}"), fix_checksums=False),
        "its manifest does not list",
    ),
    "not a zip": (_raw(b"just some text, not a zip at all"), "is not a zip archive"),
    "empty file": (_raw(b""), "is not a zip archive"),
}


def _no_manifest(made: Made, path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("labels.csv", b"id\n")
    return path


HOSTILE["no manifest"] = (_no_manifest, "has no manifest.json")


def _unknown_ids(made: Made, path: Path) -> Path:
    manifest, blobs = _members(made.with_data)
    blobs["labels.csv"] += b"999,nobody,a_label,pos,0,,human,,,1.0,\n"
    return _write_zip(path, manifest, blobs)


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_bundle_is_refused_before_writing(
    case: str, made: Made, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    build, words = HOSTILE[case]
    path = build(made, tmp_path / "evil.lwbundle")
    with pytest.raises(UserError) as info:
        read_bundle(path)
    assert words in str(info.value)
    into = tmp_path / "into"
    assert main(["bundle", "import", str(path), "--into", str(into)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == str(info.value)
    assert "\n" not in err and err.endswith(".") and err.count("; ") >= 1
    assert not into.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["evil.lwbundle"]


def test_labels_naming_unknown_ids_are_refused(made: Made, tmp_path: Path) -> None:
    path = _unknown_ids(made, tmp_path / "evil.lwbundle")
    read_bundle(path)  # ids need the data: the import catches them
    with pytest.raises(UserError, match=r"sample id\(s\) that are not in the data.*'nobody'"):
        import_bundle(path, tmp_path / "into")
    assert not (tmp_path / "into").exists()
    assert main(["bundle", "import", str(path), "--into", str(tmp_path / "into")]) == 2
    assert not (tmp_path / "into").exists()


def test_a_target_that_cannot_learn_yet_has_no_model(tmp_path: Path) -> None:
    data = tmp_path / "one.csv"
    data.write_text("id,x,label\n1,0.5,yes\n2,0.7,\n3,0.1,\n")
    session = LabelingSession.open(data, targets=["label"])
    try:
        export_bundle(session, tmp_path / "one.lwbundle")
    finally:
        session.close()
    assert read_bundle(tmp_path / "one.lwbundle").models == {}
    project = import_bundle(tmp_path / "one.lwbundle", tmp_path / "into")
    LabelingSession.open(project).close()


def test_very_compressible_data_is_stored_not_deflated(tmp_path: Path) -> None:
    """Otherwise the importer's zip-bomb ratio check would refuse the sender's own data."""
    from app.core.bundle_writer import _data_compression

    dull = tmp_path / "dull.csv"
    dull.write_bytes(b"0,0,0,0\n" * 400_000)
    assert _data_compression(dull) == zipfile.ZIP_STORED
    lively = tmp_path / "lively.csv"
    lively.write_text("\n".join(f"{i},{i * 7919 % 10007}" for i in range(50_000)))
    assert _data_compression(lively) == zipfile.ZIP_DEFLATED


def test_oversized_member_by_declared_size(
    made: Made, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bundle_zip, "MAX_MEMBER_BYTES", 1000)
    with pytest.raises(UserError, match=r"more than the \d+ MiB limit"):
        read_bundle(made.bundle)
    monkeypatch.setattr(bundle_zip, "MAX_TOTAL_BYTES", 5000)
    with pytest.raises(UserError, match="limit"):
        read_bundle(made.with_data)


def test_import_into_a_folder_with_a_different_data_file(made: Made, tmp_path: Path) -> None:
    into = tmp_path / "into"
    into.mkdir()
    (into / "mixed.csv").write_text("id\n1\n")
    with pytest.raises(UserError, match=r"already has a different file named mixed\.csv"):
        import_bundle(made.with_data, into)
    assert [p.name for p in into.iterdir()] == ["mixed.csv"]


# -- fuzzing: only UserError may ever escape ---------------------------------------------------

FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _only_user_errors(path: Path) -> None:
    try:
        read_bundle(path)
    except UserError as exc:
        assert "\n" not in str(exc)


@FUZZ
@given(st.binary(max_size=400))
def test_fuzz_random_bytes(tmp_path: Path, blob: bytes) -> None:
    path = tmp_path / "fuzz.lwbundle"
    path.write_bytes(b"PK\x03\x04" + blob if blob[:1] == b"\x00" else blob)
    _only_user_errors(path)


@FUZZ
@given(
    st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), min_size=1, max_size=6),
    st.none() | st.floats(0, 1),
)
def test_fuzz_mutated_bytes(
    made: Made, tmp_path: Path, flips: list[tuple[float, int]], cut: float | None
) -> None:
    raw = bytearray(made.with_data.read_bytes())
    for where, value in flips:
        raw[int(where * (len(raw) - 1))] = value
    if cut is not None:
        raw = raw[: int(cut * len(raw))]
    path = tmp_path / "fuzz.lwbundle"
    path.write_bytes(bytes(raw))
    _only_user_errors(path)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)


@FUZZ
@given(st.data())
def test_fuzz_manifest_and_labels(made: Made, tmp_path: Path, data: st.DataObject) -> None:
    """Valid zips with valid checksums whose manifest fields or label lines are nonsense."""
    manifest, blobs = _members(made.bundle)
    for _ in range(data.draw(st.integers(1, 3))):
        doc: Any = manifest
        while isinstance(doc, dict | list) and doc and data.draw(st.booleans()):
            keys = list(doc) if isinstance(doc, dict) else list(range(len(doc)))
            key = data.draw(st.sampled_from(keys))
            if not isinstance(doc[key], dict | list) or not doc[key]:
                break
            doc = doc[key]
        if doc and isinstance(doc, dict | list):
            keys = sorted(doc) if isinstance(doc, dict) else list(range(len(doc)))
            doc[data.draw(st.sampled_from(keys))] = data.draw(_json)
    lines = blobs["labels.csv"].decode().splitlines(keepends=True)
    if data.draw(st.booleans()):
        at = data.draw(st.integers(0, len(lines) - 1))
        fields = lines[at].rstrip("\n").split(",")
        fields[data.draw(st.integers(0, len(fields) - 1))] = data.draw(st.text(max_size=12))
        lines[at] = ",".join(fields) + "\n"
    blobs["labels.csv"] = "".join(lines).encode("utf-8", "surrogatepass")
    path = _write_zip(tmp_path / "fuzz.lwbundle", manifest, blobs)
    _only_user_errors(path)


def test_reader_never_imports_pickle_machinery(made: Made) -> None:
    """A cheap guard: the reader's code has no pickle, eval, exec or dynamic import."""
    import app.core.bundle_checks as checks

    for module in (bundle_reader, bundle_zip, checks):
        source = Path(module.__file__ or "").read_text()
        for word in ("pickle.load", "eval(", "exec(", "__import__", "importlib", "np.load"):
            assert word not in source


def test_a_demo_bundle_without_data_opens_where_the_demo_never_ran(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.cli import main

    out = tmp_path / "demo.lwbundle"
    assert main(["bundle", "export", "demo", "--out", str(out)]) == 0
    monkeypatch.setenv("LABELWRIGHT_HOME", str(tmp_path / "colleague"))
    assert main(["bundle", "import", str(out), "--into", str(tmp_path / "imported")]) == 0
