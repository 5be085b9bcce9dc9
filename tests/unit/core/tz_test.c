/* tz_test.c - the TZif reader and POSIX TZ rules on the system's real zone
 * files (Debian package tzdata). Expected offsets are copied from
 * `zdump -v -c FROM,TO ZONE` (glibc's reader), never from this code; the
 * instants are the zdump UT times converted with `date -u -d ... +%s`. */
#include "../test.h"

#include <stdint.h>

#include "core/fg_limits.h"
#include "core/fg_mem.h"
#include "core/fg_tz.h"

struct zdump_row {
    const char *zone;
    int64_t t;
    int32_t off;
};

/* Rows past 2037 are after the files' last transition: the footer rule. */
static const struct zdump_row zdump_rows[] = {
    {"America/Chicago", INT64_C(1772956799), -21600}, /* Mar 8 07:59:59 2026 UT */
    {"America/Chicago", INT64_C(1772956800), -18000}, /* Mar 8 08:00:00 2026 UT */
    {"America/Chicago", INT64_C(1793516399), -18000}, /* Nov 1 06:59:59 2026 UT */
    {"America/Chicago", INT64_C(1793516400), -21600}, /* Nov 1 07:00:00 2026 UT */
    {"America/Chicago", INT64_C(2372918399), -21600}, /* Mar 12 07:59:59 2045 UT */
    {"America/Chicago", INT64_C(2372918400), -18000}, /* Mar 12 08:00:00 2045 UT */
    {"America/Chicago", INT64_C(2393477999), -18000}, /* Nov 5 06:59:59 2045 UT */
    {"America/Chicago", INT64_C(2393478000), -21600}, /* Nov 5 07:00:00 2045 UT */
    {"America/Chicago", INT64_C(-2717647201), -21036}, /* Nov 18 17:59:59 1883 UT (LMT) */
    {"America/Chicago", INT64_C(-2717647200), -21600}, /* Nov 18 18:00:00 1883 UT */
    {"Europe/London", INT64_C(1774745999), 0},        /* Mar 29 00:59:59 2026 UT */
    {"Europe/London", INT64_C(1774746000), 3600},     /* Mar 29 01:00:00 2026 UT */
    {"Europe/London", INT64_C(1792889999), 3600},     /* Oct 25 00:59:59 2026 UT */
    {"Europe/London", INT64_C(1792890000), 0},        /* Oct 25 01:00:00 2026 UT */
    {"Europe/London", INT64_C(2531955599), 0},        /* Mar 27 00:59:59 2050 UT */
    {"Europe/London", INT64_C(2531955600), 3600},     /* Mar 27 01:00:00 2050 UT */
    {"Europe/London", INT64_C(2550704399), 3600},     /* Oct 30 00:59:59 2050 UT */
    {"Europe/London", INT64_C(2550704400), 0},        /* Oct 30 01:00:00 2050 UT */
    {"Australia/Lord_Howe", INT64_C(1775314799), 39600}, /* Apr 4 14:59:59 2026 UT */
    {"Australia/Lord_Howe", INT64_C(1775314800), 37800}, /* Apr 4 15:00:00 2026 UT */
    {"Australia/Lord_Howe", INT64_C(1791041399), 37800}, /* Oct 3 15:29:59 2026 UT */
    {"Australia/Lord_Howe", INT64_C(1791041400), 39600}, /* Oct 3 15:30:00 2026 UT */
    {"Australia/Lord_Howe", INT64_C(2848229999), 39600}, /* Apr 3 14:59:59 2060 UT */
    {"Australia/Lord_Howe", INT64_C(2848230000), 37800}, /* Apr 3 15:00:00 2060 UT */
    {"Australia/Lord_Howe", INT64_C(2863956599), 37800}, /* Oct 2 15:29:59 2060 UT */
    {"Australia/Lord_Howe", INT64_C(2863956600), 39600}, /* Oct 2 15:30:00 2060 UT */
    {"Australia/Lord_Howe", INT64_C(352216799), 36000},  /* Feb 28 13:59:59 1981 UT */
    {"Australia/Lord_Howe", INT64_C(352216800), 37800},  /* Feb 28 14:00:00 1981 UT */
    {"Australia/Lord_Howe", INT64_C(372785399), 37800},  /* Oct 24 15:29:59 1981 UT */
    {"Australia/Lord_Howe", INT64_C(372785400), 41400},  /* Oct 24 15:30:00 1981 UT */
    {"Asia/Jerusalem", INT64_C(2531779199), 7200},    /* Mar 24 23:59:59 2050 UT (M3.4.4/26) */
    {"Asia/Jerusalem", INT64_C(2531779200), 10800},   /* Mar 25 00:00:00 2050 UT */
    {"Asia/Jerusalem", INT64_C(2550697199), 10800},   /* Oct 29 22:59:59 2050 UT */
    {"Asia/Jerusalem", INT64_C(2550697200), 7200},    /* Oct 29 23:00:00 2050 UT */
    {"America/Nuuk", INT64_C(2531955599), -7200},     /* Mar 27 00:59:59 2050 UT (/-1) */
    {"America/Nuuk", INT64_C(2531955600), -3600},     /* Mar 27 01:00:00 2050 UT */
    {"America/Nuuk", INT64_C(2550704399), -3600},     /* Oct 30 00:59:59 2050 UT */
    {"America/Nuuk", INT64_C(2550704400), -7200},     /* Oct 30 01:00:00 2050 UT */
    /* zdump -v lists no transitions for UTC: 0 everywhere */
    {"UTC", INT64_C(-2717647200), 0},
    {"UTC", INT64_C(1793516400), 0},
    {"UTC", INT64_C(2863956600), 0},
};

