#!/bin/bash
# Runs the node integration tests against a fhirgate binary and ends with
# "integration: N passed, N failed". Usage: scripts/run-integration.sh BIN
set -u
cd "$(dirname "$0")/.."
bin=${1:?usage: scripts/run-integration.sh path/to/fhirgate}
[ -x "$bin" ] || { echo "no executable $bin"; echo "integration: 0 passed, 1 failed"; exit 1; }
FHIRGATE_BIN=$(realpath "$bin")
export FHIRGATE_BIN
log=$(mktemp)
node --test --test-reporter=tap tests/integration/*.test.mjs >"$log" 2>&1
rc=$?
# Show failures (with their diagnostics) but not the whole TAP stream.
grep -n -A 30 -E '^\s*not ok' "$log" | head -n 200
pass=$(grep -E '^# pass [0-9]+' "$log" | tail -n 1 | awk '{print $3}')
fail=$(grep -E '^# fail [0-9]+' "$log" | tail -n 1 | awk '{print $3}')
rm -f "$log"
pass=${pass:-0}
fail=${fail:-0}
if [ "$rc" -ne 0 ] && [ "$fail" -eq 0 ]; then fail=1; fi
echo "integration: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
