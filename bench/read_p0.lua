-- read_p0.lua - wrk script for `make bench`: read by id of the patient bp-0's Observations
-- without authorization, GET /_bench/read/Observation/bo-N for the ids read_portal.lua reads
-- (BENCH_PORTAL_OBS of them, every BENCH_PORTAL_STRIDE-th from bo-0): the baseline of the
-- portal account's read.
READ_N = tonumber(os.getenv("BENCH_PORTAL_OBS") or "")
READ_STRIDE = tonumber(os.getenv("BENCH_PORTAL_STRIDE") or "")
if not READ_N or READ_N < 1 or not READ_STRIDE or READ_STRIDE < 1 then
   error("read_p0.lua: set BENCH_PORTAL_OBS and BENCH_PORTAL_STRIDE")
end
dofile("bench/read.lua")
