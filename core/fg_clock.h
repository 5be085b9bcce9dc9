/* fg_clock.h - the server's notion of "now" (house style rule 10).
 *
 * Every age, expiry, lockout and timestamp decision asks the clock held by
 * the server context. Tests (and `--now` / FHIRGATE_NOW) pin it.
 */
#ifndef FG_CLOCK_H
#define FG_CLOCK_H

#include <stdint.h>

#include "fg_status.h"
#include "fg_str.h"

struct fg_clock {
    int64_t pinned_us; /* 0 = real time; otherwise µs since the Unix epoch */
};

/* Microseconds since the Unix epoch (UTC). */
int64_t fg_clock_now_us(const struct fg_clock *clock);
static inline int64_t fg_clock_now_s(const struct fg_clock *clock)
{
    return fg_clock_now_us(clock) / 1000000;
}

/* Monotonic microseconds, for durations only (never pinned). */
int64_t fg_clock_mono_us(void);

/* Formats t (µs since epoch) as a FHIR instant, UTC with milliseconds:
 * "2026-11-23T12:00:00.123Z". out must hold FG_INSTANT_MAX bytes. */
#define FG_INSTANT_MAX 32
void fg_clock_format_instant(int64_t t_us, char out[FG_INSTANT_MAX]);
/* Formats the UTC calendar date of t as "YYYY-MM-DD" (11 bytes with NUL). */
void fg_clock_format_date(int64_t t_us, char out[11]);

/* Days since 1970-01-01 for a proleptic Gregorian date (any year). */
int64_t fg_days_from_civil(int64_t y, unsigned m, unsigned d);
/* The inverse of fg_days_from_civil. */
void fg_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

/* Pins the clock from "YYYY-MM-DD" or a FHIR instant; FG_EINVAL otherwise. */
enum fg_status fg_clock_pin(struct fg_clock *clock, struct fg_str when);

#endif
