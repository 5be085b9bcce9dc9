/* search_form.c - application/x-www-form-urlencoded pairs of a search.
 *
 * A GET query string and a POST _search body carry the same pairs
 * (http://hl7.org/fhir/R4/http.html#search): '&'-separated name=value,
 * %XX escapes and '+' for space
 * (https://url.spec.whatwg.org/#application/x-www-form-urlencoded).
 * Decoded names and values must be UTF-8 without control characters
 * (FHIR strings: http://hl7.org/fhir/R4/datatypes.html#string), so that
 * no overlong form or NUL reaches the matcher, the store or a log.
 */
#include <string.h>

#include "search_internal.h"


/* True when s is UTF-8 with no control characters other than tab, CR, LF. */
static bool text_ok(struct fg_str s)
{
    const unsigned char *p = (const unsigned char *)s.ptr;
    for (size_t i = 0; i < s.len;) {
        if ((p[i] < 0x20 && p[i] != '\t' && p[i] != '\r' && p[i] != '\n') || p[i] == 0x7F)
            return false;
        size_t k = fg_utf8_seq_len(p + i, s.len - i);
        if (k == 0)
            return false;
        i += k;
    }
    return true;
}

/* Decodes src into dst (room for src.len bytes) and checks the result. */
static enum fg_status decode_part(struct fg_str src, char *dst, struct fg_str *out)
{
    size_t n = 0;
    if (fg_url_decode(src, true, dst, &n) != FG_OK)
        return FG_EINVAL;
    *out = (struct fg_str){dst, n};
    return text_ok(*out) ? FG_OK : FG_EINVAL;
}

static enum fg_status decode_pair(struct fg_str seg, char *dst, struct fhir_kv *kv,
                                  struct fg_error *err)
{
    struct fg_str rname, rvalue;
    fg_str_split(seg, '=', &rname, &rvalue);
    if (decode_part(rname, dst, &kv->name) != FG_OK) {
        char q[FHIR_SEARCH_QUOTE_BUF];
        return fhir_search_fail(err, FG_EINVAL, rname,
                                "Bad %%-escape or character in parameter name '%s'",
                                fhir_search_quote(rname, q, sizeof q));
    }
    if (decode_part(rvalue, dst + kv->name.len, &kv->value) != FG_OK) {
        char q[FHIR_SEARCH_QUOTE_BUF];
        return fhir_search_fail(err, FG_EINVAL, kv->name,
                                "Bad %%-escape or character in the value of parameter '%s'",
                                fhir_search_quote(kv->name, q, sizeof q));
    }
    return FG_OK;
}

/* Counts the non-empty '&'-separated segments of raw. */
static size_t count_segments(struct fg_str raw)
{
    size_t n = 0;
    struct fg_str seg, rest = raw;
    while (rest.len) {
        fg_str_split(rest, '&', &seg, &rest);
        if (seg.len)
            n++;
    }
    return n;
}

enum fg_status fhir_form_parse(struct fg_pool *pool, struct fg_str raw, size_t max_pairs,
                               struct fhir_kv **pairs, size_t *n_pairs, struct fg_error *err)
{
    size_t n = count_segments(raw);
    if (n > max_pairs)
        return fg_error_set_http(err, FG_EINVAL, 400, "too-costly", NULL,
                                 "Too many search parameters: %zu (at most %zu)", n, max_pairs);
    struct fhir_kv *kv = n ? fg_pool_zalloc(pool, n * sizeof *kv) : NULL;
    /* Decoding never grows the text: one block holds every decoded byte. */
    char *text = raw.len ? fg_pool_alloc(pool, raw.len) : NULL;
    if ((n && !kv) || (raw.len && !text))
        return FG_ENOMEM;
    size_t k = 0;
    struct fg_str seg, rest = raw;
    while (rest.len) {
        fg_str_split(rest, '&', &seg, &rest);
        if (!seg.len)
            continue;
        enum fg_status st = decode_pair(seg, text, &kv[k], err);
        if (st != FG_OK)
            return st;
        text += kv[k].name.len + kv[k].value.len;
        /* "=x" has no name: nothing to search by. */
        if (kv[k].name.len)
            k++;
    }
    *pairs = kv;
    *n_pairs = k;
    return FG_OK;
}
