#!/usr/bin/env bash
# bench/workers.sh: the multi-worker benchmark of issue 19. Serves the
# generated site (bench/sitegen, optionally slowed by --latency per
# response, as a far-away server) and crawls it with crawlaudit spread over
# N worker processes through Redis, for each N of --workers, plus the same
# crawl in one process without Redis as a reference. Prints one table:
# URLs, wall and crawl-phase seconds, URLs/s, CPU seconds and peak RSS of
# the coordinator and the workers, Redis's CPU and memory (peak, and bytes
# per seen URL), then the speedup of each N over N=1.
#
#   bench/workers.sh [--pages 5000] [--latency 50ms] [--workers "1 2 4"]
#                    [--worker-concurrency 16] [--timeout 10m]
#   bench/run.sh --workers ...                  # the same
#
# The two modes of issue 19:
#   bench/workers.sh --pages 5000 --latency 50ms   latency-bound; target: 4
#       workers ≥ 3.5× one worker's URLs/s at equal per-worker concurrency
#   bench/workers.sh --pages 100000 --latency 0    CPU-bound on 2 cores; a report
#
# Each worker runs `crawlaudit worker --redis URL --concurrency C` (C =
# --worker-concurrency), and the coordinator `crawlaudit crawl START --redis
# URL --workers-only --concurrency N×C` (N×C is the per-host limit shared by
# all N workers, so each worker can use its C). The reference row is
# `crawlaudit crawl START --concurrency C`, one process, no Redis: the same
# concurrency as one worker. Every process runs under bench/measure (CPU
# seconds, peak RSS); the workers are stopped with SIGTERM once the
# coordinator has exited, and exit 0.
#
# INSTALLS when missing: apt-get install -y redis-server (needs root and apt;
# without apt the script stops with one line). Debian's package may try to
# start its own service on install; this script never starts, stops or
# reconfigures a system service. It runs its own redis-server on 127.0.0.1
# on a free port, from a temporary directory, with no persistence (--save ""
# --appendonly no), a fresh one for every run so that INFO's
# used_memory_peak is that run's (and FLUSHALL before each run all the
# same). While a crawl runs, a sampler reads every WORKERS_SAMPLE seconds
# (default 0.5) Redis's used_memory and used_memory_dataset and the sizes
# of the crawl's keys (prefix WORKERS_PREFIX, default crawlaudit: the host
# queues *:q:*, the seen-set *:seen, the leases and the results stream):
# rd_delta is the largest used_memory during the crawl minus used_memory
# before it, and B/seen that divided by the largest seen-set (the URL
# count, marked *, when the seen-set was never seen). Each worker run's
# URLs and statuses are compared with the single process's (a note when
# they differ).
#
# Everything listens on 127.0.0.1 only, and everything the script starts is
# stopped when it exits. Outputs (per-process stats, logs, the crawl
# outputs, the samples, the table) go to bench/out/workers-PAGES-LATENCY/.
set -euo pipefail
cd "$(dirname "$0")/.."

PAGES=5000
LATENCY=50ms
WORKERS="1 2 4"
WCONC=16
TIMEOUT=10m
SAMPLE=${WORKERS_SAMPLE:-0.5}
PREFIX=${WORKERS_PREFIX:-crawlaudit}
while [ $# -gt 0 ]; do
  case "$1" in
    --pages) PAGES=$2; shift 2 ;;
    --latency) LATENCY=$2; shift 2 ;;
    --workers) WORKERS=$2; shift 2 ;;
    --worker-concurrency) WCONC=$2; shift 2 ;;
    --timeout) TIMEOUT=$2; shift 2 ;;
    *) echo "bench/workers.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
case $PAGES in ''|*[!0-9]*) echo "bench/workers.sh: --pages must be a number, got $PAGES" >&2; exit 2 ;; esac
case $WCONC in ''|*[!0-9]*|0) echo "bench/workers.sh: --worker-concurrency must be a positive number, got $WCONC" >&2; exit 2 ;; esac
for n in $WORKERS; do
  case $n in ''|*[!0-9]*|0) echo "bench/workers.sh: --workers must list positive numbers, got $n" >&2; exit 2 ;; esac
done
[ -n "$WORKERS" ] || { echo "bench/workers.sh: --workers is empty" >&2; exit 2; }
case $LATENCY in *[!0-9]) ;; *) LATENCY=${LATENCY}s ;; esac # a bare number is seconds, as Go's durations need a unit

