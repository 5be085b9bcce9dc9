#!/bin/bash
# House style rule 14, checked: banned calls, assignments inside `if`,
# formatted SQL, unchecked snprintf results. Prints "style: N passed, N failed"
# (one check per rule).
cd "$(dirname "$0")/.."
files=$(git ls-files '*.c' '*.h' '*.inc' 2>/dev/null; git ls-files --others --exclude-standard '*.c' '*.h' '*.inc' 2>/dev/null)
files=$(echo "$files" | grep -v -E '^(tests/fuzz/corpus|fixtures|node_modules)/' | sort -u)
passed=0
failed=0
check() {
    local what=$1 hits=$2
    if [ -n "$hits" ]; then
        echo "FAIL style: $what"
        echo "$hits" | head -n 10 | sed 's/^/    /'
        failed=$((failed + 1))
    else
        passed=$((passed + 1))
    fi
}
[ -z "$files" ] && { echo "style: 0 passed, 0 failed"; exit 0; }
# shellcheck disable=SC2086
check "banned functions" "$(grep -n -E '\b(strcpy|strcat|strncpy|strncat|sprintf|vsprintf|gets|strtok|atoi|atol|sscanf)\s*\(' $files | grep -v -E 'snprintf|vsnprintf')"
# shellcheck disable=SC2086
check "assignment inside if" "$(grep -n -E '\bif \((\w+(->\w+)*) = [^=]' $files)"
# shellcheck disable=SC2086
check "formatted SQL (use prepare + bind)" "$(grep -n -E '(snprintf|fg_buf_printf|fg_pool_printf)\([^;]*\"(SELECT|INSERT|UPDATE|DELETE)[^\"]*%s' $files)"
# shellcheck disable=SC2086
# Generated tables too: their generators split them into parts of at most 700 lines
# (scripts/lib/gen-split.mjs), each table joined by one small index file.
check "files over 800 lines" "$(for f in $files; do n=$(wc -l <"$f"); [ "$n" -gt 800 ] && echo "$f: $n lines"; done)"
echo "style: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
