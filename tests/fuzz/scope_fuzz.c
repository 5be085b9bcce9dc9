/* scope_fuzz.c - libFuzzer target for smart_scopes_parse.
 * Invariants: parse never crashes; on success the canonical string parses
 * again to an equal set (write is a fixed point) and every set is a subset
 * of itself; on failure the set is empty. */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "core/fg_buf.h"
#include "core/fg_limits.h"
#include "smart/scope.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct smart_scopes s, again;
    struct fg_buf b1, b2;
    smart_scopes_init(&s);
    smart_scopes_init(&again);
    fg_buf_init(&b1, 4 * FG_MAX_SCOPE_BYTES);
    fg_buf_init(&b2, 4 * FG_MAX_SCOPE_BYTES);
    enum fg_status st = smart_scopes_parse(fg_str_n((const char *)data, size), &s, NULL);
    if (st != FG_OK) {
        assert(s.n == 0);
        goto out;
    }
    assert(smart_scopes_is_subset(&s, &s));
    if (smart_scopes_write(&s, &b1) != FG_OK)
        goto out;
    if (smart_scopes_parse(fg_buf_str(&b1), &again, NULL) != FG_OK)
        goto out; /* re-encoding may pass the byte limit; nothing else may fail */
    assert(smart_scopes_write(&again, &b2) == FG_OK);
    assert(b1.len == b2.len && memcmp(fg_buf_str(&b1).ptr, fg_buf_str(&b2).ptr, b1.len) == 0);
    assert(smart_scopes_is_subset(&s, &again) && smart_scopes_is_subset(&again, &s));
    struct smart_scopes inter;
    smart_scopes_init(&inter);
    if (smart_scopes_intersect(&s, &again, &inter) == FG_OK)
        assert(smart_scopes_is_subset(&inter, &s));
    smart_scopes_cleanup(&inter);
out:
    smart_scopes_cleanup(&s);
    smart_scopes_cleanup(&again);
    fg_buf_cleanup(&b1);
    fg_buf_cleanup(&b2);
    return 0;
}
