/* apps_pages.c - the HTML of /auth/apps: sign-in, linked apps (with what
 * each app read and wrote, from the audit log), who can see my record, and
 * one app's full activity. No JavaScript; every form carries the CSRF token. */
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "../smart/authdb_accounts.h"
#include "../smart/authdb_audit.h"
#include "../smart/authdb_clients.h"
#include "apps.h"
#include "authz_consent.h"
#include "authz_html.h"
#include "consent_fhir.h"
#include "server.h"

#define MAX_TYPES 64 /* record types counted per app */

static enum fg_status begin(struct authz_ctx *c, struct fg_buf *b, enum fg_msg title,
                            const char *path)
{
    char href[64];
    int n = snprintf(href, sizeof href, "%s?", path);
    return authz_page_begin(c, b, title, n > 0 && (size_t)n < sizeof href ? href : NULL);
}

static enum fg_status text(struct fg_buf *b, const char *open, const char *s, const char *close)
{
    enum fg_status st = fg_buf_append_c(b, open);
    if (st == FG_OK)
        st = fg_html_escape(b, fg_str_c(s ? s : ""));
    return st == FG_OK ? fg_buf_append_c(b, close) : st;
}

/* "2026-11-23 14:05 UTC" */
static void format_time(int64_t t_s, char out[32])
{
    time_t t = (time_t)t_s;
    struct tm tm;
    if (!gmtime_r(&t, &tm) || strftime(out, 32, "%Y-%m-%d %H:%M UTC", &tm) == 0)
        out[0] = '\0';
}

static enum fg_status form_open(struct authz_ctx *c, struct fg_buf *b)
{
    enum fg_status st = fg_buf_printf(b, "<form method=\"post\" action=\"%s\">", FG_APPS_PATH);
    return st == FG_OK ? fg_html_hidden(b, "csrf", c->session.csrf) : st;
}

enum fg_status apps_page_signin(struct authz_ctx *c, enum fg_msg notice)
{
    struct fg_buf b;
    enum fg_status st = begin(c, &b, FG_MSG_APPS_TITLE, FG_APPS_PATH);
    if (st == FG_OK && notice != FG_MSG_COUNT)
        st = text(&b, "<p class=\"err\" role=\"alert\">", fg_i18n(c->lang, notice), "</p>");
    if (st == FG_OK)
        st = text(&b, "<p>", fg_i18n(c->lang, FG_MSG_APPS_SIGNIN_INTRO), "</p>");
    if (st == FG_OK)
        st = form_open(c, &b);
    if (st == FG_OK)
        st = authz_signin_fields(c, &b);
    return authz_page_finish(c, notice != FG_MSG_COUNT ? 401 : 200, &b, st);
}

/* ---- one app ---- */

struct type_count {
    char type[SMART_AUDIT_MAX_TYPE + 1];
    int64_t read, written;
};

struct counts {
    struct type_count rows[MAX_TYPES];
    size_t n;
};

static enum fg_status add_count(void *arg, const char *type, enum smart_audit_kind kind,
                                int64_t count)
{
    struct counts *c = arg;
    size_t i = 0;
    while (i < c->n && strcmp(c->rows[i].type, type) != 0)
        i++;
    if (i == c->n) {
        if (c->n == MAX_TYPES)
            return FG_OK;
        memset(&c->rows[i], 0, sizeof c->rows[i]);
        memcpy(c->rows[i].type, type, strlen(type) + 1);
        c->n++;
    }
    char action = smart_audit_kind_action(kind);
    if (action == 'C' || action == 'U' || action == 'D')
        c->rows[i].written += count;
    else
        c->rows[i].read += count;
    return FG_OK;
}

