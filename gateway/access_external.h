/* access_external.h - tokens of an external authorization server
 * (auth_mode = jwks | introspection), verified with liboauth2.
 *
 * jwks: the token is a JWS JWT signed by a key of the JWKS at auth_jwks_uri
 * (liboauth2 fetches and caches the set). introspection: the token is sent
 * to the RFC 7662 endpoint auth_introspection_url (client_secret_basic with
 * auth_introspection_client_id / _secret) and must come back active.
 * liboauth2 checks neither audience nor issuer (toolchain-notes.md), so the
 * claims are checked here: exp in the future (required), aud containing
 * auth_audience (default: the FHIR base URL), iss equal to auth_issuer when
 * set. Claims read: scope (string) or scp (array), client_id or azp,
 * patient (SMART launch context), fhirUser ("Patient/x" reaches x for
 * user/ scopes), sub. RFC 7519, RFC 7662, RFC 8707 (audience).
 */
#ifndef FG_ACCESS_EXTERNAL_H
#define FG_ACCESS_EXTERNAL_H

#include "../smart/policy.h"
#include "config.h"
#include "http.h"

struct fg_external;

/* Builds the verifier for cfg->auth_mode ("jwks" or "introspection");
 * *out = NULL for "local". FG_EINVAL (msg says why) for an unknown mode or
 * a missing URL. Caller owns *out (fg_external_free). */
enum fg_status fg_external_new(const struct fg_config *cfg, struct fg_external **out, char *msg,
                               size_t msg_size);
void fg_external_free(struct fg_external **v);

/* Verifies token for req and fills a (initialized, empty). A rejected token
 * answers 401 invalid_token (fg_access_challenge) and returns FG_EUNAUTH. */
enum fg_status fg_external_verify(struct fg_external *v, struct fg_req *req, struct fg_str token,
                                  struct smart_access *a);

/* The claims check alone (no signature): fills a from claims (a JSON
 * object) when exp/aud/iss pass at now_s. FG_EUNAUTH with *why (static)
 * otherwise. @test tests/unit/gateway/access_token_test.c */
enum fg_status fg_external_claims(const cJSON *claims, const char *audience, const char *issuer,
                                  int64_t now_s, struct fg_pool *pool, struct smart_access *a,
                                  const char **why);

#endif
