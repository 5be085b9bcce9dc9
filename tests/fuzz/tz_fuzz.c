/* tz_fuzz.c - libFuzzer target for fg_tz_parse (TZif files) and
 * fg_tz_rule_parse (the POSIX TZ footer).
 * Invariants: a parsed zone answers every instant with an offset inside the
 * RFC 8536 range; a parsed rule answers only its standard or daylight
 * offset; failures leave the outputs untouched. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#include "core/fg_tz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int64_t instants[] = {INT64_MIN, -INT64_C(2717647201), -1, 0, INT64_C(1772956800),
                                   INT64_C(2372918400), INT64_C(1) << 40, INT64_MAX};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fg_tz *tz = NULL;
    if (fg_tz_parse(data, size, &tz) == FG_OK) {
        assert(tz != NULL);
        for (size_t i = 0; i < sizeof instants / sizeof instants[0]; i++) {
            int32_t off = fg_tz_offset(tz, instants[i]);
            assert(off >= -89999 && off <= 93599);
        }
        fg_tz_free(&tz);
    }
    assert(tz == NULL);
    struct fg_tz_rule r = {.std_off = 1};
    if (fg_tz_rule_parse(fg_str_n((const char *)data, size), &r) == FG_OK) {
        for (size_t i = 0; i < sizeof instants / sizeof instants[0]; i++) {
            int32_t off = fg_tz_rule_offset(&r, instants[i]);
            assert(off == r.std_off || (r.has_dst && off == r.dst_off));
        }
    } else {
        assert(r.std_off == 1);
    }
    return 0;
}
