/* bulk_params_fuzz.c - libFuzzer target for the $export kick-off inputs:
 * the bytes as a Prefer header, as a Parameters resource (JSON) and, split
 * at '&' and '=', as query pairs. Invariants: nothing reads or writes out
 * of bounds (ASan); accepted input names at most FG_MAX_BULK_TYPES distinct
 * known resource types and a _since that is not before the epoch; a
 * refusal always says why. */
#include <string.h>

#include <cJSON.h>

#include "core/fg_pool.h"
#include "fhir/searchparam.h"
#include "gateway/bulk_params.h"
#include "fuzz.h"
#include "fuzz_pairs.h"

static void check(const struct fhir_kv *kv, size_t n, bool lenient)
{
    struct fg_bulk_params p;
    struct fg_error err;
    fg_error_clear(&err);
    if (fg_bulk_params_parse(kv, n, lenient, &p, &err) != FG_OK) {
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
        check(kv, n, size & 1);
    }
    cJSON_Delete(j);

    struct fhir_kv q[FG_MAX_BULK_PARAMS + 2];
    n = fuzz_split_pairs(data, size, q, sizeof q / sizeof q[0]);
    check(q, n, size & 2);
    fg_pool_free(&pool);
    return 0;
}
