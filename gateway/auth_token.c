/* auth_token.c - the token endpoint, POST /auth/token (RFC 6749 §3.2, §4.1.3,
 * §4.4, §6; SMART App Launch 2.2; RFC 7636 §4.6 PKCE).
 *
 * Grants: authorization_code (single-use code, ≤ 60 s, bound to the client
 * and redirect_uri, PKCE S256; a reused code revokes the grant it
 * issued), refresh_token (rotation: the old refresh token dies, scope may
 * narrow and never widen), client_credentials (confidential asymmetric
 * clients, system/ scopes). Errors are RFC 6749 §5.2 JSON.
 */
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

#include "../core/fg_limits.h"
#include "../core/fg_mem.h"
#include "../smart/authdb_accounts.h"
#include "../smart/authdb_codes.h"
#include "../smart/pkce.h"
#include "../smart/scope.h"
#include "audit_req.h"
#include "auth.h"
#include "auth_client.h"
#include "auth_http.h"
#include "auth_issue.h"
#include "auth_routes.h"
#include "server.h"

struct token_ctx {
    struct fg_req *req;
    struct fg_auth *auth;
    struct smart_authdb *db;
    struct fg_auth_form form;
    struct fg_client_auth ca;
    /* what the audit row of this request names (set when tokens were issued) */
    char grant_id[SMART_GRANT_ID_SIZE];
    char patient_id[SMART_MAX_PATIENT_ID + 1];
    int64_t account_id;
};

static enum fg_status param(struct token_ctx *t, const char *name, struct fg_str *v)
{
    if (fg_auth_form_get(&t->form, name, v) != FG_OK)
        return fg_auth_oauth_error(t->req, 400, "invalid_request", "a parameter is repeated");
    return FG_OK;
}

static enum fg_status send_tokens(struct token_ctx *t, struct fg_issue *is)
{
    struct fg_buf b;
    fg_buf_init(&b, 64 * 1024);
    enum fg_status st = fg_auth_token_response(is, &b);
    struct fg_str body = st == FG_OK ? fg_pool_str(t->req->pool, fg_buf_str(&b)) : (struct fg_str){0};
    fg_buf_cleanup(&b);
    if (!body.ptr)
        return fg_error_set(&t->req->err, FG_ENOMEM, NULL, "out of memory");
    fg_resp_header(t->req, "Cache-Control", "no-store");
    fg_resp_header(t->req, "Pragma", "no-cache");
    fg_resp_set(t->req, 200, "application/json", body);
    return FG_OK;
}

/* The user's FHIR resource for the id_token of a code exchange (pool-owned):
 * the signed-in account's, read here (a refresh has it in the token row). */
static const char *code_fhir_user(struct token_ctx *t, const struct smart_code *c)
{
    struct smart_account acc;
    memset(&acc, 0, sizeof acc);
    if (c->account_id > 0 && smart_authdb_account_get_by_id(t->db, c->account_id, &acc) != FG_OK)
        return NULL;
    const char *user = fg_auth_fhir_user(t->req->pool, c->account_id, acc.practitioner_id,
                                         acc.patient_id, c->patient_id);
    OPENSSL_cleanse(&acc, sizeof acc);
    return user;
}

/* An EHR launch's grant (the `launch` scope was granted): the smart_style_url. */
static const char *style_url_of(struct token_ctx *t, const char *grant_scopes)
{
    return fg_scope_has(grant_scopes, "launch") ? fg_auth_abs_url(t->req, FG_AUTH_PATH_SMART_STYLE)
                                                : NULL;
}

static enum fg_status issue_and_send(struct token_ctx *t, struct fg_issue *is)
{
    struct fg_error err;
    fg_error_clear(&err);
    enum fg_status st = fg_auth_issue(t->auth, t->db, is, &err);
    if (st == FG_OK)
        st = smart_authdb_commit(t->db);
    else
        smart_authdb_rollback(t->db);
    if (st == FG_OK)
        st = send_tokens(t, is);
    else
        fg_auth_oauth_error(t->req, 500, "server_error", "tokens could not be issued");
    if (st == FG_OK) {
        memcpy(t->grant_id, is->grant_out, sizeof t->grant_id);
        snprintf(t->patient_id, sizeof t->patient_id, "%s", is->patient_id ? is->patient_id : "");
        t->account_id = is->account_id;
    }
    fg_issue_cleanup(is);
    return st;
}

