/* cors.h - Cross-Origin Resource Sharing for browser apps (SMART App
 * Launch 2.2: discovery readable from any origin; the token endpoint and
 * the FHIR API answer the requesting origin).
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
    FG_CORS_API     /* FHIR API and OAuth endpoints: the request's origin echoed */
};

/* The policy for a request path. @test tests/unit/gateway/cors_test.c */
enum fg_cors_kind fg_cors_kind_for(struct fg_str path);

/* True when origin is a serialized origin "scheme://host[:port]" with
 * scheme http or https, no path, no user info, printable ASCII only. */
bool fg_cors_origin_valid(struct fg_str origin);

/* Answers a CORS preflight (OPTIONS with Origin and
 * Access-Control-Request-Method on a CORS path) with 204 and the allowed
 * methods and headers; returns true when it did. */
bool fg_cors_preflight(struct fg_req *req);

/* Adds the CORS headers for the request's Origin (if any) to the
 * response. Called for every answer. */
void fg_cors_apply(struct fg_req *req);

#endif
