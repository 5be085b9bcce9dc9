#!/bin/bash
# Browser end-to-end tests (tests/e2e/*.e2e.mjs): a real SMART client library
# (openid-client) and Debian's chromium driven by playwright-core against the
# ASan+UBSan fhirgate. Ends with "e2e: N passed, N failed".
# Usage: scripts/run-e2e.sh [BIN]   (default build-san/fhirgate)
set -u
cd "$(dirname "$0")/.."
bin=${1:-build-san/fhirgate}
fail() { echo "$1"; echo "e2e: 0 passed, 1 failed"; exit 1; }
[ -x "$bin" ] || fail "no executable $bin"
[ -x "${CHROMIUM_BIN:-/usr/bin/chromium}" ] || fail "no chromium (scripts/install-deps.sh test installs it)"
[ -d node_modules/playwright-core ] && [ -d node_modules/openid-client ] ||
    fail "npm test packages missing (scripts/install-deps.sh test runs npm ci)"
FHIRGATE_BIN=$(realpath "$bin")
export FHIRGATE_BIN
log=$(mktemp)
timeout 300 node --test --test-concurrency=1 --test-reporter=tap tests/e2e/*.e2e.mjs >"$log" 2>&1
rc=$?
grep -n -A 30 -E '^\s*not ok' "$log" | head -n 200
pass=$(grep -E '^# pass [0-9]+' "$log" | tail -n 1 | awk '{print $3}')
fail=$(grep -E '^# fail [0-9]+' "$log" | tail -n 1 | awk '{print $3}')
dur=$(grep -E '^# duration_ms' "$log" | tail -n 1 | awk '{printf "%.1f s", $3 / 1000}')
rm -f "$log"
pass=${pass:-0}
fail=${fail:-0}
if [ "$rc" -ne 0 ] && [ "$fail" -eq 0 ]; then fail=1; fi
echo "e2e ($dur): $pass passed, $fail failed"
[ "$fail" -eq 0 ]
