/* authdb_test.c - the authorization server's SQLite file: schema, clients,
 * accounts and lockout (pinned clock), proxies, codes (single use), jtis,
 * signing keys. Grants and tokens: authdb_grants_test.c. */
#include "../test.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fg_clock.h"
#include "smart/authdb.h"
#include "smart/authdb_accounts.h"
#include "smart/authdb_clients.h"
#include "smart/authdb_codes.h"
#include "smart/authdb_grants.h"
#include "smart/authdb_keys.h"
#include "smart/token.h"

#include "authdb_env.h"

static void test_open_schema(void)
{
    struct env e;
    env_open(&e);
    struct stat stt;
    CHECK(stat(e.path, &stt) == 0 && (stt.st_mode & 0777) == 0600);
    sqlite3 *raw = NULL;
    CHECK(sqlite3_open(e.path, &raw) == SQLITE_OK);
    sqlite3_stmt *s = NULL;
    sqlite3_prepare_v2(raw, "PRAGMA user_version", -1, &s, NULL);
    CHECK(sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int(s, 0) == SMART_AUTHDB_SCHEMA_VERSION);
    sqlite3_finalize(s);
    sqlite3_prepare_v2(raw, "PRAGMA journal_mode", -1, &s, NULL);
    CHECK(sqlite3_step(s) == SQLITE_ROW);
    CHECK_STR((const char *)sqlite3_column_text(s, 0), "wal");
    sqlite3_finalize(s);
    sqlite3_close(raw);
    /* reopening an existing file works and does not migrate again */
    struct smart_authdb *again = NULL;
    CHECK_INT(smart_authdb_open(e.path, &e.clock, NULL, &again, NULL), FG_OK);
    smart_authdb_close(&again);
    /* a newer schema is refused */
    sqlite3_open(e.path, &raw);
    sqlite3_exec(raw, "PRAGMA user_version = 99", NULL, NULL, NULL);
    sqlite3_close(raw);
    struct fg_error err;
    fg_error_clear(&err);
    CHECK_INT(smart_authdb_open(e.path, &e.clock, NULL, &again, &err), FG_EIO);
    CHECK(again == NULL && strstr(err.diagnostics, "newer") != NULL);
    CHECK_INT(smart_authdb_open("/nonexistent-dir/x.db", &e.clock, NULL, &again, NULL), FG_EIO);
    smart_authdb_close(NULL);
    env_close(&e);
}

static void make_client(struct smart_client *c, const char *id, enum smart_client_type type)
{
    memset(c, 0, sizeof *c);
    snprintf(c->client_id, sizeof c->client_id, "%s", id);
    c->name = strdup("Demo app");
    c->type = type;
    c->scopes = strdup("launch/patient openid fhirUser patient/*.rs");
    c->redirect_uris[0] = strdup("https://app.example/cb");
    c->redirect_uris[1] = strdup("http://localhost:3000/callback");
    c->n_redirect_uris = 2;
}

static void free_client(struct smart_client *c)
{
    free(c->name);
    free(c->scopes);
    free(c->jwks);
    free(c->jwks_uri);
    for (size_t i = 0; i < c->n_redirect_uris; i++)
        free(c->redirect_uris[i]);
    memset(c, 0, sizeof *c);
}

/* Appends "id=name;" to the string arg. */
static enum fg_status list_launchable(void *arg, const char *client_id, const char *name)
{
    char *out = arg;
    size_t n = strlen(out);
    int w = snprintf(out + n, 128 - n, "%s=%s;", client_id, name);
    return w > 0 && (size_t)w < 128 - n ? FG_OK : FG_ETOOBIG;
}

