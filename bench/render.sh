#!/usr/bin/env bash
# bench/render.sh: the cost of --render. Crawls the synthetic single-page
# app (bench/spagen, loopback only; every page an empty shell JavaScript
# fills, all listed in its sitemap) without rendering and with --render at
# --render-concurrency 1, 2 and 4, and prints for each: wall time, pages
# rendered, rendered pages per second, and the peak resident memory of
# crawlaudit plus Chromium's processes (bench/measure's tree_rss_kib).
# Trap detection is off (--trap-limit 0): without rendering, every shell
# serves the same HTML and would count as a crawler trap after 100 pages.
#
#   bench/render.sh [--pages 1000] [--levels "1 2 4"] [--timeout 30m]
#
# Needs chromium on PATH (apt-get install chromium). Outputs go to
# bench/out/render-N/.
set -euo pipefail
cd "$(dirname "$0")/.."

PAGES=1000
LEVELS="1 2 4"
TIMEOUT=30m
while [ $# -gt 0 ]; do
  case "$1" in
    --pages) PAGES=$2; shift 2 ;;
    --levels) LEVELS=$2; shift 2 ;;
    --timeout) TIMEOUT=$2; shift 2 ;;
    *) echo "bench/render.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
command -v chromium >/dev/null || command -v chromium-browser >/dev/null || command -v google-chrome >/dev/null ||
  { echo "bench/render.sh: no Chromium: apt-get install chromium" >&2; exit 2; }

OUT=bench/out/render-$PAGES
BIN=bench/out/bin
rm -rf "$OUT"; mkdir -p "$OUT" "$BIN"
echo "== building"
go build -o "$BIN/" ./bench/spagen ./bench/measure ./cmd/crawlaudit

"$BIN/spagen" -pages "$PAGES" >"$OUT/spagen.url" 2>"$OUT/spagen.err" &
SPAGEN=$!
trap 'kill $SPAGEN 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$OUT/spagen.url" ] && break; sleep 0.05; done
URL=$(head -1 "$OUT/spagen.url")
case "$URL" in http://127.0.0.1:*) ;; *) echo "spagen did not start" >&2; exit 1 ;; esac
echo "== app: $PAGES pages at $URL, $(nproc) CPUs, $(chromium --version 2>/dev/null || true)"

stat() { sed -n "s/.*$2=\([^ ]*\).*/\1/p" "$OUT/$1.stats"; }
run() { # run NAME FLAGS...
  local name=$1; shift
  echo "-- $name: crawlaudit crawl $* "
  "$BIN/measure" -timeout "$TIMEOUT" -stats "$OUT/$name.stats" -- \
    "$BIN/crawlaudit" crawl "$URL" --out "$OUT/$name" --fail-on never --progress=false -q --trap-limit 0 "$@" >"$OUT/$name.out" 2>"$OUT/$name.err" || true
}

run plain
for c in $LEVELS; do
  run "render-$c" --render --render-concurrency "$c"
done

printf '\n%-12s %8s %8s %10s %14s %14s\n' run wall_s pages rendered rendered/s peak_MiB
for name in plain $(for c in $LEVELS; do echo "render-$c"; done); do
  wall=$(stat "$name" wall_s)
  rss=$(stat "$name" tree_rss_kib)
  pages=$(awk -F, 'NR>1 && $3=="page" && $2=="200"' "$OUT/$name/urls.csv" 2>/dev/null | wc -l)
  rendered=$(awk -F, 'NR>1 && $21=="true"' "$OUT/$name/urls.csv" 2>/dev/null | wc -l)
  rate=$(awk -v r="$rendered" -v w="$wall" 'BEGIN { if (w > 0) printf "%.2f", r / w; else print "-" }')
  printf '%-12s %8s %8s %10s %14s %14s\n' "$name" "$wall" "$pages" "$rendered" "$rate" "$(( rss / 1024 ))"
done
