/* placeholder_fuzz.c - libFuzzer target for the fixture date placeholders
 * (gateway/placeholder.c). Invariants: success or FG_EINVAL/FG_ETOOBIG only;
 * on success the output is at most twice the input (the longest expansion,
 * "${instant:0}" -> 24 bytes, doubles 12), and input without '$' is copied
 * unchanged. */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "core/fg_buf.h"
#include "core/fg_clock.h"
#include "gateway/placeholder.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fg_buf out;
    struct fg_error err;
    fg_buf_init(&out, 1u << 20);
    fg_error_clear(&err);
    enum fg_status st = fg_placeholder_expand(fg_str_n((const char *)data, size),
                                              fg_days_from_civil(2026, 11, 23), "fuzz", &out, &err);
    assert(st == FG_OK || st == FG_EINVAL || st == FG_ETOOBIG || st == FG_ENOMEM);
    if (st == FG_OK) {
        assert(out.len <= 2 * size);
        if (!memchr(data, '$', size))
            assert(out.len == size && (size == 0 || memcmp(out.data, data, size) == 0));
    }
    if (st == FG_EINVAL)
        assert(strstr(err.diagnostics, "fuzz") != NULL);
    fg_buf_cleanup(&out);
    return 0;
}
