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

static enum fg_status insert_row(struct smart_authdb *db, const struct smart_audit_row *r)
{
    sqlite3_stmt *s;
    enum fg_status st = authdb_stmt(db, AUTHDB_AUDIT_ADD,
                                    "INSERT INTO audit(at_us, kind, status, client_id, account_id,"
                                    " username, patient_id, grant_id, res_type, res_id, query,"
                                    " request_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
                                    " ?10, ?11, ?12)",
                                    &s);
    if (st != FG_OK)
        return st;
    if (!authdb_bind_i64(s, 1, r->at_us) || !authdb_bind_i64(s, 2, r->kind) ||
        !authdb_bind_i64(s, 3, r->status) || !authdb_bind_cstr(s, 4, opt(r->client_id)) ||
        !authdb_bind_i64(s, 5, r->account_id) || !authdb_bind_cstr(s, 6, opt(r->username)) ||
        !authdb_bind_cstr(s, 7, opt(r->patient_id)) || !authdb_bind_cstr(s, 8, opt(r->grant_id)) ||
        !authdb_bind_cstr(s, 9, opt(r->res_type)) || !authdb_bind_cstr(s, 10, opt(r->res_id)) ||
        !authdb_bind_cstr(s, 11, opt(r->query)) || !authdb_bind_cstr(s, 12, opt(r->request_id)))
        return FG_ENOMEM;
    return authdb_exec(s);
}

/* True when an earlier row of the batch names the same grant. */
static bool seen_grant(const struct smart_audit_row *rows, size_t i)
{
    for (size_t j = 0; j < i; j++)
        if (strcmp(rows[j].grant_id, rows[i].grant_id) == 0)
            return true;
    return false;
}

enum fg_status smart_authdb_audit_append(struct smart_authdb *db,
                                         const struct smart_audit_row *rows, size_t n)
{
    if (n == 0)
        return FG_OK;
    enum fg_status st = smart_authdb_begin_write(db);
    if (st != FG_OK)
        return st;
    for (size_t i = 0; i < n && st == FG_OK; i++)
        st = insert_row(db, &rows[i]);
    for (size_t i = 0; i < n && st == FG_OK; i++)
        if (rows[i].grant_id[0] && rows[i].status < 400 && smart_audit_kind_is_rest(rows[i].kind) &&
            !seen_grant(rows, i))
            st = smart_authdb_grant_touch(db, fg_str_c(rows[i].grant_id), SMART_AUDIT_TOUCH_S);
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
    enum fg_status st = authdb_col_copy(s, 4, r->client_id, sizeof r->client_id);
    if (st == FG_OK)
        st = authdb_col_copy(s, 6, r->username, sizeof r->username);
    if (st == FG_OK)
        st = authdb_col_copy(s, 7, r->patient_id, sizeof r->patient_id);
    if (st == FG_OK)
        st = authdb_col_copy(s, 8, r->grant_id, sizeof r->grant_id);
    if (st == FG_OK)
        st = authdb_col_copy(s, 9, r->res_type, sizeof r->res_type);
    if (st == FG_OK)
        st = authdb_col_copy(s, 10, r->res_id, sizeof r->res_id);
    if (st == FG_OK)
        st = authdb_col_copy(s, 11, r->query, sizeof r->query);
    if (st == FG_OK)
        st = authdb_col_copy(s, 12, r->request_id, sizeof r->request_id);
    return st;
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

enum fg_status smart_authdb_audit_list(struct smart_authdb *db, const struct smart_audit_filter *f,
                                       smart_audit_fn fn, void *arg)
{
    sqlite3_stmt *s;
    enum fg_status st = list_stmt(db, f, &s);
    if (st != FG_OK)
        return st;
    struct smart_audit_row row;
    while (st == FG_OK) {
        int rc = sqlite3_step(s);
        if (rc == SQLITE_DONE)
            break;
        if (rc != SQLITE_ROW) {
            st = authdb_step_error(rc);
            break;
        }
        st = read_row(s, &row);
        if (st == FG_OK)
            st = fn(arg, &row);
    }
    authdb_done(s);
    return st;
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
    char type[SMART_AUDIT_MAX_TYPE + 1];
    while (st == FG_OK) {
        int rc = sqlite3_step(s);
        if (rc == SQLITE_DONE)
            break;
        if (rc != SQLITE_ROW) {
            st = authdb_step_error(rc);
            break;
        }
        st = authdb_col_copy(s, 0, type, sizeof type);
        if (st == FG_OK)
            st = fn(arg, type, (enum smart_audit_kind)sqlite3_column_int(s, 1),
                    sqlite3_column_int64(s, 2));
    }
    authdb_done(s);
    return st;
}
