/* authdb_codes.h - authorization codes and used client-assertion jtis.
 *
 * Codes (RFC 6749 §4.1.2, §10.5): stored as digests, live at most 60 s,
 * bound to the client, redirect_uri and PKCE challenge, and single use:
 * consuming a used code reports reuse (with the grant it created) so the
 * caller can revoke everything that code issued (RFC 6749 §4.1.2 "SHOULD
 * revoke"). jtis (RFC 7523 §3 item 7): a client assertion's jti is
 * remembered until the assertion expires and refused if seen again.
 */
#ifndef SMART_AUTHDB_CODES_H
#define SMART_AUTHDB_CODES_H

#include "authdb.h"
#include "authdb_accounts.h"
#include "authdb_clients.h"
#include "authdb_grants.h"
#include "pkce.h"
#include "token.h"

#define SMART_CODE_MAX_LIFETIME_S 60
#define SMART_MAX_NONCE 256

struct smart_code {
    char digest[SMART_DIGEST_SIZE];            /* smart_token_digest(code) */
    char client_id[SMART_MAX_CLIENT_ID + 1];
    char *redirect_uri;                        /* owned */
    char code_challenge[SMART_PKCE_CHALLENGE_LEN + 1];
    char *scopes;                              /* owned; what the user approved */
    char patient_id[SMART_MAX_PATIENT_ID + 1]; /* launch patient, "" if none */
    int64_t account_id;                        /* signed-in user, 0 if none */
    char grant_id[SMART_GRANT_ID_SIZE];        /* the grant the code was issued for */
    char *nonce;                               /* owned; OIDC nonce or NULL */
    int64_t expires_at;
};

void smart_code_cleanup(struct smart_code *c);

/* Stores a code. FG_EINVAL when expires_at is not within (now, now + 60 s]
 * or a required field (digest, client, redirect_uri, challenge, scopes) is
 * missing. @test tests/unit/smart/authdb_test.c */
enum fg_status smart_authdb_code_add(struct smart_authdb *db, const struct smart_code *c);

/* Marks the code used and fills out (caller owns its members,
 * smart_code_cleanup). Atomic: of two concurrent consumers exactly one
 * gets FG_OK. Results:
 *   FG_OK        fresh code, now consumed;
 *   FG_ENOTFOUND no such code;
 *   FG_EGONE     the code had expired (now consumed; out filled);
 *   FG_ECONFLICT the code was already used: out filled (grant_id) so the
 *                caller revokes that grant. */
enum fg_status smart_authdb_code_consume(struct smart_authdb *db, struct fg_str digest,
                                         struct smart_code *out);

/* Remembers (client_id, jti) until expires_at. FG_OK the first time,
 * FG_ECONFLICT when the same pair is still remembered (a replay). An entry
 * whose time has passed is replaced. */
enum fg_status smart_authdb_jti_remember(struct smart_authdb *db, struct fg_str client_id,
                                         struct fg_str jti, int64_t expires_at);

#endif
