/* cors.h - Cross-Origin Resource Sharing for browser apps (SMART App
 * Launch 2.2: discovery readable from any origin; the token endpoint and
 * the FHIR API only for registered origins).
 *
 * An origin is allowed on the API paths when a registered client has a
 * redirect URI at that origin (smart_authdb_origin_registered) or it is in
 * the cors_origins setting. Such a request gets its origin echoed with
 * `Vary: Origin`; any other origin gets no Access-Control-Allow-Origin, so
 * the browser withholds the answer (a preflight from it gets 204 without
 * the allow headers and the actual request is never sent).
 *
 * The server does not use cookies on these paths (bearer tokens and client
 * credentials travel in headers or bodies), so no
 * Access-Control-Allow-Credentials is ever sent.
 * https://fetch.spec.whatwg.org/#http-cors-protocol
 * https://hl7.org/fhir/smart-app-launch/app-launch.html (CORS)
 */
#ifndef FG_CORS_H
#define FG_CORS_H

#include <stdbool.h>

#include "../core/fg_str.h"
#include "http.h"

enum fg_cors_kind {
    FG_CORS_NONE,   /* no CORS headers (HTML pages, /healthz) */
    FG_CORS_PUBLIC, /* discovery, JWKS, metadata: Access-Control-Allow-Origin: * */
    FG_CORS_API     /* FHIR API and OAuth endpoints: allowed origins echoed */
};

/* The policy for a request path. @test tests/unit/gateway/cors_test.c */
enum fg_cors_kind fg_cors_kind_for(struct fg_str path);

/* True when origin is a serialized origin "scheme://host[:port]" with
 * scheme http or https, no path, no user info, printable ASCII only. */
bool fg_cors_origin_valid(struct fg_str origin);

/* True when list (origins separated by spaces or commas; may be empty)
 * holds only valid origins; else *bad is the first invalid one.
 * @test tests/unit/gateway/cors_test.c */
bool fg_cors_list_valid(struct fg_str list, struct fg_str *bad);

/* True when origin is one of list's (exact, case-insensitive). */
bool fg_cors_list_has(struct fg_str list, const char *origin);

/* Answers a CORS preflight (OPTIONS with Origin and
 * Access-Control-Request-Method on a CORS path) with 204 and, for an allowed
 * origin, the allowed methods and headers; returns true when it did. */
bool fg_cors_preflight(struct fg_req *req);

/* Adds the CORS headers for the request's Origin (if any) to the
 * response. Called for every answer. */
void fg_cors_apply(struct fg_req *req);

#endif
