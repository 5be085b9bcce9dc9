/* authdb.c - the authorization server's SQLite file: open, schema, statement cache.
 * https://www.sqlite.org/wal.html  https://www.sqlite.org/pragma.html#pragma_user_version */
#include "authdb_internal.h"

#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/fg_mem.h"
#include "authdb_sessions.h"

/* Version 1. Times are seconds since the epoch; 0 means "none". Secrets
 * (tokens, codes, client secrets) are stored only as SHA-256 hex digests. */
static const char schema_v1[] =
    "CREATE TABLE clients("
    " client_id TEXT PRIMARY KEY, name TEXT NOT NULL,"
    " type INTEGER NOT NULL CHECK (type IN (0, 1, 2)),"
    " secret_digest TEXT, jwks TEXT, jwks_uri TEXT, scopes TEXT NOT NULL,"
    " created_at INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE client_redirect_uris("
    " client_id TEXT NOT NULL REFERENCES clients(client_id) ON DELETE CASCADE,"
    " uri TEXT NOT NULL, PRIMARY KEY (client_id, uri)) WITHOUT ROWID;"
    "CREATE TABLE accounts("
    " id INTEGER PRIMARY KEY, username TEXT NOT NULL COLLATE NOCASE UNIQUE,"
    " password_hash TEXT NOT NULL, patient_id TEXT,"
    " failed_count INTEGER NOT NULL DEFAULT 0, locked_until INTEGER NOT NULL DEFAULT 0,"
    " created_at INTEGER NOT NULL);"
    "CREATE TABLE proxies("
    " id INTEGER PRIMARY KEY,"
    " account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,"
    " patient_id TEXT NOT NULL, kind INTEGER NOT NULL CHECK (kind IN (0, 1, 2, 3)),"
    " start_at INTEGER NOT NULL, expires_at INTEGER NOT NULL DEFAULT 0,"
    " court_order TEXT, revoked_at INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX proxies_account ON proxies(account_id);"
    "CREATE INDEX proxies_patient ON proxies(patient_id);"
    "CREATE TABLE grants("
    " id TEXT PRIMARY KEY, account_id INTEGER, patient_id TEXT,"
    " client_id TEXT NOT NULL, scopes TEXT NOT NULL, granted_at INTEGER NOT NULL,"
    " last_used_at INTEGER NOT NULL DEFAULT 0, expires_at INTEGER NOT NULL DEFAULT 0,"
    " revoked_at INTEGER NOT NULL DEFAULT 0, revoked_by TEXT) WITHOUT ROWID;"
    "CREATE INDEX grants_account ON grants(account_id);"
    "CREATE INDEX grants_patient ON grants(patient_id);"
    "CREATE INDEX grants_client ON grants(client_id);"
    "CREATE TABLE tokens("
    " digest TEXT PRIMARY KEY, grant_id TEXT NOT NULL REFERENCES grants(id),"
    " kind INTEGER NOT NULL CHECK (kind IN (0, 1)), scopes TEXT NOT NULL,"
    " issued_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, parent_digest TEXT,"
    " revoked_at INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
    "CREATE INDEX tokens_grant ON tokens(grant_id);"
    "CREATE INDEX tokens_parent ON tokens(parent_digest) WHERE parent_digest IS NOT NULL;"
    "CREATE TABLE codes("
    " digest TEXT PRIMARY KEY, client_id TEXT NOT NULL, redirect_uri TEXT NOT NULL,"
    " code_challenge TEXT NOT NULL, scopes TEXT NOT NULL, patient_id TEXT,"
    " account_id INTEGER, grant_id TEXT, nonce TEXT, expires_at INTEGER NOT NULL,"
    " used_at INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
    "CREATE TABLE jti("
    " client_id TEXT NOT NULL, jti TEXT NOT NULL, expires_at INTEGER NOT NULL,"
    " PRIMARY KEY (client_id, jti)) WITHOUT ROWID;"
    "CREATE TABLE signing_keys("
    " kid TEXT PRIMARY KEY, private_jwk TEXT NOT NULL, created_at INTEGER NOT NULL,"
    " retire_at INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;";

/* Version 2: browser sessions at /auth and pending authorize requests
 * (authdb_sessions.h). Only the digest of a session id is stored. */
