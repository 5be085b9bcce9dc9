/* imp_values_fuzz.c - libFuzzer target for the small wearable parsers: Apple dates, nanosecond
 * times, decimal value transforms, HKDevice strings and app-unit normalisation.
 * Invariants: an accepted Apple date round-trips to a 25-byte FHIR dateTime whose first 10
 * bytes are the input's date; a transformed value is a plain decimal (no exponent) that parses
 * back; HKDevice slices lie inside the input; a normalised unit is one of the table's codes. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "import/imp_map.h"
#include "import/imp_obs.h"
#include "import/imp_time.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void in_range(struct fg_str s, const char *base, size_t size)
{
    assert(s.len == 0 || (s.ptr >= base && s.ptr + s.len <= base + size));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fg_str s = fg_str_n((const char *)data, size);
    char f[IMP_TIME_MAX], u[IMP_TIME_MAX], v[IMP_VALUE_MAX];
    int64_t e = 0, ns = 0;
    double d = 0;
    if (imp_time_apple(s, f, u, &e) == FG_OK) {
        assert(strlen(f) == 25 && memcmp(f, data, 10) == 0 && f[10] == 'T');
        assert(strlen(u) == 20 && u[19] == 'Z');
    }
    if (imp_time_parse_nanos(s, &ns) == FG_OK) {
        imp_time_format_nanos(ns, f);
        assert(f[0] != '\0' && f[strlen(f) - 1] == 'Z');
    }
    const struct imp_map_row *row = NULL;
    imp_map_apple(FG_STR_LIT("HKQuantityTypeIdentifierHeight"), FG_STR_LIT("ft"), &row, NULL);
    if (imp_map_value(row, s, v, &d) == FG_OK) {
        assert(strchr(v, 'e') == NULL && strchr(v, 'E') == NULL);
        char *end = NULL;
        double back = strtod(v, &end);
        assert(*end == '\0' && back == d);
    }
    struct imp_device dev;
    if (imp_obs_parse_hkdevice(s, &dev) == FG_OK) {
        const char *base = (const char *)data;
        in_range(dev.name, base, size);
        in_range(dev.manufacturer, base, size);
        in_range(dev.model, base, size);
        in_range(dev.hardware, base, size);
        in_range(dev.software, base, size);
    }
    const char *ucum = NULL;
    if (imp_map_ucum_normalise(s, NULL, &ucum, NULL) == FG_OK)
        assert(ucum && ucum[0] != '\0');
    return 0;
}
