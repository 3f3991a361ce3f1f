#!/usr/bin/env bash
# Benchmark (not a test): the JSON room's writer and reader against OIDC's JSONValue, which
# they replaced (OIDC's writer had a plain-ASCII shortcut; it read through JSONSerialization).
# Compiles Sources/JSON, Sources/Store and the pre-migration OIDC JSONValue kept in
# Tests/Benchmarks/json/baseline as three small modules (-O, whole module) into
# .build-bench/json-rate and prints MB/s per document; asserts nothing.
#
#   bash Tests/Benchmarks/json-rate.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source Deploy/packages.sh
gatehouse_swift_path
swiftc="${SWIFTC:-swiftc}"
out=.build-bench
mkdir -p "$out"

module() {  # name, sources...
    local name="$1"; shift
    "$swiftc" -O -wmo -parse-as-library -module-name "$name" -I "$out" \
        -emit-module -emit-module-path "$out/$name.swiftmodule" \
        -emit-library -static -o "$out/lib$name.a" "$@"
}
module JSON Sources/JSON/*.swift
module Store Sources/Store/*.swift
module OIDCJSON Tests/Benchmarks/json/baseline/OIDCJSONValue.swift
"$swiftc" -O -I "$out" -L "$out" -lJSON -lOIDCJSON -lStore \
    Tests/Benchmarks/json/main.swift -o "$out/json-rate"
"$out/json-rate"
