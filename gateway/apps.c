/* apps.c - the /auth/apps handlers: session, sign-in, revoking an app or
 * an adult proxy (see apps.h). Portal rules: /work/shared/docs/portal-rules.md. */
#include "apps.h"

#include <cJSON.h>
#include <stdio.h>
#include <string.h>

#include "../fhir/date.h"
#include "../fhir/store.h"
#include "../smart/authdb_accounts.h"
#include "audit.h"
#include "audit_req.h"
#include "auth.h"
#include "server.h"

#define FORM_MAX_PAIRS 64

void apps_view_load(struct apps_view *v, struct authz_ctx *c, int64_t account_id)
{
    memset(v, 0, sizeof *v);
    v->c = c;
    v->account_id = account_id;
    v->notice = FG_MSG_COUNT;
    v->n = authz_patients_for(c, v->pts);
}

bool apps_may_manage(const struct apps_view *v, const struct smart_grant *g)
{
    if (g->account_id == v->account_id && v->account_id != 0)
        return true;
    for (size_t i = 0; i < v->n; i++)
        if (g->patient_id[0] && strcmp(g->patient_id, v->pts[i].id) == 0)
            return true;
    return false;
}

enum fg_status apps_revoke(struct apps_view *v, const struct smart_grant *g)
{
    char by[SMART_MAX_REVOKED_BY + 1];
    int n = snprintf(by, sizeof by, "user:%lld", (long long)v->account_id);
    if (n < 0 || (size_t)n >= sizeof by)
        return FG_EIO;
    enum fg_status st = smart_authdb_grant_revoke(v->c->db, fg_str_c(g->id), fg_str_c(by));
    struct fg_audit_who who = {.client_id = g->client_id,
                               .account_id = v->account_id,
                               .patient_id = g->patient_id,
                               .grant_id = g->id};
    fg_audit_auth_event(v->c->req, SMART_AUDIT_REVOKE, st == FG_OK ? 200 : 500, &who);
    return st;
}

/* ---- the pages ---- */

static enum fg_status see_other(struct authz_ctx *c, const char *query)
{
    char *loc = fg_pool_printf(c->req->pool, "%s%s", FG_APPS_PATH, query);
    return loc ? authz_see_other(c, loc) : FG_ENOMEM;
}

static enum fg_status do_signin(struct authz_ctx *c)
{
    int64_t account_id = 0;
    enum fg_msg m = authz_signin_verify(c, NULL, &account_id);
    if (m == FG_MSG_ERR_INTERNAL)
        return authz_page_error(c, 500, m);
    if (m != FG_MSG_COUNT)
        return apps_page_signin(c, m);
    enum fg_status st = authz_signin_rotate(c, account_id);
    return st == FG_OK ? see_other(c, "") : st;
}

static enum fg_status do_revoke(struct apps_view *v)
{
    struct smart_grant g;
    struct authz_ctx *c = v->c;
    if (smart_authdb_grant_get(c->db, authz_param(c, "grant"), &g) != FG_OK)
        return authz_page_error(c, 404, FG_MSG_APPS_NOT_YOURS);
    enum fg_status st;
    if (!apps_may_manage(v, &g))
        st = authz_page_error(c, 403, FG_MSG_APPS_NOT_YOURS);
    else if (apps_revoke(v, &g) != FG_OK)
        st = authz_page_error(c, 500, FG_MSG_ERR_INTERNAL);
    else
        st = see_other(c, "?done=revoked");
    smart_grant_cleanup(&g);
    return st;
}

/* Revokes proxy p and the grants it gave apps for v's own record, in one
 * transaction: never a removed proxy whose apps keep their access. */
static enum fg_status remove_proxy(struct apps_view *v, const struct smart_proxy *p)
{
    struct smart_authdb *db = v->c->db;
    char by[SMART_MAX_REVOKED_BY + 1];
    int k = snprintf(by, sizeof by, "proxy-removed:user:%lld", (long long)v->account_id);
    if (k < 0 || (size_t)k >= sizeof by)
        return FG_EIO;
    enum fg_status st = smart_authdb_begin_write(db);
    if (st != FG_OK)
        return st;
    st = smart_authdb_proxy_revoke(db, p->id);
    if (st == FG_OK)
        st = smart_authdb_grants_revoke_for(db, p->account_id, fg_str_c(v->pts[0].id),
                                            fg_str_c(by), NULL);
    if (st == FG_OK)
        st = smart_authdb_commit(db);
    if (st != FG_OK)
        smart_authdb_rollback(db);
    return st;
}

/* An adult proxy on the user's own record: removed, and the grants that
 * proxy gave apps for this record revoked with it. */