static enum fg_status counts_table(struct authz_ctx *c, struct fg_buf *b, const char *grant_id)
{
    struct counts cs;
    cs.n = 0;
    enum fg_status st = smart_authdb_audit_counts(c->db, fg_str_c(grant_id), add_count, &cs);
    if (st == FG_OK)
        st = text(b, "<h4>", fg_i18n(c->lang, FG_MSG_APPS_DID), "</h4>");
    if (st == FG_OK && cs.n == 0)
        return text(b, "<p>", fg_i18n(c->lang, FG_MSG_APPS_NOTHING_YET), "</p>");
    if (st == FG_OK)
        st = fg_buf_printf(b,
                           "<table class=\"counts\"><tr><th scope=\"col\">%s</th>"
                           "<th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr>",
                           fg_i18n(c->lang, FG_MSG_APPS_COL_TYPE),
                           fg_i18n(c->lang, FG_MSG_APPS_COL_READ),
                           fg_i18n(c->lang, FG_MSG_APPS_COL_WRITTEN));
    for (size_t i = 0; i < cs.n && st == FG_OK; i++) {
        st = text(b, "<tr><th scope=\"row\">", cs.rows[i].type, "</th>");
        if (st == FG_OK)
            st = fg_buf_printf(b, "<td>%" PRId64 "</td><td>%" PRId64 "</td></tr>", cs.rows[i].read,
                               cs.rows[i].written);
    }
    return st == FG_OK ? fg_buf_append_c(b, "</table>") : st;
}

static enum fg_msg act_msg(enum smart_audit_kind k)
{
    switch (k) {
    case SMART_AUDIT_READ:
    case SMART_AUDIT_VREAD:
    case SMART_AUDIT_HISTORY:
        return FG_MSG_APPS_ACT_READ;
    case SMART_AUDIT_SEARCH:
        return FG_MSG_APPS_ACT_SEARCH;
    case SMART_AUDIT_CREATE:
        return FG_MSG_APPS_ACT_CREATE;
    case SMART_AUDIT_UPDATE:
        return FG_MSG_APPS_ACT_UPDATE;
    case SMART_AUDIT_DELETE:
        return FG_MSG_APPS_ACT_DELETE;
    default:
        return FG_MSG_APPS_ACT_OTHER;
    }
}

struct access_list {
    struct authz_ctx *c;
    struct fg_buf *b;
    bool table; /* full activity table rather than the short list */
    size_t n;
};

static enum fg_status access_item(void *arg, const struct smart_audit_row *r)
{
    struct access_list *l = arg;
    struct fg_buf *b = l->b;
    enum fg_lang lang = l->c->lang;
    char when[32];
    format_time(r->at_us / 1000000, when);
    char what[SMART_AUDIT_MAX_TYPE + SMART_AUDIT_MAX_QUERY + 4];
    int n = r->res_id[0]  ? snprintf(what, sizeof what, "%s/%s", r->res_type, r->res_id)
            : r->query[0] ? snprintf(what, sizeof what, "%s?%s", r->res_type, r->query)
                          : snprintf(what, sizeof what, "%s", r->res_type);
    if (n < 0)
        what[0] = '\0';
    enum fg_status st =
        text(b, l->table ? "<tr><td>" : "<li>", when, l->table ? "</td><td>" : " — ");
    if (st == FG_OK)
        st = text(b, "", fg_i18n(lang, act_msg(r->kind)), " ");
    if (st == FG_OK)
        st = text(b, "<code>", what, "</code>");
    if (st == FG_OK && l->table)
        st = fg_buf_printf(
            b, "</td><td>%s (%d)</td></tr>",
            fg_i18n(lang, r->status < 400 ? FG_MSG_APPS_RESULT_OK : FG_MSG_APPS_RESULT_REFUSED),
            r->status);
    else if (st == FG_OK)
        st = fg_buf_append_c(b, "</li>");
    l->n++;
    return st;
}

