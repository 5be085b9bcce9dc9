/* store_sqlite_pool.c - the SQLite store's connection pool, and the read
 * transactions point reads keep between requests (see
 * store_sqlite_internal.h, sq_conn_get_reader).
 *
 * In WAL mode every read transaction takes and drops a shared lock on the
 * database file (two fcntl calls) and, with an empty WAL, reads the file's
 * size (fstat): three system calls per read by id, about a quarter of its
 * time on loopback. A reader connection therefore keeps its transaction
 * while the store's change counter (fg_epoch.h) is unchanged, at most
 * SQ_HOLD_MAX_US. https://www.sqlite.org/wal.html#concurrency
 */
#include "store_sqlite_internal.h"

#include <time.h>

#include "../core/fg_clock.h"

/* Takes a free connection (mu held by the caller, who marks it busy). */
static struct sq_conn *take_free(struct sq_store *s)
{
    for (;;) {
        for (size_t i = 0; i < s->n_conns; i++)
            if (!s->conns[i].busy)
                return &s->conns[i];
        pthread_cond_wait(&s->cv, &s->mu);
    }
}

/* Ends c's held read transaction, if any (c busy, or idle under mu). */
static void end_held(struct sq_conn *c)
{
    if (!c->held)
        return;
    sq_exec(c, sq_stmt(c, SQ_COMMIT), NULL);
    c->held = false;
}

/* The connection, busy; *bulk: the bulk owner's own (no transaction of
 * ours on it). */
static struct sq_conn *take(struct sq_store *s, bool *bulk)
{
    pthread_mutex_lock(&s->mu);
    *bulk = s->bulk && pthread_equal(s->bulk_owner, pthread_self());
    struct sq_conn *c = *bulk ? s->bulk : take_free(s);
    c->busy = true;
    pthread_mutex_unlock(&s->mu);
    return c;
}

struct sq_conn *sq_conn_get(struct sq_store *s)
{
    bool bulk = false;
    struct sq_conn *c = take(s, &bulk);
    if (!bulk)
        end_held(c);
    return c;
}

void sq_conn_put(struct sq_store *s, struct sq_conn *c)
{
    pthread_mutex_lock(&s->mu);
    if (c == s->bulk) { /* the bulk owner's: kept until sq_bulk_end */
        pthread_mutex_unlock(&s->mu);
        return;
    }
    c->busy = false;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

/* Every SQ_HOLD_MAX_US: ends the transactions idle connections held longer. */
static void *reaper(void *arg)
{
    struct sq_store *s = arg;
    pthread_mutex_lock(&s->mu);
    while (!s->stopping) {
        int64_t now = fg_clock_mono_us();
        for (size_t i = 0; i < s->n_conns; i++) {
            struct sq_conn *c = &s->conns[i];
            if (!c->busy && c->held && now - c->held_since_us >= SQ_HOLD_MAX_US)
                end_held(c);
        }
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += SQ_HOLD_MAX_US * 1000L;
        until.tv_sec += until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&s->reaper_cv, &s->mu, &until);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* Starts the reaper with the first held transaction; false when it cannot
 * run (then nothing is held). */
static bool reaper_running(struct sq_store *s)
{
    pthread_mutex_lock(&s->mu);
    if (!s->reaper_started && !s->stopping)
        s->reaper_started = pthread_create(&s->reaper, NULL, reaper, s) == 0;
    bool running = s->reaper_started;
    pthread_mutex_unlock(&s->mu);
    return running;
}

struct sq_conn *sq_conn_get_reader(struct sq_store *s)
{
    bool bulk = false;
    struct sq_conn *c = take(s, &bulk);
    if (bulk || c->in_bulk)
        return c;
    uint64_t epoch = fg_epoch_read(&s->changes); /* before the snapshot begins */
    int64_t now = fg_clock_mono_us();
    if (c->held && c->held_epoch == epoch && now - c->held_since_us < SQ_HOLD_MAX_US)
        return c;
    end_held(c);
    if (!reaper_running(s) || sq_exec(c, sq_stmt(c, SQ_BEGIN_READ), NULL) != FG_OK)
        return c; /* autocommit reads, as before */
    c->held = true;
    c->held_epoch = epoch;
    c->held_since_us = now;
    return c;
}

void sq_conn_put_reader(struct sq_store *s, struct sq_conn *c, bool ok)
{
    if (!ok && c != s->bulk)
        end_held(c);
    sq_conn_put(s, c);
}

void sq_pool_init(struct sq_store *s)
{
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(&s->reaper_cv, &a);
    pthread_condattr_destroy(&a);
}

void sq_pool_stop(struct sq_store *s)
{
    pthread_mutex_lock(&s->mu);
    s->stopping = true;
    bool started = s->reaper_started;
    pthread_cond_signal(&s->reaper_cv);
    pthread_mutex_unlock(&s->mu);
    if (started)
        pthread_join(s->reaper, NULL);
    s->reaper_started = false;
    for (size_t i = 0; i < s->n_conns; i++)
        if (s->conns[i].db)
            end_held(&s->conns[i]);
}
