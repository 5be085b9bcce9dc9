/* auth_issue.h - issuing access and refresh tokens (and the id_token)
 * under a grant, and the token response (RFC 6749 §5.1, SMART App Launch
 * 2.2 "Response to a token request", OpenID Connect Core §2).
 *
 * Access tokens are opaque (smart_token_new), live FG_ACCESS_TOKEN_LIFETIME_S
 * and are stored only as digests with their grant. A refresh token is
 * issued when offline_access or online_access is granted; offline refresh
 * tokens live more than three months (checklist F-5), online ones a
 * working day. The id_token (RS256, the current signing key) is issued
 * when both openid and fhirUser are granted and the user has a FHIR
 * resource. The caller runs fg_auth_issue inside its write transaction.
 */
#ifndef FG_AUTH_ISSUE_H
#define FG_AUTH_ISSUE_H

#include <stdbool.h>
#include <stdint.h>

#include "../core/fg_buf.h"
#include "../core/fg_error.h"
#include "../core/fg_pool.h"
#include "../smart/authdb_grants.h"
#include "../smart/token.h"
#include "auth.h"

#define FG_ACCESS_TOKEN_LIFETIME_S 3600
#define FG_BACKEND_TOKEN_LIFETIME_S 300 /* client_credentials (Backend Services: SHOULD <= 300) */
#define FG_REFRESH_OFFLINE_LIFETIME_S (100 * 86400)
#define FG_REFRESH_ONLINE_LIFETIME_S (12 * 3600)
#define FG_ID_TOKEN_LIFETIME_S 3600
#define FG_SUBJECT_MAX 96
#define FG_FHIR_USER_MAX 160

struct fg_issue {
    /* in (borrowed) */
    const char *client_id;
    const char *scopes;         /* the access token's scopes (canonical string) */
    const char *grant_scopes;   /* the grant's / refresh token's scopes; NULL = scopes */
    const char *patient_id;     /* launch patient; NULL or "" = none */
    const char *encounter_id;   /* EHR launch encounter; NULL or "" = none */
    const char *fhir_context;   /* EHR launch's further context, "Type/id ..." (the grant's,
                                   smart_fhir_context_ok); NULL or "" = none. Not stored
                                   by a new grant */
    const char *style_url;      /* EHR launch (the `launch` scope granted): the absolute
                                   smart_style_url; the response then also says
                                   need_patient_banner. NULL = a standalone launch */
    int64_t account_id;         /* signed-in user; 0 = none */
    const char *fhir_user;      /* the user's resource "Patient/123"; NULL = none */
    const char *nonce;          /* OpenID nonce; NULL = none */
    const char *grant_id;       /* existing grant; NULL or "" = create a new one */
    int64_t lifetime_s;         /* access token lifetime; 0 = FG_ACCESS_TOKEN_LIFETIME_S */
    /* out */
    char grant_out[SMART_GRANT_ID_SIZE];
    char access_token[SMART_TOKEN_SIZE];
    char refresh_token[SMART_TOKEN_SIZE]; /* "" when none was issued */
    char *id_token;                       /* owned (fg_free); NULL when none */
    int64_t expires_in;
};

/* Wipes the tokens and frees the id_token. */
void fg_issue_cleanup(struct fg_issue *is);

/* True when the space-separated scope string holds the token word. */
bool fg_scope_has(const char *scopes, const char *word);

/* The id_token / introspection subject for a grant: "user-<account>" for a
 * signed-in user, "patient-<id>" for a patient context without a user,
 * else "client-<client_id>". @test tests/unit/gateway/auth_issue_test.c */
void fg_auth_subject(int64_t account_id, const char *patient_id, const char *client_id,
                     char out[FG_SUBJECT_MAX]);

/* The user's FHIR resource for the id_token's fhirUser and introspection,
 * relative, pool-owned; NULL when there is none. With an account (> 0):
 * "Practitioner/<practitioner_id>" for a practitioner account, else
 * "Patient/<own_patient_id>" when the account has its own record (both as
 * the accounts row and the token row, smart_token_info, carry them);
 * without an account, the launch patient_id's Patient. */
const char *fg_auth_fhir_user(struct fg_pool *pool, int64_t account_id,
                              const char *practitioner_id, const char *own_patient_id,
                              const char *patient_id);

/* Creates the grant when needed, the refresh token (when granted) and the
 * access token, and signs the id_token. Runs on db (inside the caller's
 * transaction). FG_ENOMEM / FG_EIO / FG_ECONFLICT with err filled. */
enum fg_status fg_auth_issue(struct fg_auth *a, struct smart_authdb *db, struct fg_issue *is,
                             struct fg_error *err);

/* Adds "fhirContext" (SMART 2.2: [{"reference": "Type/id"}, ...]) to o for
 * the space-separated references refs; nothing when refs is NULL or "".
 * False on no memory. Shared by the token response and introspection. */
struct cJSON;
bool fg_auth_add_fhir_context(struct cJSON *o, const char *refs);

/* Appends the token response JSON for is: access_token, token_type Bearer,
 * expires_in (a number), scope (exactly is->scopes), refresh_token,
 * patient, encounter, fhirContext and id_token when present; for an EHR launch
 * (style_url set) need_patient_banner true and smart_style_url. @test tests/unit/gateway/auth_issue_test.c */
enum fg_status fg_auth_token_response(const struct fg_issue *is, struct fg_buf *out);

#endif
