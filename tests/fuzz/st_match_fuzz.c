/* st_match_fuzz.c - libFuzzer target for the conformance self-test's
 * reading of resources a foreign server returns (conformance/st_match.h):
 * the input as JSON, walked by every search parameter of a few kit groups
 * (match against fixed values, the value the kit would search by) and by
 * their Must Support items. Invariants: no out-of-bounds access or leak
 * (ASan), and a value taken from a resource is a NUL-terminated string
 * shorter than ST_VALUE_MAX. */
#include <string.h>

#include <cJSON.h>

#include "conformance/st_match.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cJSON *res = cJSON_ParseWithLength((const char *)data, size);
    if (!res)
        return 0;
    static const char *const values[] = {"amy", "Patient/amy", "8867-4", "http://loinc.org|8867-4",
                                         "ge2024-01-01", "2024-06", "sam", "a,b,c"};
    for (size_t g = 0; g < fg_kit_groups_len; g += 7) {
        const struct fg_kit_group *grp = &fg_kit_groups[g];
        for (size_t i = 0; i < grp->n_params; i++) {
            char out[ST_VALUE_MAX];
            for (size_t v = 0; v < sizeof values / sizeof values[0]; v++)
                (void)st_match_param(res, &grp->params[i], values[v]);
            if (st_value_for(res, &grp->params[i], "amy", size & 1, out))
                FUZZ_CHECK(strlen(out) < ST_VALUE_MAX);
        }
        for (size_t i = 0; i < grp->n_ms; i++)
            (void)st_ms_shown(res, &grp->ms[i]);
    }
    cJSON_Delete(res);
    return 0;
}
