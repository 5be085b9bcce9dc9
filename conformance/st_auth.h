/* st_auth.h - a bearer token for the conformance self-test by SMART Backend
 * Services (client_credentials with a private_key_jwt client assertion):
 * the token endpoint from BASE/.well-known/smart-configuration, an
 * assertion {iss, sub = client id, aud = token endpoint, exp = now + 5 min,
 * jti} signed with the client's private JWK (RS384 for RSA, ES384 for EC,
 * or the key's own "alg"), POSTed with grant_type=client_credentials.
 * Spec: http://hl7.org/fhir/smart-app-launch/backend-services.html
 */
#ifndef FG_ST_AUTH_H
#define FG_ST_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/fg_status.h"

/* Gets an access token for client_id with the private JWK in key_file
 * (one JWK, or a JWKS whose first key is used) and scope. *token is
 * fg_malloc'ed (free with fg_free). On failure why (cap bytes) says what
 * went wrong, never the key or assertion: FG_EIO (network, server answer),
 * FG_EINVAL (the key file), FG_ENOMEM. */
enum fg_status st_auth_client_credentials(const char *base, bool insecure, const char *client_id,
                                          const char *key_file, const char *scope, char **token,
                                          char *why, size_t cap);

#endif
