#!/usr/bin/env bash
# Benchmark (not a test): signed SAML SSO responses per second against the raw RSA-2048
# signing rate of the same cores, in one run. Prints:
#   - `openssl speed -multi <cores> rsa2048` signs/s (the primitive every response needs once);
#   - IdP-initiated SSO responses/s with wrk and a signed-in session (GET …/sso/binding/init/
#     with the session cookie: session lookup, access rules, NameID and attribute mappings,
#     the session-participant and audit rows, one RSA-SHA256 signature, the auto-post page),
#     for a provider that signs the Response only and one that signs Assertion and Response;
#   - the ratio responses/s ÷ signs/s (aim: at least 0.4 for one signature per response);
#   - the server's RSS after the runs.
# Nothing is asserted about timings; the script fails only when answers were not responses.
# Everything listens on 127.0.0.1; every load loop is bounded in time.
#
#   bash Tests/Benchmarks/saml-rate.sh
#   SPEED_SECONDS=3 DURATION=10s CONNECTIONS=32 THREADS=1 bash Tests/Benchmarks/saml-rate.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source Deploy/packages.sh
gatehouse_ensure_packages wrk curl python3 openssl
gatehouse_swift_path

SPEED_SECONDS="${SPEED_SECONDS:-3}"
DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-32}"
THREADS="${THREADS:-1}"
cores="$(nproc)"

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

# --- The primitive, on every core the server may use, before anything else runs. ---
openssl speed -seconds "$SPEED_SECONDS" -multi "$cores" rsa2048 >"$work/speed.out" 2>/dev/null
rsa_signs=$(awk '/^rsa 2048 bits/ {print $6}' "$work/speed.out" | tail -1)
[ -n "$rsa_signs" ] || { cat "$work/speed.out" >&2; exit 1; }

# --- Throw-away services and a server. ---
"$binary" dev services --data-dir "$work/data" --env-file "$work/services.env" >"$work/services.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 600); do [ -s "$work/services.env" ] && break; sleep 0.1; done
[ -s "$work/services.env" ] || { cat "$work/services.log" >&2; exit 1; }
set -a; source "$work/services.env"; set +a
gh_port="$(free_port)"
export GATEHOUSE_LISTEN="127.0.0.1:$gh_port" GATEHOUSE_EXTERNAL_URL="http://127.0.0.1:$gh_port" GATEHOUSE_LOG_LEVEL=warning
export BENCH_PASSWORD="bench-$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')"
{
    echo "version: 1"
    echo "metadata: {name: saml-benchmark}"
    echo "entries:"
    echo "  - model: user"
    echo "    identifiers: {username: bench-saml}"
    echo "    attrs: {email: bench-saml@example.test, name: Bench SAML, password: !Env BENCH_PASSWORD}"
    for kind in response both; do
        echo "  - model: saml-provider"
        echo "    identifiers: {name: bench-$kind}"
        echo "    attrs:"
        echo "      acs_url: http://127.0.0.1:9/$kind/acs"
        echo "      audience: http://127.0.0.1:9/$kind"
        echo "      sign_response: true"
        echo "      sign_assertion: $([ "$kind" = both ] && echo true || echo false)"
        echo "      attribute_mappings:"
        echo "        - {name: \"http://schemas.infor.com/claims/Identity2\", expression: 'user.username'}"
        echo "        - {name: email, expression: 'user.email'}"
        echo "  - model: application"
        echo "    identifiers: {slug: bench-$kind}"
        echo "    attrs: {name: Bench $kind, provider: bench-$kind}"
    done
} >"$work/bench.yaml"
"$binary" blueprint apply "$work/bench.yaml" >"$work/blueprint.log" 2>&1 || { cat "$work/blueprint.log" >&2; exit 1; }
"$binary" serve >"$work/serve.log" 2>&1 &
gh_pid=$!
pids+=($gh_pid)
base="http://127.0.0.1:$gh_port"
for _ in $(seq 1 600); do curl -sf "$base/-/health/live/" >/dev/null && break; sleep 0.05; done
curl -sf "$base/-/health/live/" >/dev/null || { cat "$work/serve.log" >&2; exit 1; }

