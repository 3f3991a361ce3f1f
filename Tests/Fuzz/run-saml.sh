#!/usr/bin/env bash
# Fuzzes the SAML room's intake with libFuzzer (see Tests/Fuzz/README.md).
#
#   bash Tests/Fuzz/run-saml.sh [seconds=300] [extra libFuzzer flags...]
#   bash Tests/Fuzz/run-saml.sh replay FILE...     # re-run saved inputs
#
# Builds .build-fuzz/saml-fuzz from Tests/Fuzz/SAMLFuzz/main.swift plus the SAML sources that
# decode and read requests (they import only XMLSec, Crypto, Store and HTTP, each compiled as a
# module beside it; CGatehouseShims' C files are linked in; no package change), then fuzzes in
# one process with the seeds in Tests/Fuzz/saml-seeds and a working corpus in
# .build-fuzz/saml-corpus. Crash inputs land in .build-fuzz/saml-artifacts/.
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
out=.build-fuzz
objects="$out/saml-objects"
bin="$out/saml-fuzz"
swiftc="${SWIFTC:-swiftc}"
clang="${CLANG:-$(dirname "$(command -v "$swiftc")")/clang}"
mkdir -p "$out/saml-corpus" "$out/saml-artifacts" "$objects/modules"

echo "== building $bin"
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
flags=(-sanitize=fuzzer,address -parse-as-library -O -g)
module() {   # name, sources...: one module's object and .swiftmodule
    local name="$1"; shift
    "$swiftc" "${flags[@]}" -wmo -module-name "$name" -I "$objects/modules" \
        -emit-module -emit-module-path "$objects/modules/$name.swiftmodule" \
        -c "$@" -o "$objects/$name.o" "${c_modules[@]}"
}
module Crypto Sources/Crypto/*.swift
module HTTP Sources/HTTP/*.swift
module Store Sources/Store/*.swift
module XMLSec Sources/XMLSec/*.swift
saml=(SAMLNames SAMLTime SAMLError SAMLRequestHeader AuthnRequestMessage LogoutRequestMessage SAMLMessageDecoding
      ServiceProviderMetadata)
"$swiftc" "${flags[@]}" -use-ld=lld -module-name SAMLFuzz -I "$objects/modules" "${c_modules[@]}" \
    Tests/Fuzz/SAMLFuzz/main.swift $(printf 'Sources/SAML/%s.swift ' "${saml[@]}") \
    "$objects/Crypto.o" "$objects/HTTP.o" "$objects/Store.o" "$objects/XMLSec.o" \
    "$objects/jose_shims.o" "$objects/crypto_shims.o" \
    -lxmlsec1-openssl -lxmlsec1 -lxml2 -lz -lssl -lcrypto -largon2 \
    -o "$bin"

if [[ "${1:-}" == "replay" ]]; then
    shift
    exec "$bin" "$@"
fi

seconds="${1:-300}"
shift || true
log="$out/saml-last-run.log"
echo "== fuzzing for ${seconds}s (log: $log)"
set +e
"$bin" "$out/saml-corpus" Tests/Fuzz/saml-seeds \
    -dict=Tests/Fuzz/xml.dict \
    -max_total_time="$seconds" \
    -max_len=8192 \
    -timeout=10 \
    -rss_limit_mb=2048 \
    -print_final_stats=1 \
    -artifact_prefix="$out/saml-artifacts/" \
    "$@" >"$log" 2>&1
status=$?
set -e

last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
echo "last status: ${last:-none}"
echo "executions:  ${execs:-?} (${rate:-?}/s)"
echo "coverage:    $(grep -oE 'cov: [0-9]+ ft: [0-9]+' <<<"$last" || echo '?') (edges, features)"
echo "corpus:      $(ls "$out/saml-corpus" | wc -l) inputs in $out/saml-corpus"
if [[ $status -ne 0 ]]; then
    echo "== CRASH (libFuzzer exit $status); input and trace:"
    grep -E 'FUZZ MISMATCH|Fatal error|Swift runtime failure| at Sources/|ERROR: AddressSanitizer|SUMMARY|Test unit written|deadly signal|timeout' "$log" | head -20
    ls -1 "$out/saml-artifacts"
    exit "$status"
fi
echo "== no crash"
