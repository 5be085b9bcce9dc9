/* imp_gfit_fuzz.c - libFuzzer target for the Google Takeout "All Data" JSON importer (and its
 * streaming tokenizer). Invariants as in imp_apple_fuzz.c; a successful import consumed the
 * whole input. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "import/imp_gfit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static enum fg_status on_obs(void *ctx, const struct imp_emit *e)
{
    uint64_t *n = ctx;
    assert(e->obs && e->measure && !e->replace);
    assert(strlen(e->identifier_value) == 71 && memcmp(e->identifier_value, "sha256:", 7) == 0);
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
    enum fg_status st = imp_gfit_parse_mem(data, size, &opts, on_obs, &seen, &r, &err);
    assert(r.emitted == seen);
    if (st == FG_OK)
        assert(r.bytes == size && err.status == FG_OK);
    else
        assert(err.status != FG_OK && err.diagnostics[0] != '\0');
    return 0;
}
