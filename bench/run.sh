#!/usr/bin/env bash
# bench/run.sh: crawl one generated site (bench/sitegen, loopback only) with
# crawlaudit, a bare colly crawler and the installable peers, at the same
# concurrency, and print URLs/s, CPU seconds and peak RSS for each, their
# ratios to crawlaudit, and the generator's own limit (wrk).
#
#   bench/run.sh [--pages N] [--concurrency C] [--timeout 10m] [--tools "LIST"]
#   bench/run.sh --smoke            # 2,000 pages, crawlaudit + bare colly, checks they agree
#   bench/run.sh --docs ...         # also run bench/docs.sh (target 5: the nginx docs site) first
#   bench/run.sh --growth           # the growth table instead: bench/growth.sh (see there)
#   bench/run.sh --workers ...      # the multi-worker table instead: bench/workers.sh (see there),
#                                   # e.g. bench/run.sh --workers --pages 5000 --latency 50ms --workers "1 2 4"
#
# Tools: crawlaudit barecolly muffet linkinator linkchecker wget wrk. Peers
# that are not installed or fail are reported as such. muffet is not on the
# Go module proxy: build v2.11.5 from its source and give the binary as
# MUFFET_BIN=/path/to/muffet. linkinator is installed
# (pinned) into bench/out/npm with npm when missing; LinkChecker, wget and wrk
# come from Debian (apt-get install linkchecker wget wrk). Everything runs
# on 127.0.0.1; outputs go to bench/out/.
set -euo pipefail
cd "$(dirname "$0")/.."

PAGES=10000
CONC=16
TIMEOUT=10m
TOOLS="crawlaudit barecolly muffet linkinator linkchecker wget wrk"
SMOKE=0
DOCS=0
LINKINATOR_VERSION=6.1.2 # 7+ needs Node 22's zstd; Debian 12 ships Node 20
while [ $# -gt 0 ]; do
  case "$1" in
    --pages) PAGES=$2; shift 2 ;;
    --concurrency) CONC=$2; shift 2 ;;
    --timeout) TIMEOUT=$2; shift 2 ;;
    --tools) TOOLS=$2; shift 2 ;;
    --smoke) SMOKE=1; shift ;;
    --docs) DOCS=1; shift ;;
    --growth) shift; exec bench/growth.sh "$@" ;;
    --workers) shift; exec bench/workers.sh "$@" ;;
    *) echo "bench/run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
if [ "$SMOKE" = 1 ]; then
  PAGES=${SMOKE_PAGES:-2000}
  TOOLS="crawlaudit barecolly"
  TIMEOUT=2m
fi

OUT=bench/out/run-$PAGES
BIN=bench/out/bin
rm -rf "$OUT"; mkdir -p "$OUT" "$BIN"
echo "== building"
go build -o "$BIN/" ./bench/sitegen ./bench/barecolly ./bench/measure ./cmd/crawlaudit
if [ "$DOCS" = 1 ]; then
  # Target 5 on its own site, before the generated one starts.
  echo "== docs site: bench/docs.sh --concurrency $CONC (log in $OUT/docs.log)"
  bench/docs.sh --concurrency "$CONC" >"$OUT/docs.log" 2>&1 || echo "bench/docs.sh failed: see $OUT/docs.log"
fi

