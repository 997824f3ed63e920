"""What the frozen build carries and what it leaves out, for ``labelwright.spec``.

Plain Python without PyInstaller, so the test suite checks these lists without
building (tests/test_packaging.py) and the spec stays declarative.

Why each list exists:
- ``project_modules``: the app imports some modules only inside functions or by
  name; listing every module of app, models and widgets makes sure none is missing.
- ``ebm_library``: interpret loads its native ``libebm_<platform>.so`` with ctypes
  from ``interpret/root/bld/lib``, found relative to ``interpret/utils/``; PyInstaller
  sees neither. The library goes to the same relative place, and
  ``interpret.utils._native`` is also kept as a source file so that the folder
  ``interpret/utils`` exists on disk for the ``utils/../root`` path to resolve.
- ``DEV_EXCLUDES``: test and lint tools must never ride along (hypothesis did).
- ``TORCH_EXCLUDES``: the CPU build scores with numpy (models/scoring.py), so torch
  (about 630 MB frozen) and the packages only torch needs stay out.
"""

from __future__ import annotations

import fnmatch
import platform
import shutil
import struct
import subprocess
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

Entry = tuple[str, str, str]  # PyInstaller's (destination, source, kind)
PROJECT_PACKAGES = ("app", "models", "widgets")
VARIANTS = ("full", "cpu")

# pandas imports its optional readers by name (read_parquet, read_excel).
HIDDEN_IMPORTS = ["pyarrow", "pyarrow.parquet", "pyarrow.dataset", "openpyxl", "platformdirs"]

DEV_EXCLUDES = [
    "hypothesis",
    "pytest",
    "_pytest",
    "pytestqt",
    "pluggy",
    "iniconfig",
    "mypy",
    "mypyc",
    "ruff",
    "PyInstaller",
    "_pyinstaller_hooks_contrib",
    "pip",
    "IPython",
    "tkinter",
    "_tkinter",
    "matplotlib",
    "PyQt5",
    "PyQt6",
]

# Qt modules nothing uses: no code talks to the network (QtNetwork and its TLS
# plugins drag in Kerberos). QtOpenGL stays: pyqtgraph imports it at start-up.
QT_EXCLUDES = ["PySide6.QtNetwork"]

# Optional or build-time packages that no command of the standalone app can use:
# - the dask extra: `score --dask local` cannot start its workers from a frozen
#   executable (measured: "Nanny failed to start"), so without dask it ends with
#   its one sentence instead; install the Python package for cluster scoring;
# - setuptools and distutils (build tools), pydoc's help topics, PyYAML (only
#   numpy's and scipy's show_config and dask use it).
# (ssl stays: pyarrow.fs reads its CA paths when pyarrow.parquet is imported.)
OPTIONAL_EXCLUDES = [
    "dask",
    "distributed",
    "tornado",
    "toolz",
    "tlz",
    "partd",
    "locket",
    "zict",
    "tblib",
    "msgpack",
    "sortedcontainers",
    "click",
    "setuptools",
    "distutils",
    "_distutils_hack",
    "pkg_resources",
    "pydoc_data",
    "yaml",
    "_yaml",
]

TORCH_EXCLUDES = [
    "torch",
    "torchgen",
    "functorch",
    "triton",
    "sympy",
    "mpmath",
    "networkx",
]

# Versions shown by --version, About and the bundle manifest (importlib.metadata).
METADATA = [
    "labelwright",
    "interpret-core",
    "scikit-learn",
    "numpy",
    "pandas",
    "scipy",
    "pyarrow",
    "cleanlab",
    "pyqtgraph",
    "PySide6-Essentials",
]

# interpret's file name per (system, machine), as in interpret.utils._native.
_EBM_NAMES = {
    ("Linux", "x86_64"): "libebm_linux_x64",
    ("Linux", "aarch64"): "libebm_linux_arm",
    ("Windows", "AMD64"): "libebm_win_x64",
    ("Darwin", "x86_64"): "libebm_mac_x64",
    ("Darwin", "arm64"): "libebm_mac_arm",
}
_EXTENSIONS = {"Linux": ".so", "Windows": ".dll", "Darwin": ".dylib"}
EBM_DEST = "interpret/root/bld/lib"


def project_modules(root: Path) -> list[str]:
    """Every module of the project's packages, from the files on disk."""
    names = []
    for package in PROJECT_PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            names.append(".".join(parts))
    return names


def ebm_library_name(system: str | None = None, machine: str | None = None) -> str:
    """The file name interpret looks for on this platform (e.g. libebm_linux_x64.so)."""
    system = system or platform.system()
    machine = machine or platform.machine()
    if struct.calcsize("P") != 8 and machine in ("x86_64", "AMD64"):
        raise RuntimeError("interpret ships no 32-bit libebm; build with a 64-bit Python.")
    stem = _EBM_NAMES.get((system, machine))
    if stem is None or system not in _EXTENSIONS:
        raise RuntimeError(f"interpret ships no libebm for {system} {machine}.")
    return stem + _EXTENSIONS[system]


