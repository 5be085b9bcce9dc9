/* multipart.h - a streaming multipart/form-data reader (RFC 7578, RFC 2046 §5.1).
 *
 * The upload form of the wearables page (HTML without JavaScript) posts the export file as
 * multipart/form-data; exports can be several GB, so the body is never held: fg_mp_feed takes
 * it chunk by chunk and hands each part's bytes to a callback as they arrive. Only what a
 * browser sends is accepted: a boundary of 1..70 characters, part headers of at most
 * FG_MP_MAX_HEADERS bytes with a Content-Disposition: form-data; name="..." (filename
 * optional), at most FG_MP_MAX_PARTS parts. Anything else is FG_EINVAL.
 * @test tests/unit/gateway/multipart_test.c, tests/fuzz/multipart_fuzz.c
 */
#ifndef FG_MULTIPART_H
#define FG_MULTIPART_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/fg_error.h"
#include "../core/fg_str.h"

#define FG_MP_MAX_BOUNDARY 70
#define FG_MP_MAX_HEADERS 4096
#define FG_MP_MAX_PARTS 16
#define FG_MP_MAX_NAME 64

struct fg_mp_callbacks {
    /* A part begins: its form field name and whether it is a file (has filename=). */
    enum fg_status (*begin)(void *ctx, const char *name, bool is_file);
    /* Bytes of the current part's content (any number of calls, possibly 0 bytes). */
    enum fg_status (*data)(void *ctx, const char *p, size_t n);
    /* The current part ended. */
    enum fg_status (*end)(void *ctx);
    void *ctx;
};

enum fg_mp_state { FG_MP_PREAMBLE, FG_MP_AFTER_DELIM, FG_MP_HEADERS, FG_MP_BODY, FG_MP_DONE };

/* The reader's state (embedded, no allocation). */
struct fg_mp {
    char delim[FG_MP_MAX_BOUNDARY + 5]; /* "\r\n--" + boundary */
    size_t dlen;
    unsigned char fail[FG_MP_MAX_BOUNDARY + 5]; /* KMP: fail[j] for a match of length j */
    enum fg_mp_state state;
    size_t nhold; /* delim[0..nhold) matched so far (held back, not yet data) */
    char headers[FG_MP_MAX_HEADERS];
    size_t nheaders;
    size_t parts;
    struct fg_mp_callbacks cb;
};

/* Starts a reader for the Content-Type header value (multipart/form-data; boundary=...).
 * FG_EINVAL (err names "Content-Type") when it is not one. */
enum fg_status fg_mp_init(struct fg_mp *m, struct fg_str content_type,
                          const struct fg_mp_callbacks *cb, struct fg_error *err);

/* Feeds the next n bytes. FG_EINVAL (err filled) on malformed input, or a callback's status. */
enum fg_status fg_mp_feed(struct fg_mp *m, const char *p, size_t n, struct fg_error *err);

/* After the last byte: FG_OK when the closing delimiter was seen, else FG_EINVAL. */
enum fg_status fg_mp_finish(struct fg_mp *m, struct fg_error *err);

#endif
