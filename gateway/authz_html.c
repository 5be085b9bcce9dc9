/* authz_html.c - escaping and the page shell of the /auth pages. */
#include "authz_html.h"

static const char style[] =
    "body{margin:0;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;"
    "background:#f3f5f8;color:#1b1f24}"
    "main{max-width:30rem;margin:2rem auto;background:#fff;padding:1.5rem 2rem;"
    "border-radius:8px;box-shadow:0 1px 4px rgba(0,0,0,.12)}"
    "h1{font-size:1.4rem;margin:0 0 1rem}"
    "label{display:block;margin:.75rem 0 .25rem;font-weight:600}"
    "input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:.6rem;"
    "font-size:1rem;border:1px solid #767676;border-radius:4px}"
    "fieldset{border:0;padding:0;margin:0}legend{font-weight:600;margin-bottom:.5rem}"
    ".opt{display:flex;gap:.5rem;align-items:flex-start;margin:.4rem 0}"
    ".opt label{display:inline;margin:0;font-weight:400}.sub{margin-left:1.75rem}"
    "button{font-size:1rem;padding:.6rem 1.2rem;margin:1rem .5rem 0 0;border-radius:4px;"
    "border:1px solid #0b5394;background:#0b5394;color:#fff;cursor:pointer}"
    "button.secondary{background:#fff;color:#0b5394}"
    "button:focus,input:focus,a:focus{outline:3px solid #f2a900;outline-offset:2px}"
    ".err{background:#fdecea;border-left:4px solid #b3261e;padding:.5rem .75rem}"
    ".note{background:#fff8e1;border-left:4px solid #b26a00;padding:.5rem .75rem}"
    ".lang{text-align:right;margin:0 0 .5rem}a{color:#0b5394}";

enum fg_status fg_html_escape(struct fg_buf *b, struct fg_str s)
{
    enum fg_status st = FG_OK;
    size_t start = 0;
    for (size_t i = 0; i < s.len && st == FG_OK; i++) {
        const char *rep = s.ptr[i] == '&'    ? "&amp;"
                          : s.ptr[i] == '<'  ? "&lt;"
                          : s.ptr[i] == '>'  ? "&gt;"
                          : s.ptr[i] == '"'  ? "&quot;"
                          : s.ptr[i] == '\'' ? "&#39;"
                                             : NULL;
        if (!rep)
            continue;
        st = fg_buf_append(b, s.ptr + start, i - start);
        if (st == FG_OK)
            st = fg_buf_append_c(b, rep);
        start = i + 1;
    }
    if (st == FG_OK)
        st = fg_buf_append(b, s.ptr + start, s.len - start);
    return st;
}

static enum fg_status escape_c(struct fg_buf *b, const char *s)
{
    return fg_html_escape(b, fg_str_c(s ? s : ""));
}

enum fg_status fg_html_page_start(struct fg_buf *b, enum fg_lang lang, const char *title,
                                  const char *switch_href)
{
    enum fg_status st = fg_buf_printf(b,
                                      "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
                                      "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
                                      "<title>",
                                      fg_i18n(lang, FG_MSG_HTML_LANG));
    if (st == FG_OK)
        st = escape_c(b, title);
    if (st == FG_OK)
        st = fg_buf_printf(b, "</title><style>%s</style></head><body><main>", style);
    if (st == FG_OK && switch_href) {
        st = fg_buf_append_c(b, "<p class=\"lang\"><a href=\"");
        if (st == FG_OK)
            st = escape_c(b, switch_href);
        if (st == FG_OK)
            st = fg_buf_printf(b, "lang=%s\" hreflang=\"%s\" lang=\"%s\">%s</a></p>",
                               fg_i18n(lang, FG_MSG_SWITCH_TO), fg_i18n(lang, FG_MSG_SWITCH_TO),
                               fg_i18n(lang, FG_MSG_SWITCH_TO),
                               fg_i18n(lang, FG_MSG_SWITCH_LABEL));
    }
    if (st == FG_OK)
        st = fg_buf_append_c(b, "<h1>");
    if (st == FG_OK)
        st = escape_c(b, title);
    if (st == FG_OK)
        st = fg_buf_append_c(b, "</h1>");
    return st;
}

enum fg_status fg_html_page_end(struct fg_buf *b)
{
    return fg_buf_append_c(b, "</main></body></html>\n");
}

enum fg_status fg_html_hidden(struct fg_buf *b, const char *name, const char *value)
{
    enum fg_status st = fg_buf_append_c(b, "<input type=\"hidden\" name=\"");
    if (st == FG_OK)
        st = escape_c(b, name);
    if (st == FG_OK)
        st = fg_buf_append_c(b, "\" value=\"");
    if (st == FG_OK)
        st = escape_c(b, value);
    if (st == FG_OK)
        st = fg_buf_append_c(b, "\">");
    return st;
}
