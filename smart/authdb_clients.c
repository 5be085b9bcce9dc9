/* authdb_clients.c - registered OAuth clients (SMART client-authentication.html). */
#include "authdb_clients.h"

#include <string.h>

#include "../core/fg_mem.h"
#include "authdb_internal.h"

void smart_client_cleanup(struct smart_client *c)
{
    fg_free(c->name);
    fg_free(c->jwks);
    fg_free(c->jwks_uri);
    fg_free(c->scopes);
    fg_free(c->launch_uri);
    for (size_t i = 0; i < c->n_redirect_uris; i++)
        fg_free(c->redirect_uris[i]);
    memset(c, 0, sizeof *c);
}

static enum fg_status check_client(const struct smart_client *c, struct fg_error *err)
{
    size_t id_len = strnlen(c->client_id, sizeof c->client_id);
    if (id_len == 0 || id_len > SMART_MAX_CLIENT_ID)
        return fg_error_set(err, FG_EINVAL, "client_id", "client_id must be 1 to %d characters",
                            SMART_MAX_CLIENT_ID);
    if (!c->name || !c->name[0] || strlen(c->name) > SMART_MAX_CLIENT_NAME_BYTES)
        return fg_error_set(err, FG_EINVAL, "client_name", "the client needs a name of 1 to %d bytes",
                            SMART_MAX_CLIENT_NAME_BYTES);
    if (c->jwks_uri && strlen(c->jwks_uri) > SMART_MAX_REDIRECT_URI_BYTES)
        return fg_error_set(err, FG_EINVAL, "jwks_uri", "jwks_uri is at most %d bytes",
                            SMART_MAX_REDIRECT_URI_BYTES);
    if (!c->scopes)
        return fg_error_set(err, FG_EINVAL, "scope", "the client needs its allowed scopes");
    if (c->n_redirect_uris == 0 || c->n_redirect_uris > SMART_MAX_REDIRECT_URIS)
        return fg_error_set(err, FG_EINVAL, "redirect_uris", "1 to %d redirect URIs are required",
                            SMART_MAX_REDIRECT_URIS);
    for (size_t i = 0; i < c->n_redirect_uris; i++)
        if (!c->redirect_uris[i] || !c->redirect_uris[i][0] ||
            strlen(c->redirect_uris[i]) > SMART_MAX_REDIRECT_URI_BYTES)
            return fg_error_set(err, FG_EINVAL, "redirect_uris", "redirect URI %zu is empty or too long", i);
    bool has_secret = c->secret_digest[0] != '\0', has_keys = c->jwks || c->jwks_uri;
    switch (c->type) {
    case SMART_CLIENT_PUBLIC:
        if (has_secret || has_keys)
            return fg_error_set(err, FG_EINVAL, "token_endpoint_auth_method",
                                "a public client has no secret and no keys");
        return FG_OK;
    case SMART_CLIENT_CONFIDENTIAL_SYMMETRIC:
        if (strlen(c->secret_digest) != SMART_DIGEST_HEX || has_keys)
            return fg_error_set(err, FG_EINVAL, "client_secret",
                                "a symmetric client needs a secret digest and no keys");
        return FG_OK;
    case SMART_CLIENT_CONFIDENTIAL_ASYMMETRIC:
        if (!has_keys || has_secret)
            return fg_error_set(err, FG_EINVAL, "jwks",
                                "an asymmetric client needs a JWKS or a JWKS URL and no secret");
        return FG_OK;
    }
    return fg_error_set(err, FG_EINVAL, "token_endpoint_auth_method", "unknown client type");
}

/* The origin of uri into out (scheme://authority, ASCII lower-cased: uri up
 * to the first '/', '?' or '#' after "://"); "" when uri has no "://" or its
 * origin is longer than FG_MAX_ORIGIN_BYTES (no Origin header can name it). */
static void redirect_origin(const char *uri, char out[FG_MAX_ORIGIN_BYTES + 1])
{
    out[0] = '\0';
    const char *sep = strstr(uri, "://");
    if (!sep)
        return;
    size_t n = (size_t)(sep - uri) + 3 + strcspn(sep + 3, "/?#");
    if (n > FG_MAX_ORIGIN_BYTES)
        return;
    for (size_t i = 0; i < n; i++)
        out[i] = uri[i] >= 'A' && uri[i] <= 'Z' ? (char)(uri[i] - 'A' + 'a') : uri[i];
    out[n] = '\0';
}

