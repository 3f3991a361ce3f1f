#!/usr/bin/env bash
# Fuzzes the JSON room's reader and writer with libFuzzer (see Tests/Fuzz/README.md).
#
#   bash Tests/Fuzz/run-json.sh [seconds=300] [extra libFuzzer flags...]
#   bash Tests/Fuzz/run-json.sh replay FILE...     # re-run saved inputs (crash-*, corpus files)
#
# Builds .build-fuzz/json-fuzz from Tests/Fuzz/JSONReaderFuzz/main.swift plus
# Sources/JSON/*.swift (no package change), then fuzzes in one process (one core) with the
# committed seeds and a working corpus in .build-fuzz/json-corpus. Crash inputs land in
# .build-fuzz/json-artifacts/. Exits non-zero when the fuzzer found a crash or mismatch.
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
out=.build-fuzz
bin="$out/json-fuzz"
swiftc="${SWIFTC:-swiftc}"
mkdir -p "$out/json-corpus" "$out/json-artifacts"

echo "== building $bin"
# -O keeps Swift's overflow and bounds checks (only -Ounchecked drops them); ASan covers
# the rest. lld avoids gold's noise about ASan's local symbols.
"$swiftc" -sanitize=fuzzer,address -parse-as-library -O -g -use-ld=lld \
    -module-name JSONFuzz \
    Tests/Fuzz/JSONReaderFuzz/main.swift Sources/JSON/*.swift \
    -o "$bin"

if [[ "${1:-}" == "replay" ]]; then
    shift
    exec "$bin" "$@"
fi

seconds="${1:-300}"
shift || true
log="$out/json-last-run.log"
echo "== fuzzing for ${seconds}s (log: $log)"
set +e
"$bin" "$out/json-corpus" Tests/Fuzz/json-seeds \
    -dict=Tests/Fuzz/json.dict \
    -max_total_time="$seconds" \
    -max_len=4096 \
    -timeout=10 \
    -rss_limit_mb=2048 \
    -print_final_stats=1 \
    -artifact_prefix="$out/json-artifacts/" \
    "$@" >"$log" 2>&1
status=$?
set -e

last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
echo "last status: ${last:-none}"
echo "executions:  ${execs:-?} (${rate:-?}/s)"
echo "coverage:    $(grep -oE 'cov: [0-9]+ ft: [0-9]+' <<<"$last" || echo '?') (edges, features)"
echo "corpus:      $(ls "$out/json-corpus" | wc -l) inputs in $out/json-corpus"
if [[ $status -ne 0 ]]; then
    echo "== CRASH (libFuzzer exit $status); input and trace:"
    grep -E 'FUZZ MISMATCH|Fatal error|Swift runtime failure| at Sources/JSON/|ERROR: AddressSanitizer|SUMMARY|Test unit written|deadly signal|timeout' "$log" | head -20
    ls -1 "$out/json-artifacts"
    exit "$status"
fi
echo "== no crash"
