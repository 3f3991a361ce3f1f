#!/usr/bin/env bash
# Benchmark (not a test): Gatehouse's HTTP stack against nginx serving the same bytes on the
# same machine, in the same run. Prints requests/s for each, the ratio, Gatehouse's CPU time
# per request, idle RSS and start-up time. Everything listens on 127.0.0.1 only; every load
# run is bounded by -d.
#
#   bash Tests/Benchmarks/http-vs-nginx.sh            # 10 s per run, 64 connections
#   DURATION=30s CONNECTIONS=128 bash Tests/Benchmarks/http-vs-nginx.sh
#   GATEHOUSE_BIN=/tmp/gatehouse-before bash Tests/Benchmarks/http-vs-nginx.sh
#                                  # a binary built earlier: before/after in one sitting
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source Deploy/packages.sh
gatehouse_ensure_packages wrk nginx-light curl
gatehouse_swift_path

DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-1}"

if [ -n "${GATEHOUSE_BIN:-}" ]; then
    binary="$GATEHOUSE_BIN"
else
    swift build -c release --product gatehouse >/dev/null
    binary="$(swift build -c release --show-bin-path)/gatehouse"
fi

work="$(mktemp -d)"
chmod 755 "$work"   # PostgreSQL runs as the postgres user and must reach its data folder
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    [ -f "$work/nginx.pid" ] && kill -QUIT "$(cat "$work/nginx.pid")" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Private PostgreSQL and Redis: `serve` needs them for readiness, not for these routes.
"$binary" dev services --data-dir "$work/data" --env-file "$work/services.env" >"$work/services.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 600); do [ -s "$work/services.env" ] && break; sleep 0.1; done
if [ ! -s "$work/services.env" ]; then cat "$work/services.log" >&2; exit 1; fi
set -a; source "$work/services.env"; set +a

gh_port="$(free_port)"
nginx_port="$(free_port)"
export GATEHOUSE_LISTEN="127.0.0.1:$gh_port" GATEHOUSE_EXTERNAL_URL="http://127.0.0.1:$gh_port"
# The access log is an info line per request; nginx below logs nothing either.
export GATEHOUSE_LOG_LEVEL=warning

start_ns=$(date +%s%N)
"$binary" serve >"$work/serve.log" 2>&1 &
gh_pid=$!
pids+=($gh_pid)
until curl -sf "http://127.0.0.1:$gh_port/-/health/live/" >/dev/null; do sleep 0.005; done
ready_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
idle_rss_kib=$(awk '/VmRSS/ {print $2}' "/proc/$gh_pid/status")

# nginx serves byte-identical answers: the liveness JSON and the stylesheet.
mkdir -p "$work/www/-/health/live" "$work/www/static"
curl -sf "http://127.0.0.1:$gh_port/-/health/live/" >"$work/www/-/health/live/index.json"
curl -sf "http://127.0.0.1:$gh_port/static/gatehouse.css" >"$work/www/static/gatehouse.css"
cat >"$work/nginx.conf" <<NGINX
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 4096; }
http {
    access_log off;
    include /etc/nginx/mime.types;
    server {
        listen 127.0.0.1:$nginx_port;
        root $work/www;
        location = /-/health/live/ { default_type application/json; try_files /-/health/live/index.json =404; }
        location /static/ { expires 1h; etag on; }
    }
}
NGINX
nginx -c "$work/nginx.conf" -p "$work"
sleep 0.3

load() { wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "$1" 2>&1; }
rate() { awk '/Requests\/sec/ {print $2}' <<<"$1"; }
# CPU time (user + system, clock ticks) the gatehouse process has used so far. Per request it
# is steadier than requests/s on a machine shared with other work, which steals wall time.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$gh_pid/stat"; }

echo "machine: $(nproc) cores; wrk -t$THREADS -c$CONNECTIONS -d$DURATION (keep-alive); nginx: 1 worker; load $(cut -d' ' -f1 /proc/loadavg)"
printf '%-28s %14s %14s %8s %16s\n' "path" "gatehouse r/s" "nginx r/s" "ratio" "gatehouse µs CPU"
for path in "/-/health/live/" "/static/gatehouse.css"; do
    before=$(cpu_ticks)
    out=$(load "http://127.0.0.1:$gh_port$path")
    after=$(cpu_ticks)
    g=$(rate "$out")
    requests=$(awk '/requests in/ {print $1}' <<<"$out")
    n=$(rate "$(load "http://127.0.0.1:$nginx_port$path")")
    printf '%-28s %14s %14s %8s %16s\n' "$path" "$g" "$n" "$(python3 -c "print(f'{$g/$n:.2f}')")" \
        "$(python3 -c "print(f'{($after - $before) * 1e6 / $(getconf CLK_TCK) / $requests:.1f}')")"
done
loaded_rss_kib=$(awk '/VmRSS/ {print $2}' "/proc/$gh_pid/status")
echo "gatehouse serve ready in ${ready_ms} ms (exec to first /-/health/live/ answer, migrations already applied)"
echo "gatehouse RSS: idle $((idle_rss_kib / 1024)) MiB, after load $((loaded_rss_kib / 1024)) MiB"
