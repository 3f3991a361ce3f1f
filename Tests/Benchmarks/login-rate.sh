#!/usr/bin/env bash
# Benchmark (not a test): password logins per second through the JSON flow executor against
# the raw argon2id rate of this machine, measured in the same run with the server's parameters
# (m=19456 KiB, t=2, p=1) and the server's call (libargon2's argon2_verify on a PHC string);
# then session-cookie lookups per second on /api/v3/core/users/me/ with Redis up and with
# Redis down (PostgreSQL fallback). Everything listens on 127.0.0.1 only; every load loop is
# bounded in time and in count.
#
#   bash Tests/Benchmarks/login-rate.sh
#   USERS=50 LOGIN_SECONDS=15 LOGIN_CONCURRENCY=4 HASH_SECONDS=8 DURATION=10s CONNECTIONS=32 \
#       bash Tests/Benchmarks/login-rate.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source Deploy/packages.sh
gatehouse_ensure_packages wrk curl python3
gatehouse_swift_path

USERS="${USERS:-50}"
LOGIN_SECONDS="${LOGIN_SECONDS:-15}"
LOGIN_CONCURRENCY="${LOGIN_CONCURRENCY:-4}"
LOGIN_MAX="${LOGIN_MAX:-5000}"
HASH_SECONDS="${HASH_SECONDS:-8}"
HASH_MAX="${HASH_MAX:-5000}"
HASH_WORKERS="${HASH_WORKERS:-$(nproc)}"
DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-32}"
THREADS="${THREADS:-1}"

swift build -c release --product gatehouse >/dev/null
binary="$(swift build -c release --show-bin-path)/gatehouse"

work="$(mktemp -d)"
chmod 755 "$work"   # PostgreSQL runs as the postgres user and must reach its data folder
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# --- Raw argon2id rate: the server's call, the server's parameters, one process per core. ---
cat >"$work/hashrate.swift" <<'SWIFT'
import CArgon2
import Glibc

// hashrate SECONDS MAX: argon2_verify in a loop until SECONDS have passed or MAX were done;
// prints "count elapsed_seconds".
let seconds = Double(CommandLine.arguments[1])!
let maximum = Int(CommandLine.arguments[2])!
let password = Array("correct horse battery staple".utf8)
var salt = [UInt8](repeating: 0, count: 16)
for i in salt.indices { salt[i] = UInt8.random(in: 0...255) }
let length = argon2_encodedlen(2, 19_456, 1, UInt32(salt.count), 32, Argon2_id)
var encoded = [CChar](repeating: 0, count: length)
guard argon2id_hash_encoded(2, 19_456, 1, password, password.count, salt, salt.count, 32, &encoded, length) == 0 else {
    fatalError("argon2id_hash_encoded failed")
}
func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
let start = now()
var count = 0
while count < maximum && now() - start < seconds {
    guard argon2_verify(encoded, password, password.count, Argon2_id) == 0 else { fatalError("argon2_verify failed") }
    count += 1
}
print(count, now() - start)
SWIFT
swiftc -O -I Sources/CArgon2 "$work/hashrate.swift" -o "$work/hashrate" 2>"$work/swiftc.log" \
    || { cat "$work/swiftc.log" >&2; exit 1; }

# --- Throw-away services. `dev services` stops everything when its Redis dies, so serve gets a
# Redis of its own (no persistence) that this script can shut down mid-run. ---
"$binary" dev services --data-dir "$work/data" --env-file "$work/services.env" >"$work/services.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 600); do [ -s "$work/services.env" ] && break; sleep 0.1; done
if [ ! -s "$work/services.env" ]; then cat "$work/services.log" >&2; exit 1; fi
set -a; source "$work/services.env"; set +a

redis_port="$(free_port)"
mkdir -p "$work/redis"
redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no --dir "$work/redis" \
    >"$work/redis.log" 2>&1 &
