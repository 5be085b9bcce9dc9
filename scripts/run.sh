#!/bin/bash
# `make run`: load the fixtures into var/fhirgate.db (idempotent) and serve
# http://127.0.0.1:8080/fhir, printing what a newcomer can try next.
# FHIRGATE_PORT, FHIRGATE_DB and FHIRGATE_AUTH_DB override the defaults;
# FHIRGATE_BIN the binary (tests/integration/demo.test.mjs runs this script).
# Creates the demo portal accounts (idempotent: existing ones are kept).
set -euo pipefail
cd "$(dirname "$0")/.."
port=${FHIRGATE_PORT:-8080}
db=${FHIRGATE_DB:-var/fhirgate.db}
auth_db=${FHIRGATE_AUTH_DB:-var/fhirgate-auth.db}
demo_password='Demo-pass-2026'
bin=${FHIRGATE_BIN:-build/fhirgate}
base="http://127.0.0.1:$port/fhir"
mkdir -p "$(dirname "$db")"

"$bin" seed --db "$db" --fixtures fixtures

# account USER PATIENT: adds the account unless it exists (exit 3 = already there).
account() {
    local rc=0
    printf '%s\n' "$demo_password" |
        "$bin" account add --auth-db "$auth_db" --user "$1" --patient "$2" \
            --password-stdin >/dev/null 2>&1 || rc=$?
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 3 ]; then echo "cannot add account $1" >&2; exit 1; fi
}
# proxy USER PATIENT KIND: adds the relation unless it is in force already.
proxy() {
    local rc=0
    "$bin" account proxy --auth-db "$auth_db" --user "$1" --patient "$2" --kind "$3" \
        >/dev/null 2>&1 || rc=$?
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 3 ]; then echo "cannot add proxy $1 -> $2" >&2; exit 1; fi
}
account amyshaw amy
account danielshaw daniel
account maxshaw max
proxy danielshaw lily parent
proxy danielshaw max parent
# A clinician for the EHR launch: Dr. Nora Okafor (fixture Practitioner).
rc=0
printf '%s\n' "$demo_password" |
    "$bin" account add --auth-db "$auth_db" --user drokafor --practitioner pr-nora-okafor \
        --password-stdin >/dev/null 2>&1 || rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -ne 3 ]; then echo "cannot add account drokafor" >&2; exit 1; fi

# The demo app served at /demo (a public client): registered once, under a
# fixed client_id per port (exit 3 = already there). Its launch URI carries
# the client_id, so an EHR launch (?iss=&launch=) reaches the page knowing it.
demo_uri="http://127.0.0.1:$port/demo/"
demo_client="fhirgate-demo-$port"
rc=0
"$bin" client add --auth-db "$auth_db" --client-id "$demo_client" --name "fhirgate demo" \
    --type public --redirect-uri "$demo_uri" --redirect-uri "http://localhost:$port/demo/" \
    --launch-uri "${demo_uri}?client_id=$demo_client" \
    --scope "launch launch/patient openid fhirUser patient/Patient.rs patient/Condition.rs patient/Observation.rs" \
    >/dev/null 2>&1 || rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -ne 3 ]; then echo "cannot register the demo app" >&2; exit 1; fi

"$bin" serve --db "$db" --auth-db "$auth_db" --port "$port" --bind 127.0.0.1 --base-url "$base" &
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

# Every /fhir request needs a bearer token: mint a read-only operator token
# (system/*.rs) and one for Amy's record (patient/*.rs) with the CLI, for the
# curl lines below. The "make run (curl)" client is registered once.
client=$("$bin" client list --auth-db "$auth_db" |
    grep '"client_name":"make run (curl)"' | head -n 1 | grep -o '"client_id":"[^"]*"' | cut -d'"' -f4 || true)
if [ -z "$client" ]; then
    client=$("$bin" client add --auth-db "$auth_db" --name 'make run (curl)' \
        --redirect-uri http://localhost/curl --type public \
        --scope 'system/*.rs patient/*.rs launch/patient' |
        grep -o '"client_id":"[^"]*"' | cut -d'"' -f4)
fi
mint() { # SCOPE [PATIENT]
    "$bin" token issue --auth-db "$auth_db" --base-url "$base" --client "$client" \
        --scope "$1" ${2:+--patient "$2"} | grep -o '"access_token":"[^"]*"' | cut -d'"' -f4
}
token=$(mint 'system/*.rs')
amy_token=$(mint 'launch/patient patient/*.rs' amy)

cat <<TXT

fhirgate is serving $base   (Ctrl-C stops it)

Every /fhir request needs a bearer token (valid for an hour; mint more with
$bin token issue --auth-db $auth_db --client $client --scope 'system/*.rs'):
  TOKEN=$token
  AMY_TOKEN=$amy_token     (patient/*.rs, Amy's record only)

Try:
  curl -s -H "Authorization: Bearer $token" $base/Patient/amy
  curl -s -H "Authorization: Bearer $token" '$base/Observation?patient=amy&category=vital-signs&_sort=-date&_count=5'
  curl -s -H "Authorization: Bearer $amy_token" '$base/Condition?_revinclude=Provenance:target'
  curl -s -H "Authorization: Bearer $amy_token" $base/Patient/daniel     (404: not Amy's record)
  curl -s $base/metadata     (public)

Demo app (SMART standalone launch, PKCE; sign in with an account below):
  ${demo_uri}?client_id=$demo_client

EHR launch of the demo app (fhirgate as the EHR; each launch URL works once,
within 5 minutes): Dr. Okafor opens Amy's chart at her latest visit:
  $bin launch --auth-db $auth_db --db $db --base-url $base \\
      --client $demo_client --user drokafor --patient amy --encounter amy-enc-6
  then open the printed URL and sign in as drokafor. Portal users launch it
  from http://127.0.0.1:$port/auth/apps ("Open an app").

Demo patients: amy (adult), daniel (father), lily (8), max (15).
Portal accounts (password $demo_password), in $auth_db:
  amyshaw     patient amy
  danielshaw  patient daniel, parent proxy for lily and max
  maxshaw     patient max
  drokafor    practitioner (Dr. Nora Okafor): every patient, in an EHR launch
TXT
wait $server
