#!/bin/bash
# `make run`: load the fixtures into var/fhirgate.db (idempotent) and serve
# http://127.0.0.1:8080/fhir, printing what a newcomer can try next.
# FHIRGATE_PORT and FHIRGATE_DB override the defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
port=${FHIRGATE_PORT:-8080}
db=${FHIRGATE_DB:-var/fhirgate.db}
base="http://127.0.0.1:$port/fhir"
mkdir -p "$(dirname "$db")"

build/fhirgate seed --db "$db" --fixtures fixtures

build/fhirgate serve --db "$db" --port "$port" --bind 127.0.0.1 --base-url "$base" &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server 2>/dev/null' INT TERM
for _ in $(seq 1 100); do
    if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then break; fi
    if ! kill -0 $server 2>/dev/null; then
        echo "fhirgate did not start (is port $port in use? set FHIRGATE_PORT)" >&2
        exit 1
    fi
    sleep 0.1
done

cat <<TXT

fhirgate is serving $base   (Ctrl-C stops it)

Try:
  curl -s $base/Patient/amy
  curl -s '$base/Observation?patient=amy&category=vital-signs&_sort=-date&_count=5'
  curl -s '$base/Condition?patient=amy&_revinclude=Provenance:target'
  curl -s $base/metadata

Demo patients: amy (adult), daniel (father), lily (8), max (15).
TXT
wait $server
