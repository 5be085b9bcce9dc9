-- search.lua - wrk script for `make bench`: the US Core vital-signs search for a random patient.
-- GET /fhir/Observation?patient=bp-<0 .. BENCH_PATIENTS-1>&category=vital-signs&date=ge<BENCH_SINCE>
local n = tonumber(os.getenv("BENCH_PATIENTS") or "")
if not n or n < 1 then error("search.lua: set BENCH_PATIENTS to the number of patients loaded") end
local since = os.getenv("BENCH_SINCE") or ""
if not since:match("^%d%d%d%d%-%d%d%-%d%d$") then error("search.lua: set BENCH_SINCE to YYYY-MM-DD") end

wrk.headers["Accept"] = "application/fhir+json"
local token = os.getenv("BENCH_TOKEN") or ""
if token ~= "" then wrk.headers["Authorization"] = "Bearer " .. token end

local threads = 0
function setup(thread)
   thread:set("seed", threads)
   threads = threads + 1
end

function init(args)
   math.randomseed(104729 * ((seed or 0) + 1))
end

-- BENCH_DELAY_MS (the "searchlat" row): each connection waits a random,
-- exponentially distributed time of this mean after each answer before its
-- next request (a user's think time), so the offered rate is about
-- connections * 1000 / (BENCH_DELAY_MS + latency) requests/s: latency below
-- saturation. Unset: back to back (the saturated "search" row).
local delay_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "")
if delay_ms and delay_ms > 0 then
   function delay()
      return math.floor(-delay_ms * math.log(1 - math.random()) + 0.5)
   end
end

function request()
   return wrk.format("GET", "/fhir/Observation?patient=bp-" .. math.random(0, n - 1)
      .. "&category=vital-signs&date=ge" .. since)
end
