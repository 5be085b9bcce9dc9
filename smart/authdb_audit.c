/* authdb_audit.c - the audit log table (see authdb_audit.h). */
#include "authdb_audit.h"

#include <string.h>

#include "authdb_internal.h"

static const struct {
    const char *code;
    char action;
} kinds[SMART_AUDIT_KIND_COUNT] = {
    [SMART_AUDIT_READ] = {"read", 'R'},
    [SMART_AUDIT_VREAD] = {"vread", 'R'},
    [SMART_AUDIT_SEARCH] = {"search-type", 'E'},
    [SMART_AUDIT_HISTORY] = {"history", 'R'},
    [SMART_AUDIT_CREATE] = {"create", 'C'},
    [SMART_AUDIT_UPDATE] = {"update", 'U'},
    [SMART_AUDIT_DELETE] = {"delete", 'D'},
    [SMART_AUDIT_BATCH] = {"batch", 'E'},
    [SMART_AUDIT_TRANSACTION] = {"transaction", 'E'},
    [SMART_AUDIT_OPERATION] = {"operation", 'E'},
    [SMART_AUDIT_AUTHORIZE] = {"authorize", 'E'},
    [SMART_AUDIT_GRANT] = {"grant", 'C'},
    [SMART_AUDIT_DENY] = {"deny", 'E'},
    [SMART_AUDIT_TOKEN] = {"token", 'E'},
    [SMART_AUDIT_REFRESH] = {"refresh", 'E'},
    [SMART_AUDIT_REVOKE] = {"revoke", 'D'},
    [SMART_AUDIT_SIGNIN] = {"signin", 'E'},
    [SMART_AUDIT_SIGNIN_FAILED] = {"signin-failed", 'E'},
    [SMART_AUDIT_LOCKOUT] = {"lockout", 'E'},
    [SMART_AUDIT_LAUNCH] = {"launch", 'E'},
};

const char *smart_audit_kind_code(enum smart_audit_kind k)
{
    return (unsigned)k < SMART_AUDIT_KIND_COUNT ? kinds[k].code : "unknown";
}

char smart_audit_kind_action(enum smart_audit_kind k)
{
    return (unsigned)k < SMART_AUDIT_KIND_COUNT ? kinds[k].action : 'E';
}

bool smart_audit_kind_is_rest(enum smart_audit_kind k)
{
    return (unsigned)k <= SMART_AUDIT_OPERATION;
}

#define AUDIT_COLUMNS                                                                              \
    "seq, at_us, kind, status, client_id, account_id, username, patient_id, grant_id,"             \
    " res_type, res_id, query, request_id"

static const char *opt(const char *s)
{
    return s[0] ? s : NULL;
}

#define AUDIT_INSERT                                                                               \
    "INSERT INTO audit(at_us, kind, status, client_id, account_id, username, patient_id,"          \
    " grant_id, res_type, res_id, query, request_id) VALUES "
#define AUDIT_PARAMS 12 /* per row */
#define AUDIT_ROW "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
#define AUDIT_ROWS4 AUDIT_ROW ", " AUDIT_ROW ", " AUDIT_ROW ", " AUDIT_ROW
#define AUDIT_MANY 16 /* rows per multi-row INSERT: one statement run instead of 16 */

/* Binds row r to the 12 parameters from base + 1. The rows outlive the
 * statement's run (the caller's batch), so text is bound without a copy;
 * authdb_stmt clears the bindings before the statement's next use. */
static bool bind_row(sqlite3_stmt *s, int base, const struct smart_audit_row *r)
{
    const char *text[] = {opt(r->client_id), opt(r->username), opt(r->patient_id),
                          opt(r->grant_id),  opt(r->res_type), opt(r->res_id),
                          opt(r->query),     opt(r->request_id)};
    static const int text_idx[] = {4, 6, 7, 8, 9, 10, 11, 12};
    if (sqlite3_bind_int64(s, base + 1, r->at_us) != SQLITE_OK ||
        sqlite3_bind_int64(s, base + 2, r->kind) != SQLITE_OK ||
        sqlite3_bind_int64(s, base + 3, r->status) != SQLITE_OK ||
        sqlite3_bind_int64(s, base + 5, r->account_id) != SQLITE_OK)
        return false;
    for (size_t i = 0; i < sizeof text / sizeof text[0]; i++) {
        int rc = text[i] ? sqlite3_bind_text(s, base + text_idx[i], text[i], -1, SQLITE_STATIC)
                         : sqlite3_bind_null(s, base + text_idx[i]);
        if (rc != SQLITE_OK)
            return false;
    }
    return true;
}

