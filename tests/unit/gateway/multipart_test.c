/* multipart_test.c - streaming multipart/form-data: every chunking of a body gives the same
 * parts; delimiter look-alikes inside data; malformed bodies refused. */
#include "../test.h"

#include <string.h>

#include "core/fg_buf.h"
#include "gateway/multipart.h"

struct got {
    struct fg_buf out; /* "name|file:" + data + ";" per part */
    int ends;
};

static enum fg_status on_begin(void *ctx, const char *name, bool is_file)
{
    struct got *g = ctx;
    return fg_buf_printf(&g->out, "%s%s:", name, is_file ? "|file" : "");
}

static enum fg_status on_data(void *ctx, const char *p, size_t n)
{
    struct got *g = ctx;
    return fg_buf_append(&g->out, p, n);
}

static enum fg_status on_end(void *ctx)
{
    struct got *g = ctx;
    g->ends++;
    return fg_buf_append_c(&g->out, ";");
}

static const char ct[] = "multipart/form-data; boundary=----WebKitFormBoundaryx7Q";
#define B "------WebKitFormBoundaryx7Q"
static const char body[] =
    "preamble\r\n" B "\r\n"
    "Content-Disposition: form-data; name=\"csrf\"\r\n\r\n"
    "tok123\r\n" B "\r\n"
    "Content-Disposition: form-data; name=\"file\"; filename=\"export.xml\"\r\n"
    "Content-Type: text/xml\r\n\r\n"
    "<a>\r\n--" "----WebKit" "\r\n\r\r\n--x</a>\r\n" B "--\r\nepilogue";
static const char want[] = "csrf:tok123;file|file:<a>\r\n--" "----WebKit" "\r\n\r\r\n--x</a>;";

static enum fg_status run(const char *b, size_t len, size_t chunk, struct got *g,
                          struct fg_error *err)
{
    struct fg_mp m;
    struct fg_mp_callbacks cb = {on_begin, on_data, on_end, g};
    fg_buf_init(&g->out, 4096);
    g->ends = 0;
    enum fg_status st = fg_mp_init(&m, fg_str_c(ct), &cb, err);
    for (size_t i = 0; st == FG_OK && i < len; i += chunk)
        st = fg_mp_feed(&m, b + i, len - i < chunk ? len - i : chunk, err);
    return st == FG_OK ? fg_mp_finish(&m, err) : st;
}

static void test_every_chunking(void)
{
    for (size_t chunk = 1; chunk <= sizeof body; chunk++) {
        struct got g;
        struct fg_error err;
        fg_error_clear(&err);
        CHECK_INT(run(body, sizeof body - 1, chunk, &g, &err), FG_OK);
        CHECK_SLICE(fg_buf_str(&g.out), want);
        CHECK_INT(g.ends, 2);
        fg_buf_cleanup(&g.out);
    }
}

static void test_refusals(void)
{
    static const struct {
        const char *ct, *body;
    } rows[] = {
        {"text/plain", "x"},
        {"multipart/form-data", "x"},
        {"multipart/form-data; boundary=", "x"},
        {ct, B "\r\nContent-Type: text/plain\r\n\r\nx\r\n--" B "--"}, /* no disposition */
        {ct, B "\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx"}, /* no end */
        {ct, B "XX"},                                                         /* bad delim */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct fg_mp m;
        struct got g;
        struct fg_error err;
        struct fg_mp_callbacks cb = {on_begin, on_data, on_end, &g};
        fg_error_clear(&err);
        fg_buf_init(&g.out, 4096);
        enum fg_status st = fg_mp_init(&m, fg_str_c(rows[i].ct), &cb, &err);
        if (st == FG_OK)
            st = fg_mp_feed(&m, rows[i].body, strlen(rows[i].body), &err);
        if (st == FG_OK)
            st = fg_mp_finish(&m, &err);
        CHECK_INT(st, FG_EINVAL);
        CHECK(err.diagnostics[0] != '\0');
        fg_buf_cleanup(&g.out);
    }
}

/* A file part is a file whatever the length of its name (a browser sends the name as it is; a
 * long UTF-8 name is several hundred bytes). */
static void test_long_file_name(void)
{
    struct fg_buf b;
    struct got g;
    struct fg_error err;
    fg_buf_init(&b, 8192);
    CHECK_INT(fg_buf_append_c(&b, B "\r\nContent-Disposition: form-data; name=\"file\"; filename=\""), FG_OK);
    for (int i = 0; i < 150; i++)
        CHECK_INT(fg_buf_append_c(&b, "\xe6\x97\xa5"), FG_OK); /* 450 bytes of a CJK name */
    CHECK_INT(fg_buf_append_c(&b, ".zip\"\r\n\r\nPK\r\n" B "--\r\n"), FG_OK);
    fg_error_clear(&err);
    CHECK_INT(run(b.data, b.len, b.len, &g, &err), FG_OK);
    CHECK_SLICE(fg_buf_str(&g.out), "file|file:PK;");
    fg_buf_cleanup(&g.out);
    fg_buf_cleanup(&b);
}

TEST_MAIN(test_every_chunking, test_refusals, test_long_file_name)
