/* authdb_grants.c - grants and tokens (RFC 7009, RFC 7662, issue 5 linked apps). */
#include "authdb_grants.h"

#include <string.h>

#include "../core/fg_mem.h"
#include "authdb_internal.h"
#include "b64.h"

void smart_grant_cleanup(struct smart_grant *g)
{
    fg_free(g->scopes);
    memset(g, 0, sizeof *g);
}

void smart_token_info_cleanup(struct smart_token_info *info)
{
    fg_free(info->scopes);
    memset(info, 0, sizeof *info);
}

static enum fg_status new_grant_id(char out[SMART_GRANT_ID_SIZE])
{
    uint8_t raw[16];
    enum fg_status st = smart_random_bytes(raw, sizeof raw);
    if (st == FG_OK)
        st = smart_b64url_encode(raw, sizeof raw, out, SMART_GRANT_ID_SIZE, NULL);
    return st;
}

enum fg_status smart_authdb_grant_add(struct smart_authdb *db, struct smart_grant *g)
{
    if (!g->client_id[0] || !g->scopes)
        return FG_EINVAL;
    char id[SMART_GRANT_ID_SIZE];
    enum fg_status st = new_grant_id(id);
    if (st != FG_OK)
        return st;
    int64_t now = authdb_now(db);
    sqlite3_stmt *s;
    st = authdb_stmt(db, AUTHDB_GRANT_ADD,
                     "INSERT INTO grants(id, account_id, patient_id, client_id, scopes,"
                     " granted_at, expires_at, encounter_id, fhir_context)"
                     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                     &s);
    if (st != FG_OK)
        return st;
    if (!authdb_bind_cstr(s, 1, id) || !authdb_bind_i64(s, 2, g->account_id) ||
        !authdb_bind_cstr(s, 3, g->patient_id[0] ? g->patient_id : NULL) ||
        !authdb_bind_cstr(s, 4, g->client_id) || !authdb_bind_cstr(s, 5, g->scopes) ||
        !authdb_bind_i64(s, 6, now) || !authdb_bind_i64(s, 7, g->expires_at) ||
        !authdb_bind_cstr(s, 8, g->encounter_id[0] ? g->encounter_id : NULL) ||
        !authdb_bind_cstr(s, 9, g->fhir_context))
        return FG_ENOMEM;
    st = authdb_exec(s);
    if (st == FG_OK) {
        memcpy(g->id, id, sizeof id);
        g->granted_at = now;
        g->last_used_at = 0;
        g->revoked_at = 0;
        g->revoked_by[0] = '\0';
    }
    return st;
}

#define GRANT_COLUMNS \
    "id, account_id, patient_id, client_id, scopes, granted_at, last_used_at, expires_at," \
    " revoked_at, revoked_by, encounter_id, fhir_context"

static enum fg_status read_grant(sqlite3_stmt *s, struct smart_grant *g)
{
    memset(g, 0, sizeof *g);
    g->account_id = sqlite3_column_int64(s, 1);
    g->granted_at = sqlite3_column_int64(s, 5);
    g->last_used_at = sqlite3_column_int64(s, 6);
    g->expires_at = sqlite3_column_int64(s, 7);
    g->revoked_at = sqlite3_column_int64(s, 8);
    const struct authdb_text_col cols[] = {
        {0, g->id, sizeof g->id},
        {2, g->patient_id, sizeof g->patient_id},
        {3, g->client_id, sizeof g->client_id},
        {9, g->revoked_by, sizeof g->revoked_by},
        {10, g->encounter_id, sizeof g->encounter_id},
        {11, g->fhir_context, sizeof g->fhir_context},
    };
    enum fg_status st = authdb_cols_copy(s, cols, sizeof cols / sizeof cols[0]);
    if (st == FG_OK)
        st = authdb_col_dup(s, 4, &g->scopes);
    if (st != FG_OK)
        smart_grant_cleanup(g);
    return st;
}

