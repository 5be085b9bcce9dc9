/* fg_tz.c - TZif (RFC 8536, v2+) reader and POSIX TZ rules (see fg_tz.h).
 * https://www.rfc-editor.org/rfc/rfc8536 */
#include "fg_tz.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fg_clock.h"
#include "fg_limits.h"
#include "fg_mem.h"

#define TZIF_HEADER 44
#define HOUR 3600
#define UTOFF_MIN (-89999) /* RFC 8536 3.2: offsets within -25 h .. +26 h */
#define UTOFF_MAX 93599
#define T_LIMIT (INT64_C(1) << 45) /* about a million years: keeps day arithmetic in range */

struct fg_tz {
    size_t n_times;
    int64_t *times;   /* owned; strictly ascending */
    uint8_t *idx;     /* owned; type of each transition */
    size_t n_types;
    int32_t offs[FG_MAX_TZ_TYPES];
    bool has_rule;
    struct fg_tz_rule rule;
};

/* ---- POSIX TZ strings ---- */

struct cursor {
    const char *p, *end;
};

static bool at(const struct cursor *c, char ch)
{
    return c->p < c->end && *c->p == ch;
}

static bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

static bool is_alpha(char ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z');
}

/* An unsigned decimal of 1..max_digits digits, at most max. */
static bool num(struct cursor *c, int max_digits, int max, int *out)
{
    int v = 0, n = 0;
    while (c->p < c->end && is_digit(*c->p) && n < max_digits) {
        v = v * 10 + (*c->p - '0');
        c->p++;
        n++;
    }
    if (n == 0 || v > max)
        return false;
    *out = v;
    return true;
}

/* A zone abbreviation: 3+ letters, or <...> of letters, digits, '+', '-'. */
static bool abbrev(struct cursor *c)
{
    size_t n = 0;
    if (at(c, '<')) {
        c->p++;
        while (c->p < c->end && (is_alpha(*c->p) || is_digit(*c->p) || *c->p == '+' ||
                                 *c->p == '-')) {
            c->p++;
            n++;
        }
        if (!at(c, '>'))
            return false;
        c->p++;
        return n >= 3;
    }
    while (c->p < c->end && is_alpha(*c->p)) {
        c->p++;
        n++;
    }
    return n >= 3;
}

/* [+-]h[h[h]][:mm[:ss]] as signed seconds, hours at most max_h. */
static bool hms(struct cursor *c, int max_h, int32_t *out)
{
    int sign = 1, h, m = 0, s = 0;
    if (at(c, '+') || at(c, '-')) {
        sign = *c->p == '-' ? -1 : 1;
        c->p++;
    }
    if (!num(c, 3, max_h, &h))
        return false;
    if (at(c, ':')) {
        c->p++;
        if (!num(c, 2, 59, &m))
            return false;
        if (at(c, ':')) {
            c->p++;
            if (!num(c, 2, 59, &s))
                return false;
        }
    }
    *out = sign * (h * HOUR + m * 60 + s);
    return true;
}

/* ,date[/time] */
static bool rule_date(struct cursor *c, struct fg_tz_date *d)
{
    memset(d, 0, sizeof *d);
    if (!at(c, ','))
        return false;
    c->p++;
    if (at(c, 'M')) {
        c->p++;
        d->kind = 'M';
        if (!num(c, 2, 12, &d->m) || d->m < 1 || !at(c, '.'))
            return false;
        c->p++;
        if (!num(c, 1, 5, &d->w) || d->w < 1 || !at(c, '.'))
            return false;
        c->p++;
        if (!num(c, 1, 6, &d->d))
            return false;
    } else if (at(c, 'J')) {
        c->p++;
        d->kind = 'J';
        if (!num(c, 3, 365, &d->d) || d->d < 1)
            return false;
    } else {
        d->kind = 'n';
        if (!num(c, 3, 365, &d->d))
            return false;
    }
    d->time = 2 * HOUR;
    if (at(c, '/')) {
        c->p++;
        return hms(c, 167, &d->time);
    }
    return true;
}

