/* authdb_accounts.c - portal accounts, sign-in lockout and proxies (portal-rules.md). */
#include "authdb_accounts.h"

#include <string.h>

#include "authdb_internal.h"

/* One INSERT for both kinds: a portal account (patient_id, may be empty) or
 * a practitioner account (practitioner_id); either id, when given, a FHIR id. */
static enum fg_status add_account(struct smart_authdb *db, struct fg_str username,
                                  const char *password_hash, struct fg_str patient_id,
                                  struct fg_str practitioner_id, int64_t *id)
{
    if (username.len == 0 || username.len > SMART_MAX_USERNAME || !password_hash ||
        !password_hash[0] || strlen(password_hash) >= SMART_PASSWORD_HASH_MAX ||
        (patient_id.len && !fg_is_fhir_id(patient_id)) ||
        (practitioner_id.len && !fg_is_fhir_id(practitioner_id)))
        return FG_EINVAL;
    sqlite3_stmt *s;
    enum fg_status st = authdb_stmt(db, AUTHDB_ACCOUNT_ADD,
                                    "INSERT INTO accounts(username, password_hash, patient_id,"
                                    " created_at, practitioner_id) VALUES (?1, ?2, ?3, ?4, ?5)",
                                    &s);
    if (st != FG_OK)
        return st;
    if (!authdb_bind_str(s, 1, username) || !authdb_bind_cstr(s, 2, password_hash) ||
        !authdb_bind_str(s, 3, patient_id.len ? patient_id : FG_STR_NULL) ||
        !authdb_bind_i64(s, 4, authdb_now(db)) ||
        !authdb_bind_str(s, 5, practitioner_id.len ? practitioner_id : FG_STR_NULL))
        return FG_ENOMEM;
    st = authdb_exec(s);
    if (st == FG_OK && id)
        *id = sqlite3_last_insert_rowid(db->db);
    return st;
}

enum fg_status smart_authdb_account_add(struct smart_authdb *db, struct fg_str username,
                                        const char *password_hash, struct fg_str patient_id,
                                        int64_t *id)
{
    return add_account(db, username, password_hash, patient_id, FG_STR_NULL, id);
}

enum fg_status smart_authdb_account_add_practitioner(struct smart_authdb *db,
                                                     struct fg_str username,
                                                     const char *password_hash,
                                                     struct fg_str practitioner_id, int64_t *id)
{
    if (practitioner_id.len == 0)
        return FG_EINVAL;
    return add_account(db, username, password_hash, FG_STR_NULL, practitioner_id, id);
}

#define ACCOUNT_COLUMNS \
    "id, username, password_hash, patient_id, failed_count, locked_until, created_at," \
    " practitioner_id"

static enum fg_status read_account(sqlite3_stmt *s, struct smart_account *out)
{
    int rc = sqlite3_step(s);
    if (rc != SQLITE_ROW)
        return rc == SQLITE_DONE ? FG_ENOTFOUND : authdb_step_error(rc);
    out->id = sqlite3_column_int64(s, 0);
    out->failed_count = sqlite3_column_int(s, 4);
    out->locked_until = sqlite3_column_int64(s, 5);
    out->created_at = sqlite3_column_int64(s, 6);
    enum fg_status st = authdb_col_copy(s, 1, out->username, sizeof out->username);
    if (st == FG_OK)
        st = authdb_col_copy(s, 2, out->password_hash, sizeof out->password_hash);
    if (st == FG_OK)
        st = authdb_col_copy(s, 3, out->patient_id, sizeof out->patient_id);
    if (st == FG_OK)
        st = authdb_col_copy(s, 7, out->practitioner_id, sizeof out->practitioner_id);
    return st;
}

enum fg_status smart_authdb_account_get(struct smart_authdb *db, struct fg_str username,
                                        struct smart_account *out)
{
    sqlite3_stmt *s;
    memset(out, 0, sizeof *out);
    enum fg_status st = authdb_stmt(
        db, AUTHDB_ACCOUNT_GET, "SELECT " ACCOUNT_COLUMNS " FROM accounts WHERE username = ?1", &s);
    if (st != FG_OK)
        return st;
    if (!authdb_bind_str(s, 1, username))
        return FG_ENOMEM;
    st = read_account(s, out);
    authdb_done(s);
    return st;
}

