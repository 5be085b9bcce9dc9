-- read.lua - wrk script for `make bench`: read by id, a random Observation per request.
-- GET /fhir/Observation/bo-<0 .. BENCH_OBS-1> (ids written by bench/gen_bench_data.c).
local n = tonumber(os.getenv("BENCH_OBS") or "")
if not n or n < 1 then error("read.lua: set BENCH_OBS to the number of Observations loaded") end

wrk.headers["Accept"] = "application/fhir+json"

-- Each wrk thread gets its own seed, so threads ask for different ids.
local threads = 0
function setup(thread)
   thread:set("seed", threads)
   threads = threads + 1
end

function init(args)
   math.randomseed(7919 * ((seed or 0) + 1))
end

function request()
   return wrk.format("GET", "/fhir/Observation/bo-" .. math.random(0, n - 1))
end
