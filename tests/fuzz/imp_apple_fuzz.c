/* imp_apple_fuzz.c - libFuzzer target for the streaming Apple Health export.xml importer.
 * Invariants: every emitted Observation has a "sha256:" identifier of 71 bytes and a measure;
 * the report's count equals the callbacks seen; on success every input byte was consumed; on
 * failure the error is described (status set, diagnostics non-empty). No leaks (ASan). */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "import/imp_apple.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static enum fg_status on_obs(void *ctx, const struct imp_emit *e)
{
    uint64_t *n = ctx;
    assert(e->obs && e->measure);
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
    enum fg_status st = imp_apple_parse_mem(data, size, &opts, on_obs, &seen, &r, &err);
    assert(r.emitted == seen);
    if (st == FG_OK) {
        assert(r.bytes == size);
        assert(err.status == FG_OK);
    } else {
        assert(err.status != FG_OK && err.diagnostics[0] != '\0');
    }
    return 0;
}
