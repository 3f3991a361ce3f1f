#!/usr/bin/env bash
# The test command: installs missing Debian packages, builds the tests, starts a throw-away
# PostgreSQL + Redis with `gatehouse dev services`, runs `swift test` against them, and always
# stops the services and removes their data. Exits with swift test's status.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source Deploy/packages.sh

# xmlsec1: XMLSecTests cross-check signatures and encryption with the xmlsec1 command, and
# pysaml2 (a SAML interop SP) runs it. opensaml-schemas, xmltooling-schemas: the official SAML
# 2.0 XSDs that everything the SAML IdP emits is validated against (Tests/Interop/saml_xsd.py).
gatehouse_ensure_packages python3-venv openssl xmlsec1 opensaml-schemas xmltooling-schemas
gatehouse_swift_path

swift build --build-tests
binary="$(swift build --show-bin-path)/gatehouse"
if [ ! -x "$binary" ]; then
    echo "test.sh: $binary was not built" >&2
    exit 1
fi

work="$(mktemp -d)"
data="$(mktemp -d)"
env_file="$work/services.env"
services_pid=""

cleanup() {
    if [ -n "$services_pid" ] && kill -0 "$services_pid" 2>/dev/null; then
        kill -TERM "$services_pid" 2>/dev/null || true
        wait "$services_pid" 2>/dev/null || true
    fi
    rm -rf "$work" "$data"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$binary" dev services --data-dir "$data" --env-file "$env_file" >"$work/services.log" 2>&1 &
services_pid=$!

for _ in $(seq 1 600); do
    if [ -s "$env_file" ]; then
        break
    fi
    if ! kill -0 "$services_pid" 2>/dev/null; then
        echo "test.sh: gatehouse dev services exited early:" >&2
        cat "$work/services.log" >&2
        exit 1
    fi
    sleep 0.1
done
if [ ! -s "$env_file" ]; then
    echo "test.sh: PostgreSQL and Redis did not come up within 60 s:" >&2
    cat "$work/services.log" >&2
    exit 1
fi

GATEHOUSE_TEST_DATABASE_URL="$(sed -n 's/^GATEHOUSE_DATABASE_URL=//p' "$env_file")"
GATEHOUSE_TEST_REDIS_URL="$(sed -n 's/^GATEHOUSE_REDIS_URL=//p' "$env_file")"
GATEHOUSE_TEST_BINARY="$binary"
export GATEHOUSE_TEST_DATABASE_URL GATEHOUSE_TEST_REDIS_URL GATEHOUSE_TEST_BINARY

# Interop clients (authlib, scim2-tester, …) in a virtualenv kept between runs and rebuilt when
# Tests/Interop/requirements.txt changes.
if [ -z "${GATEHOUSE_TEST_PYTHON:-}" ]; then
    venv="${GATEHOUSE_INTEROP_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/gatehouse/interop-venv}"
    stamp="$(sha256sum Tests/Interop/requirements.txt | cut -c1-16)"
    if [ ! -x "$venv/bin/python" ] || [ "$(cat "$venv/.requirements" 2>/dev/null)" != "$stamp" ]; then
        rm -rf "$venv"
        python3 -m venv "$venv"
        "$venv/bin/pip" install --quiet --disable-pip-version-check -r Tests/Interop/requirements.txt
        echo "$stamp" >"$venv/.requirements"
    fi
    GATEHOUSE_TEST_PYTHON="$venv/bin/python"
fi
export GATEHOUSE_TEST_PYTHON
echo "test.sh: PostgreSQL at $GATEHOUSE_TEST_DATABASE_URL, Redis at $GATEHOUSE_TEST_REDIS_URL" >&2

# Not --parallel: the integration tests share one PostgreSQL and Redis and some bind ports.
set +e
swift test "$@" 2>&1 | tee "$work/swift-test.log"
status=${PIPESTATUS[0]}
set -e

# swift test ends with Swift Testing's own summary ("0 tests" while all tests are XCTest), so
# close with a plain line counting the XCTest results as well.
summary="$(grep -E 'Executed [0-9]+ tests?, with' "$work/swift-test.log" | tail -n 1 || true)"
pattern='Executed ([0-9]+) tests?, with (([0-9]+) tests? skipped and )?([0-9]+) failures?'
if [[ $summary =~ $pattern ]]; then
    total=${BASH_REMATCH[1]}
    skipped=${BASH_REMATCH[3]:-0}
    failed=${BASH_REMATCH[4]}
    echo "xctest: $((total - skipped - failed)) passed, $failed failed, $skipped skipped"
fi
# A test that cannot reach what it checks fails; a skip is only for a platform that cannot run
# it, and says so with "[platform]" (GatehouseTesting.platformSkipMarker). Any other skip fails
# the run, whatever swift test said.
unexplained="$(grep -E ': Test skipped - ' "$work/swift-test.log" | grep -v 'Test skipped - \[platform\]' || true)"
if [ -n "$unexplained" ]; then
    echo "test.sh: tests were skipped without a platform reason (a skip must not hide a missing service):" >&2
    echo "$unexplained" >&2
    [ "$status" -ne 0 ] || status=1
fi
exit "$status"