static enum fg_status newest(struct authz_ctx *c, struct fg_buf *b, const char *grant_id)
{
    struct smart_audit_filter f = {.grant_id = grant_id, .limit = FG_APPS_NEWEST};
    struct access_list l = {.c = c, .b = b};
    enum fg_status st =
        text(b, "<h4>", fg_i18n(c->lang, FG_MSG_APPS_NEWEST), "</h4><ol class=\"acc\">");
    if (st == FG_OK)
        st = smart_authdb_audit_list(c->db, &f, access_item, &l);
    if (st == FG_OK)
        st = fg_buf_printf(b, "</ol><p><a href=\"%s?grant=", FG_APPS_ACTIVITY_PATH);
    if (st == FG_OK)
        st = fg_buf_append_url_encoded(b, fg_str_c(grant_id));
    return st == FG_OK ? text(b, "\">", fg_i18n(c->lang, FG_MSG_APPS_ALL_ACTIVITY), "</a></p>")
                       : st;
}

static enum fg_status permissions(struct authz_ctx *c, struct fg_buf *b, const char *scopes)
{
    struct smart_scopes s;
    struct fg_consent_list *l = fg_pool_alloc(c->req->pool, sizeof *l);
    if (!l)
        return FG_ENOMEM;
    smart_scopes_init(&s);
    enum fg_status st = smart_scopes_parse(fg_str_c(scopes ? scopes : ""), &s, NULL);
    if (st == FG_OK)
        st = fg_consent_build(&s, c->lang, l);
    smart_scopes_cleanup(&s);
    if (st == FG_OK)
        st = text(b, "<p>", fg_i18n(c->lang, FG_MSG_APPS_MAY), "</p><ul class=\"may\">");
    for (size_t i = 0; i < l->n && st == FG_OK; i++)
        st = text(b, "<li>", l->items[i].text, "</li>");
    return st == FG_OK ? fg_buf_append_c(b, "</ul>") : st;
}

static enum fg_status app_active(struct authz_ctx *c, struct fg_buf *b, const struct smart_grant *g)
{
    char granted[32], used[32];
    format_time(g->granted_at, granted);
    format_time(g->last_used_at, used);
    enum fg_status st =
        text(b, "<section class=\"app\"><h3>", authz_client_name(c, g->client_id), "</h3>");
    if (st == FG_OK)
        st = permissions(c, b, g->scopes);
    if (st == FG_OK)
        st = fg_buf_printf(b, "<p>%s <time>%s</time> · %s <time>%s</time></p>",
                           fg_i18n(c->lang, FG_MSG_APPS_AUTHORIZED), granted,
                           fg_i18n(c->lang, FG_MSG_APPS_LAST_USED),
                           g->last_used_at ? used : fg_i18n(c->lang, FG_MSG_APPS_NEVER));
    if (st == FG_OK)
        st = counts_table(c, b, g->id);
    if (st == FG_OK)
        st = newest(c, b, g->id);
    if (st == FG_OK)
        st = form_open(c, b);
    if (st == FG_OK)
        st = fg_html_hidden(b, "grant", g->id);
    if (st == FG_OK)
        st = fg_buf_printf(b,
                           "<button type=\"submit\" name=\"action\" value=\"revoke\">%s</button>"
                           "</form></section>",
                           fg_i18n(c->lang, FG_MSG_APPS_REVOKE));
    return st;
}

struct grant_walk {
    struct authz_ctx *c;
    struct fg_buf *b;
    bool revoked_pass; /* second pass: list the revoked ones */
    size_t n;
};

static enum fg_status grant_item(void *arg, const struct smart_grant *g)
{
    struct grant_walk *w = arg;
    bool active = fg_grant_active(g, fg_clock_now_s(smart_authdb_clock(w->c->db)));
    if (w->revoked_pass) {
        if (!g->revoked_at)
            return FG_OK;
        char when[32];
        format_time(g->revoked_at, when);
        w->n++;
        enum fg_status st = text(w->b, "<li>", authz_client_name(w->c, g->client_id), "");
        return st == FG_OK ? fg_buf_printf(w->b, " — %s <time>%s</time></li>",
                                           fg_i18n(w->c->lang, FG_MSG_APPS_REVOKED_ON), when)
                           : st;
    }
    if (!active)
        return FG_OK;
    w->n++;
    return app_active(w->c, w->b, g);
}

