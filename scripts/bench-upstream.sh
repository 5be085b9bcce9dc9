#!/bin/bash
# scripts/bench-upstream.sh - `make bench-upstream` (never part of `make test`):
# issue 8's target, the latency the gateway adds in upstream mode.
#
# Starts the upstream test server (tests/upstream/server.mjs: @medplum/fhir-router
# under the Node 22 of node_modules) with the shared fixtures and amy's record,
# then `fhirgate serve --upstream` in front of it, and measures the same read
# (GET Patient/amy) with wrk, directly and through the gateway, each with one
# connection (closed loop: no queueing, so the difference is what one request
# spends in the gateway and the extra loopback hop). Prints p50/p99 of both,
# the differences and the target (added p50 <= 0.3 ms, p99 <= 1 ms).
# When /fhir needs a token (issue 3), one is minted with `fhirgate token issue`.
#
# Environment: BENCH_SECONDS [10], BENCH_PATH [/fhir/Patient/amy].
set -euo pipefail
{
cd "$(dirname "$0")/.."
for v in $(compgen -e); do
    case $v in FHIRGATE_*) unset "$v" ;; esac
done
SECONDS_RUN=${BENCH_SECONDS:-10}
BPATH=${BENCH_PATH:-/fhir/Patient/amy}
NODE22=node_modules/node/bin/node
[ -x "$NODE22" ] || { echo "bench-upstream: $NODE22 missing (npm ci)"; exit 1; }
command -v wrk >/dev/null || { echo "bench-upstream: wrk missing"; exit 1; }
make -s build
tmp=$(mktemp -d)
up_pid=
gw_pid=
cleanup() {
    [ -n "$gw_pid" ] && kill "$gw_pid" 2>/dev/null || true
    [ -n "$up_pid" ] && kill "$up_pid" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

"$NODE22" tests/upstream/server.mjs >"$tmp/up.log" 2>&1 &
up_pid=$!
for _ in $(seq 100); do grep -q '"port"' "$tmp/up.log" 2>/dev/null && break; sleep 0.1; done
up_port=$(sed -n 's/.*"port":\([0-9]*\).*/\1/p' "$tmp/up.log" | head -n 1)
up="http://127.0.0.1:$up_port/fhir"
mkdir -p "$tmp/fx/patients"
ln -s "$PWD/fixtures/shared" "$tmp/fx/shared"
ln -s "$PWD/fixtures/patients/amy" "$tmp/fx/patients/amy"
build/fhirgate seed --upstream "$up" --fixtures "$tmp/fx" >/dev/null

build/fhirgate serve --port 0 --access-log off --upstream "$up" --db "$tmp/unused.db" \
    --auth-db "$tmp/auth.db" 2>"$tmp/gw.log" &
gw_pid=$!
for _ in $(seq 100); do grep -q '"listening"' "$tmp/gw.log" 2>/dev/null && break; sleep 0.1; done
gw_port=$(sed -n 's/.*"listening".*"port":\([0-9]*\).*/\1/p' "$tmp/gw.log" | head -n 1)
gw="http://127.0.0.1:$gw_port"
auth=()
if [ "$(curl -s -o /dev/null -w '%{http_code}' "$gw$BPATH")" = 401 ]; then
    client=$(build/fhirgate client add --auth-db "$tmp/auth.db" --name bench --type public \
        --redirect-uri http://localhost/bench --scope 'system/*.rs' |
        sed -n 's/.*"client_id":"\([^"]*\)".*/\1/p')
    token=$(build/fhirgate token issue --auth-db "$tmp/auth.db" --base-url "$gw/fhir" \
        --client "$client" --scope 'system/*.rs' | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
    auth=(-H "Authorization: Bearer $token")
fi
code=$(curl -s -o /dev/null -w '%{http_code}' "${auth[@]}" "$gw$BPATH")
[ "$code" = 200 ] || { echo "bench-upstream: the gateway answered $code"; exit 1; }

# p50 / p99 in ms from wrk --latency output.
ms() {
    awk -v q="$1" '$1 == q { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
        if (u == "us") v /= 1000; else if (u == "s") v *= 1000; printf "%.3f", v }' "$2"
}
run() { # name url [header]
    wrk -t1 -c1 -d2s "${@:3}" "$2" >/dev/null
    wrk -t1 -c1 -d"${SECONDS_RUN}s" --latency "${@:3}" "$2" >"$tmp/$1.txt"
}
run direct "http://127.0.0.1:$up_port$BPATH"
run gateway "$gw$BPATH" "${auth[@]}"
d50=$(ms 50% "$tmp/direct.txt"); d99=$(ms 99% "$tmp/direct.txt")
g50=$(ms 50% "$tmp/gateway.txt"); g99=$(ms 99% "$tmp/gateway.txt")
awk -v d50="$d50" -v d99="$d99" -v g50="$g50" -v g99="$g99" -v p="$BPATH" 'BEGIN {
    a50 = g50 - d50; a99 = g99 - d99
    printf "upstream mode, GET %s, one connection each\n", p
    printf "%-10s %9s %9s\n", "", "p50 ms", "p99 ms"
    printf "%-10s %9.3f %9.3f\n", "direct", d50, d99
    printf "%-10s %9.3f %9.3f\n", "gateway", g50, g99
    printf "%-10s %9.3f %9.3f   target <= 0.3 / <= 1.0: %s\n", "added", a50, a99,
        (a50 <= 0.3 && a99 <= 1.0) ? "PASS" : "MISS"
}'
exit 0
}
