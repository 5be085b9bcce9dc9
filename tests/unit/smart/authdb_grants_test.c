/* authdb_grants_test.c - grants and tokens: lookups, revocation (seen at once
 * by a second connection), the revocation epoch and the token check cache. */
#include "../test.h"

#include "smart/authdb.h"
#include "smart/authdb_accounts.h"
#include "smart/authdb_codes.h"
#include "smart/authdb_grants.h"
#include "smart/authdb_tokcache.h"
#include "smart/token.h"

#include "authdb_env.h"

static enum fg_status count_grant(void *arg, const struct smart_grant *g)
{
    size_t *n = arg;
    CHECK(g->scopes != NULL);
    (*n)++;
    return FG_OK;
}

static void test_grants_and_tokens(void)
{
    struct env e;
    env_open(&e);
    char g1[SMART_GRANT_ID_SIZE], g2[SMART_GRANT_ID_SIZE];
    add_grant(e.db, "app-a", "amy", 1, g1);
    set_now(&e, T0 + 5);
    add_grant(e.db, "app-b", "amy", 1, g2);
    CHECK(strcmp(g1, g2) != 0);
    char a1[SMART_DIGEST_SIZE], r1[SMART_DIGEST_SIZE], a2[SMART_DIGEST_SIZE], a3[SMART_DIGEST_SIZE];
    add_token(e.db, g1, SMART_TOKEN_REFRESH, T0 + 90 * 86400, NULL, r1);
    add_token(e.db, g1, SMART_TOKEN_ACCESS, T0 + 3600, r1, a1);
    add_token(e.db, g2, SMART_TOKEN_ACCESS, T0 + 3600, NULL, a2);

    struct smart_token_info info;
    CHECK_INT(smart_authdb_token_lookup(e.db, fg_str_c(a1), &info), FG_OK);
    CHECK(info.active);
    CHECK_INT(info.kind, SMART_TOKEN_ACCESS);
    CHECK_STR(info.grant_id, g1);
    CHECK_STR(info.client_id, "app-a");
    CHECK_STR(info.patient_id, "amy");
    CHECK_STR(info.scopes, "patient/Observation.rs");
    CHECK_INT(info.account_id, 1);
    CHECK_INT(info.expires_at, T0 + 3600);
    smart_token_info_cleanup(&info);
    CHECK_INT(smart_authdb_token_lookup(e.db, fg_str_c("nope"), &info), FG_ENOTFOUND);

    /* a token for a grant that does not exist is refused (foreign key) */
    struct smart_token_row orphan = {.kind = SMART_TOKEN_ACCESS, .scopes = "x",
                                     .expires_at = T0 + 10};
    smart_token_digest(fg_str_c("orphan"), orphan.digest);
    snprintf(orphan.grant_id, sizeof orphan.grant_id, "no-such-grant");
    CHECK_INT(smart_authdb_token_add(e.db, &orphan), FG_ECONFLICT);
    orphan.expires_at = T0;
    CHECK_INT(smart_authdb_token_add(e.db, &orphan), FG_EINVAL);

    /* expiry by the clock */
    set_now(&e, T0 + 3599);
    CHECK(token_active(e.db, a2));
    set_now(&e, T0 + 3600);
    CHECK(!token_active(e.db, a2));
    set_now(&e, T0 + 100);

    /* revoking the grant kills its access and refresh tokens, not the other app's */
    CHECK_INT(smart_authdb_grant_revoke(e.db, fg_str_c(g1), fg_str_c("user:1")), FG_OK);
    CHECK(!token_active(e.db, a1));
    CHECK(!token_active(e.db, r1));
    CHECK(token_active(e.db, a2));
    struct smart_grant g;
    CHECK_INT(smart_authdb_grant_get(e.db, fg_str_c(g1), &g), FG_OK);
    CHECK_INT(g.revoked_at, T0 + 100);
    CHECK_STR(g.revoked_by, "user:1");
    smart_grant_cleanup(&g);
    set_now(&e, T0 + 200); /* revoking again keeps the first time and author */
    CHECK_INT(smart_authdb_grant_revoke(e.db, fg_str_c(g1), fg_str_c("code-reuse")), FG_OK);
    CHECK_INT(smart_authdb_grant_get(e.db, fg_str_c(g1), &g), FG_OK);
    CHECK_INT(g.revoked_at, T0 + 100);
    CHECK_STR(g.revoked_by, "user:1");
    smart_grant_cleanup(&g);
    CHECK_INT(smart_authdb_grant_revoke(e.db, fg_str_c("nope"), fg_str_c("x")), FG_ENOTFOUND);

    /* RFC 7009: a refresh token revoked with cascade takes its access tokens along */
    char r2[SMART_DIGEST_SIZE], a4[SMART_DIGEST_SIZE];
    add_token(e.db, g2, SMART_TOKEN_REFRESH, T0 + 90 * 86400, NULL, r2);
    add_token(e.db, g2, SMART_TOKEN_ACCESS, T0 + 3600, r2, a3);
    add_token(e.db, g2, SMART_TOKEN_ACCESS, T0 + 3600, r2, a4);
    bool found = false;
    CHECK_INT(smart_authdb_token_revoke(e.db, fg_str_c(a4), false, &found), FG_OK);
    CHECK(found);
    CHECK(!token_active(e.db, a4));
    CHECK(token_active(e.db, a3));
    CHECK(token_active(e.db, r2));
    CHECK_INT(smart_authdb_token_revoke(e.db, fg_str_c(r2), true, &found), FG_OK);
    CHECK(!token_active(e.db, r2));
    CHECK(!token_active(e.db, a3));
    CHECK(token_active(e.db, a2)); /* not issued from r2 */
    CHECK_INT(smart_authdb_token_revoke(e.db, fg_str_c("unknown"), true, &found), FG_OK);
    CHECK(!found);

    /* last_used_at is written at most once per interval */
    set_now(&e, T0 + 1000);
    CHECK_INT(smart_authdb_grant_touch(e.db, fg_str_c(g2), 60), FG_OK);
    set_now(&e, T0 + 1030);
    CHECK_INT(smart_authdb_grant_touch(e.db, fg_str_c(g2), 60), FG_OK);
    CHECK_INT(smart_authdb_grant_get(e.db, fg_str_c(g2), &g), FG_OK);
    CHECK_INT(g.last_used_at, T0 + 1000);
    smart_grant_cleanup(&g);
    set_now(&e, T0 + 1060);
    CHECK_INT(smart_authdb_grant_touch(e.db, fg_str_c(g2), 60), FG_OK);
    CHECK_INT(smart_authdb_grant_get(e.db, fg_str_c(g2), &g), FG_OK);
    CHECK_INT(g.last_used_at, T0 + 1060);
    smart_grant_cleanup(&g);

    size_t n = 0;
    CHECK_INT(smart_authdb_grants_for_account(e.db, 1, count_grant, &n), FG_OK);
    CHECK_INT(n, 2);
    n = 0;
    CHECK_INT(smart_authdb_grants_for_patient(e.db, fg_str_c("amy"), count_grant, &n), FG_OK);
    CHECK_INT(n, 2);
    n = 0;
    CHECK_INT(smart_authdb_grants_for_patient(e.db, fg_str_c("max"), count_grant, &n), FG_OK);
    CHECK_INT(n, 0);

    /* tokens of expired grants are inactive */
    struct smart_grant eg;
    memset(&eg, 0, sizeof eg);
    snprintf(eg.client_id, sizeof eg.client_id, "app-c");
    eg.scopes = (char *)"patient/*.rs";
    eg.expires_at = T0 + 2000;
    CHECK_INT(smart_authdb_grant_add(e.db, &eg), FG_OK);
    char a5[SMART_DIGEST_SIZE];
    add_token(e.db, eg.id, SMART_TOKEN_ACCESS, T0 + 5000, NULL, a5);
    CHECK(token_active(e.db, a5));
    set_now(&e, T0 + 2000);
    CHECK(!token_active(e.db, a5));
    env_close(&e);
}

