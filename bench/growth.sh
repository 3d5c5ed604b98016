#!/usr/bin/env bash
# bench/growth.sh: the growth table of issue 16 (target 4). Crawls the
# generated site (bench/sitegen, 127.0.0.1 only) at 100,000, 250,000,
# 500,000 and 1,000,000 pages with crawlaudit and prints, per size: URLs,
# wall seconds, crawl-phase and after-crawl seconds (CRAWLAUDIT_PHASES),
# CPU seconds, peak RSS, crawl.db size, and per URL: µs of wall time, µs of
# CPU and bytes of crawl.db. Then the checks: peak RSS ≤ 200 MiB at 100k
# and ≤ 512 MiB at 1M, the 1M time ≤ 10× the 100k time, and whether wall
# time, CPU time and crawl.db size grow linearly (each size's per-URL figure
# within ±25% of the smallest size's; on a shared machine CPU time is the
# steadier of the two times).
#
#   bench/growth.sh [--concurrency 16] [--timeout 30m]
#   bench/run.sh --growth ...                 # the same
#
# Environment:
#   GROWTH_SIZES="100000 250000 500000 1000000"  page counts, smallest first
#   GROWTH_TOOLS="crawlaudit"     add barecolly for bench/barecolly's figures
#   BASELINE_BIN=/path/crawlaudit  also crawl each size with this binary (e.g.
#                                  a build of main before a change), right
#                                  before the current build, on the same site
#   GROWTH_KEEP=1                  keep the crawl outputs (a 1M crawl writes
#                                  ~9 GB; by default only the measurements,
#                                  logs and the sizes of the files are kept)
#
# The 1,000,000-page crawl takes 7–10 minutes on 2 cores; the whole
# default table about 20 minutes per binary. Outputs go to bench/out/growth/.
set -euo pipefail
cd "$(dirname "$0")/.."

CONC=16
TIMEOUT=30m
while [ $# -gt 0 ]; do
  case "$1" in
    --concurrency) CONC=$2; shift 2 ;;
    --timeout) TIMEOUT=$2; shift 2 ;;
    *) echo "bench/growth.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
SIZES=${GROWTH_SIZES:-100000 250000 500000 1000000}
TOOLS=${GROWTH_TOOLS:-crawlaudit}
for s in $SIZES; do
  case $s in ''|*[!0-9]*) echo "bench/growth.sh: GROWTH_SIZES must be page counts, got $s" >&2; exit 2 ;; esac
done
if [ -n "${BASELINE_BIN:-}" ] && [ ! -x "$BASELINE_BIN" ]; then
  echo "bench/growth.sh: BASELINE_BIN $BASELINE_BIN is not an executable" >&2; exit 2
fi

OUT=bench/out/growth
BIN=bench/out/bin
rm -rf "$OUT"; mkdir -p "$OUT" "$BIN"
echo "== building"
go build -o "$BIN/" ./bench/sitegen ./bench/barecolly ./bench/measure ./cmd/crawlaudit
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -n "$(git status --porcelain -- . 2>/dev/null)" ] && COMMIT="$COMMIT+changes"

# Which runs, in order, at each size.
RUNS=()
[ -n "${BASELINE_BIN:-}" ] && RUNS+=(baseline)
for t in $TOOLS; do
  case $t in crawlaudit|barecolly) RUNS+=("$t") ;; *) echo "bench/growth.sh: unknown tool $t (crawlaudit, barecolly)" >&2; exit 2 ;; esac
done

SITEGEN=""
stop_sitegen() {
  [ -n "$SITEGEN" ] || return 0
  kill "$SITEGEN" 2>/dev/null || true
  wait "$SITEGEN" 2>/dev/null || true
  SITEGEN=""
}
trap stop_sitegen EXIT
load() { cut -d' ' -f1 /proc/loadavg; }
mib() { awk -v b="$1" 'BEGIN{ printf "%.0f", b / 1048576 }'; }

