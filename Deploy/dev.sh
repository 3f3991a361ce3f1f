#!/usr/bin/env bash
# One command to run Gatehouse for development:
#   installs missing Debian packages, builds the release binary, and runs `gatehouse dev`,
#   which starts a private PostgreSQL and Redis under ./.gatehouse/ and the server on :9000.
# Ctrl-C stops everything; running it again reuses the data. Extra arguments go to `gatehouse dev`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source Deploy/packages.sh

gatehouse_ensure_packages
gatehouse_swift_path
swift build -c release --product gatehouse
exec .build/release/gatehouse dev "$@"
