#!/usr/bin/env bash
# bench/docs.sh: target 5 of issue 16, a real site. Serves Debian's HTML
# documentation of Python 3.11 and PostgreSQL 15 (~1,700 pages plus their
# style sheets, scripts and images) with nginx on 127.0.0.1, then crawls it
# end to end with crawlaudit and with muffet at the same concurrency and
# prints URLs, seconds, URLs/s, CPU seconds and peak RSS for each, and
# whether crawlaudit's time is at most muffet's (target 5).
#
#   bench/docs.sh [--concurrency 16] [--port P] [--runs 1] [--timeout 5m]
#   (DOCS_PORT and DOCS_RUNS set --port and --runs too, e.g. for run.sh --docs)
#
# INSTALLS when missing: apt-get install -y nginx-light python3.11-doc
# postgresql-doc-15 (needs root and apt; without apt the script stops with
# one line). Debian's nginx package tries to start its own service on
# install; this script never starts, stops or reconfigures a system service
# (in containers policy-rc.d denies the start anyway).
#
# nginx runs from a configuration of its own, bench/out/docs/nginx.conf, with
# its own prefix, pid, lock, temp and log paths under bench/out/docs/, listens
# on 127.0.0.1 only (port from --port or DOCS_PORT, else a free one), and is
# stopped when the script exits. The system's /etc/nginx is not touched
# (only its mime.types is read).
#
# muffet 2.11.5 is given as MUFFET_BIN=/path/to/muffet (the Go module proxy
# does not serve it; build it from the tagged source). Both crawlers check
# only URLs on the loopback server: crawlaudit with --no-external, muffet
# with --include of the server's origin (the docs link to python.org and
# postgresql.org, which are never requested). muffet runs with -f (ignore
# fragments: crawlaudit does not check #fragments either) and -v (it then
# lists every URL it checked, so they can be counted).
#
# With --runs N each tool crawls N times, alternating, and the table shows
# every run; the verdict uses the medians. The result is also written to
# bench/out/docs/result as key=value lines, which bench/run.sh shows as
# target 5.
set -euo pipefail
cd "$(dirname "$0")/.."

CONC=16
PORT=${DOCS_PORT:-}
RUNS=${DOCS_RUNS:-1}
TIMEOUT=5m
while [ $# -gt 0 ]; do
  case "$1" in
    --concurrency) CONC=$2; shift 2 ;;
    --port) PORT=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --timeout) TIMEOUT=$2; shift 2 ;;
    *) echo "bench/docs.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

PYDOC=/usr/share/doc/python3.11-doc/html
PGDOC=/usr/share/doc/postgresql-doc-15/html
NGINX=/usr/sbin/nginx
if [ ! -x "$NGINX" ] || [ ! -e "$PYDOC/index.html" ] || [ ! -e "$PGDOC/index.html" ]; then
  command -v apt-get >/dev/null ||
    { echo "bench/docs.sh: needs nginx-light, python3.11-doc and postgresql-doc-15, and apt-get is not available to install them" >&2; exit 2; }
  echo "== installing: apt-get install -y nginx-light python3.11-doc postgresql-doc-15"
  apt-get install -y nginx-light python3.11-doc postgresql-doc-15 >/dev/null ||
    { echo "bench/docs.sh: apt-get install -y nginx-light python3.11-doc postgresql-doc-15 failed (root? apt-get update?)" >&2; exit 2; }
fi

OUT=bench/out/docs
BIN=bench/out/bin
rm -rf "$OUT"; mkdir -p "$OUT/www" "$OUT/logs" "$OUT/tmp" "$BIN"
OUT_ABS=$(cd "$OUT" && pwd)
echo "== building"
go build -o "$BIN/" ./bench/measure ./cmd/crawlaudit

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if [ -z "$PORT" ]; then
  for _ in $(seq 50); do
    PORT=$(( 20000 + RANDOM % 20000 ))
    port_free "$PORT" && break
  done
fi
port_free "$PORT" || { echo "bench/docs.sh: port $PORT on 127.0.0.1 is in use" >&2; exit 2; }
URL="http://127.0.0.1:$PORT/"

# The site: an index page linking both manuals, the manuals through
# symbolic links to Debian's files.
ln -s "$(readlink -f "$PYDOC")" "$OUT/www/python"
ln -s "$(readlink -f "$PGDOC")" "$OUT/www/postgresql"
cat >"$OUT/www/index.html" <<'EOF'
<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Documentation</title>
<meta name="description" content="Python 3.11 and PostgreSQL 15 documentation, served locally for bench/docs.sh"></head>
<body><h1>Documentation</h1>
<ul>
<li><a href="/python/index.html">Python 3.11 documentation</a></li>
<li><a href="/postgresql/index.html">PostgreSQL 15 documentation</a></li>
</ul></body></html>
EOF

