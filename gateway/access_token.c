/* access_token.c - bearer token of a /fhir request → struct smart_access
 * (see access_token.h). RFC 6750 §2.1, §3.1. */
#include "access_token.h"

#include <string.h>

#include "../core/fg_limits.h"
#include "../smart/authdb_accounts.h"
#include "../smart/authdb_tokcache.h"
#include "access_external.h"
#include "auth.h"
#include "server.h"

/* RFC 6750 b64token: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" */
static bool b64token(struct fg_str t)
{
    size_t i = 0;
    for (; i < t.len; i++) {
        unsigned char c = (unsigned char)t.ptr[i];
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
        if (!ok)
            break;
    }
    if (i == 0)
        return false;
    while (i < t.len && t.ptr[i] == '=')
        i++;
    return i == t.len;
}

enum fg_status fg_access_bearer(const char *header, struct fg_str *token, bool *present)
{
    *token = FG_STR_NULL;
    *present = header != NULL;
    if (!header)
        return FG_OK;
    struct fg_str v = fg_str_trim(fg_str_c(header));
    if (v.len < 8 || v.len > FG_MAX_BEARER_BYTES || !fg_str_ieq_c(fg_str_n(v.ptr, 7), "Bearer "))
        return FG_EINVAL;
    struct fg_str t = fg_str_trim(fg_str_n(v.ptr + 7, v.len - 7));
    if (!b64token(t))
        return FG_EINVAL;
    *token = t;
    return FG_OK;
}

enum fg_status fg_access_challenge(struct fg_req *req, const char *error_code,
                                   const char *description)
{
    const char *value =
        error_code ? fg_pool_printf(req->pool,
                                    "Bearer realm=\"" FG_ACCESS_REALM
                                    "\", error=\"%s\", error_description=\"%s\"",
                                    error_code, description)
                   : "Bearer realm=\"" FG_ACCESS_REALM "\"";
    if (value)
        fg_resp_header(req, "WWW-Authenticate", value);
    fg_error_clear(&req->err);
    return fg_error_set_http(&req->err, FG_EUNAUTH, 401, "login", NULL, "%s",
                             error_code ? description
                                        : "this request needs an access token "
                                          "(Authorization: Bearer ...)");
}

/* For user/ scopes: the signed-in user's name and the patients they reach:
 * the account's own record, then the proxies in force. */
static enum fg_status add_user(struct fg_req *req, struct smart_authdb *db,
                               struct smart_access *a)
{
    struct smart_account acc;
    enum fg_status st = smart_authdb_account_get_by_id(db, a->account_id, &acc);
    if (st == FG_ENOTFOUND)
        return FG_OK; /* the grant outlived the account: no user/ reach */
    if (st != FG_OK)
        return st;
    size_t n = strnlen(acc.username, sizeof acc.username);
    memcpy(a->user_name, acc.username, n);
    a->user_name[n] = '\0';
    if (acc.patient_id[0]) {
        struct fg_str own = fg_pool_str(req->pool, fg_str_c(acc.patient_id));
        if (!own.ptr || smart_access_add_user_patient(a, own) != FG_OK)
            return FG_ENOMEM;
    }
    struct smart_proxy px[SMART_ACCESS_MAX_PATIENTS];
    size_t n_px = 0;
    st = smart_authdb_proxies_for_account(db, a->account_id, px, SMART_ACCESS_MAX_PATIENTS, &n_px);
    if (st == FG_ETOOBIG)
        n_px = SMART_ACCESS_MAX_PATIENTS;
    else if (st != FG_OK)
        return st;
    for (size_t i = 0; i < n_px && i < SMART_ACCESS_MAX_PATIENTS; i++) {
        struct fg_str p = fg_pool_str(req->pool, fg_str_c(px[i].patient_id));
        if (!p.ptr)
            return FG_ENOMEM;
        if (smart_access_add_user_patient(a, p) != FG_OK)
            break;
    }
    return FG_OK;
}

static bool has_user_scope(const struct smart_scopes *s)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->items[i].kind == SMART_SCOPE_RESOURCE && s->items[i].context == SMART_CTX_USER)
            return true;
    return false;
}

/* Tokens this server issued: looked up by digest, the answer cached per
 * connection with the token (a hit needs no digest). */
static enum fg_status verify_local(struct fg_req *req, struct fg_str token,
                                   struct smart_access *a)
{
    if (!req->srv->auth)
        return fg_error_set(&req->err, FG_EBUSY, NULL, "no authorization server is configured");
    if (!smart_token_is_wellformed(token))
        return fg_access_challenge(req, "invalid_token", "the access token is not valid");
    struct smart_authdb *db = fg_auth_acquire(req->srv->auth);
    const struct smart_token_info *info = NULL;
    enum fg_status st = smart_authdb_token_check_bearer(db, req->srv->sha256, token, &info);
    if (st == FG_ENOTFOUND || (st == FG_OK && (!info->active || info->kind != SMART_TOKEN_ACCESS))) {
        fg_auth_release(req->srv->auth, db);
        return fg_access_challenge(req, "invalid_token",
                                   "the access token is unknown, expired or revoked");
    }
    if (st == FG_OK) {
        struct fg_error perr;
        fg_error_clear(&perr);
        st = smart_access_set(a, fg_str_c(info->client_id), info->account_id, FG_STR_NULL,
                              fg_str_c(info->patient_id), fg_str_c(info->grant_id),
                              fg_str_c(info->scopes ? info->scopes : ""), info->expires_at, &perr);
        if (st == FG_OK && info->practitioner_id[0])
            st = smart_access_set_practitioner(a, fg_str_c(info->practitioner_id));
        if (st == FG_OK && info->account_patient_id[0] &&
            smart_scopes_has(&a->scopes, SMART_SCOPE_FHIRUSER)) {
            /* the fhirUser's own Patient comes with the (cached) token row */
            struct fg_str own = fg_pool_str(req->pool, fg_str_c(info->account_patient_id));
            if (own.ptr)
                smart_access_set_fhir_user(a, own);
            else
                st = FG_ENOMEM;
        }
    }
    /* The account's name and proxies cost two queries: only user/ scopes
     * need them (patient/ scopes reach the launch patient alone). */
    if (st == FG_OK && a->account_id > 0 && has_user_scope(&a->scopes))
        st = add_user(req, db, a);
    fg_auth_release(req->srv->auth, db);
    if (st == FG_EINVAL)
        return fg_access_challenge(req, "invalid_token", "the access token's scopes are invalid");
    if (st != FG_OK)
        return fg_error_set(&req->err, st, NULL, "the access token could not be checked");
    return FG_OK;
}

enum fg_status fg_access_token_verify(struct fg_req *req, struct smart_access *a)
{
    struct fg_str token;
    bool present = false;
    if (fg_access_bearer(fg_req_header(req, "Authorization"), &token, &present) != FG_OK)
        return fg_access_challenge(req, "invalid_token",
                                   "the Authorization header is not a bearer token");
    if (!present)
        return fg_access_challenge(req, NULL, NULL);
    enum fg_status st;
    if (req->srv->verifier)
        st = fg_external_verify(req->srv->verifier, req, token, a);
    else
        st = verify_local(req, token, a);
    if (st == FG_OK)
        st = smart_policy_prepare(&req->srv->policy, a, req->pool, &req->err);
    return st;
}