static void test_two_connections(void)
{
    struct env e;
    env_open(&e);
    struct smart_authdb *other = NULL;
    CHECK_INT(smart_authdb_open(e.path, &e.clock, NULL, &other, NULL), FG_OK);
    char g[SMART_GRANT_ID_SIZE], a[SMART_DIGEST_SIZE], r[SMART_DIGEST_SIZE];
    add_grant(e.db, "app-a", "amy", 1, g);
    add_token(e.db, g, SMART_TOKEN_ACCESS, T0 + 3600, NULL, a);
    add_token(e.db, g, SMART_TOKEN_REFRESH, T0 + 3600, NULL, r);
    /* the other connection sees the new token, with its statement now cached */
    CHECK(token_active(other, a));
    CHECK(token_active(other, a));
    CHECK_INT(smart_authdb_grant_revoke(e.db, fg_str_c(g), fg_str_c("user:1")), FG_OK);
    CHECK(!token_active(other, a));
    CHECK(!token_active(other, r));
    /* and the other way round, for a single token */
    char g2[SMART_GRANT_ID_SIZE], a2[SMART_DIGEST_SIZE];
    add_grant(other, "app-b", "amy", 1, g2);
    add_token(other, g2, SMART_TOKEN_ACCESS, T0 + 3600, NULL, a2);
    CHECK(token_active(e.db, a2));
    CHECK_INT(smart_authdb_token_revoke(other, fg_str_c(a2), true, NULL), FG_OK);
    CHECK(!token_active(e.db, a2));

    /* a code consumed through one connection is reuse on the other */
    struct smart_code c;
    memset(&c, 0, sizeof c);
    smart_token_digest(fg_str_c("code-x"), c.digest);
    snprintf(c.client_id, sizeof c.client_id, "app-b");
    c.redirect_uri = (char *)"https://app.example/cb";
    snprintf(c.code_challenge, sizeof c.code_challenge, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    c.scopes = (char *)"openid";
    memcpy(c.grant_id, g2, sizeof g2);
    c.expires_at = T0 + 30;
    CHECK_INT(smart_authdb_code_add(e.db, &c), FG_OK);
    struct smart_code got;
    CHECK_INT(smart_authdb_code_consume(other, fg_str_c(c.digest), &got), FG_OK);
    smart_code_cleanup(&got);
    CHECK_INT(smart_authdb_code_consume(e.db, fg_str_c(c.digest), &got), FG_ECONFLICT);
    CHECK_STR(got.grant_id, g2);
    smart_code_cleanup(&got);
    smart_authdb_close(&other);
    env_close(&e);
}

static void test_revocation_epoch(void)
{
    struct env e;
    env_open(&e);
    struct smart_authdb *other = NULL;
    CHECK_INT(smart_authdb_open(e.path, &e.clock, NULL, &other, NULL), FG_OK);
    char g[SMART_GRANT_ID_SIZE], a[SMART_DIGEST_SIZE], r[SMART_DIGEST_SIZE];
    uint64_t e0 = smart_authdb_revocation_epoch(other);
    CHECK_INT(smart_authdb_revocation_epoch(e.db), e0);
    add_grant(e.db, "app-a", "amy", 1, g);
    add_token(e.db, g, SMART_TOKEN_REFRESH, T0 + 3600, NULL, r);
    add_token(e.db, g, SMART_TOKEN_ACCESS, T0 + 3600, r, a);
    CHECK_INT(smart_authdb_revocation_epoch(other), e0); /* issuing is not revoking */

    /* each kind of revocation, through one connection, moves the other's epoch */
    CHECK_INT(smart_authdb_token_revoke(e.db, fg_str_c(a), false, NULL), FG_OK);
    uint64_t e1 = smart_authdb_revocation_epoch(other);
    CHECK(e1 != e0);
    CHECK_INT(smart_authdb_grant_revoke(e.db, fg_str_c(g), fg_str_c("user:1")), FG_OK);
    uint64_t e2 = smart_authdb_revocation_epoch(other);
    CHECK(e2 != e1);
    CHECK_INT(smart_authdb_grant_revoke(e.db, fg_str_c("nope"), fg_str_c("x")), FG_ENOTFOUND);
    CHECK_INT(smart_authdb_revocation_epoch(other), e2);

    /* inside a caller's transaction the bump waits for COMMIT ... */
    char g2[SMART_GRANT_ID_SIZE];
    add_grant(e.db, "app-b", "amy", 1, g2);
    CHECK_INT(smart_authdb_begin_write(e.db), FG_OK);
    CHECK_INT(smart_authdb_grant_revoke(e.db, fg_str_c(g2), fg_str_c("user:1")), FG_OK);
    CHECK_INT(smart_authdb_revocation_epoch(other), e2);
    CHECK_INT(smart_authdb_commit(e.db), FG_OK);
    uint64_t e3 = smart_authdb_revocation_epoch(other);
    CHECK(e3 != e2);
    /* ... and a rollback does not bump at all */
    char g3[SMART_GRANT_ID_SIZE];
    add_grant(e.db, "app-c", "amy", 1, g3);
    CHECK_INT(smart_authdb_begin_write(e.db), FG_OK);
    CHECK_INT(smart_authdb_grant_revoke(e.db, fg_str_c(g3), fg_str_c("user:1")), FG_OK);
    smart_authdb_rollback(e.db);
    CHECK_INT(smart_authdb_revocation_epoch(e.db), e3);
    struct smart_grant gg;
    CHECK_INT(smart_authdb_grant_get(other, fg_str_c(g3), &gg), FG_OK);
    CHECK_INT(gg.revoked_at, 0);
    smart_grant_cleanup(&gg);

    /* proxy revocation and client deletion count too */
    struct smart_proxy p = {.account_id = 1, .kind = SMART_PROXY_PARENT, .start_at = T0};
    snprintf(p.patient_id, sizeof p.patient_id, "lily");
    int64_t pid = 0;
    int64_t acc = 0;
    CHECK_INT(smart_authdb_account_add(e.db, fg_str_c("danielshaw"), "h", FG_STR_NULL, &acc), FG_OK);
    p.account_id = acc;
    CHECK_INT(smart_authdb_proxy_add(e.db, &p, &pid), FG_OK);
    CHECK_INT(smart_authdb_proxy_revoke(other, pid), FG_OK);
    uint64_t e4 = smart_authdb_revocation_epoch(e.db);
    CHECK(e4 != e3);
    smart_authdb_close(&other);
    env_close(&e);
}

static void test_token_check_cache(void)
{
    struct env e;
    env_open(&e);
    struct smart_authdb *other = NULL;
    CHECK_INT(smart_authdb_open(e.path, &e.clock, NULL, &other, NULL), FG_OK);
    char g[SMART_GRANT_ID_SIZE], a[SMART_DIGEST_SIZE], b[SMART_DIGEST_SIZE];
    add_grant(e.db, "app-a", "amy", 1, g);
    add_token(e.db, g, SMART_TOKEN_ACCESS, T0 + 3600, NULL, a);
    add_token(e.db, g, SMART_TOKEN_ACCESS, T0 + 60, NULL, b);
    const struct smart_token_info *info = NULL;
    uint64_t hits = 0, misses = 0;
    for (int i = 0; i < 3; i++) {
        CHECK_INT(smart_authdb_token_check(other, fg_str_c(a), &info), FG_OK);
        CHECK(info && info->active);
        CHECK_STR(info->patient_id, "amy");
        CHECK_STR(info->scopes, "patient/Observation.rs");
    }
    smart_authdb_tokcache_stats(other, &hits, &misses);
    CHECK_INT(hits, 2);
    CHECK_INT(misses, 1);
    /* expiry is re-checked against the clock on a cache hit */
    CHECK_INT(smart_authdb_token_check(other, fg_str_c(b), &info), FG_OK);
    CHECK(info->active);
    set_now(&e, T0 + 60);
    CHECK_INT(smart_authdb_token_check(other, fg_str_c(b), &info), FG_OK);
    CHECK(!info->active);
    smart_authdb_tokcache_stats(other, &hits, &misses);
    CHECK_INT(hits, 3);
    /* a revocation through another connection is seen on the very next check */
    CHECK_INT(smart_authdb_token_check(other, fg_str_c(a), &info), FG_OK);
    CHECK(info->active);
    CHECK_INT(smart_authdb_grant_revoke(e.db, fg_str_c(g), fg_str_c("user:1")), FG_OK);
    CHECK_INT(smart_authdb_token_check(other, fg_str_c(a), &info), FG_OK);
    CHECK(!info->active);
    smart_authdb_tokcache_stats(other, &hits, &misses);
    CHECK_INT(misses, 3);
    /* unknown and malformed digests */
    char unknown[SMART_DIGEST_SIZE];
    smart_token_digest(fg_str_c("never issued"), unknown);
    CHECK_INT(smart_authdb_token_check(other, fg_str_c(unknown), &info), FG_ENOTFOUND);
    CHECK_INT(smart_authdb_token_check(other, fg_str_c("abc"), &info), FG_ENOTFOUND);
    smart_authdb_close(&other);
    env_close(&e);
}

/* A bearer token of this server with a cached answer, by the token itself. */
static void add_bearer(struct smart_authdb *db, const char *grant, int64_t expires_at,
                       char tok[SMART_TOKEN_SIZE])
{
    CHECK_INT(smart_token_new(tok), FG_OK);
    struct smart_token_row t;
    memset(&t, 0, sizeof t);
    smart_token_digest(fg_str_c(tok), t.digest);
    snprintf(t.grant_id, sizeof t.grant_id, "%s", grant);
    t.kind = SMART_TOKEN_ACCESS;
    t.scopes = "patient/Observation.rs";
    t.expires_at = expires_at;
    CHECK_INT(smart_authdb_token_add(db, &t), FG_OK);
}

static void test_token_check_bearer(void)
{
    struct env e;
    env_open(&e);
    struct smart_authdb *other = NULL;
    CHECK_INT(smart_authdb_open(e.path, &e.clock, NULL, &other, NULL), FG_OK);
    char g[SMART_GRANT_ID_SIZE], a[SMART_TOKEN_SIZE], b[SMART_TOKEN_SIZE];
    add_grant(e.db, "app-a", "amy", 1, g);
    add_bearer(e.db, g, T0 + 3600, a);
    add_bearer(e.db, g, T0 + 60, b);
    const struct smart_token_info *info = NULL;
    uint64_t hits = 0, misses = 0;
    for (int i = 0; i < 3; i++) {
        CHECK_INT(smart_authdb_token_check_bearer(other, NULL, fg_str_c(a), &info), FG_OK);
        CHECK(info && info->active);
        CHECK_STR(info->client_id, "app-a");
        CHECK_STR(info->scopes, "patient/Observation.rs");
    }
    smart_authdb_tokcache_stats(other, &hits, &misses);
    CHECK_INT(hits, 2);
    CHECK_INT(misses, 1);
    /* the digest path finds the same entry */
    char da[SMART_DIGEST_SIZE];
    smart_token_digest(fg_str_c(a), da);
    CHECK_INT(smart_authdb_token_check(other, fg_str_c(da), &info), FG_OK);
    smart_authdb_tokcache_stats(other, &hits, &misses);
    CHECK_INT(hits, 3);
    CHECK_INT(misses, 1);
    /* a token differing in its last character is another token: unknown */
    char forged[SMART_TOKEN_SIZE];
    memcpy(forged, a, sizeof forged);
    forged[SMART_TOKEN_CHARS - 1] = forged[SMART_TOKEN_CHARS - 1] == 'A' ? 'B' : 'A';
    CHECK_INT(smart_authdb_token_check_bearer(other, NULL, fg_str_c(forged), &info),
              FG_ENOTFOUND);
    CHECK_INT(smart_authdb_token_check_bearer(other, NULL, fg_str_c("short"), &info),
              FG_ENOTFOUND);
    /* b shares no entry with a; expiry is re-checked on a hit */
    CHECK_INT(smart_authdb_token_check_bearer(other, NULL, fg_str_c(b), &info), FG_OK);
    CHECK(info->active);
    set_now(&e, T0 + 60);
    CHECK_INT(smart_authdb_token_check_bearer(other, NULL, fg_str_c(b), &info), FG_OK);
    CHECK(!info->active);
    CHECK_INT(smart_authdb_token_check_bearer(other, NULL, fg_str_c(a), &info), FG_OK);
    CHECK(info->active);
    /* a revocation through another connection is seen on the very next check */
    smart_authdb_tokcache_stats(other, &hits, &misses);
    uint64_t misses_before = misses;
    CHECK_INT(smart_authdb_grant_revoke(e.db, fg_str_c(g), fg_str_c("user:1")), FG_OK);
    CHECK_INT(smart_authdb_token_check_bearer(other, NULL, fg_str_c(a), &info), FG_OK);
    CHECK(!info->active);
    smart_authdb_tokcache_stats(other, &hits, &misses);
    CHECK_INT(misses, misses_before + 1);
    smart_authdb_close(&other);
    env_close(&e);
}

TEST_MAIN(test_grants_and_tokens, test_two_connections, test_revocation_epoch,
          test_token_check_cache, test_token_check_bearer)
