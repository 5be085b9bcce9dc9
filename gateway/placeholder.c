/* placeholder.c - expands ${date:..}, ${datetime:..}, ${instant:..} in fixture text.
 * Grammar in placeholder.h; FHIR date formats: http://hl7.org/fhir/R4/datatypes.html#date */
#include "placeholder.h"

#include <stdio.h>
#include <string.h>

#include "../core/fg_clock.h"

enum ph_kind { PH_DATE, PH_DATETIME, PH_INSTANT };

struct ph_day {
    int64_t y;
    unsigned m, d;
};

static unsigned days_in_month(int64_t y, unsigned m)
{
    int64_t next = m == 12 ? fg_days_from_civil(y + 1, 1, 1) : fg_days_from_civil(y, m + 1, 1);
    return (unsigned)(next - fg_days_from_civil(y, m, 1));
}

/* Floor division for a possibly negative month count. */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

static void step(struct ph_day *day, int64_t n, char unit)
{
    if (unit == 'y' || unit == 'm') {
        int64_t total = day->y * 12 + (int64_t)(day->m - 1) + (unit == 'y' ? n * 12 : n);
        day->y = floor_div(total, 12);
        day->m = (unsigned)(total - day->y * 12) + 1;
        unsigned dim = days_in_month(day->y, day->m);
        if (day->d > dim)
            day->d = dim;
        return;
    }
    int64_t z = fg_days_from_civil(day->y, day->m, day->d) + (unit == 'w' ? 7 * n : n);
    fg_civil_from_days(z, &day->y, &day->m, &day->d);
}

/* OFFSET: "0" or ([+-]digits{1,5}[ymwd])+ */
static bool apply_offset(struct fg_str off, struct ph_day *day)
{
    if (off.len == 1 && off.ptr[0] == '0')
        return true;
    if (off.len == 0)
        return false;
    size_t i = 0;
    while (i < off.len) {
        char sign = off.ptr[i++];
        if (sign != '+' && sign != '-')
            return false;
        size_t start = i;
        while (i < off.len && i - start < 6 && off.ptr[i] >= '0' && off.ptr[i] <= '9')
            i++;
        int64_t n;
        if (i == start || i - start > 5 || i >= off.len ||
            fg_parse_i64(fg_str_n(off.ptr + start, i - start), 0, 99999, &n) != FG_OK)
            return false;
        char unit = off.ptr[i++];
        if (unit != 'y' && unit != 'm' && unit != 'w' && unit != 'd')
            return false;
        step(day, sign == '-' ? -n : n, unit);
        if (day->y < 1 || day->y > 9999)
            return false;
    }
    return true;
}

/* "HH:MM" or "HH:MM:SS" */
static bool parse_time(struct fg_str t, int64_t hms[3])
{
    if (t.len != 5 && t.len != 8)
        return false;
    static const int64_t max[3] = {23, 59, 59};
    for (size_t k = 0; k * 3 < t.len; k++) {
        if (k > 0 && t.ptr[k * 3 - 1] != ':')
            return false;
        if (fg_parse_i64(fg_str_n(t.ptr + k * 3, 2), 0, max[k], &hms[k]) != FG_OK)
            return false;
    }
    return true;
}

static bool parse_kind(struct fg_str s, enum ph_kind *kind)
{
    if (fg_str_eq_c(s, "date"))
        *kind = PH_DATE;
    else if (fg_str_eq_c(s, "datetime"))
        *kind = PH_DATETIME;
    else if (fg_str_eq_c(s, "instant"))
        *kind = PH_INSTANT;
    else
        return false;
    return true;
}

/* Expands one placeholder body ("kind:spec") into out. */
static bool expand_one(struct fg_str body, int64_t today_days, char *out, size_t out_size)
{
    struct fg_str kind_s, spec, off, time;
    enum ph_kind kind;
    if (!fg_str_split(body, ':', &kind_s, &spec) || !parse_kind(kind_s, &kind))
        return false;
    bool has_time = fg_str_split(spec, '@', &off, &time);
    int64_t hms[3] = {0, 0, 0};
    if (has_time && (kind == PH_DATE || !parse_time(time, hms)))
        return false;
    struct ph_day day;
    fg_civil_from_days(today_days, &day.y, &day.m, &day.d);
    if (!apply_offset(off, &day))
        return false;
    int n;
    if (kind == PH_DATE)
        n = snprintf(out, out_size, "%04lld-%02u-%02u", (long long)day.y, day.m, day.d);
    else
        n = snprintf(out, out_size, "%04lld-%02u-%02uT%02lld:%02lld:%02lld%s", (long long)day.y,
                     day.m, day.d, (long long)hms[0], (long long)hms[1], (long long)hms[2],
                     kind == PH_INSTANT ? ".000Z" : "Z");
    return n > 0 && (size_t)n < out_size;
}

static enum fg_status bad_placeholder(struct fg_error *err, const char *source, struct fg_str ph)
{
    return fg_error_set(err, FG_EINVAL, NULL, "%s: bad date placeholder \"%.*s\"",
                        source ? source : "(input)", (int)(ph.len > 80 ? 80 : ph.len), ph.ptr);
}

enum fg_status fg_placeholder_expand(struct fg_str text, int64_t today_days, const char *source,
                                     struct fg_buf *out, struct fg_error *err)
{
    const char *p = text.ptr, *end = text.ptr + text.len;
    enum fg_status rc;
    while (p < end) {
        const char *dollar = memchr(p, '$', (size_t)(end - p));
        if (!dollar)
            return fg_buf_append(out, p, (size_t)(end - p));
        /* "$${" is a literal "${" */
        if (end - dollar >= 3 && dollar[1] == '$' && dollar[2] == '{') {
            rc = fg_buf_append(out, p, (size_t)(dollar - p));
            if (rc == FG_OK)
                rc = fg_buf_append(out, "${", 2);
            if (rc != FG_OK)
                return rc;
            p = dollar + 3;
            continue;
        }
        if (end - dollar < 2 || dollar[1] != '{') {
            rc = fg_buf_append(out, p, (size_t)(dollar - p + 1));
            if (rc != FG_OK)
                return rc;
            p = dollar + 1;
            continue;
        }
        size_t window = (size_t)(end - dollar) < FG_PLACEHOLDER_MAX ? (size_t)(end - dollar)
                                                                     : FG_PLACEHOLDER_MAX;
        const char *close = memchr(dollar, '}', window);
        if (!close)
            return bad_placeholder(err, source, fg_str_n(dollar, window));
        struct fg_str whole = fg_str_n(dollar, (size_t)(close - dollar + 1));
        char val[48];
        if (!expand_one(fg_str_n(dollar + 2, (size_t)(close - dollar - 2)), today_days, val,
                        sizeof val))
            return bad_placeholder(err, source, whole);
        rc = fg_buf_append(out, p, (size_t)(dollar - p));
        if (rc == FG_OK)
            rc = fg_buf_append_c(out, val);
        if (rc != FG_OK)
            return rc;
        p = close + 1;
    }
    return FG_OK;
}
