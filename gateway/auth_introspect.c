/* auth_introspect.c - token introspection (RFC 7662 + SMART
 * token-introspection.html, checklist I-1..I-4) and revocation (RFC 7009).
 *
 * Introspection callers authenticate as a confidential client or present
 * an active bearer token (I-4). An unknown, expired or revoked token is
 * exactly {"active":false}. Revoking a refresh token revokes its grant
 * (every access token issued under it dies with it, RFC 7009 §2.1);
 * revoking an access token revokes that token. Both bump the shared
 * revocation epoch, so every process sees it at the next request.
 */
#include <string.h>

#include "../smart/authdb_grants.h"
#include "../smart/authdb_tokcache.h"
#include "audit_req.h"
#include "auth.h"
#include "auth_client.h"
#include "auth_issue.h"
#include "auth_routes.h"
#include "server.h"

/* The bearer token of "Authorization: Bearer x", or an empty slice. */
static struct fg_str bearer(const struct fg_req *req)
{
    const char *h = fg_req_header(req, "Authorization");
    struct fg_str v = fg_str_trim(fg_str_c(h ? h : ""));
    if (v.len < 8 || !fg_str_ieq_c(fg_str_n(v.ptr, 7), "Bearer "))
        return (struct fg_str){0};
    return fg_str_trim(fg_str_n(v.ptr + 7, v.len - 7));
}

static bool bearer_active(struct smart_authdb *db, struct fg_str token)
{
    if (!smart_token_is_wellformed(token))
        return false;
    char digest[SMART_DIGEST_SIZE];
    smart_token_digest(token, digest);
    const struct smart_token_info *info = NULL;
    return smart_authdb_token_check(db, fg_str_c(digest), &info) == FG_OK && info->active &&
           info->kind == SMART_TOKEN_ACCESS;
}

static enum fg_status caller_ok(struct fg_req *req, const struct fg_auth_form *form,
                                struct smart_authdb *db)
{
    struct fg_str b = bearer(req);
    if (b.ptr) {
        if (bearer_active(db, b))
            return FG_OK;
        fg_auth_oauth_error(req, 401, "invalid_token", "the bearer token is not active");
        fg_resp_header(req, "WWW-Authenticate", "Bearer error=\"invalid_token\"");
        return FG_EUNAUTH;
    }
    struct fg_client_auth ca;
    enum fg_status st = fg_auth_client_authenticate(req, form, db, &ca);
    if (st != FG_OK)
        return st;
    bool confidential = ca.method != FG_CA_NONE;
    smart_client_cleanup(&ca.client);
    if (!confidential)
        return fg_auth_oauth_error(req, 401, "invalid_client",
                                   "introspection needs a confidential client or a bearer token");
    return FG_OK;
}

static bool add_active(struct fg_req *req, cJSON *o, const struct smart_token_info *info)
{
    char sub[FG_SUBJECT_MAX];
    fg_auth_subject(info->account_id, info->patient_id, info->client_id, sub);
    const char *rel = fg_auth_fhir_user(req->pool, info->account_id, info->practitioner_id,
                                        info->account_patient_id, info->patient_id);
    const char *user = rel ? fg_pool_printf(req->pool, "%s/%s", fg_req_base_url(req), rel) : NULL;
    return cJSON_AddTrueToObject(o, "active") &&
           cJSON_AddStringToObject(o, "scope", info->scopes ? info->scopes : "") &&
           cJSON_AddStringToObject(o, "client_id", info->client_id) &&
           cJSON_AddNumberToObject(o, "exp", (double)info->expires_at) &&
           cJSON_AddNumberToObject(o, "iat", (double)info->issued_at) &&
           cJSON_AddStringToObject(o, "sub", sub) &&
           cJSON_AddStringToObject(o, "iss", fg_req_base_url(req)) &&
           (info->kind != SMART_TOKEN_ACCESS || cJSON_AddStringToObject(o, "token_type", "Bearer")) &&
           (!info->patient_id[0] || cJSON_AddStringToObject(o, "patient", info->patient_id)) &&
           (!info->encounter_id[0] ||
            cJSON_AddStringToObject(o, "encounter", info->encounter_id)) &&
           fg_auth_add_fhir_context(o, info->fhir_context) &&
           (!user || cJSON_AddStringToObject(o, "fhirUser", user));
}

