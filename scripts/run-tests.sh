#!/bin/bash
# The whole test run behind `make test`: builds fhirgate normally and with
# ASan+UBSan, then runs each suite and ends with "N passed, N failed".
# Each suite prints its own "name: N passed, N failed" line; a suite that
# dies without one counts as one failure.
set -u
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
total_passed=0
total_failed=0
# `make BUILD=build-x test` keeps a second checkout's builds apart: the
# normal build goes to $BUILD, the sanitizer build to $BUILD-san, fuzzing
# to $BUILD-fuzz (defaults build, build-san, build-fuzz).
base=${BUILD:-build}
if [ "$base" = build ]; then san=build-san; fuzz=build-fuzz; else san=$base-san; fuzz=$base-fuzz; fi
unset BUILD MAKEFLAGS MFLAGS
logdir=$base/test-logs
mkdir -p "$logdir"

suite() {
    local name=$1; shift
    local log="$logdir/$name.log"
    echo "== $name"
    "$@" >"$log" 2>&1
    local rc=$?
    local line
    line=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
    grep -E 'FAIL|CRASH|ERROR|not ok|AddressSanitizer|runtime error|LeakSanitizer' "$log" | head -n 40
    if [ -z "$line" ]; then
        echo "   $name: no result line (exit $rc); see $log"
        tail -n 20 "$log"
        total_failed=$((total_failed + 1))
        return
    fi
    local p f
    p=$(echo "$line" | sed -E 's/^(.*[^0-9])?([0-9]+) passed, ([0-9]+) failed.*/\2/')
    f=$(echo "$line" | sed -E 's/^(.*[^0-9])?([0-9]+) passed, ([0-9]+) failed.*/\3/')
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    echo "   $name: $p passed, $f failed"
    total_passed=$((total_passed + p))
    total_failed=$((total_failed + f))
}

build_all() {
    make -s -j"$jobs" BUILD="$base" build &&
        make -s -j"$jobs" BUILD="$san" SANITIZER=address,undefined build
}

echo "== build (normal and ASan+UBSan)"
if ! build_all >"$logdir/build.log" 2>&1; then
    tail -n 40 "$logdir/build.log"
    echo "0 passed, 1 failed"
    exit 1
fi

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

suite style scripts/check-style.sh
suite unit make -s -j"$jobs" BUILD="$san" SANITIZER=address,undefined unit
if command -v node >/dev/null 2>&1; then
    suite fixtures node scripts/check-fixtures.mjs
fi
if [ -d tests/integration ] && ls tests/integration/*.mjs >/dev/null 2>&1; then
    suite integration scripts/run-integration.sh "$san/fhirgate"
fi
if [ -f tests/fuzz/fuzz.mk ]; then
    suite fuzz-replay env FUZZ_BUILD="$fuzz" scripts/run-fuzz-replay.sh
fi
if [ -x scripts/run-e2e.sh ]; then
    suite e2e scripts/run-e2e.sh "$san/fhirgate"
fi

echo
echo "$total_passed passed, $total_failed failed"
[ "$total_failed" -eq 0 ]
