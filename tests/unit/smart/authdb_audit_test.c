/* authdb_audit_test.c - the audit log table: batched append, listing by
 * patient / grant / time with paging, counts by type, and the grant
 * last-used touch (throttled to one write per SMART_AUDIT_TOUCH_S). */
#include "../test.h"

#include "smart/authdb.h"
#include "smart/authdb_audit.h"
#include "smart/authdb_grants.h"

#include "authdb_env.h"

static struct smart_audit_row row(enum smart_audit_kind kind, int status, const char *patient,
                                  const char *grant, const char *type, int64_t at_us)
{
    struct smart_audit_row r;
    memset(&r, 0, sizeof r);
    r.kind = kind;
    r.status = status;
    r.at_us = at_us;
    snprintf(r.patient_id, sizeof r.patient_id, "%s", patient);
    snprintf(r.grant_id, sizeof r.grant_id, "%s", grant);
    snprintf(r.res_type, sizeof r.res_type, "%s", type);
    snprintf(r.client_id, sizeof r.client_id, "app-a");
    return r;
}

struct seen {
    int64_t seq[32];
    size_t n;
};

static enum fg_status collect(void *arg, const struct smart_audit_row *r)
{
    struct seen *s = arg;
    if (s->n < 32)
        s->seq[s->n++] = r->seq;
    return FG_OK;
}

static void test_append_and_list(void)
{
    struct env e;
    env_open(&e);
    char g[SMART_GRANT_ID_SIZE];
    add_grant(e.db, "app-a", "amy", 1, g);
    int64_t t = T0 * 1000000;
    struct smart_audit_row rows[] = {
        row(SMART_AUDIT_READ, 200, "amy", g, "Patient", t),
        row(SMART_AUDIT_SEARCH, 200, "amy", g, "Observation", t + 1),
        row(SMART_AUDIT_CREATE, 201, "amy", g, "Observation", t + 2),
        row(SMART_AUDIT_READ, 404, "amy", g, "Condition", t + 3),
        row(SMART_AUDIT_READ, 200, "bob", "", "Patient", t + 4),
        row(SMART_AUDIT_SIGNIN_FAILED, 401, "", "", "", t + 5),
    };
    CHECK_INT(smart_authdb_audit_append(e.db, rows, 6), FG_OK);

    struct seen s = {0};
    struct smart_audit_filter f = {.patient_id = "amy", .limit = 10};
    CHECK_INT(smart_authdb_audit_list(e.db, &f, collect, &s), FG_OK);
    CHECK_INT(s.n, 4);
    CHECK_INT(s.seq[0], 4); /* newest first */
    CHECK_INT(s.seq[3], 1);
    /* paging: before the second newest, two at a time */
    s.n = 0;
    f.before_seq = 3;
    f.limit = 2;
    CHECK_INT(smart_authdb_audit_list(e.db, &f, collect, &s), FG_OK);
    CHECK_INT(s.n, 2);
    CHECK_INT(s.seq[0], 2);
    /* time window over everything */
    struct smart_audit_filter all = {.since_us = t + 4, .limit = 10};
    s.n = 0;
    CHECK_INT(smart_authdb_audit_list(e.db, &all, collect, &s), FG_OK);
    CHECK_INT(s.n, 2);
    struct smart_audit_filter by_grant = {.grant_id = g, .until_us = t + 2, .limit = 10};
    s.n = 0;
    CHECK_INT(smart_authdb_audit_list(e.db, &by_grant, collect, &s), FG_OK);
    CHECK_INT(s.n, 2);

    struct smart_audit_row one;
    CHECK_INT(smart_authdb_audit_get(e.db, 6, &one), FG_OK);
    CHECK_INT(one.kind, SMART_AUDIT_SIGNIN_FAILED);
    CHECK_INT(one.status, 401);
    CHECK_STR(one.patient_id, "");
    CHECK_INT(smart_authdb_audit_get(e.db, 99, &one), FG_ENOTFOUND);
    env_close(&e);
}

struct tally {
    int64_t read, written;
    size_t groups;
};

static enum fg_status tally(void *arg, const char *type, enum smart_audit_kind kind, int64_t n)
{
    struct tally *t = arg;
    (void)type;
    t->groups++;
    if (smart_audit_kind_action(kind) == 'C')
        t->written += n;
    else
        t->read += n;
    return FG_OK;
}

