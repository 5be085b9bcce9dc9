/* authz_pages.c - the HTML of the /auth/authorize pages: error, sign-in,
 * patient picker, consent. No JavaScript, no external assets; every form
 * posts the request id and the session's CSRF token. */
#include "authz.h"

#include <stdio.h>
#include <string.h>

#include "authz_consent.h"
#include "authz_html.h"

#define PAGE_MAX (256 * 1024)

enum fg_status authz_page_finish(struct authz_ctx *c, int status, struct fg_buf *b,
                                 enum fg_status st)
{
    if (st == FG_OK)
        st = fg_html_page_end(b);
    char *body = st == FG_OK ? fg_pool_strndup(c->req->pool, b->data, b->len) : NULL;
    size_t len = b->len;
    fg_buf_cleanup(b);
    if (!body)
        return st == FG_OK ? FG_ENOMEM : st;
    fg_resp_set(c->req, status, "text/html; charset=utf-8", fg_str_n(body, len));
    st = fg_resp_header(c->req, "Cache-Control", "no-store");
    if (st == FG_OK)
        st = fg_resp_header(c->req, "X-Frame-Options", "DENY");
    if (st == FG_OK)
        st = fg_resp_header(c->req, "Content-Security-Policy",
                            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
    if (st == FG_OK)
        st = fg_resp_header(c->req, "Content-Language", fg_i18n(c->lang, FG_MSG_HTML_LANG));
    return st;
}

enum fg_status authz_page_begin(struct authz_ctx *c, struct fg_buf *b, enum fg_msg title,
                                const char *switch_href)
{
    fg_buf_init(b, PAGE_MAX);
    return fg_html_page_start(b, c->lang, fg_i18n(c->lang, title), switch_href);
}

static enum fg_status start(struct authz_ctx *c, struct fg_buf *b, enum fg_msg title,
                            const struct smart_authz_request *r)
{
    char href[128];
    int n = r ? snprintf(href, sizeof href, "%s?req=%s&", FG_AUTHZ_PATH, r->id) : 0;
    bool ok = n >= 0 && (size_t)n < sizeof href;
    enum fg_status st = authz_page_begin(c, b, title, r && ok ? href : NULL);
    return ok ? st : FG_ETOOBIG;
}

static enum fg_status form_open(struct authz_ctx *c, struct fg_buf *b,
                                const struct smart_authz_request *r)
{
    enum fg_status st = fg_buf_printf(b, "<form method=\"post\" action=\"%s\">", FG_AUTHZ_PATH);
    if (st == FG_OK)
        st = fg_html_hidden(b, "req", r->id);
    if (st == FG_OK)
        st = fg_html_hidden(b, "csrf", c->session.csrf);
    return st;
}

enum fg_status authz_para(struct fg_buf *b, const char *cls, const char *text)
{
    enum fg_status st = cls ? fg_buf_printf(b, "<p class=\"%s\" role=\"%s\">", cls,
                                            strcmp(cls, "err") == 0 ? "alert" : "note")
                            : fg_buf_append_c(b, "<p>");
    if (st == FG_OK)
        st = fg_html_escape(b, fg_str_c(text));
    if (st == FG_OK)
        st = fg_buf_append_c(b, "</p>");
    return st;
}

enum fg_status authz_page_error(struct authz_ctx *c, int status, enum fg_msg msg)
{
    struct fg_buf b;
    enum fg_status st = start(c, &b, FG_MSG_ERROR_TITLE, NULL);
    if (st == FG_OK)
        st = authz_para(&b, "err", fg_i18n(c->lang, msg));
    return authz_page_finish(c, status, &b, st);
}

enum fg_status authz_signin_fields(struct authz_ctx *c, struct fg_buf *b)
{
    return fg_buf_printf(
        b,
        "<label for=\"username\">%s</label><input type=\"text\" id=\"username\" "
        "name=\"username\" autocomplete=\"username\" required maxlength=\"64\" autofocus>"
        "<label for=\"password\">%s</label><input type=\"password\" id=\"password\" "
        "name=\"password\" autocomplete=\"current-password\" required maxlength=\"1024\">"
        "<button type=\"submit\" name=\"action\" value=\"signin\">%s</button></form>",
        fg_i18n(c->lang, FG_MSG_USERNAME), fg_i18n(c->lang, FG_MSG_PASSWORD),
        fg_i18n(c->lang, FG_MSG_SIGNIN_BUTTON));
}

enum fg_status authz_page_signin(struct authz_ctx *c, const struct smart_authz_request *r,
                                 const char *client_name, enum fg_msg notice)
{
    struct fg_buf b;
    enum fg_status st = start(c, &b, FG_MSG_SIGNIN_TITLE, r);
    if (st == FG_OK && notice != FG_MSG_COUNT)
        st = authz_para(&b, "err", fg_i18n(c->lang, notice));
    if (st == FG_OK)
        st = fg_buf_printf(&b, "<p>%s <strong>", fg_i18n(c->lang, FG_MSG_SIGNIN_INTRO));
    if (st == FG_OK)
        st = fg_html_escape(&b, fg_str_c(client_name));
    if (st == FG_OK)
        st = fg_buf_append_c(&b, "</strong></p>");
    if (st == FG_OK)
        st = form_open(c, &b, r);
    if (st == FG_OK)
        st = authz_signin_fields(c, &b);
    return authz_page_finish(c, notice != FG_MSG_COUNT ? 401 : 200, &b, st);
}

enum fg_status authz_page_picker(struct authz_ctx *c, const struct smart_authz_request *r,
                                 const struct authz_patient *pts, size_t n, bool show_required)
{
    struct fg_buf b;
    enum fg_status st = start(c, &b, FG_MSG_PICK_TITLE, r);
    if (st == FG_OK && show_required)
        st = authz_para(&b, "err", fg_i18n(c->lang, FG_MSG_PICK_REQUIRED));
    if (st == FG_OK)
        st = form_open(c, &b, r);
    if (st == FG_OK)
        st = fg_buf_printf(&b, "<fieldset><legend>%s</legend>", fg_i18n(c->lang, FG_MSG_PICK_INTRO));
    for (size_t i = 0; i < n && st == FG_OK; i++) {
        st = fg_buf_printf(&b, "<div class=\"opt\"><input type=\"radio\" name=\"patient\" "
                               "id=\"p%zu\" value=\"", i);
        if (st == FG_OK)
            st = fg_html_escape(&b, fg_str_c(pts[i].id));
        if (st == FG_OK)
            st = fg_buf_printf(&b, "\"%s><label for=\"p%zu\">", i == 0 ? " required" : "", i);
        if (st == FG_OK)
            st = fg_html_escape(&b, fg_str_c(pts[i].name));
        if (st == FG_OK && pts[i].self)
            st = fg_buf_printf(&b, " %s", fg_i18n(c->lang, FG_MSG_PICK_SELF));
        if (st == FG_OK)
            st = fg_buf_append_c(&b, "</label></div>");
    }
    if (st == FG_OK)
        st = fg_buf_printf(&b, "</fieldset><button type=\"submit\" name=\"action\" "
                               "value=\"pick\">%s</button></form>",
                           fg_i18n(c->lang, FG_MSG_CONTINUE));
    return authz_page_finish(c, show_required ? 400 : 200, &b, st);
}

static enum fg_status consent_items(struct authz_ctx *c, struct fg_buf *b,
                                    const struct fg_consent_list *l)
{
    enum fg_status st = FG_OK;
    for (size_t i = 0; i < l->n && st == FG_OK; i++) {
        st = fg_buf_printf(b, "<div class=\"opt%s\"><input type=\"checkbox\" name=\"scope\" "
                              "id=\"s%zu\" value=\"", l->items[i].sub ? " sub" : "", i);
        if (st == FG_OK)
            st = fg_html_escape(b, fg_str_c(l->items[i].scope));
        /* whole types start checked; their category sub-scopes start unchecked */
        if (st == FG_OK)
            st = fg_buf_printf(b, "\"%s><label for=\"s%zu\">", l->items[i].sub ? "" : " checked", i);
        if (st == FG_OK)
            st = fg_html_escape(b, fg_str_c(l->items[i].text));
        if (st == FG_OK)
            st = fg_buf_append_c(b, "</label></div>");
    }
    (void)c;
    return st;
}

enum fg_status authz_page_consent(struct authz_ctx *c, const struct smart_authz_request *r,
                                  const char *client_name, const char *patient_name,
                                  bool show_nothing_chosen)
{
    struct smart_scopes s;
    struct fg_consent_list *l = fg_pool_alloc(c->req->pool, sizeof *l);
    struct fg_buf b;
    smart_scopes_init(&s);
    if (!l)
        return FG_ENOMEM;
    enum fg_status st = smart_scopes_parse(fg_str_c(r->scopes), &s, NULL);
    if (st == FG_OK)
        st = fg_consent_build(&s, c->lang, l);
    smart_scopes_cleanup(&s);
    if (st != FG_OK)
        return st;
    st = start(c, &b, FG_MSG_CONSENT_TITLE, r);
    if (st == FG_OK && show_nothing_chosen)
        st = authz_para(&b, "err", fg_i18n(c->lang, FG_MSG_NOTHING_CHOSEN));
    if (st == FG_OK)
        st = fg_buf_append_c(&b, "<p><strong>");
    if (st == FG_OK)
        st = fg_html_escape(&b, fg_str_c(client_name));
    if (st == FG_OK)
        st = fg_buf_printf(&b, "</strong> %s</p><p>%s ", fg_i18n(c->lang, FG_MSG_CONSENT_INTRO),
                           fg_i18n(c->lang, FG_MSG_CONSENT_FOR));
    if (st == FG_OK)
        st = fg_html_escape(&b, fg_str_c(patient_name));
    if (st == FG_OK)
        st = fg_buf_append_c(&b, "</p>");
    if (st == FG_OK && l->offline)
        st = authz_para(&b, "note", fg_i18n(c->lang, FG_MSG_OFFLINE_NOTICE));
    if (st == FG_OK)
        st = form_open(c, &b, r);
    if (st == FG_OK)
        st = fg_buf_append_c(&b, "<fieldset>");
    if (st == FG_OK)
        st = consent_items(c, &b, l);
    if (st == FG_OK)
        st = fg_buf_printf(&b, "</fieldset><button type=\"submit\" name=\"action\" "
                               "value=\"allow\">%s</button><button type=\"submit\" "
                               "class=\"secondary\" name=\"action\" value=\"deny\" "
                               "formnovalidate>%s</button></form>",
                           fg_i18n(c->lang, FG_MSG_ALLOW), fg_i18n(c->lang, FG_MSG_DENY));
    return authz_page_finish(c, show_nothing_chosen ? 400 : 200, &b, st);
}
