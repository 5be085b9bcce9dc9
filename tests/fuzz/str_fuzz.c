/* str_fuzz.c - libFuzzer target for core/fg_str's parsers of outside input:
 * fg_parse_i64, fg_parse_decimal and fg_url_decode.
 *
 * The first input byte picks the i64 range and the '+' mode; the rest is
 * the text. Invariants:
 *   - fg_parse_i64 accepts exactly [+-]?[0-9]+ within range, agrees with
 *     strtoll, leaves *out untouched on failure, and a printed value parses
 *     back to itself;
 *   - fg_parse_decimal accepts only FHIR decimal syntax, agrees with strtod,
 *     gives a finite value, and a printed value (%.17g) parses back equal;
 *   - fg_url_decode writes at most src.len bytes into a buffer of exactly
 *     src.len (ASan sees any overrun), fails exactly on a '%' not followed by
 *     two hex digits, shrinks by 2 per escape, and decode(encode(x)) == x.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "core/fg_buf.h"
#include "core/fg_str.h"
#include "fuzz.h"

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static size_t digits(struct fg_str s, size_t i)
{
    while (i < s.len && is_digit(s.ptr[i]))
        i++;
    return i;
}

/* [+-]?[0-9]+ */
static bool int_syntax(struct fg_str s)
{
    size_t i = (s.len && (s.ptr[0] == '+' || s.ptr[0] == '-')) ? 1 : 0;
    size_t end = digits(s, i);
    return end > i && end == s.len;
}

/* [+-]?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool decimal_syntax(struct fg_str s)
{
    size_t i = (s.len && (s.ptr[0] == '+' || s.ptr[0] == '-')) ? 1 : 0;
    size_t end = digits(s, i);
    if (end == i)
        return false;
    i = end;
    if (i < s.len && s.ptr[i] == '.') {
        end = digits(s, i + 1);
        if (end == i + 1)
            return false;
        i = end;
    }
    if (i < s.len && (s.ptr[i] == 'e' || s.ptr[i] == 'E')) {
        i++;
        if (i < s.len && (s.ptr[i] == '+' || s.ptr[i] == '-'))
            i++;
        end = digits(s, i);
        if (end == i)
            return false;
        i = end;
    }
    return i == s.len;
}

static void check_i64(struct fg_str s, const char *cstr, unsigned char mode)
{
    const int64_t sentinel = INT64_C(0x5a5a5a5a5a5a5a5a);
    int64_t v = sentinel;
    enum fg_status st = fg_parse_i64(s, INT64_MIN, INT64_MAX, &v);

    bool want_ok = false;
    long long ref = 0;
    if (int_syntax(s)) {
        errno = 0;
        ref = strtoll(cstr, NULL, 10);
        want_ok = errno != ERANGE;
    }
    FUZZ_CHECK((st == FG_OK) == want_ok);
    if (st != FG_OK) {
        FUZZ_CHECK(v == sentinel);
        return;
    }
    FUZZ_CHECK(v == ref);

    char printed[32];
    int n = snprintf(printed, sizeof printed, "%" PRId64, v);
    FUZZ_CHECK(n > 0 && (size_t)n < sizeof printed);
    int64_t back = 0;
    FUZZ_CHECK(fg_parse_i64(fg_str_n(printed, (size_t)n), INT64_MIN, INT64_MAX, &back) == FG_OK);
    FUZZ_CHECK(back == v);

    /* A range that excludes v by one must reject it and leave out alone;
     * one that just includes it must accept. */
    int64_t lo = v, hi = v;
    if (mode & 1)
        lo = v == INT64_MIN ? v : v - 1;
    else
        hi = v == INT64_MAX ? v : v + 1;
    int64_t in = sentinel;
    FUZZ_CHECK(fg_parse_i64(s, lo, hi, &in) == FG_OK && in == v);
    if (v != INT64_MAX) {
        int64_t out = sentinel;
        FUZZ_CHECK(fg_parse_i64(s, v + 1, INT64_MAX, &out) != FG_OK && out == sentinel);
    }
}

static void check_decimal(struct fg_str s, const char *cstr)
{
    double d = 12345.5;
    enum fg_status st = fg_parse_decimal(s, &d);
    if (st != FG_OK) {
        FUZZ_CHECK(d == 12345.5);
        return;
    }
    FUZZ_CHECK(decimal_syntax(s));
    FUZZ_CHECK(isfinite(d));
    FUZZ_CHECK(strtod(cstr, NULL) == d);

    char printed[40];
    int n = snprintf(printed, sizeof printed, "%.17g", d);
    FUZZ_CHECK(n > 0 && (size_t)n < sizeof printed);
    double back = 0;
    FUZZ_CHECK(fg_parse_decimal(fg_str_n(printed, (size_t)n), &back) == FG_OK);
    FUZZ_CHECK(back == d);
}

/* True when every '%' starts a %XX escape; counts them. */
static bool escapes_valid(struct fg_str s, size_t *n_escapes)
{
    *n_escapes = 0;
    for (size_t i = 0; i < s.len; i++) {
        if (s.ptr[i] != '%')
            continue;
        if (s.len - i < 3 || !is_hex(s.ptr[i + 1]) || !is_hex(s.ptr[i + 2]))
            return false;
        (*n_escapes)++;
        i += 2;
    }
    return true;
}

static void check_url_decode(struct fg_str s, bool plus_is_space)
{
    /* Exactly src.len bytes, so ASan catches a write past the contract. */
    char *dst = malloc(s.len ? s.len : 1);
    struct fg_buf enc;
    fg_buf_init(&enc, s.len * 3 + 16);
    char *again = NULL;
    if (!dst)
        goto out;

    size_t n = SIZE_MAX, n_escapes;
    enum fg_status st = fg_url_decode(s, plus_is_space, dst, &n);
    bool valid = escapes_valid(s, &n_escapes);
    FUZZ_CHECK((st == FG_OK) == valid);
    if (st != FG_OK)
        goto out;
    FUZZ_CHECK(n <= s.len);
    FUZZ_CHECK(n == s.len - 2 * n_escapes);
    if (n_escapes == 0 && !plus_is_space)
        FUZZ_CHECK(n == 0 || memcmp(dst, s.ptr, n) == 0);
    if (plus_is_space)
        FUZZ_CHECK(n == 0 || memchr(dst, '+', n) == NULL || memchr(s.ptr, '%', s.len) != NULL);

    /* Encoding the decoded bytes and decoding again gives them back. */
    FUZZ_CHECK(fg_buf_append_url_encoded(&enc, fg_str_n(dst, n)) == FG_OK);
    again = malloc(enc.len ? enc.len : 1);
    FUZZ_CHECK(again != NULL);
    size_t m = 0;
    FUZZ_CHECK(fg_url_decode(fg_buf_str(&enc), plus_is_space, again, &m) == FG_OK);
    FUZZ_CHECK(m == n && (n == 0 || memcmp(again, dst, n) == 0));

out:
    free(again);
    fg_buf_cleanup(&enc);
    free(dst);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned char mode = data[0];
    struct fg_str s = fg_str_n((const char *)data + 1, size - 1);
    /* strtoll/strtod reference copies need a NUL; an embedded NUL makes the
     * syntax checks fail first, so the reference never sees a short copy. */
    char *cstr = malloc(s.len + 1);
    if (!cstr)
        return 0;
    if (s.len)
        memcpy(cstr, s.ptr, s.len);
    cstr[s.len] = '\0';

    check_i64(s, cstr, mode);
    check_decimal(s, cstr);
    check_url_decode(s, (mode & 2) != 0);

    free(cstr);
    return 0;
}
