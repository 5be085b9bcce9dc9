/* authdb_sessions_test.c - /auth sessions (digest-only storage, idle timeout
 * on the pinned clock) and pending authorize requests; migration 1 -> 2. */
#include "../test.h"

#include <sqlite3.h>
#include <string.h>

#include "smart/authdb_sessions.h"

#include "authdb_env.h"

static void test_session_idle(void)
{
    struct env e;
    env_open(&e);
    char id[SMART_TOKEN_SIZE];
    struct smart_session made, got;
    CHECK_INT(smart_authdb_session_create(e.db, fg_str_c("es"), id, &made), FG_OK);
    CHECK_INT(strlen(id), SMART_TOKEN_CHARS);
    CHECK_INT(strlen(made.csrf), SMART_TOKEN_CHARS);
    CHECK(strcmp(made.csrf, id) != 0);
    CHECK_INT(smart_authdb_session_get(e.db, fg_str_c(id), 0, &got), FG_OK);
    CHECK_STR(got.lang, "es");
    CHECK_STR(got.csrf, made.csrf);
    CHECK_INT(got.account_id, 0);
    /* the cookie value itself is never a key: the digest is */
    CHECK_INT(smart_authdb_session_get(e.db, fg_str_c(made.digest), 0, &got), FG_ENOTFOUND);
    CHECK_INT(smart_authdb_session_set_account(e.db, fg_str_c(made.digest), 7), FG_OK);
    CHECK_INT(smart_authdb_session_set_lang(e.db, fg_str_c(made.digest), fg_str_c("en")), FG_OK);
    /* activity at 14:59 keeps it alive; 15:01 idle after that ends it */
    set_now(&e, T0 + 14 * 60 + 59);
    CHECK_INT(smart_authdb_session_get(e.db, fg_str_c(id), 0, &got), FG_OK);
    CHECK_INT(got.account_id, 7);
    CHECK_STR(got.lang, "en");
    set_now(&e, T0 + 14 * 60 + 59 + 15 * 60);
    CHECK_INT(smart_authdb_session_get(e.db, fg_str_c(id), 0, &got), FG_OK);
    set_now(&e, T0 + 14 * 60 + 59 + 30 * 60 + 1);
    CHECK_INT(smart_authdb_session_get(e.db, fg_str_c(id), 0, &got), FG_ENOTFOUND);
    /* deleted: a later (pinned back) clock does not revive it */
    set_now(&e, T0);
    CHECK_INT(smart_authdb_session_get(e.db, fg_str_c(id), 0, &got), FG_ENOTFOUND);
    /* a custom idle limit */
    CHECK_INT(smart_authdb_session_create(e.db, FG_STR_NULL, id, NULL), FG_OK);
    set_now(&e, T0 + 61);
    CHECK_INT(smart_authdb_session_get(e.db, fg_str_c(id), 60, &got), FG_ENOTFOUND);
    CHECK_INT(smart_authdb_session_set_account(e.db, fg_str_c("nope"), 1), FG_ENOTFOUND);
    CHECK_INT(smart_authdb_session_create(e.db, fg_str_c("much-too-long"), id, NULL), FG_EINVAL);
    env_close(&e);
}

static void test_authz_requests(void)
{
    struct env e;
    env_open(&e);
    char sid[SMART_TOKEN_SIZE];
    struct smart_session sess;
    CHECK_INT(smart_authdb_session_create(e.db, FG_STR_NULL, sid, &sess), FG_OK);
    struct smart_authz_request r, got;
    memset(&r, 0, sizeof r);
    memcpy(r.session_digest, sess.digest, sizeof r.session_digest);
    memcpy(r.client_id, "app1", 5);
    r.redirect_uri = "https://app.example/cb";
    r.state = "st&ate";
    r.scopes = "launch/patient patient/Observation.rs";
    memset(r.code_challenge, 'A', SMART_PKCE_CHALLENGE_LEN);
    CHECK_INT(smart_authdb_authzreq_add(e.db, &r), FG_OK);
    CHECK_INT(strlen(r.id), SMART_TOKEN_CHARS);
    CHECK_INT(smart_authdb_authzreq_get(e.db, fg_str_c(r.id), fg_str_c(sess.digest), &got), FG_OK);
    CHECK_STR(got.state, "st&ate");
    CHECK_STR(got.redirect_uri, "https://app.example/cb");
    CHECK_STR(got.scopes, "launch/patient patient/Observation.rs");
    CHECK(got.nonce == NULL);
    CHECK_STR(got.patient_id, "");
    smart_authz_request_cleanup(&got);
    /* another session cannot use it */
    CHECK_INT(smart_authdb_authzreq_get(e.db, fg_str_c(r.id), fg_str_c("x"), &got), FG_ENOTFOUND);
    CHECK_INT(smart_authdb_authzreq_set_patient(e.db, fg_str_c(r.id), fg_str_c("lily")), FG_OK);
    CHECK_INT(smart_authdb_authzreq_get(e.db, fg_str_c(r.id), fg_str_c(sess.digest), &got), FG_OK);
    CHECK_STR(got.patient_id, "lily");
    smart_authz_request_cleanup(&got);
    set_now(&e, T0 + SMART_AUTHZ_REQ_LIFETIME_S + 1);
    CHECK_INT(smart_authdb_authzreq_get(e.db, fg_str_c(r.id), fg_str_c(sess.digest), &got),
              FG_ENOTFOUND);
    /* purge drops the stale request, keeps a fresh one and drops day-old sessions */
    struct smart_authz_request fresh = r;
    CHECK_INT(smart_authdb_authzreq_add(e.db, &fresh), FG_OK);
    int64_t deleted = 0;
    CHECK_INT(smart_authdb_purge(e.db, &deleted), FG_OK);
    CHECK_INT(deleted, 1);
    CHECK_INT(smart_authdb_authzreq_get(e.db, fg_str_c(fresh.id), fg_str_c(sess.digest), &got),
              FG_OK);
    smart_authz_request_cleanup(&got);
    set_now(&e, T0 + 86400 - 1);
    CHECK_INT(smart_authdb_purge(e.db, &deleted), FG_OK);
    CHECK_INT(deleted, 1); /* the second request; the session is not a day idle yet */
    set_now(&e, T0 + 86400);
    CHECK_INT(smart_authdb_purge(e.db, &deleted), FG_OK);
    CHECK_INT(deleted, 1); /* the session */
    CHECK_INT(smart_authdb_authzreq_delete(e.db, fg_str_c(r.id)), FG_OK);
    r.state = NULL;
    CHECK_INT(smart_authdb_authzreq_add(e.db, &r), FG_EINVAL);
    env_close(&e);
}