static void test_counts_and_touch(void)
{
    struct env e;
    env_open(&e);
    char g[SMART_GRANT_ID_SIZE];
    add_grant(e.db, "app-a", "amy", 1, g);
    int64_t t = T0 * 1000000;
    struct smart_audit_row rows[] = {
        row(SMART_AUDIT_READ, 200, "amy", g, "Patient", t),
        row(SMART_AUDIT_READ, 200, "amy", g, "Patient", t),
        row(SMART_AUDIT_SEARCH, 200, "amy", g, "Observation", t),
        row(SMART_AUDIT_CREATE, 201, "amy", g, "Observation", t),
        row(SMART_AUDIT_READ, 403, "amy", g, "Condition", t), /* refused: not counted */
    };
    set_now(&e, T0 + 100);
    CHECK_INT(smart_authdb_audit_append(e.db, rows, 5), FG_OK);
    struct tally tl = {0};
    CHECK_INT(smart_authdb_audit_counts(e.db, fg_str_c(g), tally, &tl), FG_OK);
    CHECK_INT(tl.groups, 3);
    CHECK_INT(tl.read, 3);
    CHECK_INT(tl.written, 1);
    struct smart_grant gr;
    CHECK_INT(smart_authdb_grant_get(e.db, fg_str_c(g), &gr), FG_OK);
    CHECK_INT(gr.last_used_at, T0 + 100);
    smart_grant_cleanup(&gr);
    /* within the touch interval: no new write */
    set_now(&e, T0 + 100 + SMART_AUDIT_TOUCH_S - 1);
    CHECK_INT(smart_authdb_audit_append(e.db, rows, 1), FG_OK);
    CHECK_INT(smart_authdb_grant_get(e.db, fg_str_c(g), &gr), FG_OK);
    CHECK_INT(gr.last_used_at, T0 + 100);
    smart_grant_cleanup(&gr);
    set_now(&e, T0 + 200 + SMART_AUDIT_TOUCH_S);
    CHECK_INT(smart_authdb_audit_append(e.db, rows, 1), FG_OK);
    CHECK_INT(smart_authdb_grant_get(e.db, fg_str_c(g), &gr), FG_OK);
    CHECK_INT(gr.last_used_at, T0 + 200 + SMART_AUDIT_TOUCH_S);
    smart_grant_cleanup(&gr);
    /* a refused request does not count as use */
    set_now(&e, T0 + 10000);
    CHECK_INT(smart_authdb_audit_append(e.db, &rows[4], 1), FG_OK);
    CHECK_INT(smart_authdb_grant_get(e.db, fg_str_c(g), &gr), FG_OK);
    CHECK_INT(gr.last_used_at, T0 + 200 + SMART_AUDIT_TOUCH_S);
    smart_grant_cleanup(&gr);
    /* one batch, two grants taking turns: each is touched */
    char g2[SMART_GRANT_ID_SIZE];
    add_grant(e.db, "app-a", "amy", 1, g2);
    struct smart_audit_row mixed[] = {
        row(SMART_AUDIT_READ, 200, "amy", g, "Patient", t),
        row(SMART_AUDIT_READ, 403, "amy", g2, "Patient", t), /* refused: no touch from it */
        row(SMART_AUDIT_READ, 200, "amy", g, "Patient", t),
        row(SMART_AUDIT_SEARCH, 200, "amy", g2, "Observation", t),
    };
    set_now(&e, T0 + 20000);
    CHECK_INT(smart_authdb_audit_append(e.db, mixed, 4), FG_OK);
    CHECK_INT(smart_authdb_grant_get(e.db, fg_str_c(g), &gr), FG_OK);
    CHECK_INT(gr.last_used_at, T0 + 20000);
    smart_grant_cleanup(&gr);
    CHECK_INT(smart_authdb_grant_get(e.db, fg_str_c(g2), &gr), FG_OK);
    CHECK_INT(gr.last_used_at, T0 + 20000);
    smart_grant_cleanup(&gr);
    env_close(&e);
}

static void test_revoke_for_proxy(void)
{
    struct env e;
    env_open(&e);
    char g1[SMART_GRANT_ID_SIZE], g2[SMART_GRANT_ID_SIZE], g3[SMART_GRANT_ID_SIZE];
    add_grant(e.db, "app-a", "amy", 7, g1);
    add_grant(e.db, "app-b", "amy", 7, g2);
    add_grant(e.db, "app-a", "amy", 1, g3);
    uint64_t epoch = smart_authdb_revocation_epoch(e.db);
    int64_t n = 0;
    CHECK_INT(
        smart_authdb_grants_revoke_for(e.db, 7, fg_str_c("amy"), fg_str_c("proxy-removed"), &n),
        FG_OK);
    CHECK_INT(n, 2);
    CHECK(smart_authdb_revocation_epoch(e.db) != epoch);
    struct smart_grant g;
    CHECK_INT(smart_authdb_grant_get(e.db, fg_str_c(g2), &g), FG_OK);
    CHECK(g.revoked_at == T0);
    CHECK_STR(g.revoked_by, "proxy-removed");
    smart_grant_cleanup(&g);
    CHECK_INT(smart_authdb_grant_get(e.db, fg_str_c(g3), &g), FG_OK);
    CHECK_INT(g.revoked_at, 0);
    smart_grant_cleanup(&g);
    epoch = smart_authdb_revocation_epoch(e.db);
    CHECK_INT(smart_authdb_grants_revoke_for(e.db, 7, fg_str_c("amy"), fg_str_c("x"), &n), FG_OK);
    CHECK_INT(n, 0);
    CHECK(smart_authdb_revocation_epoch(e.db) == epoch); /* nothing changed: no bump */
    env_close(&e);
}