static void test_zdump_table(void)
{
    for (size_t i = 0; i < sizeof zdump_rows / sizeof zdump_rows[0]; i++) {
        const struct zdump_row *r = &zdump_rows[i];
        struct fg_tz *tz = NULL;
        CHECK_INT(fg_tz_load(FG_TZ_DIR, fg_str_c(r->zone), &tz), FG_OK);
        if (!tz)
            continue;
        int32_t got = fg_tz_offset(tz, r->t);
        if (got != r->off)
            fprintf(stderr, "  row %zu: %s at %lld\n", i, r->zone, (long long)r->t);
        CHECK_INT(got, r->off);
        fg_tz_free(&tz);
        CHECK(tz == NULL);
    }
}

static void test_rule_parse(void)
{
    static const struct {
        const char *in;
        enum fg_status st;
        int32_t std_off, dst_off;
        const char *start; /* kind m w d time */
        const char *end;
    } rows[] = {
        {"CST6CDT,M3.2.0,M11.1.0", FG_OK, -21600, -18000, "M 3 2 0 7200", "M 11 1 0 7200"},
        {"GMT0BST,M3.5.0/1,M10.5.0", FG_OK, 0, 3600, "M 3 5 0 3600", "M 10 5 0 7200"},
        {"<+1030>-10:30<+11>-11,M10.1.0,M4.1.0", FG_OK, 37800, 39600, "M 10 1 0 7200",
         "M 4 1 0 7200"},
        {"IST-2IDT,M3.4.4/26,M10.5.0", FG_OK, 7200, 10800, "M 3 4 4 93600", "M 10 5 0 7200"},
        {"<-02>2<-01>,M3.5.0/-1,M10.5.0/0", FG_OK, -7200, -3600, "M 3 5 0 -3600",
         "M 10 5 0 0"},
        {"EST5EDT,0/0,J365/25", FG_OK, -18000, -14400, "n 0 0 0 0", "J 0 0 365 90000"},
        {"XXX3:30:15YYY,J60/1:02:03,300", FG_OK, -12615, -9015, "J 0 0 60 3723",
         "n 0 0 300 7200"},
        {"UTC0", FG_OK, 0, 0, NULL, NULL},
        {"<+0545>-5:45", FG_OK, 20700, 0, NULL, NULL},
        {"", FG_EINVAL, 0, 0, NULL, NULL},
        {"CST", FG_EINVAL, 0, 0, NULL, NULL},
        {"CS6", FG_EINVAL, 0, 0, NULL, NULL},
        {"CST25", FG_EINVAL, 0, 0, NULL, NULL},
        {"CST6 ", FG_EINVAL, 0, 0, NULL, NULL},
        {"CST6:60", FG_EINVAL, 0, 0, NULL, NULL},
        {"<+10-10", FG_EINVAL, 0, 0, NULL, NULL},
        {"<+1>-1", FG_EINVAL, 0, 0, NULL, NULL},
        {"CST6CDT", FG_EINVAL, 0, 0, NULL, NULL},
        {"CST6CDT,M3.2.0", FG_EINVAL, 0, 0, NULL, NULL},
        {"CST6CDT,M13.2.0,M11.1.0", FG_EINVAL, 0, 0, NULL, NULL},
        {"CST6CDT,M0.2.0,M11.1.0", FG_EINVAL, 0, 0, NULL, NULL},
        {"CST6CDT,M3.6.0,M11.1.0", FG_EINVAL, 0, 0, NULL, NULL},
        {"CST6CDT,M3.0.0,M11.1.0", FG_EINVAL, 0, 0, NULL, NULL},
        {"CST6CDT,M3.2.7,M11.1.0", FG_EINVAL, 0, 0, NULL, NULL},
        {"CST6CDT,M3.2.0/168,M11.1.0", FG_EINVAL, 0, 0, NULL, NULL},
        {"CST6CDT,J0,J365", FG_EINVAL, 0, 0, NULL, NULL},
        {"CST6CDT,366,J365", FG_EINVAL, 0, 0, NULL, NULL},
        {"CST6CDT,M3.2.0,M11.1.0,", FG_EINVAL, 0, 0, NULL, NULL},
        {"CST6CDT,M3.2.0/,M11.1.0", FG_EINVAL, 0, 0, NULL, NULL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct fg_tz_rule r = {.std_off = 12345};
        enum fg_status st = fg_tz_rule_parse(fg_str_c(rows[i].in), &r);
        if (st != rows[i].st)
            fprintf(stderr, "  row \"%s\"\n", rows[i].in);
        CHECK_INT(st, rows[i].st);
        if (st != FG_OK) {
            CHECK_INT(r.std_off, 12345); /* untouched */
            continue;
        }
        CHECK_INT(r.std_off, rows[i].std_off);
        CHECK(r.has_dst == (rows[i].start != NULL));
        if (!rows[i].start)
            continue;
        CHECK_INT(r.dst_off, rows[i].dst_off);
        char got[64];
        const struct fg_tz_date *d[2] = {&r.start, &r.end};
        const char *want[2] = {rows[i].start, rows[i].end};
        for (int k = 0; k < 2; k++) {
            CHECK(snprintf(got, sizeof got, "%c %d %d %d %ld", d[k]->kind, d[k]->m, d[k]->w,
                           d[k]->d, (long)d[k]->time) < (int)sizeof got);
            CHECK_STR(got, want[k]);
        }
    }
}

/* The rule alone (no file) at the zdump instants of the footer years. */
static void test_rule_offsets(void)
{
    static const struct {
        const char *rule;
        int64_t t;
        int32_t off;
    } rows[] = {
        {"CST6CDT,M3.2.0,M11.1.0", INT64_C(2372918399), -21600},
        {"CST6CDT,M3.2.0,M11.1.0", INT64_C(2372918400), -18000},
        {"CST6CDT,M3.2.0,M11.1.0", INT64_C(2393477999), -18000},
        {"CST6CDT,M3.2.0,M11.1.0", INT64_C(2393478000), -21600},
        {"<+1030>-10:30<+11>-11,M10.1.0,M4.1.0", INT64_C(2848229999), 39600},
        {"<+1030>-10:30<+11>-11,M10.1.0,M4.1.0", INT64_C(2848230000), 37800},
        {"<+1030>-10:30<+11>-11,M10.1.0,M4.1.0", INT64_C(2863956599), 37800},
        {"<+1030>-10:30<+11>-11,M10.1.0,M4.1.0", INT64_C(2863956600), 39600},
        {"UTC0", INT64_C(2863956600), 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct fg_tz_rule r;
        CHECK_INT(fg_tz_rule_parse(fg_str_c(rows[i].rule), &r), FG_OK);
        CHECK_INT(fg_tz_rule_offset(&r, rows[i].t), rows[i].off);
    }
}

static size_t read_zone(const char *zone, unsigned char *buf, size_t cap)
{
    char path[256];
    CHECK(snprintf(path, sizeof path, "%s/%s", FG_TZ_DIR, zone) < (int)sizeof path);
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    if (!f)
        return 0;
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* Offset of the v2 header in a TZif file (from the v1 counts). */
static size_t v2_header(const unsigned char *f)
{
    uint32_t isut = get32(f + 20), isstd = get32(f + 24), leap = get32(f + 28),
             timecnt = get32(f + 32), typecnt = get32(f + 36), chr = get32(f + 40);
    return 44 + timecnt * 5 + typecnt * 6 + chr + leap * 8 + isstd + isut;
}

static enum fg_status parse_copy(const unsigned char *data, size_t len)
{
    /* a heap copy of exactly len bytes, so ASan sees any read past the end */
    unsigned char *copy = fg_malloc(len);
    struct fg_tz *tz = NULL;
    if (!copy)
        return FG_ENOMEM;
    memcpy(copy, data, len);
    enum fg_status st = fg_tz_parse(copy, len, &tz);
    fg_tz_free(&tz);
    fg_free(copy);
    return st;
}

static void test_malformed(void)
{
    static unsigned char file[8192], bad[8192];
    size_t len = read_zone("America/Chicago", file, sizeof file);
    CHECK(len > 1000 && len < sizeof file);
    CHECK_INT(parse_copy(file, len), FG_OK);
    /* every truncation fails */
    size_t truncated_ok = 0;
    for (size_t n = 0; n < len; n++)
        if (parse_copy(file, n) != FG_EINVAL)
            truncated_ok++;
    CHECK_INT(truncated_ok, 0);
    /* trailing junk after the footer */
    memcpy(bad, file, len);
    bad[len] = 'x';
    CHECK_INT(parse_copy(bad, len + 1), FG_EINVAL);

    size_t h2 = v2_header(file);
    uint32_t timecnt = get32(file + h2 + 32), typecnt = get32(file + h2 + 36);
    CHECK(timecnt > 100 && typecnt >= 4);
    size_t idx = h2 + 44 + (size_t)timecnt * 8, types = idx + timecnt;
    static const struct {
        const char *what;
        int field; /* 0 byte at off; 1 u32 at off */
        size_t off_base; /* 0 file start, 1 v2 header, 2 index, 3 types, 4 times */
        size_t off;
        uint32_t value;
    } rows[] = {
        {"bad magic", 0, 0, 0, 'X'},
        {"version 1", 0, 0, 4, 0},
        {"v2 bad magic", 0, 1, 3, 'g'},
        {"v2 version 1", 0, 1, 4, '1'},
        {"typecnt 0", 1, 1, 36, 0},
        {"typecnt past limit", 1, 1, 36, FG_MAX_TZ_TYPES + 1},
        {"typecnt huge", 1, 1, 36, 0xffffffffu},
        {"timecnt past limit", 1, 1, 32, FG_MAX_TZ_TRANSITIONS + 1},
        {"timecnt off by one", 1, 1, 32, 0}, /* replaced below by timecnt - 1 */
        {"charcnt 0", 1, 1, 40, 0},
        {"leapcnt 1", 1, 1, 28, 1},
        {"isstdcnt not typecnt", 1, 1, 24, 1},
        {"v1 leapcnt", 1, 0, 28, 1},
        {"v1 timecnt huge", 1, 0, 32, 0xffffffffu},
        {"type index out of range", 0, 2, 5, 200},
        {"times not ascending", 1, 4, 8 * 3, 0x7fffffffu},
        {"offset out of range", 1, 3, 0, 0x7fffffffu},
        {"isdst 2", 0, 3, 4, 2},
        {"designation index", 0, 3, 5, 255},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const size_t base[] = {0, h2, idx, types, h2 + 44};
        size_t at = base[rows[i].off_base] + rows[i].off;
        uint32_t v = rows[i].value;
        if (strcmp(rows[i].what, "timecnt off by one") == 0)
            v = timecnt - 1;
        memcpy(bad, file, len);
        if (rows[i].field == 0)
            bad[at] = (unsigned char)v;
        else
            put32(bad + at, v);
        enum fg_status st = parse_copy(bad, len);
        if (st != FG_EINVAL)
            fprintf(stderr, "  row %s\n", rows[i].what);
        CHECK_INT(st, FG_EINVAL);
    }
    /* footer: no leading newline, no trailing newline, bad rule */
    memcpy(bad, file, len);
    size_t nl = len - 1;
    while (nl > 0 && bad[nl - 1] != '\n')
        nl--;
    CHECK(nl > h2);
    bad[nl - 1] = ' ';
    CHECK_INT(parse_copy(bad, len), FG_EINVAL);
    memcpy(bad, file, len);
    bad[len - 1] = ' ';
    CHECK_INT(parse_copy(bad, len), FG_EINVAL);
    memcpy(bad, file, len);
    bad[nl] = '9'; /* "9ST6CDT,..." */
    CHECK_INT(parse_copy(bad, len), FG_EINVAL);
}

/* An empty footer: the last transition's type continues. */
static void test_empty_footer(void)
{
    static unsigned char file[8192], cut[8192];
    size_t len = read_zone("America/Chicago", file, sizeof file);
    size_t nl = len - 1;
    while (nl > 0 && file[nl - 1] != '\n')
        nl--;
    memcpy(cut, file, nl);
    cut[nl] = '\n';
    struct fg_tz *tz = NULL;
    CHECK_INT(fg_tz_parse(cut, nl + 1, &tz), FG_OK);
    if (!tz)
        return;
    /* the file's last transition is 2037-11-01 (CST); no rule: CST ever after */
    CHECK_INT(fg_tz_offset(tz, INT64_C(2372918400)), -21600);
    CHECK_INT(fg_tz_offset(tz, INT64_C(1772956800)), -18000); /* the table still applies */
    fg_tz_free(&tz);
}

static void test_names(void)
{
    static const struct {
        const char *name;
        bool ok;
    } rows[] = {
        {"America/Chicago", true},  {"UTC", true},
        {"Etc/GMT+5", true},        {"America/Port-au-Prince", true},
        {"America/Argentina/Buenos_Aires", true},
        {"", false},                {"/etc/passwd", false},
        {"../etc/passwd", false},   {"America/../../etc/passwd", false},
        {"America/..", false},      {"./UTC", false},
        {"America//Chicago", false}, {"America/", false},
        {".hidden", false},         {"America/Chi cago", false},
        {"America\\Chicago", false}, {"America/Chicago\n", false},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        if (fg_tz_name_ok(fg_str_c(rows[i].name)) != rows[i].ok)
            fprintf(stderr, "  name \"%s\"\n", rows[i].name);
        CHECK(fg_tz_name_ok(fg_str_c(rows[i].name)) == rows[i].ok);
    }
    char long_name[FG_MAX_TZ_NAME + 2];
    memset(long_name, 'a', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    CHECK(!fg_tz_name_ok(fg_str_c(long_name)));
    long_name[FG_MAX_TZ_NAME] = '\0';
    CHECK(fg_tz_name_ok(fg_str_c(long_name)));
}

static void test_load_errors(void)
{
    static const struct {
        const char *name;
        enum fg_status st;
    } rows[] = {
        {"America/Nowhere", FG_ENOTFOUND},
        {"America", FG_ENOTFOUND},     /* a directory */
        {"../../etc/passwd", FG_EINVAL}, /* refused before any file is opened */
        {"/etc/passwd", FG_EINVAL},
        {"zone.tab", FG_EINVAL},        /* a file that is not TZif */
        {"right/UTC", FG_EINVAL},       /* leap seconds */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct fg_tz *tz = NULL;
        enum fg_status st = fg_tz_load(FG_TZ_DIR, fg_str_c(rows[i].name), &tz);
        if (st != rows[i].st)
            fprintf(stderr, "  zone \"%s\"\n", rows[i].name);
        CHECK_INT(st, rows[i].st);
        CHECK(tz == NULL);
    }
}

static void test_alloc_failures(void)
{
    static unsigned char file[8192];
    size_t len = read_zone("Europe/London", file, sizeof file);
    fg_mem_fail_at(0);
    struct fg_tz *tz = NULL;
    CHECK_INT(fg_tz_parse(file, len, &tz), FG_OK);
    unsigned long n = fg_mem_fail_at(0);
    fg_tz_free(&tz);
    CHECK(n >= 3);
    for (unsigned long k = 1; k <= n; k++) {
        fg_mem_fail_at(k);
        CHECK_INT(fg_tz_parse(file, len, &tz), FG_ENOMEM);
        CHECK(tz == NULL);
    }
    fg_mem_fail_at(0);
}

TEST_MAIN(test_zdump_table, test_rule_parse, test_rule_offsets, test_malformed, test_empty_footer,
          test_names, test_load_errors, test_alloc_failures)