cat >"$OUT/nginx.conf" <<EOF
# bench/docs.sh's own nginx configuration: loopback only, every path under
# $OUT_ABS.
worker_processes auto;
pid $OUT_ABS/nginx.pid;
lock_file $OUT_ABS/nginx.lock;
error_log $OUT_ABS/logs/error.log warn;
events { worker_connections 1024; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 10000;
  gzip on;
  access_log $OUT_ABS/logs/access.log;
  client_body_temp_path $OUT_ABS/tmp/body;
  proxy_temp_path $OUT_ABS/tmp/proxy;
  fastcgi_temp_path $OUT_ABS/tmp/fastcgi;
  uwsgi_temp_path $OUT_ABS/tmp/uwsgi;
  scgi_temp_path $OUT_ABS/tmp/scgi;
  server {
    listen 127.0.0.1:$PORT;
    server_name localhost;
    root $OUT_ABS/www;
    index index.html;
  }
}
EOF

"$NGINX" -t -q -p "$OUT_ABS/" -e "$OUT_ABS/logs/error.log" -c "$OUT_ABS/nginx.conf" ||
  { echo "bench/docs.sh: nginx rejects $OUT/nginx.conf (see $OUT/logs/error.log)" >&2; exit 1; }
"$NGINX" -p "$OUT_ABS/" -e "$OUT_ABS/logs/error.log" -c "$OUT_ABS/nginx.conf" -g 'daemon off;' 2>>"$OUT/logs/error.log" &
NGINX_PID=$!
stop_nginx() {
  kill -TERM "$NGINX_PID" 2>/dev/null || true
  wait "$NGINX_PID" 2>/dev/null || true
}
trap stop_nginx EXIT
for _ in $(seq 200); do port_free "$PORT" || break; sleep 0.05; done
port_free "$PORT" && { echo "bench/docs.sh: nginx did not start (see $OUT/logs/error.log)" >&2; exit 1; }
echo "== site: Python 3.11 and PostgreSQL 15 docs at $URL (nginx $("$NGINX" -v 2>&1 | sed 's/.*nginx\///')), concurrency $CONC, $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"

stat() { sed -n "s/.*$2=\([^ ]*\).*/\1/p" "$OUT/$1.stats"; }
requests() { wc -l <"$OUT/logs/access.log" 2>/dev/null || echo 0; }
declare -A URLS REQS
run() { # run NAME COMMAND...: measured; stdout to $OUT/NAME.out; counts the server's requests
  local name=$1; shift
  local before; before=$(requests)
  echo "-- $name: $*"
  "$BIN/measure" -timeout "$TIMEOUT" -stats "$OUT/$name.stats" -- "$@" >"$OUT/$name.out" 2>"$OUT/$name.err" || true
  REQS[$name]=$(( $(requests) - before ))
}
MUFFET=yes
if [ -z "${MUFFET_BIN:-}" ] || [ ! -x "${MUFFET_BIN:-}" ]; then
  MUFFET="not installed (set MUFFET_BIN to a muffet 2.11.5 binary)"
fi
NAMES=()
for i in $(seq "$RUNS"); do
  n=crawlaudit-$i
  CRAWLAUDIT_PHASES="$OUT/$n.phases" run "$n" "$BIN/crawlaudit" crawl "$URL" --out "$OUT/$n" --concurrency "$CONC" --no-external --fail-on never --progress=false -q
  # urls.csv: one row per URL crawlaudit knows of on the site, requested
  # or not (none are left unrequested here: no robots.txt, no caps).
  URLS[$n]=$(( $(wc -l <"$OUT/$n/urls.csv" 2>/dev/null || echo 1) - 1 ))
  NAMES+=("$n")
  [ "$MUFFET" = yes ] || continue
  n=muffet-$i
  # Every distinct URL muffet checked, as -v lists them (exit 1 only means
  # it found broken links).
  run "$n" "$MUFFET_BIN" -v -f -c "$CONC" --max-connections-per-host "$CONC" -t 15 --include "^http://127\\.0\\.0\\.1:$PORT/" "$URL"
  URLS[$n]=$(grep -o 'http://127\.0\.0\.1:[0-9]*/[^ ]*' "$OUT/$n.out" | sed 's/#.*//' | sort -u | wc -l)
  NAMES+=("$n")
