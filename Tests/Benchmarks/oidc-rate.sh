#!/usr/bin/env bash
# Benchmark (not a test): the OIDC token endpoint. Prints, in one run:
#   - `openssl speed` RSA-2048 and P-256 signs/s of this machine (the RS256 / ES256 primitives);
#   - client_credentials grants/s with wrk on /application/o/token/ for an ES256 and an RS256
#     provider (Basic client authentication, --latency for p50/p99, non-2xx counted);
#   - authorize→code→token round trips/s with a live browser session (PKCE S256), from Python
#     processes on keep-alive connections, with the client's own CPU use;
#   - the server's RSS after the runs.
# Nothing is asserted about timings; the script fails only when answers were not successful.
# Everything listens on 127.0.0.1; every load loop is bounded in time and in count.
#
#   bash Tests/Benchmarks/oidc-rate.sh
#   SPEED_SECONDS=3 DURATION=10s CONNECTIONS=64 THREADS=1 ROUNDTRIP_SECONDS=10 ROUNDTRIP_WORKERS=4 \
#       bash Tests/Benchmarks/oidc-rate.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source Deploy/packages.sh
gatehouse_ensure_packages wrk curl python3 openssl
gatehouse_swift_path

SPEED_SECONDS="${SPEED_SECONDS:-3}"
DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-1}"
ROUNDTRIP_SECONDS="${ROUNDTRIP_SECONDS:-10}"
ROUNDTRIP_WORKERS="${ROUNDTRIP_WORKERS:-4}"
ROUNDTRIP_MAX="${ROUNDTRIP_MAX:-20000}"

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

load_start="$(cut -d' ' -f1-3 /proc/loadavg)"

# --- Signing primitives first, on an idle machine: one core, OpenSSL's own loop. ---
openssl speed -seconds "$SPEED_SECONDS" rsa2048 ecdsap256 >"$work/speed.out" 2>/dev/null
rsa_signs=$(awk '/^rsa 2048 bits/ {print $6}' "$work/speed.out")
ec_signs=$(awk '/^ *256 bits ecdsa \(nistp256\)/ {print $7}' "$work/speed.out")

# --- Throw-away services. ---
"$binary" dev services --data-dir "$work/data" --env-file "$work/services.env" >"$work/services.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 600); do [ -s "$work/services.env" ] && break; sleep 0.1; done
if [ ! -s "$work/services.env" ]; then cat "$work/services.log" >&2; exit 1; fi
set -a; source "$work/services.env"; set +a

gh_port="$(free_port)"
export GATEHOUSE_LISTEN="127.0.0.1:$gh_port" GATEHOUSE_EXTERNAL_URL="http://127.0.0.1:$gh_port"
export GATEHOUSE_LOG_LEVEL=warning

# --- One user for the browser session and two confidential clients (ES256, RS256) open to
# everyone; `client_credentials` runs as each provider's auto-created `svc-<client_id>`. ---
secret() { python3 -c 'import secrets; print(secrets.token_urlsafe(24))'; }
export BENCH_PASSWORD="bench-$(secret)" BENCH_ES_SECRET="$(secret)" BENCH_RS_SECRET="$(secret)"
redirect_uri="http://127.0.0.1:9/callback"
{
    echo "version: 1"
    echo "metadata: {name: oidc-benchmark}"
    echo "entries:"
    echo "  - model: user"
    echo "    identifiers: {username: bench-oidc}"
    echo "    attrs: {email: bench-oidc@example.test, name: Bench OIDC, password: !Env BENCH_PASSWORD}"
    for alg in es rs; do
        upper=$(echo "$alg" | tr a-z A-Z)
        echo "  - model: oauth2-provider"
        echo "    identifiers: {name: bench-$alg}"
        echo "    attrs:"
        echo "      client_type: confidential"
        echo "      client_id: bench-$alg"
        echo "      client_secret: !Env BENCH_${upper}_SECRET"
        echo "      redirect_uris: [{matching_mode: strict, url: \"$redirect_uri\"}]"
        echo "      signing_alg: ${upper}256"
        echo "      scopes: [openid, email, profile]"
        echo "  - model: application"
        echo "    identifiers: {slug: bench-$alg}"
        echo "    attrs: {name: Bench $upper, provider: bench-$alg, launch_url: \"http://127.0.0.1:9/\"}"
    done
} >"$work/bench.yaml"
"$binary" blueprint apply "$work/bench.yaml" >"$work/blueprint.log" 2>&1 || { cat "$work/blueprint.log" >&2; exit 1; }

