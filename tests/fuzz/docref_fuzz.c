/* docref_fuzz.c - libFuzzer target for the $docref operation's inputs:
 * the bytes as a Parameters resource (JSON) and, split at '&' and '=', as
 * query pairs. Invariants: nothing reads or writes out of bounds (ASan);
 * accepted input has a patient that is a FHIR id, at most
 * FG_MAX_DOCREF_VALUES types and profiles, and turns into search pairs
 * whose first is patient=Patient/<id>. */
#include <string.h>

#include <cJSON.h>

#include "core/fg_pool.h"
#include "fhir/docref.h"
#include "fuzz.h"
#include "fuzz_pairs.h"

static void check_accepted(struct fg_pool *pool, const struct fhir_docref_params *p)
{
    FUZZ_CHECK(fg_is_fhir_id(p->patient));
    FUZZ_CHECK(p->n_types <= FG_MAX_DOCREF_VALUES && p->n_profiles <= FG_MAX_DOCREF_VALUES);
    struct fhir_kv *kv = NULL;
    size_t n = 0;
    if (fhir_docref_search_pairs(pool, p, &kv, &n) == FG_OK) {
        FUZZ_CHECK(n >= 2 && fg_str_eq_c(kv[0].name, "patient"));
        FUZZ_CHECK(kv[0].value.len == p->patient.len + 8 &&
                   memcmp(kv[0].value.ptr + 8, p->patient.ptr, p->patient.len) == 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fg_pool *pool = fg_pool_new();
    if (!pool)
        return 0;
    struct fhir_docref_params p;
    struct fg_error err;
    fg_error_clear(&err);
    cJSON *j = cJSON_ParseWithLength((const char *)data, size);
    if (j && fhir_docref_from_parameters(pool, j, size & 1, &p, &err) == FG_OK)
        check_accepted(pool, &p);
    cJSON_Delete(j);

    struct fhir_kv kv[16];
    size_t n = fuzz_split_pairs(data, size, kv, sizeof kv / sizeof kv[0]);
    fg_error_clear(&err);
    if (fhir_docref_from_pairs(kv, n, size & 2, &p, &err) == FG_OK)
        check_accepted(pool, &p);
    fg_pool_free(&pool);
    return 0;
}