static const char schema_v2[] =
    "CREATE TABLE sessions("
    " digest TEXT PRIMARY KEY, account_id INTEGER NOT NULL DEFAULT 0,"
    " lang TEXT NOT NULL DEFAULT '', csrf TEXT NOT NULL,"
    " created_at INTEGER NOT NULL, last_seen_at INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE authz_requests("
    " id TEXT PRIMARY KEY, session_digest TEXT NOT NULL, client_id TEXT NOT NULL,"
    " redirect_uri TEXT NOT NULL, state TEXT NOT NULL, scopes TEXT NOT NULL,"
    " code_challenge TEXT NOT NULL, nonce TEXT, patient_id TEXT NOT NULL DEFAULT '',"
    " created_at INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX authz_requests_session ON authz_requests(session_digest);";

/* Version 3: sign-up activation codes (authdb_activation.h), digests only. */
static const char schema_v3[] =
    "CREATE TABLE activation_codes("
    " digest TEXT PRIMARY KEY, patient_id TEXT NOT NULL, created_at INTEGER NOT NULL,"
    " expires_at INTEGER NOT NULL, used_at INTEGER NOT NULL DEFAULT 0,"
    " account_id INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;";

/* Version 4: the audit log (authdb_audit.h); seq is the AuditEvent id. */
static const char schema_v4[] =
    "CREATE TABLE audit("
    " seq INTEGER PRIMARY KEY, at_us INTEGER NOT NULL, kind INTEGER NOT NULL,"
    " status INTEGER NOT NULL, client_id TEXT, account_id INTEGER NOT NULL DEFAULT 0,"
    " username TEXT, patient_id TEXT, grant_id TEXT, res_type TEXT, res_id TEXT,"
    " query TEXT, request_id TEXT);"
    "CREATE INDEX audit_patient ON audit(patient_id, seq) WHERE patient_id IS NOT NULL;"
    "CREATE INDEX audit_grant ON audit(grant_id, seq) WHERE grant_id IS NOT NULL;";

/* Version 5: the EHR launch (authdb_launch.h): clients' launch_uri, practitioner
 * accounts, launch contexts (digests only), the encounter of a grant and the
 * launch an authorize request came from. */
static const char schema_v5[] =
    "ALTER TABLE clients ADD COLUMN launch_uri TEXT;"
    "ALTER TABLE accounts ADD COLUMN practitioner_id TEXT;"
    "ALTER TABLE grants ADD COLUMN encounter_id TEXT;"
    "ALTER TABLE authz_requests ADD COLUMN encounter_id TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE authz_requests ADD COLUMN launch_account INTEGER NOT NULL DEFAULT 0;"
    "CREATE TABLE launches("
    " digest TEXT PRIMARY KEY, client_id TEXT NOT NULL, account_id INTEGER NOT NULL,"
    " patient_id TEXT NOT NULL DEFAULT '', encounter_id TEXT NOT NULL DEFAULT '',"
    " created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,"
    " used_at INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;";

/* Version 6: an EHR launch's further context (fhirContext) on the launch,
 * the authorize request and the grant. */
static const char schema_v6[] =
    "ALTER TABLE launches ADD COLUMN fhir_context TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE authz_requests ADD COLUMN fhir_context TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE grants ADD COLUMN fhir_context TEXT NOT NULL DEFAULT '';";

/* Version 7: each redirect URI's origin (scheme://authority, lower-cased), indexed, so
 * that the CORS check of a request is one index probe, not a scan of every client's URIs.
 * The backfill cuts a URI at the first '/', '?' or '#' after "://" like redirect_origin. */
static const char schema_v7[] =
    "ALTER TABLE client_redirect_uris ADD COLUMN origin TEXT NOT NULL DEFAULT '';"
    "UPDATE client_redirect_uris AS c SET origin = lower(substr(c.uri, 1, x.s + min("
    "  CASE instr(x.r, '/') WHEN 0 THEN length(x.r) + 1 ELSE instr(x.r, '/') END,"
    "  CASE instr(x.r, '?') WHEN 0 THEN length(x.r) + 1 ELSE instr(x.r, '?') END,"
    "  CASE instr(x.r, '#') WHEN 0 THEN length(x.r) + 1 ELSE instr(x.r, '#') END) - 1))"
    " FROM (SELECT client_id, uri, instr(uri, '://') + 2 AS s,"
    "  substr(uri, instr(uri, '://') + 3) AS r FROM client_redirect_uris"
    "  WHERE instr(uri, '://') > 0) AS x"
    " WHERE x.client_id = c.client_id AND x.uri = c.uri;"
    "CREATE INDEX client_redirect_uris_origin ON client_redirect_uris(origin);";