/* Inserts rows[0..n) in order: AUDIT_MANY at a time, the rest one by one. */
static enum fg_status insert_rows(struct smart_authdb *db, const struct smart_audit_row *rows,
                                  size_t n)
{
    size_t i = 0;
    enum fg_status st = FG_OK;
    while (st == FG_OK && i < n) {
        bool many = n - i >= AUDIT_MANY;
        size_t k = many ? AUDIT_MANY : 1;
        sqlite3_stmt *s;
        st = many ? authdb_stmt(db, AUTHDB_AUDIT_ADD_MANY,
                                AUDIT_INSERT AUDIT_ROWS4 ", " AUDIT_ROWS4 ", " AUDIT_ROWS4
                                             ", " AUDIT_ROWS4,
                                &s)
                  : authdb_stmt(db, AUTHDB_AUDIT_ADD, AUDIT_INSERT AUDIT_ROW, &s);
        for (size_t j = 0; st == FG_OK && j < k; j++)
            if (!bind_row(s, (int)(j * AUDIT_PARAMS), &rows[i + j]))
                st = FG_ENOMEM;
        if (st == FG_OK)
            st = authdb_exec(s);
        i += k;
    }
    return st;
}

#define TOUCHED_MAX 32 /* distinct grants remembered per batch */

/* Touches each distinct grant of a batch's successful REST rows once: the
 * grants seen so far are remembered (a batch is usually one or a few
 * grants), not searched for among all earlier rows; past TOUCHED_MAX a
 * grant may be touched twice, which changes nothing. */
static enum fg_status touch_grants(struct smart_authdb *db, const struct smart_audit_row *rows,
                                   size_t n)
{
    const char *touched[TOUCHED_MAX];
    size_t n_touched = 0;
    enum fg_status st = FG_OK;
    for (size_t i = 0; i < n && st == FG_OK; i++) {
        const struct smart_audit_row *r = &rows[i];
        if (!r->grant_id[0] || r->status >= 400 || !smart_audit_kind_is_rest(r->kind))
            continue;
        bool seen = false;
        for (size_t k = 0; k < n_touched && !seen; k++)
            seen = strcmp(touched[k], r->grant_id) == 0;
        if (seen)
            continue;
        st = smart_authdb_grant_touch(db, fg_str_c(r->grant_id), SMART_AUDIT_TOUCH_S);
        if (n_touched < TOUCHED_MAX)
            touched[n_touched++] = r->grant_id;
    }
    return st;
}

enum fg_status smart_authdb_audit_append(struct smart_authdb *db,
                                         const struct smart_audit_row *rows, size_t n)
{
    if (n == 0)
        return FG_OK;
    enum fg_status st = smart_authdb_begin_write(db);
    if (st != FG_OK)
        return st;
    st = insert_rows(db, rows, n);
    if (st == FG_OK)
        st = touch_grants(db, rows, n);
    if (st == FG_OK)
        st = smart_authdb_commit(db);
    if (st != FG_OK)
        smart_authdb_rollback(db);
    return st;
}

static enum fg_status read_row(sqlite3_stmt *s, struct smart_audit_row *r)
{
    memset(r, 0, sizeof *r);
    r->seq = sqlite3_column_int64(s, 0);
    r->at_us = sqlite3_column_int64(s, 1);
    r->kind = (enum smart_audit_kind)sqlite3_column_int(s, 2);
    r->status = sqlite3_column_int(s, 3);
    r->account_id = sqlite3_column_int64(s, 5);
    const struct authdb_text_col cols[] = {
        {4, r->client_id, sizeof r->client_id},   {6, r->username, sizeof r->username},
        {7, r->patient_id, sizeof r->patient_id}, {8, r->grant_id, sizeof r->grant_id},
        {9, r->res_type, sizeof r->res_type},     {10, r->res_id, sizeof r->res_id},
        {11, r->query, sizeof r->query},          {12, r->request_id, sizeof r->request_id},
    };
    return authdb_cols_copy(s, cols, sizeof cols / sizeof cols[0]);
}

