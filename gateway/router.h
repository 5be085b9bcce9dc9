/* router.h - FHIR REST URL patterns mapped to handlers.
 *
 * A pattern is a path below the server root made of segments: literal
 * text ("fhir", "metadata", "_history", "_search"), {type} (a resource type
 * the server knows), {id} (a FHIR id), {vid} (a version id) or {op} (a
 * "$name" operation) or {any} (any non-empty segment, not captured: for
 * fallback routes such as an unknown resource type). Routes are tried in table order; the first whose
 * method and pattern match wins. A path that matches a pattern with another
 * method gives 405. Spec: http://hl7.org/fhir/R4/http.html
 */
#ifndef FG_ROUTER_H
#define FG_ROUTER_H

#include <stddef.h>

#include "http.h"

struct fg_route {
    enum fg_method method;
    const char *pattern;   /* "/fhir/{type}/{id}/_history/{vid}" */
    fg_handler handler;
};

/* The REST route table, defined in gateway/routes.c. */
extern const struct fg_route fg_routes[];
extern const size_t fg_routes_count;

enum fg_route_match { FG_ROUTE_FOUND, FG_ROUTE_NO_PATH, FG_ROUTE_BAD_METHOD };

/* Finds the route for req->method and req->path; on FG_ROUTE_FOUND sets
 * *handler and req->route_*. @test tests/unit/gateway/router_test.c */
enum fg_route_match fg_router_match(const struct fg_route *routes, size_t n, struct fg_req *req,
                                    fg_handler *handler);

/* Writes the methods whose routes match req->path, comma-separated
 * ("GET, HEAD, PUT"), for the Allow header of a 405 (RFC 9110 §15.5.6).
 * Returns a pool-owned string, or NULL on no memory.
 * @test tests/unit/gateway/router_test.c */
const char *fg_router_allowed(const struct fg_route *routes, size_t n, struct fg_req *req);

#endif
