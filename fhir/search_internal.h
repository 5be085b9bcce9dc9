/* search_internal.h - what search.c, search_values.c and search_write.c share.
 *
 * Not part of the public search contract (search.h): the value grammar
 * (OR lists, escapes, prefixes, per-type values) and the spelling of
 * modifiers and prefixes, used by the parser and the query writer.
 * Spec: http://hl7.org/fhir/R4/search.html
 */
#ifndef FHIR_SEARCH_INTERNAL_H
#define FHIR_SEARCH_INTERNAL_H

#include "search.h"

/* How many bytes of an outside value a diagnostic quotes. */
#define FHIR_SEARCH_QUOTE_MAX 64

/* Fills err with st and a diagnostic (printf format) and names the
 * parameter `name` as the expression; returns st. err may be NULL. */
enum fg_status fhir_search_fail(struct fg_error *err, enum fg_status st, struct fg_str name,
                                const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Copies at most FHIR_SEARCH_QUOTE_MAX bytes of s into dst (NUL-terminated,
 * dst_size >= FHIR_SEARCH_QUOTE_MAX + 4), replacing bytes that are not
 * printable ASCII with '?' and marking a cut with "...": outside bytes go
 * into diagnostics and logs only this way. Returns dst. */
const char *fhir_search_quote(struct fg_str s, char *dst, size_t dst_size);
#define FHIR_SEARCH_QUOTE_BUF (FHIR_SEARCH_QUOTE_MAX + 4)

/* "exact", "not-in", ... for a modifier (not FHIR_MOD_TYPE / NONE: ""). */
const char *fhir_search_modifier_name(enum fhir_modifier m);
/* "ge", ... for a prefix; "" for FHIR_PREFIX_NONE. */
const char *fhir_search_prefix_name(enum fhir_prefix p);

/* Parses the OR list `raw` (decoded, with FHIR backslash escapes) of the
 * parameter p (def, modifier, modifier_type set) into p->values/n_values,
 * pool-owned. At most max_values values (FG_EINVAL beyond, err filled).
 * `display` names the parameter in diagnostics. base_url: see
 * fhir_search_parse. Empty items of the list are skipped; *p->n_values may
 * end up 0 (the caller decides what an empty list means).
 * @test tests/unit/fhir/search_test.c */
enum fg_status fhir_search_values_parse(struct fg_pool *pool, struct fg_str base_url,
                                        struct fhir_search_param *p, struct fg_str display,
                                        struct fg_str raw, size_t max_values,
                                        struct fg_error *err);

/* Appends s to buf with the FHIR search escapes ('\' ',' '|' '$' get a
 * backslash), percent-encoded for a query string. */
enum fg_status fhir_search_append_escaped(struct fg_buf *buf, struct fg_str s);

/* The state of one fhir_search_parse (or policy addition) call. */
struct fhir_search_ctx {
    struct fg_pool *pool;
    struct fg_str base_url;
    enum fhir_search_handling handling;
    struct fhir_query *q;
    struct fg_error *err;
    size_t values_left; /* of FG_MAX_SEARCH_VALUES */
    size_t cap_params, cap_sorts, cap_includes, cap_ignored, cap_elements;
};

/* Returns an array (pool-owned) with room for n + 1 elements of elem_size
 * holding the n of arr, growing *cap by doubling; NULL on no memory (arr
 * is then unchanged). */
void *fhir_search_grow(struct fg_pool *pool, void *arr, size_t n, size_t *cap, size_t elem_size);

/* True for _count, _sort, _summary, _elements, _total, _include,
 * _revinclude and _cursor (search.html#return). */
bool fhir_search_is_result_param(struct fg_str code);

/* Parses one result parameter into c->q. key is the whole name as written
 * (with modifiers), code the part before any ':'. FG_EINVAL (err named). */
enum fg_status fhir_search_result_param(struct fhir_search_ctx *c, struct fg_str code,
                                        struct fg_str key, struct fg_str value);

/* True when `type` is listed in the space-separated `targets` word list. */
bool fhir_search_target_ok(const char *targets, struct fg_str type);

#endif
