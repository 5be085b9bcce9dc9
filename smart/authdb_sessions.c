/* authdb_sessions.c - /auth browser sessions (idle timeout) and pending authorize requests. */
#include "authdb_sessions.h"

#include <string.h>

#include "../core/fg_mem.h"
#include "authdb_internal.h"

enum fg_status smart_authdb_session_create(struct smart_authdb *db, struct fg_str lang,
                                           char id_out[SMART_TOKEN_SIZE],
                                           struct smart_session *out)
{
    struct smart_session row;
    memset(&row, 0, sizeof row);
    if (lang.len > SMART_MAX_LANG)
        return FG_EINVAL;
    enum fg_status st = smart_token_new(id_out);
    if (st == FG_OK)
        st = smart_token_new(row.csrf);
    if (st != FG_OK)
        return st;
    smart_token_digest(fg_str_c(id_out), row.digest);
    if (lang.len)
        memcpy(row.lang, lang.ptr, lang.len);
    row.created_at = row.last_seen_at = authdb_now(db);
    sqlite3_stmt *s;
    st = authdb_stmt(db, AUTHDB_SESSION_ADD,
                     "INSERT INTO sessions(digest, account_id, lang, csrf, created_at,"
                     " last_seen_at) VALUES (?1, 0, ?2, ?3, ?4, ?4)",
                     &s);
    if (st != FG_OK)
        return st;
    if (!authdb_bind_cstr(s, 1, row.digest) || !authdb_bind_cstr(s, 2, row.lang) ||
        !authdb_bind_cstr(s, 3, row.csrf) || !authdb_bind_i64(s, 4, row.created_at))
        return FG_ENOMEM;
    st = authdb_exec(s);
    if (st == FG_OK && out)
        *out = row;
    return st;
}

static enum fg_status touch(struct smart_authdb *db, const char *digest, int64_t now)
{
    sqlite3_stmt *s;
    enum fg_status st = authdb_stmt(
        db, AUTHDB_SESSION_TOUCH, "UPDATE sessions SET last_seen_at = ?2 WHERE digest = ?1", &s);
    if (st != FG_OK)
        return st;
    if (!authdb_bind_cstr(s, 1, digest) || !authdb_bind_i64(s, 2, now))
        return FG_ENOMEM;
    return authdb_exec(s);
}

enum fg_status smart_authdb_session_get(struct smart_authdb *db, struct fg_str id, int64_t idle_s,
                                        struct smart_session *out)
{
    memset(out, 0, sizeof *out);
    if (id.len != SMART_TOKEN_CHARS)
        return FG_ENOTFOUND;
    smart_token_digest(id, out->digest);
    sqlite3_stmt *s;
    enum fg_status st = authdb_stmt(db, AUTHDB_SESSION_GET,
                                    "SELECT account_id, lang, csrf, created_at, last_seen_at"
                                    " FROM sessions WHERE digest = ?1",
                                    &s);
    if (st != FG_OK)
        return st;
    if (!authdb_bind_cstr(s, 1, out->digest))
        return FG_ENOMEM;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        out->account_id = sqlite3_column_int64(s, 0);
        out->created_at = sqlite3_column_int64(s, 3);
        out->last_seen_at = sqlite3_column_int64(s, 4);
        st = authdb_col_copy(s, 1, out->lang, sizeof out->lang);
        if (st == FG_OK)
            st = authdb_col_copy(s, 2, out->csrf, sizeof out->csrf);
    } else {
        st = rc == SQLITE_DONE ? FG_ENOTFOUND : authdb_step_error(rc);
    }
    authdb_done(s);
    if (st != FG_OK)
        return st;
    int64_t now = authdb_now(db);
    if (now - out->last_seen_at > (idle_s > 0 ? idle_s : SMART_SESSION_IDLE_DEFAULT_S)) {
        smart_authdb_session_delete(db, fg_str_c(out->digest));
        memset(out, 0, sizeof *out);
        return FG_ENOTFOUND;
    }
    out->last_seen_at = now;
    return touch(db, out->digest, now);
}

static enum fg_status update_one(struct smart_authdb *db, enum authdb_stmt_id id,
                                 const char *sql, struct fg_str key, bool int_value,
                                 int64_t ival, struct fg_str sval)
{
    sqlite3_stmt *s;
    enum fg_status st = authdb_stmt(db, id, sql, &s);
    if (st != FG_OK)
        return st;
    bool ok = authdb_bind_str(s, 1, key) &&
              (int_value ? authdb_bind_i64(s, 2, ival) : authdb_bind_str(s, 2, sval));
    if (!ok)
        return FG_ENOMEM;
    st = authdb_exec(s);
    if (st == FG_OK && sqlite3_changes(db->db) == 0)
        st = FG_ENOTFOUND;
    return st;
}

