/* authdb_clients.h - registered OAuth clients (apps).
 *
 * Types follow SMART client profiles: public (PKCE only), confidential
 * symmetric (client_secret_basic / client_secret_post; only the SHA-256
 * digest of the high-entropy secret is stored) and confidential asymmetric
 * (private_key_jwt with a JWKS given inline or by URL). Redirect URIs match
 * exactly (RFC 6749 §3.1.2, OAuth 2.0 Security BCP §4.1.3).
 * https://hl7.org/fhir/smart-app-launch/client-authentication.html
 */
#ifndef SMART_AUTHDB_CLIENTS_H
#define SMART_AUTHDB_CLIENTS_H

#include "../core/fg_limits.h"
#include "authdb.h"
#include "token.h"

#define SMART_MAX_CLIENT_ID 128
#define SMART_MAX_REDIRECT_URIS 16
#define SMART_MAX_REDIRECT_URI_BYTES 2048
#define SMART_MAX_CLIENT_NAME_BYTES 256 /* shown on the consent and linked-apps pages */

enum smart_client_type {
    SMART_CLIENT_PUBLIC = 0,
    SMART_CLIENT_CONFIDENTIAL_SYMMETRIC = 1,
    SMART_CLIENT_CONFIDENTIAL_ASYMMETRIC = 2
};

struct smart_client {
    char client_id[SMART_MAX_CLIENT_ID + 1];
    char *name;                          /* owned */
    enum smart_client_type type;
    char secret_digest[SMART_DIGEST_SIZE]; /* symmetric only: smart_token_digest(secret) */
    char *jwks;                          /* owned; asymmetric: inline JWKS JSON, or NULL */
    char *jwks_uri;                      /* owned; asymmetric: JWKS URL, or NULL */
    char *scopes;                        /* owned; the scopes this client may be granted */
    char *launch_uri;                    /* owned; where the EHR launch opens the app
                                            (?iss=&launch=), or NULL: no EHR launch */
    int64_t created_at;                  /* set by smart_authdb_client_add */
    char *redirect_uris[SMART_MAX_REDIRECT_URIS]; /* owned */
    size_t n_redirect_uris;
};

/* Frees the owned members and zeroes c. */
void smart_client_cleanup(struct smart_client *c);

/* Stores c (created_at = now). FG_EINVAL when the fields do not fit the
 * type (symmetric needs a digest, asymmetric a JWKS or JWKS URL, public
 * neither), the client_id is empty or too long, or there is no redirect
 * URI; FG_ECONFLICT when the client_id exists. err says which.
 * @test tests/unit/smart/authdb_test.c */
enum fg_status smart_authdb_client_add(struct smart_authdb *db, const struct smart_client *c,
                                       struct fg_error *err);

/* Loads a client with its redirect URIs. Caller owns out's members
 * (smart_client_cleanup). FG_ENOTFOUND when unknown; out is then zeroed. */
enum fg_status smart_authdb_client_get(struct smart_authdb *db, struct fg_str client_id,
                                       struct smart_client *out);

/* *ok = the client exists and uri is one of its redirect URIs, byte for byte. */
enum fg_status smart_authdb_client_redirect_ok(struct smart_authdb *db, struct fg_str client_id,
                                               struct fg_str uri, bool *ok);

/* *ok = some client has a redirect URI at origin ("scheme://host[:port]",
 * compared case-insensitively): the URI is the origin itself or continues
 * with '/' or '?'. This is what CORS on the token endpoint and the FHIR API
 * allows (SMART App Launch 2.2: registered origins). FG_EINVAL when origin
 * is empty or longer than FG_MAX_ORIGIN_BYTES. */
enum fg_status smart_authdb_origin_registered(struct smart_authdb *db, struct fg_str origin,
                                              bool *ok);

/* *ok = the client is confidential-symmetric and secret's digest equals the
 * stored digest (constant-time compare). Unknown clients give *ok = false
 * after the same work. */
enum fg_status smart_authdb_client_check_secret(struct smart_authdb *db, struct fg_str client_id,
                                                struct fg_str secret, bool *ok);

/* Deletes a client and its redirect URIs and revokes every grant it holds
 * (revoked_by "client-deleted"), so its tokens stop at once. FG_ENOTFOUND
 * when unknown. */
enum fg_status smart_authdb_client_delete(struct smart_authdb *db, struct fg_str client_id);

/* Calls fn with each client_id, oldest first. A non-FG_OK return from fn
 * stops the walk and is returned. The id is valid during the call only
 * (fn must not use db: collect ids, then load them). */
typedef enum fg_status (*smart_client_id_fn)(void *arg, struct fg_str client_id);
enum fg_status smart_authdb_client_ids(struct smart_authdb *db, smart_client_id_fn fn, void *arg);

/* Calls fn with the client_id and name of each client that has a launch URI
 * (an EHR launch can open it), oldest first, under the same rules as
 * smart_authdb_client_ids (both strings valid during the call only).
 * @test tests/unit/smart/authdb_test.c */
typedef enum fg_status (*smart_launch_client_fn)(void *arg, const char *client_id,
                                                 const char *name);
enum fg_status smart_authdb_launch_clients(struct smart_authdb *db, smart_launch_client_fn fn,
                                           void *arg);

#endif