enum fg_status smart_authdb_audit_get(struct smart_authdb *db, int64_t seq,
                                      struct smart_audit_row *out)
{
    sqlite3_stmt *s;
    enum fg_status st =
        authdb_stmt(db, AUTHDB_AUDIT_GET, "SELECT " AUDIT_COLUMNS " FROM audit WHERE seq = ?1", &s);
    if (st != FG_OK)
        return st;
    if (!authdb_bind_i64(s, 1, seq))
        return FG_ENOMEM;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        st = read_row(s, out);
    else
        st = rc == SQLITE_DONE ? FG_ENOTFOUND : authdb_step_error(rc);
    authdb_done(s);
    return st;
}

/* The statement for the filter: by patient, by grant, or all; the other
 * bounds are always bound (?2 before_seq, ?3 since, ?4 until, ?5 limit). */
static enum fg_status list_stmt(struct smart_authdb *db, const struct smart_audit_filter *f,
                                sqlite3_stmt **out)
{
#define AUDIT_BOUNDS " seq < ?2 AND at_us >= ?3 AND at_us < ?4 ORDER BY seq DESC LIMIT ?5"
    enum fg_status st;
    if (f->patient_id && f->patient_id[0])
        st = authdb_stmt(
            db, AUTHDB_AUDIT_LIST_PATIENT,
            "SELECT " AUDIT_COLUMNS " FROM audit WHERE patient_id = ?1 AND" AUDIT_BOUNDS, out);
    else if (f->grant_id && f->grant_id[0])
        st = authdb_stmt(db, AUTHDB_AUDIT_LIST_GRANT,
                         "SELECT " AUDIT_COLUMNS " FROM audit WHERE grant_id = ?1 AND" AUDIT_BOUNDS,
                         out);
    else
        st = authdb_stmt(db, AUTHDB_AUDIT_LIST_ALL,
                         "SELECT " AUDIT_COLUMNS " FROM audit WHERE ?1 IS NULL AND" AUDIT_BOUNDS,
                         out);
#undef AUDIT_BOUNDS
    if (st != FG_OK)
        return st;
    const char *key = f->patient_id && f->patient_id[0] ? f->patient_id
                      : f->grant_id && f->grant_id[0]   ? f->grant_id
                                                        : NULL;
    int limit = f->limit < 1                      ? 1
                : f->limit > SMART_AUDIT_MAX_LIST ? SMART_AUDIT_MAX_LIST
                                                  : f->limit;
    if (!authdb_bind_cstr(*out, 1, key) ||
        !authdb_bind_i64(*out, 2, f->before_seq > 0 ? f->before_seq : INT64_MAX) ||
        !authdb_bind_i64(*out, 3, f->since_us) ||
        !authdb_bind_i64(*out, 4, f->until_us > 0 ? f->until_us : INT64_MAX) ||
        !authdb_bind_i64(*out, 5, limit))
        return FG_ENOMEM;
    return FG_OK;
}

struct row_walk {
    smart_audit_fn fn;
    void *arg;
};

static enum fg_status row_of(void *arg, sqlite3_stmt *s)
{
    const struct row_walk *w = arg;
    struct smart_audit_row row;
    enum fg_status st = read_row(s, &row);
    return st == FG_OK ? w->fn(w->arg, &row) : st;
}

/* Steps s to its end, fn per row; resets s. */
static enum fg_status walk_rows(sqlite3_stmt *s, smart_audit_fn fn, void *arg)
{
    struct row_walk w = {fn, arg};
    return authdb_step_rows(s, row_of, &w);
}

enum fg_status smart_authdb_audit_list(struct smart_authdb *db, const struct smart_audit_filter *f,
                                       smart_audit_fn fn, void *arg)
{
    sqlite3_stmt *s;
    enum fg_status st = list_stmt(db, f, &s);
    if (st != FG_OK)
        return st;
    return walk_rows(s, fn, arg);
}

struct count_walk {
    smart_audit_count_fn fn;
    void *arg;
};

