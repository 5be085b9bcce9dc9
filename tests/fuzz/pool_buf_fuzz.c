/* pool_buf_fuzz.c - libFuzzer target for core/fg_buf and core/fg_pool.
 *
 * The input is a program: a 3-byte header (buffer cap, allocation to fail)
 * then operations [op][len lo][len hi][len bytes of argument]. Each
 * operation runs on a capped fg_buf and on a model (a plain byte array);
 * after each one the buffer must equal the model. Invariants:
 *   - len <= max and data[len] == '\0' (whenever data exists);
 *   - a successful append adds exactly the expected bytes, and the escaped
 *     forms decode back to the argument (JSON string, URL encoding);
 *   - FG_ETOOBIG only when the result would pass max, and any failed
 *     append (FG_ETOOBIG, injected FG_ENOMEM) leaves the buffer unchanged;
 *   - pool allocations are 16-byte aligned, keep their contents until the
 *     pool is freed, and every registered on-free callback runs once.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

#include "core/fg_buf.h"
#include "core/fg_mem.h"
#include "core/fg_pool.h"
#include "core/fg_str.h"
#include "fuzz.h"

#define MAX_POOL_CHUNKS 64

struct model {
    unsigned char *bytes; /* max + 1 bytes */
    size_t len;
};

struct pool_chunk {
    unsigned char *p;
    size_t n;
    const char *copy_of; /* strndup chunks: the input bytes; NULL for filled ones */
    unsigned char fill;
};

struct run {
    struct fg_buf buf;
    struct model model;
    struct fg_pool *pool;
    struct pool_chunk chunks[MAX_POOL_CHUNKS];
    size_t n_chunks;
    unsigned registered;
    unsigned callbacks_run;
};

static size_t json_len(struct fg_str s)
{
    size_t n = 2;
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        if (c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t')
            n += 2;
        else if (c < 0x20)
            n += 6;
        else
            n += 1;
    }
    return n;
}

static bool url_plain(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           strchr("-._~:/,", c) != NULL;
}

