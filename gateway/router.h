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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/fg_limits.h"
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

/* A route table prepared for matching: what each pattern's bytes tell
 * before any request (its literal prefix, segment count), worked out once,
 * so that most patterns are passed over in a few compares. */
struct fg_router_meta {
    uint16_t prefix_len; /* bytes before the first placeholder (all of them if none) */
    uint16_t skip;       /* the last '/' of the prefix: the full match starts there */
    uint8_t slashes;     /* '/' in the pattern */
    bool placeholder;    /* a placeholder follows the prefix */
    bool rooted;         /* starts with '/' and fits the fields: byte-wise checks apply */
};
#define FG_ROUTER_BUCKETS 9 /* paths with 0..7 '/' have their own list; 8 or more share one */
struct fg_router {
    const struct fg_route *routes; /* borrowed: outlives the router */
    size_t n;
    struct fg_router_meta meta[FG_MAX_ROUTES];
    /* per bucket, the routes a path of that many '/' can match, in table
     * order (a rooted pattern matches only its own count) */
    uint8_t bucket[FG_ROUTER_BUCKETS][FG_MAX_ROUTES];
    uint8_t bucket_n[FG_ROUTER_BUCKETS];
};
_Static_assert(FG_MAX_ROUTES <= 256, "bucket entries are uint8_t route indices");

/* Prepares routes[0..n) (FG_ETOOBIG past FG_MAX_ROUTES: then r matches
 * nothing). Nothing to free. @test tests/unit/gateway/router_test.c */
enum fg_status fg_router_prepare(struct fg_router *r, const struct fg_route *routes, size_t n);

/* Finds the route for req->method and req->path; on FG_ROUTE_FOUND sets
 * *handler and req->route_*. @test tests/unit/gateway/router_test.c */
enum fg_route_match fg_router_find(const struct fg_router *r, struct fg_req *req,
                                   fg_handler *handler);

/* The same for an unprepared table (prepared on the stack for this call). */
enum fg_route_match fg_router_match(const struct fg_route *routes, size_t n, struct fg_req *req,
                                    fg_handler *handler);

/* Writes the methods whose routes match req->path, comma-separated
 * ("GET, HEAD, PUT"), for the Allow header of a 405 (RFC 9110 §15.5.6).
 * Returns a pool-owned string, or NULL on no memory.
 * @test tests/unit/gateway/router_test.c */
const char *fg_router_allowed(const struct fg_route *routes, size_t n, struct fg_req *req);

#endif