/* Each version's SQL, in order: a file at version v runs schemas[v..]. One
 * transaction covers them all, so a file is never partly migrated. */
static const char *const schemas[] = {schema_v1, schema_v2, schema_v3, schema_v4,
                                      schema_v5, schema_v6, schema_v7};
_Static_assert(sizeof schemas / sizeof schemas[0] == SMART_AUTHDB_SCHEMA_VERSION,
               "one schema string per auth database version");

int64_t authdb_now(const struct smart_authdb *db)
{
    return fg_clock_now_s(db->clock);
}

const struct fg_clock *smart_authdb_clock(const struct smart_authdb *db)
{
    return db->clock;
}

enum fg_status authdb_step_error(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_CONSTRAINT: return FG_ECONFLICT;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return FG_EBUSY;
    case SQLITE_NOMEM: return FG_ENOMEM;
    case SQLITE_TOOBIG: return FG_ETOOBIG;
    default: return FG_EIO;
    }
}

enum fg_status authdb_stmt(struct smart_authdb *db, enum authdb_stmt_id id, const char *sql,
                           sqlite3_stmt **out)
{
    sqlite3_stmt *s = db->stmts[id];
    if (!s) {
        int rc = sqlite3_prepare_v3(db->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL);
        if (rc != SQLITE_OK)
            return rc == SQLITE_NOMEM ? FG_ENOMEM : FG_EIO;
        db->stmts[id] = s;
    }
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    *out = s;
    return FG_OK;
}

void authdb_done(sqlite3_stmt *stmt)
{
    if (stmt)
        sqlite3_reset(stmt);
}

enum fg_status authdb_exec(sqlite3_stmt *stmt)
{
    int rc = sqlite3_step(stmt);
    enum fg_status st = rc == SQLITE_DONE || rc == SQLITE_ROW ? FG_OK : authdb_step_error(rc);
    sqlite3_reset(stmt);
    return st;
}

bool authdb_bind_str(sqlite3_stmt *stmt, int idx, struct fg_str s)
{
    if (!s.ptr)
        return sqlite3_bind_null(stmt, idx) == SQLITE_OK;
    if (s.len > (size_t)INT32_MAX)
        return false;
    return sqlite3_bind_text(stmt, idx, s.ptr, (int)s.len, SQLITE_TRANSIENT) == SQLITE_OK;
}

bool authdb_bind_cstr(sqlite3_stmt *stmt, int idx, const char *s)
{
    return authdb_bind_str(stmt, idx, s ? fg_str_c(s) : FG_STR_NULL);
}

bool authdb_bind_i64(sqlite3_stmt *stmt, int idx, int64_t v)
{
    return sqlite3_bind_int64(stmt, idx, v) == SQLITE_OK;
}

enum fg_status authdb_col_copy(sqlite3_stmt *stmt, int col, char *buf, size_t size)
{
    const unsigned char *t = sqlite3_column_text(stmt, col);
    size_t n = (size_t)sqlite3_column_bytes(stmt, col);
    buf[0] = '\0';
    if (!t)
        return FG_OK;
    if (n >= size)
        return FG_ETOOBIG;
    memcpy(buf, t, n);
    buf[n] = '\0';
    return FG_OK;
}

enum fg_status authdb_cols_copy(sqlite3_stmt *stmt, const struct authdb_text_col *cols, size_t n)
{
    enum fg_status st = FG_OK;
    for (size_t i = 0; i < n && st == FG_OK; i++)
        st = authdb_col_copy(stmt, cols[i].col, cols[i].buf, cols[i].size);
    return st;
}

enum fg_status authdb_step_rows(sqlite3_stmt *stmt,
                                enum fg_status (*row)(void *arg, sqlite3_stmt *stmt), void *arg)
{
    enum fg_status st = FG_OK;
    while (st == FG_OK) {
        int rc = sqlite3_step(stmt);
        if (rc == SQLITE_DONE)
            break;
        st = rc == SQLITE_ROW ? row(arg, stmt) : authdb_step_error(rc);
    }
    authdb_done(stmt);
    return st;
}

enum fg_status authdb_col_dup(sqlite3_stmt *stmt, int col, char **out)
{
    const unsigned char *t = sqlite3_column_text(stmt, col);
    *out = NULL;
    if (!t)
        return sqlite3_errcode(sqlite3_db_handle(stmt)) == SQLITE_NOMEM ? FG_ENOMEM : FG_OK;
    *out = fg_strndup((const char *)t, (size_t)sqlite3_column_bytes(stmt, col));
    return *out ? FG_OK : FG_ENOMEM;
}