REDIS_SERVER=$(command -v redis-server || true)
REDIS_CLI=$(command -v redis-cli || true)
if [ -z "$REDIS_SERVER" ] || [ -z "$REDIS_CLI" ]; then
  command -v apt-get >/dev/null ||
    { echo "bench/workers.sh: needs redis-server (and its redis-cli), and apt-get is not available to install them" >&2; exit 2; }
  echo "== installing: apt-get install -y redis-server"
  apt-get install -y redis-server >/dev/null ||
    { echo "bench/workers.sh: apt-get install -y redis-server failed (root? apt-get update?)" >&2; exit 2; }
  REDIS_SERVER=$(command -v redis-server); REDIS_CLI=$(command -v redis-cli)
fi

OUT=bench/out/workers-$PAGES-$LATENCY
BIN=bench/out/bin
rm -rf "$OUT"; mkdir -p "$OUT" "$BIN"
echo "== building"
if [ -n "${CRAWLAUDIT_BIN:-}" ]; then
  [ -x "$CRAWLAUDIT_BIN" ] || { echo "bench/workers.sh: CRAWLAUDIT_BIN $CRAWLAUDIT_BIN is not an executable" >&2; exit 2; }
  go build -o "$BIN/" ./bench/sitegen ./bench/measure
  CA=$CRAWLAUDIT_BIN
else
  go build -o "$BIN/" ./bench/sitegen ./bench/measure ./cmd/crawlaudit
  CA=$BIN/crawlaudit
fi
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -n "$(git status --porcelain -- . 2>/dev/null)" ] && COMMIT="$COMMIT+changes"
"$CA" worker --help >/dev/null 2>&1 ||
  { echo "bench/workers.sh: this build of crawlaudit has no worker command" >&2; exit 2; }

