/* fg_tz.h - time zones from the system's compiled tz database (TZif files).
 *
 * Spec: RFC 8536 (TZif, versions 2 and later) and the POSIX TZ string of
 * its footer (POSIX.1-2017 XBD 8.3, with the RFC 8536 section 3.3.1
 * extensions: rule times from -167 to 167 hours).
 * https://www.rfc-editor.org/rfc/rfc8536
 *
 * Why not setenv("TZ") + localtime_r: TZ is process-global, so one zone per
 * process and a race with every other thread. A struct fg_tz is loaded once
 * (from the config), immutable afterwards and shared by all threads.
 *
 * Decisions written down here:
 * - Only version 2+ files: their 64-bit transition times and footer are
 *   read; the version 1 block is skipped (length-checked).
 * - Files with leap-second records ("right/" zones) are refused: their
 *   times are not POSIX seconds.
 * - Before the first transition, local time type 0 applies (RFC 8536 3.2);
 *   at and after the last transition the footer rule applies when present,
 *   else the last transition's type.
 * - Footer dates: Mm.w.d, Jn and n; a missing rule time is 02:00:00, a
 *   missing DST offset is one hour ahead of standard time.
 */
#ifndef FG_TZ_H
#define FG_TZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fg_status.h"
#include "fg_str.h"

#define FG_TZ_DIR "/usr/share/zoneinfo" /* Debian package tzdata */

/* One date of a footer rule: Mm.w.d (kind 'M'), Jn (1..365, no 29
 * February; kind 'J') or n (0..365; kind 'n'), at `time` seconds after
 * local midnight (may be negative or past 24 h). */
struct fg_tz_date {
    char kind;
    int m, w, d; /* M: month 1..12, week 1..5 (5 = last), weekday 0..6 (0 = Sunday);
                    J, n: the day in d */
    int32_t time;
};

/* A parsed POSIX TZ string. Offsets are seconds east of UTC (the opposite
 * sign of the string's). */
struct fg_tz_rule {
    int32_t std_off;
    int32_t dst_off;
    bool has_dst; /* false: std_off all year */
    struct fg_tz_date start, end;
};

struct fg_tz;

/* Parses a POSIX TZ string such as "CST6CDT,M3.2.0,M11.1.0" or
 * "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0". A DST part needs a rule.
 * FG_EINVAL for anything else; on failure *out is untouched.
 * @test tests/unit/core/tz_test.c */
enum fg_status fg_tz_rule_parse(struct fg_str s, struct fg_tz_rule *out);

/* The offset (seconds east of UTC) rule r gives at t (seconds since the epoch). */
int32_t fg_tz_rule_offset(const struct fg_tz_rule *r, int64_t t);

/* Parses a whole TZif file (v2+) of len bytes (borrowed). *out: caller
 * owns, free with fg_tz_free. FG_EINVAL for a malformed or truncated file,
 * a version 1 file, leap seconds, or counts past the fg_limits.h limits;
 * FG_ENOMEM. On failure *out is untouched.
 * @test tests/unit/core/tz_test.c */
enum fg_status fg_tz_parse(const unsigned char *data, size_t len, struct fg_tz **out);

/* True when name is an acceptable zone name: 1..FG_MAX_TZ_NAME bytes of
 * letters, digits, '_', '+', '-' and '/', made of non-empty components not
 * starting with '.', so it can only name a file under the zoneinfo
 * directory (no "..", no absolute path). */
bool fg_tz_name_ok(struct fg_str name);

/* Loads zone `name` from directory dir (FG_TZ_DIR in production).
 * FG_EINVAL for a bad name (fg_tz_name_ok) or file, FG_ENOTFOUND when there
 * is no such zone (or it is not a regular file), FG_ETOOBIG past
 * FG_MAX_TZ_FILE_BYTES, FG_EIO, FG_ENOMEM. *out: caller owns, free with
 * fg_tz_free; untouched on failure. @test tests/unit/core/tz_test.c */
enum fg_status fg_tz_load(const char *dir, struct fg_str name, struct fg_tz **out);

/* Frees *tz and sets it to NULL. NULL-safe. */
void fg_tz_free(struct fg_tz **tz);

/* The zone's offset (seconds east of UTC) at t (seconds since the epoch). */
int32_t fg_tz_offset(const struct fg_tz *tz, int64_t t);

#endif
