/* store_sqlite_pool_test.c - point reads keep their read transaction
 * between calls (store_sqlite_pool.c), yet every read sees what was
 * committed before it began, through this store or another on the same
 * file (another process); idle held transactions end within SQ_HOLD_MAX_US,
 * so a checkpoint can fold the whole WAL back. */
#include "../test.h"

#include "store_test_util.h"

#include <sqlite3.h>
#include <time.h>

#include "fhir/store_sqlite_internal.h"

/* The family name of Patient p1 as t reads it now. */
static bool reads_family(struct st_ctx *t, const char *family)
{
    struct fhir_resource res;
    enum fg_status st =
        fhir_store_read(t->store, t->pool, fg_str_c("Patient"), fg_str_c("p1"), &res, &t->err);
    return st == FG_OK && st_contains(res.json, family);
}

static bool any_held(const struct fhir_store *store)
{
    const struct sq_store *s = (const struct sq_store *)store;
    for (size_t i = 0; i < s->n_conns; i++)
        if (s->conns[i].held)
            return true;
    return false;
}

static void put_family(struct st_ctx *t, const char *family)
{
    char json[128];
    snprintf(json, sizeof json,
             "{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"%s\"}]}", family);
    CHECK_INT(st_put(t, "Patient", "p1", json), FG_OK);
}

static void test_reads_see_commits(void)
{
    struct st_ctx t, other;
    st_open(&t);
    st_open_second(&t, &other);
    put_family(&t, "One");
    CHECK(reads_family(&t, "One"));
    CHECK(reads_family(&t, "One")); /* and again, from the held transaction */
    CHECK(any_held(t.store));
    /* this store's own write: the next read sees it */
    put_family(&t, "Two");
    CHECK(reads_family(&t, "Two"));
    /* another store on the file (another process): so does t's next read */
    put_family(&other, "Three");
    CHECK(reads_family(&t, "Three"));
    CHECK(reads_family(&other, "Three"));
    /* vread shares the mechanism */
    struct fhir_resource res;
    CHECK_INT(fhir_store_vread(t.store, t.pool, fg_str_c("Patient"), fg_str_c("p1"),
                               fg_str_c("3"), &res, &t.err),
              FG_OK);
    CHECK(st_contains(res.json, "Three"));
    put_family(&other, "Four");
    CHECK_INT(fhir_store_vread(t.store, t.pool, fg_str_c("Patient"), fg_str_c("p1"),
                               fg_str_c("4"), &res, &t.err),
              FG_OK);
    fhir_store_close(&other.store);
    fg_pool_free(&other.pool);
    st_close(&t);
}

/* A read leaves its transaction; within SQ_HOLD_MAX_US (and a margin) the
 * reaper ends it, and a full checkpoint then empties the WAL. */
static void test_idle_transactions_end(void)
{
    struct st_ctx t;
    st_open(&t);
    put_family(&t, "One");
    CHECK(reads_family(&t, "One"));
    CHECK(any_held(t.store));
    struct timespec pause = {0, 3 * SQ_HOLD_MAX_US * 1000L};
    nanosleep(&pause, NULL);
    CHECK(!any_held(t.store));
    sqlite3 *raw = NULL;
    CHECK(sqlite3_open(t.path, &raw) == SQLITE_OK);
    CHECK(sqlite3_exec(raw, "INSERT INTO meta(key, value) VALUES ('pool-test', 1)", NULL, NULL,
                       NULL) == SQLITE_OK);
    int log = -1, done = -1;
    CHECK(sqlite3_wal_checkpoint_v2(raw, NULL, SQLITE_CHECKPOINT_TRUNCATE, &log, &done) ==
          SQLITE_OK);
    CHECK_INT(log, 0); /* nothing held the WAL back */
    sqlite3_close(raw);
    CHECK(reads_family(&t, "One"));
    st_close(&t);
}

TEST_MAIN(test_reads_see_commits, test_idle_transactions_end)