enum fg_status smart_authdb_grant_get(struct smart_authdb *db, struct fg_str id,
                                      struct smart_grant *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *s;
    enum fg_status st = authdb_stmt(db, AUTHDB_GRANT_GET,
                                    "SELECT " GRANT_COLUMNS " FROM grants WHERE id = ?1", &s);
    if (st != FG_OK)
        return st;
    if (!authdb_bind_str(s, 1, id))
        return FG_ENOMEM;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        st = read_grant(s, out);
    else
        st = rc == SQLITE_DONE ? FG_ENOTFOUND : authdb_step_error(rc);
    authdb_done(s);
    return st;
}

enum fg_status smart_authdb_grant_revoke(struct smart_authdb *db, struct fg_str id,
                                         struct fg_str revoked_by)
{
    if (revoked_by.len > SMART_MAX_REVOKED_BY)
        revoked_by.len = SMART_MAX_REVOKED_BY;
    sqlite3_stmt *s;
    /* CASE keeps the first revocation's time and author. */
    enum fg_status st = authdb_stmt(db, AUTHDB_GRANT_REVOKE,
                                    "UPDATE grants SET"
                                    " revoked_by = CASE WHEN revoked_at = 0 THEN ?3"
                                    " ELSE revoked_by END,"
                                    " revoked_at = CASE WHEN revoked_at = 0 THEN ?2"
                                    " ELSE revoked_at END"
                                    " WHERE id = ?1",
                                    &s);
    if (st != FG_OK)
        return st;
    if (!authdb_bind_str(s, 1, id) || !authdb_bind_i64(s, 2, authdb_now(db)) ||
        !authdb_bind_str(s, 3, revoked_by))
        return FG_ENOMEM;
    st = authdb_exec(s);
    if (st == FG_OK && sqlite3_changes(db->db) == 0)
        st = FG_ENOTFOUND;
    if (st == FG_OK)
        authdb_revoked(db);
    return st;
}

enum fg_status smart_authdb_grants_revoke_for(struct smart_authdb *db, int64_t account_id,
                                              struct fg_str patient_id, struct fg_str revoked_by,
                                              int64_t *n)
{
    if (revoked_by.len > SMART_MAX_REVOKED_BY)
        revoked_by.len = SMART_MAX_REVOKED_BY;
    sqlite3_stmt *s;
    enum fg_status st = authdb_stmt(db, AUTHDB_GRANT_REVOKE_PROXY,
                                    "UPDATE grants SET revoked_at = ?3, revoked_by = ?4"
                                    " WHERE account_id = ?1 AND patient_id = ?2 AND revoked_at = 0",
                                    &s);
    if (st != FG_OK)
        return st;
    if (!authdb_bind_i64(s, 1, account_id) || !authdb_bind_str(s, 2, patient_id) ||
        !authdb_bind_i64(s, 3, authdb_now(db)) || !authdb_bind_str(s, 4, revoked_by))
        return FG_ENOMEM;
    st = authdb_exec(s);
    int changed = st == FG_OK ? sqlite3_changes(db->db) : 0;
    if (changed > 0)
        authdb_revoked(db);
    if (n)
        *n = changed;
    return st;
}

enum fg_status smart_authdb_grant_touch(struct smart_authdb *db, struct fg_str id,
                                        int64_t min_interval_s)
{
    int64_t now = authdb_now(db);
    sqlite3_stmt *s;
    enum fg_status st = authdb_stmt(db, AUTHDB_GRANT_TOUCH,
                                    "UPDATE grants SET last_used_at = ?2"
                                    " WHERE id = ?1 AND last_used_at <= ?3",
                                    &s);
    if (st != FG_OK)
        return st;
    if (!authdb_bind_str(s, 1, id) || !authdb_bind_i64(s, 2, now) ||
        !authdb_bind_i64(s, 3, now - min_interval_s))
        return FG_ENOMEM;
    return authdb_exec(s);
}

struct grant_walk {
    smart_grant_fn fn;
    void *arg;
};

static enum fg_status grant_of(void *arg, sqlite3_stmt *s)
{
    const struct grant_walk *w = arg;
    struct smart_grant g;
    enum fg_status st = read_grant(s, &g);
    if (st == FG_OK)
        st = w->fn(w->arg, &g);
    smart_grant_cleanup(&g);
    return st;
}

