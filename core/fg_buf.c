/* fg_buf.c - capped growable buffer. */
#include "fg_buf.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fg_mem.h"

void fg_buf_init(struct fg_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

void fg_buf_cleanup(struct fg_buf *b)
{
    fg_free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void fg_buf_reset(struct fg_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

static enum fg_status reserve(struct fg_buf *b, size_t extra)
{
    if (extra > b->max || b->len > b->max - extra)
        return FG_ETOOBIG;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return FG_OK;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *p = fg_realloc(b->data, cap);
    if (!p)
        return FG_ENOMEM;
    b->data = p;
    b->cap = cap;
    return FG_OK;
}

enum fg_status fg_buf_append(struct fg_buf *b, const void *p, size_t n)
{
    enum fg_status st = reserve(b, n);
    if (st != FG_OK)
        return st;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return FG_OK;
}

enum fg_status fg_buf_append_c(struct fg_buf *b, const char *s)
{
    return fg_buf_append(b, s, strlen(s));
}

enum fg_status fg_buf_append_str(struct fg_buf *b, struct fg_str s)
{
    return fg_buf_append(b, s.ptr, s.len);
}

enum fg_status fg_buf_append_char(struct fg_buf *b, char c)
{
    return fg_buf_append(b, &c, 1);
}

enum fg_status fg_buf_printf(struct fg_buf *b, const char *fmt, ...)
{
    va_list ap;
    char small[256];
    enum fg_status st;

    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return FG_EINVAL;
    if ((size_t)n < sizeof small)
        return fg_buf_append(b, small, (size_t)n);
    st = reserve(b, (size_t)n);
    if (st != FG_OK)
        return st;
    va_start(ap, fmt);
    int m = vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    if (m != n)
        return FG_EINVAL;
    b->len += (size_t)n;
    return FG_OK;
}

/* Bytes an escape adds to a byte: 1 for \" \\ \n \r \t, 5 for the other
 * controls (\u00XX), 0 for everything else (UTF-8 passes as it is). */
static const unsigned char json_extra[256] = {
    5, 5, 5, 5, 5, 5, 5, 5, 5, 1, 1, 5, 5, 1, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5,
    0, 0, 1, ['\\'] = 1,
};

/* The escaped forms are measured first and reserved in one step, so an
 * append that would pass max (or fail to allocate) leaves the buffer as it
 * was, like every other append (found by tests/fuzz/pool_buf_fuzz.c). The
 * measure is a table look-up a byte, and a string without escapes (the
 * usual case) is copied whole. */
enum fg_status fg_buf_append_json_string(struct fg_buf *b, struct fg_str s)
{
    static const char hex[] = "0123456789abcdef";
    if (s.len > (SIZE_MAX - 2) / 6)
        return FG_ETOOBIG;
    const unsigned char *in = (const unsigned char *)s.ptr;
    size_t extra = 0;
    for (size_t i = 0; i < s.len; i++)
        extra += json_extra[in[i]];
    size_t need = s.len + 2 + extra;
    enum fg_status st = reserve(b, need);
    if (st != FG_OK)
        return st;
    char *o = b->data + b->len;
    *o++ = '"';
    if (!extra) {
        if (s.len)
            memcpy(o, s.ptr, s.len);
        o += s.len;
    }
    for (size_t i = 0; extra && i < s.len; i++) {
        unsigned char c = in[i];
        if (!json_extra[c]) {
            *o++ = (char)c;
        } else if (json_extra[c] == 1) {
            *o++ = '\\';
            *o++ = c == '\n' ? 'n' : c == '\r' ? 'r' : c == '\t' ? 't' : (char)c;
        } else {
            memcpy(o, "\\u00", 4);
            o[4] = hex[c >> 4];
            o[5] = hex[c & 15];
            o += 6;
        }
    }
    *o++ = '"';
    b->len += need;
    b->data[b->len] = '\0';
    return FG_OK;
}

static bool url_plain(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~' || c == ':' || c == '/' || c == ',';
}

enum fg_status fg_buf_append_url_encoded(struct fg_buf *b, struct fg_str s)
{
    static const char hex[] = "0123456789ABCDEF";
    if (s.len > SIZE_MAX / 3)
        return FG_ETOOBIG;
    size_t need = 0;
    for (size_t i = 0; i < s.len; i++)
        need += url_plain((unsigned char)s.ptr[i]) ? 1 : 3;
    enum fg_status st = reserve(b, need);
    if (st != FG_OK)
        return st;
    char *o = b->data + b->len;
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        if (url_plain(c)) {
            *o++ = (char)c;
        } else {
            o[0] = '%';
            o[1] = hex[c >> 4];
            o[2] = hex[c & 15];
            o += 3;
        }
    }
    b->len += need;
    b->data[b->len] = '\0';
    return FG_OK;
}

enum fg_status fg_buf_take(struct fg_buf *b, char **out, size_t *len)
{
    if (!b->data) {
        enum fg_status st = reserve(b, 0);
        if (st != FG_OK)
            return st;
        b->data[0] = '\0';
    }
    *out = b->data;
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    return FG_OK;
}