static void test_clients(void)
{
    struct env e;
    env_open(&e);
    struct smart_client pub, sym, asym, bad;
    make_client(&pub, "public-app", SMART_CLIENT_PUBLIC);
    make_client(&sym, "sym-app", SMART_CLIENT_CONFIDENTIAL_SYMMETRIC);
    smart_token_digest(fg_str_c("s3cret-value"), sym.secret_digest);
    make_client(&asym, "asym-app", SMART_CLIENT_CONFIDENTIAL_ASYMMETRIC);
    asym.jwks_uri = strdup("https://app.example/jwks.json");
    struct fg_error err;
    fg_error_clear(&err);
    CHECK_INT(smart_authdb_client_add(e.db, &pub, &err), FG_OK);
    CHECK_INT(smart_authdb_client_add(e.db, &sym, &err), FG_OK);
    CHECK_INT(smart_authdb_client_add(e.db, &asym, &err), FG_OK);
    CHECK_INT(smart_authdb_client_add(e.db, &pub, &err), FG_ECONFLICT);

    /* type / credential mismatches */
    const struct {
        enum smart_client_type type;
        bool secret, jwks;
        size_t n_uris;
    } rows[] = {
        {SMART_CLIENT_PUBLIC, true, false, 1},
        {SMART_CLIENT_PUBLIC, false, true, 1},
        {SMART_CLIENT_CONFIDENTIAL_SYMMETRIC, false, false, 1},
        {SMART_CLIENT_CONFIDENTIAL_SYMMETRIC, true, true, 1},
        {SMART_CLIENT_CONFIDENTIAL_ASYMMETRIC, false, false, 1},
        {SMART_CLIENT_CONFIDENTIAL_ASYMMETRIC, true, true, 1},
        {SMART_CLIENT_PUBLIC, false, false, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        make_client(&bad, "bad-app", rows[i].type);
        if (rows[i].secret)
            smart_token_digest(fg_str_c("x"), bad.secret_digest);
        if (rows[i].jwks)
            bad.jwks = strdup("{\"keys\":[]}");
        size_t keep = bad.n_redirect_uris;
        bad.n_redirect_uris = rows[i].n_uris;
        fg_error_clear(&err);
        CHECK_INT(smart_authdb_client_add(e.db, &bad, &err), FG_EINVAL);
        CHECK(err.diagnostics[0] != '\0');
        bad.n_redirect_uris = keep;
        free_client(&bad);
    }

    struct smart_client got;
    CHECK_INT(smart_authdb_client_get(e.db, fg_str_c("sym-app"), &got), FG_OK);
    CHECK_STR(got.name, "Demo app");
    CHECK_INT(got.type, SMART_CLIENT_CONFIDENTIAL_SYMMETRIC);
    CHECK_INT(got.created_at, T0);
    CHECK_INT(got.n_redirect_uris, 2);
    CHECK_STR(got.redirect_uris[0], "http://localhost:3000/callback");
    CHECK_STR(got.secret_digest, sym.secret_digest);
    smart_client_cleanup(&got);
    CHECK_INT(smart_authdb_client_get(e.db, fg_str_c("asym-app"), &got), FG_OK);
    CHECK_STR(got.jwks_uri, "https://app.example/jwks.json");
    CHECK(got.jwks == NULL);
    smart_client_cleanup(&got);
    CHECK_INT(smart_authdb_client_get(e.db, fg_str_c("nope"), &got), FG_ENOTFOUND);

    static const struct {
        const char *client, *uri;
        bool ok;
    } redirects[] = {
        {"public-app", "https://app.example/cb", true},
        {"public-app", "https://app.example/cb/", false},
        {"public-app", "https://APP.example/cb", false},
        {"public-app", "https://app.example/cb?x=1", false},
        {"public-app", "https://app.example/c", false},
        {"sym-app", "http://localhost:3000/callback", true},
        {"nope", "https://app.example/cb", false},
    };
    for (size_t i = 0; i < sizeof redirects / sizeof redirects[0]; i++) {
        bool ok = !redirects[i].ok;
        CHECK_INT(smart_authdb_client_redirect_ok(e.db, fg_str_c(redirects[i].client),
                                                  fg_str_c(redirects[i].uri), &ok),
                  FG_OK);
        CHECK_INT(ok, redirects[i].ok);
    }

    static const struct {
        const char *client, *secret;
        bool ok;
    } secrets[] = {
        {"sym-app", "s3cret-value", true}, {"sym-app", "s3cret-valuf", false},
        {"sym-app", "", false},            {"public-app", "s3cret-value", false},
        {"nope", "s3cret-value", false},
    };
    for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++) {
        bool ok = !secrets[i].ok;
        CHECK_INT(smart_authdb_client_check_secret(e.db, fg_str_c(secrets[i].client),
                                                   fg_str_c(secrets[i].secret), &ok),
                  FG_OK);
        CHECK_INT(ok, secrets[i].ok);
    }
    /* only clients with a launch URI are launchable */
    struct smart_client launchable;
    make_client(&launchable, "launch-app", SMART_CLIENT_PUBLIC);
    launchable.launch_uri = strdup("https://app.example/launch");
    CHECK_INT(smart_authdb_client_add(e.db, &launchable, &err), FG_OK);
    free(launchable.launch_uri);
    free_client(&launchable);
    char listed[128] = "";
    CHECK_INT(smart_authdb_launch_clients(e.db, list_launchable, listed), FG_OK);
    CHECK_STR(listed, "launch-app=Demo app;");

    char g[SMART_GRANT_ID_SIZE], tok[SMART_DIGEST_SIZE];
    add_grant(e.db, "public-app", "amy", 1, g);
    add_token(e.db, g, SMART_TOKEN_ACCESS, T0 + 3600, NULL, tok);
    CHECK(token_active(e.db, tok));
    CHECK_INT(smart_authdb_client_delete(e.db, fg_str_c("public-app")), FG_OK);
    CHECK(!token_active(e.db, tok)); /* deleting the app revokes what it holds */
    CHECK_INT(smart_authdb_client_delete(e.db, fg_str_c("public-app")), FG_ENOTFOUND);
    bool ok = true;
    CHECK_INT(smart_authdb_client_redirect_ok(e.db, fg_str_c("public-app"),
                                              fg_str_c("https://app.example/cb"), &ok),
              FG_OK);
    CHECK(!ok);
    free_client(&pub);
    free_client(&sym);
    free_client(&asym);
    env_close(&e);
}