/* Checks a consumed code against the request; NULL when it holds, else the
 * error_description for invalid_grant. */
static const char *code_mismatch(struct token_ctx *t, const struct smart_code *c)
{
    struct fg_str redirect, verifier;
    if (fg_auth_form_get(&t->form, "redirect_uri", &redirect) != FG_OK ||
        fg_auth_form_get(&t->form, "code_verifier", &verifier) != FG_OK)
        return "a parameter is repeated";
    if (strcmp(c->client_id, t->ca.client.client_id) != 0)
        return "the code was issued to another client";
    if (!redirect.ptr || !c->redirect_uri || !fg_str_eq_c(redirect, c->redirect_uri))
        return "redirect_uri does not match the authorization request";
    if (smart_pkce_verify(verifier, fg_str_c(c->code_challenge), NULL) != FG_OK)
        return "code_verifier does not match the code_challenge";
    return NULL;
}

static enum fg_status grant_code(struct token_ctx *t)
{
    struct fg_str code;
    enum fg_status st = param(t, "code", &code);
    if (st != FG_OK)
        return st;
    if (!code.ptr || code.len == 0)
        return fg_auth_oauth_error(t->req, 400, "invalid_request", "code is required");
    if (!smart_token_is_wellformed(code))
        return fg_auth_oauth_error(t->req, 400, "invalid_grant", "invalid authorization code");
    char digest[SMART_DIGEST_SIZE];
    smart_token_digest(code, digest);
    if (smart_authdb_begin_write(t->db) != FG_OK)
        return fg_auth_oauth_error(t->req, 503, "temporarily_unavailable", "busy, retry");
    struct smart_code c;
    memset(&c, 0, sizeof c);
    st = smart_authdb_code_consume(t->db, fg_str_c(digest), &c);
    const char *why = NULL;
    if (st == FG_ECONFLICT) {
        if (c.grant_id[0])
            smart_authdb_grant_revoke(t->db, fg_str_c(c.grant_id), FG_STR_LIT("code-reuse"));
        why = "the authorization code was already used";
    } else if (st == FG_EGONE) {
        why = "the authorization code has expired";
    } else if (st != FG_OK) {
        why = "invalid authorization code";
    } else {
        why = code_mismatch(t, &c);
    }
    /* the grant the consent stored holds the launch's encounter */
    struct smart_grant g;
    memset(&g, 0, sizeof g);
    if (!why) {
        enum fg_status gs = smart_authdb_grant_get(t->db, fg_str_c(c.grant_id), &g);
        if (gs != FG_OK && gs != FG_ENOTFOUND) {
            smart_authdb_rollback(t->db);
            smart_code_cleanup(&c);
            return fg_auth_oauth_error(t->req, 503, "temporarily_unavailable", "busy, retry");
        }
        if (gs == FG_ENOTFOUND || g.revoked_at)
            why = "the authorization was revoked";
    }
    if (why) {
        if (st == FG_ENOTFOUND || smart_authdb_commit(t->db) != FG_OK)
            smart_authdb_rollback(t->db);
        smart_grant_cleanup(&g);
        smart_code_cleanup(&c);
        return fg_auth_oauth_error(t->req, 400, "invalid_grant", why);
    }
    struct fg_issue is = {
        .client_id = t->ca.client.client_id,
        .scopes = c.scopes,
        .patient_id = c.patient_id,
        .encounter_id = g.encounter_id,
        .fhir_context = g.fhir_context,
        .style_url = style_url_of(t, c.scopes),
        .account_id = c.account_id,
        .fhir_user = code_fhir_user(t, &c),
        .nonce = c.nonce,
        .grant_id = c.grant_id,
    };
    st = issue_and_send(t, &is);
    smart_grant_cleanup(&g);
    smart_code_cleanup(&c);
    return st;
}