/* Sign-in rotates the id: the old cookie is dead, the request follows. */
static void test_rotate(void)
{
    struct env e;
    env_open(&e);
    char oldid[SMART_TOKEN_SIZE], newid[SMART_TOKEN_SIZE];
    struct smart_session old, fresh, got;
    CHECK_INT(smart_authdb_session_create(e.db, fg_str_c("es"), oldid, &old), FG_OK);
    struct smart_authz_request r, rr;
    memset(&r, 0, sizeof r);
    memcpy(r.session_digest, old.digest, sizeof r.session_digest);
    memcpy(r.client_id, "app1", 5);
    r.redirect_uri = "https://app.example/cb";
    r.state = "s";
    r.scopes = "openid";
    memset(r.code_challenge, 'A', SMART_PKCE_CHALLENGE_LEN);
    CHECK_INT(smart_authdb_authzreq_add(e.db, &r), FG_OK);
    CHECK_INT(smart_authdb_session_rotate(e.db, fg_str_c(old.digest), 42, newid, &fresh), FG_OK);
    CHECK(strcmp(oldid, newid) != 0);
    CHECK(strcmp(old.csrf, fresh.csrf) != 0);
    CHECK_INT(smart_authdb_session_get(e.db, fg_str_c(oldid), 0, &got), FG_ENOTFOUND);
    CHECK_INT(smart_authdb_session_get(e.db, fg_str_c(newid), 0, &got), FG_OK);
    CHECK_INT(got.account_id, 42);
    CHECK_STR(got.lang, "es");
    CHECK_INT(smart_authdb_authzreq_get(e.db, fg_str_c(r.id), fg_str_c(fresh.digest), &rr), FG_OK);
    smart_authz_request_cleanup(&rr);
    CHECK_INT(smart_authdb_authzreq_get(e.db, fg_str_c(r.id), fg_str_c(old.digest), &rr),
              FG_ENOTFOUND);
    CHECK_INT(smart_authdb_session_rotate(e.db, fg_str_c(old.digest), 1, newid, &fresh),
              FG_ENOTFOUND);
    env_close(&e);
}

/* A version-1 file gets the version-2 tables on open, keeping its rows. */
static void test_migrate_v1(void)
{
    struct env e;
    env_open(&e);
    /* undo versions 2 to 7 by hand: what a version-1 file looked like */
    env_reopen_after(&e, "DROP TABLE sessions; DROP TABLE authz_requests;"
                         " DROP INDEX client_redirect_uris_origin;"
                         " ALTER TABLE client_redirect_uris DROP COLUMN origin;"
                         " DROP TABLE activation_codes; DROP TABLE audit; DROP TABLE launches;"
                         " ALTER TABLE clients DROP COLUMN launch_uri;"
                         " ALTER TABLE accounts DROP COLUMN practitioner_id;"
                         " ALTER TABLE grants DROP COLUMN encounter_id;"
                         " ALTER TABLE grants DROP COLUMN fhir_context;"
                         " PRAGMA user_version = 1;"
                         "INSERT INTO accounts(username, password_hash, created_at)"
                         " VALUES ('keepme', 'x', 1);");
    char id[SMART_TOKEN_SIZE];
    CHECK_INT(smart_authdb_session_create(e.db, FG_STR_NULL, id, NULL), FG_OK);
    struct smart_account a;
    CHECK_INT(smart_authdb_account_get(e.db, fg_str_c("KEEPME"), &a), FG_OK);
    env_close(&e);
}

TEST_MAIN(test_session_idle, test_authz_requests, test_rotate, test_migrate_v1)