static void test_accounts_and_lockout(void)
{
    struct env e;
    env_open(&e);
    int64_t amy = 0, other = 0;
    CHECK_INT(smart_authdb_account_add(e.db, fg_str_c("amyshaw"), "scrypt$15$8$1$x$y",
                                       fg_str_c("amy"), &amy),
              FG_OK);
    CHECK_INT(smart_authdb_account_add(e.db, fg_str_c("AmyShaw"), "h", FG_STR_NULL, NULL),
              FG_ECONFLICT);
    CHECK_INT(smart_authdb_account_add(e.db, fg_str_c("danielshaw"), "h", FG_STR_NULL, &other),
              FG_OK);
    CHECK_INT(smart_authdb_account_add(e.db, FG_STR_NULL, "h", FG_STR_NULL, NULL), FG_EINVAL);
    CHECK_INT(smart_authdb_account_add(e.db, fg_str_c("maryshaw"), "h", fg_str_c("mary shaw"), NULL),
              FG_EINVAL); /* not a FHIR id: no Patient could ever be this account's record */
    struct smart_account a;
    CHECK_INT(smart_authdb_account_get(e.db, fg_str_c("AMYSHAW"), &a), FG_OK);
    CHECK_INT(a.id, amy);
    CHECK_STR(a.username, "amyshaw");
    CHECK_STR(a.patient_id, "amy");
    CHECK_STR(a.password_hash, "scrypt$15$8$1$x$y");
    CHECK_INT(smart_authdb_account_get(e.db, fg_str_c("nobody"), &a), FG_ENOTFOUND);
    CHECK_INT(smart_authdb_account_get_by_id(e.db, other, &a), FG_OK);
    CHECK_STR(a.patient_id, "");

    /* Lockout: a row per attempt, (seconds after T0, success, locked?, failures after) */
    static const struct {
        int64_t at;
        bool success;
        bool locked;
        int failures;
    } steps[] = {
        {0, false, false, 1},   {10, false, false, 2}, {20, true, false, 0}, /* success resets */
        {30, false, false, 1},  {40, false, false, 2}, {50, false, false, 3},
        {60, false, false, 4},  {70, false, true, 0}, /* 5th failure in a row: locked until 670 */
        {80, true, true, 0},    /* right password while locked: still locked */
        {90, false, true, 0},   /* not counted while locked */
        {669, true, true, 0},   {670, false, false, 1}, /* lock over, counting again */
        {680, true, false, 0},
    };
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        set_now(&e, T0 + steps[i].at);
        struct smart_signin_state st;
        CHECK_INT(smart_authdb_account_record_signin(e.db, amy, steps[i].success, &st), FG_OK);
        CHECK_INT(st.locked, steps[i].locked);
        CHECK_INT(st.failures, steps[i].failures);
        if (st.locked != steps[i].locked)
            fprintf(stderr, "  step %zu\n", i);
        if (steps[i].at == 70)
            CHECK_INT(st.locked_until, T0 + 670);
    }
    /* the lock is per account: daniel is unaffected by amy's failures */
    set_now(&e, T0 + 75);
    struct smart_signin_state st;
    CHECK_INT(smart_authdb_account_signin_state(e.db, other, &st), FG_OK);
    CHECK(!st.locked);
    CHECK_INT(smart_authdb_account_record_signin(e.db, 9999, false, &st), FG_ENOTFOUND);
    CHECK_INT(smart_authdb_account_set_password(e.db, amy, "new-hash"), FG_OK);
    CHECK_INT(smart_authdb_account_get_by_id(e.db, amy, &a), FG_OK);
    CHECK_STR(a.password_hash, "new-hash");
    CHECK_INT(smart_authdb_account_set_password(e.db, 9999, "x"), FG_ENOTFOUND);
    env_close(&e);
}

