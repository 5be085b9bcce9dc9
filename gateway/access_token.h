/* access_token.h - who is asking: the bearer token of a /fhir request,
 * verified, turned into a struct smart_access (smart/policy.h).
 *
 * RFC 6750 §2.1 (Authorization: Bearer b64token), §3 and §3.1 (the
 * WWW-Authenticate challenge: no error code when no token was sent,
 * error="invalid_token" for a malformed, unknown, expired, revoked or
 * wrong-audience token). Where tokens are checked depends on auth_mode:
 *  - local (default): tokens this server issued, by digest in the auth
 *    database through the per-connection cache (smart/authdb_tokcache.h),
 *    exact across processes through the revocation epoch;
 *  - jwks / introspection: tokens of an external authorization server,
 *    verified by access_external.c (liboauth2).
 */
#ifndef FG_ACCESS_TOKEN_H
#define FG_ACCESS_TOKEN_H

#include "../smart/policy.h"
#include "http.h"

#define FG_ACCESS_REALM "fhirgate"

/* The token of "Authorization: Bearer <token>". *present = a header was
 * sent at all. FG_EINVAL when the header is there but is not a bearer
 * token of b64token characters within FG_MAX_BEARER_BYTES.
 * @test tests/unit/gateway/access_token_test.c */
enum fg_status fg_access_bearer(const char *header, struct fg_str *token, bool *present);

/* Verifies the request's token and fills a (initialized, empty; the
 * caller cleans it up) and runs the policy's prepare hooks. On failure the
 * response is a 401 OperationOutcome with the WWW-Authenticate challenge
 * (req->err filled) and the status is returned. */
enum fg_status fg_access_token_verify(struct fg_req *req, struct smart_access *a);

/* Sets req->err to 401 and adds the challenge: error_code NULL for "no
 * token" (realm only), else e.g. "invalid_token" with a description. */
enum fg_status fg_access_challenge(struct fg_req *req, const char *error_code,
                                   const char *description);

#endif
