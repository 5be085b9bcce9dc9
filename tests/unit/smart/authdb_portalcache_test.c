/* authdb_portalcache_test.c - cached portal facts: hits, and every change
 * that affects them (proxy add from another connection, proxy revoke from
 * another process, proxy expiry and start by the clock) seen on the next call. */
#include "../test.h"

#include <sys/wait.h>

#include "smart/authdb_accounts.h"
#include "smart/authdb_portalcache.h"

#include "authdb_env.h"

static void check_stats(struct smart_authdb *db, uint64_t hits, uint64_t misses)
{
    uint64_t h = 0, m = 0;
    smart_authdb_portalcache_stats(db, &h, &m);
    CHECK_INT(h, hits);
    CHECK_INT(m, misses);
}

static int64_t add_proxy(struct smart_authdb *db, int64_t account, const char *patient,
                         enum smart_proxy_kind kind, int64_t start, int64_t expires)
{
    struct smart_proxy p = {.account_id = account, .kind = kind, .start_at = start,
                            .expires_at = expires};
    snprintf(p.patient_id, sizeof p.patient_id, "%s", patient);
    int64_t id = 0;
    CHECK_INT(smart_authdb_proxy_add(db, &p, &id), FG_OK);
    return id;
}

static struct smart_portal_facts facts; /* large: not on the stack */

static void test_hit_and_changes(void)
{
    struct env e;
    env_open(&e);
    int64_t daniel = 0;
    CHECK_INT(smart_authdb_account_add(e.db, fg_str_c("danielshaw"), "h", fg_str_c("daniel"),
                                       &daniel),
              FG_OK);
    int64_t lily = add_proxy(e.db, daniel, "lily", SMART_PROXY_PARENT, T0 - 10, 0);
    /* starts later: cached all the same, the rules check the start */
    add_proxy(e.db, daniel, "max", SMART_PROXY_PARENT, T0 + 100, 0);

    CHECK_INT(smart_authdb_portal_facts(e.db, daniel, &facts), FG_OK);
    CHECK_STR(facts.own_patient, "daniel");
    CHECK_INT(facts.n_proxies, 2);
    CHECK_STR(facts.proxies[0].patient_id, "lily");
    CHECK_STR(facts.proxies[1].patient_id, "max");
    memset(&facts, 0x5a, sizeof facts);
    CHECK_INT(smart_authdb_portal_facts(e.db, daniel, &facts), FG_OK);
    CHECK_STR(facts.own_patient, "daniel");
    CHECK_INT(facts.n_proxies, 2);
    CHECK_STR(facts.proxies[1].patient_id, "max");
    check_stats(e.db, 1, 1);

    /* another connection adds a proxy: the epoch moves, the next call reads again */
    struct smart_authdb *other = NULL;
    CHECK_INT(smart_authdb_open(e.path, &e.clock, NULL, &other, NULL), FG_OK);
    add_proxy(other, daniel, "nora", SMART_PROXY_ADULT, T0 - 10, T0 + 50);
    CHECK_INT(smart_authdb_portal_facts(e.db, daniel, &facts), FG_OK);
    CHECK_INT(facts.n_proxies, 3);
    CHECK_STR(facts.proxies[2].patient_id, "nora");
    check_stats(e.db, 1, 2);
    smart_authdb_close(&other);

    /* another process revokes one */
    fflush(NULL);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        struct smart_authdb *child = NULL;
        enum fg_status st = smart_authdb_open(e.path, &e.clock, NULL, &child, NULL);
        if (st == FG_OK)
            st = smart_authdb_proxy_revoke(child, lily);
        smart_authdb_close(&child);
        _exit(st == FG_OK ? 0 : 1);
    }
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK_INT(smart_authdb_portal_facts(e.db, daniel, &facts), FG_OK);
    CHECK_INT(facts.n_proxies, 2);
    CHECK_STR(facts.proxies[0].patient_id, "max");
    check_stats(e.db, 1, 3);

    /* unknown accounts are not cached */
    CHECK_INT(smart_authdb_portal_facts(e.db, daniel + 100, &facts), FG_ENOTFOUND);
    CHECK_INT(smart_authdb_portal_facts(e.db, daniel + 100, &facts), FG_ENOTFOUND);
    CHECK_INT(smart_authdb_portal_facts(e.db, 0, &facts), FG_ENOTFOUND);
    check_stats(e.db, 1, 5);
    env_close(&e);
}

/* The view from cached facts follows the clock: a proxy that expires or
 * starts changes the view with no write and no cache miss. */
static void test_clock_without_writes(void)
{
    struct env e;
    env_open(&e);
    int64_t amy = 0;
    CHECK_INT(smart_authdb_account_add(e.db, fg_str_c("amysample"), "h", fg_str_c("amy"), &amy),
              FG_OK);
    add_proxy(e.db, amy, "daniel", SMART_PROXY_ADULT, T0 - 10, T0 + 50);
    add_proxy(e.db, amy, "lily", SMART_PROXY_PARENT, T0 + 100, 0);
    struct smart_portal_settings s;
    smart_portal_settings_default(&s);
    struct {
        int64_t at;
        enum smart_portal_view daniel, lily;
    } rows[] = {
        {T0, SMART_VIEW_FULL, SMART_VIEW_NONE},
        {T0 + 50, SMART_VIEW_NONE, SMART_VIEW_NONE},
        {T0 + 100, SMART_VIEW_NONE, SMART_VIEW_FULL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        set_now(&e, rows[i].at);
        CHECK_INT(smart_authdb_portal_facts(e.db, amy, &facts), FG_OK);
        int64_t now_us = rows[i].at * 1000000;
        CHECK_INT(smart_portal_view_of(&s, now_us, &facts, fg_str_c("daniel"), fg_str_c("1980-01-01")),
                  rows[i].daniel);
        CHECK_INT(smart_portal_view_of(&s, now_us, &facts, fg_str_c("lily"), fg_str_c("2020-01-01")),
                  rows[i].lily);
        CHECK_INT(smart_portal_view_of(&s, now_us, &facts, fg_str_c("amy"), fg_str_c("1980-01-01")),
                  SMART_VIEW_SELF);
    }
    check_stats(e.db, 2, 1);
    env_close(&e);
}

TEST_MAIN(test_hit_and_changes, test_clock_without_writes)