static void test_lockout_settings(void)
{
    struct env e;
    env_open(&e);
    smart_authdb_close(&e.db);
    struct smart_authdb_options opt = {.lockout_failures = 3, .lockout_minutes = 1};
    CHECK_INT(smart_authdb_open(e.path, &e.clock, &opt, &e.db, NULL), FG_OK);
    int64_t id = 0;
    CHECK_INT(smart_authdb_account_add(e.db, fg_str_c("maxshaw"), "h", fg_str_c("max"), &id), FG_OK);
    struct smart_signin_state st;
    for (int i = 0; i < 3; i++)
        CHECK_INT(smart_authdb_account_record_signin(e.db, id, false, &st), FG_OK);
    CHECK(st.locked);
    CHECK_INT(st.locked_until, T0 + 60);
    env_close(&e);
}

static void test_proxies(void)
{
    struct env e;
    env_open(&e);
    int64_t daniel = 0;
    CHECK_INT(smart_authdb_account_add(e.db, fg_str_c("danielshaw"), "h", fg_str_c("daniel"), &daniel),
              FG_OK);
    struct smart_proxy p = {.account_id = daniel, .kind = SMART_PROXY_PARENT, .start_at = T0 - 100};
    snprintf(p.patient_id, sizeof p.patient_id, "lily");
    int64_t lily_proxy = 0;
    CHECK_INT(smart_authdb_proxy_add(e.db, &p, &lily_proxy), FG_OK);
    snprintf(p.patient_id, sizeof p.patient_id, "max");
    CHECK_INT(smart_authdb_proxy_add(e.db, &p, NULL), FG_OK);
    struct smart_proxy adult = {.account_id = daniel, .kind = SMART_PROXY_ADULT,
                                .start_at = T0, .expires_at = T0 + 1000};
    snprintf(adult.patient_id, sizeof adult.patient_id, "amy");
    CHECK_INT(smart_authdb_proxy_add(e.db, &adult, NULL), FG_OK);
    struct smart_proxy court = {.account_id = daniel, .kind = SMART_PROXY_COURT_GUARDIAN,
                                .start_at = T0};
    snprintf(court.patient_id, sizeof court.patient_id, "amy");
    CHECK_INT(smart_authdb_proxy_add(e.db, &court, NULL), FG_EINVAL);
    snprintf(court.court_order, sizeof court.court_order, "DocumentReference/court-1");
    CHECK_INT(smart_authdb_proxy_add(e.db, &court, NULL), FG_OK);
    struct smart_proxy nopat = {.account_id = daniel, .kind = SMART_PROXY_PARENT};
    CHECK_INT(smart_authdb_proxy_add(e.db, &nopat, NULL), FG_EINVAL);

    struct smart_proxy out[8];
    size_t n = 0;
    CHECK_INT(smart_authdb_proxies_for_account(e.db, daniel, out, 8, &n), FG_OK);
    CHECK_INT(n, 4);
    CHECK_STR(out[0].patient_id, "lily");
    CHECK_STR(out[3].court_order, "DocumentReference/court-1");
    CHECK_INT(smart_authdb_proxies_for_account(e.db, daniel, out, 2, &n), FG_ETOOBIG);
    set_now(&e, T0 + 1000); /* the adult proxy has expired */
    CHECK_INT(smart_authdb_proxies_for_account(e.db, daniel, out, 8, &n), FG_OK);
    CHECK_INT(n, 3);
    CHECK_INT(smart_authdb_proxy_revoke(e.db, lily_proxy), FG_OK);
    CHECK_INT(smart_authdb_proxy_revoke(e.db, lily_proxy), FG_ENOTFOUND);
    CHECK_INT(smart_authdb_proxies_for_patient(e.db, fg_str_c("lily"), out, 8, &n), FG_OK);
    CHECK_INT(n, 0);
    CHECK_INT(smart_authdb_proxies_for_patient(e.db, fg_str_c("max"), out, 8, &n), FG_OK);
    CHECK_INT(n, 1);
    CHECK_INT(out[0].kind, SMART_PROXY_PARENT);
    set_now(&e, T0 - 200); /* before any proxy started */
    CHECK_INT(smart_authdb_proxies_for_patient(e.db, fg_str_c("max"), out, 8, &n), FG_OK);
    CHECK_INT(n, 0);
    env_close(&e);
}

