/* fg_clock.c - wall and monotonic clocks, civil-date arithmetic.
 * Civil date conversion: Howard Hinnant's public-domain algorithm
 * (http://howardhinnant.github.io/date_algorithms.html), re-derived here. */
#include "fg_clock.h"

#include <time.h>

int64_t fg_clock_now_us(const struct fg_clock *clock)
{
    if (clock && clock->pinned_us)
        return clock->pinned_us;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t fg_clock_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t fg_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t mp = (int64_t)(m > 2 ? m - 3 : m + 9);
    int64_t doy = (153 * mp + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void fg_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

static char *put_digits(char *p, int64_t v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return p + width;
}

/* Years outside 0..9999 cannot be written as FHIR dates; clamp them. */
static int64_t clamp_year(int64_t y)
{
    return y < 0 ? 0 : y > 9999 ? 9999 : y;
}

void fg_clock_format_instant(int64_t t_us, char out[FG_INSTANT_MAX])
{
    int64_t secs = floor_div(t_us, 1000000);
    int64_t ms = (t_us - secs * 1000000) / 1000;
    int64_t days = floor_div(secs, 86400);
    int64_t rem = secs - days * 86400;
    int64_t y;
    unsigned m, d;
    fg_civil_from_days(days, &y, &m, &d);
    char *p = put_digits(out, clamp_year(y), 4);
    *p++ = '-';
    p = put_digits(p, m, 2);
    *p++ = '-';
    p = put_digits(p, d, 2);
    *p++ = 'T';
    p = put_digits(p, rem / 3600, 2);
    *p++ = ':';
    p = put_digits(p, rem / 60 % 60, 2);
    *p++ = ':';
    p = put_digits(p, rem % 60, 2);
    *p++ = '.';
    p = put_digits(p, ms, 3);
    *p++ = 'Z';
    *p = '\0';
}

void fg_clock_format_date(int64_t t_us, char out[11])
{
    int64_t y;
    unsigned m, d;
    fg_civil_from_days(floor_div(floor_div(t_us, 1000000), 86400), &y, &m, &d);
    char *p = put_digits(out, clamp_year(y), 4);
    *p++ = '-';
    p = put_digits(p, m, 2);
    *p++ = '-';
    p = put_digits(p, d, 2);
    *p = '\0';
}

static enum fg_status parse_fixed(struct fg_str s, size_t at, size_t n, int64_t max, int64_t *out)
{
    if (at + n > s.len)
        return FG_EINVAL;
    return fg_parse_i64(fg_str_n(s.ptr + at, n), 0, max, out);
}

enum fg_status fg_clock_pin(struct fg_clock *clock, struct fg_str when)
{
    int64_t y, mo, d, h = 0, mi = 0, sec = 0;
    if (when.len != 10 && when.len < 19)
        return FG_EINVAL;
    if (parse_fixed(when, 0, 4, 9999, &y) || when.ptr[4] != '-' ||
        parse_fixed(when, 5, 2, 12, &mo) || when.ptr[7] != '-' || parse_fixed(when, 8, 2, 31, &d))
        return FG_EINVAL;
    if (when.len >= 19) {
        if (when.ptr[10] != 'T' || parse_fixed(when, 11, 2, 23, &h) ||
            parse_fixed(when, 14, 2, 59, &mi) || parse_fixed(when, 17, 2, 59, &sec))
            return FG_EINVAL;
    }
    if (mo < 1 || d < 1)
        return FG_EINVAL;
    int64_t days = fg_days_from_civil(y, (unsigned)mo, (unsigned)d);
    clock->pinned_us = ((days * 86400) + h * 3600 + mi * 60 + sec) * 1000000;
    return FG_OK;
}
