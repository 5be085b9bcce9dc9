/* jsonpatch_fuzz.c - libFuzzer target for fhir_jsonpatch_apply. The input
 * is "<document>\n<patch>" (both JSON; without a newline the input is the
 * patch over a small fixed resource). Invariants: a status is one of the
 * documented ones; on success the document is still a value cJSON can
 * print, and applying the same patch to a fresh copy gives the same
 * result (no dependence on anything but the inputs). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fhir/jsonpatch.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char base_doc[] = "{\"resourceType\":\"Patient\",\"id\":\"p\","
                               "\"name\":[{\"family\":\"F\",\"given\":[\"A\",\"B\"]}],"
                               "\"a/b\":{\"m~n\":[1,2,3]}}";

static enum fg_status run(const char *doc_text, size_t doc_len, const cJSON *patch, char **out)
{
    struct fg_pool *pool = fg_pool_new();
    struct fg_error err;
    fg_error_clear(&err);
    cJSON *doc = cJSON_ParseWithLength(doc_text, doc_len);
    enum fg_status st = FG_EINVAL;
    *out = NULL;
    if (doc && pool) {
        st = fhir_jsonpatch_apply(pool, &doc, patch, &err);
        FUZZ_CHECK(st == FG_OK || st == FG_EINVAL || st == FG_EUNPROC || st == FG_ETOOBIG ||
                   st == FG_ENOMEM);
        FUZZ_CHECK(st == FG_OK || err.diagnostics[0]);
        if (st == FG_OK) {
            *out = cJSON_PrintUnformatted(doc);
            FUZZ_CHECK(*out != NULL);
        }
    }
    cJSON_Delete(doc);
    fg_pool_free(&pool);
    return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    const char *nl = size ? memchr(s, '\n', size) : NULL;
    const char *doc = nl ? s : base_doc;
    size_t doc_len = nl ? (size_t)(nl - s) : sizeof base_doc - 1;
    const char *p = nl ? nl + 1 : s;
    size_t p_len = nl ? size - (size_t)(nl - s) - 1 : size;
    cJSON *patch = cJSON_ParseWithLength(p, p_len);
    if (!patch)
        return 0;
    char *a = NULL, *b = NULL;
    enum fg_status s1 = run(doc, doc_len, patch, &a);
    enum fg_status s2 = run(doc, doc_len, patch, &b);
    FUZZ_CHECK(s1 == s2);
    FUZZ_CHECK((a == NULL) == (b == NULL));
    if (a && b)
        FUZZ_CHECK(strcmp(a, b) == 0);
    cJSON_free(a);
    cJSON_free(b);
    cJSON_Delete(patch);
    return 0;
}
