/* audit.c - the batching audit writer (see audit.h). */
#include "audit.h"

#include <pthread.h>
#include <string.h>
#include <time.h>

#include "../core/fg_mem.h"

#define WRITE_RETRIES 50 /* × FG_AUDIT_IDLE_MS while the database is busy */

struct fg_audit {
    const struct fg_clock *clock; /* borrowed */
    struct fg_log *log;           /* borrowed */
    struct smart_authdb *db;      /* owned: the writer's connection */
    pthread_t thread;
    bool started;
    pthread_mutex_t lock;
    pthread_cond_t work;          /* rows queued, a flush asked, or stop */
    pthread_cond_t done;          /* rows written: room in the queue, flushes answered */
    struct smart_audit_row *ring; /* owned, FG_AUDIT_QUEUE rows */
    size_t head, count;
    uint64_t queued, written; /* rows ever queued / written (or given up) */
    uint64_t batches;         /* transactions written (or given up) */
    int flushing;             /* callers waiting in fg_audit_flush */
    bool stop;
    struct smart_audit_row *batch; /* owned, the writer's FG_AUDIT_BATCH rows */
    int64_t retention_us;          /* 0 = keep every row */
    int64_t next_prune_us;         /* context-clock time of the next prune */
};

static void deadline_in(struct timespec *ts, int ms)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_nsec += (long)ms * 1000000L;
    ts->tv_sec += ts->tv_nsec / 1000000000L;
    ts->tv_nsec %= 1000000000L;
}