echo "== sizes: $SIZES pages; runs: ${RUNS[*]}; concurrency $CONC, $(nproc) CPUs, commit $COMMIT, $(date -u +%Y-%m-%dT%H:%MZ)"
for size in $SIZES; do
  "$BIN/sitegen" -pages "$size" >"$OUT/sitegen-$size.url" 2>"$OUT/sitegen-$size.err" &
  SITEGEN=$!
  for _ in $(seq 100); do [ -s "$OUT/sitegen-$size.url" ] && break; sleep 0.05; done
  URL=$(head -1 "$OUT/sitegen-$size.url")
  case "$URL" in http://127.0.0.1:*) ;; *) echo "bench/growth.sh: sitegen did not start" >&2; exit 1 ;; esac
  for r in "${RUNS[@]}"; do
    n=$r-$size
    exe=$BIN/crawlaudit
    [ "$r" = baseline ] && exe=$BASELINE_BIN
    l=$(load)
    echo "-- $n at $URL ($(date -u +%H:%M:%SZ), load $l)"
    if [ "$r" = barecolly ]; then
      "$BIN/measure" -timeout "$TIMEOUT" -stats "$OUT/$n.stats" -- "$BIN/barecolly" -concurrency "$CONC" "$URL" >"$OUT/$n.out" 2>"$OUT/$n.err" || true
      urls=$(sed -n 's/^urls \([0-9]*\).*/\1/p' "$OUT/$n.out")
      db=""
    else
      CRAWLAUDIT_PHASES="$OUT/$n.phases" "$BIN/measure" -timeout "$TIMEOUT" -stats "$OUT/$n.stats" -- \
        "$exe" crawl "$URL" --out "$OUT/$n" --concurrency "$CONC" --fail-on never --progress=false -q >"$OUT/$n.out" 2>"$OUT/$n.err" || true
      urls=$(( $(wc -l <"$OUT/$n/urls.csv" 2>/dev/null || echo 1) - 1 ))
      db=$(stat -c %s "$OUT/$n/crawl.db" 2>/dev/null || echo "")
      (cd "$OUT/$n" 2>/dev/null && ls -l) >"$OUT/$n.files" || true
      [ "${GROWTH_KEEP:-0}" = 1 ] || rm -rf "${OUT:?}/$n"
    fi
    printf 'urls=%s db_bytes=%s load_start=%s load_end=%s\n' "${urls:-0}" "$db" "$l" "$(load)" >"$OUT/$n.extra"
  done
  stop_sitegen
done