static enum fg_status do_revoke_proxy(struct apps_view *v)
{
    struct authz_ctx *c = v->c;
    struct smart_proxy px[FG_AUTHZ_MAX_PATIENTS];
    size_t n = 0;
    int64_t id = 0;
    if (v->n == 0 || !v->pts[0].self ||
        fg_parse_i64(authz_param(c, "proxy"), 1, INT64_MAX, &id) != FG_OK ||
        smart_authdb_proxies_for_patient(c->db, fg_str_c(v->pts[0].id), px, FG_AUTHZ_MAX_PATIENTS,
                                         &n) != FG_OK)
        return authz_page_error(c, 403, FG_MSG_APPS_NOT_YOURS);
    for (size_t i = 0; i < n; i++) {
        if (px[i].id != id)
            continue;
        if (px[i].kind != SMART_PROXY_ADULT && px[i].kind != SMART_PROXY_COURT_GUARDIAN)
            break;
        enum fg_status st = remove_proxy(v, &px[i]);
        struct fg_audit_who who = {.account_id = v->account_id, .patient_id = v->pts[0].id};
        fg_audit_auth_event(c->req, SMART_AUDIT_REVOKE, st == FG_OK ? 200 : 500, &who);
        return st == FG_OK ? see_other(c, "?done=proxy")
                           : authz_page_error(c, 500, FG_MSG_ERR_INTERNAL);
    }
    return authz_page_error(c, 403, FG_MSG_APPS_NOT_YOURS);
}

static enum fg_status do_action(struct apps_view *v)
{
    struct fg_str action = authz_param(v->c, "action");
    if (fg_str_eq_c(action, "revoke"))
        return do_revoke(v);
    if (fg_str_eq_c(action, "revoke-proxy"))
        return do_revoke_proxy(v);
    if (fg_str_eq_c(action, "open"))
        return apps_open(v);
    if (fg_str_eq_c(action, "signout")) {
        smart_authdb_session_delete(v->c->db, fg_str_c(v->c->session.digest));
        return see_other(v->c, "");
    }
    return see_other(v->c, "");
}

typedef enum fg_status (*apps_step)(struct authz_ctx *c, bool post);

/* Session, language, CSRF (POST), then step. */
static enum fg_status handle(struct fg_req *req, bool post, apps_step step)
{
    struct authz_ctx c;
    bool answered;
    enum fg_status begun = authz_ctx_begin(&c, req, post, FORM_MAX_PAIRS, &answered);
    if (answered)
        return begun;
    if (post && !authz_csrf_ok(&c))
        return authz_ctx_end(&c, authz_page_error(&c, 403, FG_MSG_ERR_CSRF));
    return authz_ctx_end(&c, step(&c, post));
}

static enum fg_status main_step(struct authz_ctx *c, bool post)
{
    if (post && fg_str_eq_c(authz_param(c, "action"), "signin"))
        return do_signin(c);
    enum fg_status st = authz_ensure_session(c);
    if (st != FG_OK)
        return st;
    if (c->session.account_id == 0)
        return apps_page_signin(c, FG_MSG_COUNT);
    struct apps_view v;
    if (!post) /* counts and last use include the app's latest requests */
        fg_audit_flush(c->req->srv->audit);
    apps_view_load(&v, c, c->session.account_id);
    if (post)
        return do_action(&v);
    struct fg_str done = authz_param(c, "done");
    v.notice = fg_str_eq_c(done, "revoked") ? FG_MSG_APPS_REVOKED_DONE
               : fg_str_eq_c(done, "proxy") ? FG_MSG_APPS_PROXY_REVOKED_DONE
                                            : FG_MSG_COUNT;
    return apps_page_main(&v);
}

static enum fg_status activity_step(struct authz_ctx *c, bool post)
{
    (void)post;
    if (!c->have_session || c->session.account_id == 0)
        return see_other(c, "");
    struct apps_view v;
    struct smart_grant g;
    apps_view_load(&v, c, c->session.account_id);
    if (smart_authdb_grant_get(c->db, authz_param(c, "grant"), &g) != FG_OK)
        return authz_page_error(c, 404, FG_MSG_APPS_NOT_YOURS);
    fg_audit_flush(c->req->srv->audit);
    enum fg_status st = apps_may_manage(&v, &g) ? apps_page_activity(&v, &g)
                                                : authz_page_error(c, 403, FG_MSG_APPS_NOT_YOURS);
    smart_grant_cleanup(&g);
    return st;
}

enum fg_status fg_apps_get(struct fg_req *req)
{
    return handle(req, false, main_step);
}

enum fg_status fg_apps_post(struct fg_req *req)
{
    return handle(req, true, main_step);
}

enum fg_status fg_apps_activity(struct fg_req *req)
{
    return handle(req, false, activity_step);
}