static size_t url_len(struct fg_str s)
{
    size_t n = 0;
    for (size_t i = 0; i < s.len; i++)
        n += (s.ptr[i] != '\0' && url_plain((unsigned char)s.ptr[i])) ? 1 : 3;
    return n;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Decodes the JSON string literal j (quotes included) and checks it equals s. */
static bool json_decodes_to(struct fg_str j, struct fg_str s)
{
    size_t i = 1, o = 0;
    if (j.len < 2 || j.ptr[0] != '"' || j.ptr[j.len - 1] != '"')
        return false;
    while (i < j.len - 1) {
        unsigned char c = (unsigned char)j.ptr[i++];
        if (c < 0x20 || c == '"')
            return false; /* must have been escaped */
        if (c == '\\') {
            char e = j.ptr[i++];
            if (e == 'n')
                c = '\n';
            else if (e == 'r')
                c = '\r';
            else if (e == 't')
                c = '\t';
            else if (e == '"' || e == '\\')
                c = (unsigned char)e;
            else if (e == 'u' && i + 4 <= j.len - 1 && j.ptr[i] == '0' && j.ptr[i + 1] == '0' &&
                     hexval(j.ptr[i + 2]) >= 0 && hexval(j.ptr[i + 3]) >= 0) {
                c = (unsigned char)(hexval(j.ptr[i + 2]) * 16 + hexval(j.ptr[i + 3]));
                i += 4;
            } else {
                return false;
            }
        }
        if (o >= s.len || (unsigned char)s.ptr[o] != c)
            return false;
        o++;
    }
    return o == s.len;
}

static bool url_decodes_to(struct fg_str u, struct fg_str s)
{
    /* Harness memory comes from malloc so injected failures never hit it. */
    char *out = malloc(u.len ? u.len : 1);
    size_t n = 0;
    bool ok = out && fg_url_decode(u, false, out, &n) == FG_OK && n == s.len &&
              (n == 0 || memcmp(out, s.ptr, n) == 0);
    free(out);
    return ok;
}

static void check_invariants(const struct run *r)
{
    const struct fg_buf *b = &r->buf;
    FUZZ_CHECK(b->len <= b->max);
    FUZZ_CHECK(b->len == r->model.len);
    if (b->data) {
        FUZZ_CHECK(b->len < b->cap);
        FUZZ_CHECK(b->data[b->len] == '\0');
        FUZZ_CHECK(b->len == 0 || memcmp(b->data, r->model.bytes, b->len) == 0);
    } else {
        FUZZ_CHECK(b->len == 0);
    }
}

/* After an append of `want` bytes that returned st: on success the model
 * grows by the new bytes, on failure nothing may have changed. */
static void settle_append(struct run *r, enum fg_status st, size_t want)
{
    if (st == FG_OK) {
        FUZZ_CHECK(r->model.len + want <= r->buf.max);
        FUZZ_CHECK(r->buf.len == r->model.len + want);
        memcpy(r->model.bytes + r->model.len, r->buf.data + r->model.len, want);
        r->model.len += want;
    } else if (st == FG_ETOOBIG) {
        FUZZ_CHECK(r->model.len + want > r->buf.max);
    } else {
        FUZZ_CHECK(st == FG_ENOMEM);
    }
    check_invariants(r);
}

static void on_free_count(void *arg)
{
    struct run *r = arg;
    r->callbacks_run++;
}

static void op_pool(struct run *r, struct fg_str arg, unsigned char sel)
{
    if (!r->pool || r->n_chunks == MAX_POOL_CHUNKS)
        return;
    unsigned char *p = NULL;
    size_t n = arg.len;
    if (sel % 3 == 0) {
        /* Sizes past one block exercise the one-off block path. */
        n = arg.len * (sel % 7 == 0 ? 97u : 1u);
        p = fg_pool_alloc(r->pool, n);
        if (p)
            memset(p, sel, n);
    } else if (sel % 3 == 1) {
        p = (unsigned char *)fg_pool_strndup(r->pool, arg.ptr, arg.len);
        if (p)
            FUZZ_CHECK(p[n] == '\0' && (n == 0 || memcmp(p, arg.ptr, n) == 0));
    } else {
        char *s = fg_pool_printf(r->pool, "%zu:%.*s", arg.len, (int)arg.len, arg.ptr);
        if (s) {
            size_t want = (size_t)snprintf(NULL, 0, "%zu:%.*s", arg.len, (int)arg.len, arg.ptr);
            FUZZ_CHECK(strlen(s) == want);
        }
        if (fg_pool_on_free(r->pool, on_free_count, r) == FG_OK)
            r->registered++;
        return;
    }
    if (!p)
        return;
    FUZZ_CHECK(((uintptr_t)p & 15u) == 0);
    r->chunks[r->n_chunks].p = p;
    r->chunks[r->n_chunks].n = n;
    r->chunks[r->n_chunks].copy_of = sel % 3 == 1 ? arg.ptr : NULL;
    r->chunks[r->n_chunks].fill = sel;
    r->n_chunks++;
}

static void check_pool_chunks(const struct run *r)
{
    for (size_t i = 0; i < r->n_chunks; i++) {
        const struct pool_chunk *c = &r->chunks[i];
        if (c->copy_of) {
            FUZZ_CHECK(c->p[c->n] == '\0');
            FUZZ_CHECK(c->n == 0 || memcmp(c->p, c->copy_of, c->n) == 0);
        } else {
            for (size_t k = 0; k < c->n; k++)
                FUZZ_CHECK(c->p[k] == c->fill);
        }
    }
}

static void run_op(struct run *r, unsigned char op, struct fg_str arg)
{
    struct fg_buf *b = &r->buf;
    size_t before = b->len;
    enum fg_status st;

    switch (op % 9) {
    case 0:
        settle_append(r, fg_buf_append(b, arg.ptr, arg.len), arg.len);
        break;
    case 1:
        st = fg_buf_append_json_string(b, arg);
        if (st == FG_OK)
            FUZZ_CHECK(json_decodes_to(fg_str_n(b->data + before, b->len - before), arg));
        settle_append(r, st, json_len(arg));
        break;
    case 2:
        st = fg_buf_append_url_encoded(b, arg);
        if (st == FG_OK)
            FUZZ_CHECK(url_decodes_to(fg_str_n(b->data + before, b->len - before), arg));
        settle_append(r, st, url_len(arg));
        break;
    case 3: {
        /* %.*s stops at a NUL byte. */
        const char *nul = arg.len ? memchr(arg.ptr, '\0', arg.len) : NULL;
        size_t want = nul ? (size_t)(nul - arg.ptr) : arg.len;
        st = fg_buf_printf(b, "%.*s", (int)arg.len, arg.ptr);
        if (st == FG_OK)
            FUZZ_CHECK(want == 0 || memcmp(b->data + before, arg.ptr, want) == 0);
        settle_append(r, st, want);
        break;
    }
    case 4: {
        /* A padded number: output length from the argument, not its bytes. */
        int width = (int)(arg.len * 3);
        int64_t v = arg.len ? (int64_t)(signed char)arg.ptr[0] * 1000003 : INT64_MIN;
        size_t want = (size_t)snprintf(NULL, 0, "%*" PRId64, width, v);
        settle_append(r, fg_buf_printf(b, "%*" PRId64, width, v), want);
        break;
    }
    case 5:
        settle_append(r, fg_buf_append_char(b, arg.len ? arg.ptr[0] : '\0'), 1);
        break;
    case 6:
        fg_buf_reset(b);
        r->model.len = 0;
        check_invariants(r);
        break;
    case 7: {
        char *out = NULL;
        size_t n = 0;
        st = fg_buf_take(b, &out, &n);
        if (st == FG_OK) {
            FUZZ_CHECK(out && n == r->model.len && out[n] == '\0');
            FUZZ_CHECK(n == 0 || memcmp(out, r->model.bytes, n) == 0);
            FUZZ_CHECK(b->data == NULL && b->len == 0);
            fg_free(out);
            r->model.len = 0;
        } else {
            FUZZ_CHECK(st == FG_ENOMEM);
        }
        check_invariants(r);
        break;
    }
    default:
        op_pool(r, arg, (unsigned char)(arg.len ? arg.ptr[0] : op));
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct run r;
    size_t pos = 3;

    if (size < 3)
        return 0;
    memset(&r, 0, sizeof r);
    /* Caps around the buffer's growth steps (256, 512, ...) matter most. */
    size_t max = ((size_t)data[0] | (size_t)data[1] << 8) % 5000u;
    fg_buf_init(&r.buf, max);
    r.model.bytes = malloc(max + 1);
    r.pool = fg_pool_new();
    if (!r.model.bytes || !r.pool)
        goto out;
    fg_mem_fail_at(data[2]); /* 0 = no injected failure */

    while (pos + 3 <= size) {
        unsigned char op = data[pos];
        size_t len = (size_t)data[pos + 1] | (size_t)data[pos + 2] << 8;
        pos += 3;
        if (len > size - pos)
            len = size - pos;
        run_op(&r, op, fg_str_n((const char *)data + pos, len));
        pos += len;
    }
    check_pool_chunks(&r);

out:
    fg_mem_fail_at(0);
    fg_pool_free(&r.pool);
    FUZZ_CHECK(r.pool == NULL);
    FUZZ_CHECK(r.callbacks_run == r.registered);
    fg_buf_cleanup(&r.buf);
    free(r.model.bytes);
    return 0;
}