kv() { sed -n "s/.*\\b$2=\\([^ ]*\\).*/\\1/p" "$OUT/$1" 2>/dev/null || true; }
echo
echo "== growth table: concurrency $CONC, $(nproc) CPUs, commit $COMMIT, $(date -u +%Y-%m-%dT%H:%MZ), load average now $(cut -d' ' -f1-3 /proc/loadavg)"
for r in "${RUNS[@]}"; do
  label=$r
  [ "$r" = crawlaudit ] && label="crawlaudit (this tree, $COMMIT)"
  [ "$r" = baseline ] && label="baseline ($BASELINE_BIN)"
  echo
  echo "-- $label"
  printf '%9s %9s %8s %8s %8s %8s %8s %8s %8s %8s %9s %6s  %s\n' pages URLs wall_s crawl_s after_s CPU_s RSS_MiB db_MiB us/URL CPUus/URL db_B/URL load note
  for size in $SIZES; do
    n=$r-$size
    if [ ! -s "$OUT/$n.stats" ]; then printf '%9s %9s\n' "$size" "did not run"; continue; fi
    urls=$(kv "$n.extra" urls); db=$(kv "$n.extra" db_bytes)
    w=$(kv "$n.stats" wall_s); c=$(kv "$n.stats" cpu_s); rss=$(( $(kv "$n.stats" rss_kib) / 1024 ))
    cs=$(kv "$n.phases" crawl_s); as=$(kv "$n.phases" after_s)
    note=""
    [ "$(kv "$n.stats" timed_out)" = true ] && note="did not finish in $TIMEOUT"
    e=$(kv "$n.stats" exit); [ "$e" = 0 ] || note="exit $e (see $OUT/$n.err) $note"
    printf '%9s %9s %8s %8s %8s %8s %8s %8s %8s %8s %9s %6s  %s\n' "$size" "$urls" "$w" "${cs:--}" "${as:--}" "$c" "$rss" \
      "$([ -n "$db" ] && mib "$db" || echo -)" \
      "$(awk -v w="$w" -v u="$urls" 'BEGIN{ if (u > 0) printf "%.0f", 1e6 * w / u; else print "-" }')" \
      "$(awk -v w="$c" -v u="$urls" 'BEGIN{ if (u > 0) printf "%.0f", 1e6 * w / u; else print "-" }')" \
      "$(awk -v d="$db" -v u="$urls" 'BEGIN{ if (u > 0 && d != "") printf "%.0f", d / u; else print "-" }')" \
      "$(kv "$n.extra" load_start)" "$note"
    printf '%s %s %s %s %s %s\n' "$size" "$urls" "$w" "$rss" "${db:-0}" "$c" >>"$OUT/$r.table"
  done
  [ -s "$OUT/$r.table" ] || continue

  # The checks, from this table.
  check() { printf '  %-62s %s\n' "$1" "$2"; }
  first=$(head -1 "$OUT/$r.table" | cut -d' ' -f1)
  row() { awk -v s="$1" '$1 == s' "$OUT/$r.table"; }
  if [ "$r" != barecolly ]; then
    for pair in 100000:200 1000000:512; do
      s=${pair%:*}; lim=${pair#*:}
      got=$(row "$s" | cut -d' ' -f4)
      if [ -n "$got" ]; then check "peak RSS ≤ $lim MiB at $s pages" "$got MiB: $([ "$got" -le "$lim" ] && echo met || echo "NOT met")"
      else check "peak RSS ≤ $lim MiB at $s pages" "not run (not in GROWTH_SIZES)"; fi
    done
    t1=$(row 100000 | cut -d' ' -f3); t2=$(row 1000000 | cut -d' ' -f3)
    if [ -n "$t1" ] && [ -n "$t2" ]; then
      check "1M time ≤ 10× the 100k time" "$(awk -v a="$t2" -v b="$t1" 'BEGIN{ r = a / b; printf "%.1f / %.1f = %.2f×: %s", a, b, r, (r <= 10 ? "met" : "NOT met") }')"
    else
      check "1M time ≤ 10× the 100k time" "not run (needs 100000 and 1000000 in GROWTH_SIZES)"
    fi
  fi
  # Linear growth: each size's per-URL figure against the smallest size's.
  linear() { # linear NAME COLUMN: column of $r.table divided by URLs
    awk -v name="$1" -v col="$2" -v first="$first" '
      $5 == 0 && col == 5 { skip = 1 }
      { per[NR] = $col / $2; size[NR] = $1 }
      END {
        if (skip) { printf "  %-62s %s\n", name, "no crawl.db"; exit }
        ok = 1; s = ""
        for (i = 1; i <= NR; i++) { r = per[i] / per[1]; s = s sprintf("%s%s %.2f", (i > 1 ? ", " : ""), size[i], r); if (r < 0.75 || r > 1.25) ok = 0 }
        printf "  %-62s %s: %s\n", name " (per URL, ÷ " first "-page figure)", s, (NR < 2 ? "one size only" : (ok ? "linear (all within ±25%)" : "NOT linear (outside ±25%)"))
      }' "$OUT/$r.table"
  }
  linear "time grows linearly" 3
  linear "CPU time grows linearly" 6
  [ "$r" = barecolly ] || linear "crawl.db size grows linearly" 5
done
echo
echo "us/URL and CPUus/URL: wall and CPU microseconds per URL; db_B/URL: bytes of crawl.db per URL. load: 1-minute load"
echo "average when the run started. crawl_s: process start to the last response recorded; after_s: the audit and every output."
echo "Measurements in $OUT/ (*.stats, *.phases, *.extra; *.files lists each output's size)."
