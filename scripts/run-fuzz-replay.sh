#!/bin/bash
# Replays each libFuzzer target's committed corpus (part of `make test`).
#
# Builds build-fuzz/<name>_fuzz for every tests/fuzz/<name>_fuzz.c (via
# tests/fuzz/fuzz.mk), then runs each once over tests/fuzz/corpus/<name>/
# (`-runs=0 DIR` executes every file in DIR and does no fuzzing). One test
# per target: it fails if the target does not build, has no (or an empty)
# corpus directory, or crashes / trips a sanitizer / fails a FUZZ_CHECK on
# any corpus file. Ends with "fuzz-replay: N passed, N failed".
# Usage: scripts/run-fuzz-replay.sh [NAME...]   (default: every target)
set -euo pipefail
cd "$(dirname "$0")/.."

fuzz_build=${FUZZ_BUILD:-build-fuzz}
logdir=$fuzz_build/replay-logs
mkdir -p "$logdir"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

names=()
if [ "$#" -gt 0 ]; then
    names=("$@")
else
    for src in tests/fuzz/*_fuzz.c; do
        [ -e "$src" ] || continue
        n=${src#tests/fuzz/}
        names+=("${n%_fuzz.c}")
    done
fi

passed=0
failed=0
fail() {
    echo "FAIL fuzz-replay $1: $2"
    failed=$((failed + 1))
}

lib_ok=1
jobs=$(nproc 2>/dev/null || echo 2)
if ! make -s -j"$jobs" -f tests/fuzz/fuzz.mk FUZZ_BUILD="$fuzz_build" fuzz-lib >"$logdir/lib.log" 2>&1; then
    lib_ok=0
    tail -n 30 "$logdir/lib.log"
fi

for name in "${names[@]}"; do
    bin=$fuzz_build/${name}_fuzz
    corpus=tests/fuzz/corpus/$name
    log=$logdir/$name.log
    if [ "$lib_ok" -eq 0 ]; then
        fail "$name" "library does not build for fuzzing (see $logdir/lib.log)"
        continue
    fi
    if ! make -s -f tests/fuzz/fuzz.mk FUZZ_BUILD="$fuzz_build" "$bin" >"$log" 2>&1; then
        fail "$name" "does not build (see $log)"
        tail -n 20 "$log"
        continue
    fi
    if [ ! -d "$corpus" ]; then
        fail "$name" "no corpus directory $corpus"
        continue
    fi
    count=$(find "$corpus" -maxdepth 1 -type f | wc -l)
    if [ "$count" -eq 0 ]; then
        fail "$name" "corpus directory $corpus is empty"
        continue
    fi
    # -timeout: a corpus file that hangs counts as a failure, not a stuck CI.
    if "$bin" -runs=0 -timeout=25 -rss_limit_mb=2048 -artifact_prefix="$logdir/$name-" \
        "$corpus" >"$log" 2>&1; then
        echo "ok   fuzz-replay $name ($count files)"
        passed=$((passed + 1))
    else
        fail "$name" "crashed on its corpus (see $log)"
        grep -E 'FUZZ_CHECK|ERROR|SUMMARY|runtime error' "$log" | head -n 10 | sed 's/^/    /'
    fi
done

echo "fuzz-replay: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
