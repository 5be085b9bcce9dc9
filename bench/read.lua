-- read.lua - wrk script for `make bench`: read by id, a random Observation per request.
-- GET /_bench/read/Observation/bo-<0 .. BENCH_OBS-1> (ids written by bench/gen_bench_data.c):
-- the read path without authorization (served only with bench_endpoints = 1), the
-- baseline of the authenticated read. Scripts that read other ids set, before dofile-ing
-- this one: READ_PREFIX (the path before the number), READ_N and READ_STRIDE (ask for
-- READ_STRIDE * <0 .. READ_N-1>; defaults BENCH_OBS and 1): bench/read_auth.lua,
-- bench/read_portal.lua.
local n = READ_N or tonumber(os.getenv("BENCH_OBS") or "")
if not n or n < 1 then error("read.lua: set BENCH_OBS to the number of Observations loaded") end
local stride = READ_STRIDE or 1

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
   return wrk.format("GET", prefix .. math.random(0, n - 1) * stride)
end
