/* fg_buf.h - a growable byte buffer with a hard cap (house style rule 12).
 *
 * Every buffer is given the largest size it may reach at init; an append
 * past it fails with FG_ETOOBIG and leaves the buffer as it was. The
 * contents are always NUL-terminated for convenience (the NUL is not
 * counted in len).
 */
#ifndef FG_BUF_H
#define FG_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "fg_status.h"
#include "fg_str.h"

struct fg_buf {
    char *data;  /* owned; NULL until the first append */
    size_t len;
    size_t cap;  /* bytes allocated */
    size_t max;  /* largest len allowed */
};

/* Embedded init: no allocation happens until the first append. */
void fg_buf_init(struct fg_buf *b, size_t max);
/* Frees the contents and resets to empty (max kept). Safe on a zeroed buf. */
void fg_buf_cleanup(struct fg_buf *b);
void fg_buf_reset(struct fg_buf *b);

enum fg_status fg_buf_append(struct fg_buf *b, const void *p, size_t n);
enum fg_status fg_buf_append_c(struct fg_buf *b, const char *s);
enum fg_status fg_buf_append_str(struct fg_buf *b, struct fg_str s);
enum fg_status fg_buf_append_char(struct fg_buf *b, char c);
/* printf-style append; FG_ETOOBIG if it would pass max. */
enum fg_status fg_buf_printf(struct fg_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Appends s as a JSON string literal, quotes included. */
enum fg_status fg_buf_append_json_string(struct fg_buf *b, struct fg_str s);
/* Appends s percent-encoded for a URL query component. */
enum fg_status fg_buf_append_url_encoded(struct fg_buf *b, struct fg_str s);

/* Hands the contents to the caller: caller owns *out (free with fg_free),
 * *len receives the length; the buffer is left empty. A never-appended
 * buffer yields an allocated empty string. */
enum fg_status fg_buf_take(struct fg_buf *b, char **out, size_t *len);

static inline struct fg_str fg_buf_str(const struct fg_buf *b)
{
    return (struct fg_str){b->data ? b->data : "", b->len};
}

#endif