enum fg_status smart_authdb_session_set_account(struct smart_authdb *db, struct fg_str digest,
                                                int64_t account_id)
{
    return update_one(db, AUTHDB_SESSION_SET_ACCOUNT,
                      "UPDATE sessions SET account_id = ?2 WHERE digest = ?1", digest, true,
                      account_id, FG_STR_NULL);
}

enum fg_status smart_authdb_session_set_lang(struct smart_authdb *db, struct fg_str digest,
                                             struct fg_str lang)
{
    if (lang.len > SMART_MAX_LANG)
        return FG_EINVAL;
    return update_one(db, AUTHDB_SESSION_SET_LANG,
                      "UPDATE sessions SET lang = ?2 WHERE digest = ?1", digest, false, 0,
                      lang.ptr ? lang : fg_str_c(""));
}

enum fg_status smart_authdb_session_delete(struct smart_authdb *db, struct fg_str digest)
{
    sqlite3_stmt *s;
    enum fg_status st =
        authdb_stmt(db, AUTHDB_SESSION_DELETE, "DELETE FROM sessions WHERE digest = ?1", &s);
    if (st != FG_OK)
        return st;
    if (!authdb_bind_str(s, 1, digest))
        return FG_ENOMEM;
    return authdb_exec(s);
}

static enum fg_status session_lang(struct smart_authdb *db, struct fg_str digest,
                                   char lang[SMART_MAX_LANG + 1])
{
    sqlite3_stmt *s;
    enum fg_status st = authdb_stmt(db, AUTHDB_SESSION_LANG,
                                    "SELECT lang FROM sessions WHERE digest = ?1", &s);
    if (st != FG_OK)
        return st;
    if (!authdb_bind_str(s, 1, digest))
        return FG_ENOMEM;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        st = authdb_col_copy(s, 0, lang, SMART_MAX_LANG + 1);
    else
        st = rc == SQLITE_DONE ? FG_ENOTFOUND : authdb_step_error(rc);
    authdb_done(s);
    return st;
}

static enum fg_status move_requests(struct smart_authdb *db, struct fg_str from, const char *to)
{
    sqlite3_stmt *s;
    enum fg_status st = authdb_stmt(
        db, AUTHDB_AUTHZREQ_MOVE,
        "UPDATE authz_requests SET session_digest = ?2 WHERE session_digest = ?1", &s);
    if (st != FG_OK)
        return st;
    if (!authdb_bind_str(s, 1, from) || !authdb_bind_cstr(s, 2, to))
        return FG_ENOMEM;
    return authdb_exec(s);
}

enum fg_status smart_authdb_session_rotate(struct smart_authdb *db, struct fg_str old_digest,
                                           int64_t account_id, char id_out[SMART_TOKEN_SIZE],
                                           struct smart_session *out)
{
    char lang[SMART_MAX_LANG + 1];
    enum fg_status st = smart_authdb_begin_write(db);
    if (st != FG_OK)
        return st;
    st = session_lang(db, old_digest, lang);
    if (st == FG_OK)
        st = smart_authdb_session_create(db, fg_str_c(lang), id_out, out);
    if (st == FG_OK)
        st = smart_authdb_session_set_account(db, fg_str_c(out->digest), account_id);
    if (st == FG_OK)
        st = move_requests(db, old_digest, out->digest);
    if (st == FG_OK)
        st = smart_authdb_session_delete(db, old_digest);
    if (st == FG_OK)
        st = smart_authdb_commit(db);
    if (st != FG_OK) {
        smart_authdb_rollback(db);
        return st;
    }
    out->account_id = account_id;
    return FG_OK;
}

void smart_authz_request_cleanup(struct smart_authz_request *r)
{
    fg_free(r->redirect_uri);
    fg_free(r->state);
    fg_free(r->scopes);
    fg_free(r->nonce);
    memset(r, 0, sizeof *r);
}