def interpret_dir() -> Path:
    """interpret's package folder, found without importing it (it is slow to import)."""
    from importlib.util import find_spec

    spec = find_spec("interpret")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("interpret is not installed; run `make` first.")
    return Path(next(iter(spec.submodule_search_locations)))


def ebm_library(package_dir: Path | None = None) -> tuple[str, str]:
    """(source file, destination folder) of interpret's native library for this platform."""
    lib_dir = (package_dir or interpret_dir()) / "root" / "bld" / "lib"
    generic = lib_dir / ("libebm" + _EXTENSIONS.get(platform.system(), ".so"))
    source = generic if generic.is_file() else lib_dir / ebm_library_name()
    if not source.is_file():
        raise RuntimeError(f"interpret's native library {source} is missing; reinstall interpret.")
    return str(source), EBM_DEST


def metadata_datas(names: list[str]) -> list[tuple[str, str]]:
    """(dist-info folder, destination) for each installed distribution in ``names``."""
    out = []
    for name in names:
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        folder = getattr(dist, "_path", None)  # its .dist-info or .egg-info folder
        if folder is None or not Path(folder).is_dir():
            continue
        out.append((str(folder), Path(folder).name))
    return out


def excludes(variant: str) -> list[str]:
    """Modules left out of ``variant`` ('full' keeps torch, 'cpu' drops it)."""
    if variant not in VARIANTS:
        raise ValueError(f"Unknown build variant {variant!r}; use one of {', '.join(VARIANTS)}.")
    kept_out = DEV_EXCLUDES + QT_EXCLUDES + OPTIONAL_EXCLUDES
    return kept_out + (TORCH_EXCLUDES if variant == "cpu" else [])


def metadata_names(variant: str) -> list[str]:
    return METADATA + (["torch"] if variant == "full" else [])


# Files of the desktop integration that ``labelwright --install-desktop`` copies.
DESKTOP_FILES = ["labelwright.desktop", "labelwright-mime.xml", "labelwright.svg", "icons"]


def desktop_datas(root: Path) -> list[tuple[str, str]]:
    """The desktop entry, MIME types and icons, kept under packaging/ in the bundle too."""
    out = []
    for name in DESKTOP_FILES:
        path = root / "packaging" / name
        dest = "packaging" if path.is_file() else f"packaging/{name}"
        out.append((str(path), dest))
    return out


# Collected files that no command uses (destination paths inside the bundle). The
# CPU build was 503 MiB before any of this, 381 MiB after (with STRIP and pruning).
DROP = [
    "PySide6/Qt/translations/*",  # the app speaks English only
    # GTK 3 theme: loads GTK from the desktop and pulled the build machine's cairo,
    # pango and gdk-pixbuf into the bundle; Qt draws its own dialogs without it.
    "PySide6/Qt/plugins/platformthemes/libqgtk3.so",
    # A VNC server platform and TUIO touch over UDP: the only users of QtNetwork.
    "PySide6/Qt/plugins/platforms/libqvnc.so",
    "PySide6/Qt/plugins/generic/libqtuiotouchplugin.so",
    # Embedded Linux without a desktop (EGLFS, framebuffer, Vulkan display, evdev
    # input) and the compositor side of Wayland; xcb, wayland and offscreen stay.
    "PySide6/Qt/plugins/platforms/libqeglfs.so",
    "PySide6/Qt/plugins/platforms/libqlinuxfb.so",
    "PySide6/Qt/plugins/platforms/libqminimalegl.so",
    "PySide6/Qt/plugins/platforms/libqvkkhrdisplay.so",
    "PySide6/Qt/plugins/egldeviceintegrations/*",
    "PySide6/Qt/plugins/generic/libqevdev*",
    "PySide6/Qt/plugins/wayland-graphics-integration-client/*-server.so",
    # pyarrow reads and writes local Parquet files here: no Flight RPC (33 MB), no S3,
    # GCS, Azure or HDFS (17 MB), no C++ headers and Cython sources for building
    # extensions (8 MB), and not the two spare copies of libraries that are loaded
    # by their versioned name (libarrow_python.so.2600).
    "pyarrow/libarrow_flight.so*",
    "pyarrow/libarrow_python_flight.so*",
    "pyarrow/_flight.*",
    "pyarrow/libarrow_s3.so*",
    "pyarrow/_s3fs.*",
    "pyarrow/_gcsfs.*",
    "pyarrow/_azurefs.*",
    "pyarrow/_hdfs.*",
    "pyarrow/include/*",
    "pyarrow/includes/*",
    "pyarrow/src/*",
    "pyarrow/tests/*",
    "pyarrow/*.pyx",
    "pyarrow/*.pxd",
    "pyarrow/*.pxi",
    "pyarrow/libarrow*.so",
    "pyarrow/libarrow*.so.*.*.*",
    # scikit-learn's sample data sets, tests and Cython sources.
    "sklearn/datasets/data/*",
    "sklearn/datasets/descr/*",
    "sklearn/datasets/images/*",
    "sklearn/datasets/tests/*",
    "sklearn/*.pyx",
    "sklearn/*.pxd",
    "sklearn/*.pxi",
    "sklearn/*.tp",
    "sklearn/svm/src/*",
    # torch's own C++ unit tests and test binaries (130 MB of the full build), and
    # a dev tool's metadata that a hook copies; torch_shm_manager stays in torch/bin.
    "torch/test/*",
    "torch/bin/*Test",
    "torch/bin/test_*",
    "torch/bin/protoc*",
    "torch/lib/*_test.so",
    "torch/lib/libbackend_with_compiler.so",
    "torch/lib/libaoti_custom_ops.so",
    "hypothesis-*.dist-info/*",
    "pytest-*.dist-info/*",
]

