/* imp_gfit_csv_fuzz.c - libFuzzer target for the Google "Daily activity metrics" CSV importer.
 * Invariants: every Observation is a daily 41950-7 with replace set; the count matches the
 * callbacks; failures are described. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "import/imp_gfit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static enum fg_status on_obs(void *ctx, const struct imp_emit *e)
{
    uint64_t *n = ctx;
    assert(e->replace && strcmp(e->measure->loinc, "41950-7") == 0);
    assert(strlen(e->identifier_value) == 71);
    (*n)++;
    return FG_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct imp_options opts = {.patient = {"p1", 2}};
    struct imp_report r;
    struct fg_error err;
    uint64_t seen = 0;
    fg_error_clear(&err);
    enum fg_status st = imp_gfit_daily_csv_mem(data, size, &opts, on_obs, &seen, &r, &err);
    assert(r.emitted == seen);
    if (st != FG_OK)
        assert(err.status != FG_OK && err.diagnostics[0] != '\0');
    return 0;
}
