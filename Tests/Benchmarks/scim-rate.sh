#!/usr/bin/env bash
# Benchmark (not a test): SCIM user creates per second over HTTP (POST /Users, Entra ID's
# body), then `userName eq` lookups (Entra ID's matching query) with 100,000 provisioned users
# loaded: requests per second and latency p50/p99. Release build, throw-away services on
# 127.0.0.1, every loop bounded in time and in count.
#
#   bash Tests/Benchmarks/scim-rate.sh
#   CREATES=2000 CREATE_SECONDS=20 CONCURRENCY=4 LOADED=100000 LOOKUPS=5000 LOOKUP_SECONDS=20 \
#       bash Tests/Benchmarks/scim-rate.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source Deploy/packages.sh
gatehouse_ensure_packages curl python3   # psql comes with the PostgreSQL that dev services run
gatehouse_swift_path

CREATES="${CREATES:-2000}"
CREATE_SECONDS="${CREATE_SECONDS:-20}"
CONCURRENCY="${CONCURRENCY:-4}"
LOADED="${LOADED:-100000}"
LOOKUPS="${LOOKUPS:-5000}"
LOOKUP_SECONDS="${LOOKUP_SECONDS:-20}"

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

"$binary" dev services --data-dir "$work/data" --env-file "$work/services.env" >"$work/services.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 600); do [ -s "$work/services.env" ] && break; sleep 0.1; done
if [ ! -s "$work/services.env" ]; then cat "$work/services.log" >&2; exit 1; fi
set -a; source "$work/services.env"; set +a

gh_port="$(free_port)"
export GATEHOUSE_LISTEN="127.0.0.1:$gh_port" GATEHOUSE_EXTERNAL_URL="http://127.0.0.1:$gh_port"
export GATEHOUSE_LOG_LEVEL=warning
export SCIM_TOKEN="$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
cat >"$work/scim.yaml" <<'YAML'
version: 1
metadata: {name: scim-benchmark}
entries:
  - model: scim-source
    identifiers: {slug: bench}
    attrs: {name: Benchmark, token: !Env SCIM_TOKEN}
YAML
"$binary" blueprint apply "$work/scim.yaml" >"$work/blueprint.log" 2>&1 || { cat "$work/blueprint.log" >&2; exit 1; }

"$binary" serve >"$work/serve.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$gh_port/-/health/live/" >/dev/null && break; sleep 0.05; done
curl -sf "http://127.0.0.1:$gh_port/-/health/live/" >/dev/null || { cat "$work/serve.log" >&2; exit 1; }

cat >"$work/load.py" <<'PYTHON'
import http.client, json, os, random, sys, threading, time, uuid

mode, port, count, seconds, concurrency = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
loaded = int(sys.argv[6]) if len(sys.argv) > 6 else 0
headers = {"Authorization": "Bearer " + os.environ["SCIM_TOKEN"], "Content-Type": "application/scim+json"}
base = "/source/scim/bench/v2"
lock = threading.Lock()
latencies, failures, issued = [], [0], [0]
deadline = time.monotonic() + seconds

def body(i):
    return json.dumps({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "externalId": str(uuid.uuid4()), "userName": f"created{i}-{uuid.uuid4().hex[:8]}@contoso.com", "active": True,
        "emails": [{"primary": True, "type": "work", "value": f"created{i}@contoso.com"}],
        "name": {"formatted": "Given Family", "familyName": "Family", "givenName": "Given"},
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Finance"}})

def worker():
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while time.monotonic() < deadline:
        with lock:
            if issued[0] >= count:
                return
            issued[0] += 1
            n = issued[0]
        t0 = time.monotonic()
        if mode == "create":
            conn.request("POST", base + "/Users", body=body(n), headers=headers)
            expect = 201
        else:
            name = "loaded%06d@contoso.com" % random.randrange(loaded)
            query = "filter=" + ("userName eq \"%s\"" % name).replace(" ", "%20").replace("\"", "%22")
            conn.request("GET", base + "/Users?" + query, headers=headers)
            expect = 200
        response = conn.getresponse()
        data = response.read()
        ok = response.status == expect and (mode == "create" or json.loads(data)["totalResults"] == 1)
        with lock:
            latencies.append(time.monotonic() - t0)
            if not ok:
                failures[0] += 1

started = time.monotonic()
threads = [threading.Thread(target=worker) for _ in range(concurrency)]
for t in threads: t.start()
for t in threads: t.join()
elapsed = time.monotonic() - started
latencies.sort()
pct = lambda p: latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000 if latencies else 0
print(f"{len(latencies)} {elapsed:.2f} {len(latencies) / elapsed:.1f} {pct(0.50):.2f} {pct(0.99):.2f} {failures[0]}")
PYTHON

# --- Creates over HTTP (each one transaction: users + scim_resources + audit event). ---
read -r n secs rate p50 p99 failed < <(python3 "$work/load.py" create "$gh_port" "$CREATES" "$CREATE_SECONDS" "$CONCURRENCY")
echo "SCIM user creates: $n in ${secs}s = $rate/s (p50 ${p50} ms, p99 ${p99} ms, $failed failed, concurrency $CONCURRENCY)"

# --- LOADED provisioned users, written in bulk with SQL (the same rows POST /Users writes). ---
psql "$GATEHOUSE_DATABASE_URL" -q -v ON_ERROR_STOP=1 -v loaded="$LOADED" >"$work/psql.log" 2>&1 <<'SQL'
BEGIN;
CREATE TEMP TABLE bulk AS
    SELECT gen_random_uuid() AS id, format('loaded%s@contoso.com', lpad(i::text, 6, '0')) AS username, i
    FROM generate_series(0, :loaded - 1) AS i;
INSERT INTO users (id, username, email, name) SELECT id, username, username, 'Loaded ' || i FROM bulk;
INSERT INTO scim_resources (source_id, user_id, external_id, resource)
    SELECT (SELECT id FROM sources WHERE slug = 'bench'), id, gen_random_uuid()::text,
           jsonb_build_object('userName', username, 'active', true, 'displayName', 'Loaded ' || i,
                              'emails', jsonb_build_array(jsonb_build_object('type', 'work', 'primary', true, 'value', username)))
    FROM bulk;
COMMIT;
ANALYZE users;
ANALYZE scim_resources;
SQL
total=$(psql "$GATEHOUSE_DATABASE_URL" -tA -c "SELECT count(*) FROM scim_resources WHERE user_id IS NOT NULL")
echo "loaded: $total provisioned users"

# --- Entra ID's matching query on that population. ---
read -r n secs rate p50 p99 failed < <(python3 "$work/load.py" lookup "$gh_port" "$LOOKUPS" "$LOOKUP_SECONDS" "$CONCURRENCY" "$LOADED")
echo "userName eq lookups: $n in ${secs}s = $rate/s, p50 ${p50} ms, p99 ${p99} ms ($failed failed, concurrency $CONCURRENCY)"