# --- what runs, and how it is stopped -------------------------------------
SITEGEN=""; REDIS=""; REDIS_DIR=""; SAMPLER=""; MEASURES=()
children() { pgrep -P "$1" 2>/dev/null || true; }
stop_measured() { # stop_measured PID...: SIGTERM each measured command, so its measure writes the stats; SIGKILL after 30 s
  local m c
  for m in "$@"; do
    for c in $(children "$m"); do kill -TERM "$c" 2>/dev/null || true; done
  done
  for m in "$@"; do
    for _ in $(seq 300); do kill -0 "$m" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$m" 2>/dev/null; then
      echo "bench/workers.sh: measured process $m did not stop on SIGTERM in 30 s; SIGKILL" >&2
      for c in $(children "$m"); do kill -KILL "$c" 2>/dev/null || true; done
    fi
    wait "$m" 2>/dev/null || true
  done
}
stop_sampler() {
  [ -n "$SAMPLER" ] || return 0
  kill "$SAMPLER" 2>/dev/null || true; wait "$SAMPLER" 2>/dev/null || true; SAMPLER=""
}
stop_redis() {
  [ -n "$REDIS" ] || return 0
  kill -TERM "$REDIS" 2>/dev/null || true; wait "$REDIS" 2>/dev/null || true; REDIS=""
  [ -n "$REDIS_DIR" ] && rm -rf "$REDIS_DIR"; REDIS_DIR=""
}
cleanup() {
  stop_sampler
  [ ${#MEASURES[@]} -gt 0 ] && stop_measured "${MEASURES[@]}"
  MEASURES=()
  stop_redis
  if [ -n "$SITEGEN" ]; then kill "$SITEGEN" 2>/dev/null || true; wait "$SITEGEN" 2>/dev/null || true; SITEGEN=""; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
PORT=""
for _ in $(seq 50); do
  PORT=$(( 20000 + RANDOM % 20000 ))
  port_free "$PORT" && break
done
port_free "$PORT" || { echo "bench/workers.sh: found no free port on 127.0.0.1" >&2; exit 2; }
REDIS_URL="redis://127.0.0.1:$PORT/0"
rc() { "$REDIS_CLI" -h 127.0.0.1 -p "$PORT" "$@"; }
start_redis() { # a fresh redis-server for each run (INFO's used_memory_peak is then the run's)
  REDIS_DIR=$(mktemp -d "${TMPDIR:-/tmp}/workers-redis.XXXXXX")
  "$REDIS_SERVER" --save "" --appendonly no --port "$PORT" --bind 127.0.0.1 --dir "$REDIS_DIR" >>"$OUT/redis.log" 2>&1 &
  REDIS=$!
  for _ in $(seq 200); do [ "$(rc ping 2>/dev/null)" = PONG ] && return 0; kill -0 "$REDIS" 2>/dev/null || break; sleep 0.05; done
  echo "bench/workers.sh: redis-server did not start on 127.0.0.1:$PORT (see $OUT/redis.log)" >&2; exit 1
}
connected() { # connected PID: whether PID has a TCP connection to Redis's port (its socket inodes in /proc/net/tcp)
  local inodes
  inodes=$(ls -l "/proc/$1/fd" 2>/dev/null | sed -n 's/.*socket:\[\([0-9]*\)\]$/\1/p' | tr '\n' ' ')
  [ -n "$inodes" ] || return 1
  awk -v p="$(printf ':%04X' "$PORT")" -v ins=" $inodes" \
    'NR > 1 && substr($3, length($3) - 4) == p && index(ins, " " $10 " ") { f = 1 } END { exit !f }' /proc/net/tcp
}
info() { rc INFO "$1" | tr -d '\r' | sed -n "s/^$2:\([^ ]*\)$/\1/p"; }
cpu_ticks() { # utime+stime of a process, in clock ticks, from /proc (0 when gone)
  awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2>/dev/null || echo 0
}
TCK=$(getconf CLK_TCK)
secs() { awk -v t="$1" -v k="$TCK" 'BEGIN{ printf "%.2f", t / k }'; }

# sampler FILE: every $SAMPLE s one line "unix_s used_memory used_memory_dataset queued seen leases stream keys".
# Two redis-cli calls a sample: SCAN for the crawl's keys, then one size
# command per key of a known kind, and INFO memory last (raw replies, one
# line each; FILE.kinds has the kind of each reply, in order).
sampler() {
  local keys
  while :; do
    keys=$(rc --scan --pattern "$PREFIX:*" 2>/dev/null || true)
    : >"$1.kinds"
    printf '%s\n' "$keys" | awk -v kinds="$1.kinds" '
      NF          { n++ }
      /:q:/       { print "q" >kinds; print "ZCARD \"" $0 "\""; next }
      /:seen$/    { print "s" >kinds; print "SCARD \"" $0 "\""; next }
      /:leases$/  { print "l" >kinds; print "ZCARD \"" $0 "\""; next }
      /:results$/ { print "r" >kinds; print "XLEN \"" $0 "\""; next }
      END         { print "n=" n + 0 >kinds; close(kinds); print "INFO memory" }' >"$1.cmds"
    # (FILE.kinds is complete before the reading awk starts: not one pipeline.)
    rc <"$1.cmds" 2>/dev/null |
      awk -v kinds="$1.kinds" -v t="$EPOCHREALTIME" '
        BEGIN { while ((getline k <kinds) > 0) { if (k ~ /^n=/) keys = substr(k, 3); else kind[++n] = k } }
        { sub(/\r$/, "") }
        NR <= n { if ($0 ~ /^[0-9]+$/) c[kind[NR]] += $0; next }
        /^used_memory:/ { um = substr($0, 13) }
        /^used_memory_dataset:/ { ud = substr($0, 21) }
        END { printf "%s %d %d %d %d %d %d %d\n", t, um, ud, c["q"], c["s"], c["l"], c["r"], keys }'
    sleep "$SAMPLE"
  done
}

# --- the site ----------------------------------------------------------------
"$BIN/sitegen" -pages "$PAGES" -latency "$LATENCY" >"$OUT/sitegen.url" 2>"$OUT/sitegen.err" &
SITEGEN=$!
for _ in $(seq 100); do [ -s "$OUT/sitegen.url" ] && break; sleep 0.05; done
URL=$(head -1 "$OUT/sitegen.url")
case "$URL" in http://127.0.0.1:*) ;; *) echo "bench/workers.sh: sitegen did not start (see $OUT/sitegen.err)" >&2; exit 1 ;; esac
load() { cut -d' ' -f1 /proc/loadavg; }
echo "== site: $PAGES pages at $URL, latency $LATENCY per response; workers: $WORKERS at concurrency $WCONC each; redis-server $("$REDIS_SERVER" --version | sed -n 's/.* v=\([^ ]*\).*/\1/p') at $REDIS_URL; $(nproc) CPUs, commit $COMMIT, load average $(cut -d' ' -f1-3 /proc/loadavg)"

kv() { sed -n "s/.*\\b$2=\\([^ ]*\\).*/\\1/p" "$1" 2>/dev/null | head -1; }
urls_of() { # the URL rows of a crawl's urls.csv, as bench/run.sh counts them; crawl.json's when there is no urls.csv
  if [ -s "$1/urls.csv" ]; then echo $(( $(wc -l <"$1/urls.csv") - 1 ))
  elif [ -s "$1/crawl.json" ]; then python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d.get("urls") or []))' "$1/crawl.json" 2>/dev/null || echo 0
  else echo 0; fi
}

RUNS=()
# --- the reference: one process, no Redis ------------------------------------
run_single() {
  local n=single d="$OUT/single"; mkdir -p "$d"
  local s0; s0=$(cpu_ticks "$SITEGEN")
  echo "-- $n: crawlaudit crawl --concurrency $WCONC ($(date -u +%H:%M:%SZ), load $(load))"
  echo "load_start=$(load)" >"$d/extra"
  CRAWLAUDIT_PHASES="$d/phases" "$BIN/measure" -timeout "$TIMEOUT" -stats "$d/coord.stats" -- \
    "$CA" crawl "$URL" --out "$d/out" --concurrency "$WCONC" --fail-on never -q >"$d/coord.out" 2>"$d/coord.err" &
  MEASURES=($!)
  wait "${MEASURES[0]}" || true
  MEASURES=()
  echo "urls=$(urls_of "$d/out") site_cpu_s=$(secs $(( $(cpu_ticks "$SITEGEN") - s0 ))) load_end=$(load)" >>"$d/extra"
  RUNS+=("$n")
}

# --- N workers and a coordinator on Redis ------------------------------------
run_workers() {
  local N=$1 n=w$1 d="$OUT/w$1" i
  mkdir -p "$d"
  start_redis
  rc FLUSHALL >/dev/null
  local r0 s0 base base_data
  echo "-- $n: $N × crawlaudit worker --concurrency $WCONC, coordinator --workers-only --concurrency $(( N * WCONC )) ($(date -u +%H:%M:%SZ), load $(load))"
  echo "load_start=$(load)" >"$d/extra"
  WPIDS=()
  for i in $(seq "$N"); do
    # (The workers' own limit is 5 minutes past the coordinator's: they start first and stop after it.)
    "$BIN/measure" -timeout "${TIMEOUT}5m" -stats "$d/worker-$i.stats" -- \
      "$CA" worker --redis "$REDIS_URL" --concurrency "$WCONC" >"$d/worker-$i.out" 2>"$d/worker-$i.err" &
    WPIDS+=($!); MEASURES+=($!)
  done
  # The workers are up when each has a connection to Redis (or after 10 s, noted).
  local up=0
  for _ in $(seq 100); do
    up=0
    for i in $(seq "$N"); do
      if ! kill -0 "${WPIDS[$((i - 1))]}" 2>/dev/null; then
        echo "bench/workers.sh: worker $i of $N exited at start:" >&2; sed 's/^/  /' "$d/worker-$i.err" >&2; exit 1
      fi
      connected "$(children "${WPIDS[$((i - 1))]}")" && up=$(( up + 1 ))
    done
    [ "$up" = "$N" ] && break
    sleep 0.1
  done
  [ "$up" = "$N" ] || echo "note=only $up of $N workers had connected to Redis when the coordinator started" >>"$d/extra"
  base=$(info memory used_memory); base_data=$(info memory used_memory_dataset)
  r0=$(cpu_ticks "$REDIS"); s0=$(cpu_ticks "$SITEGEN")
  sampler "$d/samples" >"$d/samples" 2>/dev/null &
  SAMPLER=$!
  CRAWLAUDIT_PHASES="$d/phases" "$BIN/measure" -timeout "$TIMEOUT" -stats "$d/coord.stats" -- \
    "$CA" crawl "$URL" --out "$d/out" --redis "$REDIS_URL" --workers-only --concurrency $(( N * WCONC )) --fail-on never -q >"$d/coord.out" 2>"$d/coord.err" &
  local coord=$!
  MEASURES+=("$coord")
  wait "$coord" || true
  stop_sampler
  local peak; peak=$(info memory used_memory_peak)
  local rcpu; rcpu=$(secs $(( $(cpu_ticks "$REDIS") - r0 )))
  local scpu; scpu=$(secs $(( $(cpu_ticks "$SITEGEN") - s0 )))
  local left; left=$(rc --scan --pattern "$PREFIX:*" | grep -c . || true)
  stop_measured "${WPIDS[@]}"
  MEASURES=()
  stop_redis
  local urls; urls=$(urls_of "$d/out")
  # The samples' largest values, and the steady rate: URLs done (seen, not
  # queued, not leased) per second between the first sample with 10% of the
  # URLs done and the last with at most 90%, without the start and the tail
  # (samples without the seen-set, once the crawl deletes its keys, left out).
  awk -v b="$base" -v bd="$base_data" -v u="$urls" '
    $5 > 0 { x = $5 - $4 - $6; if (x >= 0.1 * u && !t1) { t1 = $1; d1 = x } if (x <= 0.9 * u && x >= d2) { t2 = $1; d2 = x } }
    { if ($2 > m) m = $2; if ($3 > md) md = $3; if ($4 > q) q = $4; if ($5 > s) s = $5; if ($8 > k) k = $8 }
    END { printf "redis_delta=%d redis_delta_data=%d max_queued=%d max_seen=%d max_keys=%d samples=%d steady=%s\n", (m > b ? m - b : 0), (md > bd ? md - bd : 0), q, s, k, NR,
            (t1 && t2 > t1 ? sprintf("%.1f", (d2 - d1) / (t2 - t1)) : "-") }' "$d/samples" >>"$d/extra"
  echo "urls=$urls redis_base=$base redis_peak=$peak redis_cpu_s=$rcpu site_cpu_s=$scpu keys_left=$left load_end=$(load)" >>"$d/extra"
  RUNS+=("$n")
}

run_single
for N in $WORKERS; do run_workers "$N"; done
cleanup

# --- the table ---------------------------------------------------------------
{
echo
echo "== workers table: $PAGES pages, latency $LATENCY, worker concurrency $WCONC (host limit N×$WCONC), $(nproc) CPUs, redis-server at 127.0.0.1, commit $COMMIT, $(date -u +%Y-%m-%dT%H:%MZ), load average now $(cut -d' ' -f1-3 /proc/loadavg)"
H='%-7s %7s %8s %8s %8s %8s %8s %7s %7s %7s %6s %6s %6s %6s %6s %7s %7s %6s %7s %7s %8s %5s  %s\n'
# shellcheck disable=SC2059
printf "$H" run URLs wall_s crawl_s URLs/s crURLs/s steady/s co_CPU wk_CPU wk_max rd_CPU si_CPU ms/URL co_MiB wk_MiB rd_peak rd_delta B/seen Bd/seen max_q max_seen load note
for n in "${RUNS[@]}"; do
  d=$OUT/$n
  if [ ! -s "$d/coord.stats" ]; then printf '%-7s %s\n' "$n" "did not run"; continue; fi
  urls=$(kv "$d/extra" urls); w=$(kv "$d/coord.stats" wall_s); cs=$(kv "$d/phases" crawl_s)
  note=$(sed -n 's/^note=//p' "$d/extra")
  e=$(kv "$d/coord.stats" exit)
  [ "$(kv "$d/coord.stats" timed_out)" = true ] && note="did not finish in $TIMEOUT; $note"
  [ "$e" -gt 1 ] 2>/dev/null && note="coordinator exit $e (see $d/coord.err); $note"
  wcpu=- wmax=- wrss=- rpeak=- rdelta=- bseen=- bdseen=- mq=- ms=- rcpu=-
  if [ "$n" != single ]; then
    wcpu=0; wmax=0; wrss=0
    for f in "$d"/worker-*.stats; do
      [ -s "$f" ] || { note="a worker left no stats; $note"; continue; }
      c=$(kv "$f" cpu_s); r=$(kv "$f" rss_kib); x=$(kv "$f" exit)
      wcpu=$(awk -v a="$wcpu" -v b="$c" 'BEGIN{ printf "%.2f", a + b }')
      wmax=$(awk -v a="$wmax" -v b="$c" 'BEGIN{ printf "%.2f", (b > a ? b : a) }')
      [ "$r" -gt "$wrss" ] && wrss=$r
      [ "$x" = 0 ] || note="$(basename "$f" .stats) exit $x; $note"
    done
    wrss=$(( wrss / 1024 ))
    rcpu=$(kv "$d/extra" redis_cpu_s)
    rpeak=$(awk -v b="$(kv "$d/extra" redis_peak)" 'BEGIN{ printf "%.1f", b / 1048576 }')
    rdelta=$(awk -v b="$(kv "$d/extra" redis_delta)" 'BEGIN{ printf "%.1f", b / 1048576 }')
    mq=$(kv "$d/extra" max_queued); ms=$(kv "$d/extra" max_seen)
    per_seen() { awk -v b="$1" -v s="$ms" -v u="$urls" 'BEGIN{ if (s > 0) printf "%.0f", b / s; else if (u > 0) printf "%.0f*", b / u; else print "-" }'; }
    bseen=$(per_seen "$(kv "$d/extra" redis_delta)")
    bdseen=$(per_seen "$(kv "$d/extra" redis_delta_data)")
    left=$(kv "$d/extra" keys_left); [ "${left:-0}" = 0 ] || note="$left keys left in Redis after the crawl; $note"
    # The same site must give the same URLs and statuses as the single process.
    if [ -s "$OUT/single/out/urls.csv" ] && [ -s "$d/out/urls.csv" ]; then
      k=$(diff <(cut -d, -f1,2 "$OUT/single/out/urls.csv" | sort) <(cut -d, -f1,2 "$d/out/urls.csv" | sort) | grep -c '^[<>]' || true)
      [ "$k" = 0 ] || note="$k url,status rows differ from the single process's (diff of $OUT/single/out/urls.csv and $d/out/urls.csv); $note"
    fi
  fi
  # shellcheck disable=SC2059
  printf "$H" "$n" "$urls" "$w" "${cs:--}" \
    "$(awk -v u="$urls" -v w="$w" 'BEGIN{ if (w > 0) printf "%.1f", u / w; else print "-" }')" \
    "$(awk -v u="$urls" -v w="$cs" 'BEGIN{ if (w > 0) printf "%.1f", u / w; else print "-" }')" "$(st=$(kv "$d/extra" steady); echo "${st:--}")" \
    "$(kv "$d/coord.stats" cpu_s)" "$wcpu" "$wmax" "$rcpu" "$(kv "$d/extra" site_cpu_s)" \
    "$(awk -v a="$(kv "$d/coord.stats" cpu_s)" -v b="$wcpu" -v c="$rcpu" -v u="$urls" 'BEGIN{ if (u > 0) printf "%.2f", 1000 * (a + b + c) / u; else print "-" }')" \
    "$(( $(kv "$d/coord.stats" rss_kib) / 1024 ))" "$wrss" "$rpeak" "$rdelta" "$bseen" "$bdseen" "$mq" "$ms" "$(kv "$d/extra" load_start)" "${note%; }"
done
cat <<EOF
run: single = one process, no Redis, --concurrency $WCONC; wN = N workers (--concurrency $WCONC each) and a --workers-only coordinator.
URLs: rows of the crawl's urls.csv. wall_s: the coordinator's (the single process's) wall time; crawl_s: its crawl phase
(CRAWLAUDIT_PHASES); URLs/s, crURLs/s: URLs over each; steady/s: URLs done (seen, not queued, not leased) per second from 10% to
90% of the crawl, from the samples. CPU seconds: co = coordinator, wk = the workers' sum, wk_max = the busiest worker,
rd = redis-server, si = sitegen (the site); ms/URL: CPU milliseconds per URL of co + wk + rd (the site left out).
MiB: peak RSS of the coordinator and of the largest worker. rd_peak: INFO used_memory_peak of the run's own redis-server (MiB);
rd_delta: the largest used_memory sampled during the crawl minus used_memory before it (MiB); B/seen: rd_delta per URL of the
largest seen-set (* = per URL crawled: the seen-set was not sampled); Bd/seen: the same from used_memory_dataset (the keys,
without client buffers and Redis's own overhead); max_q, max_seen: the largest host-queue and seen-set sizes, sampled every ${SAMPLE} s.
EOF
echo "load: load average (1 min) when the run started."

# Speedups over one worker.
rate() { awk -v u="$(kv "$OUT/$1/extra" urls)" -v w="$2" 'BEGIN{ if (w > 0 && u > 0) printf "%.3f", u / w }'; }
steady() { st=$(kv "$OUT/$1/extra" steady); [ "$st" = - ] || echo "$st"; }
R1=""; C1=""; M1=""
if [ -s "$OUT/w1/coord.stats" ]; then R1=$(rate w1 "$(kv "$OUT/w1/coord.stats" wall_s)"); C1=$(rate w1 "$(kv "$OUT/w1/phases" crawl_s)"); M1=$(steady w1); fi
echo
echo "== speedup over 1 worker (URLs/s end to end; crawl phase; steady, 10-90%)"
for N in $WORKERS; do
  n=w$N
  [ -s "$OUT/$n/coord.stats" ] || { printf '%-7s did not run\n' "$n"; continue; }
  r=$(rate "$n" "$(kv "$OUT/$n/coord.stats" wall_s)"); c=$(rate "$n" "$(kv "$OUT/$n/phases" crawl_s)"); m=$(steady "$n")
  line=$(awk -v r="$r" -v r1="$R1" -v c="$c" -v c1="$C1" -v m="$m" -v m1="$M1" -v n="$N" 'BEGIN{
    x = (r1 > 0 && r > 0) ? sprintf("%.2f×", r / r1) : "-"; y = (c1 > 0 && c > 0) ? sprintf("%.2f×", c / c1) : "-"
    z = (m1 > 0 && m > 0) ? sprintf("%.2f×", m / m1) : "-"
    e = (r1 > 0 && r > 0) ? sprintf("%.0f%%", 100 * r / r1 / n) : "-"
    printf "%-7s end to end %7s   crawl phase %7s   steady %7s   end to end per worker %5s", "w" n, x, y, z, e }')
  if [ "$N" = 4 ] && [ "$LATENCY" != 0s ] && [ -n "$R1" ] && [ -n "$r" ]; then
    line="$line   target ≥ 3.5× (latency-bound): $(awk -v r="$r" -v r1="$R1" -v c="$c" -v c1="$C1" -v m="$m" -v m1="$M1" 'BEGIN{
      v = "end to end " (r / r1 >= 3.5 ? "met" : "NOT met")
      if (c1 > 0 && c > 0) v = v ", crawl phase " (c / c1 >= 3.5 ? "met" : "NOT met")
      if (m1 > 0 && m > 0) v = v ", steady " (m / m1 >= 3.5 ? "met" : "NOT met")
      print v }')"
  fi
  echo "$line"
  if [ "$N" = 4 ] && [ "$LATENCY" != 0s ] && [ -n "$R1" ] && [ -n "$r" ]; then
    # Whether this machine has the CPU for the target at all.
    u=$(kv "$OUT/$n/extra" urls)
    wsum=$(cat "$OUT/$n"/worker-*.stats 2>/dev/null | sed -n 's/.* cpu_s=\([^ ]*\).*/\1/p' | awk '{ w += $1 } END { print w + 0 }')
    awk -v r1="$R1" -v co="$(kv "$OUT/$n/coord.stats" cpu_s)" -v wk="$wsum" -v si="$(kv "$OUT/$n/extra" site_cpu_s)" -v rd="$(kv "$OUT/$n/extra" redis_cpu_s)" -v u="$u" -v p="$(nproc)" -v l="$(kv "$OUT/$n/extra" load_start)" 'BEGIN{
      per = (co + wk + rd) / u; sc = si / u; need = 3.5 * r1
      printf "        3.5× w1 = %.0f URLs/s needs %.2f CPUs for the crawl (%.2f ms/URL at w4) + %.2f for the site, on %d CPUs at load %s\n", need, need * per, 1000 * per, need * sc, p, l }'
  fi
done
S=$(rate single "$(kv "$OUT/single/coord.stats" wall_s 2>/dev/null)")
[ -n "$S" ] && [ -n "$R1" ] && awk -v a="$R1" -v b="$S" 'BEGIN{ printf "1 worker vs the single process (same concurrency): %.2f× its URLs/s\n", a / b }'
} | tee "$OUT/table.txt"

# What the workers logged beyond the ordinary (the first lines of each kind).
odd=$(cat "$OUT"/w*/worker-*.err "$OUT"/*/coord.err 2>/dev/null | grep -iE 'error|warn|fail|panic|lost|expir|retry|refus' | sort | uniq -c | sort -rn | head -20 || true)
if [ -n "$odd" ]; then
  echo
  echo "== log lines with error/warn/fail/panic/lost/expir/retry/refus (count, line; all logs in $OUT/w*/):"
  echo "$odd"
fi
echo "Outputs in $OUT/ (table.txt, per run: *.stats, *.err, samples, extra, phases, out/)."
