#!/bin/bash
# scripts/bench-import.sh - the wearable import row of `make bench` (issue 6 targets):
# `fhirgate import apple-health` of a generated export.xml of BENCH_IMPORT_RECORDS records
# (bench/gen_apple_export.awk) into a fresh seeded store: records/s and peak RSS
# (/usr/bin/time -v), plus the same for BENCH_IMPORT_SMALL records (RSS must not grow with
# the file) and the check pass alone (parse + map, no store), to show where the time goes.
# Targets: >= 50,000 records/s, peak RSS <= 64 MiB at 1 M and at 100 k records.
# Appends its lines to build/bench/results.txt. Exit 1 only when the import itself fails.
#   BENCH_IMPORT_RECORDS [1000000]  BENCH_IMPORT_SMALL [100000]  BENCH_BIN [build/fhirgate]
set -euo pipefail
{
cd "$(dirname "$0")/.."
for v in $(compgen -e); do
    case $v in FHIRGATE_*) unset "$v" ;; esac
done
N=${BENCH_IMPORT_RECORDS:-1000000}
SMALL=${BENCH_IMPORT_SMALL:-100000}
BIN=${BENCH_BIN:-build/fhirgate}
[ -n "${BENCH_BIN:-}" ] || make --no-print-directory build >/dev/null
[ -x /usr/bin/time ] || { echo "bench-import: /usr/bin/time is missing (package time)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir -p build/bench
out=build/bench/results.txt

# run_one N LABEL: generate, seed, import; prints "seconds rss_kib created"
run_one() {
    local n=$1 xml="$tmp/export-$1.xml" db="$tmp/import-$1.db"
    awk -v N="$n" -f bench/gen_apple_export.awk >"$xml"
    "$BIN" seed --db "$db" --now 2026-11-23 >/dev/null
    /usr/bin/time -v -o "$tmp/time-$n.txt" "$BIN" import apple-health --db "$db" --patient amy \
        --now 2026-11-23 --json "$xml" >"$tmp/out-$n.json"
    local secs rss created
    secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$tmp/time-$n.txt")
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tmp/time-$n.txt")
    created=$(sed -E 's/.*"created":([0-9]+).*/\1/' "$tmp/out-$n.json")
    [ "$created" = "$n" ] || { echo "bench-import: $n records gave created=$created" >&2; cat "$tmp/out-$n.json" >&2; exit 1; }
    echo "$secs $rss $created"
}

read -r s_small rss_small _ < <(run_one "$SMALL")
read -r s_big rss_big _ < <(run_one "$N")
# The check pass alone (no store): an unknown patient would stop before it, so import into a
# store where every record already exists: pass 1 + pass 2 parse + one lookup each, no writes.
/usr/bin/time -v -o "$tmp/time-re.txt" "$BIN" import apple-health --db "$tmp/import-$N.db" \
    --patient amy --now 2026-11-23 --json "$tmp/export-$N.xml" >"$tmp/out-re.json"
s_re=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$tmp/time-re.txt")
grep -q '"created":0' "$tmp/out-re.json" || { echo "bench-import: re-import created records"; exit 1; }

verdict() { awk -v a="$1" -v b="$2" -v dir="$3" 'BEGIN { ok = dir == "ge" ? a >= b : a <= b; print ok ? "PASS" : "MISS" }'; }
rate_big=$(awk -v n="$N" -v s="$s_big" 'BEGIN { printf "%d", (s > 0 ? n / s : 0) }')
rate_small=$(awk -v n="$SMALL" -v s="$s_small" 'BEGIN { printf "%d", (s > 0 ? n / s : 0) }')
rate_re=$(awk -v n="$N" -v s="$s_re" 'BEGIN { printf "%d", (s > 0 ? n / s : 0) }')
mib_big=$(( rss_big / 1024 ))
mib_small=$(( rss_small / 1024 ))
{
    echo ""
    echo "wearable import (fhirgate import apple-health, generated export.xml, fresh seeded store)"
    printf '  %-44s %12s %10s\n' "run" "records/s" "peak RSS"
    printf '  %-44s %12s %9s\n' "$N records" "$rate_big" "${mib_big} MiB"
    printf '  %-44s %12s %9s\n' "$SMALL records" "$rate_small" "${mib_small} MiB"
    printf '  %-44s %12s\n' "re-import of the $N (both passes, no writes)" "$rate_re"
    echo "  targets: >= 50,000 records/s: $(verdict "$rate_big" 50000 ge) ($rate_big);" \
         "RSS <= 64 MiB at $N: $(verdict "$mib_big" 64 le), at $SMALL: $(verdict "$mib_small" 64 le)"
    echo "  (the re-import row is the importer's own speed; the gap to the first row is the store's"
    echo "   write path: fhir/store_sqlite_write.c, index rows per Observation)"
} | tee -a "$out"
}
