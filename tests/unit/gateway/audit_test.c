/* audit_test.c - the batching audit writer: rows recorded from several
 * threads all arrive (more than the queue holds, so recorders wait),
 * fg_audit_flush makes them readable, and close writes what is still
 * queued. */
#include "../test.h"

#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gateway/audit.h"
#include "smart/authdb.h"

#define THREADS 4
#define PER_THREAD (FG_AUDIT_QUEUE / 2 + 100) /* together about twice the queue */

struct env {
    char dir[64], path[128];
    struct fg_clock clock;
    struct fg_log log;
};

static void env_open(struct env *e)
{
    snprintf(e->dir, sizeof e->dir, "/tmp/fg-audit-XXXXXX");
    CHECK(mkdtemp(e->dir) != NULL);
    snprintf(e->path, sizeof e->path, "%s/auth.db", e->dir);
    e->clock.pinned_us = 1800000000LL * 1000000;
    fg_log_init(&e->log, stderr, &e->clock);
}

static void env_close(struct env *e)
{
    static const char *suffix[] = {"", "-wal", "-shm", "-epoch"};
    char p[160];
    for (size_t i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s%s", e->path, suffix[i]);
        unlink(p);
    }
    rmdir(e->dir);
    fg_log_cleanup(&e->log);
}

static int64_t count_rows(struct env *e)
{
    struct smart_authdb *db = NULL;
    struct fg_error err;
    CHECK_INT(smart_authdb_open(e->path, &e->clock, NULL, &db, &err), FG_OK);
    int64_t n = 0;
    struct smart_audit_row row;
    /* seq is dense from 1: the highest present is the count */
    while (db && smart_authdb_audit_get(db, n + 1, &row) == FG_OK)
        n++;
    smart_authdb_close(&db);
    return n;
}

struct worker {
    struct fg_audit *a;
    int id;
};

static void *record_many(void *arg)
{
    struct worker *w = arg;
    struct smart_audit_row r;
    memset(&r, 0, sizeof r);
    r.kind = SMART_AUDIT_READ;
    r.status = 200;
    snprintf(r.res_type, sizeof r.res_type, "Patient");
    for (int i = 0; i < PER_THREAD; i++) {
        snprintf(r.res_id, sizeof r.res_id, "p%d-%d", w->id, i);
        fg_audit_record(w->a, &r);
    }
    return NULL;
}

static void test_many_threads_nothing_lost(void)
{
    struct env e;
    env_open(&e);
    struct fg_audit *a = NULL;
    struct fg_error err;
    CHECK_INT(fg_audit_open(e.path, &e.clock, &e.log, 0, &a, &err), FG_OK);
    pthread_t t[THREADS];
    struct worker w[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (struct worker){a, i};
        pthread_create(&t[i], NULL, record_many, &w[i]);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    fg_audit_flush(a);
    CHECK_INT(count_rows(&e), THREADS * PER_THREAD);
    /* rows queued right before close are written by close */
    struct worker last = {a, 99};
    record_many(&last);
    fg_audit_close(&a);
    CHECK(a == NULL);
    CHECK_INT(count_rows(&e), (THREADS + 1) * PER_THREAD);
    fg_audit_close(&a); /* NULL-safe */
    fg_audit_record(NULL, NULL);
    fg_audit_flush(NULL);
    env_close(&e);
}

static void test_time_stamped(void)
{
    struct env e;
    env_open(&e);
    struct fg_audit *a = NULL;
    struct fg_error err;
    CHECK_INT(fg_audit_open(e.path, &e.clock, &e.log, 0, &a, &err), FG_OK);
    struct smart_audit_row r;
    memset(&r, 0, sizeof r);
    r.kind = SMART_AUDIT_TOKEN;
    fg_audit_record(a, &r); /* at_us 0: the clock's now */
    r.at_us = 1234;
    fg_audit_record(a, &r); /* kept as given */
    fg_audit_flush(a);
    struct smart_authdb *db = NULL;
    CHECK_INT(smart_authdb_open(e.path, &e.clock, NULL, &db, &err), FG_OK);
    struct smart_audit_row got;
    CHECK_INT(smart_authdb_audit_get(db, 1, &got), FG_OK);
    CHECK(got.at_us == e.clock.pinned_us);
    CHECK_INT(smart_authdb_audit_get(db, 2, &got), FG_OK);
    CHECK(got.at_us == 1234);
    smart_authdb_close(&db);
    fg_audit_close(&a);
    env_close(&e);
}

/* Group commit: a row that arrives while the first waits shares its
 * transaction; rows land without anyone flushing. */
static void test_group_commit(void)
{
    struct env e;
    env_open(&e);
    struct fg_audit *a = NULL;
    struct fg_error err;
    CHECK_INT(fg_audit_open(e.path, &e.clock, &e.log, 0, &a, &err), FG_OK);
    struct smart_audit_row r;
    memset(&r, 0, sizeof r);
    r.kind = SMART_AUDIT_TOKEN;
    int64_t t0 = fg_clock_mono_us();
    fg_audit_record(a, &r);
    usleep(FG_AUDIT_GATHER_MS * 1000 / 4);
    fg_audit_record(a, &r);
    int64_t gap_us = fg_clock_mono_us() - t0;
    uint64_t rows = 0, batches = 0;
    for (int i = 0; i < 400 && rows < 2; i++) { /* no flush: the writer's own pace */
        usleep(5000);
        fg_audit_stats(a, &rows, &batches);
    }
    CHECK(rows == 2);
    /* a machine too busy to record the second row inside the window proves nothing */
    if (gap_us < FG_AUDIT_GATHER_MS * 1000 / 2)
        CHECK(batches == 1);
    CHECK_INT(count_rows(&e), 2);
    fg_audit_close(&a);
    env_close(&e);
}

TEST_MAIN(test_many_threads_nothing_lost, test_time_stamped, test_group_commit)
