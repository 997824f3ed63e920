#!/usr/bin/env bash
# Build a standalone folder in dist/labelwright with PyInstaller, and install the
# desktop entry for the current user when asked (./packaging/build.sh --install-desktop).
set -euo pipefail
cd "$(dirname "$0")/.."
make .venv/.installed >/dev/null
.venv/bin/python -m pip install --quiet "pyinstaller>=6"
.venv/bin/pyinstaller --noconfirm --clean packaging/labelwright.spec
if [[ "${1:-}" == "--install-desktop" ]]; then
  apps="${XDG_DATA_HOME:-$HOME/.local/share}/applications"
  icons="${XDG_DATA_HOME:-$HOME/.local/share}/icons/hicolor/scalable/apps"
  mkdir -p "$apps" "$icons"
  sed "s|^Exec=labelwright|Exec=$PWD/dist/labelwright/labelwright|" packaging/labelwright.desktop > "$apps/labelwright.desktop"
  cp packaging/labelwright.svg "$icons/labelwright.svg"
  echo "Installed the desktop entry in $apps"
fi
echo "Built dist/labelwright/labelwright"
