/* date.h - FHIR date, dateTime and instant values as time ranges.
 *
 * A FHIR date stands for the whole interval its precision allows: "2020"
 * is 2020-01-01T00:00:00.000 to 2020-12-31T23:59:59.999. Search compares
 * ranges (http://hl7.org/fhir/R4/search.html#date). Values without a time
 * zone are taken as UTC. Ranges are inclusive, in milliseconds since the
 * Unix epoch; an open end is FHIR_DATE_MIN / FHIR_DATE_MAX.
 */
#ifndef FHIR_DATE_H
#define FHIR_DATE_H

#include <stdint.h>

#include "../core/fg_status.h"
#include "../core/fg_str.h"

#define FHIR_DATE_MIN INT64_MIN
#define FHIR_DATE_MAX INT64_MAX

enum fhir_date_precision {
    FHIR_PREC_YEAR,
    FHIR_PREC_MONTH,
    FHIR_PREC_DAY,
    FHIR_PREC_MINUTE,
    FHIR_PREC_SECOND,
    FHIR_PREC_MILLI
};

struct fhir_date_range {
    int64_t lo; /* first millisecond covered */
    int64_t hi; /* last millisecond covered */
    enum fhir_date_precision precision;
};

/* Parses a FHIR date, dateTime or instant (YYYY, YYYY-MM, YYYY-MM-DD,
 * YYYY-MM-DDThh:mm(:ss(.f+)?)?(Z|±hh:mm)); a time without a zone is UTC
 * (allowed in search values only, but accepted here).
 * FG_EINVAL for anything else (month 13, Feb 30, hour 24, ...);
 * on failure *out is untouched. @test tests/unit/fhir/date_test.c */
enum fg_status fhir_date_parse(struct fg_str s, struct fhir_date_range *out);

/* The range a search value r covers under the `ap` prefix: widened on both
 * sides by 10% of its distance from now (at least a day), saturating
 * (search.html#prefix leaves "approximately" to the server). */
struct fhir_date_range fhir_date_ap_range(struct fhir_date_range r, int64_t now_ms);

/* Years between birth date (YYYY-MM-DD) and the day of now_us (UTC): the
 * age in whole years. FG_EINVAL on a bad birth date. */
enum fg_status fhir_age_years(struct fg_str birth_date, int64_t now_us, int *age);

#endif
