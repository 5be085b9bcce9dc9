/* apps_launch.c - "Open an app" on /auth/apps: the portal acting as the EHR
 * launches an app (SMART App Launch 2.2 EHR launch) for the signed-in user
 * and one of the records they may see. Each app registered with a launch
 * URI gets a form (record chooser, "Open"); the POST (action=open, CSRF
 * checked by apps.c) creates a single-use launch (ehr_launch.h) and answers
 * 303 to the app's launch URI with ?iss=&launch=. The app then comes back
 * to /auth/authorize with that launch; the same user signs in (the session
 * usually still is) and consents. */
#include <string.h>

#include "../core/fg_mem.h"
#include "../smart/authdb_clients.h"
#include "apps.h"
#include "audit_req.h"
#include "authz_html.h"
#include "ehr_launch.h"
#include "server.h"

#define APPS_MAX_LAUNCHABLE 32

static enum fg_status app_form(struct apps_view *v, struct fg_buf *b, const char *client_id,
                               const char *name, size_t k)
{
    struct authz_ctx *c = v->c;
    enum fg_status st = fg_buf_append_c(b, "<section class=\"app launch\"><h3>");
    if (st == FG_OK)
        st = fg_html_escape(b, fg_str_c(name));
    if (st == FG_OK)
        st = fg_buf_printf(b, "</h3><form method=\"post\" action=\"%s\">", FG_APPS_PATH);
    if (st == FG_OK)
        st = fg_html_hidden(b, "csrf", c->session.csrf);
    if (st == FG_OK)
        st = fg_html_hidden(b, "client", client_id);
    if (st == FG_OK)
        st = fg_buf_printf(b, "<label for=\"open%zu\">%s</label><select id=\"open%zu\" "
                              "name=\"patient\">",
                           k, fg_i18n(c->lang, FG_MSG_APPS_OPEN_WITH), k);
    for (size_t i = 0; i < v->n && st == FG_OK; i++) {
        st = fg_buf_append_c(b, "<option value=\"");
        if (st == FG_OK)
            st = fg_html_escape(b, fg_str_c(v->pts[i].id));
        if (st == FG_OK)
            st = fg_buf_append_c(b, "\">");
        if (st == FG_OK)
            st = fg_html_escape(b, fg_str_c(v->pts[i].name));
        if (st == FG_OK)
            st = fg_buf_append_c(b, "</option>");
    }
    if (st == FG_OK)
        st = fg_buf_printf(b, "</select><button type=\"submit\" name=\"action\" value=\"open\">"
                              "%s</button></form></section>",
                           fg_i18n(c->lang, FG_MSG_APPS_OPEN_BUTTON));
    return st;
}

struct open_list {
    struct apps_view *v;
    struct fg_buf *b;
    size_t shown;
};

static enum fg_status open_form(void *arg, const char *client_id, const char *name)
{
    struct open_list *o = arg;
    if (o->shown == APPS_MAX_LAUNCHABLE)
        return FG_OK;
    struct authz_ctx *c = o->v->c;
    enum fg_status st = FG_OK;
    if (o->shown == 0)
        st = fg_buf_printf(o->b, "<h2 id=\"open\">%s</h2><p>%s</p>",
                           fg_i18n(c->lang, FG_MSG_APPS_OPEN_TITLE),
                           fg_i18n(c->lang, FG_MSG_APPS_OPEN_INTRO));
    if (st == FG_OK)
        st = app_form(o->v, o->b, client_id, name, o->shown);
    o->shown++;
    return st;
}

/* The apps with a launch URI only, straight from one query (any number of
 * other clients may be registered). */
enum fg_status apps_open_section(struct apps_view *v, struct fg_buf *b)
{
    struct open_list o = {v, b, 0};
    return v->n ? smart_authdb_launch_clients(v->c->db, open_form, &o) : FG_OK;
}

enum fg_status apps_open(struct apps_view *v)
{
    struct authz_ctx *c = v->c;
    struct fg_str patient = authz_param(c, "patient");
    bool mine = false;
    for (size_t i = 0; i < v->n && !mine; i++)
        mine = fg_str_eq_c(patient, v->pts[i].id);
    struct smart_client cl;
    if (!mine || smart_authdb_client_get(c->db, authz_param(c, "client"), &cl) != FG_OK)
        return authz_page_error(c, 403, FG_MSG_APPS_NOT_YOURS);
    char *pid = fg_pool_strndup(c->req->pool, patient.ptr, patient.len);
    char *cl_id = fg_pool_strdup(c->req->pool, cl.client_id);
    struct fg_buf url;
    fg_buf_init(&url, 8192);
    enum fg_status st = pid ? fg_ehr_launch_url(c->db, &cl, v->account_id, pid, NULL, NULL,
                                                fg_req_base_url(c->req), &url)
                            : FG_ENOMEM;
    char *loc = st == FG_OK ? fg_pool_strndup(c->req->pool, url.data, url.len) : NULL;
    fg_buf_cleanup(&url);
    smart_client_cleanup(&cl);
    struct fg_audit_who who = {.client_id = cl_id, .account_id = v->account_id,
                               .patient_id = pid};
    fg_audit_auth_event(c->req, SMART_AUDIT_LAUNCH, loc ? 303 : st == FG_ENOTFOUND ? 404 : 500,
                        &who);
    if (st == FG_ENOTFOUND)
        return authz_page_error(c, 404, FG_MSG_APPS_NOT_YOURS);
    if (!loc)
        return authz_page_error(c, 500, FG_MSG_APPS_OPEN_FAILED);
    return authz_see_other(c, loc);
}
