/* audit.h - the audit writer: AuditEvents recorded without slowing requests.
 *
 * Request threads hand a row (smart/authdb_audit.h) to fg_audit_record,
 * which copies it into a bounded in-memory queue and returns (a mutex and a
 * memcpy). One writer thread, with its own auth database connection, takes
 * whatever has queued up and appends it in one transaction, so under load
 * one commit carries hundreds of rows. After the first row of a batch the
 * writer waits up to FG_AUDIT_GATHER_MS for more (a commit costs as much
 * as a dozen rows), unless a reader is waiting in fg_audit_flush. When the queue is full a request
 * thread waits for room instead of dropping a row (an audit log with holes
 * is worth little). fg_audit_close writes everything still queued before
 * it returns: the SIGTERM path (serve.c → fg_server_cleanup) calls it after
 * the last request completed, so a clean shutdown loses nothing.
 * https://profiles.ihe.net/ITI/BALP/
 */
#ifndef FG_AUDIT_H
#define FG_AUDIT_H

#include "../core/fg_clock.h"
#include "../core/fg_error.h"
#include "../core/fg_log.h"
#include "../smart/authdb_audit.h"

#define FG_AUDIT_QUEUE 4096  /* rows waiting (about 1 KB each) */
#define FG_AUDIT_BATCH 512   /* rows per transaction at most */
#define FG_AUDIT_IDLE_MS 100 /* how long the writer sleeps when idle */
#define FG_AUDIT_GATHER_MS 10 /* group commit: how long a batch waits for more rows */
/* [audit_retention_days] default: 6 years, HIPAA's retention of security
 * documentation (45 CFR 164.316(b)(2)). */
#define FG_AUDIT_RETENTION_DAYS 2190
#define FG_AUDIT_PRUNE_EVERY_S 3600 /* the writer prunes at start and then hourly */
#define FG_AUDIT_PRUNE_CHUNK 5000   /* rows deleted per transaction */

struct fg_audit;

/* Opens a connection to the auth database at path and starts the writer
 * thread. clock and log are borrowed and must outlive the handle.
 * retention_days > 0: the writer deletes rows older than that many days
 * (by the context clock) when it starts and then every
 * FG_AUDIT_PRUNE_EVERY_S, only while nothing is queued and in chunks of
 * FG_AUDIT_PRUNE_CHUNK, so queued rows are never dropped and writes never
 * wait long behind a prune; 0 keeps every row. Caller owns *out
 * (fg_audit_close). On failure *out is untouched, err says why.
 * @test tests/integration/audit.test.mjs */
enum fg_status fg_audit_open(const char *path, const struct fg_clock *clock, struct fg_log *log,
                             int64_t retention_days, struct fg_audit **out,
                             struct fg_error *err);

/* Writes every queued row, stops the thread, closes; sets *a to NULL.
 * NULL-safe. */
void fg_audit_close(struct fg_audit **a);

/* Queues a copy of row (at_us 0 = now). Waits while the queue is full.
 * NULL a is a no-op. */
void fg_audit_record(struct fg_audit *a, const struct smart_audit_row *row);

/* Returns once every row queued before the call is in the database (or
 * the writer gave up on it). For readers that must see their own events;
 * the writer does not wait for more rows while anyone flushes. */
void fg_audit_flush(struct fg_audit *a);

/* Rows and transactions written since open (for tests and benchmarks). */
void fg_audit_stats(struct fg_audit *a, uint64_t *rows, uint64_t *batches);

#endif
