"""The frozen build's recipe, desktop files and the checks its smoke test relies on.

Nothing here builds (``make package`` does, in minutes): the spec is executed with
stand-ins for PyInstaller's four build steps, which only record what they are given,
so the lists are checked without PyInstaller installed.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import pkgutil
import shutil
import struct
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGING = ROOT / "packaging"
MIME_NS = "{http://www.freedesktop.org/standards/shared-mime-info}"


def _freeze_lists() -> ModuleType:
    spec = importlib.util.spec_from_file_location("freeze_lists", PACKAGING / "freeze_lists.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Step:
    """Records the arguments of one of PyInstaller's build steps (Analysis, PYZ, ...)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.args, self.kwargs = args, kwargs
        self.binaries: list[tuple[str, str, str]] = []
        self.datas: list[tuple[str, str, str]] = []
        self.pure: list[Any] = []
        self.scripts: list[Any] = []


def run_spec(variant: str, tmp_path: Path) -> dict[str, Any]:
    """Execute packaging/labelwright.spec as PyInstaller would; return its namespace."""
    namespace: dict[str, Any] = {
        "SPECPATH": str(PACKAGING),
        "workpath": str(tmp_path / "work"),
        "DISTPATH": str(tmp_path / "dist"),
        **{name: type(name, (_Step,), {}) for name in ("Analysis", "PYZ", "EXE", "COLLECT")},
    }
    saved_path, saved_env = list(sys.path), os.environ.get("LABELWRIGHT_VARIANT")
    os.environ["LABELWRIGHT_VARIANT"] = variant
    try:
        source = (PACKAGING / "labelwright.spec").read_text(encoding="utf-8")
        exec(compile(source, "labelwright.spec", "exec"), namespace)
    finally:
        sys.path[:] = saved_path
        sys.modules.pop("freeze_lists", None)
        if saved_env is None:
            os.environ.pop("LABELWRIGHT_VARIANT", None)
        else:
            os.environ["LABELWRIGHT_VARIANT"] = saved_env
    return namespace


def _walk(package: str) -> list[str]:
    module = importlib.import_module(package)
    return [package] + [m.name for m in pkgutil.walk_packages(module.__path__, package + ".")]


@pytest.mark.parametrize("variant", ["full", "cpu"])
def test_the_spec_collects_every_project_module_and_interprets_native_library(
    variant: str, tmp_path: Path
) -> None:
    ns = run_spec(variant, tmp_path)
    analysis = ns["a"]
    hidden = set(analysis.kwargs["hiddenimports"])
    expected = {m for package in ("app", "models", "widgets") for m in _walk(package)}
    assert "app.cli.bundle_cmd" in expected and "app.gui.about" in expected
    assert expected - hidden == set()

    # interpret's own lookup, relative to its package, is where the bundle puts the library.
    from interpret.utils._native import Native

    lib = Path(os.path.normpath(Native._get_ebm_lib_path()))
    site = Path(importlib.import_module("interpret").__file__ or "").parents[1]
    binaries = {Path(src).name: (Path(src), dest) for src, dest in analysis.kwargs["binaries"]}
    assert lib.name in binaries, f"{lib.name} is not collected"
    source, dest = binaries[lib.name]
    assert source.samefile(lib)
    assert Path(dest) == lib.parent.relative_to(site)
    # interpret resolves interpret/utils/../root: interpret/utils must exist on disk.
    assert analysis.kwargs["module_collection_mode"]["interpret.utils._native"] == "pyz+py"
    assert ns["coll"].kwargs["name"] == ("labelwright" if variant == "full" else "labelwright-cpu")