static enum fg_status exec_sql(sqlite3 *db, const char *sql, struct fg_error *err)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc == SQLITE_OK)
        return FG_OK;
    enum fg_status st = authdb_step_error(rc);
    fg_error_set(err, st, NULL, "auth database: %s", msg ? msg : sqlite3_errstr(rc));
    sqlite3_free(msg);
    return st;
}

static enum fg_status user_version(sqlite3 *db, int *out)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK)
        return FG_EIO;
    enum fg_status st = FG_EIO;
    if (sqlite3_step(s) == SQLITE_ROW) {
        *out = sqlite3_column_int(s, 0);
        st = FG_OK;
    }
    sqlite3_finalize(s);
    return st;
}

/* Creates the tables in one transaction; a second process racing us waits
 * on the write lock and then sees the version already set. */
static enum fg_status migrate(sqlite3 *db, struct fg_error *err)
{
    int v = 0;
    enum fg_status st = exec_sql(db, "BEGIN IMMEDIATE", err);
    if (st != FG_OK)
        return st;
    st = user_version(db, &v);
    if (st != FG_OK) {
        fg_error_set(err, st, NULL, "auth database: cannot read the schema version");
        goto out;
    }
    if (v > SMART_AUTHDB_SCHEMA_VERSION) {
        st = fg_error_set(err, FG_EIO, NULL,
                          "auth database schema %d is newer than this fhirgate (%d)", v,
                          SMART_AUTHDB_SCHEMA_VERSION);
        goto out;
    }
    for (int i = v; st == FG_OK && i < SMART_AUTHDB_SCHEMA_VERSION; i++)
        st = exec_sql(db, schemas[i], err);
    if (st == FG_OK && v < SMART_AUTHDB_SCHEMA_VERSION) {
        char pragma[48];
        int n = snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d",
                         SMART_AUTHDB_SCHEMA_VERSION);
        st = n > 0 && (size_t)n < sizeof pragma ? exec_sql(db, pragma, err) : FG_EIO;
    }
out:
    if (st == FG_OK)
        return exec_sql(db, "COMMIT", err);
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return st;
}

/* The file holds key material and account data: create it owner-only. */
static enum fg_status create_private_file(const char *path, struct fg_error *err)
{
    if (strcmp(path, ":memory:") == 0)
        return FG_OK;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
        close(fd);
        return FG_OK;
    }
    if (errno == EEXIST)
        return FG_OK;
    return fg_error_set(err, FG_EIO, NULL, "cannot create the auth database %s: %s", path,
                        strerror(errno));
}

static enum fg_status open_epoch(struct smart_authdb *db, const char *path, struct fg_error *err)
{
    if (strcmp(path, ":memory:") == 0)
        return fg_epoch_open(NULL, &db->epoch, err);
    char epoch_path[4096];
    int n = snprintf(epoch_path, sizeof epoch_path, "%s-epoch", path);
    if (n < 0 || (size_t)n >= sizeof epoch_path)
        return fg_error_set(err, FG_EIO, NULL, "auth database path too long");
    return fg_epoch_open(epoch_path, &db->epoch, err);
}

enum fg_status smart_authdb_open(const char *path, const struct fg_clock *clock,
                                 const struct smart_authdb_options *opt, struct smart_authdb **out,
                                 struct fg_error *err)
{
    struct smart_authdb *db = NULL;
    enum fg_status st = create_private_file(path, err);
    if (st != FG_OK)
        return st;
    db = fg_calloc(1, sizeof *db);
    if (!db)
        return fg_error_set(err, FG_ENOMEM, NULL, "out of memory");
    db->clock = clock;
    if (opt)
        db->opt = *opt;
    if (db->opt.busy_timeout_ms <= 0)
        db->opt.busy_timeout_ms = 5000;
    if (db->opt.lockout_failures <= 0)
        db->opt.lockout_failures = 5;
    if (db->opt.lockout_minutes <= 0)
        db->opt.lockout_minutes = 10;
    int rc = sqlite3_open_v2(path, &db->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        st = fg_error_set(err, authdb_step_error(rc), NULL, "cannot open the auth database %s: %s",
                          path, db->db ? sqlite3_errmsg(db->db) : sqlite3_errstr(rc));
        goto out;
    }
    sqlite3_busy_timeout(db->db, db->opt.busy_timeout_ms);
    st = exec_sql(db->db,
                  "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
                  " PRAGMA foreign_keys = ON; PRAGMA trusted_schema = OFF;",
                  err);
    if (st == FG_OK)
        st = migrate(db->db, err);
    if (st == FG_OK)
        st = open_epoch(db, path, err);
out:
    if (st != FG_OK) {
        smart_authdb_close(&db);
        return st;
    }
    *out = db;
    return FG_OK;
}