enum fg_status fg_tz_rule_parse(struct fg_str s, struct fg_tz_rule *out)
{
    struct cursor c = {s.ptr, s.ptr + s.len};
    struct fg_tz_rule r;
    int32_t off;
    memset(&r, 0, sizeof r);
    if (!s.ptr || !abbrev(&c) || !hms(&c, 24, &off))
        return FG_EINVAL;
    r.std_off = -off;
    if (c.p < c.end) {
        if (!abbrev(&c))
            return FG_EINVAL;
        r.has_dst = true;
        r.dst_off = r.std_off + HOUR;
        if (c.p < c.end && !at(&c, ',')) {
            if (!hms(&c, 24, &off))
                return FG_EINVAL;
            r.dst_off = -off;
        }
        /* POSIX leaves a missing rule to the implementation; TZif footers always carry one */
        if (!rule_date(&c, &r.start) || !rule_date(&c, &r.end))
            return FG_EINVAL;
    }
    if (c.p != c.end)
        return FG_EINVAL;
    *out = r;
    return FG_OK;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static bool leap_year(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days since the epoch of rule date d in year y. */
static int64_t rule_day(int64_t y, const struct fg_tz_date *d)
{
    static const unsigned mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int64_t jan1 = fg_days_from_civil(y, 1, 1);
    if (d->kind == 'J')
        return jan1 + d->d - 1 + (leap_year(y) && d->d >= 60 ? 1 : 0);
    if (d->kind == 'n')
        return jan1 + d->d;
    int64_t first = fg_days_from_civil(y, (unsigned)d->m, 1);
    int wday = (int)(((first + 4) % 7 + 7) % 7); /* 1970-01-01 was a Thursday */
    int64_t day = first + (d->d - wday + 7) % 7 + (int64_t)(d->w - 1) * 7;
    unsigned len = mdays[d->m - 1] + (d->m == 2 && leap_year(y) ? 1 : 0);
    while (day >= first + len)
        day -= 7;
    return day;
}

int32_t fg_tz_rule_offset(const struct fg_tz_rule *r, int64_t t)
{
    if (!r->has_dst)
        return r->std_off;
    if (t > T_LIMIT)
        t = T_LIMIT;
    if (t < -T_LIMIT)
        t = -T_LIMIT;
    int64_t y;
    unsigned m, d;
    /* the year of standard local time; the rule repeats every year */
    fg_civil_from_days(floor_div(t + r->std_off, 86400), &y, &m, &d);
    /* start is given in standard time, end in daylight time */
    int64_t start = rule_day(y, &r->start) * 86400 + r->start.time - r->std_off;
    int64_t end = rule_day(y, &r->end) * 86400 + r->end.time - r->dst_off;
    if (start < end)
        return t >= start && t < end ? r->dst_off : r->std_off;
    return t >= end && t < start ? r->std_off : r->dst_off;
}

/* ---- TZif ---- */

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

struct counts {
    uint32_t isut, isstd, leap, time, type, chr;
};

/* The header at data[0..len): magic, version 2+, counts. */
static bool header(const unsigned char *data, size_t len, struct counts *c)
{
    if (len < TZIF_HEADER || memcmp(data, "TZif", 4) != 0 || data[4] < '2' || data[4] > '9')
        return false;
    c->isut = be32(data + 20);
    c->isstd = be32(data + 24);
    c->leap = be32(data + 28);
    c->time = be32(data + 32);
    c->type = be32(data + 36);
    c->chr = be32(data + 40);
    return true;
}

/* Bytes of the data block after a header; time_size 4 (v1) or 8. */
static uint64_t block_size(const struct counts *c, unsigned time_size)
{
    return (uint64_t)c->time * time_size + c->time + (uint64_t)c->type * 6 + c->chr +
           (uint64_t)c->leap * (time_size + 4) + c->isstd + c->isut;
}

static bool counts_ok(const struct counts *c)
{
    return c->leap == 0 && c->time <= FG_MAX_TZ_TRANSITIONS && c->type >= 1 &&
           c->type <= FG_MAX_TZ_TYPES && c->chr >= 1 && c->chr <= FG_MAX_TZ_CHARS &&
           (c->isstd == 0 || c->isstd == c->type) && (c->isut == 0 || c->isut == c->type);
}

/* Reads the v2 data block p (block_size bytes) into tz. */
static bool read_block(const unsigned char *p, const struct counts *c, struct fg_tz *tz)
{
    const unsigned char *idx = p + (size_t)c->time * 8, *types = idx + c->time;
    for (size_t i = 0; i < c->time; i++) {
        tz->times[i] = be64(p + i * 8);
        if (i > 0 && tz->times[i] <= tz->times[i - 1])
            return false;
        if (idx[i] >= c->type)
            return false;
        tz->idx[i] = idx[i];
    }
    for (size_t i = 0; i < c->type; i++) {
        const unsigned char *t = types + i * 6;
        int32_t off = (int32_t)be32(t);
        if (off < UTOFF_MIN || off > UTOFF_MAX || t[4] > 1 || t[5] >= c->chr)
            return false;
        tz->offs[i] = off;
    }
    const unsigned char *flags = types + (size_t)c->type * 6 + c->chr;
    for (size_t i = 0; i < (size_t)c->isstd + c->isut; i++)
        if (flags[i] > 1)
            return false;
    /* a UT indicator of 1 needs the standard indicator set too (RFC 8536 3.2) */
    for (size_t i = 0; c->isut && c->isstd && i < c->type; i++)
        if (flags[c->isstd + i] && !flags[i])
            return false;
    tz->n_times = c->time;
    tz->n_types = c->type;
    return true;
}

/* The footer "\n<TZ string>\n" filling p[0..len) exactly. */
static bool read_footer(const unsigned char *p, size_t len, struct fg_tz *tz)
{
    if (len < 2 || len > FG_MAX_TZ_FOOTER + 2 || p[0] != '\n' || p[len - 1] != '\n')
        return false;
    struct fg_str s = fg_str_n((const char *)p + 1, len - 2);
    if (memchr(s.ptr, '\n', s.len))
        return false;
    if (s.len == 0)
        return true; /* no rule: the last type continues */
    tz->has_rule = true;
    return fg_tz_rule_parse(s, &tz->rule) == FG_OK;
}

enum fg_status fg_tz_parse(const unsigned char *data, size_t len, struct fg_tz **out)
{
    enum fg_status rc = FG_EINVAL;
    struct fg_tz *tz = NULL;
    struct counts c1, c2;
    if (!data || !header(data, len, &c1) || c1.leap != 0)
        goto out;
    uint64_t v1 = block_size(&c1, 4);
    if (v1 > len - TZIF_HEADER)
        goto out;
    const unsigned char *h2 = data + TZIF_HEADER + v1;
    size_t rest = len - TZIF_HEADER - (size_t)v1;
    if (!header(h2, rest, &c2) || !counts_ok(&c2))
        goto out;
    uint64_t v2 = block_size(&c2, 8);
    if (v2 > rest - TZIF_HEADER)
        goto out;
    rc = FG_ENOMEM;
    tz = fg_calloc(1, sizeof *tz);
    if (!tz)
        goto out;
    tz->times = fg_malloc(((size_t)c2.time + 1) * sizeof *tz->times);
    tz->idx = fg_malloc((size_t)c2.time + 1);
    if (!tz->times || !tz->idx)
        goto out;
    rc = FG_EINVAL;
    const unsigned char *block = h2 + TZIF_HEADER;
    if (!read_block(block, &c2, tz) ||
        !read_footer(block + v2, rest - TZIF_HEADER - (size_t)v2, tz))
        goto out;
    *out = tz;
    tz = NULL;
    rc = FG_OK;
out:
    fg_tz_free(&tz);
    return rc;
}

void fg_tz_free(struct fg_tz **tz)
{
    if (!tz || !*tz)
        return;
    fg_free((*tz)->times);
    fg_free((*tz)->idx);
    fg_free(*tz);
    *tz = NULL;
}

int32_t fg_tz_offset(const struct fg_tz *tz, int64_t t)
{
    if (tz->n_times == 0 || t < tz->times[0])
        return tz->n_times == 0 && tz->has_rule ? fg_tz_rule_offset(&tz->rule, t) : tz->offs[0];
    if (t >= tz->times[tz->n_times - 1] && tz->has_rule)
        return fg_tz_rule_offset(&tz->rule, t);
    /* the last transition at or before t */
    size_t lo = 0, hi = tz->n_times;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (tz->times[mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    return tz->offs[tz->idx[lo]];
}

/* ---- loading ---- */

bool fg_tz_name_ok(struct fg_str name)
{
    if (!name.ptr || name.len == 0 || name.len > FG_MAX_TZ_NAME)
        return false;
    bool comp_start = true;
    for (size_t i = 0; i < name.len; i++) {
        char ch = name.ptr[i];
        if (ch == '/') {
            if (comp_start)
                return false; /* leading '/' or "//" */
            comp_start = true;
            continue;
        }
        if (comp_start && ch == '.')
            return false; /* ".", "..", hidden files */
        if (!is_alpha(ch) && !is_digit(ch) && ch != '_' && ch != '+' && ch != '-' && ch != '.')
            return false;
        comp_start = false;
    }
    return !comp_start;
}

/* Reads the regular file at path (at most FG_MAX_TZ_FILE_BYTES) into buf. */
static enum fg_status read_file(const char *path, unsigned char *buf, size_t *len)
{
    enum fg_status rc = FG_EIO;
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT || errno == ENOTDIR ? FG_ENOTFOUND : FG_EIO;
    if (fstat(fd, &st) != 0)
        goto out;
    rc = FG_ENOTFOUND;
    if (!S_ISREG(st.st_mode))
        goto out;
    rc = FG_ETOOBIG;
    if (st.st_size > (off_t)FG_MAX_TZ_FILE_BYTES)
        goto out;
    rc = FG_EIO;
    size_t n = 0;
    for (;;) {
        ssize_t r = read(fd, buf + n, FG_MAX_TZ_FILE_BYTES - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            goto out;
        if (r == 0)
            break;
        n += (size_t)r;
        if (n == FG_MAX_TZ_FILE_BYTES) {
            rc = FG_ETOOBIG; /* grew while reading */
            goto out;
        }
    }
    *len = n;
    rc = FG_OK;
out:
    close(fd);
    return rc;
}

enum fg_status fg_tz_load(const char *dir, struct fg_str name, struct fg_tz **out)
{
    enum fg_status rc = FG_EINVAL;
    unsigned char *buf = NULL;
    char path[4096];
    size_t len = 0;
    if (!dir || !fg_tz_name_ok(name))
        goto out;
    int n = snprintf(path, sizeof path, "%s/%.*s", dir, (int)name.len, name.ptr);
    if (n < 0 || (size_t)n >= sizeof path)
        goto out;
    rc = FG_ENOMEM;
    buf = fg_malloc(FG_MAX_TZ_FILE_BYTES);
    if (!buf)
        goto out;
    rc = read_file(path, buf, &len);
    if (rc == FG_OK)
        rc = fg_tz_parse(buf, len, out);
out:
    fg_free(buf);
    return rc;
}
