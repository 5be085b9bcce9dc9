/* auth_clients.h - creating and describing OAuth clients, shared by
 * `fhirgate client` and RFC 7591 dynamic registration (POST /auth/register).
 *
 * Redirect URIs must be absolute https URLs, or http on localhost /
 * 127.0.0.1 / [::1] (native and development apps, RFC 8252 §7.3), without
 * a fragment; they later match byte for byte.
 * https://www.rfc-editor.org/rfc/rfc7591  https://www.rfc-editor.org/rfc/rfc8252
 */
#ifndef FG_AUTH_CLIENTS_H
#define FG_AUTH_CLIENTS_H

#include <cJSON.h>
#include <stdbool.h>

#include "../core/fg_error.h"
#include "../smart/authdb_clients.h"

/* Scopes a client may be granted when none are given. */
#define FG_CLIENT_DEFAULT_SCOPES                                                      \
    "openid fhirUser launch launch/patient offline_access online_access patient/*.cruds " \
    "user/*.cruds"
#define FG_CLIENT_DEFAULT_SYSTEM_SCOPES " system/*.rs"

struct fg_client_spec {
    const char *name;
    enum smart_client_type type;
    const char *const *redirect_uris;
    size_t n_redirect_uris;
    const char *jwks;      /* asymmetric: inline JWKS JSON, or NULL */
    const char *jwks_uri;  /* asymmetric: URL, or NULL */
    const char *scopes;    /* NULL = the defaults */
    const char *launch_uri; /* EHR launch URL (OIDC registration's initiate_login_uri), or
                               NULL; same rules as a redirect URI */
    const char *client_id;  /* the operator's choice (`client add --client-id`), or NULL =
                               random; 1 to SMART_MAX_CLIENT_ID of A-Z a-z 0-9 . _ ~ - */
};

/* True when uri is an acceptable redirect URI (see above).
 * @test tests/unit/gateway/auth_clients_test.c */
bool fg_redirect_uri_ok(const char *uri);

/* Validates spec, generates the client_id unless spec gives one (and for
 * symmetric clients the secret, written to secret_out; "" otherwise) and
 * stores it; *out receives the stored client (caller cleans up). FG_EINVAL
 * with err naming the field (err->expression = "redirect_uris" for a bad
 * redirect URI); FG_ECONFLICT when the given client_id exists.
 * @test tests/integration/smart-clients.test.mjs */
enum fg_status fg_client_create(struct smart_authdb *db, const struct fg_client_spec *spec,
                                struct smart_client *out, char secret_out[SMART_TOKEN_SIZE],
                                struct fg_error *err);

/* The client's RFC 7591 metadata as JSON (client_secret when given).
 * NULL on no memory. Caller owns the tree. */
cJSON *fg_client_json(const struct smart_client *c, const char *secret);

/* "public" / "confidential-symmetric" / "confidential-asymmetric", and back
 * (FG_EINVAL for anything else). */
const char *fg_client_type_name(enum smart_client_type t);
enum fg_status fg_client_type_parse(const char *s, enum smart_client_type *out);

#endif