# --- A session, through the JSON flow executor. ---
flow="$base/api/v3/flows/executor/default-authentication-flow/"
jar="$work/cookies"
curl -s -c "$jar" -b "$jar" -H 'Accept: application/json' "$flow" >/dev/null
curl -s -c "$jar" -b "$jar" -H 'Content-Type: application/json' \
    -d '{"component":"ak-stage-identification","uid_field":"bench-saml"}' "$flow" >/dev/null
curl -s -c "$jar" -b "$jar" -H 'Content-Type: application/json' \
    -d "{\"component\":\"ak-stage-password\",\"password\":\"$BENCH_PASSWORD\"}" "$flow" >"$work/signin.json"
cookie="$(awk '$6 == "gatehouse_session" {print $7}' "$jar")"
[ -n "$cookie" ] || { echo "sign-in failed: $(cat "$work/signin.json")" >&2; exit 1; }
export BENCH_COOKIE="gatehouse_session=$cookie"

cat >"$work/sso.lua" <<'LUA'
wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE")
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) ok = 0; bad = 0 end
function response(status, headers, body)
    if status == 200 and string.find(body, 'name="SAMLResponse"', 1, true) then ok = ok + 1 else bad = bad + 1 end
end
function done(summary, latency, requests)
    local o, b = 0, 0
    for _, t in ipairs(threads) do o = o + t:get("ok"); b = b + t:get("bad") end
    local e = summary.errors
    io.write(string.format("BENCH %d %d %d %.2f %.2f %.1f\n", o, b, e.connect + e.read + e.write + e.timeout,
        latency:percentile(50) / 1000, latency:percentile(99) / 1000, o / (summary.duration / 1e6)))
end
LUA
check_one() {   # one response by curl: a signed Response in an auto-post form
    local status
    status=$(curl -s -o "$work/one.html" -w '%{http_code}' -H "Cookie: $BENCH_COOKIE" "$base/application/saml/$1/sso/binding/init/")
    [ "$status" = 200 ] && grep -q 'name="SAMLResponse"' "$work/one.html" \
        || { echo "SSO for $1 answered $status" >&2; tail -20 "$work/serve.log" >&2; exit 1; }
}
run() {   # slug -> "responses/s ok bad socket-errors p50ms p99ms"
    check_one "$1"
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$work/sso.lua" \
        "$base/application/saml/$1/sso/binding/init/" >"$work/wrk.$1" 2>&1
    awk '/^BENCH / {print $7, $2, $3, $4, $5, $6}' "$work/wrk.$1"
}
read -r one_rate one_ok one_bad one_err one_p50 one_p99 < <(run bench-response)
read -r two_rate two_ok two_bad two_err two_p50 two_p99 < <(run bench-both)
[ -n "${one_rate:-}" ] && [ -n "${two_rate:-}" ] || { cat "$work"/wrk.* >&2; exit 1; }
rss_kib=$(awk '/^VmRSS/ {print $2}' "/proc/$gh_pid/status")

echo "cores: $cores   load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "openssl speed -multi $cores rsa2048: $rsa_signs signs/s"
printf "SSO, Response signed (1 signature):  %8.1f responses/s  ok=%s bad=%s errors=%s  p50=%sms p99=%sms  ratio=%.2f x signs/s\n" \
    "$one_rate" "$one_ok" "$one_bad" "$one_err" "$one_p50" "$one_p99" "$(awk -v a="$one_rate" -v b="$rsa_signs" 'BEGIN {print a / b}')"
printf "SSO, Assertion+Response (2 sigs):    %8.1f responses/s  ok=%s bad=%s errors=%s  p50=%sms p99=%sms  ratio=%.2f x signs/s (%.2f per signature)\n" \
    "$two_rate" "$two_ok" "$two_bad" "$two_err" "$two_p50" "$two_p99" "$(awk -v a="$two_rate" -v b="$rsa_signs" 'BEGIN {print a / b}')" \
    "$(awk -v a="$two_rate" -v b="$rsa_signs" 'BEGIN {print 2 * a / b}')"
echo "server RSS after the runs: $((rss_kib / 1024)) MiB"
if [ "$one_bad" != 0 ] || [ "$two_bad" != 0 ]; then echo "some answers were not SAML responses" >&2; exit 1; fi
