-- search_portal.lua - wrk script for `make bench`: the US Core vital-signs search of the
-- patient bp-0 with a token of bp-0's own portal account (see read_portal.lua):
-- GET /fhir/Observation?patient=bp-0&category=vital-signs&date=ge<BENCH_SINCE>.
local token = os.getenv("BENCH_PORTAL_TOKEN") or ""
if token == "" then error("search_portal.lua: set BENCH_PORTAL_TOKEN to a portal account's token") end
local since = os.getenv("BENCH_SINCE") or ""
if not since:match("^%d%d%d%d%-%d%d%-%d%d$") then error("search_portal.lua: set BENCH_SINCE to YYYY-MM-DD") end

wrk.headers["Accept"] = "application/fhir+json"
wrk.headers["Authorization"] = "Bearer " .. token

function request()
   return wrk.format("GET", "/fhir/Observation?patient=bp-0&category=vital-signs&date=ge" .. since)
end
