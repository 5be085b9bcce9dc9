-- read_portal.lua - wrk script for `make bench`: read by id with a portal account's token
-- (issue 7): GET /fhir/Observation/bo-N of the patient bp-0 with Authorization: Bearer
-- $BENCH_PORTAL_TOKEN, a token of bp-0's own signed-in account (launch/patient patient/*.rs),
-- so every request derives the portal view (account, proxies, birthDate, today).
-- bp-0's Observations: BENCH_PORTAL_OBS of them, every BENCH_PORTAL_STRIDE-th id from bo-0.
local token = os.getenv("BENCH_PORTAL_TOKEN") or ""
if token == "" then error("read_portal.lua: set BENCH_PORTAL_TOKEN to a portal account's token") end
READ_N = tonumber(os.getenv("BENCH_PORTAL_OBS") or "")
READ_STRIDE = tonumber(os.getenv("BENCH_PORTAL_STRIDE") or "")
if not READ_N or READ_N < 1 or not READ_STRIDE or READ_STRIDE < 1 then
   error("read_portal.lua: set BENCH_PORTAL_OBS and BENCH_PORTAL_STRIDE")
end
READ_PREFIX = "/fhir/Observation/bo-"
dofile("bench/read.lua")
wrk.headers["Authorization"] = "Bearer " .. token