redis_pid=$!
pids+=($redis_pid)
for _ in $(seq 1 100); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.05; done
export GATEHOUSE_REDIS_URL="redis://127.0.0.1:$redis_port"

gh_port="$(free_port)"
export GATEHOUSE_LISTEN="127.0.0.1:$gh_port" GATEHOUSE_EXTERNAL_URL="http://127.0.0.1:$gh_port"
export GATEHOUSE_LOG_LEVEL=warning

# --- USERS users with one known password, from a generated blueprint (password via !Env). ---
export BENCH_PASSWORD="bench-$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')"
{
    echo "version: 1"
    echo "metadata: {name: login-benchmark}"
    echo "entries:"
    for i in $(seq -w 1 "$USERS"); do
        echo "  - model: user"
        echo "    identifiers: {username: bench$i}"
        echo "    attrs: {email: bench$i@example.test, name: Bench User $i, password: !Env BENCH_PASSWORD}"
    done
} >"$work/users.yaml"
"$binary" blueprint apply "$work/users.yaml" >"$work/blueprint.log" 2>&1 || { cat "$work/blueprint.log" >&2; exit 1; }

"$binary" serve >"$work/serve.log" 2>&1 &
gh_pid=$!
pids+=($gh_pid)
for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$gh_port/-/health/live/" >/dev/null && break; sleep 0.05; done
curl -sf "http://127.0.0.1:$gh_port/-/health/live/" >/dev/null || { cat "$work/serve.log" >&2; exit 1; }

# --- Hash rate (nothing else running but an idle server and idle services), measured before
# and after the logins; the login ratio is against their mean. ---
measure_hash_rate() {
    local hash_pids=() i
    for i in $(seq 1 "$HASH_WORKERS"); do
        "$work/hashrate" "$HASH_SECONDS" "$HASH_MAX" >"$work/hash.$i" &
        hash_pids+=($!)
    done
    wait "${hash_pids[@]}"
    cat "$work"/hash.* | awk '{n += $1; if ($2 > t) t = $2} END {printf "%.1f", n / t}'
}
hash_before=$(measure_hash_rate)

# --- Logins through the executor: GET challenge, POST identification, POST password. ---
cat >"$work/logins.py" <<'PYTHON'
import http.client, json, os, sys, threading, time

port, users, seconds, concurrency, maximum = (int(a) if a.isdigit() else float(a) for a in sys.argv[1:6])
cookie_file = sys.argv[6]
password = os.environ["BENCH_PASSWORD"]
PATH = "/api/v3/flows/executor/default-authentication-flow/"
lock = threading.Lock()
totals = {"ok": 0, "failed": 0, "get": 0.0, "ident": 0.0, "password": 0.0}
started = time.monotonic()
deadline = started + seconds

