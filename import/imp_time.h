/* imp_time.h - the time formats of wearable exports, turned into FHIR dateTime.
 *
 * Apple Health export.xml writes "YYYY-MM-DD HH:MM:SS +HHMM" (local time with the offset of
 * that moment); FHIR wants "YYYY-MM-DDTHH:MM:SS+HH:MM". Google Takeout writes nanoseconds since
 * the epoch as JSON integers above 2^53, parsed here from the token text as int64.
 * Each conversion also gives the UTC form ("...Z") used in the deterministic identifier key,
 * so the same instant written with two offsets gives the same key.
 * Spec: http://hl7.org/fhir/R4/datatypes.html#dateTime; ../shared/docs/wearables.md §1.3, §2.2.
 * @test tests/unit/import/time_test.c
 */
#ifndef IMP_TIME_H
#define IMP_TIME_H

#include <stdint.h>

#include "../core/fg_status.h"
#include "../core/fg_str.h"

#define IMP_TIME_MAX 40 /* "2019-05-14T19:05:29.123456789+04:00" + NUL fits */

/* Converts an Apple date "2019-05-14 19:05:29 -0400" into the FHIR dateTime
 * "2019-05-14T19:05:29-04:00" (fhir) and its UTC form "2019-05-14T23:05:29Z" (utc);
 * *epoch_s receives the seconds since the epoch. Fields are range-checked (month 1-12, day
 * valid for the month, hour < 24, minute/second < 60, offset <= 18:00).
 * FG_EINVAL otherwise; on failure the outputs are untouched. */
enum fg_status imp_time_apple(struct fg_str in, char fhir[IMP_TIME_MAX], char utc[IMP_TIME_MAX],
                              int64_t *epoch_s);

/* True when s looks like a 2015 legacy export date ("20151107171924+0100"). */
int imp_time_is_legacy(struct fg_str s);

/* Parses decimal nanoseconds since the epoch (the JSON token text, or a JSON string's
 * contents) into *ns without going through double. Range 0 .. INT64_MAX (year 2262).
 * FG_EINVAL otherwise; on failure *ns is untouched. */
enum fg_status imp_time_parse_nanos(struct fg_str text, int64_t *ns);

/* Formats ns since the epoch as a FHIR instant in UTC: "2025-01-29T13:18:10.340Z"
 * (milliseconds when the sub-millisecond part is 0, else 9 fraction digits). */
void imp_time_format_nanos(int64_t ns, char out[IMP_TIME_MAX]);

/* Checks a calendar date "YYYY-MM-DD" (valid day for the month). FG_EINVAL otherwise. */
enum fg_status imp_time_check_date(struct fg_str in);

#endif
