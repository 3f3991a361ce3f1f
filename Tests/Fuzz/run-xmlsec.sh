#!/usr/bin/env bash
# Fuzzes the XMLSec room's intake with libFuzzer (see Tests/Fuzz/README.md).
#
#   bash Tests/Fuzz/run-xmlsec.sh [seconds=300] [extra libFuzzer flags...]
#   bash Tests/Fuzz/run-xmlsec.sh replay FILE...     # re-run saved inputs
#
# Builds .build-fuzz/xmlsec-fuzz from Tests/Fuzz/XMLSecFuzz/main.swift plus Sources/XMLSec/*.swift,
# with Crypto compiled as a module beside it and CGatehouseShims' C files (no package change),
# then fuzzes in one process with the committed seeds in Tests/Fuzz/xml-seeds and a working
# corpus in .build-fuzz/xml-corpus. Crash inputs land in .build-fuzz/xml-artifacts/.
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
out=.build-fuzz
objects="$out/xmlsec-objects"
bin="$out/xmlsec-fuzz"
swiftc="${SWIFTC:-swiftc}"
clang="${CLANG:-$(dirname "$(command -v "$swiftc")")/clang}"
mkdir -p "$out/xml-corpus" "$out/xml-artifacts" "$objects/modules"

echo "== building $bin"
# CGatehouseShims as SwiftPM would see it: a module over its include directory.
cat >"$objects/modules/CGatehouseShims.modulemap" <<MAP
module CGatehouseShims {
    umbrella "$root/Sources/CGatehouseShims/include"
    export *
}
MAP
for file in jose_shims crypto_shims; do
    "$clang" -c -O1 -g -fsanitize=fuzzer-no-link,address -I Sources/CGatehouseShims/include \
        "Sources/CGatehouseShims/$file.c" -o "$objects/$file.o"
done
c_modules=(-I Sources/COpenSSL -I Sources/CArgon2 -I Sources/CXMLSec
    -Xcc "-fmodule-map-file=$objects/modules/CGatehouseShims.modulemap" -Xcc -I/usr/include/hiredis
    -Xcc -I/usr/include/libxml2 -Xcc -I/usr/include/xmlsec1)
# -O keeps Swift's overflow and bounds checks (only -Ounchecked drops them); ASan covers the rest.
"$swiftc" -sanitize=fuzzer,address -parse-as-library -O -g -wmo -module-name Crypto \
    -emit-module -emit-module-path "$objects/modules/Crypto.swiftmodule" \
    -c Sources/Crypto/*.swift -o "$objects/Crypto.o" "${c_modules[@]}"
"$swiftc" -sanitize=fuzzer,address -parse-as-library -O -g -use-ld=lld \
    -module-name XMLSecFuzz -I "$objects/modules" "${c_modules[@]}" \
    Tests/Fuzz/XMLSecFuzz/main.swift Sources/XMLSec/*.swift \
    "$objects/Crypto.o" "$objects/jose_shims.o" "$objects/crypto_shims.o" \
    -lxmlsec1-openssl -lxmlsec1 -lxml2 -lz -lssl -lcrypto -largon2 \
    -o "$bin"

if [[ "${1:-}" == "replay" ]]; then
    shift
    exec "$bin" "$@"
fi

seconds="${1:-300}"
shift || true
log="$out/xmlsec-last-run.log"
echo "== fuzzing for ${seconds}s (log: $log)"
set +e
"$bin" "$out/xml-corpus" Tests/Fuzz/xml-seeds \
    -dict=Tests/Fuzz/xml.dict \
    -max_total_time="$seconds" \
    -max_len=8192 \
    -timeout=10 \
    -rss_limit_mb=2048 \
    -print_final_stats=1 \
    -artifact_prefix="$out/xml-artifacts/" \
    "$@" >"$log" 2>&1
status=$?
set -e

last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
echo "last status: ${last:-none}"
echo "executions:  ${execs:-?} (${rate:-?}/s)"
echo "coverage:    $(grep -oE 'cov: [0-9]+ ft: [0-9]+' <<<"$last" || echo '?') (edges, features)"
echo "corpus:      $(ls "$out/xml-corpus" | wc -l) inputs in $out/xml-corpus"
if [[ $status -ne 0 ]]; then
    echo "== CRASH (libFuzzer exit $status); input and trace:"
    grep -E 'FUZZ MISMATCH|Fatal error|Swift runtime failure| at Sources/|ERROR: AddressSanitizer|SUMMARY|Test unit written|deadly signal|timeout' "$log" | head -20
    ls -1 "$out/xml-artifacts"
    exit "$status"
fi
echo "== no crash"
