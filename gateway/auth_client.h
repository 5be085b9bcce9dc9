/* auth_client.h - OAuth client authentication at the token, introspection
 * and revocation endpoints.
 *
 * Methods (SMART App Launch 2.2 client-*.html, RFC 6749 §2.3, RFC 7523):
 * client_secret_basic (HTTP Basic, id and secret form-encoded then
 * base64), client_secret_post (client_id + client_secret in the body),
 * private_key_jwt (client_assertion_type jwt-bearer + client_assertion,
 * verified with the client's registered JWKS; jti replay refused) and, for
 * public clients, client_id alone. A client must use the method of its
 * type; more than one method in a request is invalid_request.
 */
#ifndef FG_AUTH_CLIENT_H
#define FG_AUTH_CLIENT_H

#include "../smart/authdb_clients.h"
#include "auth_http.h"

#define FG_JWT_BEARER_TYPE "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

enum fg_client_method { FG_CA_NONE, FG_CA_BASIC, FG_CA_POST, FG_CA_JWT };

struct fg_client_auth {
    struct smart_client client; /* owned members (smart_client_cleanup) */
    enum fg_client_method method;
};

/* Authenticates the client of req (form already read). FG_OK fills out
 * (caller cleans up out->client). On failure answers invalid_client (401,
 * with WWW-Authenticate: Basic when Basic was tried) or invalid_request
 * (400) and returns non-FG_OK; out needs no cleanup.
 * @test tests/integration/smart-token.test.mjs */
enum fg_status fg_auth_client_authenticate(struct fg_req *req, const struct fg_auth_form *form,
                                           struct smart_authdb *db, struct fg_client_auth *out);

#endif
