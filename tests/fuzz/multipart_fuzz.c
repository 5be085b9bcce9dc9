/* multipart_fuzz.c - libFuzzer target for the streaming multipart/form-data reader.
 * Invariants: the parts and bytes seen do not depend on how the body is chunked (whole vs the
 * chunk size the first input byte picks); every begun part is ended before the next begins;
 * failures are described. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/fg_buf.h"
#include "gateway/multipart.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
    struct fg_buf log;
    int open;
};

static enum fg_status on_begin(void *ctx, const char *name, bool is_file)
{
    struct seen *s = ctx;
    assert(s->open == 0 && name[0] != '\0');
    s->open = 1;
    return fg_buf_printf(&s->log, "<%s%s>", name, is_file ? "*" : "");
}

static enum fg_status on_data(void *ctx, const char *p, size_t n)
{
    struct seen *s = ctx;
    assert(s->open == 1);
    return fg_buf_append(&s->log, p, n);
}

static enum fg_status on_end(void *ctx)
{
    struct seen *s = ctx;
    assert(s->open == 1);
    s->open = 0;
    return fg_buf_append_c(&s->log, "</>");
}

static enum fg_status run(const char *body, size_t len, size_t chunk, struct seen *s)
{
    static const char ct[] = "multipart/form-data; boundary=XyZ";
    struct fg_mp m;
    struct fg_error err;
    struct fg_mp_callbacks cb = {on_begin, on_data, on_end, s};
    fg_error_clear(&err);
    fg_buf_init(&s->log, 1u << 20);
    s->open = 0;
    enum fg_status st = fg_mp_init(&m, fg_str_c(ct), &cb, &err);
    assert(st == FG_OK);
    for (size_t i = 0; st == FG_OK && i < len; i += chunk)
        st = fg_mp_feed(&m, body + i, len - i < chunk ? len - i : chunk, &err);
    if (st == FG_OK)
        st = fg_mp_finish(&m, &err);
    if (st != FG_OK)
        assert(err.status != FG_OK && err.diagnostics[0] != '\0');
    return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t chunk = (size_t)data[0] % 17 + 1;
    const char *body = (const char *)data + 1;
    struct seen a, b;
    enum fg_status sa = run(body, size - 1, size, &a);
    enum fg_status sb = run(body, size - 1, chunk, &b);
    assert(sa == sb);
    if (sa == FG_OK)
        assert(a.log.len == b.log.len &&
               (a.log.len == 0 || memcmp(a.log.data, b.log.data, a.log.len) == 0));
    fg_buf_cleanup(&a.log);
    fg_buf_cleanup(&b.log);
    return 0;
}
