/* apps_api.c - the linked-apps JSON API for patient-built apps (see apps.h):
 * list the user's grants, revoke one. Bearer tokens only (RFC 6750). */
#include <stdio.h>
#include <string.h>

#include "../core/fg_clock.h"
#include "../smart/authdb_tokcache.h"
#include "../smart/scope.h"
#include "access_token.h"
#include "apps.h"
#include "audit.h"
#include "auth.h"
#include "auth_http.h"
#include "consent_fhir.h"
#include "server.h"
#include "virtual.h"

struct api_ctx {
    struct authz_ctx c;
    struct apps_view v;
};

/* RFC 6750 §3: 401 with WWW-Authenticate, or 403 insufficient_scope. */
static enum fg_status refuse(struct fg_req *req, int status, const char *error, const char *desc)
{
    char *h = fg_pool_printf(req->pool, "Bearer error=\"%s\"", error);
    fg_auth_oauth_error(req, status, error, desc);
    if (h)
        fg_resp_header(req, "WWW-Authenticate", h);
    return FG_EUNAUTH;
}

/* True when the token's scopes grant Consent interaction `perm` in the
 * patient or user context. */
static bool scope_ok(const char *scopes, char perm)
{
    struct smart_scopes s;
    smart_scopes_init(&s);
    bool ok = smart_scopes_parse(fg_str_c(scopes ? scopes : ""), &s, NULL) == FG_OK &&
              (smart_scopes_allows(&s, SMART_CTX_USER, fg_str_c("Consent"), perm) ||
               smart_scopes_allows(&s, SMART_CTX_PATIENT, fg_str_c("Consent"), perm));
    smart_scopes_cleanup(&s);
    return ok;
}

/* Authenticates the bearer token (active access token of a user) and
 * checks the scope; on success a->v is the user's view. */
static enum fg_status authenticate(struct api_ctx *a, char perm)
{
    struct fg_req *req = a->c.req;
    struct fg_str token;
    bool present;
    if (fg_access_bearer(fg_req_header(req, "Authorization"), &token, &present) != FG_OK ||
        !present)
        return refuse(req, 401, "invalid_request", "a bearer token is required");
    char digest[SMART_DIGEST_SIZE];
    smart_token_digest(token, digest);
    const struct smart_token_info *info = NULL;
    if (smart_authdb_token_check(a->c.db, fg_str_c(digest), &info) != FG_OK || !info->active ||
        info->kind != SMART_TOKEN_ACCESS || info->account_id == 0)
        return refuse(req, 401, "invalid_token", "the token is unknown, expired or revoked");
    if (!scope_ok(info->scopes, perm))
        return refuse(req, 403, "insufficient_scope",
                      perm == 'u' ? "revoking needs patient/Consent.u or user/Consent.u"
                                  : "listing needs patient/Consent.rs or user/Consent.rs");
    a->c.session.account_id = info->account_id;
    apps_view_load(&a->v, &a->c, info->account_id);
    return FG_OK;
}

static bool add_time(cJSON *o, const char *name, int64_t t_s)
{
    if (!t_s)
        return cJSON_AddNullToObject(o, name) != NULL;
    char when[FG_INSTANT_MAX];
    fg_clock_format_instant(t_s * 1000000, when);
    return cJSON_AddStringToObject(o, name, when) != NULL;
}