def test_the_cpu_build_leaves_out_torch_and_both_leave_out_dev_tools(tmp_path: Path) -> None:
    full = set(run_spec("full", tmp_path)["a"].kwargs["excludes"])
    cpu = set(run_spec("cpu", tmp_path)["a"].kwargs["excludes"])
    dev = {"hypothesis", "pytest", "_pytest", "pytestqt", "mypy", "ruff", "PyInstaller"}
    assert dev <= full and dev <= cpu
    assert "torch" not in full and {"torch", "sympy", "networkx"} <= cpu
    # Nothing the app imports is excluded from the build that needs it.
    imported = set()
    for folder in ("app", "models", "widgets"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    imported |= {a.name.split(".")[0] for a in node.names}
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    imported.add(node.module.split(".")[0])
    optional = {"dask", "distributed"}  # score --dask says how to get them when missing
    assert imported & full <= optional
    assert "torch" in imported and imported & cpu <= {"torch"} | optional


def test_the_bundle_carries_the_version_metadata_and_the_desktop_files(tmp_path: Path) -> None:
    datas = run_spec("cpu", tmp_path)["a"].kwargs["datas"]
    folders = {Path(dest).name for _src, dest in datas}
    assert any(name.startswith("labelwright") and name.endswith("-info") for name in folders)
    assert any(name.startswith("interpret_core-") for name in folders)
    sources = {Path(src).name for src, _dest in datas}
    assert {"labelwright.desktop", "labelwright-mime.xml", "labelwright.svg", "icons"} <= sources


def test_drop_and_prune_keep_what_a_kept_library_needs(tmp_path: Path) -> None:
    """Real ELF files: _ssl keeps libssl and libcrypto; an unrelated library goes."""
    lists = _freeze_lists()
    if sys.platform != "linux" or shutil.which("objdump") is None:
        pytest.skip("ELF and objdump only")
    import _sqlite3
    import _ssl

    def resolved(module_file: str) -> dict[str, str]:
        out = subprocess.run(["ldd", module_file], capture_output=True, text=True, check=True)
        parts = [ln.split() for ln in out.stdout.splitlines() if "=>" in ln]
        return {p[0]: p[2] for p in parts if len(p) > 2 and p[2].startswith("/")}

    ssl_libs = resolved(str(_ssl.__file__))
    sqlite_libs = resolved(str(_sqlite3.__file__))
    libssl = next(n for n in ssl_libs if n.startswith("libssl"))
    libsqlite = next(n for n in sqlite_libs if n.startswith("libsqlite3"))
    binaries = [
        ("python3.11/lib-dynload/_ssl.so", str(_ssl.__file__), "EXTENSION"),
        (libssl, ssl_libs[libssl], "BINARY"),
        (libsqlite, sqlite_libs[libsqlite], "BINARY"),
    ]
    kept = [dest for dest, _s, _k in lists.prune_libraries(binaries)]
    assert kept == ["python3.11/lib-dynload/_ssl.so", libssl]
    # A DROP that cuts a library another file still needs fails the build.
    lists.DROP.append(libssl)
    with pytest.raises(RuntimeError, match=f"_ssl.so needs {libssl}"):
        lists.trim(binaries, [], tmp_path)


def test_the_desktop_entry_validates_cleanly() -> None:
    tool = shutil.which("desktop-file-validate")
    if tool is None:
        pytest.skip("desktop-file-validate is not installed (apt-get install desktop-file-utils)")
    out = subprocess.run(
        [tool, str(PACKAGING / "labelwright.desktop")], capture_output=True, text=True
    )
    assert (out.returncode, out.stdout + out.stderr) == (0, "")


def test_the_mime_types_name_both_globs_and_the_entry_opens_them() -> None:
    root = ET.parse(PACKAGING / "labelwright-mime.xml").getroot()
    globs = {
        t.get("type"): [g.get("pattern") for g in t.findall(f"{MIME_NS}glob")]
        for t in root.findall(f"{MIME_NS}mime-type")
    }
    assert globs == {
        "application/x-labelwright-bundle": ["*.lwbundle"],
        "application/x-labelwright-project": ["*.lwproj"],
    }
    entry = (PACKAGING / "labelwright.desktop").read_text(encoding="utf-8")
    mime_line = next(ln for ln in entry.splitlines() if ln.startswith("MimeType="))
    assert set(globs) <= set(mime_line.removeprefix("MimeType=").split(";"))


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def test_install_desktop_writes_the_entry_types_and_icons(tmp_path: Path) -> None:
    env = dict(os.environ, XDG_DATA_HOME=str(tmp_path / "share"))
    out = subprocess.run(
        [sys.executable, "-m", "app", "--install-desktop"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    share = tmp_path / "share"
    entry = share / "applications" / "labelwright.desktop"
    exec_line = next(ln for ln in entry.read_text().splitlines() if ln.startswith("Exec="))
    script = Path(sys.executable).parent / "labelwright"
    expected = f"Exec={script} %f" if script.is_file() else f"Exec={sys.executable} -m app %f"
    assert exec_line == expected
    assert (share / "mime" / "packages" / "labelwright.xml").read_bytes() == (
        PACKAGING / "labelwright-mime.xml"
    ).read_bytes()
    sizes = [16, 22, 24, 32, 48, 64, 128, 256]
    for size in sizes:
        png = share / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "labelwright.png"
        assert _png_size(png) == (size, size)
    assert (share / "icons" / "hicolor" / "scalable" / "apps" / "labelwright.svg").is_file()
    if shutil.which("update-mime-database"):
        assert "*.lwbundle" in (share / "mime" / "globs2").read_text()
    if shutil.which("desktop-file-validate"):
        check = subprocess.run(["desktop-file-validate", str(entry)], capture_output=True)
        assert check.returncode == 0 and check.stdout == b""


def test_version_prints_the_projects_version() -> None:
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    out = subprocess.run(
        [sys.executable, "-m", "app", "--version"], cwd=ROOT, capture_output=True, text=True
    )
    assert (out.returncode, out.stdout) == (0, f"labelwright {version}\n")


NO_TORCH = """
import importlib.util
assert importlib.util.find_spec("torch") is None
import numpy as np
from app.gui.about import NO_TORCH, about_facts, scoring_summary
from models.ebm import EBMSettings, fit_ebm
from models.scoring import compile_ebm, resolve_device
import pandas as pd

assert resolve_device("auto") == "cpu"
try:
    resolve_device("cuda")
except ValueError as exc:
    assert "no torch" in str(exc), exc
else:
    raise AssertionError("cuda resolved without torch")
rng = np.random.default_rng(0)
X = pd.DataFrame({"a": rng.normal(size=200), "b": rng.integers(0, 4, 200).astype(float)})
y = np.where(X["a"] + rng.normal(scale=0.5, size=200) > 0, "p", "q").astype(object)
ebm = fit_ebm(X, y, ["continuous", "continuous"], EBMSettings.tiny())
ours = compile_ebm(ebm).predict_proba(X)
assert np.abs(ours - ebm.predict_proba(X)).max() < 1e-6
assert scoring_summary() == NO_TORCH
assert dict(about_facts())["torch"] == "not in this build"
print("numpy scoring without torch: ok")
"""


def test_without_torch_scoring_falls_back_to_numpy_and_about_says_so(tmp_path: Path) -> None:
    """A real environment without torch: this venv's packages, torch left out (python -S)."""
    import numpy as np

    site = Path(np.__file__).parents[1]
    shadow = tmp_path / "site-packages"
    shadow.mkdir()
    for entry in site.iterdir():
        if entry.name.split("-")[0].split(".")[0] not in ("torch", "torchgen", "functorch"):
            (shadow / entry.name).symlink_to(entry)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(shadow)]))
    out = subprocess.run(
        [sys.executable, "-S", "-c", NO_TORCH],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "numpy scoring without torch: ok" in out.stdout


# -- the screenshot the smoke test relies on ------------------------------------------------


def test_screenshot_fails_as_soon_as_the_first_model_cannot_train(
    qtbot: Any, tmp_path: Path
) -> None:
    pytest.importorskip("pytestqt")
    from app.core.errors import UserError
    from app.gui import create_main_window
    from app.gui.screenshot import take_screenshot
    from app.gui.workers import running_threads
    from models.ebm import EBMSettings

    broken = EBMSettings(learning_rate=-1.0, outer_bags=2, interactions=0, max_rounds=20)
    w = create_main_window("demo", model_settings=broken)
    assert w is not None
    qtbot.addWidget(w)
    out = tmp_path / "shot.png"
    # The timeout is far away: only the failure path says "could not be trained".
    with pytest.raises(UserError, match=r"^The first model could not be trained, so no"):
        take_screenshot(w, out, timeout_s=600)
    assert not out.exists()
    assert running_threads() == []


def test_screenshot_shows_the_first_model_and_help_offers_about(
    qtbot: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("pytestqt")
    from app.gui import create_main_window
    from app.gui.screenshot import take_screenshot
    from models.ebm import EBMSettings

    w = create_main_window("demo", model_settings=EBMSettings.tiny())
    assert w is not None
    qtbot.addWidget(w)
    menus = {a.text(): a.menu() for a in w.menuBar().actions()}
    assert "&About Labelwright" in [a.text() for a in menus["&Help"].actions()]
    out = tmp_path / "shot.png"
    assert take_screenshot(w, out, timeout_s=600) == 0  # a busy machine can be slow
    assert _png_size(out) == (1600, 1000)
    printed = capsys.readouterr().out
    assert "showing the model of DM_label (" in printed, printed


def test_about_shows_versions_scoring_and_folders(qtbot: Any) -> None:
    pytest.importorskip("pytestqt")
    from app.core.bundle_writer import app_version
    from app.core.paths import user_config_dir, user_data_dir, user_log_dir
    from app.gui.about import AboutDialog

    dialog = AboutDialog()
    qtbot.addWidget(dialog)
    values = dialog.values
    assert values["Labelwright"] == app_version() != "unknown"
    assert values["interpret"] != "unknown" and values["PySide6"] != "unknown"
    assert "scoring runs on" in values["Scoring"]
    assert values["Log folder"] == str(user_log_dir())
    assert values["Data folder"] == str(user_data_dir())
    assert values["Settings folder"] == str(user_config_dir())
    assert str(user_log_dir()).startswith(os.environ["LABELWRIGHT_HOME"])
