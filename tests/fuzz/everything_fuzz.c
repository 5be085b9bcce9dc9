/* everything_fuzz.c - libFuzzer target for the $everything operation's
 * inputs: the bytes as a Parameters resource (JSON) and, split at '&' and
 * '=', as query pairs. Invariants: nothing reads or writes out of bounds
 * (ASan); accepted input has a page size in 1..FG_MAX_COUNT, at most
 * FG_MAX_EVERYTHING_TYPES known types, a cursor type the type list can
 * hold, per-type searches whose first pair is _count, and a canonical
 * query that parses back to the same parameters. */
#include <string.h>

#include <cJSON.h>

#include "core/fg_buf.h"
#include "core/fg_pool.h"
#include "fhir/everything.h"
#include "fhir/searchparam.h"
#include "fuzz.h"
#include "fuzz_pairs.h"

static bool same(const struct fhir_everything_params *a, const struct fhir_everything_params *b)
{
    bool ok = a->count == b->count && a->n_types == b->n_types && fg_str_eq(a->start, b->start) &&
              fg_str_eq(a->end, b->end) && fg_str_eq(a->since, b->since);
    for (size_t i = 0; ok && i < a->n_types; i++)
        ok = fg_str_eq(a->types[i], b->types[i]);
    return ok;
}

/* Parses the canonical query back (it is URL-encoded: decode each value). */
static void check_round_trip(struct fg_pool *pool, const struct fhir_everything_params *p)
{
    struct fg_buf b;
    fg_buf_init(&b, 1 << 16);
    if (fhir_everything_write_query(p, &b) == FG_OK) {
        struct fhir_kv *kv = NULL;
        size_t n = 0;
        struct fhir_everything_params back;
        struct fg_error err;
        fg_error_clear(&err);
        FUZZ_CHECK(fhir_form_parse(pool, fg_buf_str(&b), 256, &kv, &n, &err) == FG_OK);
        FUZZ_CHECK(fhir_everything_from_pairs(kv, n, true, &back, &err) == FG_OK);
        FUZZ_CHECK(same(p, &back));
    }
    fg_buf_cleanup(&b);
}

static void check_accepted(struct fg_pool *pool, const struct fhir_everything_params *p)
{
    FUZZ_CHECK(p->count >= 1 && p->count <= FG_MAX_COUNT);
    FUZZ_CHECK(p->n_types <= FG_MAX_EVERYTHING_TYPES);
    for (size_t i = 0; i < p->n_types; i++)
        FUZZ_CHECK(fhir_resource_type_known(p->types[i]));
    const char *types[FHIR_EVERYTHING_MAX_SEARCHED];
    size_t n_types = 0;
    fhir_everything_types(p, types, &n_types);
    FUZZ_CHECK(n_types <= FHIR_EVERYTHING_MAX_SEARCHED);
    if (p->cursor_type.len)
        FUZZ_CHECK(fhir_resource_type_known(p->cursor_type));
    for (size_t i = 0; i < n_types; i++) {
        struct fhir_kv *kv = NULL;
        size_t n = 0;
        if (fhir_everything_search_pairs(pool, p, fg_str_c(types[i]), fg_str_c("amy"), p->count,
                                         p->cursor_store, &kv, &n) == FG_OK)
            FUZZ_CHECK(n >= 1 && n <= FHIR_EVERYTHING_MAX_PAIRS && fg_str_eq_c(kv[0].name, "_count"));
    }
    check_round_trip(pool, p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fg_pool *pool = fg_pool_new();
    if (!pool)
        return 0;
    struct fhir_everything_params p;
    struct fg_error err;
    fg_error_clear(&err);
    cJSON *j = cJSON_ParseWithLength((const char *)data, size);
    if (j && fhir_everything_from_parameters(pool, j, size & 1, &p, &err) == FG_OK)
        check_accepted(pool, &p);
    cJSON_Delete(j);

    struct fhir_kv kv[16];
    size_t n = fuzz_split_pairs(data, size, kv, sizeof kv / sizeof kv[0]);
    fg_error_clear(&err);
    if (fhir_everything_from_pairs(kv, n, size & 2, &p, &err) == FG_OK)
        check_accepted(pool, &p);
    fg_pool_free(&pool);
    return 0;
}