"$binary" serve >"$work/serve.log" 2>&1 &
gh_pid=$!
pids+=($gh_pid)
for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$gh_port/-/health/live/" >/dev/null && break; sleep 0.05; done
curl -sf "http://127.0.0.1:$gh_port/-/health/live/" >/dev/null || { cat "$work/serve.log" >&2; exit 1; }
base="http://127.0.0.1:$gh_port"
token_url="$base/application/o/token/"

# CPU accounting around each run: the server, and this run's PostgreSQL (postmaster + backends).
hz=$(getconf CLK_TCK)
cpu_ticks() { local t=0 pid; for pid in "$@"; do
    [ -r "/proc/$pid/stat" ] && t=$((t + $(sed 's/.*) //' "/proc/$pid/stat" | awk '{print $12 + $13}'))); done; echo "$t"; }
postmaster="$(head -1 "$work/data/postgres/data/postmaster.pid")"
pg_snapshot() { local pid; for pid in "$postmaster" $(pgrep -P "$postmaster" || true); do echo "$pid $(cpu_ticks "$pid")"; done; }
# The whole machine's busy time (user, nice, system, irq, softirq, steal), for "was it saturated".
busy_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }
pg_delta() { awk 'NR == FNR {before[$1] = $2; next} {t += $2 - before[$1]} END {print t + 0}' "$1" "$2"; }

# --- client_credentials with wrk. Every answer must be a 200 with an access token. ---
cat >"$work/grant.lua" <<'LUA'
wrk.method = "POST"
wrk.body = "grant_type=client_credentials"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic " .. os.getenv("BENCH_BASIC")
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) ok = 0; bad = 0 end
function response(status, headers, body)
    if status == 200 and string.find(body, '"access_token"', 1, true) then ok = ok + 1 else bad = bad + 1 end
end
function done(summary, latency, requests)
    local o, b = 0, 0
    for _, t in ipairs(threads) do o = o + t:get("ok"); b = b + t:get("bad") end
    local e = summary.errors
    io.write(string.format("BENCH %d %d %d %.3f %.3f %.2f\n", o, b, e.connect + e.read + e.write + e.timeout,
        latency:percentile(50) / 1000, latency:percentile(99) / 1000, o / (summary.duration / 1e6)))
end
LUA
check_grant() {   # one grant by curl: 200 and a JWT access token
    local status
    status=$(curl -s -o "$work/grant.json" -w '%{http_code}' -u "$1:$2" -d grant_type=client_credentials "$token_url")
    [ "$status" = 200 ] && grep -q '"access_token":"ey' "$work/grant.json" \
        || { echo "client_credentials for $1 answered $status: $(cat "$work/grant.json")" >&2; tail -20 "$work/serve.log" >&2; exit 1; }
}
grants() {   # client secret -> "grants/s ok bad socket-errors p50ms p99ms serve-CPU% postgres-CPU% machine-busy%"
    local s0 s1 t0 t1 b0 b1
    check_grant "$1" "$2"
    export BENCH_BASIC="$(printf '%s:%s' "$1" "$2" | base64 -w0)"
    pg_snapshot >"$work/pg.before"; s0=$(cpu_ticks "$gh_pid"); b0=$(busy_ticks); t0=$(date +%s%N)
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$work/grant.lua" "$token_url" >"$work/wrk.$1" 2>&1
    s1=$(cpu_ticks "$gh_pid"); b1=$(busy_ticks); t1=$(date +%s%N); pg_snapshot >"$work/pg.after"
    check_grant "$1" "$2"
    awk -v s=$((s1 - s0)) -v b=$((b1 - b0)) -v cores="$(nproc)" -v pg="$(pg_delta "$work/pg.before" "$work/pg.after")" \
        -v hz="$hz" -v ns=$((t1 - t0)) \
        '/^BENCH / {printf "%.0f %d %d %d %.2f %.2f %.0f %.0f %.0f\n", $7, $2, $3, $4, $5, $6, 100 * s / hz / (ns / 1e9),
                    100 * pg / hz / (ns / 1e9), 100 * b / hz / (ns / 1e9) / cores}' \
        "$work/wrk.$1"
}
read -r es_rate es_ok es_bad es_err es_p50 es_p99 es_serve es_pg es_busy < <(grants bench-es "$BENCH_ES_SECRET")
read -r rs_rate rs_ok rs_bad rs_err rs_p50 rs_p99 rs_serve rs_pg rs_busy < <(grants bench-rs "$BENCH_RS_SECRET")
[ -n "${es_rate:-}" ] && [ -n "${rs_rate:-}" ] || { cat "$work"/wrk.* >&2; exit 1; }

