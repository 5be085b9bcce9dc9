/* date_fuzz.c - libFuzzer target for fhir_date_parse and fhir_age_years.
 * Invariants: on success lo <= hi, the precision is a known one, and the
 * range width matches the precision's unit (at most a year of 366 days);
 * on failure the output is untouched. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#include "fhir/date.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fg_str s = fg_str_n((const char *)data, size);
    struct fhir_date_range r = {1, 0, FHIR_PREC_DAY};
    if (fhir_date_parse(s, &r) == FG_OK) {
        assert(r.lo <= r.hi);
        assert(r.precision >= FHIR_PREC_YEAR && r.precision <= FHIR_PREC_MILLI);
        assert(r.hi - r.lo < INT64_C(366) * 86400000);
        if (r.precision == FHIR_PREC_MILLI)
            assert(r.lo == r.hi);
        if (r.precision == FHIR_PREC_SECOND)
            assert(r.hi - r.lo == 999);
    } else {
        assert(r.lo == 1 && r.hi == 0);
    }
    int age = -1;
    if (fhir_age_years(s, INT64_C(1795000000) * 1000000, &age) == FG_OK)
        assert(age >= 0 && age < 10000);
    return 0;
}
