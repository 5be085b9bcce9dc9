-- read.lua - wrk script for `make bench`: read by id, a random Observation per request.
-- GET /_bench/read/Observation/bo-<0 .. BENCH_OBS-1> (ids written by bench/gen_bench_data.c):
-- the read path without authorization (served only with bench_endpoints = 1), the
-- baseline of the authenticated read. bench/read_auth.lua sets READ_PREFIX and a token.
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

local prefix = READ_PREFIX or "/_bench/read/Observation/bo-"

function request()
   return wrk.format("GET", prefix .. math.random(0, n - 1))
end