void smart_authdb_close(struct smart_authdb **pdb)
{
    if (!pdb || !*pdb)
        return;
    struct smart_authdb *db = *pdb;
    for (size_t i = 0; i < AUTHDB_STMT_COUNT; i++)
        sqlite3_finalize(db->stmts[i]);
    sqlite3_close(db->db);
    fg_epoch_close(&db->epoch);
    authdb_tokcache_cleanup(&db->tokcache);
    authdb_portalcache_cleanup(&db->portalcache);
    fg_free(db);
    *pdb = NULL;
}

enum fg_status smart_authdb_begin_write(struct smart_authdb *db)
{
    sqlite3_stmt *s;
    enum fg_status st = authdb_stmt(db, AUTHDB_BEGIN, "BEGIN IMMEDIATE", &s);
    return st == FG_OK ? authdb_exec(s) : st;
}

enum fg_status smart_authdb_commit(struct smart_authdb *db)
{
    sqlite3_stmt *s;
    enum fg_status st = authdb_stmt(db, AUTHDB_COMMIT, "COMMIT", &s);
    if (st == FG_OK)
        st = authdb_exec(s);
    if (st == FG_OK && db->epoch_pending) {
        db->epoch_pending = false;
        fg_epoch_bump(&db->epoch);
    }
    return st;
}

void authdb_revoked(struct smart_authdb *db)
{
    if (sqlite3_get_autocommit(db->db))
        fg_epoch_bump(&db->epoch);
    else
        db->epoch_pending = true;
}

uint64_t smart_authdb_revocation_epoch(const struct smart_authdb *db)
{
    return fg_epoch_read(&db->epoch);
}

void smart_authdb_rollback(struct smart_authdb *db)
{
    sqlite3_stmt *s;
    db->epoch_pending = false;
    if (sqlite3_get_autocommit(db->db))
        return;
    if (authdb_stmt(db, AUTHDB_ROLLBACK, "ROLLBACK", &s) == FG_OK)
        (void)authdb_exec(s);
}

static enum fg_status purge_one(struct smart_authdb *db, enum authdb_stmt_id id, const char *sql,
                                int64_t before, int64_t *deleted)
{
    sqlite3_stmt *s;
    enum fg_status st = authdb_stmt(db, id, sql, &s);
    if (st != FG_OK)
        return st;
    if (!authdb_bind_i64(s, 1, before))
        return FG_ENOMEM;
    st = authdb_exec(s);
    if (st == FG_OK)
        *deleted += sqlite3_changes(db->db);
    return st;
}

enum fg_status smart_authdb_purge(struct smart_authdb *db, int64_t *deleted)
{
    int64_t now = authdb_now(db), n = 0;
    enum fg_status st =
        purge_one(db, AUTHDB_PURGE_JTI, "DELETE FROM jti WHERE expires_at <= ?1", now, &n);
    if (st == FG_OK)
        st = purge_one(db, AUTHDB_PURGE_CODES, "DELETE FROM codes WHERE expires_at <= ?1",
                       now - 86400, &n);
    if (st == FG_OK)
        st = purge_one(db, AUTHDB_PURGE_TOKENS, "DELETE FROM tokens WHERE expires_at <= ?1",
                       now - 86400, &n);
    if (st == FG_OK)
        st = purge_one(db, AUTHDB_PURGE_SESSIONS, "DELETE FROM sessions WHERE last_seen_at <= ?1",
                       now - 86400, &n);
    if (st == FG_OK)
        st = purge_one(db, AUTHDB_PURGE_ACTIVATION,
                       "DELETE FROM activation_codes WHERE expires_at <= ?1 AND used_at = 0",
                       now - 86400, &n);
    if (st == FG_OK)
        st = purge_one(db, AUTHDB_PURGE_AUTHZREQ,
                       "DELETE FROM authz_requests WHERE created_at <= ?1",
                       now - SMART_AUTHZ_REQ_LIFETIME_S, &n);
    if (st == FG_OK)
        st = purge_one(db, AUTHDB_PURGE_LAUNCHES, "DELETE FROM launches WHERE expires_at <= ?1",
                       now - 86400, &n);
    if (deleted)
        *deleted = n;
    return st;
}