/* The scopes of a refresh: the requested narrowing (canonical string,
 * pool-owned) or the refresh token's own. NULL after answering an error. */
static const char *refresh_scopes(struct token_ctx *t, const char *granted)
{
    struct fg_str want;
    if (param(t, "scope", &want) != FG_OK)
        return NULL;
    if (!want.ptr || want.len == 0)
        return granted;
    struct smart_scopes w, g;
    smart_scopes_init(&w);
    smart_scopes_init(&g);
    struct fg_buf b;
    fg_buf_init(&b, FG_MAX_SCOPE_BYTES * 2);
    const char *out = NULL;
    if (smart_scopes_parse(want, &w, NULL) != FG_OK ||
        smart_scopes_parse(fg_str_c(granted), &g, NULL) != FG_OK ||
        !smart_scopes_is_subset(&w, &g)) {
        fg_auth_oauth_error(t->req, 400, "invalid_scope",
                            "the requested scope is not within the original grant");
    } else if (smart_scopes_write(&w, &b) == FG_OK) {
        out = fg_pool_strndup(t->req->pool, fg_buf_str(&b).ptr, fg_buf_str(&b).len);
    }
    if (!out && t->req->resp.status == 0)
        fg_auth_oauth_error(t->req, 500, "server_error", "out of memory");
    fg_buf_cleanup(&b);
    smart_scopes_cleanup(&w);
    smart_scopes_cleanup(&g);
    return out;
}

static enum fg_status grant_refresh(struct token_ctx *t)
{
    struct fg_str token;
    enum fg_status st = param(t, "refresh_token", &token);
    if (st != FG_OK)
        return st;
    if (!token.ptr || token.len == 0)
        return fg_auth_oauth_error(t->req, 400, "invalid_request", "refresh_token is required");
    char digest[SMART_DIGEST_SIZE];
    smart_token_digest(token, digest);
    if (smart_authdb_begin_write(t->db) != FG_OK)
        return fg_auth_oauth_error(t->req, 503, "temporarily_unavailable", "busy, retry");
    struct smart_token_info info;
    memset(&info, 0, sizeof info);
    st = smart_token_is_wellformed(token) ? smart_authdb_token_lookup(t->db, fg_str_c(digest), &info)
                                          : FG_ENOTFOUND;
    bool usable = st == FG_OK && info.active && info.kind == SMART_TOKEN_REFRESH &&
                  strcmp(info.client_id, t->ca.client.client_id) == 0;
    const char *scopes = usable ? refresh_scopes(t, info.scopes) : NULL;
    if (!scopes) {
        smart_authdb_rollback(t->db);
        smart_token_info_cleanup(&info);
        if (t->req->resp.status)
            return FG_EINVAL;
        return fg_auth_oauth_error(t->req, 400, "invalid_grant", "invalid refresh token");
    }
    /* Rotation: the presented refresh token dies now. */
    st = smart_authdb_token_revoke(t->db, fg_str_c(digest), false, NULL);
    if (st != FG_OK) {
        smart_authdb_rollback(t->db);
        smart_token_info_cleanup(&info);
        return fg_auth_oauth_error(t->req, 500, "server_error", "cannot rotate the token");
    }
    struct fg_issue is = {
        .client_id = t->ca.client.client_id,
        .scopes = scopes,
        .grant_scopes = info.scopes,
        .patient_id = info.patient_id,
        .encounter_id = info.encounter_id,
        .fhir_context = info.fhir_context,
        .account_id = info.account_id,
        .fhir_user = fg_auth_fhir_user(t->req->pool, info.account_id, info.practitioner_id,
                                       info.account_patient_id, info.patient_id),
        .grant_id = info.grant_id,
    };
    st = issue_and_send(t, &is);
    smart_token_info_cleanup(&info);
    return st;
}