enum fg_status smart_authdb_authzreq_add(struct smart_authdb *db, struct smart_authz_request *r)
{
    if (!r->session_digest[0] || !r->client_id[0] || !r->redirect_uri || !r->state ||
        !r->scopes || strlen(r->code_challenge) != SMART_PKCE_CHALLENGE_LEN)
        return FG_EINVAL;
    enum fg_status st = smart_token_new(r->id);
    if (st != FG_OK)
        return st;
    r->created_at = authdb_now(db);
    sqlite3_stmt *s;
    st = authdb_stmt(db, AUTHDB_AUTHZREQ_ADD,
                     "INSERT INTO authz_requests(id, session_digest, client_id, redirect_uri,"
                     " state, scopes, code_challenge, nonce, patient_id, created_at,"
                     " launch_account, encounter_id, fhir_context)"
                     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                     &s);
    if (st != FG_OK)
        return st;
    if (!authdb_bind_cstr(s, 1, r->id) || !authdb_bind_cstr(s, 2, r->session_digest) ||
        !authdb_bind_cstr(s, 3, r->client_id) || !authdb_bind_cstr(s, 4, r->redirect_uri) ||
        !authdb_bind_cstr(s, 5, r->state) || !authdb_bind_cstr(s, 6, r->scopes) ||
        !authdb_bind_cstr(s, 7, r->code_challenge) || !authdb_bind_cstr(s, 8, r->nonce) ||
        !authdb_bind_cstr(s, 9, r->patient_id) || !authdb_bind_i64(s, 10, r->created_at) ||
        !authdb_bind_i64(s, 11, r->launch_account) || !authdb_bind_cstr(s, 12, r->encounter_id) ||
        !authdb_bind_cstr(s, 13, r->fhir_context))
        return FG_ENOMEM;
    return authdb_exec(s);
}

static enum fg_status read_request(sqlite3_stmt *s, struct smart_authz_request *out)
{
    out->created_at = sqlite3_column_int64(s, 9);
    out->launch_account = sqlite3_column_int64(s, 10);
    enum fg_status st = authdb_col_copy(s, 0, out->id, sizeof out->id);
    if (st == FG_OK)
        st = authdb_col_copy(s, 1, out->session_digest, sizeof out->session_digest);
    if (st == FG_OK)
        st = authdb_col_copy(s, 2, out->client_id, sizeof out->client_id);
    if (st == FG_OK)
        st = authdb_col_dup(s, 3, &out->redirect_uri);
    if (st == FG_OK)
        st = authdb_col_dup(s, 4, &out->state);
    if (st == FG_OK)
        st = authdb_col_dup(s, 5, &out->scopes);
    if (st == FG_OK)
        st = authdb_col_copy(s, 6, out->code_challenge, sizeof out->code_challenge);
    if (st == FG_OK)
        st = authdb_col_dup(s, 7, &out->nonce);
    if (st == FG_OK)
        st = authdb_col_copy(s, 8, out->patient_id, sizeof out->patient_id);
    if (st == FG_OK)
        st = authdb_col_copy(s, 11, out->encounter_id, sizeof out->encounter_id);
    if (st == FG_OK)
        st = authdb_col_copy(s, 12, out->fhir_context, sizeof out->fhir_context);
    return st;
}

enum fg_status smart_authdb_authzreq_get(struct smart_authdb *db, struct fg_str id,
                                         struct fg_str session_digest,
                                         struct smart_authz_request *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *s;
    enum fg_status st = authdb_stmt(
        db, AUTHDB_AUTHZREQ_GET,
        "SELECT id, session_digest, client_id, redirect_uri, state, scopes, code_challenge,"
        " nonce, patient_id, created_at, launch_account, encounter_id, fhir_context"
        " FROM authz_requests"
        " WHERE id = ?1 AND session_digest = ?2 AND created_at >= ?3",
        &s);
    if (st != FG_OK)
        return st;
    if (!authdb_bind_str(s, 1, id) || !authdb_bind_str(s, 2, session_digest) ||
        !authdb_bind_i64(s, 3, authdb_now(db) - SMART_AUTHZ_REQ_LIFETIME_S))
        return FG_ENOMEM;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        st = read_request(s, out);
    else
        st = rc == SQLITE_DONE ? FG_ENOTFOUND : authdb_step_error(rc);
    authdb_done(s);
    if (st != FG_OK)
        smart_authz_request_cleanup(out);
    return st;
}

enum fg_status smart_authdb_authzreq_set_patient(struct smart_authdb *db, struct fg_str id,
                                                 struct fg_str patient_id)
{
    if (patient_id.len == 0 || patient_id.len > SMART_MAX_PATIENT_ID)
        return FG_EINVAL;
    return update_one(db, AUTHDB_AUTHZREQ_SET_PATIENT,
                      "UPDATE authz_requests SET patient_id = ?2 WHERE id = ?1", id, false, 0,
                      patient_id);
}

enum fg_status smart_authdb_authzreq_delete(struct smart_authdb *db, struct fg_str id)
{
    sqlite3_stmt *s;
    enum fg_status st =
        authdb_stmt(db, AUTHDB_AUTHZREQ_DELETE, "DELETE FROM authz_requests WHERE id = ?1", &s);
    if (st != FG_OK)
        return st;
    if (!authdb_bind_str(s, 1, id))
        return FG_ENOMEM;
    return authdb_exec(s);
}
