"""Write a session as one ``.lwbundle`` file a colleague can reopen.

The bundle carries what is needed to rebuild the same session: the schema,
the settings with their seeds, the layout, the complete event log (ids and
order kept, since label order feeds the model and the seeded suggestions)
and each target's EBM as interpret's JSON export, so the receiver can check
that retraining gave the same model. The data copy is optional; without it
the receiver finds the data by its SHA-256.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import platform
import re
import zipfile
import zlib
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.core.atomic import atomic_path
from app.core.bundle_images import MAX_IMAGES, ImagePlan, plan_images
from app.core.bundle_reader import FORMAT, FORMAT_VERSION
from app.core.bundle_zip import (
    DATA_MEMBER,
    DATA_SUFFIXES,
    LABELS,
    MANIFEST,
    MAX_MEMBER_BYTES,
    MAX_RATIO,
    MAX_TOTAL_BYTES,
    MIB,
    MODEL_MEMBER,
)
from app.core.errors import UserError
from app.core.label_store import EVENT_COLUMNS, LabelEvent

if TYPE_CHECKING:
    from interpret.glassbox import ExplainableBoostingClassifier

    from app.core.session import LabelingSession

BUNDLE_SUFFIX = ".lwbundle"
LIBRARIES = {
    "interpret": "interpret-core",
    "scikit-learn": "scikit-learn",
    "numpy": "numpy",
    "pandas": "pandas",
}


def library_versions() -> dict[str, str]:
    """Versions that decide whether a retrain reproduces the model bit for bit."""
    out = {"python": platform.python_version()}
    for label, dist in LIBRARIES.items():
        try:
            out[label] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[label] = "unknown"
    return out


def app_version() -> str:
    try:
        return metadata.version("labelwright")
    except metadata.PackageNotFoundError:
        return "unknown"


def labels_csv(events: Iterable[LabelEvent]) -> bytes:
    """Every column of every event; floats as ``repr`` so they read back exactly."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(EVENT_COLUMNS)
    for e in events:
        writer.writerow(
            [
                e.id,
                e.row_id,
                e.target,
                "" if e.label is None else e.label,
                int(e.unsure),
                e.annotator,
                e.source,
                "" if e.model_version is None else e.model_version,
                "" if e.confidence is None else repr(float(e.confidence)),
                repr(float(e.time)),
                e.note,
            ]
        )
    return buf.getvalue().encode("utf-8")


def model_json(ebm: ExplainableBoostingClassifier) -> bytes:
    """interpret's own JSON export (its 'beta' warning is expected, not news)."""
    buf = io.StringIO()
    ebm.to_json(buf, detail="all", indent=None)
    return buf.getvalue().encode("utf-8")


def _safe_member(prefix: str, name: str, pattern: re.Pattern[str], fallback: str) -> str:
    member = f"{prefix}{name}"
    return member if pattern.fullmatch(member) else f"{prefix}{fallback}"


def _model_member(target: str, index: int, used: set[str]) -> str:
    member = _safe_member("models/", f"{target}.json", MODEL_MEMBER, f"target-{index}.json")
    if member.lower() in used:  # names that differ only in case clash on some file systems
        member = f"models/target-{index}.json"
    used.add(member.lower())
    return member


def _ensure_models(session: LabelingSession) -> None:
    """Retrain when a target that can learn has no model, or one older than its labels."""
    for target in session.targets:
        trainable = len(set(session.labels(target).values())) >= 2
        if trainable and (session.model(target) is None or session.model_is_stale(target)):
            session.retrain()
            return


def _sha(blob: bytes) -> str:
    return hashlib.sha256(blob).hexdigest()


def build_members(session: LabelingSession) -> tuple[dict[str, bytes], dict[str, Any]]:
    """The labels and model members, and the manifest's index of models."""
    members = {LABELS: labels_csv(session.store.events())}
    models: dict[str, Any] = {}
    used: set[str] = set()
    for i, target in enumerate(session.targets):
        fitted = session.model(target)
        if fitted is None:
            continue
        member = _model_member(target, i, used)
        members[member] = model_json(fitted.ebm)
        models[target] = {
            "member": member,
            "labels": fitted.n_labels,
            "predictions_sha256": _sha(fitted.proba.tobytes()),
        }
    return members, models


def manifest_for(
    session: LabelingSession,
    members: dict[str, bytes],
    models: dict[str, Any],
    data: dict[str, Any],
) -> dict[str, Any]:
    project = session.project
    listing = {name: {"sha256": _sha(blob), "bytes": len(blob)} for name, blob in members.items()}
    if data["member"] is not None:
        listing[data["member"]] = {"sha256": data["sha256"], "bytes": data["bytes"]}
    name = project.path.stem
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._ -]{0,99}", name):
        name = "project"
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "app": {"name": "labelwright", "version": app_version()},
        "libraries": library_versions(),
        "created": dt.datetime.now(tz=dt.UTC).isoformat(timespec="seconds"),
        "project": {"name": name},
        "dataset": data,
        "schema": project.schema.to_json(),
        "model": project.model.to_json(),
        "strategy": project.strategy.to_json(),
        "layout": project.layout,
        "annotators": session.store.annotators(),
        "exported_by": session.annotator,
        "labels": {"events": session.store.count(), "version": session.labels_version},
        "models": models,
        "members": listing,
    }


