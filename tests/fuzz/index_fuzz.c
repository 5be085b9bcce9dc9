/* index_fuzz.c - libFuzzer target for fhir_index_extract,
 * fhir_compartment_patients and fhir_normalize_string.
 * Input: byte 0 picks the resource type, the rest is JSON (or, when it
 * does not parse, a string to normalize).
 * Invariants: every entry belongs to the type (or a common row), date
 * ranges have lo <= hi, a non-empty slice has a pointer; normalized
 * strings are no longer than their input, have no ASCII upper case and no
 * leading, trailing or doubled spaces. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cJSON.h>

#include "fhir/index.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_slice(struct fg_str s)
{
    assert(s.len == 0 || s.ptr != NULL);
}

static void check_normalized(struct fg_str in, struct fg_str out)
{
    assert(out.ptr != NULL);
    assert(out.len <= in.len);
    assert(out.ptr[out.len] == '\0');
    for (size_t i = 0; i < out.len; i++) {
        assert(!(out.ptr[i] >= 'A' && out.ptr[i] <= 'Z'));
        if (out.ptr[i] == ' ')
            assert(i > 0 && i + 1 < out.len && out.ptr[i + 1] != ' ');
    }
}

static void check_entries(struct fg_str type, const struct fhir_index_entry *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct fhir_index_entry *e = &v[i];
        assert(e->def != NULL);
        assert(fg_str_eq_c(type, e->def->resource) || strcmp(e->def->resource, "Resource") == 0 ||
               strcmp(e->def->resource, "DomainResource") == 0);
        if (e->def->type == FHIR_PARAM_DATE)
            assert(e->lo <= e->hi);
        check_slice(e->system);
        check_slice(e->code);
        check_slice(e->text);
        check_slice(e->str);
        check_slice(e->ref_type);
        check_slice(e->ref_id);
        check_slice(e->ref_url);
        if (e->def->type == FHIR_PARAM_STRING)
            check_normalized(e->text, e->str);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct fg_str type = fg_str_c(fhir_resource_types[data[0] % fhir_resource_types_count]);
    struct fg_pool *pool = fg_pool_new();
    if (!pool)
        return 0;
    struct fg_str rest = fg_str_n((const char *)data + 1, size - 1);
    cJSON *json = cJSON_ParseWithLength(rest.ptr, rest.len);
    if (json) {
        struct fhir_index_entry *v = NULL;
        size_t n = 0;
        if (fhir_index_extract(pool, json, type, &v, &n) == FG_OK)
            check_entries(type, v, n);
        struct fg_str *ids = NULL;
        size_t n_ids = 0;
        if (fhir_compartment_patients(pool, json, type, &ids, &n_ids) == FG_OK) {
            for (size_t i = 0; i < n_ids; i++) {
                assert(fg_is_fhir_id(ids[i]));
                for (size_t j = 0; j < i; j++)
                    assert(!fg_str_eq(ids[i], ids[j]));
            }
        }
        cJSON_Delete(json);
    } else {
        check_normalized(rest, fhir_normalize_string(pool, rest));
    }
    fg_pool_free(&pool);
    return 0;
}
