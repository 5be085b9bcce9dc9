/* auth_http.h - what every authorization-server endpoint shares: JSON
 * answers, OAuth 2.0 error answers (RFC 6749 §5.2), form bodies and the
 * absolute endpoint URLs.
 *
 * OAuth endpoints answer errors as {"error","error_description"} JSON,
 * never as OperationOutcome: a helper that refuses sets that response and
 * returns a non-FG_OK status, and the dispatcher keeps the response.
 * Every JSON answer here carries Cache-Control: no-store and Pragma:
 * no-cache (RFC 6749 §5.1) unless it is public discovery data.
 */
#ifndef FG_AUTH_HTTP_H
#define FG_AUTH_HTTP_H

#include <cJSON.h>
#include <stdbool.h>

#include "../conformance/capability.h"
#include "../core/fg_pool.h"
#include "../fhir/search.h"
#include "http.h"

/* Endpoint paths below the server root. */
#define FG_AUTH_PATH_AUTHORIZE "/auth/authorize"
#define FG_AUTH_PATH_TOKEN "/auth/token"
#define FG_AUTH_PATH_REGISTER "/auth/register"
#define FG_AUTH_PATH_MANAGE "/auth/apps"
#define FG_AUTH_PATH_INTROSPECT "/auth/introspect"
#define FG_AUTH_PATH_REVOKE "/auth/revoke"
#define FG_AUTH_PATH_JWKS "/auth/jwks"
#define FG_AUTH_PATH_SMART_STYLE "/auth/smart-style.json"

/* Answers tree as JSON (tree is freed in every case). no_store adds the
 * no-store / no-cache headers. FG_ENOMEM when printing fails. */
enum fg_status fg_auth_send_json(struct fg_req *req, int status, cJSON *tree, bool no_store);

/* Answers an OAuth error: status, {"error": error, "error_description":
 * description}, no-store headers. Returns FG_EINVAL (the response is set,
 * so the dispatcher keeps it). description must not contain secrets. */
enum fg_status fg_auth_oauth_error(struct fg_req *req, int status, const char *error,
                                   const char *description);

/* The absolute URL of a server path, pool-owned (NULL on no memory). */
const char *fg_auth_abs_url(struct fg_req *req, const char *path);

/* Fills o with the absolute OAuth endpoint URLs for base_url (pool-owned),
 * for the CapabilityStatement's rest.security. FG_ENOMEM. */
enum fg_status fg_auth_oauth_uris(const char *base_url, struct fg_pool *pool,
                                  struct fg_capability_oauth *o);

/* A decoded application/x-www-form-urlencoded body. */
struct fg_auth_form {
    struct fhir_kv *pairs; /* pool-owned */
    size_t n;
};

/* Checks that the request is a POST with Content-Type
 * application/x-www-form-urlencoded and a body within
 * FG_MAX_BODY_BYTES_UNAUTH, and decodes it. On failure answers
 * invalid_request (400; 413 for a too large body) and returns non-FG_OK.
 * @test tests/integration/smart-token.test.mjs */
enum fg_status fg_auth_read_form(struct fg_req *req, struct fg_auth_form *out);

/* The value of a form parameter: FG_OK with *value (empty slice with ptr
 * NULL when absent); FG_EINVAL when it appears more than once (RFC 6749
 * §3.1: parameters MUST NOT be repeated). */
enum fg_status fg_auth_form_get(const struct fg_auth_form *f, const char *name,
                                struct fg_str *value);

#endif
