#!/bin/bash
# bench/profile_read.sh - server instructions per request of the read
# scenarios, for a machine whose cores are shared (req/s is noise there;
# instruction counts are not, and this machine's VMs have no hardware
# counters for perf stat): the server runs under valgrind --tool=callgrind,
# each scenario is wrk -t1 for PROFILE_SECONDS between a callgrind zero and
# dump, and the dump's instructions are divided by the requests wrk
# completed. DIR/callgrind-<key>.out is each scenario's profile
# (callgrind_annotate --inclusive=yes).
#
#   bench/profile_read.sh BIN DIR        DIR keeps the data set between runs
#
# Environment: PROFILE_OBS [100000] PROFILE_PATIENTS [100] PROFILE_SECONDS [5]
#   PROFILE_CONNECTIONS [4] PROFILE_ONLY [bare,read,readauth,portalrd]
#   PROFILE_MODE [callgrind]  cpu: run the server natively and report its CPU
#     time per request (user and system, from /proc/PID/stat; the kernel's
#     share of a small request is large) -- noisy on a shared machine
# Not part of `make test` or `make bench`; see bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:?usage: bench/profile_read.sh BIN DIR}
dir=${2:?usage: bench/profile_read.sh BIN DIR}
OBS=${PROFILE_OBS:-100000}
PATIENTS=${PROFILE_PATIENTS:-100}
SECONDS_EACH=${PROFILE_SECONDS:-5}
CONNS=${PROFILE_CONNECTIONS:-4}
ONLY=${PROFILE_ONLY:-bare,read,readauth,portalrd}
MODE=${PROFILE_MODE:-callgrind}
for v in $(compgen -e); do
    case $v in FHIRGATE_*) unset "$v" ;; esac
done
mkdir -p "$dir"
pid=""
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
    if [ -n "$pid" ]; then
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
}
trap cleanup EXIT

start() { # [valgrind prefix...]
    rm -f "$dir/server.err"
    "$@" "$bin" serve --bind 127.0.0.1 --port 0 --db "$dir/bench.db" --auth-db "$dir/auth.db" \
        --bench-endpoints 1 --access-log off >/dev/null 2>"$dir/server.err" &
    pid=$!
    port=""
    for _ in $(seq 600); do
        port=$(grep -m1 '"event":"listening"' "$dir/server.err" 2>/dev/null |
            grep -o '"port":[0-9]*' | cut -d: -f2 || true)
        [ -n "$port" ] && break
        sleep 0.05
    done
    [ -n "$port" ] || { cat "$dir/server.err" >&2; exit 1; }
    base=http://127.0.0.1:$port
}