static enum fg_status introspect(struct fg_req *req, struct smart_authdb *db, struct fg_str token)
{
    struct smart_token_info info;
    memset(&info, 0, sizeof info);
    bool active = false;
    if (smart_token_is_wellformed(token)) {
        char digest[SMART_DIGEST_SIZE];
        smart_token_digest(token, digest);
        active = smart_authdb_token_lookup(db, fg_str_c(digest), &info) == FG_OK && info.active;
    }
    cJSON *o = cJSON_CreateObject();
    bool ok = o && (active ? add_active(req, o, &info) : cJSON_AddFalseToObject(o, "active") != NULL);
    smart_token_info_cleanup(&info);
    if (!ok) {
        cJSON_Delete(o);
        return fg_error_set(&req->err, FG_ENOMEM, NULL, "out of memory");
    }
    return fg_auth_send_json(req, 200, o, true);
}

enum fg_status fg_auth_introspect_handler(struct fg_req *req)
{
    if (!req->srv->auth)
        return fg_auth_oauth_error(req, 503, "temporarily_unavailable", "no authorization server");
    struct fg_auth_form form;
    struct fg_str token;
    enum fg_status st = fg_auth_read_form(req, &form);
    if (st != FG_OK)
        return st;
    if (fg_auth_form_get(&form, "token", &token) != FG_OK || !token.ptr || token.len == 0)
        return fg_auth_oauth_error(req, 400, "invalid_request", "token is required (once)");
    struct smart_authdb *db = fg_auth_acquire(req->srv->auth);
    st = caller_ok(req, &form, db);
    if (st == FG_OK)
        st = introspect(req, db, token);
    fg_auth_release(req->srv->auth, db);
    return st;
}

/* Revokes token when it belongs to client_id; anything else is a no-op. */
static enum fg_status revoke(struct smart_authdb *db, struct fg_str token, const char *client_id)
{
    if (!smart_token_is_wellformed(token))
        return FG_OK;
    char digest[SMART_DIGEST_SIZE];
    smart_token_digest(token, digest);
    struct smart_token_info info;
    memset(&info, 0, sizeof info);
    enum fg_status st = smart_authdb_token_lookup(db, fg_str_c(digest), &info);
    if (st == FG_ENOTFOUND)
        return FG_OK;
    if (st == FG_OK && strcmp(info.client_id, client_id) == 0) {
        if (info.kind == SMART_TOKEN_REFRESH)
            st = smart_authdb_grant_revoke(db, fg_str_c(info.grant_id), FG_STR_LIT("client-revoked"));
        else
            st = smart_authdb_token_revoke(db, fg_str_c(digest), false, NULL);
    }
    smart_token_info_cleanup(&info);
    return st;
}

enum fg_status fg_auth_revoke_handler(struct fg_req *req)
{
    if (!req->srv->auth)
        return fg_auth_oauth_error(req, 503, "temporarily_unavailable", "no authorization server");
    struct fg_auth_form form;
    struct fg_str token;
    enum fg_status st = fg_auth_read_form(req, &form);
    if (st != FG_OK)
        return st;
    if (fg_auth_form_get(&form, "token", &token) != FG_OK || !token.ptr || token.len == 0)
        return fg_auth_oauth_error(req, 400, "invalid_request", "token is required (once)");
    struct smart_authdb *db = fg_auth_acquire(req->srv->auth);
    struct fg_client_auth ca;
    st = fg_auth_client_authenticate(req, &form, db, &ca);
    if (st == FG_OK) {
        st = revoke(db, token, ca.client.client_id);
        struct fg_audit_who who = {.client_id = ca.client.client_id};
        fg_audit_auth_event(req, SMART_AUDIT_REVOKE, st == FG_OK ? 200 : 503, &who);
        smart_client_cleanup(&ca.client);
        if (st == FG_OK) {
            fg_resp_header(req, "Cache-Control", "no-store");
            fg_resp_set(req, 200, "application/json", FG_STR_LIT("{}"));
        } else {
            st = fg_auth_oauth_error(req, 503, "temporarily_unavailable", "retry");
        }
    }
    fg_auth_release(req->srv->auth, db);
    return st;
}
