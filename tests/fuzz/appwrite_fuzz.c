/* appwrite_fuzz.c - libFuzzer target for the normalisation of Observations patient apps write
 * (import/imp_appwrite.h). Input: JSON. Invariants: an accepted Observation carries the
 * patient-supplied tag once and the patient in performer, and every valueQuantity with a code
 * is in UCUM; a refusal is described. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cJSON.h>

#include "core/fg_pool.h"
#include "import/imp_appwrite.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_ucum(const cJSON *q)
{
    const cJSON *sys = cJSON_GetObjectItemCaseSensitive(q, "system");
    if (cJSON_GetObjectItemCaseSensitive(q, "code"))
        assert(cJSON_IsString(sys) && strcmp(sys->valuestring, "http://unitsofmeasure.org") == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct imp_app app = {FG_STR_LIT("p1"), FG_STR_LIT("app-1")};
    cJSON *obs = cJSON_ParseWithLength((const char *)data, size);
    if (!obs)
        return 0;
    struct fg_pool *pool = fg_pool_new();
    struct fg_error err;
    fg_error_clear(&err);
    enum fg_status st = imp_appwrite_prepare(obs, &app, pool, NULL, &err);
    if (st == FG_OK) {
        const cJSON *meta = cJSON_GetObjectItemCaseSensitive(obs, "meta");
        int tags = 0;
        const cJSON *t;
        cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(meta, "tag")) {
            const cJSON *c = cJSON_GetObjectItemCaseSensitive(t, "code");
            tags += cJSON_IsString(c) && strcmp(c->valuestring, "patient-supplied") == 0;
        }
        assert(tags >= 1);
        const cJSON *p0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(obs, "performer"), 0);
        assert(p0 != NULL);
        check_ucum(cJSON_GetObjectItemCaseSensitive(obs, "valueQuantity"));
    } else {
        assert(err.status != FG_OK && err.diagnostics[0] != '\0');
    }
    cJSON_Delete(obs);
    fg_pool_free(&pool);
    return 0;
}
