/* rest_bundle_fuzz.c - libFuzzer target for request bodies: the JSON
 * body check (UTF-8, depth, grammar), the batch/transaction Bundle check
 * and entry parser, placeholder rewriting and the _elements subset.
 * Invariants: a refused body names an offset inside it; an accepted body
 * is a JSON value; every entry is either parsed with a known type and a
 * valid id, or refused with an expression naming Bundle.entry[i];
 * rewriting leaves no resolvable placeholder behind. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/fg_limits.h"
#include "fhir/bundle_refs.h"
#include "fhir/searchparam.h"
#include "fhir/subset.h"
#include "gateway/rest.h"
#include "gateway/rest_bundle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_entries(struct fg_pool *pool, const cJSON *entries, size_t n)
{
    static const struct fhir_ref_alias alias = {{"urn:uuid:1", 10}, {"Patient/p", 9}};
    size_t i = 0;
    for (const cJSON *item = entries ? entries->child : NULL; item; item = item->next, i++) {
        struct fg_error err;
        fg_error_clear(&err);
        struct fg_bundle_entry e;
        enum fg_status st = fg_bundle_entry_parse(pool, fg_str_c("http://h/fhir"), item, i, &e,
                                                  &err);
        if (st == FG_OK) {
            assert(fhir_resource_type_known(e.type));
            assert(e.id.len == 0 || fg_is_fhir_id(e.id));
            if (e.resource) {
                fhir_ref_rewrite(e.resource, &alias, 1, NULL);
                const char *left = fhir_ref_find_unresolved(e.resource);
                assert(!left || strcmp(left, "urn:uuid:1") != 0);
            }
        } else {
            assert(strncmp(err.expression, "Bundle.entry[", 13) == 0);
        }
    }
    assert(i == n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fg_req req;
    memset(&req, 0, sizeof req);
    req.pool = fg_pool_new();
    if (!req.pool)
        return 0;
    fg_error_clear(&req.err);
    cJSON *tree = NULL;
    enum fg_status st = fg_rest_parse_json(&req, fg_str_n((const char *)data, size), "body", &tree);
    if (st == FG_OK) {
        assert(tree != NULL);
        bool tx = false;
        const cJSON *entries = NULL;
        size_t n = 0;
        struct fg_error err;
        fg_error_clear(&err);
        if (fg_bundle_check(tree, &tx, &entries, &n, &err) == FG_OK) {
            assert(n <= FG_MAX_BUNDLE_ENTRIES);
            check_entries(req.pool, entries, n);
        } else if (cJSON_IsObject(tree)) {
            struct fg_str names[] = {FG_STR_LIT("name"), FG_STR_LIT("value")};
            assert(fhir_subset_elements(tree, fg_str_c("Observation"), names, 2) == FG_OK);
            assert(cJSON_GetObjectItemCaseSensitive(tree, "meta") != NULL);
        }
    } else {
        assert(tree == NULL && req.err.status == st);
    }
    int64_t v = 0;
    if (fg_rest_etag_parse(fg_str_n((const char *)data, size), &v) == FG_OK)
        assert(v >= 1);
    fg_pool_free(&req.pool);
    return 0;
}