static enum fg_status patient_section(struct apps_view *v, struct fg_buf *b,
                                      const struct authz_patient *p)
{
    struct authz_ctx *c = v->c;
    enum fg_status st = p->self ? text(b, "<h2>", fg_i18n(c->lang, FG_MSG_APPS_SELF), "</h2>")
                                : text(b, "<h2>", fg_i18n(c->lang, FG_MSG_APPS_OTHER), " ");
    if (st == FG_OK && !p->self)
        st = text(b, "", p->name, "</h2>");
    struct grant_walk w = {.c = c, .b = b};
    if (st == FG_OK)
        st = smart_authdb_grants_for_patient(c->db, fg_str_c(p->id), grant_item, &w);
    if (st == FG_OK && w.n == 0)
        st = text(b, "<p>", fg_i18n(c->lang, FG_MSG_APPS_NONE), "</p>");
    /* "Revoked" only when there is something to list */
    struct fg_buf revoked;
    fg_buf_init(&revoked, b->max);
    w.revoked_pass = true;
    w.n = 0;
    w.b = &revoked;
    if (st == FG_OK)
        st = smart_authdb_grants_for_patient(c->db, fg_str_c(p->id), grant_item, &w);
    if (st == FG_OK && w.n)
        st = text(b, "<h3>", fg_i18n(c->lang, FG_MSG_APPS_REVOKED), "</h3><ul class=\"revoked\">");
    if (st == FG_OK && w.n)
        st = fg_buf_append_str(b, fg_buf_str(&revoked));
    if (st == FG_OK && w.n)
        st = fg_buf_append_c(b, "</ul>");
    fg_buf_cleanup(&revoked);
    return st;
}

/* ---- who can see my record ---- */

static enum fg_msg proxy_kind(enum smart_proxy_kind k)
{
    switch (k) {
    case SMART_PROXY_PARENT:
        return FG_MSG_APPS_PROXY_PARENT;
    case SMART_PROXY_GUARDIAN:
        return FG_MSG_APPS_PROXY_GUARDIAN;
    case SMART_PROXY_ADULT:
        return FG_MSG_APPS_PROXY_ADULT;
    default:
        return FG_MSG_APPS_PROXY_COURT;
    }
}

static enum fg_status proxy_item(struct authz_ctx *c, struct fg_buf *b, const struct smart_proxy *p)
{
    struct smart_account acc;
    char since[32], until[32];
    format_time(p->start_at, since);
    format_time(p->expires_at, until);
    enum fg_status st = FG_OK;
    if (smart_authdb_account_get_by_id(c->db, p->account_id, &acc) == FG_OK) {
        st = text(b, "<li><strong>", acc.username, "</strong> ");
        memset(acc.password_hash, 0, sizeof acc.password_hash);
    } else {
        st = fg_buf_append_c(b, "<li>");
    }
    if (st == FG_OK)
        st = fg_buf_printf(b, "(%s) %s <time>%s</time>", fg_i18n(c->lang, proxy_kind(p->kind)),
                           fg_i18n(c->lang, FG_MSG_APPS_PROXY_SINCE), since);
    if (st == FG_OK && p->expires_at)
        st = fg_buf_printf(b, " %s <time>%s</time>", fg_i18n(c->lang, FG_MSG_APPS_PROXY_UNTIL),
                           until);
    bool adult = p->kind == SMART_PROXY_ADULT || p->kind == SMART_PROXY_COURT_GUARDIAN;
    if (st == FG_OK && adult) {
        st = form_open(c, b);
        if (st == FG_OK)
            st = fg_buf_printf(b,
                               "<input type=\"hidden\" name=\"proxy\" value=\"%" PRId64 "\">"
                               "<button type=\"submit\" class=\"secondary\" name=\"action\" "
                               "value=\"revoke-proxy\">%s</button></form>",
                               p->id, fg_i18n(c->lang, FG_MSG_APPS_PROXY_REVOKE));
    }
    return st == FG_OK ? fg_buf_append_c(b, "</li>") : st;
}

