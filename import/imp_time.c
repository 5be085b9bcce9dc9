/* imp_time.c - wearable export time formats -> FHIR dateTime (see imp_time.h). */
#include "imp_time.h"

#include <stdio.h>
#include <string.h>

#include "../core/fg_clock.h"

static int digits_at(struct fg_str s, size_t at, size_t n, int *out)
{
    int v = 0;
    if (at + n > s.len)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s.ptr[at + i];
        if (c < '0' || c > '9')
            return 0;
        v = v * 10 + (c - '0');
    }
    *out = v;
    return 1;
}

static int days_in_month(int y, int m)
{
    static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dm[m - 1];
}

static int date_ok(int y, int mo, int d)
{
    return y >= 1 && mo >= 1 && mo <= 12 && d >= 1 && d <= days_in_month(y, mo);
}

enum fg_status imp_time_check_date(struct fg_str in)
{
    int y, mo, d;
    if (in.len != 10 || in.ptr[4] != '-' || in.ptr[7] != '-' || !digits_at(in, 0, 4, &y) ||
        !digits_at(in, 5, 2, &mo) || !digits_at(in, 8, 2, &d) || !date_ok(y, mo, d))
        return FG_EINVAL;
    return FG_OK;
}

static char *put2(char *p, unsigned v)
{
    p[0] = (char)('0' + v / 10 % 10);
    p[1] = (char)('0' + v % 10);
    return p + 2;
}

/* "YYYY-MM-DDTHH:MM:SSZ"; years outside 0..9999 give "" (never for accepted inputs). Hot
 * path: no printf. */
static void format_utc(int64_t t, char out[IMP_TIME_MAX])
{
    int64_t days = t / 86400, sec = t % 86400;
    if (sec < 0) {
        sec += 86400;
        days--;
    }
    int64_t y;
    unsigned m, d;
    fg_civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999) {
        out[0] = '\0';
        return;
    }
    char *p = put2(out, (unsigned)(y / 100));
    p = put2(p, (unsigned)(y % 100));
    *p++ = '-';
    p = put2(p, m);
    *p++ = '-';
    p = put2(p, d);
    *p++ = 'T';
    p = put2(p, (unsigned)(sec / 3600));
    *p++ = ':';
    p = put2(p, (unsigned)(sec / 60 % 60));
    *p++ = ':';
    p = put2(p, (unsigned)(sec % 60));
    *p++ = 'Z';
    *p = '\0';
}

/* "YYYY-MM-DD HH:MM:SS +HHMM": 25 bytes exactly. */
enum fg_status imp_time_apple(struct fg_str in, char fhir[IMP_TIME_MAX], char utc[IMP_TIME_MAX],
                              int64_t *epoch_s)
{
    int y, mo, d, h, mi, s, oh, om;
    if (in.len != 25 || in.ptr[4] != '-' || in.ptr[7] != '-' || in.ptr[10] != ' ' ||
        in.ptr[13] != ':' || in.ptr[16] != ':' || in.ptr[19] != ' ' ||
        (in.ptr[20] != '+' && in.ptr[20] != '-'))
        return FG_EINVAL;
    if (!digits_at(in, 0, 4, &y) || !digits_at(in, 5, 2, &mo) || !digits_at(in, 8, 2, &d) ||
        !digits_at(in, 11, 2, &h) || !digits_at(in, 14, 2, &mi) || !digits_at(in, 17, 2, &s) ||
        !digits_at(in, 21, 2, &oh) || !digits_at(in, 23, 2, &om))
        return FG_EINVAL;
    if (!date_ok(y, mo, d) || h > 23 || mi > 59 || s > 59 || om > 59 || oh * 60 + om > 18 * 60)
        return FG_EINVAL;
    int sign = in.ptr[20] == '-' ? -1 : 1;
    int64_t t = fg_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + s -
                sign * (oh * 3600 + om * 60);
    /* "2019-05-14T19:05:29-04:00" */
    memcpy(fhir, in.ptr, 10);
    fhir[10] = 'T';
    memcpy(fhir + 11, in.ptr + 11, 8);
    fhir[19] = in.ptr[20];
    memcpy(fhir + 20, in.ptr + 21, 2);
    fhir[22] = ':';
    memcpy(fhir + 23, in.ptr + 23, 2);
    fhir[25] = '\0';
    format_utc(t, utc);
    *epoch_s = t;
    return FG_OK;
}

int imp_time_is_legacy(struct fg_str s)
{
    int v;
    return s.len == 19 && digits_at(s, 0, 8, &v) && digits_at(s, 8, 6, &v) &&
           (s.ptr[14] == '+' || s.ptr[14] == '-') && digits_at(s, 15, 4, &v);
}

enum fg_status imp_time_parse_nanos(struct fg_str text, int64_t *ns)
{
    return fg_parse_i64(text, 0, INT64_MAX, ns);
}

void imp_time_format_nanos(int64_t ns, char out[IMP_TIME_MAX])
{
    int64_t sec = ns / 1000000000, frac = ns % 1000000000;
    char base[IMP_TIME_MAX];
    format_utc(sec, base);
    size_t bl = strlen(base);
    if (bl == 0) {
        out[0] = '\0';
        return;
    }
    base[bl - 1] = '\0'; /* drop the Z */
    int n;
    if (frac % 1000000 == 0)
        n = snprintf(out, IMP_TIME_MAX, "%s.%03dZ", base, (int)(frac / 1000000));
    else
        n = snprintf(out, IMP_TIME_MAX, "%s.%09dZ", base, (int)frac);
    if (n < 0 || n >= IMP_TIME_MAX)
        out[0] = '\0';
}