def export_bundle(
    session: LabelingSession, out_path: str | Path, include_data: bool = False
) -> Path:
    """Write the session's bundle atomically: a crash leaves any older bundle intact."""
    return export_bundle_with_report(session, out_path, include_data)[0]


def export_bundle_with_report(
    session: LabelingSession, out_path: str | Path, include_data: bool = False
) -> tuple[Path, ImagePlan]:
    """The bundle, and which images went inside with the data copy (and which could not)."""
    from app.core.dataset import file_sha256

    out = Path(out_path)
    if out.suffix.lower() != BUNDLE_SUFFIX:
        raise UserError(
            f"Cannot write a bundle to '{out.name}'; use a file name ending in {BUNDLE_SUFFIX}."
        )
    project = session.project
    data_path = project.data_path
    own = {p.resolve() for p in (data_path, project.path, project.labels_path)}
    if out.resolve() in own:
        raise UserError(
            f"The bundle would overwrite {out.name}, a file of the project; choose another name."
        )
    if not data_path.is_file():
        raise UserError(
            f"The data file {data_path} of the project is missing; put it back before exporting."
        )
    _ensure_models(session)
    members, models = build_members(session)
    images = ImagePlan()
    if include_data:
        images = plan_images(session.data, project.schema.image_column, data_path.parent)
    _check_sizes(members, data_path if include_data else None, images)
    member = None
    compress = zipfile.ZIP_DEFLATED
    if include_data:
        compress = _data_compression(data_path)
        suffix = data_path.suffix.lower() if data_path.suffix.lower() in DATA_SUFFIXES else ".csv"
        member = _safe_member("data/", data_path.name, DATA_MEMBER, f"data{suffix}")
    data = {
        "name": data_path.name,
        "sha256": file_sha256(data_path),
        "rows": session.n_rows,
        "bytes": data_path.stat().st_size,
        "sheet": project.data_sheet,
        "member": member,
    }
    if images.members:
        data["images"] = len(images.members)
    manifest = manifest_for(session, members, models, data)
    for name, source in images.members.items():
        manifest["members"][name] = _file_entry(source)
    try:
        with (
            atomic_path(out) as tmp,
            zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf,
        ):
            _put(zf, MANIFEST, json.dumps(manifest, indent=2, sort_keys=True).encode("utf-8"))
            for name, blob in members.items():
                _put(zf, name, blob)
            if member is not None:
                zf.write(data_path, member, compress_type=compress)
            for name, source in images.members.items():
                zf.write(source, name, compress_type=_data_compression(source))
    except PermissionError as exc:
        raise UserError(f"Cannot write {out}; choose a folder you can write to.") from exc
    return out, images


def _file_entry(path: Path) -> dict[str, Any]:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return {"sha256": digest.hexdigest(), "bytes": path.stat().st_size}


def _check_sizes(
    members: dict[str, bytes], data_path: Path | None, images: ImagePlan | None = None
) -> None:
    """Refuse to write a bundle that the importer would refuse as too large."""
    image_bytes = sum(p.stat().st_size for p in (images.members.values() if images else []))
    if images is not None and len(images.members) > MAX_IMAGES:
        raise UserError(
            f"The data refers to {len(images.members):,} images, more than the {MAX_IMAGES:,} a "
            "bundle may carry; export without the data and send the images separately."
        )
    for name, blob in members.items():
        if len(blob) > MAX_MEMBER_BYTES:
            raise UserError(
                f"The bundle member {name} would be {len(blob) / MIB:.0f} MiB, more than the "
                f"{MAX_MEMBER_BYTES // MIB} MiB a bundle may hold; use smaller model settings."
            )
    total = sum(len(b) for b in members.values())
    if data_path is not None and total + image_bytes + data_path.stat().st_size > MAX_TOTAL_BYTES:
        raise UserError(
            f"The data file {data_path.name} is too large to carry in a bundle (the limit is "
            f"{MAX_TOTAL_BYTES // MIB} MiB); export without the data and send the file separately."
        )


def _data_compression(path: Path) -> int:
    """Deflate the data copy unless it shrinks so much that importers would suspect a bomb."""
    packer = zlib.compressobj(6, zlib.DEFLATED, -15)
    size = packed = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            size += len(chunk)
            packed += len(packer.compress(chunk))
    packed += len(packer.flush())
    return zipfile.ZIP_STORED if size > MAX_RATIO // 2 * max(packed, 1) else zipfile.ZIP_DEFLATED


def _put(zf: zipfile.ZipFile, name: str, blob: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=dt.datetime.now().timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o100644 << 16  # a plain file, so no reader mistakes it for a link
    zf.writestr(info, blob)
