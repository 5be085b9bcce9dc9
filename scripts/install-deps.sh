#!/bin/sh
# Installs the Debian 12 packages fhirgate builds and tests with.
# As root it runs apt-get; otherwise it prints the one command to run.
# Usage: scripts/install-deps.sh [build|test]   (test adds wrk, chromium, node tooling)
# build is also what `make run` needs (scripts/run.sh waits for the server with curl).
set -eu
mode=${1:-build}

build_pkgs="build-essential pkg-config libmicrohttpd-dev libcjson-dev libssl-dev
libcurl4-openssl-dev libsqlite3-dev liboauth2-dev libcjose-dev libjansson-dev
libexpat1-dev libzip-dev sqlite3 tzdata curl"
# openssl: the TLS integration tests make their certificates with the openssl command.
test_pkgs="clang libclang-rt-14-dev wrk chromium openssl time"

pkgs=$build_pkgs
[ "$mode" = test ] && pkgs="$build_pkgs $test_pkgs"

missing=""
for p in $pkgs; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
# node and npm may come from outside Debian (the machine image ships them);
# only ask apt for them when neither command exists.
if [ "$mode" = test ] && ! command -v npm >/dev/null 2>&1; then
    missing="$missing nodejs npm"
fi
npm_deps() {
    # Test tooling from npm, pinned by package-lock.json; reinstalled when the lock changes.
    [ "$mode" = test ] || return 0
    cd "$(dirname "$0")/.."
    # The stamp holds the digest of the lock npm ci installed from (timestamps lie after a
    # checkout, a merge or `npm install --package-lock-only`).
    local want have=
    want=$(sha256sum package-lock.json | cut -d' ' -f1)
    [ -f node_modules/.fhirgate-lock.sha256 ] && have=$(cat node_modules/.fhirgate-lock.sha256)
    if [ "$want" != "$have" ]; then
        echo "installing npm test packages (npm ci)" >&2
        npm ci --no-audit --no-fund --loglevel=error >/dev/null
        echo "$want" >node_modules/.fhirgate-lock.sha256
    fi
}

if [ -z "$missing" ]; then
    npm_deps
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "fhirgate needs these Debian packages:$missing" >&2
    echo "run: sudo apt-get update && sudo apt-get install -y$missing" >&2
    exit 1
fi
echo "installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
npm_deps