"$BIN/sitegen" -pages "$PAGES" >"$OUT/sitegen.url" 2>"$OUT/sitegen.err" &
SITEGEN=$!
trap 'kill $SITEGEN 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$OUT/sitegen.url" ] && break; sleep 0.05; done
URL=$(head -1 "$OUT/sitegen.url")
case "$URL" in http://127.0.0.1:*) ;; *) echo "sitegen did not start" >&2; exit 1 ;; esac
HOSTPORT=${URL#http://}; HOSTPORT=${HOSTPORT%/}
echo "== site: $PAGES pages at $URL, concurrency $CONC, $(nproc) CPUs"

declare -A NOTE URLS
run() { # run NAME COMMAND...: measured, stdout to $OUT/NAME.out
  local name=$1; shift
  echo "-- $name: $*"
  "$BIN/measure" -timeout "$TIMEOUT" -stats "$OUT/$name.stats" -- "$@" >"$OUT/$name.out" 2>"$OUT/$name.err" || true
}
stat() { sed -n "s/.*$2=\([^ ]*\).*/\1/p" "$OUT/$1.stats"; }

for tool in $TOOLS; do
  case $tool in
    crawlaudit)
      CRAWLAUDIT_PHASES="$OUT/crawlaudit.phases" run crawlaudit "$BIN/crawlaudit" crawl "$URL" --out "$OUT/crawlaudit" --concurrency "$CONC" --fail-on never --progress=false -q
      URLS[crawlaudit]=$(( $(wc -l <"$OUT/crawlaudit/urls.csv" 2>/dev/null || echo 1) - 1 ))
      ;;
    barecolly)
      run barecolly "$BIN/barecolly" -concurrency "$CONC" "$URL"
      URLS[barecolly]=$(sed -n 's/^urls \([0-9]*\).*/\1/p' "$OUT/barecolly.out")
      ;;
    muffet)
      if [ -z "${MUFFET_BIN:-}" ] || [ ! -x "$MUFFET_BIN" ]; then NOTE[muffet]="not installed (set MUFFET_BIN to a muffet 2.11.5 binary)"; continue; fi
      # Statuses only; -v lists every link checked so the URLs can be
      # counted (exit 1 just means it saw broken links).
      run muffet "$MUFFET_BIN" -v -c "$CONC" --max-connections-per-host "$CONC" -t 15 "$URL"
      URLS[muffet]=$(grep -o 'http://[^ ]*' "$OUT/muffet.out" | sort -u | wc -l)
      NOTE[muffet]="-c $CONC, statuses only, -v; exit 1 just means it saw broken links"
      ;;
    linkinator)
      LK=bench/out/npm/node_modules/.bin/linkinator
      if [ ! -x "$LK" ] && command -v npm >/dev/null; then
        (mkdir -p bench/out/npm && cd bench/out/npm && npm install --no-audit --no-fund --silent "linkinator@$LINKINATOR_VERSION" >/dev/null 2>&1) || true
      fi
      if [ ! -x "$LK" ]; then NOTE[linkinator]="not installed (needs npm)"; continue; fi
      run linkinator "$LK" "$URL" --recurse --concurrency "$CONC" --format csv --timeout 15000
      URLS[linkinator]=$(( $(grep -c '^"\?http' "$OUT/linkinator.out" || true) ))
      ;;
    linkchecker)
      if ! command -v linkchecker >/dev/null; then NOTE[linkchecker]="not installed (apt-get install linkchecker)"; continue; fi
      # LinkChecker limits itself to 10 requests/s per host unless its
      # config raises it (allowed above 10 for localhost only); -v lists
      # every URL so they can be counted.
      printf '[checking]\nmaxrequestspersecond=1000\nthreads=%s\n' "$CONC" >"$OUT/linkcheckerrc"
      chmod a+r "$OUT/linkcheckerrc"
      run linkchecker linkchecker -f "$OUT/linkcheckerrc" --no-status -v -t "$CONC" -o csv "$URL"
      URLS[linkchecker]=$(grep -v '^#' "$OUT/linkchecker.out" | cut -d';' -f8 | grep '^http' | sort -u | wc -l)
      NOTE[linkchecker]="-t $CONC, maxrequestspersecond=1000"
      ;;
    wget)
      if ! command -v wget >/dev/null; then NOTE[wget]="not installed"; continue; fi
      run wget wget --spider -r -l inf -nd -nv -p -o "$OUT/wget.log" "$URL"
      URLS[wget]=$(grep -o 'URL: *http[^ ]*' "$OUT/wget.log" | sed 's/URL: *//' | sort -u | wc -l)
      NOTE[wget]="one connection (wget has no concurrency); exit 8 or 6 just means it saw 4xx"
      ;;
    wrk)
      if ! command -v wrk >/dev/null; then NOTE[wrk]="not installed (apt-get install wrk)"; continue; fi
      cat >"$OUT/pages.lua" <<EOF