done

echo
echo "== results: docs site ($URL), concurrency $CONC, $(nproc) CPUs, $(date -u +%Y-%m-%dT%H:%MZ), load average $(cut -d' ' -f1-3 /proc/loadavg), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
printf '%-14s %7s %9s %8s %9s %8s %8s %8s  %s\n' run URLs requests seconds URLs/s CPU_s RSS_MiB exit note
for n in "${NAMES[@]}"; do
  if [ ! -s "$OUT/$n.stats" ]; then printf '%-14s %7s\n' "$n" "did not run"; continue; fi
  w=$(stat "$n" wall_s); note=""
  [ "$(stat "$n" timed_out)" = true ] && note="did not finish in $TIMEOUT"
  case $n in crawlaudit-*) [ -s "$OUT/$n.phases" ] && note="$(sed 's/crawl_s=\([^ ]*\) after_s=\([^ ]*\).*/crawl \1 s, after the crawl \2 s/' "$OUT/$n.phases")" ;; esac
  printf '%-14s %7s %9s %8s %9s %8s %8s %8s  %s\n' "$n" "${URLS[$n]}" "${REQS[$n]}" "$w" \
    "$(awk -v u="${URLS[$n]}" -v w="$w" 'BEGIN{ if (w > 0) printf "%.0f", u / w; else print "-" }')" \
    "$(stat "$n" cpu_s)" "$(( $(stat "$n" rss_kib) / 1024 ))" "$(stat "$n" exit)" "$note"
done
echo "URLs: crawlaudit's rows in urls.csv (pages, style sheets, scripts, images and 4xx targets on the site); muffet's distinct"
echo "URLs in its -v output, fragments cut. requests: lines nginx logged during the run (crawlaudit also asks for robots.txt and"
echo "sitemaps; it checks assets with HEAD and confirms a non-2xx HEAD with GET)."

median() { sort -n | awk '{ a[NR] = $1 } END { if (NR == 0) exit; print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }
walls() { # walls TOOL [FIELD]: the FIELD (wall_s) of each finished run of TOOL
  for n in "${NAMES[@]}"; do case $n in "$1"-*) [ "$(stat "$n" timed_out)" = true ] || stat "$n" "${2:-wall_s}" ;; esac; done
}
CA_S=$(walls crawlaudit | median); CA_CPU=$(walls crawlaudit cpu_s | median)
MU_S=""; MU_CPU=""
[ "$MUFFET" = yes ] && { MU_S=$(walls muffet | median); MU_CPU=$(walls muffet cpu_s | median); }
CA_URLS=${URLS[crawlaudit-1]:-0}
MU_URLS=${URLS[muffet-1]:-0}
{
  echo "date=$(date -u +%Y-%m-%dT%H:%MZ)"
  echo "commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "load=$(cut -d' ' -f1 /proc/loadavg)"
  echo "concurrency=$CONC"
  echo "runs=$RUNS"
  echo "crawlaudit_s=$CA_S"
  echo "crawlaudit_urls=$CA_URLS"
  echo "muffet_s=$MU_S"
  echo "muffet_urls=$MU_URLS"
  echo "crawlaudit_cpu_s=$CA_CPU"
  echo "muffet_cpu_s=$MU_CPU"
} >"$OUT/result"

echo
if [ -z "$CA_S" ]; then
  verdict="crawlaudit did not finish"
elif [ -z "$MU_S" ]; then
  verdict="muffet $MUFFET"
else
  verdict=$(awk -v a="$CA_S" -v b="$MU_S" 'BEGIN{ printf "%.2f s vs %.2f s (%.2f×): %s", a, b, a / b, (a <= b ? "met" : "NOT met") }')
  # The counts must be comparable for the times to be.
  awk -v a="$CA_URLS" -v b="$MU_URLS" 'BEGIN{ exit !(b > 0 && (a / b < 0.9 || a / b > 1.1)) }' &&
    verdict="$verdict (URL counts differ by more than 10%: $CA_URLS vs $MU_URLS)"
fi
echo "verdict=$verdict" >>"$OUT/result"
[ "$RUNS" -gt 1 ] && echo "(medians of $RUNS runs each)"
printf '%-46s %s\n' "5. docs site, end to end ≤ muffet's time" "$verdict"
[ -n "$MU_CPU" ] && [ -n "$CA_CPU" ] &&
  printf '%-46s %s\n' "   CPU seconds (steadier on a shared machine)" "crawlaudit $CA_CPU, muffet $MU_CPU"
exit 0
