#!/usr/bin/env bash
# Fuzzes a wire room's parsers with libFuzzer (see Tests/Fuzz/README.md).
#
#   bash Tests/Fuzz/run.sh [http|ldap] [seconds=300] [extra libFuzzer flags...]
#   bash Tests/Fuzz/run.sh [http|ldap] replay FILE...   # re-run saved inputs (crash-*, corpus files)
#
# The target defaults to http. Builds .build-fuzz/http-parser-fuzz from
# Tests/Fuzz/HTTPParserFuzz/main.swift plus Sources/HTTP/*.swift (or .build-fuzz/ldapwire-fuzz
# from Tests/Fuzz/LDAPWireFuzz/main.swift plus Sources/LDAPWire/*.swift; no package change),
# then fuzzes in one process (one core) with the committed seeds and a working corpus in
# .build-fuzz/corpus (ldap: .build-fuzz/ldap-corpus). Crash inputs land in
# .build-fuzz/artifacts/ (ldap: .build-fuzz/ldap-artifacts/). Exits non-zero when the fuzzer
# found a crash or mismatch.
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
out=.build-fuzz
target=http
case "${1:-}" in
    http|ldap) target="$1"; shift ;;
esac
if [[ "$target" == ldap ]]; then
    bin="$out/ldapwire-fuzz"
    module=LDAPWireFuzz
    sources=(Tests/Fuzz/LDAPWireFuzz/main.swift Sources/LDAPWire/*.swift)
    seeds=Tests/Fuzz/ldap-seeds
    dict=Tests/Fuzz/ldap.dict
    corpus="$out/ldap-corpus"
    artifacts="$out/ldap-artifacts"
    log="$out/last-ldap-run.log"
    trace_pattern=' at Sources/LDAPWire/'
else
    bin="$out/http-parser-fuzz"
    module=HTTPFuzz
    sources=(Tests/Fuzz/HTTPParserFuzz/main.swift Sources/HTTP/*.swift)
    seeds=Tests/Fuzz/seeds
    dict=Tests/Fuzz/http.dict
    corpus="$out/corpus"
    artifacts="$out/artifacts"
    log="$out/last-run.log"
    trace_pattern=' at Sources/HTTP/'
fi
swiftc="${SWIFTC:-swiftc}"
mkdir -p "$corpus" "$artifacts"

echo "== building $bin"
# -O keeps Swift's overflow and bounds checks (only -Ounchecked drops them); ASan covers
# the rest. lld avoids gold's noise about ASan's local symbols.
"$swiftc" -sanitize=fuzzer,address -parse-as-library -O -g -use-ld=lld \
    -module-name "$module" \
    "${sources[@]}" \
    -o "$bin"

if [[ "${1:-}" == "replay" ]]; then
    shift
    exec "$bin" "$@"
fi

seconds="${1:-300}"
shift || true
echo "== fuzzing for ${seconds}s (log: $log)"
set +e
"$bin" "$corpus" "$seeds" \
    -dict="$dict" \
    -max_total_time="$seconds" \
    -max_len=4096 \
    -timeout=10 \
    -rss_limit_mb=2048 \
    -print_final_stats=1 \
    -artifact_prefix="$artifacts/" \
    "$@" >"$log" 2>&1
status=$?
set -e

last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
echo "last status: ${last:-none}"
echo "executions:  ${execs:-?} (${rate:-?}/s)"
echo "coverage:    $(grep -oE 'cov: [0-9]+ ft: [0-9]+' <<<"$last" || echo '?') (edges, features)"
echo "corpus:      $(ls "$corpus" | wc -l) inputs in $corpus"
if [[ $status -ne 0 ]]; then
    echo "== CRASH (libFuzzer exit $status); input and trace:"
    grep -E "FUZZ MISMATCH|Fatal error|Swift runtime failure|$trace_pattern|ERROR: AddressSanitizer|SUMMARY|Test unit written|deadly signal|timeout" "$log" | head -20
    ls -1 "$artifacts"
    exit "$status"
fi
echo "== no crash"
