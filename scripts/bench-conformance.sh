#!/bin/bash
# scripts/bench-conformance.sh - the conformance self-test row of `make bench` (issue 4 target:
# `fhirgate conformance` against our own server with the fixtures in under 10 s). Timed here,
# never in `make test` (the test there checks that every check passes and nothing is skipped).
# Seeds a fresh store, serves it on a free loopback port, mints a system/*.rs token, runs the
# self-test for every fixture patient and prints the wall time. Appends to build/bench/results.txt.
#   BENCH_BIN [build/fhirgate]
set -euo pipefail
{
cd "$(dirname "$0")/.."
for v in $(compgen -e); do
    case $v in FHIRGATE_*) unset "$v" ;; esac
done
BIN=${BENCH_BIN:-build/fhirgate}
[ -n "${BENCH_BIN:-}" ] || make --no-print-directory build >/dev/null
tmp=$(mktemp -d)
pid=
cleanup() { [ -z "$pid" ] || kill "$pid" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT INT TERM
mkdir -p build/bench
now=2026-11-23
"$BIN" seed --db "$tmp/fhir.db" --fixtures fixtures --now "$now" >/dev/null
"$BIN" serve --bind 127.0.0.1 --port 0 --db "$tmp/fhir.db" --auth-db "$tmp/auth.db" \
    --now "$now" --access-log off 2>"$tmp/serve.log" &
pid=$!
port=
for _ in $(seq 1 200); do
    port=$(grep -o '"event":"listening"[^}]*"port":[0-9]*' "$tmp/serve.log" 2>/dev/null |
        grep -o '[0-9]*$' || true)
    [ -n "$port" ] && break
    sleep 0.05
done
[ -n "$port" ] || { echo "bench-conformance: the server did not start"; cat "$tmp/serve.log"; exit 1; }
base="http://127.0.0.1:$port"
client=$("$BIN" client add --auth-db "$tmp/auth.db" --name conformance-bench \
    --redirect-uri http://localhost/bench --type public --scope 'system/*.rs' |
    grep -o '"client_id":"[^"]*"' | cut -d'"' -f4)
token=$("$BIN" token issue --auth-db "$tmp/auth.db" --client "$client" --scope 'system/*.rs' \
    --base-url "$base/fhir" | grep -o '"access_token":"[^"]*"' | cut -d'"' -f4)
t0=$(date +%s%N)
status=0
"$BIN" conformance "$base/fhir" --patient amy --patient daniel --patient lily --patient max \
    --patient ruth --require-all --token "$token" >"$tmp/conf.txt" || status=$?
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
summary=$(grep -o 'conformance: .*' "$tmp/conf.txt" | tail -1)
verdict=MISS
[ "$status" -eq 0 ] && [ "$ms" -lt 10000 ] && verdict=PASS
line=$(printf 'conformance self-test: %d ms (%s; target < 10000 ms, zero fails/skips): %s' \
    "$ms" "$summary" "$verdict")
echo "$line"
echo "$line" >>build/bench/results.txt
[ "$status" -eq 0 ] || { tail -20 "$tmp/conf.txt"; exit 1; }
exit 0
}