/* client_credentials: only system/ scopes within the client's allowed set. */
static enum fg_status grant_client_credentials(struct token_ctx *t)
{
    if (t->ca.method != FG_CA_JWT)
        return fg_auth_oauth_error(t->req, 400, "unauthorized_client",
                                   "client_credentials needs a private_key_jwt client");
    struct fg_str want;
    enum fg_status st = param(t, "scope", &want);
    if (st != FG_OK)
        return st;
    struct smart_scopes w, allowed, granted;
    smart_scopes_init(&w);
    smart_scopes_init(&allowed);
    smart_scopes_init(&granted);
    struct fg_buf b;
    fg_buf_init(&b, FG_MAX_SCOPE_BYTES * 2);
    bool ok = want.ptr && want.len && smart_scopes_parse(want, &w, NULL) == FG_OK &&
              smart_scopes_parse(fg_str_c(t->ca.client.scopes ? t->ca.client.scopes : ""),
                                 &allowed, NULL) == FG_OK;
    for (size_t i = 0; ok && i < w.n; i++)
        ok = w.items[i].kind == SMART_SCOPE_RESOURCE && w.items[i].context == SMART_CTX_SYSTEM;
    ok = ok && smart_scopes_intersect(&w, &allowed, &granted) == FG_OK && granted.n > 0 &&
         smart_scopes_write(&granted, &b) == FG_OK;
    const char *scopes = ok ? fg_pool_strndup(t->req->pool, fg_buf_str(&b).ptr, fg_buf_str(&b).len) : NULL;
    fg_buf_cleanup(&b);
    smart_scopes_cleanup(&w);
    smart_scopes_cleanup(&allowed);
    smart_scopes_cleanup(&granted);
    if (!scopes)
        return fg_auth_oauth_error(t->req, 400, "invalid_scope",
                                   "request system/ scopes this client is registered for");
    if (smart_authdb_begin_write(t->db) != FG_OK)
        return fg_auth_oauth_error(t->req, 503, "temporarily_unavailable", "busy, retry");
    struct fg_issue is = {.client_id = t->ca.client.client_id, .scopes = scopes,
                          .lifetime_s = FG_BACKEND_TOKEN_LIFETIME_S};
    return issue_and_send(t, &is);
}

enum fg_status fg_auth_token_handler(struct fg_req *req)
{
    if (!req->srv->auth)
        return fg_auth_oauth_error(req, 503, "temporarily_unavailable", "no authorization server");
    struct token_ctx t = {.req = req, .auth = req->srv->auth};
    enum fg_status st = fg_auth_read_form(req, &t.form);
    if (st != FG_OK)
        return st;
    struct fg_str type;
    st = param(&t, "grant_type", &type);
    if (st != FG_OK)
        return st;
    if (!type.ptr || type.len == 0)
        return fg_auth_oauth_error(req, 400, "invalid_request", "grant_type is required");
    t.db = fg_auth_acquire(t.auth);
    st = fg_auth_client_authenticate(req, &t.form, t.db, &t.ca);
    if (st == FG_OK) {
        if (fg_str_eq_c(type, "authorization_code"))
            st = grant_code(&t);
        else if (fg_str_eq_c(type, "refresh_token"))
            st = grant_refresh(&t);
        else if (fg_str_eq_c(type, "client_credentials"))
            st = grant_client_credentials(&t);
        else
            st = fg_auth_oauth_error(req, 400, "unsupported_grant_type",
                                     "grant_type is not supported");
        struct fg_audit_who who = {.client_id = t.ca.client.client_id, .account_id = t.account_id,
                                   .patient_id = t.patient_id, .grant_id = t.grant_id};
        fg_audit_auth_event(req,
                            fg_str_eq_c(type, "refresh_token") ? SMART_AUDIT_REFRESH
                                                               : SMART_AUDIT_TOKEN,
                            req->resp.status, &who);
        smart_client_cleanup(&t.ca.client);
    }
    fg_auth_release(t.auth, t.db);
    return st;
}