def login(conn, username):
    cookies = {}
    def call(method, body=None):
        headers = {"Accept": "application/json"}
        if cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/json"
            body = json.dumps(body)
        t0 = time.monotonic()
        conn.request(method, PATH, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                val = rest.split(";", 1)[0]
                if val == "" or "max-age=0" in value.lower():
                    cookies.pop(key, None)
                else:
                    cookies[key] = val
        return response.status, (json.loads(data) if data else {}), time.monotonic() - t0
    s1, c1, t1 = call("GET")
    s2, c2, t2 = call("POST", {"component": "ak-stage-identification", "uid_field": username})
    s3, c3, t3 = call("POST", {"component": "ak-stage-password", "password": password})
    ok = (s1, s2, s3) == (200, 200, 200) and c1.get("component") == "ak-stage-identification" \
        and c2.get("component") == "ak-stage-password" and c3.get("component") == "xak-flow-redirect" \
        and "gatehouse_session" in cookies
    return ok, cookies.get("gatehouse_session"), (t1, t2, t3)

def worker(index):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    n = index
    while time.monotonic() < deadline:
        with lock:
            if totals["ok"] + totals["failed"] >= maximum:
                return
        username = "bench%0*d" % (len(str(users)), n % users + 1)
        n += concurrency
        try:
            ok, cookie, (t1, t2, t3) = login(conn, username)
        except Exception:
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            ok, cookie, (t1, t2, t3) = False, None, (0, 0, 0)
        with lock:
            totals["ok" if ok else "failed"] += 1
            totals["get"] += t1; totals["ident"] += t2; totals["password"] += t3
            if ok and not os.path.exists(cookie_file):
                with open(cookie_file, "w") as f:
                    f.write(cookie)

threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
for t in threads: t.start()
for t in threads: t.join()
elapsed = time.monotonic() - started
done = max(totals["ok"] + totals["failed"], 1)
print(totals["ok"], totals["failed"], f"{elapsed:.2f}",
      *(f"{1000 * totals[k] / done:.1f}" for k in ("get", "ident", "password")))
PYTHON
# Where the CPU goes during the login run: machine busy time (/proc/stat), the server process,
# this run's PostgreSQL (the pool keeps its backends) and the client (everything else).
cpu_ticks() { local t=0 pid; for pid in "$@"; do
    [ -r "/proc/$pid/stat" ] && t=$((t + $(sed 's/.*) //' "/proc/$pid/stat" | awk '{print $12 + $13}'))); done; echo "$t"; }
busy_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8}' /proc/stat; }
# This run's PostgreSQL only (not another instance on the machine): its postmaster and children.
postmaster="$(head -1 "$work/data/postgres/data/postmaster.pid")"
pg_snapshot() { local pid; for pid in "$postmaster" $(pgrep -P "$postmaster" || true); do echo "$pid $(cpu_ticks "$pid")"; done; }
pg_snapshot >"$work/pg.before"
serve0=$(cpu_ticks "$gh_pid"); busy0=$(busy_ticks)
read -r logins_ok logins_failed login_elapsed ms_get ms_ident ms_password < <(
    python3 "$work/logins.py" "$gh_port" "$USERS" "$LOGIN_SECONDS" "$LOGIN_CONCURRENCY" "$LOGIN_MAX" "$work/cookie")
serve1=$(cpu_ticks "$gh_pid"); busy1=$(busy_ticks)
pg_snapshot >"$work/pg.after"
# Backends the pool opened during the run count in full.
pg0=0; pg1=$(awk 'NR == FNR {before[$1] = $2; next} {t += $2 - before[$1]} END {print t + 0}' "$work/pg.before" "$work/pg.after")
hz=$(getconf CLK_TCK)
per_login() { python3 -c "print(f'{1000 * ($1) / $hz / max($logins_ok, 1):.1f}')"; }
cpu_serve=$(per_login "$serve1 - $serve0"); cpu_pg=$(per_login "$pg1 - $pg0")
cpu_busy=$(per_login "$busy1 - $busy0")
cpu_other=$(python3 -c "print(f'{$cpu_busy - $cpu_serve - $cpu_pg:.1f}')")
busy_share=$(python3 -c "print(f'{100 * ($busy1 - $busy0) / $hz / $login_elapsed / $(nproc):.0f}')")
hash_after=$(measure_hash_rate)
hash_rate=$(python3 -c "print(f'{($hash_before + $hash_after) / 2:.1f}')")
login_rate=$(python3 -c "print(f'{$logins_ok/$login_elapsed:.1f}')")
[ -s "$work/cookie" ] || { echo "no login succeeded" >&2; tail -20 "$work/serve.log" >&2; exit 1; }
cookie="gatehouse_session=$(cat "$work/cookie")"

