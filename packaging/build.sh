#!/usr/bin/env bash
# Build Labelwright as a standalone folder with PyInstaller, then smoke-test it.
#
#   packaging/build.sh [full|cpu|both] [--install-desktop]
#
#   full (default)  dist/labelwright: with torch, for scoring on a GPU.
#   cpu             dist/labelwright-cpu: without torch; scores with numpy on the CPU.
#   both            both folders, one after the other.
#   --install-desktop  afterwards, add the (first) build to this user's application
#                   menu, with its MIME types and icons (labelwright --install-desktop).
#
# A build that fails its smoke test (packaging/smoke.sh) fails this script.
set -euo pipefail
cd "$(dirname "$0")/.."

variants=(full)
install=0
for arg in "$@"; do
  case "$arg" in
    full | cpu) variants=("$arg") ;;
    both) variants=(full cpu) ;;
    --install-desktop) install=1 ;;
    *)
      echo "usage: packaging/build.sh [full|cpu|both] [--install-desktop]" >&2
      exit 2
      ;;
  esac
done

make .venv/.installed >/dev/null
.venv/bin/python -m pip install --quiet "pyinstaller>=6.10,<7"

for variant in "${variants[@]}"; do
  name=labelwright
  [[ "$variant" == full ]] || name="labelwright-$variant"
  echo "== Building dist/$name ($variant)"
  start=$SECONDS
  # PYTHONWARNINGS: torch's hook imports every torch module, each with its deprecations.
  LABELWRIGHT_VARIANT="$variant" PYTHONWARNINGS=ignore .venv/bin/pyinstaller --noconfirm \
    --clean --log-level WARN --workpath "build/$name" packaging/labelwright.spec
  echo "Built dist/$name in $((SECONDS - start)) s."
  if ! packaging/smoke.sh "dist/$name"; then
    echo "The $variant build in dist/$name failed its smoke test; see the checks above." >&2
    exit 1
  fi
done

if [[ $install -eq 1 ]]; then
  first=labelwright
  [[ "${variants[0]}" == full ]] || first="labelwright-${variants[0]}"
  "dist/$first/labelwright" --install-desktop
fi
