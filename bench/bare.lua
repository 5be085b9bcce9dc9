-- bare.lua - wrk script for `make bench`: the bare libmicrohttpd endpoint (the machine's ceiling).
-- GET /_bench/bare with the same Accept header as the FHIR scenarios.
wrk.method = "GET"
wrk.path = "/_bench/bare"
wrk.headers["Accept"] = "application/fhir+json"
