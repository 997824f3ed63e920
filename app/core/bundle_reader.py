"""Read a ``.lwbundle`` from a stranger without trusting a byte of it.

A bundle arrives by e-mail or a shared folder, so it is hostile until proven
otherwise. ``read_bundle`` checks everything it can without the data file, in
memory and before anything is written: the zip's structure (names, links,
sizes, compression ratios, overlaps), the manifest, every member's checksum,
and every label event against the schema. Nothing is ever unpickled or run;
model files are parsed as plain JSON only.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.core import bundle_zip as bz
from app.core.bundle_checks import (
    RESEND,
    BundleError,
    DatasetRef,
    InvalidFieldError,
    check_events,
    dataset_ref,
    model_settings,
    parse_json,
    parse_labels,
    schema_from,
    show,
    str_list,
    strategy_settings,
    want_int,
    want_obj,
    want_str,
)
from app.core.bundle_images import PREFIX as IMAGES
from app.core.bundle_zip import (
    LABELS,
    MANIFEST,
    ZIP_ERRORS,
    check_directory_size,
    check_structure,
    damaged,
    read_member,
    stream,
)
from app.core.errors import UserError
from app.core.label_store import LabelEvent
from app.core.schema import Schema
from app.core.strategy_settings import StrategySettings
from models.ebm import EBMSettings

FORMAT = "labelwright-bundle"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class ValidatedBundle:
    """A bundle that passed every check that does not need the data file."""

    path: Path
    manifest: dict[str, Any]
    project_name: str
    dataset: DatasetRef
    schema: Schema
    model: EBMSettings
    strategy: StrategySettings
    layout: dict[str, Any]
    annotators: list[str]
    libraries: dict[str, str]
    events: list[LabelEvent]
    models: dict[str, dict[str, Any]] = field(default_factory=dict)  # target -> interpret JSON
    images: tuple[str, ...] = ()  # images/<path> members that travel with the data copy

    def refuse(self, problem: str, fix: str = RESEND) -> UserError:
        return BundleError.make(self.path, problem, fix)

    def extract_data(self, dest: Path) -> None:
        """Stream the data copy to ``dest``, checking its SHA-256 again on the way.

        Re-checking closes the gap between validation and extraction: the
        bundle file might have been replaced in between.
        """
        member = self.dataset.member
        if member is None:
            raise ValueError("this bundle holds no data copy")
        try:
            with zipfile.ZipFile(self.path) as zf, dest.open("wb") as out:
                info = zf.getinfo(member)
                digest = stream(self.path, zf, info, info.file_size, out)
        except BundleError:
            raise
        except ZIP_ERRORS as exc:
            raise damaged(self.path, exc) from exc
        if digest != self.dataset.sha256:
            raise self.refuse(
                f"changed while it was imported ({member} no longer matches its checksum)",
                "try the import again",
            )

    def extract_images(self, root: Path) -> list[str]:
        """Write every image member under ``root`` by its relative path; returns the top
        level names written. Each is checked against its manifest checksum again."""
        tops: list[str] = []
        try:
            with zipfile.ZipFile(self.path) as zf:
                for member in self.images:
                    relative = member[len(IMAGES) :]
                    dest = root / relative
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    with dest.open("wb") as out:
                        info = zf.getinfo(member)
                        digest = stream(self.path, zf, info, info.file_size, out)
                    if digest != self.manifest["members"][member]["sha256"]:
                        raise self.refuse(
                            f"changed while it was imported ({show(member)} no longer matches "
                            "its checksum)",
                            "try the import again",
                        )
                    top = relative.split("/", 1)[0]
                    if top not in tops:
                        tops.append(top)
        except BundleError:
            raise
        except ZIP_ERRORS as exc:
            raise damaged(self.path, exc) from exc
        return tops


def _refuse(path: Path, problem: str, fix: str = RESEND) -> UserError:
    return BundleError.make(path, problem, fix)


def read_bundle(path: str | Path) -> ValidatedBundle:
    """Validate a bundle completely in memory; only ``UserError`` ever escapes."""
    p = Path(path)
    try:
        is_file = p.is_file()
    except OSError:
        is_file = False
    if not is_file:
        what = "is a folder" if p.is_dir() else "does not exist"
        raise UserError(f"The bundle {p} {what}; choose a .lwbundle file.")
    try:
        with p.open("rb") as fh:
            head = fh.read(4)
        if not head.startswith(b"PK") or not zipfile.is_zipfile(p):
            raise _refuse(
                p,
                "is not a zip archive (so not a Labelwright bundle)",
                "choose a .lwbundle file that Labelwright exported",
            )
        check_directory_size(p)
        with zipfile.ZipFile(p) as zf:
            return _read(p, zf)
    except BundleError:
        raise
    except PermissionError as exc:
        raise UserError(
            f"You do not have permission to read the bundle {p.name}; copy it to a folder "
            "you can read."
        ) from exc
    except ZIP_ERRORS as exc:
        raise damaged(p, exc) from exc
    except RecursionError as exc:  # absurdly nested JSON
        raise _refuse(p, "holds JSON nested too deeply to be a real bundle") from exc


def _read(p: Path, zf: zipfile.ZipFile) -> ValidatedBundle:
    infos = check_structure(p, zf)
    if MANIFEST not in infos:
        raise _refuse(p, "has no manifest.json (so it is not a Labelwright bundle)")
    raw = read_member(p, zf, infos[MANIFEST], bz.MAX_MEMBER_BYTES)
    manifest = parse_json(p, MANIFEST, raw)
    try:
        return _validated(p, zf, infos, manifest)
    except InvalidFieldError as exc:
        raise _refuse(p, f"has an invalid manifest.json ({exc})") from exc


def _validated(
    p: Path, zf: zipfile.ZipFile, infos: dict[str, zipfile.ZipInfo], manifest: Any
) -> ValidatedBundle:
    doc = want_obj(manifest, "the manifest")
    if doc.get("format") != FORMAT:
        fmt = show(str(doc.get("format")))
        raise _refuse(p, f"is not a Labelwright bundle (its manifest says format '{fmt}')")
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version != FORMAT_VERSION:
        raise _refuse(
            p,
            f"uses bundle format version {show(repr(version))}, and this Labelwright reads "
            f"only version {FORMAT_VERSION}",
            "update Labelwright, or ask the sender to export it with this version",
        )
    members = _check_checksums(p, zf, infos, doc)
    dataset = dataset_ref(doc.get("dataset"), members.get("data"))
    if dataset.member is not None and members["data_sha"] != dataset.sha256:
        raise _refuse(
            p,
            f"is damaged: its data copy {show(dataset.member)} does not match the dataset "
            "checksum in the manifest",
            "copy or download the bundle again",
        )
    schema = schema_from(doc.get("schema"))
    labels_raw: bytes = members["blobs"][LABELS]
    events = parse_labels(p, labels_raw)
    check_events(p, events, schema)
    models = _models(p, doc, members["blobs"], schema)
    project = want_obj(doc.get("project", {}), "project")
    name = want_str(project.get("name", "project"), "project.name")
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._ -]{0,99}", name):
        raise InvalidFieldError(f"project.name '{show(name)}' is not a plain file name")
    libraries = want_obj(doc.get("libraries", {}), "libraries")
    return ValidatedBundle(
        path=p,
        manifest=doc,
        project_name=name,
        dataset=dataset,
        schema=schema,
        model=model_settings(doc.get("model", {})),
        strategy=strategy_settings(doc.get("strategy", {})),
        layout=want_obj(doc.get("layout", {}), "layout"),
        annotators=str_list(doc.get("annotators", []), "annotators"),
        libraries={k: want_str(v, f"libraries.{show(k)}") for k, v in libraries.items()},
        events=events,
        models=models,
        images=tuple(sorted(members["images"])),
    )


def _check_checksums(
    p: Path, zf: zipfile.ZipFile, infos: dict[str, zipfile.ZipInfo], doc: dict[str, Any]
) -> dict[str, Any]:
    """Every member listed in the manifest, present, and matching its SHA-256."""
    listed = want_obj(doc.get("members"), "members")
    present = set(infos) - {MANIFEST}
    for name in sorted(present | set(listed)):
        if name not in listed:
            raise _refuse(p, f"holds a member '{show(name)}' that its manifest does not list")
        if name not in present:
            raise _refuse(
                p, f"is missing the member '{show(name)}' that its manifest lists", RESEND
            )
    if LABELS not in present:
        raise _refuse(p, "has no labels.csv")
    blobs: dict[str, bytes] = {}
    out: dict[str, Any] = {"blobs": blobs, "data": None, "data_sha": None, "images": []}
    for name in sorted(present):
        where = f"members.{show(name)}"
        entry = want_obj(listed[name], where)
        want = want_str(entry.get("sha256"), f"{where}.sha256")
        size = want_int(entry.get("bytes"), f"{where}.bytes", 0, bz.MAX_TOTAL_BYTES)
        info = infos[name]
        if size != info.file_size:
            raise _mismatch(p, name)
        if name.startswith("data/"):
            digest = stream(p, zf, info, bz.MAX_TOTAL_BYTES, None)
            out["data"], out["data_sha"] = name, digest
        elif name.startswith(IMAGES):
            digest = stream(p, zf, info, bz.MAX_MEMBER_BYTES, None)
            out["images"].append(name)
        else:
            blob = read_member(p, zf, info, bz.MAX_MEMBER_BYTES)
            digest = hashlib.sha256(blob).hexdigest()
            blobs[name] = blob
        if digest != want:
            raise _mismatch(p, name)
    return out


def _mismatch(p: Path, name: str) -> UserError:
    return _refuse(
        p,
        f"is damaged: '{show(name)}' does not match its checksum in the manifest",
        "copy or download the bundle again",
    )


def _models(
    p: Path, doc: dict[str, Any], blobs: dict[str, bytes], schema: Schema
) -> dict[str, dict[str, Any]]:
    """Each target's EBM as parsed JSON; the manifest maps targets to members."""
    index = want_obj(doc.get("models", {}), "models")
    files = {n for n in blobs if n.startswith("models/")}
    out: dict[str, dict[str, Any]] = {}
    used: set[str] = set()
    for target, entry in index.items():
        if target not in schema.target_names:
            raise InvalidFieldError(f"models names an unknown target '{show(target)}'")
        member = want_str(want_obj(entry, f"models.{show(target)}").get("member"), "models member")
        if member not in files or member in used:
            raise InvalidFieldError(f"models.{show(target)} points at a missing model file")
        used.add(member)
        model = want_obj(parse_json(p, member, blobs[member]), member)
        if not isinstance(model.get("ebm"), dict):
            raise _refuse(p, f"has a model file '{show(member)}' that is not an EBM export")
        out[target] = model
    if files - used:
        extra = sorted(files - used)[0]
        raise InvalidFieldError(f"the model file '{show(extra)}' belongs to no target")
    return out