enum fg_status smart_authdb_account_get_by_id(struct smart_authdb *db, int64_t id,
                                              struct smart_account *out)
{
    sqlite3_stmt *s;
    memset(out, 0, sizeof *out);
    enum fg_status st = authdb_stmt(db, AUTHDB_ACCOUNT_GET_ID,
                                    "SELECT " ACCOUNT_COLUMNS " FROM accounts WHERE id = ?1", &s);
    if (st != FG_OK)
        return st;
    if (!authdb_bind_i64(s, 1, id))
        return FG_ENOMEM;
    st = read_account(s, out);
    authdb_done(s);
    return st;
}

enum fg_status smart_authdb_account_set_password(struct smart_authdb *db, int64_t id,
                                                 const char *password_hash)
{
    if (!password_hash || !password_hash[0] || strlen(password_hash) >= SMART_PASSWORD_HASH_MAX)
        return FG_EINVAL;
    sqlite3_stmt *s;
    enum fg_status st = authdb_stmt(db, AUTHDB_ACCOUNT_SET_PASSWORD,
                                    "UPDATE accounts SET password_hash = ?2, failed_count = 0"
                                    " WHERE id = ?1",
                                    &s);
    if (st != FG_OK)
        return st;
    if (!authdb_bind_i64(s, 1, id) || !authdb_bind_cstr(s, 2, password_hash))
        return FG_ENOMEM;
    st = authdb_exec(s);
    if (st == FG_OK && sqlite3_changes(db->db) == 0)
        st = FG_ENOTFOUND;
    return st;
}

enum fg_status smart_authdb_account_signin_state(struct smart_authdb *db, int64_t id,
                                                 struct smart_signin_state *out)
{
    sqlite3_stmt *s;
    enum fg_status st = authdb_stmt(
        db, AUTHDB_ACCOUNT_STATE, "SELECT failed_count, locked_until FROM accounts WHERE id = ?1",
        &s);
    if (st != FG_OK)
        return st;
    if (!authdb_bind_i64(s, 1, id))
        return FG_ENOMEM;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        int64_t now = authdb_now(db);
        out->failures = sqlite3_column_int(s, 0);
        out->locked_until = sqlite3_column_int64(s, 1);
        out->locked = out->locked_until > now;
    } else {
        st = rc == SQLITE_DONE ? FG_ENOTFOUND : authdb_step_error(rc);
    }
    authdb_done(s);
    return st;
}

enum fg_status smart_authdb_account_record_signin(struct smart_authdb *db, int64_t id,
                                                  bool success, struct smart_signin_state *out)
{
    sqlite3_stmt *s;
    enum fg_status st;
    int64_t now = authdb_now(db);
    /* One statement decides: the WHERE clause leaves a locked account
     * alone, the CASE starts a lock when this failure reaches the limit. */
    if (success)
        st = authdb_stmt(db, AUTHDB_ACCOUNT_SUCCESS,
                         "UPDATE accounts SET failed_count = 0"
                         " WHERE id = ?1 AND locked_until <= ?2",
                         &s);
    else
        st = authdb_stmt(db, AUTHDB_ACCOUNT_FAIL,
                         "UPDATE accounts SET"
                         " locked_until = CASE WHEN failed_count + 1 >= ?3 THEN ?4"
                         " ELSE locked_until END,"
                         " failed_count = CASE WHEN failed_count + 1 >= ?3 THEN 0"
                         " ELSE failed_count + 1 END"
                         " WHERE id = ?1 AND locked_until <= ?2",
                         &s);
    if (st != FG_OK)
        return st;
    if (!authdb_bind_i64(s, 1, id) || !authdb_bind_i64(s, 2, now))
        return FG_ENOMEM;
    if (!success && (!authdb_bind_i64(s, 3, db->opt.lockout_failures) ||
                     !authdb_bind_i64(s, 4, now + (int64_t)db->opt.lockout_minutes * 60)))
        return FG_ENOMEM;
    st = authdb_exec(s);
    if (st != FG_OK)
        return st;
    return smart_authdb_account_signin_state(db, id, out);
}

