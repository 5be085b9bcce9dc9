/* authdb_sessions.h - browser sessions at /auth and pending authorize requests.
 *
 * A session is what the sign-in cookie names: a random id (only its
 * SHA-256 digest is stored), the signed-in account (0 until sign-in), the
 * page language and a CSRF token bound to it. It ends after idle_s seconds
 * without activity (portal-rules.md: 15 minutes), measured with the
 * database's clock: each successful lookup moves last_seen_at to now.
 *
 * An authorize request (client, redirect_uri, state, scopes, PKCE
 * challenge, ...) is validated once and kept here under a random id, so the
 * sign-in, picker and consent pages carry only that id. It belongs to the
 * session that started it and lives at most SMART_AUTHZ_REQ_LIFETIME_S.
 */
#ifndef SMART_AUTHDB_SESSIONS_H
#define SMART_AUTHDB_SESSIONS_H

#include "authdb.h"
#include "authdb_accounts.h"
#include "authdb_clients.h"
#include "authdb_grants.h"
#include "pkce.h"
#include "token.h"

#define SMART_SESSION_IDLE_DEFAULT_S (15 * 60)
#define SMART_AUTHZ_REQ_LIFETIME_S (30 * 60)
#define SMART_MAX_LANG 8

struct smart_session {
    char digest[SMART_DIGEST_SIZE];     /* smart_token_digest(cookie value) */
    int64_t account_id;                 /* 0 = not signed in */
    char lang[SMART_MAX_LANG + 1];      /* "" = from Accept-Language */
    char csrf[SMART_TOKEN_SIZE];        /* the token every form must carry */
    int64_t created_at, last_seen_at;
};

/* Creates a session: id_out receives the cookie value (give it to the
 * browser, never log it), out (may be NULL) the stored row. FG_EIO when
 * the random generator fails. */
enum fg_status smart_authdb_session_create(struct smart_authdb *db, struct fg_str lang,
                                           char id_out[SMART_TOKEN_SIZE],
                                           struct smart_session *out);

/* Finds the session named by a cookie value and marks it used now.
 * FG_ENOTFOUND when unknown or idle longer than idle_s (0 = default 15
 * minutes; such a session is deleted). @test tests/unit/smart/authdb_sessions_test.c */
enum fg_status smart_authdb_session_get(struct smart_authdb *db, struct fg_str id, int64_t idle_s,
                                        struct smart_session *out);

/* Sets the signed-in account (0 signs out) / the language. FG_ENOTFOUND. */
enum fg_status smart_authdb_session_set_account(struct smart_authdb *db, struct fg_str digest,
                                                int64_t account_id);
enum fg_status smart_authdb_session_set_lang(struct smart_authdb *db, struct fg_str digest,
                                             struct fg_str lang);
enum fg_status smart_authdb_session_delete(struct smart_authdb *db, struct fg_str digest);

/* Replaces the session old_digest by a fresh one (new id and CSRF token,
 * same language) signed in as account_id, moving its authorize requests,
 * in one transaction: the id changes at sign-in so a planted cookie is
 * worthless (session fixation). id_out gets the new cookie value, out the
 * new row. FG_ENOTFOUND when old_digest is unknown. */
enum fg_status smart_authdb_session_rotate(struct smart_authdb *db, struct fg_str old_digest,
                                           int64_t account_id, char id_out[SMART_TOKEN_SIZE],
                                           struct smart_session *out);

/* A validated authorize request. Strings are owned (smart_authz_request_cleanup). */
struct smart_authz_request {
    char id[SMART_TOKEN_SIZE];                 /* set by smart_authdb_authzreq_add */
    char session_digest[SMART_DIGEST_SIZE];    /* the session it belongs to */
    char client_id[SMART_MAX_CLIENT_ID + 1];
    char *redirect_uri;
    char *state;
    char *scopes;                              /* requested ∩ client's allowed, canonical */
    char code_challenge[SMART_PKCE_CHALLENGE_LEN + 1];
    char *nonce;                               /* may be NULL */
    char patient_id[SMART_MAX_PATIENT_ID + 1]; /* chosen patient, "" until chosen */
    /* An EHR launch (authdb_launch.h): the user it was made for (0 = a
     * standalone launch) and its encounter; patient_id is then the launch's
     * patient, fixed ("" = no patient in context). */
    int64_t launch_account;
    char encounter_id[SMART_MAX_ENCOUNTER_ID + 1];
    char fhir_context[SMART_MAX_FHIR_CONTEXT + 1]; /* the launch's fhirContext, or "" */
    int64_t created_at;
};

void smart_authz_request_cleanup(struct smart_authz_request *r);

/* Stores r under a fresh random id (written to r->id), created_at = now.
 * FG_EINVAL when a required field is missing. */
enum fg_status smart_authdb_authzreq_add(struct smart_authdb *db, struct smart_authz_request *r);

/* Loads the request id of the session session_digest. FG_ENOTFOUND when
 * unknown, of another session or older than SMART_AUTHZ_REQ_LIFETIME_S.
 * Caller owns out's members. */
enum fg_status smart_authdb_authzreq_get(struct smart_authdb *db, struct fg_str id,
                                         struct fg_str session_digest,
                                         struct smart_authz_request *out);

enum fg_status smart_authdb_authzreq_set_patient(struct smart_authdb *db, struct fg_str id,
                                                 struct fg_str patient_id);

/* Deletes the request (after the redirect to the app). Unknown ids are FG_OK. */
enum fg_status smart_authdb_authzreq_delete(struct smart_authdb *db, struct fg_str id);

#endif
