/* validate_fuzz.c - libFuzzer target for the profile validator
 * (conformance/validate*.c) over any JSON. Invariants: the status is FG_OK
 * exactly when the report has no error, FG_EUNPROC when it has, or FG_ENOMEM;
 * the kept findings never pass FG_MAX_VALIDATION_ISSUES and each has an
 * expression and a message; the OperationOutcome written from the report
 * parses back as JSON with one issue per finding (or one informational). */
#include <assert.h>
#include <cJSON.h>
#include <stdint.h>
#include <string.h>

#include "conformance/validate.h"
#include "core/fg_limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cJSON *res = cJSON_ParseWithLength((const char *)data, size);
    if (!res)
        return 0;
    struct fg_pool *pool = fg_pool_new();
    struct fg_validation_report rep;
    enum fg_status st = fg_validate_resource(pool, res, NULL, &rep);
    assert(st == FG_OK || st == FG_EUNPROC || st == FG_ENOMEM);
    if (st != FG_ENOMEM) {
        assert((st == FG_OK) == (rep.n_errors == 0));
        assert(rep.n_issues <= FG_MAX_VALIDATION_ISSUES);
        for (size_t i = 0; i < rep.n_issues; i++)
            assert(rep.issues[i].expression && rep.issues[i].message && rep.issues[i].code);
        struct fg_buf b;
        fg_buf_init(&b, 64u << 20);
        if (fg_validation_report_to_outcome(&rep, &b) == FG_OK) {
            cJSON *oo = cJSON_ParseWithLength(b.data, b.len);
            assert(oo);
            int n = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(oo, "issue"));
            /* one per finding, plus the profile checked when there are findings; or one */
            size_t want = rep.n_issues ? rep.n_issues + (rep.profile_url ? 1 : 0) : 1;
            assert((size_t)n == want);
            cJSON_Delete(oo);
        }
        fg_buf_cleanup(&b);
    }
    fg_pool_free(&pool);
    cJSON_Delete(res);
    return 0;
}
