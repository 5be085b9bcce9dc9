/* date.c - FHIR date, dateTime and instant values as inclusive ms ranges.
 *
 * Syntax (http://hl7.org/fhir/R4/datatypes.html#dateTime):
 *   YYYY | YYYY-MM | YYYY-MM-DD | YYYY-MM-DDThh:mm[:ss[.f+]][Z|(+|-)hh:mm]
 * Years 0001-9999; seconds 00-60 (60 is a leap second, counted as 59);
 * offsets up to 14:00. A value stands for every millisecond its precision
 * allows (http://hl7.org/fhir/R4/search.html#date).
 */
#include "date.h"

#include <stdbool.h>

#include "../core/fg_clock.h"

#define MS_PER_MIN INT64_C(60000)
#define MS_PER_DAY INT64_C(86400000)

/* A cursor over the input: parsers advance only on success. */
struct cur {
    const char *p, *end;
};

/* Reads exactly n digits as a number in [min, max]. */
static bool take_num(struct cur *c, int n, int min, int max, int *out)
{
    if (c->end - c->p < n)
        return false;
    int v = 0;
    for (int i = 0; i < n; i++) {
        char ch = c->p[i];
        if (ch < '0' || ch > '9')
            return false;
        v = v * 10 + (ch - '0');
    }
    if (v < min || v > max)
        return false;
    c->p += n;
    *out = v;
    return true;
}

static bool take_char(struct cur *c, char ch)
{
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return true;
    }
    return false;
}

static bool at_end(const struct cur *c)
{
    return c->p == c->end;
}

static bool is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
    static const unsigned char dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

static int64_t day_ms(int y, int m, int d)
{
    return fg_days_from_civil(y, (unsigned)m, (unsigned)d) * MS_PER_DAY;
}

/* Fractional seconds: one or more digits; milliseconds kept, the rest cut. */
static bool take_fraction(struct cur *c, int *ms)
{
    int v = 0, n = 0;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
        if (n < 3)
            v = v * 10 + (*c->p - '0');
        n++;
        c->p++;
    }
    if (n == 0)
        return false;
    for (int i = n; i < 3; i++)
        v *= 10;
    *ms = v;
    return true;
}

/* Z or (+|-)hh:mm with hh:mm <= 14:00; offset in ms east of UTC. */
static bool take_zone(struct cur *c, int64_t *offset_ms)
{
    if (take_char(c, 'Z')) {
        *offset_ms = 0;
        return true;
    }
    int sign;
    if (take_char(c, '+'))
        sign = 1;
    else if (take_char(c, '-'))
        sign = -1;
    else
        return false;
    int hh, mm;
    if (!take_num(c, 2, 0, 14, &hh) || !take_char(c, ':') || !take_num(c, 2, 0, 59, &mm))
        return false;
    if (hh == 14 && mm != 0)
        return false;
    *offset_ms = sign * ((int64_t)hh * 60 + mm) * MS_PER_MIN;
    return true;
}

/* The time part after 'T'; fills the ms since midnight, the width of the
 * range and the precision. */
static bool take_time(struct cur *c, int64_t *ms_of_day, int64_t *width,
                      enum fhir_date_precision *prec, int64_t *offset_ms)
{
    int hh, mi, ss = 0, ms = 0;
    if (!take_num(c, 2, 0, 23, &hh) || !take_char(c, ':') || !take_num(c, 2, 0, 59, &mi))
        return false;
    *prec = FHIR_PREC_MINUTE;
    *width = MS_PER_MIN;
    if (take_char(c, ':')) {
        if (!take_num(c, 2, 0, 60, &ss))
            return false;
        if (ss == 60)
            ss = 59; /* a leap second is the last second of its minute */
        *prec = FHIR_PREC_SECOND;
        *width = 1000;
        if (take_char(c, '.')) {
            if (!take_fraction(c, &ms))
                return false;
            *prec = FHIR_PREC_MILLI;
            *width = 1;
        }
    }
    *offset_ms = 0;
    if (!at_end(c) && !take_zone(c, offset_ms))
        return false;
    *ms_of_day = (((int64_t)hh * 60 + mi) * 60 + ss) * 1000 + ms;
    return true;
}

enum fg_status fhir_date_parse(struct fg_str s, struct fhir_date_range *out)
{
    if (!s.ptr)
        return FG_EINVAL;
    struct cur c = {s.ptr, s.ptr + s.len};
    int y, m = 1, d = 1;
    struct fhir_date_range r;

    if (!take_num(&c, 4, 1, 9999, &y))
        return FG_EINVAL;
    if (at_end(&c)) {
        r.precision = FHIR_PREC_YEAR;
        r.lo = day_ms(y, 1, 1);
        r.hi = day_ms(y + 1, 1, 1) - 1;
        goto done;
    }
    if (!take_char(&c, '-') || !take_num(&c, 2, 1, 12, &m))
        return FG_EINVAL;
    if (at_end(&c)) {
        r.precision = FHIR_PREC_MONTH;
        r.lo = day_ms(y, m, 1);
        r.hi = r.lo + days_in_month(y, m) * MS_PER_DAY - 1;
        goto done;
    }
    if (!take_char(&c, '-') || !take_num(&c, 2, 1, days_in_month(y, m), &d))
        return FG_EINVAL;
    if (at_end(&c)) {
        r.precision = FHIR_PREC_DAY;
        r.lo = day_ms(y, m, d);
        r.hi = r.lo + MS_PER_DAY - 1;
        goto done;
    }
    int64_t ms_of_day, width, offset_ms;
    if (!take_char(&c, 'T') || !take_time(&c, &ms_of_day, &width, &r.precision, &offset_ms) ||
        !at_end(&c))
        return FG_EINVAL;
    r.lo = day_ms(y, m, d) + ms_of_day - offset_ms;
    r.hi = r.lo + width - 1;
done:
    *out = r;
    return FG_OK;
}

enum fg_status fhir_age_years(struct fg_str birth_date, int64_t now_us, int *age)
{
    struct fhir_date_range r;
    if (birth_date.len != 10 || fhir_date_parse(birth_date, &r) != FG_OK ||
        r.precision != FHIR_PREC_DAY)
        return FG_EINVAL;
    int64_t by;
    unsigned bm, bd;
    fg_civil_from_days(r.lo / MS_PER_DAY, &by, &bm, &bd);

    int64_t now_days = now_us / 1000000 / 86400;
    if (now_us < 0 && now_us % (INT64_C(86400) * 1000000) != 0)
        now_days--;
    int64_t ny;
    unsigned nm, nd;
    fg_civil_from_days(now_days, &ny, &nm, &nd);

    int64_t years = ny - by - ((nm < bm || (nm == bm && nd < bd)) ? 1 : 0);
    if (years < 0)
        return FG_EINVAL; /* born after "now" */
    *age = (int)years;
    return FG_OK;
}

static int64_t clamp_add(int64_t a, int64_t b)
{
    if (b > 0 && a > INT64_MAX - b)
        return INT64_MAX;
    if (b < 0 && a < INT64_MIN - b)
        return INT64_MIN;
    return a + b;
}

struct fhir_date_range fhir_date_ap_range(struct fhir_date_range r, int64_t now_ms)
{
    int64_t mid = r.lo / 2 + r.hi / 2;
    int64_t d = now_ms > mid ? now_ms - mid : mid - now_ms;
    int64_t w = d / 10 > MS_PER_DAY ? d / 10 : MS_PER_DAY;
    r.lo = clamp_add(r.lo, -w);
    r.hi = clamp_add(r.hi, w);
    return r;
}
