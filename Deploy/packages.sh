# Sourced by dev.sh and test.sh: installs the Debian packages Gatehouse builds and runs with.
# Idempotent and non-interactive: installs only what is missing, running `apt-get update` once
# first, and uses sudo only when not root.

GATEHOUSE_PACKAGES=(
    libssl-dev libpq-dev libhiredis-dev libxml2-dev libxmlsec1-dev zlib1g-dev libldap2-dev libargon2-dev
    libqrencode-dev pkg-config postgresql redis-server
)

gatehouse_ensure_packages() {
    local wanted=("${GATEHOUSE_PACKAGES[@]}" "$@")
    local missing=()
    local package
    for package in "${wanted[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
            missing+=("$package")
        fi
    done
    if [ "${#missing[@]}" -eq 0 ]; then
        return 0
    fi
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        sudo=(sudo)
    fi
    echo "installing Debian packages: ${missing[*]}" >&2
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

gatehouse_swift_path() {
    if [ -d /opt/swift/usr/bin ]; then
        export PATH="/opt/swift/usr/bin:$PATH"
    fi
    if ! command -v swift >/dev/null 2>&1; then
        echo "swift not found: install Swift 6 (https://www.swift.org/install/) and put it on PATH" >&2
        exit 1
    fi
}