static enum fg_status walk_grants(sqlite3_stmt *s, smart_grant_fn fn, void *arg)
{
    struct grant_walk w = {fn, arg};
    return authdb_step_rows(s, grant_of, &w);
}

enum fg_status smart_authdb_grants_for_account(struct smart_authdb *db, int64_t account_id,
                                               smart_grant_fn fn, void *arg)
{
    sqlite3_stmt *s;
    enum fg_status st = authdb_stmt(db, AUTHDB_GRANT_LIST_ACCOUNT,
                                    "SELECT " GRANT_COLUMNS " FROM grants WHERE account_id = ?1"
                                    " ORDER BY granted_at DESC, id",
                                    &s);
    if (st != FG_OK)
        return st;
    if (!authdb_bind_i64(s, 1, account_id))
        return FG_ENOMEM;
    return walk_grants(s, fn, arg);
}

enum fg_status smart_authdb_grants_for_patient(struct smart_authdb *db, struct fg_str patient_id,
                                               smart_grant_fn fn, void *arg)
{
    sqlite3_stmt *s;
    enum fg_status st = authdb_stmt(db, AUTHDB_GRANT_LIST_PATIENT,
                                    "SELECT " GRANT_COLUMNS " FROM grants WHERE patient_id = ?1"
                                    " ORDER BY granted_at DESC, id",
                                    &s);
    if (st != FG_OK)
        return st;
    if (!authdb_bind_str(s, 1, patient_id))
        return FG_ENOMEM;
    return walk_grants(s, fn, arg);
}