static enum fg_status count_of(void *arg, sqlite3_stmt *s)
{
    const struct count_walk *w = arg;
    char type[SMART_AUDIT_MAX_TYPE + 1];
    enum fg_status st = authdb_col_copy(s, 0, type, sizeof type);
    return st == FG_OK ? w->fn(w->arg, type, (enum smart_audit_kind)sqlite3_column_int(s, 1),
                               sqlite3_column_int64(s, 2))
                       : st;
}

enum fg_status smart_authdb_audit_counts(struct smart_authdb *db, struct fg_str grant_id,
                                         smart_audit_count_fn fn, void *arg)
{
    sqlite3_stmt *s;
    enum fg_status st = authdb_stmt(db, AUTHDB_AUDIT_COUNTS,
                                    "SELECT res_type, kind, count(*) FROM audit"
                                    " WHERE grant_id = ?1 AND status < 400 AND kind <= ?2"
                                    " AND res_type IS NOT NULL"
                                    " GROUP BY res_type, kind ORDER BY res_type, kind",
                                    &s);
    if (st != FG_OK)
        return st;
    if (!authdb_bind_str(s, 1, grant_id) || !authdb_bind_i64(s, 2, SMART_AUDIT_OPERATION))
        return FG_ENOMEM;
    struct count_walk w = {fn, arg};
    return authdb_step_rows(s, count_of, &w);
}

/* *old: is the oldest row (by seq) recorded before before_us? One index
 * step, so a prune with nothing to do never takes the write lock. */
static enum fg_status oldest_before(struct smart_authdb *db, int64_t before_us, bool *old)
{
    sqlite3_stmt *s;
    enum fg_status st = authdb_stmt(db, AUTHDB_AUDIT_OLDEST,
                                    "SELECT at_us FROM audit ORDER BY seq LIMIT 1", &s);
    if (st != FG_OK)
        return st;
    int rc = sqlite3_step(s);
    *old = rc == SQLITE_ROW && sqlite3_column_int64(s, 0) < before_us;
    st = rc == SQLITE_ROW || rc == SQLITE_DONE ? FG_OK : authdb_step_error(rc);
    authdb_done(s);
    return st;
}

enum fg_status smart_authdb_audit_prune(struct smart_authdb *db, int64_t before_us, int max,
                                        int *deleted)
{
    sqlite3_stmt *s;
    bool old = false;
    *deleted = 0;
    enum fg_status st = oldest_before(db, before_us, &old);
    if (st != FG_OK || !old)
        return st;
    st = smart_authdb_begin_write(db);
    if (st != FG_OK)
        return st;
    /* Rows are appended with the clock's time, so seq order is time order:
     * only the first max rows are looked at (never a scan of the table). */
    st = authdb_stmt(db, AUTHDB_AUDIT_PRUNE,
                     "DELETE FROM audit WHERE seq IN (SELECT seq FROM audit ORDER BY seq"
                     " LIMIT ?2) AND at_us < ?1",
                     &s);
    if (st == FG_OK && (!authdb_bind_i64(s, 1, before_us) || !authdb_bind_i64(s, 2, max)))
        st = FG_ENOMEM;
    if (st == FG_OK)
        st = authdb_exec(s);
    if (st == FG_OK)
        *deleted = sqlite3_changes(db->db);
    if (st == FG_OK)
        st = smart_authdb_commit(db);
    if (st != FG_OK) {
        smart_authdb_rollback(db);
        *deleted = 0;
    }
    return st;
}

enum fg_status smart_authdb_audit_export(struct smart_authdb *db, int64_t since_us,
                                         const char *patient_id, smart_audit_fn fn, void *arg)
{
    sqlite3_stmt *s;
    enum fg_status st = authdb_stmt(db, AUTHDB_AUDIT_EXPORT,
                                    "SELECT " AUDIT_COLUMNS " FROM audit WHERE at_us >= ?1"
                                    " AND (?2 IS NULL OR patient_id = ?2) ORDER BY seq",
                                    &s);
    if (st != FG_OK)
        return st;
    if (!authdb_bind_i64(s, 1, since_us) ||
        !authdb_bind_cstr(s, 2, patient_id && patient_id[0] ? patient_id : NULL))
        return FG_ENOMEM;
    return walk_rows(s, fn, arg);
}
