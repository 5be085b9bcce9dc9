/* placeholder.h - relative-date placeholders in fixture files.
 *
 * Fixture dates are written relative to the load day so ages and timelines
 * hold whenever the fixtures are loaded (fixtures/README.md):
 *
 *   ${date:OFFSET}                 -> YYYY-MM-DD
 *   ${datetime:OFFSET[@HH:MM[:SS]]} -> YYYY-MM-DDTHH:MM:SSZ      (time default 00:00:00)
 *   ${instant:OFFSET[@HH:MM[:SS]]}  -> YYYY-MM-DDTHH:MM:SS.000Z  (time default 00:00:00)
 *
 * OFFSET is "0" (the load day) or one or more terms [+-]N[ymwd] (N: 1..5
 * digits) applied left to right to the load day (UTC); a year or month step
 * clamps the day to the month's length (Feb 29 - 1y = Feb 28). "$${" is a
 * literal "${". A whole placeholder is at most FG_PLACEHOLDER_MAX bytes.
 * The same grammar is implemented by scripts/check-fixtures.mjs.
 */
#ifndef FG_PLACEHOLDER_H
#define FG_PLACEHOLDER_H

#include <stdint.h>

#include "../core/fg_buf.h"
#include "../core/fg_error.h"
#include "../core/fg_str.h"

#define FG_PLACEHOLDER_MAX 64

/* Appends text to out with every placeholder expanded relative to the UTC
 * day today_days (days since 1970-01-01, see fg_days_from_civil).
 * source names the input in diagnostics (a file path; borrowed, may be NULL).
 * FG_EINVAL on a malformed placeholder or a result outside years 1..9999:
 * err names source and the placeholder text. FG_ETOOBIG / FG_ENOMEM when out
 * cannot grow. On failure out holds a partial expansion (caller resets it).
 * @test tests/unit/gateway/seed_test.c */
enum fg_status fg_placeholder_expand(struct fg_str text, int64_t today_days, const char *source,
                                     struct fg_buf *out, struct fg_error *err);

#endif