static enum fg_status add_redirects(struct smart_authdb *db, const struct smart_client *c)
{
    for (size_t i = 0; i < c->n_redirect_uris; i++) {
        sqlite3_stmt *s;
        char origin[FG_MAX_ORIGIN_BYTES + 1];
        redirect_origin(c->redirect_uris[i], origin);
        enum fg_status st =
            authdb_stmt(db, AUTHDB_CLIENT_REDIRECT_ADD,
                        "INSERT OR IGNORE INTO client_redirect_uris(client_id, uri, origin)"
                        " VALUES (?1, ?2, ?3)",
                        &s);
        if (st != FG_OK)
            return st;
        if (!authdb_bind_cstr(s, 1, c->client_id) ||
            !authdb_bind_cstr(s, 2, c->redirect_uris[i]) || !authdb_bind_cstr(s, 3, origin))
            return FG_ENOMEM;
        st = authdb_exec(s);
        if (st != FG_OK)
            return st;
    }
    return FG_OK;
}

enum fg_status smart_authdb_client_add(struct smart_authdb *db, const struct smart_client *c,
                                       struct fg_error *err)
{
    enum fg_status st = check_client(c, err);
    if (st != FG_OK)
        return st;
    bool own_tx = sqlite3_get_autocommit(db->db);
    if (own_tx) {
        st = smart_authdb_begin_write(db);
        if (st != FG_OK)
            return fg_error_set(err, st, NULL, "auth database busy");
    }
    sqlite3_stmt *s;
    st = authdb_stmt(db, AUTHDB_CLIENT_ADD,
                     "INSERT INTO clients(client_id, name, type, secret_digest, jwks, jwks_uri,"
                     " scopes, created_at, launch_uri) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                     &s);
    if (st != FG_OK)
        goto out;
    if (!authdb_bind_cstr(s, 1, c->client_id) || !authdb_bind_cstr(s, 2, c->name) ||
        !authdb_bind_i64(s, 3, c->type) ||
        !authdb_bind_cstr(s, 4, c->secret_digest[0] ? c->secret_digest : NULL) ||
        !authdb_bind_cstr(s, 5, c->jwks) || !authdb_bind_cstr(s, 6, c->jwks_uri) ||
        !authdb_bind_cstr(s, 7, c->scopes) || !authdb_bind_i64(s, 8, authdb_now(db)) ||
        !authdb_bind_cstr(s, 9, c->launch_uri)) {
        st = FG_ENOMEM;
        goto out;
    }
    st = authdb_exec(s);
    if (st == FG_ECONFLICT)
        fg_error_set(err, st, "client_id", "client_id %s is already registered", c->client_id);
    if (st == FG_OK)
        st = add_redirects(db, c);
out:
    if (own_tx) {
        if (st == FG_OK)
            st = smart_authdb_commit(db);
        if (st != FG_OK)
            smart_authdb_rollback(db);
    }
    if (st != FG_OK)
        fg_error_set(err, st, NULL, "cannot store the client");
    return st;
}

static enum fg_status load_redirects(struct smart_authdb *db, struct smart_client *out)
{
    sqlite3_stmt *s;
    enum fg_status st = authdb_stmt(
        db, AUTHDB_CLIENT_REDIRECTS,
        "SELECT uri FROM client_redirect_uris WHERE client_id = ?1 ORDER BY uri", &s);
    if (st != FG_OK)
        return st;
    if (!authdb_bind_cstr(s, 1, out->client_id))
        return FG_ENOMEM;
    while (st == FG_OK && out->n_redirect_uris < SMART_MAX_REDIRECT_URIS) {
        int rc = sqlite3_step(s);
        if (rc != SQLITE_ROW) {
            st = rc == SQLITE_DONE ? FG_OK : authdb_step_error(rc);
            break;
        }
        st = authdb_col_dup(s, 0, &out->redirect_uris[out->n_redirect_uris]);
        if (st == FG_OK)
            out->n_redirect_uris++;
    }
    authdb_done(s);
    return st;
}

enum fg_status smart_authdb_client_get(struct smart_authdb *db, struct fg_str client_id,
                                       struct smart_client *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *s;
    enum fg_status st = authdb_stmt(db, AUTHDB_CLIENT_GET,
                                    "SELECT client_id, name, type, secret_digest, jwks, jwks_uri,"
                                    " scopes, created_at, launch_uri FROM clients WHERE client_id = ?1",
                                    &s);
    if (st != FG_OK)
        return st;
    if (!authdb_bind_str(s, 1, client_id))
        return FG_ENOMEM;
    int rc = sqlite3_step(s);
    if (rc != SQLITE_ROW) {
        st = rc == SQLITE_DONE ? FG_ENOTFOUND : authdb_step_error(rc);
        goto out;
    }
    out->type = (enum smart_client_type)sqlite3_column_int(s, 2);
    out->created_at = sqlite3_column_int64(s, 7);
    st = authdb_col_copy(s, 0, out->client_id, sizeof out->client_id);
    if (st == FG_OK)
        st = authdb_col_dup(s, 1, &out->name);
    if (st == FG_OK)
        st = authdb_col_copy(s, 3, out->secret_digest, sizeof out->secret_digest);
    if (st == FG_OK)
        st = authdb_col_dup(s, 4, &out->jwks);
    if (st == FG_OK)
        st = authdb_col_dup(s, 5, &out->jwks_uri);
    if (st == FG_OK)
        st = authdb_col_dup(s, 6, &out->scopes);
    if (st == FG_OK)
        st = authdb_col_dup(s, 8, &out->launch_uri);
    authdb_done(s);
    if (st == FG_OK)
        st = load_redirects(db, out);
out:
    authdb_done(s);
    if (st != FG_OK)
        smart_client_cleanup(out);
    return st;
}

/* Steps a bound "SELECT 1 ..." once: *ok = it found a row. Resets s. */
static enum fg_status step_exists(sqlite3_stmt *s, bool *ok)
{
    int rc = sqlite3_step(s);
    enum fg_status st = FG_OK;
    *ok = rc == SQLITE_ROW;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        st = authdb_step_error(rc);
    authdb_done(s);
    return st;
}

enum fg_status smart_authdb_client_redirect_ok(struct smart_authdb *db, struct fg_str client_id,
                                               struct fg_str uri, bool *ok)
{
    *ok = false;
    sqlite3_stmt *s;
    enum fg_status st = authdb_stmt(
        db, AUTHDB_CLIENT_REDIRECT_OK,
        "SELECT 1 FROM client_redirect_uris WHERE client_id = ?1 AND uri = ?2", &s);
    if (st != FG_OK)
        return st;
    if (!authdb_bind_str(s, 1, client_id) || !authdb_bind_str(s, 2, uri))
        return FG_ENOMEM;
    return step_exists(s, ok);
}

enum fg_status smart_authdb_origin_registered(struct smart_authdb *db, struct fg_str origin,
                                              bool *ok)
{
    *ok = false;
    if (origin.len == 0 || origin.len > FG_MAX_ORIGIN_BYTES)
        return FG_EINVAL;
    char lower[FG_MAX_ORIGIN_BYTES];
    for (size_t i = 0; i < origin.len; i++) {
        char c = origin.ptr[i];
        lower[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
    }
    sqlite3_stmt *s;
    enum fg_status st =
        authdb_stmt(db, AUTHDB_CLIENT_ORIGIN,
                    "SELECT 1 FROM client_redirect_uris WHERE origin = ?1 LIMIT 1", &s);
    if (st != FG_OK)
        return st;
    if (!authdb_bind_str(s, 1, fg_str_n(lower, origin.len)))
        return FG_ENOMEM;
    return step_exists(s, ok);
}

enum fg_status smart_authdb_client_check_secret(struct smart_authdb *db, struct fg_str client_id,
                                                struct fg_str secret, bool *ok)
{
    *ok = false;
    char stored[SMART_DIGEST_SIZE] = "", given[SMART_DIGEST_SIZE];
    sqlite3_stmt *s;
    enum fg_status st = authdb_stmt(db, AUTHDB_CLIENT_SECRET,
                                    "SELECT secret_digest FROM clients WHERE client_id = ?1"
                                    " AND type = 1",
                                    &s);
    if (st != FG_OK)
        return st;
    if (!authdb_bind_str(s, 1, client_id))
        return FG_ENOMEM;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        st = authdb_col_copy(s, 0, stored, sizeof stored);
    else if (rc != SQLITE_DONE)
        st = authdb_step_error(rc);
    authdb_done(s);
    smart_token_digest(secret, given);
    /* Compare even when there is no stored digest, so timing says nothing. */
    bool eq = smart_secret_eq(fg_str_n(given, SMART_DIGEST_HEX),
                              fg_str_n(stored[0] ? stored : given, SMART_DIGEST_HEX));
    *ok = st == FG_OK && stored[0] != '\0' && secret.len > 0 && eq;
    return st;
}

/* Revokes every live grant of the client (and so all its tokens). */
static enum fg_status revoke_client_grants(struct smart_authdb *db, struct fg_str client_id)
{
    sqlite3_stmt *s;
    enum fg_status st = authdb_stmt(db, AUTHDB_CLIENT_REVOKE_GRANTS,
                                    "UPDATE grants SET revoked_at = ?2,"
                                    " revoked_by = 'client-deleted'"
                                    " WHERE client_id = ?1 AND revoked_at = 0",
                                    &s);
    if (st != FG_OK)
        return st;
    if (!authdb_bind_str(s, 1, client_id) || !authdb_bind_i64(s, 2, authdb_now(db)))
        return FG_ENOMEM;
    st = authdb_exec(s);
    if (st == FG_OK)
        authdb_revoked(db);
    return st;
}

enum fg_status smart_authdb_client_delete(struct smart_authdb *db, struct fg_str client_id)
{
    bool own_tx = sqlite3_get_autocommit(db->db);
    enum fg_status st = own_tx ? smart_authdb_begin_write(db) : FG_OK;
    if (st != FG_OK)
        return st;
    sqlite3_stmt *s;
    st = authdb_stmt(db, AUTHDB_CLIENT_DELETE, "DELETE FROM clients WHERE client_id = ?1", &s);
    if (st != FG_OK)
        goto out;
    if (!authdb_bind_str(s, 1, client_id)) {
        st = FG_ENOMEM;
        goto out;
    }
    st = authdb_exec(s);
    if (st == FG_OK && sqlite3_changes(db->db) == 0)
        st = FG_ENOTFOUND;
    if (st == FG_OK)
        st = revoke_client_grants(db, client_id);
out:
    if (own_tx) {
        if (st == FG_OK)
            st = smart_authdb_commit(db);
        if (st != FG_OK)
            smart_authdb_rollback(db);
    }
    return st;
}

enum fg_status smart_authdb_client_ids(struct smart_authdb *db, smart_client_id_fn fn, void *arg)
{
    sqlite3_stmt *s;
    enum fg_status st = authdb_stmt(db, AUTHDB_CLIENT_LIST,
                                    "SELECT client_id FROM clients ORDER BY created_at, client_id",
                                    &s);
    if (st != FG_OK)
        return st;
    int rc;
    while (st == FG_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(s, 0);
        st = fn(arg, fg_str_n(id ? id : "", (size_t)sqlite3_column_bytes(s, 0)));
    }
    if (st == FG_OK && rc != SQLITE_DONE)
        st = authdb_step_error(rc);
    authdb_done(s);
    return st;
}

struct launch_walk {
    smart_launch_client_fn fn;
    void *arg;
};

static enum fg_status launch_client_row(void *arg, sqlite3_stmt *s)
{
    const struct launch_walk *w = arg;
    const char *id = (const char *)sqlite3_column_text(s, 0);
    const char *name = (const char *)sqlite3_column_text(s, 1);
    return id ? w->fn(w->arg, id, name ? name : id) : FG_ENOMEM;
}

enum fg_status smart_authdb_launch_clients(struct smart_authdb *db, smart_launch_client_fn fn,
                                           void *arg)
{
    sqlite3_stmt *s;
    enum fg_status st = authdb_stmt(db, AUTHDB_CLIENT_LAUNCHABLE,
                                    "SELECT client_id, name FROM clients WHERE launch_uri <> ''"
                                    " ORDER BY created_at, client_id",
                                    &s);
    if (st != FG_OK)
        return st;
    struct launch_walk w = {fn, arg};
    return authdb_step_rows(s, launch_client_row, &w);
}