# --- Authorize → code → token with a browser session. ---
cat >"$work/roundtrips.py" <<'PYTHON'
import base64, hashlib, http.client, json, multiprocessing, os, secrets, sys, time, urllib.parse

port, seconds, workers, maximum = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
client_id, secret, redirect_uri = sys.argv[5], sys.argv[6], sys.argv[7]
FLOW = "/api/v3/flows/executor/default-authentication-flow/"

def sign_in():
    """The JSON flow executor, as login-rate.sh does it; returns the session cookie."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    cookies = {}
    def call(method, body=None):
        headers = {"Accept": "application/json"}
        if cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/json"
            body = json.dumps(body)
        conn.request(method, FLOW, body=body, headers=headers)
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
        return json.loads(data) if data else {}
    call("GET")
    call("POST", {"component": "ak-stage-identification", "uid_field": "bench-oidc"})
    final = call("POST", {"component": "ak-stage-password", "password": os.environ["BENCH_PASSWORD"]})
    if final.get("component") != "xak-flow-redirect" or "gatehouse_session" not in cookies:
        sys.exit(f"sign-in failed: {final}")
    return "gatehouse_session=" + cookies["gatehouse_session"]

def worker(args):
    cookie, deadline, quota = args
    basic = "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies, failures, first_failure = [], 0, None
    cpu0 = time.process_time()
    while time.monotonic() < deadline and len(latencies) + failures < quota:
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        state = secrets.token_urlsafe(12)
        query = urllib.parse.urlencode({"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri,
                                        "scope": "openid email profile", "state": state, "nonce": secrets.token_urlsafe(12),
                                        "code_challenge": challenge, "code_challenge_method": "S256"})
        t0 = time.monotonic()
        try:
            conn.request("GET", "/application/o/authorize/?" + query, headers={"Cookie": cookie})
            r1 = conn.getresponse(); r1.read()
            location = r1.getheader("Location") or ""
            answer = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)
            if r1.status != 302 or not location.startswith(redirect_uri + "?") or answer.get("state") != [state] \
                    or "code" not in answer:
                raise RuntimeError(f"authorize answered {r1.status} {location[:200]}")
            body = urllib.parse.urlencode({"grant_type": "authorization_code", "code": answer["code"][0],
                                           "redirect_uri": redirect_uri, "code_verifier": verifier})
            conn.request("POST", "/application/o/token/", body=body,
                          headers={"Authorization": basic, "Content-Type": "application/x-www-form-urlencoded"})
            r2 = conn.getresponse(); data = r2.read()
            if r2.status != 200 or "id_token" not in json.loads(data):
                raise RuntimeError(f"token answered {r2.status} {data[:200]!r}")
            latencies.append(time.monotonic() - t0)
        except Exception as error:
            failures += 1
            first_failure = first_failure or str(error)
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    return latencies, failures, first_failure, time.process_time() - cpu0

if __name__ == "__main__":
    cookie = sign_in()
    started = time.monotonic()
    with multiprocessing.Pool(workers) as pool:
        results = pool.map(worker, [(cookie, started + seconds, maximum // workers)] * workers)
    elapsed = time.monotonic() - started
    latencies = sorted(l for r in results for l in r[0])
    failures = sum(r[1] for r in results)
    client_cpu = sum(r[3] for r in results)
    for r in results:
        if r[2]:
            print("first failure:", r[2], file=sys.stderr)
            break
    pct = lambda p: 1000 * latencies[min(len(latencies) - 1, int(p * len(latencies)))] if latencies else 0
    # rate ok failed p50ms p99ms client-CPU-% (of one core, all worker processes together)
    print(f"{len(latencies) / elapsed:.0f}", len(latencies), failures, f"{pct(0.50):.2f}", f"{pct(0.99):.2f}",
          f"{100 * client_cpu / elapsed:.0f}")
PYTHON
roundtrips() {   # client secret -> "rate ok failed p50 p99 client-CPU% serve-CPU% postgres-CPU% machine-busy%"
    local s0 s1 t0 t1 b0 b1 out
    pg_snapshot >"$work/pg.before"; s0=$(cpu_ticks "$gh_pid"); b0=$(busy_ticks); t0=$(date +%s%N)
    out=$(python3 "$work/roundtrips.py" "$gh_port" "$ROUNDTRIP_SECONDS" "$ROUNDTRIP_WORKERS" "$ROUNDTRIP_MAX" \
        "$1" "$2" "$redirect_uri")
    s1=$(cpu_ticks "$gh_pid"); b1=$(busy_ticks); t1=$(date +%s%N); pg_snapshot >"$work/pg.after"
    echo "$out $(awk -v s=$((s1 - s0)) -v b=$((b1 - b0)) -v cores="$(nproc)" -v pg="$(pg_delta "$work/pg.before" "$work/pg.after")" \
        -v hz="$hz" -v ns=$((t1 - t0)) \
        'BEGIN {printf "%.0f %.0f %.0f", 100 * s / hz / (ns / 1e9), 100 * pg / hz / (ns / 1e9), 100 * b / hz / (ns / 1e9) / cores}')"
}
read -r rt_es_rate rt_es_ok rt_es_failed rt_es_p50 rt_es_p99 rt_es_client rt_es_serve rt_es_pg rt_es_busy < <(roundtrips bench-es "$BENCH_ES_SECRET")
read -r rt_rs_rate rt_rs_ok rt_rs_failed rt_rs_p50 rt_rs_p99 rt_rs_client rt_rs_serve rt_rs_pg rt_rs_busy < <(roundtrips bench-rs "$BENCH_RS_SECRET")
rss=$(awk '/^VmRSS/ {printf "%.0f MiB", $2 / 1024}' "/proc/$gh_pid/status")

echo "machine: $(nproc) cores, $(openssl version | cut -d' ' -f1-2); wrk, the Python client, PostgreSQL and serve share them"
echo "load average at the start: $load_start"
echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency, POST /application/o/token/ grant_type=client_credentials, Basic auth"
echo "round trips: $ROUNDTRIP_WORKERS Python processes, keep-alive, ${ROUNDTRIP_SECONDS}s; GET authorize (302 + code) + POST token (id_token)"
printf '%-48s %14s %14s\n' "figure" "ES256" "RS256"
printf '%-48s %14s %14s\n' "openssl speed signs/s (1 core)" "$ec_signs" "$rsa_signs"
printf '%-48s %14s %14s\n' "client_credentials grants/s" "$es_rate" "$rs_rate"
printf '%-48s %14s %14s\n' "  p50 / p99 ms" "$es_p50 / $es_p99" "$rs_p50 / $rs_p99"
printf '%-48s %14s %14s\n' "  ok / non-2xx / socket errors" "$es_ok/$es_bad/$es_err" "$rs_ok/$rs_bad/$rs_err"
printf '%-48s %14s %14s\n' "  CPU% (1 core) serve / postgres" "$es_serve / $es_pg" "$rs_serve / $rs_pg"
printf '%-48s %14s %14s\n' "  machine busy (all cores, anyone's work)" "$es_busy %" "$rs_busy %"
printf '%-48s %14s %14s\n' "authorize+token round trips/s" "$rt_es_rate" "$rt_rs_rate"
printf '%-48s %14s %14s\n' "  p50 / p99 ms" "$rt_es_p50 / $rt_es_p99" "$rt_rs_p50 / $rt_rs_p99"
printf '%-48s %14s %14s\n' "  ok / failed" "$rt_es_ok / $rt_es_failed" "$rt_rs_ok / $rt_rs_failed"
printf '%-48s %14s %14s\n' "  CPU% (1 core) client / serve / postgres" "$rt_es_client/$rt_es_serve/$rt_es_pg" "$rt_rs_client/$rt_rs_serve/$rt_rs_pg"
printf '%-48s %14s %14s\n' "  machine busy (all cores, anyone's work)" "$rt_es_busy %" "$rt_rs_busy %"
printf '%-48s %14s\n' "serve RSS after the runs" "$rss"
# The client is Python: when it burns as much CPU as the server, it is part of what is measured.
if [ "$rt_es_client" -ge "$rt_es_serve" ] || [ "$rt_rs_client" -ge "$rt_rs_serve" ]; then
    echo "note: the Python client used as much CPU as serve during the round trips: it may be the bottleneck"
fi
if [ "$es_bad" != 0 ] || [ "$rs_bad" != 0 ] || [ "$es_err" != 0 ] || [ "$rs_err" != 0 ] \
    || [ "$rt_es_failed" != 0 ] || [ "$rt_rs_failed" != 0 ]; then
    echo "FAILED: some answers were not successful; these figures are not valid" >&2
    exit 1
fi