# Libraries shipped with their debugging symbols, stripped in the build: Python's
# own (libpython 23 -> 6 MB, its extension modules 13 -> 5 MB) and pyarrow's (33 MB
# less). Only these: stripping libraries that auditwheel patched (numpy's and
# scipy's OpenBLAS) breaks them ("ELF load command address/offset not page-aligned").
STRIP = [
    "libpython3*.so*",
    "python3*/lib-dynload/*.so",
    "pyarrow/libarrow*.so.*",
    "pyarrow/libparquet.so.*",
]


def _matches(dest: str, patterns: list[str]) -> bool:
    dest = dest.replace("\\", "/")
    return any(fnmatch.fnmatch(dest, pattern) for pattern in patterns)


def keep(dest: str) -> bool:
    """Whether a collected file (by its destination in the bundle) stays in."""
    return not _matches(dest, DROP)


def strip_some(binaries: list[Entry], workdir: Path) -> list[Entry]:
    """``binaries`` with the STRIP ones replaced by stripped copies in ``workdir``."""
    tool = shutil.which("strip")
    if tool is None or platform.system() != "Linux":
        return binaries
    out = []
    for dest, source, kind in binaries:
        if _matches(dest, STRIP):
            copy = workdir / dest
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy)
            subprocess.run([tool, "--strip-unneeded", str(copy)], check=True)
            source = str(copy)
        out.append((dest, source, kind))
    return out


QT_LIBS = "PySide6/Qt/lib/"


def needed_libraries(path: str) -> list[str]:
    """The shared libraries an ELF file asks the loader for (objdump -p NEEDED)."""
    tool = shutil.which("objdump")
    if tool is None:
        return []
    out = subprocess.run([tool, "-p", path], capture_output=True, text=True, check=False)
    return [ln.split()[1] for ln in out.stdout.splitlines() if ln.strip().startswith("NEEDED")]


def prune_libraries(
    binaries: list[Entry], needed: Callable[[str], list[str]] = needed_libraries
) -> list[Entry]:
    """Drop the shared libraries that no kept file needs any more.

    PyInstaller collected them for the files DROP removed: the GTK theme brought
    cairo, pango, harfbuzz and more (5 MB), the VNC plugin libQt6Network. The
    candidates are the system libraries at the top of the bundle and Qt's own
    libraries; every other file (extension modules, plugins, libpython) is a root,
    and a candidate stays when a root needs it, directly or through another.
    """
    if platform.system() != "Linux":
        return binaries

    def candidate(dest: str) -> bool:
        return ("/" not in dest and not dest.startswith("libpython")) or dest.startswith(QT_LIBS)

    by_name = {dest.rsplit("/", 1)[-1]: dest for dest, _s, _k in binaries if candidate(dest)}
    sources = {dest: source for dest, source, _kind in binaries}
    todo = [source for dest, source, _kind in binaries if not candidate(dest)]
    reached: set[str] = set()
    while todo:
        for name in needed(todo.pop()):
            dest = by_name.get(name)
            if dest is not None and dest not in reached:
                reached.add(dest)
                todo.append(sources[dest])
    return [entry for entry in binaries if not candidate(entry[0]) or entry[0] in reached]


def trim(
    binaries: list[Entry], datas: list[Entry], workdir: Path
) -> tuple[list[Entry], list[Entry]]:
    """Apply DROP, prune what only dropped files needed, strip STRIP; refuse a broken cut.

    Raises RuntimeError when a kept library needs one that was left out, so a
    DROP pattern that cuts too deep fails the build instead of a user's start-up.
    """
    kept_bins = prune_libraries([e for e in binaries if keep(e[0])])
    kept_names = {e[0] for e in kept_bins}
    gone = {e[0].rsplit("/", 1)[-1] for e in binaries} - {n.rsplit("/", 1)[-1] for n in kept_names}
    broken = [
        f"{dest} needs {name}"
        for dest, source, _kind in kept_bins
        for name in needed_libraries(source)
        if name in gone
    ]
    if broken:
        raise RuntimeError("freeze_lists.DROP removed libraries still needed: " + "; ".join(broken))
    kept_datas = [e for e in datas if keep(e[0]) and (e[2] != "SYMLINK" or e[1] in kept_names)]
    return strip_some(kept_bins, workdir / "stripped"), kept_datas