/* Appends a batch, retrying while another writer holds the lock. */
static void write_batch(struct fg_audit *a, size_t n)
{
    enum fg_status st = FG_EBUSY;
    for (int i = 0; i < WRITE_RETRIES && st == FG_EBUSY; i++) {
        st = smart_authdb_audit_append(a->db, a->batch, n);
        if (st == FG_EBUSY) {
            struct timespec ts = {0, FG_AUDIT_IDLE_MS * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
    if (st != FG_OK) {
        struct fg_log_field f[] = {FG_LF_CSTR("error", fg_status_name(st)), FG_LF_INT("rows", n)};
        fg_log_write(a->log, "audit-write-failed", f, 2);
    }
}

/* Group commit: with rows queued, waits up to FG_AUDIT_GATHER_MS for a
 * fuller batch, unless a flush waits or the server stops. Called with the
 * lock held. */
static void gather(struct fg_audit *a)
{
    if (a->count >= FG_AUDIT_BATCH || a->stop || a->flushing)
        return;
    struct timespec ts;
    deadline_in(&ts, FG_AUDIT_GATHER_MS);
    while (a->count < FG_AUDIT_BATCH && !a->stop && !a->flushing)
        if (pthread_cond_timedwait(&a->work, &a->lock, &ts) != 0)
            break; /* the deadline passed */
}

/* Deletes rows past the retention, a chunk per transaction, while nothing
 * waits in the queue (called with the lock released). Only rows already in
 * the database are candidates, so a queued row is never dropped. */
static void prune(struct fg_audit *a)
{
    int64_t now = fg_clock_now_us(a->clock);
    if (a->retention_us <= 0 || now < a->next_prune_us)
        return;
    a->next_prune_us = now + (int64_t)FG_AUDIT_PRUNE_EVERY_S * 1000000;
    int deleted = FG_AUDIT_PRUNE_CHUNK;
    int64_t total = 0;
    enum fg_status st = FG_OK;
    for (bool more = true; more && st == FG_OK;) {
        st = smart_authdb_audit_prune(a->db, now - a->retention_us, FG_AUDIT_PRUNE_CHUNK,
                                      &deleted);
        total += deleted;
        pthread_mutex_lock(&a->lock);
        more = deleted == FG_AUDIT_PRUNE_CHUNK && a->count == 0 && !a->stop;
        pthread_mutex_unlock(&a->lock);
    }
    if (deleted == FG_AUDIT_PRUNE_CHUNK || st != FG_OK)
        a->next_prune_us = now; /* rows wait: go on once the queue is written */
    struct fg_log_field f[] = {FG_LF_CSTR("result", fg_status_name(st)), FG_LF_INT("rows", total)};
    if (total || st != FG_OK)
        fg_log_write(a->log, "audit-pruned", f, 2);
}

static void *writer(void *arg)
{
    struct fg_audit *a = arg;
    pthread_mutex_lock(&a->lock);
    for (;;) {
        if (a->count == 0 && !a->stop && a->retention_us > 0) {
            pthread_mutex_unlock(&a->lock);
            prune(a);
            pthread_mutex_lock(&a->lock);
        }
        while (a->count == 0 && !a->stop) {
            struct timespec ts;
            deadline_in(&ts, FG_AUDIT_IDLE_MS);
            pthread_cond_timedwait(&a->work, &a->lock, &ts);
        }
        if (a->count == 0)
            break; /* stop asked and nothing left */
        gather(a);
        size_t n = a->count < FG_AUDIT_BATCH ? a->count : FG_AUDIT_BATCH;
        for (size_t i = 0; i < n; i++)
            a->batch[i] = a->ring[(a->head + i) % FG_AUDIT_QUEUE];
        a->head = (a->head + n) % FG_AUDIT_QUEUE;
        a->count -= n;
        pthread_cond_broadcast(&a->done); /* room for waiting recorders */
        pthread_mutex_unlock(&a->lock);
        write_batch(a, n);
        pthread_mutex_lock(&a->lock);
        a->written += n;
        a->batches++;
        pthread_cond_broadcast(&a->done);
    }
    pthread_mutex_unlock(&a->lock);
    return NULL;
}

static void audit_free(struct fg_audit *a)
{
    smart_authdb_close(&a->db);
    fg_free(a->ring);
    fg_free(a->batch);
    pthread_cond_destroy(&a->work);
    pthread_cond_destroy(&a->done);
    pthread_mutex_destroy(&a->lock);
    fg_free(a);
}

enum fg_status fg_audit_open(const char *path, const struct fg_clock *clock, struct fg_log *log,
                             int64_t retention_days, struct fg_audit **out,
                             struct fg_error *err)
{
    struct fg_audit *a = fg_calloc(1, sizeof *a);
    if (!a)
        return fg_error_set(err, FG_ENOMEM, NULL, "out of memory");
    a->clock = clock;
    a->log = log;
    a->retention_us = retention_days > 0 ? retention_days * 86400 * INT64_C(1000000) : 0;
    pthread_mutex_init(&a->lock, NULL);
    pthread_cond_init(&a->work, NULL);
    pthread_cond_init(&a->done, NULL);
    enum fg_status st = FG_ENOMEM;
    a->ring = fg_calloc(FG_AUDIT_QUEUE, sizeof *a->ring);
    a->batch = fg_calloc(FG_AUDIT_BATCH, sizeof *a->batch);
    if (!a->ring || !a->batch) {
        fg_error_set(err, st, NULL, "out of memory");
        goto out;
    }
    st = smart_authdb_open(path, clock, NULL, &a->db, err);
    if (st != FG_OK)
        goto out;
    if (pthread_create(&a->thread, NULL, writer, a) != 0) {
        st = fg_error_set(err, FG_EIO, NULL, "cannot start the audit writer thread");
        goto out;
    }
    a->started = true;
out:
    if (st != FG_OK) {
        audit_free(a);
        return st;
    }
    *out = a;
    return FG_OK;
}

void fg_audit_close(struct fg_audit **pa)
{
    if (!pa || !*pa)
        return;
    struct fg_audit *a = *pa;
    if (a->started) {
        pthread_mutex_lock(&a->lock);
        a->stop = true;
        pthread_cond_signal(&a->work);
        pthread_mutex_unlock(&a->lock);
        pthread_join(a->thread, NULL);
    }
    audit_free(a);
    *pa = NULL;
}

void fg_audit_record(struct fg_audit *a, const struct smart_audit_row *row)
{
    if (!a)
        return;
    int64_t now = row->at_us ? row->at_us : fg_clock_now_us(a->clock);
    pthread_mutex_lock(&a->lock);
    while (a->count == FG_AUDIT_QUEUE && !a->stop)
        pthread_cond_wait(&a->done, &a->lock);
    if (a->count < FG_AUDIT_QUEUE) {
        struct smart_audit_row *slot = &a->ring[(a->head + a->count) % FG_AUDIT_QUEUE];
        *slot = *row;
        slot->at_us = now;
        a->count++;
        a->queued++;
        if (a->count == 1 || a->count >= FG_AUDIT_BATCH)
            pthread_cond_signal(&a->work);
    }
    pthread_mutex_unlock(&a->lock);
}

void fg_audit_flush(struct fg_audit *a)
{
    if (!a)
        return;
    pthread_mutex_lock(&a->lock);
    uint64_t target = a->queued;
    a->flushing++;
    pthread_cond_signal(&a->work);
    while (a->written < target && !a->stop)
        pthread_cond_wait(&a->done, &a->lock);
    a->flushing--;
    pthread_mutex_unlock(&a->lock);
}

void fg_audit_stats(struct fg_audit *a, uint64_t *rows, uint64_t *batches)
{
    pthread_mutex_lock(&a->lock);
    *rows = a->written;
    *batches = a->batches;
    pthread_mutex_unlock(&a->lock);
}
