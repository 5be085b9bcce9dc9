/* portal_births_test.c - the birthDate cache: hits, a Patient update (in
 * this process and another) seen on the next lookup, and the view derived
 * afresh from cached facts when the day changes (pinned clock). */
#include "../test.h"
#include "../fhir/store_test_util.h"

#include <sys/wait.h>

#include "gateway/portal_births.h"
#include "smart/portal.h"

#define PATIENT(birth) "{\"resourceType\":\"Patient\",\"birthDate\":\"" birth "\"}"

static void births(struct fg_portal_births *c, struct st_ctx *t, const char *id, const char *want)
{
    struct fg_str out = FG_STR_NULL;
    CHECK_INT(fg_portal_births_get(c, t->store, t->pool, fg_str_c(id), &out), FG_OK);
    CHECK_SLICE(out, want);
}

static void check_stats(struct fg_portal_births *c, uint64_t hits, uint64_t misses)
{
    uint64_t h = 0, m = 0;
    fg_portal_births_stats(c, &h, &m);
    CHECK_INT(h, hits);
    CHECK_INT(m, misses);
}

static void test_hit_and_update(void)
{
    struct st_ctx t;
    st_open(&t);
    struct fg_portal_births *c = fg_portal_births_new();
    CHECK(c != NULL);
    CHECK_INT(st_put(&t, "Patient", "nora", PATIENT("2013-11-24")), FG_OK);
    births(c, &t, "nora", "2013-11-24");
    births(c, &t, "nora", "2013-11-24");
    check_stats(c, 1, 1);
    /* an edit in this process: the next lookup reads again */
    CHECK_INT(st_put(&t, "Patient", "nora", PATIENT("2010-02-03")), FG_OK);
    births(c, &t, "nora", "2010-02-03");
    check_stats(c, 1, 2);
    /* any write (even of another resource) reads again; the answer stays right */
    CHECK_INT(st_put(&t, "Patient", "owen", "{\"resourceType\":\"Patient\"}"), FG_OK);
    births(c, &t, "nora", "2010-02-03");
    births(c, &t, "owen", "");
    births(c, &t, "owen", "");
    check_stats(c, 2, 4);
    /* unknown, then created; deleted */
    births(c, &t, "lily", "");
    CHECK_INT(st_put(&t, "Patient", "lily", PATIENT("2018-05-01")), FG_OK);
    births(c, &t, "lily", "2018-05-01");
    struct fhir_write_result r;
    CHECK_INT(st_write1(&t, FHIR_WRITE_DELETE, "Patient", "lily", NULL, 0, NULL, &r), FG_OK);
    births(c, &t, "lily", "");
    /* no cache: the same answers */
    births(NULL, &t, "nora", "2010-02-03");
    fg_portal_births_free(&c);
    CHECK(c == NULL);
    st_close(&t);
}

/* Another process edits the Patient: the shared change marker says so. */
static void test_update_by_another_process(void)
{
    struct st_ctx t;
    st_open(&t);
    struct fg_portal_births *c = fg_portal_births_new();
    CHECK_INT(st_put(&t, "Patient", "max", PATIENT("2011-06-15")), FG_OK);
    births(c, &t, "max", "2011-06-15");
    births(c, &t, "max", "2011-06-15");
    check_stats(c, 1, 1);
    fflush(NULL);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        struct st_ctx child;
        memset(&child, 0, sizeof child);
        memcpy(child.path, t.path, sizeof t.path);
        child.clock.pinned_us = ST_NOW_US;
        child.pool = fg_pool_new();
        st_reopen(&child);
        enum fg_status st = st_put(&child, "Patient", "max", PATIENT("2016-06-15"));
        fhir_store_close(&child.store);
        _exit(st == FG_OK ? 0 : 1);
    }
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    births(c, &t, "max", "2016-06-15");
    check_stats(c, 1, 2);
    fg_portal_births_free(&c);
    st_close(&t);
}

/* The view comes from the cached birthDate and the clock on every call:
 * the day Nora turns 13 her parent's view narrows with no data change and
 * no cache miss. */
static void test_day_change(void)
{
    struct st_ctx t;
    st_open(&t);
    struct fg_portal_births *c = fg_portal_births_new();
    struct smart_portal_settings s;
    smart_portal_settings_default(&s);
    static struct smart_portal_facts f;
    memset(&f, 0, sizeof f);
    f.n_proxies = 1;
    f.proxies[0].kind = SMART_PROXY_PARENT;
    f.proxies[0].start_at = 1;
    memcpy(f.proxies[0].patient_id, "nora", 5);
    CHECK_INT(st_put(&t, "Patient", "nora", PATIENT("2013-11-24")), FG_OK);
    struct {
        const char *now;
        enum smart_portal_view want;
    } rows[] = {
        {"2026-11-23T23:59:59Z", SMART_VIEW_FULL},
        {"2026-11-24T00:00:00Z", SMART_VIEW_LIMITED},
        {"2026-11-23T12:00:00Z", SMART_VIEW_FULL},
        {"2031-11-24T00:00:00Z", SMART_VIEW_NONE},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        CHECK_INT(fg_clock_pin(&t.clock, fg_str_c(rows[i].now)), FG_OK);
        struct fg_str birth = FG_STR_NULL;
        CHECK_INT(fg_portal_births_get(c, t.store, t.pool, fg_str_c("nora"), &birth), FG_OK);
        CHECK_INT(smart_portal_view_of(&s, fg_clock_now_us(&t.clock), &f, fg_str_c("nora"), birth),
                  rows[i].want);
    }
    check_stats(c, 3, 1);
    fg_portal_births_free(&c);
    st_close(&t);
}

TEST_MAIN(test_hit_and_update, test_update_by_another_process, test_day_change)