static cJSON *grant_json(struct api_ctx *a, const struct smart_grant *g)
{
    char consent[SMART_GRANT_ID_SIZE];
    fg_consent_id_from_grant(g->id, consent, sizeof consent);
    int64_t now = fg_clock_now_s(&a->c.req->srv->clock);
    cJSON *o = cJSON_CreateObject();
    bool ok =
        o && cJSON_AddStringToObject(o, "id", g->id) &&
        cJSON_AddStringToObject(o, "consent", consent) &&
        cJSON_AddStringToObject(o, "client_id", g->client_id) &&
        cJSON_AddStringToObject(o, "client_name", authz_client_name(&a->c, g->client_id)) &&
        cJSON_AddStringToObject(o, "patient", g->patient_id) &&
        cJSON_AddStringToObject(o, "scopes", g->scopes ? g->scopes : "") &&
        cJSON_AddStringToObject(o, "status", fg_grant_active(g, now) ? "active" : "inactive") &&
        add_time(o, "granted_at", g->granted_at) && add_time(o, "last_used_at", g->last_used_at) &&
        add_time(o, "expires_at", g->expires_at) && add_time(o, "revoked_at", g->revoked_at) &&
        (g->revoked_by[0] ? cJSON_AddStringToObject(o, "revoked_by", g->revoked_by) != NULL
                          : cJSON_AddNullToObject(o, "revoked_by") != NULL);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

struct list_walk {
    struct api_ctx *a;
    cJSON *arr;
};

static enum fg_status list_item(void *arg, const struct smart_grant *g)
{
    struct list_walk *w = arg;
    cJSON *o = grant_json(w->a, g);
    if (!o || !cJSON_AddItemToArray(w->arr, o)) {
        cJSON_Delete(o);
        return FG_ENOMEM;
    }
    return FG_OK;
}

typedef enum fg_status (*api_step)(struct api_ctx *a);

static enum fg_status run(struct fg_req *req, char perm, api_step step)
{
    struct api_ctx a;
    memset(&a, 0, sizeof a);
    a.c.req = req;
    if (!req->srv->auth)
        return fg_auth_oauth_error(req, 404, "invalid_request", "no authorization server");
    a.c.db = fg_auth_acquire(req->srv->auth);
    enum fg_status st = authenticate(&a, perm);
    if (st == FG_OK)
        st = step(&a);
    fg_auth_release(req->srv->auth, a.c.db);
    if (st != FG_OK && req->resp.status == 0)
        fg_auth_oauth_error(req, 500, "server_error", "the grants could not be read");
    return st;
}

static enum fg_status list_step(struct api_ctx *a)
{
    cJSON *o = cJSON_CreateObject();
    struct list_walk w = {.a = a, .arr = o ? cJSON_AddArrayToObject(o, "grants") : NULL};
    enum fg_status st = w.arr ? FG_OK : FG_ENOMEM;
    fg_audit_flush(a->c.req->srv->audit); /* last_used_at includes the latest requests */
    for (size_t i = 0; i < a->v.n && st == FG_OK; i++)
        st = smart_authdb_grants_for_patient(a->c.db, fg_str_c(a->v.pts[i].id), list_item, &w);
    if (st != FG_OK) {
        cJSON_Delete(o);
        return st;
    }
    return fg_auth_send_json(a->c.req, 200, o, true);
}

static enum fg_status revoke_step(struct api_ctx *a)
{
    struct fg_auth_form form;
    struct fg_str id;
    struct smart_grant g;
    enum fg_status st = fg_auth_read_form(a->c.req, &form);
    if (st != FG_OK)
        return st;
    if (fg_auth_form_get(&form, "grant", &id) != FG_OK || !id.len)
        return fg_auth_oauth_error(a->c.req, 400, "invalid_request", "grant=<id> is required");
    if (smart_authdb_grant_get(a->c.db, id, &g) != FG_OK)
        return fg_auth_oauth_error(a->c.req, 404, "invalid_request", "no such grant");
    if (!apps_may_manage(&a->v, &g))
        st = fg_auth_oauth_error(a->c.req, 404, "invalid_request", "no such grant");
    else
        st = apps_revoke(&a->v, &g);
    smart_grant_cleanup(&g);
    if (st == FG_OK && smart_authdb_grant_get(a->c.db, id, &g) == FG_OK) {
        cJSON *o = grant_json(a, &g);
        smart_grant_cleanup(&g);
        return o ? fg_auth_send_json(a->c.req, 200, o, true) : FG_ENOMEM;
    }
    return st;
}

enum fg_status fg_apps_api_list(struct fg_req *req)
{
    return run(req, 'r', list_step);
}

enum fg_status fg_apps_api_revoke(struct fg_req *req)
{
    return run(req, 'u', revoke_step);
}
