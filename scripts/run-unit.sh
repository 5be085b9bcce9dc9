#!/bin/sh
# Runs every unit-test binary under BUILD/tests/unit and prints the sum as
# "unit: N passed, N failed". Usage: scripts/run-unit.sh BUILD_DIR
build=${1:-build}
passed=0
failed=0
for t in $(find "$build/tests/unit" -type f -perm -u+x 2>/dev/null | sort); do
    out=$("$t" 2>&1)
    rc=$?
    printf '%s\n' "$out" | grep -v ': [0-9]* passed, [0-9]* failed$' | sed 's/^/  /'
    line=$(printf '%s\n' "$out" | grep -E '[0-9]+ passed, [0-9]+ failed$' | tail -n 1)
    if [ -z "$line" ]; then
        echo "  CRASH $t (exit $rc)"
        failed=$((failed + 1))
        continue
    fi
    p=$(echo "$line" | sed -E 's/.* ([0-9]+) passed, ([0-9]+) failed$/\1/')
    f=$(echo "$line" | sed -E 's/.* ([0-9]+) passed, ([0-9]+) failed$/\2/')
    [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
    passed=$((passed + p))
    failed=$((failed + f))
done
echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
