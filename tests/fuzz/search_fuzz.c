/* search_fuzz.c - libFuzzer target for the FHIR search request parser.
 *
 * Arbitrary bytes are parsed as a form-encoded query string and then as a
 * search on Observation (lenient, then strict). Invariants: value counts
 * stay within the limits, and when a search parses, its canonical query
 * string (fhir_search_write_query) parses again, strictly, to the same
 * canonical string.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/fg_buf.h"
#include "core/fg_limits.h"
#include "core/fg_pool.h"
#include "fhir/search.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t count_values(const struct fhir_search_param *p)
{
    while (p->chain) {
        assert(p->n_values == 0);
        p = p->chain->inner;
        assert(p != NULL);
    }
    assert(p->n_values >= 1 && p->n_values <= FG_MAX_SEARCH_VALUES);
    return p->n_values;
}

static enum fg_status parse(struct fg_pool *pool, struct fg_str raw,
                            enum fhir_search_handling h, struct fhir_query *q)
{
    struct fhir_kv *kv = NULL;
    size_t n = 0;
    struct fg_error err;
    fg_error_clear(&err);
    enum fg_status st = fhir_form_parse(pool, raw, FG_MAX_SEARCH_PARAMS, &kv, &n, &err);
    if (st == FG_OK)
        st = fhir_search_parse(pool, fg_str_c("Observation"), fg_str_c("http://example.org/fhir"),
                               kv, n, h, q, &err);
    /* A failure is always described. */
    assert(st == FG_OK || st == FG_ENOMEM || err.status == st);
    return st;
}

static void check(struct fg_pool *pool, const struct fhir_query *q)
{
    size_t total = 0;
    assert(q->n_params <= FG_MAX_SEARCH_PARAMS);
    assert(q->n_includes <= FG_MAX_INCLUDES);
    assert(q->count >= 0 && q->count <= FG_MAX_COUNT);
    for (size_t i = 0; i < q->n_params; i++)
        total += count_values(&q->params[i]);
    assert(total <= FG_MAX_SEARCH_VALUES);

    struct fg_buf b1, b2;
    fg_buf_init(&b1, 1u << 20);
    fg_buf_init(&b2, 1u << 20);
    enum fg_status st = fhir_search_write_query(q, &b1);
    assert(st == FG_OK);
    struct fhir_query q2 = {0};
    st = parse(pool, fg_buf_str(&b1), FHIR_HANDLING_STRICT, &q2);
    assert(st == FG_OK);
    assert(q2.n_params == q->n_params && q2.n_sorts == q->n_sorts);
    st = fhir_search_write_query(&q2, &b2);
    assert(st == FG_OK);
    assert(b1.len == b2.len && memcmp(fg_buf_str(&b1).ptr, fg_buf_str(&b2).ptr, b1.len) == 0);
    fg_buf_cleanup(&b1);
    fg_buf_cleanup(&b2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fg_pool *pool = fg_pool_new();
    if (!pool)
        return 0;
    struct fg_str raw = fg_str_n((const char *)data, size);
    struct fhir_query q = {0};
    if (parse(pool, raw, FHIR_HANDLING_LENIENT, &q) == FG_OK)
        check(pool, &q);
    struct fhir_query qs = {0};
    if (parse(pool, raw, FHIR_HANDLING_STRICT, &qs) == FG_OK)
        check(pool, &qs);
    fg_pool_free(&pool);
    return 0;
}