static void test_codes_and_jti(void)
{
    struct env e;
    env_open(&e);
    char grant[SMART_GRANT_ID_SIZE];
    add_grant(e.db, "public-app", "amy", 1, grant);
    struct smart_code c;
    memset(&c, 0, sizeof c);
    smart_token_digest(fg_str_c("code-1"), c.digest);
    snprintf(c.client_id, sizeof c.client_id, "public-app");
    c.redirect_uri = strdup("https://app.example/cb");
    snprintf(c.code_challenge, sizeof c.code_challenge, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    c.scopes = strdup("openid patient/*.rs");
    snprintf(c.patient_id, sizeof c.patient_id, "amy");
    c.account_id = 1;
    memcpy(c.grant_id, grant, sizeof grant);
    c.nonce = strdup("n-0S6_WzA2Mj");
    c.expires_at = T0 + 61;
    CHECK_INT(smart_authdb_code_add(e.db, &c), FG_EINVAL); /* longer than 60 s */
    c.expires_at = T0;
    CHECK_INT(smart_authdb_code_add(e.db, &c), FG_EINVAL); /* already expired */
    c.expires_at = T0 + 60;
    CHECK_INT(smart_authdb_code_add(e.db, &c), FG_OK);
    CHECK_INT(smart_authdb_code_add(e.db, &c), FG_ECONFLICT);
    char d2[SMART_DIGEST_SIZE];
    smart_token_digest(fg_str_c("code-2"), d2);
    memcpy(c.digest, d2, sizeof d2);
    CHECK_INT(smart_authdb_code_add(e.db, &c), FG_OK);

    struct smart_code got;
    char d1[SMART_DIGEST_SIZE];
    smart_token_digest(fg_str_c("code-1"), d1);
    set_now(&e, T0 + 59);
    CHECK_INT(smart_authdb_code_consume(e.db, fg_str_c(d1), &got), FG_OK);
    CHECK_STR(got.redirect_uri, "https://app.example/cb");
    CHECK_STR(got.code_challenge, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    CHECK_STR(got.scopes, "openid patient/*.rs");
    CHECK_STR(got.patient_id, "amy");
    CHECK_STR(got.grant_id, grant);
    CHECK_STR(got.nonce, "n-0S6_WzA2Mj");
    CHECK_INT(got.account_id, 1);
    smart_code_cleanup(&got);
    /* reuse is reported with the grant, so the caller can revoke it */
    CHECK_INT(smart_authdb_code_consume(e.db, fg_str_c(d1), &got), FG_ECONFLICT);
    CHECK_STR(got.grant_id, grant);
    smart_code_cleanup(&got);
    CHECK_INT(smart_authdb_code_consume(e.db, fg_str_c("0000"), &got), FG_ENOTFOUND);
    smart_code_cleanup(&got);
    set_now(&e, T0 + 60); /* code-2 has expired */
    CHECK_INT(smart_authdb_code_consume(e.db, fg_str_c(d2), &got), FG_EGONE);
    smart_code_cleanup(&got);
    CHECK_INT(smart_authdb_code_consume(e.db, fg_str_c(d2), &got), FG_ECONFLICT);
    smart_code_cleanup(&got);

    /* jti replay */
    set_now(&e, T0);
    CHECK_INT(smart_authdb_jti_remember(e.db, fg_str_c("app"), fg_str_c("j1"), T0 + 300), FG_OK);
    CHECK_INT(smart_authdb_jti_remember(e.db, fg_str_c("app"), fg_str_c("j1"), T0 + 300),
              FG_ECONFLICT);
    CHECK_INT(smart_authdb_jti_remember(e.db, fg_str_c("other"), fg_str_c("j1"), T0 + 300), FG_OK);
    set_now(&e, T0 + 299);
    CHECK_INT(smart_authdb_jti_remember(e.db, fg_str_c("app"), fg_str_c("j1"), T0 + 500),
              FG_ECONFLICT);
    set_now(&e, T0 + 300);
    CHECK_INT(smart_authdb_jti_remember(e.db, fg_str_c("app"), fg_str_c("j1"), T0 + 600), FG_OK);
    CHECK_INT(smart_authdb_jti_remember(e.db, fg_str_c("app"), FG_STR_NULL, T0 + 600), FG_EINVAL);

    /* purge: expired jtis go at once, codes a day after expiry */
    int64_t deleted = 0;
    set_now(&e, T0 + 301);
    CHECK_INT(smart_authdb_purge(e.db, &deleted), FG_OK);
    CHECK_INT(deleted, 1); /* ("other","j1") */
    set_now(&e, T0 + 60 + 86400);
    CHECK_INT(smart_authdb_purge(e.db, &deleted), FG_OK);
    CHECK_INT(deleted, 3); /* two codes + ("app","j1") */
    free(c.redirect_uri);
    free(c.scopes);
    free(c.nonce);
    env_close(&e);
}

static void test_keys(void)
{
    struct env e;
    env_open(&e);
    struct smart_keyring ring, ring2;
    smart_keyring_init(&ring);
    smart_keyring_init(&ring2);
    CHECK_INT(smart_authdb_keys_ensure(e.db, &ring), FG_OK);
    CHECK_INT(ring.n, 1);
    char first[SMART_KID_SIZE];
    memcpy(first, smart_keyring_current(&ring)->kid, sizeof first);
    /* a second process (connection) loads the same key instead of making one */
    struct smart_authdb *other = NULL;
    CHECK_INT(smart_authdb_open(e.path, &e.clock, NULL, &other, NULL), FG_OK);
    CHECK_INT(smart_authdb_keys_ensure(other, &ring2), FG_OK);
    CHECK_INT(ring2.n, 1);
    CHECK_STR(smart_keyring_current(&ring2)->kid, first);
    smart_keyring_cleanup(&ring2);

    set_now(&e, T0 + 100);
    CHECK_INT(smart_authdb_keys_rotate(e.db, &ring, 3600), FG_OK);
    CHECK_INT(ring.n, 2);
    CHECK(strcmp(smart_keyring_current(&ring)->kid, first) != 0);
    CHECK_INT(smart_authdb_keys_load(other, &ring2), FG_OK);
    CHECK_INT(ring2.n, 2);
    CHECK_STR(smart_keyring_current(&ring2)->kid, smart_keyring_current(&ring)->kid);
    CHECK_INT(smart_keyring_find(&ring2, fg_str_c(first))->retire_at, T0 + 3700);
    smart_keyring_cleanup(&ring2);
    /* after the retire time a rotation drops the old key from the table too */
    set_now(&e, T0 + 3700);
    CHECK_INT(smart_authdb_keys_rotate(e.db, &ring, 3600), FG_OK);
    CHECK_INT(ring.n, 2);
    CHECK(smart_keyring_find(&ring, fg_str_c(first)) == NULL);
    CHECK_INT(smart_authdb_keys_load(other, &ring2), FG_OK);
    CHECK_INT(ring2.n, 2);
    CHECK(smart_keyring_find(&ring2, fg_str_c(first)) == NULL);
    smart_keyring_cleanup(&ring2);
    smart_keyring_cleanup(&ring);
    smart_authdb_close(&other);
    env_close(&e);
}

TEST_MAIN(test_open_schema, test_clients, test_accounts_and_lockout, test_lockout_settings,
          test_proxies, test_codes_and_jti, test_keys)
