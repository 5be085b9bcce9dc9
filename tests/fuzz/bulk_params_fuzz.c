/* bulk_params_fuzz.c - libFuzzer target for the $export kick-off inputs:
 * the bytes as a Prefer header, as a Parameters resource (JSON) and, split
 * at '&' and '=', as query pairs. Invariants: nothing reads or writes out
 * of bounds (ASan); accepted input names at most FG_MAX_BULK_TYPES distinct
 * known resource types and a _since that is not before the epoch,
 * _typeFilter values of known types with a query, patient values that are
 * FHIR ids, a copy equal to the original; a refusal always says why. */
#include <string.h>

#include <cJSON.h>

#include "core/fg_pool.h"
#include "fhir/searchparam.h"
#include "gateway/bulk_params.h"
#include "fuzz.h"
#include "fuzz_pairs.h"

static void check(struct fg_pool *pool, const struct fhir_kv *kv, size_t n, bool lenient)
{
    struct fg_bulk_params p;
    struct fg_error err;
    fg_error_clear(&err);
    if (fg_bulk_params_parse(pool, fg_str_c("https://gw.example/fhir"), kv, n, lenient, &p,
                             &err) != FG_OK) {
        FUZZ_CHECK(err.diagnostics[0] != '\0');
        return;
    }
    FUZZ_CHECK(p.n_types <= FG_MAX_BULK_TYPES);
    for (size_t i = 0; i < p.n_types; i++) {
        FUZZ_CHECK(fhir_resource_type_known(fg_str_c(p.types[i])));
        for (size_t k = 0; k < i; k++)
            FUZZ_CHECK(p.types[k] != p.types[i]);
    }
    FUZZ_CHECK(!p.has_since || p.since_us >= 0);
    FUZZ_CHECK(p.n_filters <= FG_MAX_BULK_TYPE_FILTERS);
    for (size_t i = 0; i < p.n_filters; i++) {
        FUZZ_CHECK(fhir_resource_type_known(fg_str_c(p.filters[i].type)));
        FUZZ_CHECK(p.filters[i].query.len > 0);
    }
    FUZZ_CHECK(p.n_elements <= FG_MAX_BULK_ELEMENTS && p.n_patients <= FG_MAX_BULK_PATIENTS);
    for (size_t i = 0; i < p.n_patients; i++)
        FUZZ_CHECK(fg_is_fhir_id(p.patients[i]));
    struct fg_str names[FG_MAX_BULK_ELEMENTS];
    size_t n_names = 0;
    fg_bulk_params_elements_for(&p, "Patient", names, &n_names);
    FUZZ_CHECK(n_names <= p.n_elements);
    struct fg_bulk_params copy;
    if (fg_bulk_params_copy(pool, &p, &copy) == FG_OK) {
        FUZZ_CHECK(copy.n_filters == p.n_filters && copy.n_patients == p.n_patients);
        for (size_t i = 0; i < p.n_patients; i++)
            FUZZ_CHECK(fg_str_eq(copy.patients[i], p.patients[i]));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fg_str all = fg_str_n((const char *)data, size);
    bool async = false, lenient = false;
    fg_bulk_prefer_parse(all, &async, &lenient);

    struct fg_pool *pool = fg_pool_new();
    if (!pool)
        return 0;
    cJSON *j = cJSON_ParseWithLength((const char *)data, size);
    struct fhir_kv *kv = NULL;
    size_t n = 0;
    struct fg_error err;
    fg_error_clear(&err);
    if (j && fg_bulk_params_from_parameters(pool, j, &kv, &n, &err) == FG_OK) {
        FUZZ_CHECK(n <= FG_MAX_BULK_PARAMS);
        check(pool, kv, n, size & 1);
    }
    cJSON_Delete(j);

    struct fhir_kv q[FG_MAX_BULK_PARAMS + 2];
    n = fuzz_split_pairs(data, size, q, sizeof q / sizeof q[0]);
    check(pool, q, n, size & 2);
    fg_pool_free(&pool);
    return 0;
}
