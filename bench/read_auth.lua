-- read_auth.lua - wrk script for `make bench`: read by id through the FHIR API with a
-- bearer token (GET /fhir/Observation/bo-N, Authorization: Bearer $BENCH_TOKEN, a token
-- minted with `fhirgate token issue`): token check + policy + read. Compare with read.lua.
local token = os.getenv("BENCH_TOKEN") or ""
if token == "" then error("read_auth.lua: set BENCH_TOKEN to an access token") end
READ_PREFIX = "/fhir/Observation/bo-"
dofile("bench/read.lua")
wrk.headers["Authorization"] = "Bearer " .. token
