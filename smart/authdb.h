/* authdb.h - the authorization server's own SQLite database.
 *
 * A separate file from the FHIR store (default var/fhirgate-auth.db),
 * created with mode 0600, in WAL mode with a busy timeout, schema version
 * in PRAGMA user_version. It holds clients, accounts and proxies,
 * authorization codes, grants and tokens (only digests), used client
 * assertion jtis and the server's signing keys. The functions live in one
 * file per concept: authdb_clients.h, authdb_accounts.h, authdb_codes.h,
 * authdb_grants.h, authdb_keys.h.
 *
 * One struct smart_authdb is one SQLite connection with its prepared
 * statements: use it from one thread at a time (open one per worker
 * thread). Several connections and processes may share the file; every
 * statement is reset after use so a connection never keeps an old
 * snapshot (a revocation through one connection is seen by the next
 * lookup on any other). Time comes from the borrowed clock.
 * https://www.sqlite.org/wal.html
 */
#ifndef SMART_AUTHDB_H
#define SMART_AUTHDB_H

#include <stdbool.h>
#include <stdint.h>

#include "../core/fg_clock.h"
#include "../core/fg_error.h"

#define SMART_AUTHDB_DEFAULT_PATH "var/fhirgate-auth.db"
#define SMART_AUTHDB_SCHEMA_VERSION 7

struct smart_authdb_options {
    int busy_timeout_ms;   /* 0 = 5000 */
    int lockout_failures;  /* [lockout_failures] 0 = 5 */
    int lockout_minutes;   /* [lockout_minutes] 0 = 10 */
};

struct smart_authdb;

/* Opens (creating and migrating as needed) the database at path. clock is
 * borrowed and must outlive the handle; opt may be NULL (defaults).
 * Caller owns *out, close with smart_authdb_close. On failure *out is
 * untouched and err says why (FG_EIO, FG_ENOMEM, FG_EBUSY).
 * @test tests/unit/smart/authdb_test.c */
enum fg_status smart_authdb_open(const char *path, const struct fg_clock *clock,
                                 const struct smart_authdb_options *opt, struct smart_authdb **out,
                                 struct fg_error *err);

/* Finalizes the statements, closes the connection, sets *db to NULL.
 * NULL and *db == NULL are no-ops. */
void smart_authdb_close(struct smart_authdb **db);

/* Transactions spanning several calls (e.g. consume a code, create the
 * grant and its tokens). begin_write takes the write lock at once
 * (BEGIN IMMEDIATE) so read-then-write sequences cannot interleave with
 * another process. FG_EBUSY when the lock is not obtained in time. */
enum fg_status smart_authdb_begin_write(struct smart_authdb *db);
enum fg_status smart_authdb_commit(struct smart_authdb *db);
void smart_authdb_rollback(struct smart_authdb *db);

/* Deletes what can no longer matter at "now": expired jtis, authorization
 * codes expired more than a day ago (kept that long to detect reuse),
 * tokens expired more than a day ago, browser sessions unused for a day and
 * authorize requests past SMART_AUTHZ_REQ_LIFETIME_S (authdb_sessions.h).
 * *deleted (may be NULL) counts rows. */
enum fg_status smart_authdb_purge(struct smart_authdb *db, int64_t *deleted);

/* The shared revocation epoch (core/fg_epoch.h): it changes after every committed
 * revocation (grant, token, client, proxy) by any connection or process.
 * A token answer cached with the epoch read before its lookup stays valid
 * while this returns the same value. One atomic load, no system call. */
uint64_t smart_authdb_revocation_epoch(const struct smart_authdb *db);

/* The clock the handle was opened with (borrowed). */
const struct fg_clock *smart_authdb_clock(const struct smart_authdb *db);

#endif
