/* fg_str.h - length-delimited string slices and range-checked parsing.
 *
 * House style rules 12 and 13: outside input is handled as {ptr, len}
 * slices, never as NUL-terminated strings, and numbers from outside are
 * range-checked by one parser. A slice borrows its bytes.
 */
#ifndef FG_STR_H
#define FG_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fg_status.h"

struct fg_str {
    const char *ptr; /* borrowed; not NUL-terminated */
    size_t len;
};

#define FG_STR_LIT(s) ((struct fg_str){(s), sizeof(s) - 1})
#define FG_STR_NULL ((struct fg_str){NULL, 0})

/* Wraps a NUL-terminated string (NULL gives the empty slice); borrows s. */
struct fg_str fg_str_c(const char *s);
struct fg_str fg_str_n(const char *s, size_t len);

bool fg_str_eq(struct fg_str a, struct fg_str b);
bool fg_str_eq_c(struct fg_str a, const char *b);
/* ASCII case-insensitive comparison. */
bool fg_str_ieq_c(struct fg_str a, const char *b);
/* Equal with ASCII letters compared case-insensitively. */
bool fg_str_ieq(struct fg_str a, struct fg_str b);
bool fg_str_starts_with(struct fg_str s, const char *prefix);
bool fg_str_ends_with(struct fg_str s, const char *suffix);
/* Does needle occur in s (an empty needle always does)? */
bool fg_str_contains(struct fg_str s, const char *needle);

/* Splits s at the first byte c: *head is before it, *tail after it.
 * Returns false (head = s, tail empty) when c does not occur. */
bool fg_str_split(struct fg_str s, char c, struct fg_str *head, struct fg_str *tail);
/* Same, at the last occurrence of c. */
bool fg_str_rsplit(struct fg_str s, char c, struct fg_str *head, struct fg_str *tail);

/* Trims ASCII white space at both ends. */
struct fg_str fg_str_trim(struct fg_str s);

/* Parses all of s as a base-10 integer in [min, max].
 * FG_EINVAL on empty input, non-digits, or a value out of range;
 * on failure *out is untouched. @test tests/unit/core/str_test.c */
enum fg_status fg_parse_i64(struct fg_str s, int64_t min, int64_t max, int64_t *out);

/* Parses all of s as a finite decimal number (FHIR decimal syntax:
 * -?digits(.digits)?(e[+-]digits)?). On failure *out is untouched. */
enum fg_status fg_parse_decimal(struct fg_str s, double *out);

/* Decodes %XX and '+' (when plus_is_space) from src into dst, which must
 * hold src.len bytes. *dst_len receives the decoded length.
 * FG_EINVAL on a truncated or non-hex escape. */
enum fg_status fg_url_decode(struct fg_str src, bool plus_is_space, char *dst, size_t *dst_len);

/* Length of the valid UTF-8 sequence starting at s[0] (n bytes available),
 * or 0 when it is not one: truncated, overlong, a surrogate, or past
 * U+10FFFF. n must be at least 1. @test tests/unit/core/str_test.c */
size_t fg_utf8_seq_len(const unsigned char *s, size_t n);

/* True when s is a FHIR id: [A-Za-z0-9\-\.]{1,64}. */
bool fg_is_fhir_id(struct fg_str s);

#endif