enum fg_status smart_authdb_account_for_patient(struct smart_authdb *db, struct fg_str patient_id,
                                                int64_t *id)
{
    sqlite3_stmt *s;
    enum fg_status st = authdb_stmt(db, AUTHDB_ACCOUNT_FOR_PATIENT,
                                    "SELECT id FROM accounts WHERE patient_id = ?1 ORDER BY id"
                                    " LIMIT 1",
                                    &s);
    if (st != FG_OK)
        return st;
    if (!authdb_bind_str(s, 1, patient_id))
        return FG_ENOMEM;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *id = sqlite3_column_int64(s, 0);
    st = rc == SQLITE_ROW ? FG_OK : rc == SQLITE_DONE ? FG_ENOTFOUND : authdb_step_error(rc);
    authdb_done(s);
    return st;
}

enum fg_status smart_authdb_proxy_add(struct smart_authdb *db, const struct smart_proxy *p,
                                      int64_t *id)
{
    if (!p->patient_id[0] || (p->kind == SMART_PROXY_COURT_GUARDIAN && !p->court_order[0]) ||
        (unsigned)p->kind > SMART_PROXY_COURT_GUARDIAN)
        return FG_EINVAL;
    sqlite3_stmt *s;
    enum fg_status st = authdb_stmt(db, AUTHDB_PROXY_ADD,
                                    "INSERT INTO proxies(account_id, patient_id, kind, start_at,"
                                    " expires_at, court_order) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                                    &s);
    if (st != FG_OK)
        return st;
    if (!authdb_bind_i64(s, 1, p->account_id) || !authdb_bind_cstr(s, 2, p->patient_id) ||
        !authdb_bind_i64(s, 3, p->kind) || !authdb_bind_i64(s, 4, p->start_at) ||
        !authdb_bind_i64(s, 5, p->expires_at) ||
        !authdb_bind_cstr(s, 6, p->court_order[0] ? p->court_order : NULL))
        return FG_ENOMEM;
    st = authdb_exec(s);
    if (st == FG_OK && id)
        *id = sqlite3_last_insert_rowid(db->db);
    if (st == FG_OK)
        authdb_revoked(db); /* a new relation widens a view: cached facts are stale */
    return st;
}

#define PROXY_COLUMNS \
    "id, account_id, patient_id, kind, start_at, expires_at, revoked_at, court_order"
#define PROXY_ACTIVE \
    " AND revoked_at = 0 AND start_at <= ?2 AND (expires_at = 0 OR expires_at > ?2)"

static enum fg_status read_proxies(sqlite3_stmt *s, struct smart_proxy *out, size_t cap, size_t *n)
{
    enum fg_status st = FG_OK;
    *n = 0;
    for (;;) {
        int rc = sqlite3_step(s);
        if (rc == SQLITE_DONE)
            break;
        if (rc != SQLITE_ROW) {
            st = authdb_step_error(rc);
            break;
        }
        if (*n == cap) {
            st = FG_ETOOBIG;
            break;
        }
        struct smart_proxy *p = &out[(*n)++];
        memset(p, 0, sizeof *p);
        p->id = sqlite3_column_int64(s, 0);
        p->account_id = sqlite3_column_int64(s, 1);
        p->kind = (enum smart_proxy_kind)sqlite3_column_int(s, 3);
        p->start_at = sqlite3_column_int64(s, 4);
        p->expires_at = sqlite3_column_int64(s, 5);
        p->revoked_at = sqlite3_column_int64(s, 6);
        st = authdb_col_copy(s, 2, p->patient_id, sizeof p->patient_id);
        if (st == FG_OK)
            st = authdb_col_copy(s, 7, p->court_order, sizeof p->court_order);
        if (st != FG_OK)
            break;
    }
    authdb_done(s);
    return st;
}

enum fg_status smart_authdb_proxies_for_account(struct smart_authdb *db, int64_t account_id,
                                                struct smart_proxy *out, size_t cap, size_t *n)
{
    sqlite3_stmt *s;
    enum fg_status st = authdb_stmt(db, AUTHDB_PROXY_FOR_ACCOUNT,
                                    "SELECT " PROXY_COLUMNS " FROM proxies WHERE account_id = ?1"
                                    PROXY_ACTIVE " ORDER BY id",
                                    &s);
    if (st != FG_OK)
        return st;
    if (!authdb_bind_i64(s, 1, account_id) || !authdb_bind_i64(s, 2, authdb_now(db)))
        return FG_ENOMEM;
    return read_proxies(s, out, cap, n);
}

enum fg_status smart_authdb_proxies_for_patient(struct smart_authdb *db, struct fg_str patient_id,
                                                struct smart_proxy *out, size_t cap, size_t *n)
{
    sqlite3_stmt *s;
    enum fg_status st = authdb_stmt(db, AUTHDB_PROXY_FOR_PATIENT,
                                    "SELECT " PROXY_COLUMNS " FROM proxies WHERE patient_id = ?1"
                                    PROXY_ACTIVE " ORDER BY id",
                                    &s);
    if (st != FG_OK)
        return st;
    if (!authdb_bind_str(s, 1, patient_id) || !authdb_bind_i64(s, 2, authdb_now(db)))
        return FG_ENOMEM;
    return read_proxies(s, out, cap, n);
}

enum fg_status smart_authdb_proxies_live(struct smart_authdb *db, int64_t account_id,
                                         struct smart_proxy *out, size_t cap, size_t *n)
{
    sqlite3_stmt *s;
    enum fg_status st = authdb_stmt(db, AUTHDB_PROXY_LIVE_FOR_ACCOUNT,
                                    "SELECT " PROXY_COLUMNS " FROM proxies WHERE account_id = ?1"
                                    " AND revoked_at = 0 AND (expires_at = 0 OR expires_at > ?2)"
                                    " ORDER BY id",
                                    &s);
    if (st != FG_OK)
        return st;
    if (!authdb_bind_i64(s, 1, account_id) || !authdb_bind_i64(s, 2, authdb_now(db)))
        return FG_ENOMEM;
    return read_proxies(s, out, cap, n);
}

enum fg_status smart_authdb_proxies_list(struct smart_authdb *db, int64_t account_id,
                                         struct fg_str patient_id, struct smart_proxy *out,
                                         size_t cap, size_t *n)
{
    sqlite3_stmt *s;
    enum fg_status st = authdb_stmt(db, AUTHDB_PROXY_LIST_ALL,
                                    "SELECT " PROXY_COLUMNS " FROM proxies"
                                    " WHERE (?1 = 0 OR account_id = ?1)"
                                    " AND (?2 = '' OR patient_id = ?2) ORDER BY id",
                                    &s);
    if (st != FG_OK)
        return st;
    if (!authdb_bind_i64(s, 1, account_id) ||
        !authdb_bind_str(s, 2, patient_id.ptr ? patient_id : fg_str_c("")))
        return FG_ENOMEM;
    return read_proxies(s, out, cap, n);
}

enum fg_status smart_authdb_proxy_revoke(struct smart_authdb *db, int64_t id)
{
    sqlite3_stmt *s;
    enum fg_status st = authdb_stmt(db, AUTHDB_PROXY_REVOKE,
                                    "UPDATE proxies SET revoked_at = ?2 WHERE id = ?1"
                                    " AND revoked_at = 0",
                                    &s);
    if (st != FG_OK)
        return st;
    if (!authdb_bind_i64(s, 1, id) || !authdb_bind_i64(s, 2, authdb_now(db)))
        return FG_ENOMEM;
    st = authdb_exec(s);
    if (st == FG_OK && sqlite3_changes(db->db) == 0)
        st = FG_ENOTFOUND;
    if (st == FG_OK)
        authdb_revoked(db);
    return st;
}
