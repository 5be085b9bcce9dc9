/* fg_str.c - string slices and range-checked number parsing. */
#include "fg_str.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct fg_str fg_str_c(const char *s)
{
    return s ? (struct fg_str){s, strlen(s)} : (struct fg_str){"", 0};
}

struct fg_str fg_str_n(const char *s, size_t len)
{
    return (struct fg_str){s, len};
}

bool fg_str_eq(struct fg_str a, struct fg_str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

bool fg_str_eq_c(struct fg_str a, const char *b)
{
    return fg_str_eq(a, fg_str_c(b));
}

bool fg_str_ieq(struct fg_str a, struct fg_str b)
{
    if (a.len != b.len)
        return false;
    for (size_t i = 0; i < a.len; i++) {
        if (tolower((unsigned char)a.ptr[i]) != tolower((unsigned char)b.ptr[i]))
            return false;
    }
    return true;
}

bool fg_str_ieq_c(struct fg_str a, const char *b)
{
    return fg_str_ieq(a, fg_str_c(b));
}

bool fg_str_starts_with(struct fg_str s, const char *prefix)
{
    size_t n = strlen(prefix);
    return s.len >= n && memcmp(s.ptr, prefix, n) == 0;
}

bool fg_str_ends_with(struct fg_str s, const char *suffix)
{
    size_t n = strlen(suffix);
    return s.len >= n && memcmp(s.ptr + s.len - n, suffix, n) == 0;
}

bool fg_str_contains(struct fg_str s, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= s.len; i++)
        if (memcmp(s.ptr + i, needle, n) == 0)
            return true;
    return false;
}

bool fg_str_split(struct fg_str s, char c, struct fg_str *head, struct fg_str *tail)
{
    const char *hit = s.len ? memchr(s.ptr, c, s.len) : NULL;
    if (!hit) {
        *head = s;
        *tail = (struct fg_str){s.ptr + s.len, 0};
        return false;
    }
    size_t at = (size_t)(hit - s.ptr);
    *head = (struct fg_str){s.ptr, at};
    *tail = (struct fg_str){hit + 1, s.len - at - 1};
    return true;
}

bool fg_str_rsplit(struct fg_str s, char c, struct fg_str *head, struct fg_str *tail)
{
    for (size_t i = s.len; i > 0; i--) {
        if (s.ptr[i - 1] == c) {
            *head = (struct fg_str){s.ptr, i - 1};
            *tail = (struct fg_str){s.ptr + i, s.len - i};
            return true;
        }
    }
    *head = s;
    *tail = (struct fg_str){s.ptr + s.len, 0};
    return false;
}

struct fg_str fg_str_trim(struct fg_str s)
{
    while (s.len && isspace((unsigned char)s.ptr[0])) {
        s.ptr++;
        s.len--;
    }
    while (s.len && isspace((unsigned char)s.ptr[s.len - 1]))
        s.len--;
    return s;
}

enum fg_status fg_parse_i64(struct fg_str s, int64_t min, int64_t max, int64_t *out)
{
    size_t i = 0;
    bool neg = false;
    uint64_t acc = 0;
    uint64_t limit;

    if (s.len == 0)
        return FG_EINVAL;
    if (s.ptr[0] == '-' || s.ptr[0] == '+') {
        neg = s.ptr[0] == '-';
        i = 1;
    }
    if (i == s.len)
        return FG_EINVAL;
    limit = neg ? (uint64_t)INT64_MAX + 1u : (uint64_t)INT64_MAX;
    for (; i < s.len; i++) {
        unsigned d = (unsigned char)s.ptr[i] - '0';
        if (d > 9)
            return FG_EINVAL;
        if (acc > (limit - d) / 10)
            return FG_EINVAL;
        acc = acc * 10 + d;
    }
    int64_t v = neg ? (acc == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(int64_t)acc) : (int64_t)acc;
    if (v < min || v > max)
        return FG_EINVAL;
    *out = v;
    return FG_OK;
}

static size_t skip_digits(struct fg_str s, size_t i)
{
    while (i < s.len && s.ptr[i] >= '0' && s.ptr[i] <= '9')
        i++;
    return i;
}

enum fg_status fg_parse_decimal(struct fg_str s, double *out)
{
    char buf[64];
    size_t i = 0, start;

    if (s.len == 0 || s.len >= sizeof buf)
        return FG_EINVAL;
    if (s.ptr[i] == '-' || s.ptr[i] == '+')
        i++;
    start = i;
    i = skip_digits(s, i);
    if (i == start)
        return FG_EINVAL;
    if (i < s.len && s.ptr[i] == '.') {
        start = ++i;
        i = skip_digits(s, i);
        if (i == start)
            return FG_EINVAL;
    }
    if (i < s.len && (s.ptr[i] == 'e' || s.ptr[i] == 'E')) {
        i++;
        if (i < s.len && (s.ptr[i] == '-' || s.ptr[i] == '+'))
            i++;
        start = i;
        i = skip_digits(s, i);
        if (i == start)
            return FG_EINVAL;
    }
    if (i != s.len)
        return FG_EINVAL;
    memcpy(buf, s.ptr, s.len);
    buf[s.len] = '\0';
    errno = 0;
    double v = strtod(buf, NULL);
    if (errno == ERANGE || !isfinite(v))
        return FG_EINVAL;
    *out = v;
    return FG_OK;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

enum fg_status fg_url_decode(struct fg_str src, bool plus_is_space, char *dst, size_t *dst_len)
{
    size_t o = 0;
    for (size_t i = 0; i < src.len; i++) {
        char c = src.ptr[i];
        if (c == '%') {
            if (src.len - i < 3)
                return FG_EINVAL;
            int hi = hex_value(src.ptr[i + 1]), lo = hex_value(src.ptr[i + 2]);
            if (hi < 0 || lo < 0)
                return FG_EINVAL;
            dst[o++] = (char)(hi * 16 + lo);
            i += 2;
        } else if (c == '+' && plus_is_space) {
            dst[o++] = ' ';
        } else {
            dst[o++] = c;
        }
    }
    *dst_len = o;
    return FG_OK;
}

size_t fg_utf8_seq_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0], cp, min;
    size_t len;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    cp = c & (0x7Fu >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3Fu);
    }
    return cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) ? 0 : len;
}

bool fg_is_fhir_id(struct fg_str s)
{
    if (s.len == 0 || s.len > 64)
        return false;
    for (size_t i = 0; i < s.len; i++) {
        char c = s.ptr[i];
        if (!isalnum((unsigned char)c) && c != '-' && c != '.')
            return false;
    }
    return true;
}
