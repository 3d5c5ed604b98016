#!/usr/bin/env bash
# bench/render.sh: the cost of --render. Crawls the synthetic single-page
# app (bench/spagen, loopback only; every page an empty shell JavaScript
# fills, all listed in its sitemap) without rendering and with --render at
# --render-concurrency 1, 2 and 4, one run each, and prints for each: the
# machine's 1-minute load average over the run (mean of samples every 10 s:
# the machine may be shared), wall and CPU seconds (bench/measure's
# tree_cpu_s: crawlaudit plus Chromium's processes), pages fetched and
# rendered, rendered pages per second, the cost of one rendered page (wall
# seconds, and CPU seconds beyond the crawl without rendering), and the peak
# resident memory of crawlaudit plus Chromium (tree_rss_kib) with its share
# per tab beyond the crawl without rendering.
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
  echo "-- $name: crawlaudit crawl $* (load $(cat /proc/loadavg))"
  cut -d' ' -f1 /proc/loadavg >"$OUT/$name.loads"
  ( while sleep 10; do cut -d' ' -f1 /proc/loadavg; done >>"$OUT/$name.loads" ) &
  local sampler=$!
  "$BIN/measure" -timeout "$TIMEOUT" -stats "$OUT/$name.stats" -- \
    "$BIN/crawlaudit" crawl "$URL" --out "$OUT/$name" --fail-on never --progress=false -q --trap-limit 0 "$@" >"$OUT/$name.out" 2>"$OUT/$name.err" || true
  kill "$sampler" 2>/dev/null || true
  wait "$sampler" 2>/dev/null || true
  cut -d' ' -f1 /proc/loadavg >>"$OUT/$name.loads"
}

run plain
for c in $LEVELS; do
  run "render-$c" --render --render-concurrency "$c"
done

echo "== $(date -u +%FT%TZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo -), load now $(cut -d' ' -f1-3 /proc/loadavg)"
printf '\n%-10s %5s %8s %8s %6s %8s %10s %8s %8s %8s %8s\n' run load wall_s cpu_s pages rendered rendered/s wall/pg cpu/pg peak_MiB MiB/tab
pcpu=$(stat plain tree_cpu_s); prss=$(stat plain tree_rss_kib)
for name in plain $(for c in $LEVELS; do echo "render-$c"; done); do
  wall=$(stat "$name" wall_s)
  cpu=$(stat "$name" tree_cpu_s)
  rss=$(stat "$name" tree_rss_kib)
  tabs=${name#render-}; [ "$name" = plain ] && tabs=0
  pages=$(awk -F, 'NR>1 && $3=="page" && $2=="200"' "$OUT/$name/urls.csv" 2>/dev/null | wc -l)
  rendered=$(awk -F, 'NR>1 && $21=="true"' "$OUT/$name/urls.csv" 2>/dev/null | wc -l)
  awk -v n="$name" -v l="$(awk '{ s += $1 } END { if (NR) printf "%.1f", s / NR }' "$OUT/$name.loads")" -v w="$wall" -v c="$cpu" -v p="$pages" -v r="$rendered" \
    -v m="$rss" -v pc="$pcpu" -v pm="$prss" -v t="$tabs" 'BEGIN {
      rate = "-"; wpp = "-"; cpp = "-"; tab = "-"
      if (r > 0) { rate = sprintf("%.2f", r / w); wpp = sprintf("%.3f", w / r); cpp = sprintf("%.3f", (c - pc) / r) }
      if (t > 0) tab = sprintf("%d", (m - pm) / 1024 / t)
      printf "%-10s %5s %8s %8s %6d %8d %10s %8s %8s %8d %8s\n", n, l, w, c, p, r, rate, wpp, cpp, m / 1024, tab
    }'
done