enum fg_status smart_authdb_token_add(struct smart_authdb *db, const struct smart_token_row *t)
{
    int64_t now = authdb_now(db);
    if (strlen(t->digest) != SMART_DIGEST_HEX || !t->grant_id[0] || !t->scopes ||
        t->expires_at <= now || (unsigned)t->kind > SMART_TOKEN_REFRESH)
        return FG_EINVAL;
    sqlite3_stmt *s;
    enum fg_status st = authdb_stmt(db, AUTHDB_TOKEN_ADD,
                                    "INSERT INTO tokens(digest, grant_id, kind, scopes, issued_at,"
                                    " expires_at, parent_digest) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                                    &s);
    if (st != FG_OK)
        return st;
    if (!authdb_bind_cstr(s, 1, t->digest) || !authdb_bind_cstr(s, 2, t->grant_id) ||
        !authdb_bind_i64(s, 3, t->kind) || !authdb_bind_cstr(s, 4, t->scopes) ||
        !authdb_bind_i64(s, 5, now) || !authdb_bind_i64(s, 6, t->expires_at) ||
        !authdb_bind_cstr(s, 7, t->parent_digest[0] ? t->parent_digest : NULL))
        return FG_ENOMEM;
    return authdb_exec(s);
}

enum fg_status smart_authdb_token_lookup(struct smart_authdb *db, struct fg_str digest,
                                         struct smart_token_info *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *s;
    /* A miss of every API request's token cache (authdb_tokcache.c): three
     * primary-key lookups in one statement. An account's patient_id and
     * practitioner_id never change, so the cached row stays right. */
    enum fg_status st = authdb_stmt(
        db, AUTHDB_TOKEN_LOOKUP,
        "SELECT t.kind, t.grant_id, t.scopes, t.issued_at, t.expires_at, t.revoked_at,"
        " g.revoked_at, g.expires_at, g.last_used_at, g.client_id, g.patient_id, g.account_id,"
        " g.encounter_id, a.practitioner_id, g.fhir_context, a.patient_id"
        " FROM tokens AS t JOIN grants AS g ON g.id = t.grant_id"
        " LEFT JOIN accounts AS a ON a.id = g.account_id WHERE t.digest = ?1",
        &s);
    if (st != FG_OK)
        return st;
    if (!authdb_bind_str(s, 1, digest))
        return FG_ENOMEM;
    int rc = sqlite3_step(s);
    if (rc != SQLITE_ROW) {
        authdb_done(s);
        return rc == SQLITE_DONE ? FG_ENOTFOUND : authdb_step_error(rc);
    }
    out->kind = (enum smart_token_kind)sqlite3_column_int(s, 0);
    out->issued_at = sqlite3_column_int64(s, 3);
    out->expires_at = sqlite3_column_int64(s, 4);
    out->token_revoked_at = sqlite3_column_int64(s, 5);
    out->grant_revoked_at = sqlite3_column_int64(s, 6);
    out->grant_expires_at = sqlite3_column_int64(s, 7);
    out->grant_last_used_at = sqlite3_column_int64(s, 8);
    out->account_id = sqlite3_column_int64(s, 11);
    st = authdb_col_copy(s, 1, out->grant_id, sizeof out->grant_id);
    if (st == FG_OK)
        st = authdb_col_dup(s, 2, &out->scopes);
    if (st == FG_OK)
        st = authdb_col_copy(s, 9, out->client_id, sizeof out->client_id);
    if (st == FG_OK)
        st = authdb_col_copy(s, 10, out->patient_id, sizeof out->patient_id);
    if (st == FG_OK)
        st = authdb_col_copy(s, 12, out->encounter_id, sizeof out->encounter_id);
    if (st == FG_OK)
        st = authdb_col_copy(s, 13, out->practitioner_id, sizeof out->practitioner_id);
    if (st == FG_OK)
        st = authdb_col_copy(s, 14, out->fhir_context, sizeof out->fhir_context);
    if (st == FG_OK)
        st = authdb_col_copy(s, 15, out->account_patient_id, sizeof out->account_patient_id);
    authdb_done(s);
    if (st != FG_OK) {
        smart_token_info_cleanup(out);
        return st;
    }
    int64_t now = authdb_now(db);
    out->active = out->token_revoked_at == 0 && out->grant_revoked_at == 0 &&
                  out->expires_at > now &&
                  (out->grant_expires_at == 0 || out->grant_expires_at > now);
    return FG_OK;
}

static enum fg_status revoke_where(struct smart_authdb *db, enum authdb_stmt_id id,
                                   const char *sql, struct fg_str digest, int *changed)
{
    sqlite3_stmt *s;
    enum fg_status st = authdb_stmt(db, id, sql, &s);
    if (st != FG_OK)
        return st;
    if (!authdb_bind_str(s, 1, digest) || !authdb_bind_i64(s, 2, authdb_now(db)))
        return FG_ENOMEM;
    st = authdb_exec(s);
    if (st == FG_OK && changed)
        *changed = sqlite3_changes(db->db);
    return st;
}

enum fg_status smart_authdb_token_revoke(struct smart_authdb *db, struct fg_str digest,
                                         bool cascade, bool *found)
{
    int changed = 0;
    bool own_tx = sqlite3_get_autocommit(db->db);
    if (own_tx) {
        enum fg_status bst = smart_authdb_begin_write(db);
        if (bst != FG_OK)
            return bst;
    }
    /* "revoked_at = CASE ..." keeps the first time but still counts the row. */
    enum fg_status st = revoke_where(db, AUTHDB_TOKEN_REVOKE,
                                     "UPDATE tokens SET revoked_at = CASE WHEN revoked_at = 0"
                                     " THEN ?2 ELSE revoked_at END WHERE digest = ?1",
                                     digest, &changed);
    if (st == FG_OK && cascade)
        st = revoke_where(db, AUTHDB_TOKEN_REVOKE_CHILDREN,
                          "UPDATE tokens SET revoked_at = ?2 WHERE parent_digest = ?1"
                          " AND revoked_at = 0",
                          digest, NULL);
    if (st == FG_OK && changed > 0)
        authdb_revoked(db); /* inside the transaction: bumps at commit */
    if (own_tx) {
        if (st == FG_OK)
            st = smart_authdb_commit(db);
        if (st != FG_OK)
            smart_authdb_rollback(db);
    }
    if (found)
        *found = changed > 0;
    return st;
}
