#!/usr/bin/env bash
# bench/logs.sh: time `crawlaudit logs` against GoAccess on one generated
# combined log (bench/loggen: many distinct paths with query variants,
# crawler, mobile and desktop lines, 90% 200s) and print lines/s, CPU
# seconds and peak RSS for each, then crawlaudit alone on a log LARGE times
# longer to check that its time grows linearly.
#
#   bench/logs.sh [--lines 2000000] [--paths 200000] [--large 5] [--no-goaccess] [--baseline BIN]
#
# --baseline BIN also times another crawlaudit binary (an earlier build) on
# the same file in the same run, for a before/after comparison.
#
# GoAccess comes from Debian (apt-get install goaccess); when it is missing
# and cannot be installed, its row says so and the rest runs. Nothing here
# touches the network but apt. Files go to bench/out/logs/.
set -euo pipefail
cd "$(dirname "$0")/.."

LINES=2000000
PATHS=200000
LARGE=5
GOACCESS=1
BASELINE=
while [ $# -gt 0 ]; do
  case "$1" in
    --lines) LINES=$2; shift 2 ;;
    --paths) PATHS=$2; shift 2 ;;
    --large) LARGE=$2; shift 2 ;;
    --no-goaccess) GOACCESS=0; shift ;;
    --baseline) BASELINE=$2; shift 2 ;;
    *) echo "bench/logs.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

OUT=bench/out/logs
mkdir -p "$OUT"
go build -o "$OUT/crawlaudit" ./cmd/crawlaudit
go build -o "$OUT/loggen" ./bench/loggen

LOG=$OUT/access-$LINES.log
[ -s "$LOG" ] || "$OUT/loggen" -lines "$LINES" -paths "$PATHS" > "$LOG"
echo "log: $LOG, $(wc -l < "$LOG") lines, $(du -m "$LOG" | cut -f1) MB"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"

# measure NAME LINES CMD...: runs CMD under /usr/bin/time, prints a row.
measure() {
  local name=$1 lines=$2; shift 2
  local tf; tf=$(mktemp)
  if ! /usr/bin/time -f "%e %U %S %M" -o "$tf" "$@" > "$OUT/$name.stdout" 2> "$OUT/$name.stderr"; then
    echo "$name: failed (see $OUT/$name.stderr)"
    rm -f "$tf"; return
  fi
  read -r wall user sys rss < "$tf"; rm -f "$tf"
  awk -v n="$name" -v l="$lines" -v w="$wall" -v u="$user" -v s="$sys" -v r="$rss" \
    'BEGIN { printf "%-22s %10d lines %8.2f s %12.0f lines/s %8.2f s CPU %8.0f MiB peak RSS\n", n, l, w, l/w, u+s, r/1024 }' | tee -a "$OUT/results.txt"
}

: > "$OUT/results.txt"
rm -rf "$OUT/ca-$LINES"
measure crawlaudit "$LINES" "$OUT/crawlaudit" logs "$LOG" --out "$OUT/ca-$LINES" --site https://www.example.com --no-cached-ranges --progress=false -q
if [ -n "$BASELINE" ]; then
  rm -rf "$OUT/base-$LINES"
  measure "baseline" "$LINES" "$BASELINE" logs "$LOG" --out "$OUT/base-$LINES" --site https://www.example.com --no-cached-ranges --progress=false -q
fi

if [ "$GOACCESS" = 1 ]; then
  if ! command -v goaccess > /dev/null; then
    (apt-get install -y goaccess || (apt-get update && apt-get install -y goaccess)) > "$OUT/apt.log" 2>&1 || true
  fi
  if command -v goaccess > /dev/null; then
    measure "goaccess $(goaccess --version | head -1 | grep -o '[0-9][0-9.]*' | head -1)" "$LINES" \
      goaccess "$LOG" --log-format=COMBINED --no-global-config -o "$OUT/goaccess.json"
  else
    echo "goaccess: not installed and apt-get could not install it (see $OUT/apt.log); skipped" | tee -a "$OUT/results.txt"
  fi
fi

if [ "$LARGE" -gt 1 ]; then
  BIG=$OUT/access-$((LINES * LARGE)).log
  if [ ! -s "$BIG" ]; then
    for i in $(seq 1 "$LARGE"); do "$OUT/loggen" -lines "$LINES" -paths "$PATHS" -seed "$i"; done > "$BIG"
  fi
  rm -rf "$OUT/ca-big"
  measure "crawlaudit x$LARGE" $((LINES * LARGE)) "$OUT/crawlaudit" logs "$BIG" --out "$OUT/ca-big" --site https://www.example.com --no-cached-ranges --progress=false -q
fi
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