# --- Session lookups: wrk with the cookie; every answer must be a 200 with the user. ---
me="http://127.0.0.1:$gh_port/api/v3/core/users/me/"
check_me() {
    local status
    status=$(curl -s -o "$work/me.json" -w '%{http_code}' -H "Cookie: $cookie" "$me")
    [ "$status" = 200 ] && grep -q '"username":"bench' "$work/me.json" \
        || { echo "users/me answered $status: $(cat "$work/me.json")" >&2; exit 1; }
}
lookups() {   # prints "requests/s non2xx errors serve-CPU% postgres-CPU%" (CPU% of one core)
    local s0 s1 t0 t1 pg
    pg_snapshot >"$work/pg.before"; s0=$(cpu_ticks "$gh_pid"); t0=$(date +%s%N)
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -H "Cookie: $cookie" "$me" >"$work/wrk.out" 2>&1
    s1=$(cpu_ticks "$gh_pid"); t1=$(date +%s%N); pg_snapshot >"$work/pg.after"
    pg=$(awk 'NR == FNR {before[$1] = $2; next} {t += $2 - before[$1]} END {print t + 0}' "$work/pg.before" "$work/pg.after")
    awk -v s=$((s1 - s0)) -v pg="$pg" -v hz="$hz" -v ns=$((t1 - t0)) \
        '/Requests\/sec/ {r = $2} /Non-2xx/ {n = $NF} /Socket errors/ {e = $0}
         END {printf "%s %d %s %.0f %.0f\n", r, n, (e == "" ? "0" : "yes"), 100 * s / hz / (ns / 1e9), 100 * pg / hz / (ns / 1e9)}' \
        "$work/wrk.out"
}
check_me
read -r up_rate up_non2xx up_errors up_serve up_pg < <(lookups)
check_me
redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
wait "$redis_pid" 2>/dev/null || true
check_me
read -r down_rate down_non2xx down_errors down_serve down_pg < <(lookups)
check_me

echo "machine: $(nproc) cores; argon2id m=19456 KiB t=2 p=1 (libargon2 argon2_verify)"
echo "hash rate: $HASH_WORKERS processes for ${HASH_SECONDS}s; logins: $LOGIN_CONCURRENCY client threads for ${LOGIN_SECONDS}s over $USERS users"
printf '%-44s %12s\n' "figure" "value"
printf '%-44s %12s\n' "raw argon2id verifications/s (before/after)" "$hash_before / $hash_after"
printf '%-44s %12s\n' "password logins/s (executor API, 3 requests)" "$login_rate"
printf '%-44s %12s\n' "logins / hash rate" "$(python3 -c "print(f'{$login_rate/$hash_rate:.2f}')")"
printf '%-44s %12s\n' "logins ok / failed" "$logins_ok / $logins_failed"
printf '%-44s %12s\n' "mean ms per login: GET / ident / password" "$ms_get / $ms_ident / $ms_password"
printf '%-44s %12s\n' "CPU busy during logins (all cores)" "$busy_share %"
printf '%-44s %12s\n' "CPU ms per login: serve / postgres / rest" "$cpu_serve / $cpu_pg / $cpu_other"
printf '%-44s %12s\n' "argon2id ms per verification (1 core)" "$(python3 -c "print(f'{1000 * $HASH_WORKERS / $hash_rate:.1f}')")"
printf '%-44s %12s\n' "users/me lookups/s, Redis up" "$up_rate"
printf '%-44s %12s\n' "users/me lookups/s, Redis down" "$down_rate"
printf '%-44s %12s\n' "CPU% (1 core) serve / postgres, Redis up" "$up_serve / $up_pg"
printf '%-44s %12s\n' "CPU% (1 core) serve / postgres, Redis down" "$down_serve / $down_pg"
printf '%-44s %12s\n' "non-2xx (up / down)" "$up_non2xx / $down_non2xx"
printf '%-44s %12s\n' "socket errors (up / down)" "$up_errors / $down_errors"
if [ "$up_non2xx" != 0 ] || [ "$down_non2xx" != 0 ] || [ "$logins_failed" != 0 ]; then
    echo "FAILED: some answers were not successful" >&2
    exit 1
fi
