/* demo.c - the demo app's files, compiled in, and their handler (demo.h). */
#include "demo.h"

#include <string.h>

#include "../core/fg_buf.h"
#include "../core/fg_limits.h"

/* Each file between a start and an end symbol in .rodata; paths are relative
 * to the repository root, where every build runs (the Makefile lists the
 * files as prerequisites of demo.o). */
#define DEMO_INCBIN(sym, file)                                                                   \
    ".pushsection .rodata\n.balign 16\n.global " sym "\n.hidden " sym "\n" sym ":\n.incbin \"" \
    file "\"\n.global " sym "_end\n.hidden " sym "_end\n" sym "_end:\n.popsection\n"

__asm__(DEMO_INCBIN("fg_demo_index_html", "gateway/demo/index.html")
            DEMO_INCBIN("fg_demo_js", "gateway/demo/demo.js")
                DEMO_INCBIN("fg_demo_css", "gateway/demo/demo.css"));

extern const char fg_demo_index_html[], fg_demo_index_html_end[];
extern const char fg_demo_js[], fg_demo_js_end[];
extern const char fg_demo_css[], fg_demo_css_end[];

#define DEMO_CSP                                                                               \
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "            \
    "img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

struct demo_file {
    const char *name; /* the path below /demo/ ("" = index.html) */
    const char *type;
    const char *start, *end;
};

static const struct demo_file *find_file(struct fg_str name)
{
    static const struct demo_file files[] = {
        {"", "text/html; charset=utf-8", fg_demo_index_html, fg_demo_index_html_end},
        {"index.html", "text/html; charset=utf-8", fg_demo_index_html, fg_demo_index_html_end},
        {"demo.js", "text/javascript; charset=utf-8", fg_demo_js, fg_demo_js_end},
        {"demo.css", "text/css; charset=utf-8", fg_demo_css, fg_demo_css_end},
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        if (fg_str_eq_c(name, files[i].name))
            return &files[i];
    return NULL;
}

/* "/demo" -> "/demo/" with the query kept. */
static enum fg_status redirect_to_slash(struct fg_req *req)
{
    struct fg_buf b;
    fg_buf_init(&b, FG_MAX_URL_BYTES + 8);
    enum fg_status st = fg_buf_append_c(&b, "/demo/");
    if (st == FG_OK && req->raw_query.ptr)
        st = fg_buf_append_char(&b, '?');
    if (st == FG_OK && req->raw_query.ptr)
        st = fg_buf_append_str(&b, req->raw_query);
    struct fg_str loc = st == FG_OK ? fg_pool_str(req->pool, fg_buf_str(&b)) : FG_STR_NULL;
    fg_buf_cleanup(&b);
    if (!loc.ptr)
        return fg_error_set(&req->err, FG_ETOOBIG, NULL, "the demo address is too long");
    fg_resp_set(req, 308, NULL, FG_STR_NULL);
    return fg_resp_header(req, "Location", loc.ptr);
}

enum fg_status fg_demo_handler(struct fg_req *req)
{
    if (fg_str_eq_c(req->path, "/demo"))
        return redirect_to_slash(req);
    struct fg_str name = FG_STR_NULL;
    if (fg_str_starts_with(req->path, "/demo/"))
        name = fg_str_n(req->path.ptr + 6, req->path.len - 6);
    const struct demo_file *f = name.ptr ? find_file(name) : NULL;
    if (!f)
        return fg_error_set_http(&req->err, FG_ENOTFOUND, 404, "not-found", NULL,
                                 "no such file in the demo app");
    fg_resp_set(req, 200, f->type, fg_str_n(f->start, (size_t)(f->end - f->start)));
    enum fg_status st = fg_resp_header(req, "Cache-Control", "no-cache");
    if (st == FG_OK)
        st = fg_resp_header(req, "X-Content-Type-Options", "nosniff");
    if (st == FG_OK)
        st = fg_resp_header(req, "Referrer-Policy", "no-referrer");
    if (st == FG_OK)
        st = fg_resp_header(req, "Content-Security-Policy", DEMO_CSP);
    return st;
}