local i = 0
request = function()
  i = (i * 7919 + 1) % $PAGES
  return wrk.format(nil, "/p/" .. (i == 0 and 1 or i))
end
EOF
      run wrk wrk -t2 -c"$CONC" -d10s -s "$OUT/pages.lua" "$URL"
      ;;
    *) echo "unknown tool $tool" >&2; exit 2 ;;
  esac
done

echo
echo "== results: $PAGES pages, concurrency $CONC, $(nproc) CPUs, $(date -u +%Y-%m-%dT%H:%MZ)"
CA_RATE=""
if [ -s "$OUT/crawlaudit.stats" ]; then
  CA_RATE=$(awk -v u="${URLS[crawlaudit]}" -v w="$(stat crawlaudit wall_s)" 'BEGIN{ if (w > 0) printf "%.1f", u / w }')
fi
printf '%-12s %9s %9s %9s %9s %10s %12s  %s\n' tool URLs seconds URLs/s CPU_s RSS_MiB crawlaudit_x note
for tool in $TOOLS; do
  [ "$tool" = wrk ] && continue
  if [ ! -s "$OUT/$tool.stats" ]; then
    printf '%-12s %9s %9s %9s %9s %10s %12s  %s\n' "$tool" - - - - - - "${NOTE[$tool]:-did not run}"; continue
  fi
  w=$(stat "$tool" wall_s); c=$(stat "$tool" cpu_s); r=$(stat "$tool" rss_kib); e=$(stat "$tool" exit); to=$(stat "$tool" timed_out)
  n=${URLS[$tool]:-0}
  note=${NOTE[$tool]:-}
  [ "$to" = true ] && note="did not finish in $TIMEOUT; $note"
  [ "$to" != true ] && [ "$e" != 0 ] && note="exit $e; $note"
  rate=$(awk -v u="$n" -v w="$w" 'BEGIN{ if (w > 0) printf "%.1f", u / w; else print "-" }')
  ratio=$(awk -v a="$CA_RATE" -v b="$rate" 'BEGIN{ if (a != "" && b > 0) printf "%.2f", a / b; else print "-" }')
  printf '%-12s %9s %9s %9s %9s %10s %12s  %s\n' "$tool" "$n" "$w" "$rate" "$c" "$(( r / 1024 ))" "$ratio" "$note"
done
if [ -s "$OUT/wrk.out" ]; then
  RPS=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$OUT/wrk.out")
  share=$(awk -v a="$CA_RATE" -v b="$RPS" 'BEGIN{ if (a != "" && b > 0) printf "%.1f%%", 100 * a / b; else print "-" }')
  echo "generator limit (wrk -t2 -c$CONC, 10s, pages): $RPS requests/s; crawlaudit reached $share of it"
elif [[ " $TOOLS " == *" wrk "* ]]; then
  echo "generator limit: ${NOTE[wrk]:-wrk failed}"
fi
echo "crawlaudit_x = crawlaudit's URLs/s divided by the tool's. Outputs in $OUT/."

