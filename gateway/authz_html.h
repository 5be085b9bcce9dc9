/* authz_html.h - the HTML shell of the /auth pages: escaping, a page
 * with inline CSS (no external assets, no JavaScript), the language switch
 * link and the hidden CSRF field.
 */
#ifndef FG_AUTHZ_HTML_H
#define FG_AUTHZ_HTML_H

#include "../core/fg_buf.h"
#include "i18n.h"

/* Appends s with & < > " ' escaped (safe in text and quoted attributes).
 * @test tests/unit/gateway/authz_html_test.c */
enum fg_status fg_html_escape(struct fg_buf *b, struct fg_str s);

/* Opens a page: doctype, <html lang>, title, inline style, the language
 * switch (a link to switch_href + "lang=xx"; switch_href ends in ? or &,
 * NULL = no switch), <main> and the <h1>. */
enum fg_status fg_html_page_start(struct fg_buf *b, enum fg_lang lang, const char *title,
                                  const char *switch_href);

/* Closes what fg_html_page_start opened. */
enum fg_status fg_html_page_end(struct fg_buf *b);

/* <input type="hidden" name=... value=...> with escaping. */
enum fg_status fg_html_hidden(struct fg_buf *b, const char *name, const char *value);

#endif
