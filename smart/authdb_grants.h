/* authdb_grants.h - grants (one per authorization a user gave an app) and
 * the access and refresh tokens issued under them.
 *
 * Every token belongs to a grant; revoking the grant revokes every token
 * at once, because each token lookup reads the grant's revocation in the
 * same query (a primary-key lookup of the token joined to the primary key
 * of its grant). Nothing is cached here: the next lookup on any connection
 * or process sees the revocation (issue 5). A caller that caches lookups
 * must key its cache on smart_authdb_revocation_epoch (read it before the
 * lookup; drop the entry when it changes): every revocation below bumps
 * it after commit. Tokens are stored only as SHA-256 digests
 * (smart_token_digest).
 * RFC 7009 (revocation), RFC 7662 (introspection), issue 5 (linked apps).
 */
#ifndef SMART_AUTHDB_GRANTS_H
#define SMART_AUTHDB_GRANTS_H

#include "authdb.h"
#include "authdb_accounts.h"
#include "authdb_clients.h"
#include "token.h"

#define SMART_GRANT_ID_SIZE 23 /* 16 random bytes, base64url, + NUL */
#define SMART_MAX_REVOKED_BY 64
#define SMART_MAX_ENCOUNTER_ID 64
/* An EHR launch's further context (SMART 2.2 fhirContext): up to
 * SMART_MAX_FHIR_CONTEXT_REFS relative references "Type/id", space-separated
 * (smart_fhir_context_ok). */
#define SMART_MAX_FHIR_CONTEXT_REFS 4
#define SMART_MAX_FHIR_CONTEXT (SMART_MAX_FHIR_CONTEXT_REFS * 130)

struct smart_grant {
    char id[SMART_GRANT_ID_SIZE];              /* set by smart_authdb_grant_add */
    int64_t account_id;                        /* the signed-in user (0 for none, e.g. backend) */
    char patient_id[SMART_MAX_PATIENT_ID + 1]; /* the patient the app may see ("" = none) */
    char client_id[SMART_MAX_CLIENT_ID + 1];
    char encounter_id[SMART_MAX_ENCOUNTER_ID + 1]; /* EHR launch encounter ("" = none) */
    char fhir_context[SMART_MAX_FHIR_CONTEXT + 1]; /* EHR launch fhirContext ("" = none) */
    char *scopes;                              /* owned; the granted scope string */
    int64_t granted_at;                        /* set by smart_authdb_grant_add */
    int64_t last_used_at;
    int64_t expires_at;                        /* 0 = until revoked */
    int64_t revoked_at;                        /* 0 = active */
    char revoked_by[SMART_MAX_REVOKED_BY + 1]; /* who revoked: "user:<id>", "code-reuse", ... */
};

void smart_grant_cleanup(struct smart_grant *g);

/* Stores a new grant: g->id gets a fresh random id and g->granted_at now.
 * FG_EINVAL without client_id or scopes. @test tests/unit/smart/authdb_test.c */
enum fg_status smart_authdb_grant_add(struct smart_authdb *db, struct smart_grant *g);

/* Loads a grant; caller owns out's members (smart_grant_cleanup). FG_ENOTFOUND. */
enum fg_status smart_authdb_grant_get(struct smart_authdb *db, struct fg_str id,
                                      struct smart_grant *out);

/* Revokes a grant at now, recording who did it. Idempotent: revoking a
 * revoked grant keeps the first time and returns FG_OK. FG_ENOTFOUND. */
enum fg_status smart_authdb_grant_revoke(struct smart_authdb *db, struct fg_str id,
                                         struct fg_str revoked_by);

/* Revokes every active grant account_id made for patient_id (e.g. when
 * the account's proxy access to that patient is revoked); *n (may be NULL)
 * counts them. Bumps the revocation epoch when any changed. */
enum fg_status smart_authdb_grants_revoke_for(struct smart_authdb *db, int64_t account_id,
                                              struct fg_str patient_id, struct fg_str revoked_by,
                                              int64_t *n);

/* Sets last_used_at = now when it is older than min_interval_s, so a busy
 * app costs one write per interval, not one per request. */
enum fg_status smart_authdb_grant_touch(struct smart_authdb *db, struct fg_str id,
                                        int64_t min_interval_s);

/* Calls fn for each grant of the account (acting user) or of the patient,
 * newest first, revoked ones included. A non-FG_OK return from fn stops
 * the walk and is returned. g is valid during the call only. */
typedef enum fg_status (*smart_grant_fn)(void *arg, const struct smart_grant *g);
enum fg_status smart_authdb_grants_for_account(struct smart_authdb *db, int64_t account_id,
                                               smart_grant_fn fn, void *arg);
enum fg_status smart_authdb_grants_for_patient(struct smart_authdb *db, struct fg_str patient_id,
                                               smart_grant_fn fn, void *arg);

enum smart_token_kind { SMART_TOKEN_ACCESS = 0, SMART_TOKEN_REFRESH = 1 };

struct smart_token_row {
    char digest[SMART_DIGEST_SIZE];
    char grant_id[SMART_GRANT_ID_SIZE];
    enum smart_token_kind kind;
    const char *scopes;                    /* borrowed; may be narrower than the grant's */
    int64_t expires_at;
    char parent_digest[SMART_DIGEST_SIZE]; /* the refresh token it came from, or "" */
};

/* Stores a token (issued_at = now). FG_EINVAL on a missing field or a
 * expires_at not after now; FG_ECONFLICT when the digest exists or the
 * grant does not. */
enum fg_status smart_authdb_token_add(struct smart_authdb *db, const struct smart_token_row *t);

/* Everything a request needs to know about a presented token. */
struct smart_token_info {
    bool active;             /* not expired, not revoked, grant neither revoked nor expired */
    enum smart_token_kind kind;
    char grant_id[SMART_GRANT_ID_SIZE];
    char *scopes;            /* owned; the token's scopes */
    int64_t issued_at, expires_at;
    int64_t token_revoked_at, grant_revoked_at, grant_expires_at, grant_last_used_at;
    char client_id[SMART_MAX_CLIENT_ID + 1];
    char patient_id[SMART_MAX_PATIENT_ID + 1];
    char encounter_id[SMART_MAX_ENCOUNTER_ID + 1];   /* the grant's launch encounter, or "" */
    char fhir_context[SMART_MAX_FHIR_CONTEXT + 1];   /* the grant's fhirContext, or "" */
    int64_t account_id;
    char practitioner_id[SMART_MAX_PATIENT_ID + 1];  /* the account's, when it is a
                                                        practitioner account; else "" */
    char account_patient_id[SMART_MAX_PATIENT_ID + 1]; /* the account's own Patient (its
                                                          fhirUser), or "" */
};

void smart_token_info_cleanup(struct smart_token_info *info);

/* Looks a token up by digest, with its grant, in one indexed query.
 * FG_ENOTFOUND when unknown; otherwise out is filled and out->active says
 * whether it may be used at now (caller owns out->scopes). */
enum fg_status smart_authdb_token_lookup(struct smart_authdb *db, struct fg_str digest,
                                         struct smart_token_info *out);

/* Revokes one token at now. With cascade, also every token issued from it
 * (access tokens whose parent is this refresh token). Revoking an unknown
 * or already revoked token is FG_OK (RFC 7009 §2.2); *found (may be NULL)
 * says whether the digest existed. */
enum fg_status smart_authdb_token_revoke(struct smart_authdb *db, struct fg_str digest,
                                         bool cascade, bool *found);

#endif
