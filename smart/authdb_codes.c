/* authdb_codes.c - single-use authorization codes (RFC 6749 §4.1.2) and jti replay (RFC 7523 §3). */
#include "authdb_codes.h"

#include <string.h>

#include "../core/fg_mem.h"
#include "authdb_internal.h"

void smart_code_cleanup(struct smart_code *c)
{
    fg_free(c->redirect_uri);
    fg_free(c->scopes);
    fg_free(c->nonce);
    memset(c, 0, sizeof *c);
}

enum fg_status smart_authdb_code_add(struct smart_authdb *db, const struct smart_code *c)
{
    int64_t now = authdb_now(db);
    if (c->expires_at <= now || c->expires_at > now + SMART_CODE_MAX_LIFETIME_S ||
        strlen(c->digest) != SMART_DIGEST_HEX || !c->client_id[0] || !c->redirect_uri ||
        !c->code_challenge[0] || !c->scopes)
        return FG_EINVAL;
    sqlite3_stmt *s;
    enum fg_status st = authdb_stmt(
        db, AUTHDB_CODE_ADD,
        "INSERT INTO codes(digest, client_id, redirect_uri, code_challenge, scopes, patient_id,"
        " account_id, grant_id, nonce, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        &s);
    if (st != FG_OK)
        return st;
    if (!authdb_bind_cstr(s, 1, c->digest) || !authdb_bind_cstr(s, 2, c->client_id) ||
        !authdb_bind_cstr(s, 3, c->redirect_uri) || !authdb_bind_cstr(s, 4, c->code_challenge) ||
        !authdb_bind_cstr(s, 5, c->scopes) ||
        !authdb_bind_cstr(s, 6, c->patient_id[0] ? c->patient_id : NULL) ||
        !authdb_bind_i64(s, 7, c->account_id) ||
        !authdb_bind_cstr(s, 8, c->grant_id[0] ? c->grant_id : NULL) ||
        !authdb_bind_cstr(s, 9, c->nonce) || !authdb_bind_i64(s, 10, c->expires_at))
        return FG_ENOMEM;
    return authdb_exec(s);
}

#define CODE_COLUMNS \
    "digest, client_id, redirect_uri, code_challenge, scopes, patient_id, account_id," \
    " grant_id, nonce, expires_at"

static enum fg_status read_code(sqlite3_stmt *s, struct smart_code *out)
{
    out->account_id = sqlite3_column_int64(s, 6);
    out->expires_at = sqlite3_column_int64(s, 9);
    enum fg_status st = authdb_col_copy(s, 0, out->digest, sizeof out->digest);
    if (st == FG_OK)
        st = authdb_col_copy(s, 1, out->client_id, sizeof out->client_id);
    if (st == FG_OK)
        st = authdb_col_dup(s, 2, &out->redirect_uri);
    if (st == FG_OK)
        st = authdb_col_copy(s, 3, out->code_challenge, sizeof out->code_challenge);
    if (st == FG_OK)
        st = authdb_col_dup(s, 4, &out->scopes);
    if (st == FG_OK)
        st = authdb_col_copy(s, 5, out->patient_id, sizeof out->patient_id);
    if (st == FG_OK)
        st = authdb_col_copy(s, 7, out->grant_id, sizeof out->grant_id);
    if (st == FG_OK)
        st = authdb_col_dup(s, 8, &out->nonce);
    return st;
}

/* Reads a code regardless of its state (for the reuse report). */
static enum fg_status get_code(struct smart_authdb *db, struct fg_str digest,
                               struct smart_code *out)
{
    sqlite3_stmt *s;
    enum fg_status st = authdb_stmt(db, AUTHDB_CODE_GET,
                                    "SELECT " CODE_COLUMNS " FROM codes WHERE digest = ?1", &s);
    if (st != FG_OK)
        return st;
    if (!authdb_bind_str(s, 1, digest))
        return FG_ENOMEM;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        st = read_code(s, out);
    else
        st = rc == SQLITE_DONE ? FG_ENOTFOUND : authdb_step_error(rc);
    authdb_done(s);
    return st;
}

enum fg_status smart_authdb_code_consume(struct smart_authdb *db, struct fg_str digest,
                                         struct smart_code *out)
{
    memset(out, 0, sizeof *out);
    int64_t now = authdb_now(db);
    sqlite3_stmt *s;
    /* UPDATE ... RETURNING: the used_at check and the marking are one step,
     * so a code cannot be redeemed twice even by two processes at once. */
    enum fg_status st = authdb_stmt(db, AUTHDB_CODE_CONSUME,
                                    "UPDATE codes SET used_at = ?2 WHERE digest = ?1"
                                    " AND used_at = 0 RETURNING " CODE_COLUMNS,
                                    &s);
    if (st != FG_OK)
        return st;
    if (!authdb_bind_str(s, 1, digest) || !authdb_bind_i64(s, 2, now))
        return FG_ENOMEM;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        st = read_code(s, out);
        /* finish the statement so the UPDATE commits */
        while (rc == SQLITE_ROW)
            rc = sqlite3_step(s);
        if (rc != SQLITE_DONE && st == FG_OK)
            st = authdb_step_error(rc);
        authdb_done(s);
        if (st == FG_OK && out->expires_at <= now)
            st = FG_EGONE;
    } else {
        authdb_done(s);
        if (rc != SQLITE_DONE)
            return authdb_step_error(rc);
        /* no unused row: either unknown or already used */
        st = get_code(db, digest, out);
        if (st == FG_OK)
            st = FG_ECONFLICT;
    }
    if (st != FG_OK && st != FG_EGONE && st != FG_ECONFLICT)
        smart_code_cleanup(out);
    return st;
}

enum fg_status smart_authdb_jti_remember(struct smart_authdb *db, struct fg_str client_id,
                                         struct fg_str jti, int64_t expires_at)
{
    if (client_id.len == 0 || jti.len == 0)
        return FG_EINVAL;
    sqlite3_stmt *s;
    /* Insert, or take over an entry that has expired; a live entry is left
     * alone and changes() == 0 tells us it was a replay. */
    enum fg_status st = authdb_stmt(db, AUTHDB_JTI_REMEMBER,
                                    "INSERT INTO jti(client_id, jti, expires_at) VALUES (?1, ?2, ?3)"
                                    " ON CONFLICT(client_id, jti) DO UPDATE"
                                    " SET expires_at = excluded.expires_at"
                                    " WHERE jti.expires_at <= ?4",
                                    &s);
    if (st != FG_OK)
        return st;
    if (!authdb_bind_str(s, 1, client_id) || !authdb_bind_str(s, 2, jti) ||
        !authdb_bind_i64(s, 3, expires_at) || !authdb_bind_i64(s, 4, authdb_now(db)))
        return FG_ENOMEM;
    st = authdb_exec(s);
    if (st == FG_OK && sqlite3_changes(db->db) == 0)
        st = FG_ECONFLICT;
    return st;
}
