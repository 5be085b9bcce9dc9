-- read_portal.lua - wrk script for `make bench`: read by id with a portal account's token
-- (issue 7): GET /fhir/Observation/bo-N of the patient bp-0 with Authorization: Bearer
-- $BENCH_PORTAL_TOKEN, a token of bp-0's own signed-in account (launch/patient patient/*.rs),
-- so every request derives the portal view (account, proxies, birthDate, today).
-- bp-0's Observations: BENCH_PORTAL_OBS of them, every BENCH_PORTAL_STRIDE-th id from bo-0.
local token = os.getenv("BENCH_PORTAL_TOKEN") or ""
if token == "" then error("read_portal.lua: set BENCH_PORTAL_TOKEN to a portal account's token") end
local n = tonumber(os.getenv("BENCH_PORTAL_OBS") or "")
local stride = tonumber(os.getenv("BENCH_PORTAL_STRIDE") or "")
if not n or n < 1 or not stride or stride < 1 then
   error("read_portal.lua: set BENCH_PORTAL_OBS and BENCH_PORTAL_STRIDE")
end

wrk.headers["Accept"] = "application/fhir+json"
wrk.headers["Authorization"] = "Bearer " .. token

local threads = 0
function setup(thread)
   thread:set("seed", threads)
   threads = threads + 1
end

function init(args)
   math.randomseed(7919 * ((seed or 0) + 1))
end

function request()
   return wrk.format("GET", "/fhir/Observation/bo-" .. math.random(0, n - 1) * stride)
end