# The targets of issue 16, from this one run.
if [ -s "$OUT/crawlaudit.stats" ]; then
  CRAWL_S=$(sed -n 's/.*crawl_s=\([^ ]*\).*/\1/p' "$OUT/crawlaudit.phases" 2>/dev/null || true)
  AFTER_S=$(sed -n 's/.*after_s=\([^ ]*\).*/\1/p' "$OUT/crawlaudit.phases" 2>/dev/null || true)
  echo
  echo "== targets (issue 16)"
  [ -n "$CRAWL_S" ] && echo "crawlaudit phases: crawl ${CRAWL_S} s (process start to last response recorded), after the crawl ${AFTER_S} s (audit and every output)"
  target() { # target NAME VALUE TARGET VERDICT
    printf '%-46s %12s   target %-10s %s\n' "$1" "$2" "$3" "$4"
  }
  rate_of() { # URLs/s of a tool in this run, empty when it did not run
    [ -s "$OUT/$1.stats" ] && [ "$(stat "$1" timed_out)" != true ] || return 0
    awk -v u="${URLS[$1]:-0}" -v w="$(stat "$1" wall_s)" 'BEGIN{ if (w > 0 && u > 0) printf "%.1f", u / w }'
  }
  ratio_check() { # ratio_check NAME A B MIN: A/B against >= MIN
    if [ -z "$2" ] || [ -z "$3" ]; then target "$1" "not run" "≥ $4×" ""; return; fi
    awk -v a="$2" -v b="$3" -v m="$4" -v n="$1" 'BEGIN{ r = a / b; printf "%-46s %11.2f×   target ≥ %-8s %s\n", n, r, m "×", (r >= m ? "met" : "NOT met") }'
  }
  ratio_check "1. end to end, URLs/s vs muffet" "$CA_RATE" "$(rate_of muffet)" 2.0
  CRAWL_RATE=""
  [ -n "$CRAWL_S" ] && CRAWL_RATE=$(awk -v u="${URLS[crawlaudit]}" -v w="$CRAWL_S" 'BEGIN{ if (w > 0) printf "%.1f", u / w }')
  ratio_check "2. crawl phase, URLs/s vs barecolly" "$CRAWL_RATE" "$(rate_of barecolly)" 1.0
  if [ -n "$CRAWL_S" ]; then
    awk -v a="$AFTER_S" -v c="$CRAWL_S" 'BEGIN{ r = 100 * a / c; printf "%-46s %11.0f%%   target ≤ %-8s %s\n", "3. after the crawl, share of the crawl phase", r, "15%", (r <= 15 ? "met" : "NOT met") }'
  else
    target "3. after the crawl, share of the crawl phase" "not run" "≤ 15%" ""
  fi
  rss=$(( $(stat crawlaudit rss_kib) / 1024 ))
  limit=200; [ "$PAGES" -ge 1000000 ] && limit=512
  if [ "$PAGES" -eq 100000 ] || [ "$PAGES" -eq 1000000 ]; then
    target "4. peak RSS at $PAGES pages" "$rss MiB" "≤ $limit MiB" "$([ "$rss" -le "$limit" ] && echo met || echo "NOT met")"
  else
    target "4. peak RSS (target at 100k / 1M pages)" "$rss MiB" "≤ 200/512" "(not a target size)"
  fi
  # Target 5 comes from bench/docs.sh's last result (run.sh --docs runs it).
  DOCS_RESULT=bench/out/docs/result
  if [ -s "$DOCS_RESULT" ]; then
    dr() { sed -n "s/^$1=//p" "$DOCS_RESULT"; }
    when="bench/docs.sh at $(dr date), commit $(dr commit), load $(dr load)"
    [ -n "$(dr muffet_cpu_s)" ] && when="CPU s $(dr crawlaudit_cpu_s) vs $(dr muffet_cpu_s); $when"
    [ "$DOCS" = 1 ] || when="earlier run: $when"
    printf '%-46s %s   (%s)\n' "5. docs site, end to end ≤ muffet's time" "$(dr verdict)" "$when"
  else
    target "5. docs site, end to end vs muffet's time" "not run" "≤ 1.0×" "(bench/run.sh --docs, or bench/docs.sh)"
  fi
fi

if [ "$SMOKE" = 1 ]; then
  # The smoke run checks the script and both crawlers still work and agree.
  ca=${URLS[crawlaudit]:-0}; bc=${URLS[barecolly]:-0}
  if [ "$ca" -lt "$PAGES" ] || [ "$bc" -lt "$PAGES" ]; then
    echo "smoke: FAIL: crawlaudit found $ca URLs, bare colly $bc; want at least $PAGES each" >&2; exit 1
  fi
  if [ "$(stat crawlaudit exit)" != 0 ] || [ "$(stat barecolly exit)" != 0 ]; then
    echo "smoke: FAIL: a crawler exited non-zero (see $OUT/*.err)" >&2; exit 1
  fi
  echo "smoke: ok"
fi
