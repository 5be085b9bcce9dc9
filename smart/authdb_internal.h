/* authdb_internal.h - shared by the authdb_*.c files only (not an API).
 *
 * The connection struct, the prepared-statement cache (one slot per SQL
 * statement, prepared on first use) and small bind/column helpers.
 */
#ifndef SMART_AUTHDB_INTERNAL_H
#define SMART_AUTHDB_INTERNAL_H

#include <sqlite3.h>

#include "../core/fg_str.h"
#include "authdb.h"
#include "authdb_grants.h"
#include "../core/fg_epoch.h"
#include "portal.h"

enum authdb_stmt_id {
    AUTHDB_BEGIN,
    AUTHDB_COMMIT,
    AUTHDB_ROLLBACK,
    AUTHDB_PURGE_JTI,
    AUTHDB_PURGE_CODES,
    AUTHDB_PURGE_TOKENS,
    AUTHDB_PURGE_SESSIONS,
    AUTHDB_PURGE_AUTHZREQ,
    AUTHDB_PURGE_ACTIVATION,
    AUTHDB_CLIENT_ADD,
    AUTHDB_CLIENT_REDIRECT_ADD,
    AUTHDB_CLIENT_GET,
    AUTHDB_CLIENT_REDIRECTS,
    AUTHDB_CLIENT_REDIRECT_OK,
    AUTHDB_CLIENT_ORIGIN,
    AUTHDB_CLIENT_SECRET,
    AUTHDB_CLIENT_DELETE,
    AUTHDB_CLIENT_REVOKE_GRANTS,
    AUTHDB_ACCOUNT_ADD,
    AUTHDB_ACCOUNT_GET,
    AUTHDB_ACCOUNT_GET_ID,
    AUTHDB_ACCOUNT_SET_PASSWORD,
    AUTHDB_ACCOUNT_FAIL,
    AUTHDB_ACCOUNT_SUCCESS,
    AUTHDB_ACCOUNT_STATE,
    AUTHDB_PROXY_ADD,
    AUTHDB_PROXY_FOR_ACCOUNT,
    AUTHDB_PROXY_FOR_PATIENT,
    AUTHDB_PROXY_REVOKE,
    AUTHDB_CODE_ADD,
    AUTHDB_CODE_CONSUME,
    AUTHDB_CODE_GET,
    AUTHDB_JTI_REMEMBER,
    AUTHDB_GRANT_ADD,
    AUTHDB_GRANT_GET,
    AUTHDB_GRANT_REVOKE,
    AUTHDB_GRANT_TOUCH,
    AUTHDB_GRANT_LIST_ACCOUNT,
    AUTHDB_GRANT_LIST_PATIENT,
    AUTHDB_TOKEN_ADD,
    AUTHDB_TOKEN_LOOKUP,
    AUTHDB_TOKEN_REVOKE,
    AUTHDB_TOKEN_REVOKE_CHILDREN,
    AUTHDB_KEY_SAVE,
    AUTHDB_KEY_LOAD,
    AUTHDB_KEY_DELETE,
    AUTHDB_KEY_STAMP,
    AUTHDB_CLIENT_LIST,
    AUTHDB_SESSION_ADD,
    AUTHDB_SESSION_GET,
    AUTHDB_SESSION_TOUCH,
    AUTHDB_SESSION_DELETE,
    AUTHDB_SESSION_SET_ACCOUNT,
    AUTHDB_SESSION_SET_LANG,
    AUTHDB_SESSION_LANG,
    AUTHDB_AUTHZREQ_MOVE,
    AUTHDB_AUTHZREQ_ADD,
    AUTHDB_AUTHZREQ_GET,
    AUTHDB_AUTHZREQ_SET_PATIENT,
    AUTHDB_AUTHZREQ_DELETE,
    AUTHDB_AUDIT_ADD,
    AUTHDB_AUDIT_ADD_MANY,
    AUTHDB_AUDIT_GET,
    AUTHDB_AUDIT_LIST_PATIENT,
    AUTHDB_AUDIT_LIST_GRANT,
    AUTHDB_AUDIT_LIST_ALL,
    AUTHDB_AUDIT_COUNTS,
    AUTHDB_AUDIT_PRUNE,
    AUTHDB_AUDIT_OLDEST,
    AUTHDB_AUDIT_EXPORT,
    AUTHDB_GRANT_REVOKE_PROXY,
    AUTHDB_ACTIVATION_ADD,
    AUTHDB_ACTIVATION_CONSUME,
    AUTHDB_ACTIVATION_SET_ACCOUNT,
    AUTHDB_PROXY_LIST_ALL,
    AUTHDB_ACCOUNT_FOR_PATIENT,
    AUTHDB_PROXY_LIVE_FOR_ACCOUNT,
    AUTHDB_PURGE_LAUNCHES,
    AUTHDB_LAUNCH_ADD,
    AUTHDB_LAUNCH_CONSUME,
    AUTHDB_LAUNCH_GET,
    AUTHDB_STMT_COUNT
};

