#!/usr/bin/env bash
# Smoke test of a built Labelwright: packaging/smoke.sh dist/labelwright[-cpu]
#
# Runs the frozen executable as a user would, in a scratch folder with its own
# LABELWRIGHT_HOME and XDG folders and the offscreen Qt platform. Each check prints
# one line; any failure prints the command's last output lines, and the script
# exits 1 after all checks ran. The last line gives the build's size.
set -uo pipefail

if [[ $# -ne 1 || ! -x "$1/labelwright" ]]; then
  echo "usage: packaging/smoke.sh DIST_FOLDER (a folder holding the labelwright executable)" >&2
  exit 2
fi
dist=$(cd "$1" && pwd)
exe="$dist/labelwright"
work=$(mktemp -d "${TMPDIR:-/tmp}/labelwright-smoke.XXXXXX")
trap 'rm -rf "$work"' EXIT
export LABELWRIGHT_HOME="$work/home" QT_QPA_PLATFORM=offscreen
export XDG_CONFIG_HOME="$work/xdg/config" XDG_DATA_HOME="$work/xdg/data"
export XDG_CACHE_HOME="$work/xdg/cache" XDG_STATE_HOME="$work/xdg/state"
cd "$work" || exit 2
failed=0
passed=0

# check NAME VERIFY -- COMMAND...: run COMMAND (output in $work/out), then VERIFY (a
# shell snippet that may read $out, the output, and $rc, the exit code).
check() {
  local name=$1 verify=$2
  shift 3
  local start end secs log="$LABELWRIGHT_HOME/log/labelwright.log" log_before=0
  [[ -f "$log" ]] && log_before=$(wc -c <"$log")
  start=$(date +%s.%N)
  "$@" >"$work/out" 2>&1
  rc=$?
  end=$(date +%s.%N)
  secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
  out=$(cat "$work/out")
  if eval "$verify"; then
    passed=$((passed + 1))
    printf 'ok    %-22s %5ss  %s\n' "$name" "$secs" "$(summary)"
  else
    failed=$((failed + 1))
    printf 'FAIL  %-22s %5ss  exit %s; the last lines of its output:\n' "$name" "$secs" "$rc"
    tail -n 15 "$work/out" | sed 's/^/        /'
    if [[ -f "$log" && $(wc -c <"$log") -gt $log_before ]]; then
      echo "      and of what it added to the app's log:"
      tail -c +$((log_before + 1)) "$log" | tail -n 15 | sed 's/^/        /'
    fi
  fi
}

# The line a passing check shows: the usage line of a help text, else the last line.
summary() {
  if head -n 1 "$work/out" | grep -q '^usage:'; then
    head -n 1 "$work/out" | cut -c1-110
  else
    grep -v '^[[:space:]]*$' "$work/out" | tail -n 1 | cut -c1-110
  fi
}
exists() { [[ -s "$1" ]]; }
bytes() { wc -c <"$1" | tr -d ' '; }
# magic FILE HEX: the file starts with these bytes (PAR1 = 50415231, PK = 504b).
magic() { [[ "$(head -c $((${#2} / 2)) "$1" 2>/dev/null | od -An -tx1 | tr -d ' \n')" == "$2" ]]; }

# A small data file for audit: 80 rows, a label that follows x1, four flipped labels.
awk 'BEGIN {
  print "id,x1,x2,kind,label"
  for (i = 0; i < 80; i++) {
    x1 = (i * 37 % 80) / 80; x2 = (i * 11 % 17) / 17
    label = (x1 > 0.5) ? "high" : "low"
    if (i % 20 == 3) label = (label == "high") ? "low" : "high"
    printf "r%03d,%.3f,%.3f,%s,%s\n", i, x1, x2, (i % 3 ? "a" : "b"), label
  }
}' >audit_data.csv

echo "Smoke test of $exe"
check "--help" '[[ $rc -eq 0 && $out == *"usage: labelwright"* ]]' -- "$exe" --help
check "--version" '[[ $rc -eq 0 && $out =~ ^labelwright\ [0-9]+\.[0-9]+ ]]' -- "$exe" --version
check "export demo (CSV)" \
  '[[ $rc -eq 0 ]] && exists e.csv && [[ $(wc -l <e.csv) -gt 100 ]]' -- \
  "$exe" export demo --out e.csv
check "export demo (Parquet)" '[[ $rc -eq 0 ]] && magic e.parquet 50415231' -- \
  "$exe" export demo --out e.parquet
check "score demo" '[[ $rc -eq 0 && $out == *"rows/s"* ]]' -- "$exe" score demo
check "audit" \
  '[[ $rc -eq 0 && $(head -n 1 audit.csv) == "id,given,suggested,score,rank"* ]] \
   && [[ $(wc -l <audit.csv) -eq 81 ]]' -- \
  "$exe" audit --data audit_data.csv --target label --out audit.csv
check "audit (Parquet in)" \
  '[[ $rc -eq 0 && $(head -n 1 audit-pq.csv) == "id,given,suggested,score,rank"* ]]' -- \
  "$exe" audit --data e.parquet --target DM_label --out audit-pq.csv
check "bundle export" '[[ $rc -eq 0 ]] && magic demo.lwbundle 504b' -- \
  "$exe" bundle export demo --out demo.lwbundle
check "bundle import" '[[ $rc -eq 0 ]] && compgen -G "imported/*.lwproj" >/dev/null' -- \
  "$exe" bundle import demo.lwbundle --into imported
check "--screenshot" \
  '[[ $rc -eq 0 && $out == *"showing the model of"* ]] && magic shot.png 89504e47 \
   && [[ $(bytes shot.png) -gt 50000 ]]' -- \
  "$exe" --screenshot shot.png
if command -v xvfb-run >/dev/null; then
  # The same window on a real X11 server: the xcb plugin and every library it loads.
  check "--screenshot on X11" \
    '[[ $rc -eq 0 && $out == *"showing the model of"* ]] && magic shot-x11.png 89504e47' -- \
    env QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1920x1200x24" \
    "$exe" --screenshot shot-x11.png
else
  echo "skip  --screenshot on X11         (no xvfb-run here; install xvfb to check the xcb plugin)"
fi
check "--install-desktop" \
  '[[ $rc -eq 0 ]] && exists "$XDG_DATA_HOME/applications/labelwright.desktop" \
   && exists "$XDG_DATA_HOME/mime/packages/labelwright.xml" \
   && exists "$XDG_DATA_HOME/icons/hicolor/256x256/apps/labelwright.png"' -- \
  "$exe" --install-desktop

size=$(du -sh "$dist" | cut -f1)
files=$(find "$dist" -type f | wc -l | tr -d ' ')
torch="with torch"
[[ -d "$dist/_internal/torch" ]] || torch="without torch"
echo "Build $dist: $size in $files files, $torch."
if [[ $failed -gt 0 ]]; then
  echo "SMOKE TEST FAILED: $failed of $((passed + failed)) checks failed (see above)." >&2
  exit 1
fi
echo "Smoke test passed: $passed of $passed checks."