static enum fg_status proxies_section(struct apps_view *v, struct fg_buf *b)
{
    struct authz_ctx *c = v->c;
    /* the own record is listed (apps_view_load) only while its portal view
     * is not NONE: never under own_account_min_age (13) */
    if (v->n == 0 || !v->pts[0].self)
        return FG_OK;
    struct smart_proxy px[FG_AUTHZ_MAX_PATIENTS];
    size_t n = 0;
    enum fg_status st = smart_authdb_proxies_for_patient(c->db, fg_str_c(v->pts[0].id), px,
                                                         FG_AUTHZ_MAX_PATIENTS, &n);
    if (st == FG_ETOOBIG) { /* show the first FG_AUTHZ_MAX_PATIENTS */
        n = FG_AUTHZ_MAX_PATIENTS;
        st = FG_OK;
    }
    if (st == FG_OK)
        st = text(b, "<h2 id=\"proxies\">", fg_i18n(c->lang, FG_MSG_APPS_PROXIES_TITLE), "</h2>");
    if (st == FG_OK && n == 0)
        return text(b, "<p>", fg_i18n(c->lang, FG_MSG_APPS_PROXIES_NONE), "</p>");
    if (st == FG_OK)
        st = fg_buf_append_c(b, "<ul class=\"proxies\">");
    for (size_t i = 0; i < n && st == FG_OK; i++)
        st = proxy_item(c, b, &px[i]);
    return st == FG_OK ? fg_buf_append_c(b, "</ul>") : st;
}

enum fg_status apps_page_main(struct apps_view *v)
{
    struct authz_ctx *c = v->c;
    struct fg_buf b;
    enum fg_status st = begin(c, &b, FG_MSG_APPS_TITLE, FG_APPS_PATH);
    if (st == FG_OK && v->notice != FG_MSG_COUNT)
        st = text(&b, "<p class=\"note\" role=\"status\">", fg_i18n(c->lang, v->notice), "</p>");
    for (size_t i = 0; i < v->n && st == FG_OK; i++)
        st = patient_section(v, &b, &v->pts[i]);
    if (st == FG_OK)
        st = apps_open_section(v, &b);
    if (st == FG_OK)
        st = proxies_section(v, &b);
    if (st == FG_OK)
        st = form_open(c, &b);
    if (st == FG_OK)
        st = fg_buf_printf(&b,
                           "<button type=\"submit\" class=\"secondary\" name=\"action\" "
                           "value=\"signout\">%s</button></form>",
                           fg_i18n(c->lang, FG_MSG_APPS_SIGNOUT));
    return authz_page_finish(c, 200, &b, st);
}

enum fg_status apps_page_activity(struct apps_view *v, const struct smart_grant *g)
{
    struct authz_ctx *c = v->c;
    struct fg_buf b;
    struct smart_audit_filter f = {.grant_id = g->id, .limit = SMART_AUDIT_MAX_LIST};
    struct access_list l = {.c = c, .b = &b, .table = true};
    enum fg_status st = begin(c, &b, FG_MSG_APPS_ACTIVITY_TITLE, FG_APPS_PATH);
    if (st == FG_OK)
        st = text(&b, "<h2>", authz_client_name(c, g->client_id), "</h2>");
    if (st == FG_OK)
        st = fg_buf_printf(&b,
                           "<table class=\"activity\"><tr><th scope=\"col\">%s</th>"
                           "<th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr>",
                           fg_i18n(c->lang, FG_MSG_APPS_COL_WHEN),
                           fg_i18n(c->lang, FG_MSG_APPS_COL_WHAT),
                           fg_i18n(c->lang, FG_MSG_APPS_COL_RESULT));
    if (st == FG_OK)
        st = smart_authdb_audit_list(c->db, &f, access_item, &l);
    if (st == FG_OK)
        st = fg_buf_printf(&b, "</table><p><a href=\"%s\">%s</a></p>", FG_APPS_PATH,
                           fg_i18n(c->lang, FG_MSG_APPS_BACK));
    return authz_page_finish(c, 200, &b, st);
}