/* One cached token lookup (authdb_tokcache.c). */
struct authdb_tokcache_entry {
    char digest[65];               /* "" = empty slot */
    bool has_token;                /* token holds the bearer token of digest */
    char token[SMART_TOKEN_CHARS]; /* see smart_authdb_token_check_bearer */
    uint64_t epoch;                /* revocation epoch read before the lookup */
    uint64_t used;                 /* tick of the last use, to evict the oldest in a set */
    struct smart_token_info info;  /* info.scopes owned by the cache */
};

struct authdb_tokcache {
    struct authdb_tokcache_entry *slots; /* owned; NULL until first use */
    uint32_t *by_token; /* owned, SETS entries: 1 + the slot a token hash last named, 0 = none */
    struct smart_token_info answer;      /* the last answer handed out (borrows scopes) */
    uint64_t hits, misses, tick;
};

/* One account's cached portal facts (authdb_portalcache.c). */
struct authdb_portal_entry {
    int64_t account_id;            /* 0 = empty slot */
    uint64_t epoch;                /* revocation epoch read before the lookup */
    struct smart_portal_facts facts;
};

struct authdb_portalcache {
    struct authdb_portal_entry *slots; /* owned; NULL until first use */
    uint64_t hits, misses;
};

struct smart_authdb {
    sqlite3 *db;
    const struct fg_clock *clock; /* borrowed */
    struct smart_authdb_options opt;
    sqlite3_stmt *stmts[AUTHDB_STMT_COUNT];
    struct fg_epoch epoch;  /* shared revocation counter (core/fg_epoch.h) */
    bool epoch_pending;        /* a revocation waits for COMMIT to bump it */
    struct authdb_tokcache tokcache;
    struct authdb_portalcache portalcache;
};

/* Frees the portal facts cache (smart_authdb_close). */
void authdb_portalcache_cleanup(struct authdb_portalcache *c);

/* Frees the token cache (smart_authdb_close). */
void authdb_tokcache_cleanup(struct authdb_tokcache *c);

/* Records that a revocation was written: bumps the epoch now in autocommit
 * mode, or at the next successful smart_authdb_commit. */
void authdb_revoked(struct smart_authdb *db);

/* The cached statement for id (prepared from sql on first use), reset and
 * with bindings cleared. Callers must sqlite3_reset it when done
 * (authdb_done) so no read snapshot stays open. FG_EIO on a prepare error. */
enum fg_status authdb_stmt(struct smart_authdb *db, enum authdb_stmt_id id, const char *sql,
                           sqlite3_stmt **out);
void authdb_done(sqlite3_stmt *stmt);

/* Steps a statement that returns no rows. SQLITE_CONSTRAINT → FG_ECONFLICT,
 * SQLITE_BUSY/LOCKED → FG_EBUSY, other errors FG_EIO. */
enum fg_status authdb_exec(sqlite3_stmt *stmt);
/* Maps an sqlite3_step result that is neither ROW nor DONE. */
enum fg_status authdb_step_error(int rc);

/* Bind helpers; a slice with a NULL ptr / a NULL string binds SQL NULL.
 * They return false when SQLite refuses (no memory or too big). */
bool authdb_bind_str(sqlite3_stmt *stmt, int idx, struct fg_str s);
bool authdb_bind_cstr(sqlite3_stmt *stmt, int idx, const char *s);
bool authdb_bind_i64(sqlite3_stmt *stmt, int idx, int64_t v);

/* Copies column col into buf (NUL-terminated; NULL → ""). FG_ETOOBIG when
 * it does not fit (buf is then ""). */
enum fg_status authdb_col_copy(sqlite3_stmt *stmt, int col, char *buf, size_t size);
/* Text columns of a row reader, copied by authdb_cols_copy. */
struct authdb_text_col {
    int col;
    char *buf;   /* borrowed */
    size_t size;
};
/* authdb_col_copy for cols[0..n) in order; the first failure stops it. */
enum fg_status authdb_cols_copy(sqlite3_stmt *stmt, const struct authdb_text_col *cols, size_t n);
/* Steps stmt to its end, calling row(arg, stmt) for each row; a non-FG_OK
 * return from row stops and is returned; step errors are mapped
 * (authdb_step_error). Resets stmt (authdb_done) in every case. */
enum fg_status authdb_step_rows(sqlite3_stmt *stmt,
                                enum fg_status (*row)(void *arg, sqlite3_stmt *stmt), void *arg);
/* Heap copy of column col (NULL stays NULL). Caller owns, fg_free. */
enum fg_status authdb_col_dup(sqlite3_stmt *stmt, int col, char **out);

int64_t authdb_now(const struct smart_authdb *db);

#endif