/* Prune deletes only rows older than the bound, oldest first, at most max
 * per call; export walks what is left oldest first, by patient and time. */
static void test_prune_and_export(void)
{
    struct env e;
    env_open(&e);
    int64_t t = T0 * 1000000;
    struct smart_audit_row rows[5];
    for (int i = 0; i < 5; i++)
        rows[i] = row(SMART_AUDIT_READ, 200, i % 2 ? "bob" : "amy", "", "Patient", t + i);
    CHECK_INT(smart_authdb_audit_append(e.db, rows, 5), FG_OK);
    static const struct {
        int64_t before_off;
        int max, deleted, left;
    } cases[] = {
        {0, 10, 0, 5}, /* nothing older than the first row */
        {3, 2, 2, 3},  /* three are older, two per call */
        {3, 2, 1, 2},  /* the third */
        {3, 2, 0, 2},  /* none left before the bound */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int deleted = -1;
        CHECK_INT(smart_authdb_audit_prune(e.db, t + cases[i].before_off, cases[i].max, &deleted),
                  FG_OK);
        CHECK_INT(deleted, cases[i].deleted);
        struct seen s = {0};
        CHECK_INT(smart_authdb_audit_export(e.db, 0, NULL, collect, &s), FG_OK);
        CHECK_INT(s.n, (size_t)cases[i].left);
        for (size_t j = 1; j < s.n; j++)
            CHECK(s.seq[j] > s.seq[j - 1]); /* oldest first */
    }
    struct seen s = {0};
    CHECK_INT(smart_authdb_audit_export(e.db, 0, "amy", collect, &s), FG_OK);
    CHECK_INT(s.n, 1); /* rows 0..2 pruned; of 3 (bob) and 4 (amy) one is amy's */
    struct seen late = {0};
    CHECK_INT(smart_authdb_audit_export(e.db, t + 4, NULL, collect, &late), FG_OK);
    CHECK_INT(late.n, 1);
    env_close(&e);
}

static void test_kind_codes(void)
{
    static const struct {
        enum smart_audit_kind k;
        const char *code;
        char action;
        bool rest;
    } cases[] = {
        {SMART_AUDIT_READ, "read", 'R', true},
        {SMART_AUDIT_SEARCH, "search-type", 'E', true},
        {SMART_AUDIT_CREATE, "create", 'C', true},
        {SMART_AUDIT_UPDATE, "update", 'U', true},
        {SMART_AUDIT_DELETE, "delete", 'D', true},
        {SMART_AUDIT_TOKEN, "token", 'E', false},
        {SMART_AUDIT_LOCKOUT, "lockout", 'E', false},
        {SMART_AUDIT_KIND_COUNT, "unknown", 'E', false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECK_STR(smart_audit_kind_code(cases[i].k), cases[i].code);
        CHECK(smart_audit_kind_action(cases[i].k) == cases[i].action);
        CHECK(smart_audit_kind_is_rest(cases[i].k) == cases[i].rest);
    }
    for (int k = 0; k < SMART_AUDIT_KIND_COUNT; k++)
        CHECK(strcmp(smart_audit_kind_code((enum smart_audit_kind)k), "unknown") != 0);
}

/* A batch larger than one multi-row INSERT: every row, in order, whole. */
static void test_large_batch(void)
{
    struct env e;
    env_open(&e);
    enum { N = 37 }; /* two statements of 16 rows, then 5 single rows */
    struct smart_audit_row rows[N];
    for (int i = 0; i < N; i++) {
        rows[i] = row(i % 3 ? SMART_AUDIT_READ : SMART_AUDIT_SEARCH, 200 + i, i % 2 ? "amy" : "",
                      i % 5 ? "g-1" : "", "Observation", T0 * 1000000 + i);
        snprintf(rows[i].res_id, sizeof rows[i].res_id, "r-%d", i);
        snprintf(rows[i].request_id, sizeof rows[i].request_id, "q%d", i);
        rows[i].account_id = i;
    }
    CHECK_INT(smart_authdb_audit_append(e.db, rows, N), FG_OK);
    for (int i = 0; i < N; i++) {
        struct smart_audit_row got;
        CHECK_INT(smart_authdb_audit_get(e.db, i + 1, &got), FG_OK);
        CHECK_STR(got.res_id, rows[i].res_id);
        CHECK_STR(got.request_id, rows[i].request_id);
        CHECK_STR(got.patient_id, rows[i].patient_id);
        CHECK_STR(got.grant_id, rows[i].grant_id);
        CHECK_STR(got.client_id, "app-a");
        CHECK_INT(got.status, 200 + i);
        CHECK_INT(got.kind, rows[i].kind);
        CHECK(got.at_us == T0 * 1000000 + i);
        CHECK(got.account_id == i);
    }
    struct smart_audit_row none;
    CHECK_INT(smart_authdb_audit_get(e.db, N + 1, &none), FG_ENOTFOUND);
    env_close(&e);
}

TEST_MAIN(test_large_batch, test_append_and_list, test_counts_and_touch, test_revoke_for_proxy,
          test_prune_and_export, test_kind_codes)