if [ ! -f "$dir/tokens" ]; then
    warn=$(sed -n 's/^WARN := //p' Makefile)
    # shellcheck disable=SC2086 # warn is a list of flags
    cc -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L $warn -O2 -I. \
        -o "$dir/gen" bench/gen_bench_data.c core/fg_str.c
    rm -rf "$dir/data" "$dir"/*.db*
    mkdir -p "$dir/data"
    "$dir/gen" "$dir/data" "$PATIENTS" "$OBS" 1000 grouped >/dev/null
    start
    client=$("$bin" client add --auth-db "$dir/auth.db" --name bench \
        --redirect-uri http://localhost/bench --type public --scope 'system/*.cruds' |
        grep -o '"client_id":"[^"]*"' | cut -d'"' -f4)
    token=$("$bin" token issue --auth-db "$dir/auth.db" --client "$client" \
        --scope 'system/*.cruds' --base-url "$base/fhir" |
        grep -o '"access_token":"[^"]*"' | cut -d'"' -f4)
    for f in "$dir"/data/p-*.json "$dir"/data/o-*.json; do
        code=$(curl -sS -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $token" \
            -H 'Content-Type: application/fhir+json' -H 'Prefer: return=minimal' \
            --data-binary @"$f" "$base/fhir")
        [ "$code" = 200 ] || { echo "load of $f: HTTP $code" >&2; exit 1; }
    done
    printf 'Bench-pass-2026\n' | "$bin" account add --auth-db "$dir/auth.db" --user benchportal \
        --patient bp-0 --password-stdin >/dev/null
    pclient=$("$bin" client add --auth-db "$dir/auth.db" --name bench-portal \
        --redirect-uri http://localhost/bench-portal --type public \
        --scope 'launch/patient patient/*.rs openid fhirUser' |
        grep -o '"client_id":"[^"]*"' | cut -d'"' -f4)
    ptoken=$("$bin" token issue --auth-db "$dir/auth.db" --client "$pclient" --user benchportal \
        --patient bp-0 --scope 'launch/patient patient/*.rs' --base-url "$base/fhir" |
        grep -o '"access_token":"[^"]*"' | cut -d'"' -f4)
    rm -rf "$dir/data"
    printf '%s\n%s\n' "$token" "$ptoken" >"$dir/tokens"
    cleanup
    pid=""
fi
{ read -r token; read -r ptoken; } <"$dir/tokens"
export BENCH_OBS=$OBS BENCH_TOKEN=$token BENCH_PORTAL_TOKEN=$ptoken
export BENCH_PORTAL_OBS=$(((OBS + PATIENTS - 1) / PATIENTS)) BENCH_PORTAL_STRIDE=1
rm -f "$dir"/callgrind.out.* "$dir"/callgrind-*.out
if [ "$MODE" = cpu ]; then
    start
else
    start valgrind --tool=callgrind --callgrind-out-file="$dir/callgrind.out.%p" --dump-instr=no
fi

declare -A script=([bare]=bench/bare.lua [read]=bench/read.lua [readauth]=bench/read_auth.lua
    [portalrd]=bench/read_portal.lua)
declare -A path=([bare]=/_bench/bare [read]=/_bench/read/Observation [readauth]=/fhir/Observation
    [portalrd]=/fhir/Observation)
cpu_ticks() { # user system (clock ticks) of the server
    awk '{ print $14, $15 }' "/proc/$pid/stat"
}
hz=$(getconf CLK_TCK)
if [ "$MODE" = cpu ]; then
    printf '%-9s %10s %10s %12s %12s %12s\n' scenario requests req/s "user us/req" "sys us/req" "cpu us/req"
else
    printf '%-9s %10s %16s %12s %12s %12s %12s\n' scenario requests instructions instr/req \
        "audit/req" "memset/req" "rest/req"
fi
# Inclusive instructions of function $2 (as callgrind_annotate names it) in profile $1.
incl() {
    callgrind_annotate --auto=no --inclusive=yes --threshold=100 "$1" 2>/dev/null |
        awk -v f="$2 [" 'index($0, f) && !done { gsub(",", "", $1); print $1; done = 1 }'
}
IFS=, read -r -a keys <<<"$ONLY"
dumps=0
for k in "${keys[@]}"; do
    wrk -t1 -c"$CONNS" -d1s -s "${script[$k]}" "$base${path[$k]}" >/dev/null # warm-up
    if [ "$MODE" = cpu ]; then
        read -r u0 s0 < <(cpu_ticks)
        wrk -t1 -c"$CONNS" -d"${SECONDS_EACH}s" -s "${script[$k]}" "$base${path[$k]}" >"$dir/wrk-$k.txt"
        read -r u1 s1 < <(cpu_ticks)
        n=$(awk '/ requests in /{print $1}' "$dir/wrk-$k.txt")
        rps=$(awk '/^Requests\/sec:/{print $2}' "$dir/wrk-$k.txt")
        awk -v k="$k" -v n="$n" -v r="$rps" -v u=$((u1 - u0)) -v s=$((s1 - s0)) -v hz="$hz" 'BEGIN {
            printf "%-9s %10d %10.0f %12.1f %12.1f %12.1f\n", k, n, r, u * 1e6 / hz / n,
                s * 1e6 / hz / n, (u + s) * 1e6 / hz / n }'
        continue
    fi
    callgrind_control -z "$pid" >/dev/null 2>&1
    wrk -t1 -c"$CONNS" -d"${SECONDS_EACH}s" -s "${script[$k]}" "$base${path[$k]}" >"$dir/wrk-$k.txt"
    callgrind_control -d "$k" "$pid" >/dev/null 2>&1
    dumps=$((dumps + 1))
    f=$dir/callgrind.out.$pid.$dumps
    for _ in $(seq 50); do [ -s "$f" ] && break; sleep 0.1; done
    mv "$f" "$dir/callgrind-$k.out"
    ins=$(awk '/^summary:/{print $2}' "$dir/callgrind-$k.out")
    n=$(awk '/ requests in /{print $1}' "$dir/wrk-$k.txt")
    non2xx=$(awk '/Non-2xx/{print $NF}' "$dir/wrk-$k.txt")
    # The audit writer thread (its cost per row shrinks with the batch size,
    # i.e. with the request rate, which is low under valgrind) and libc's
    # memset (MHD zeroes its per-connection pool with `rep stosb`, which
    # callgrind counts per byte: large here, cheap on the hardware) apart.
    aud=$(incl "$dir/callgrind-$k.out" gateway/audit.c:writer)
    mset=$(incl "$dir/callgrind-$k.out" :__memset_avx2_unaligned_erms)
    awk -v k="$k" -v n="$n" -v i="$ins" -v a="${aud:-0}" -v m="${mset:-0}" -v bad="${non2xx:+NON-2xx: $non2xx}" 'BEGIN {
        printf "%-9s %10d %16d %12.0f %12.0f %12.0f %12.0f %s\n", k, n, i, i / n, a / n, m / n,
            (i - a - m) / n, bad }'
done
