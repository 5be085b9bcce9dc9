/* date_test.c - FHIR date/dateTime/instant parsing into ms ranges, and ages. */
#include "../test.h"

#include "core/fg_clock.h"
#include "fhir/date.h"

/* ms since the epoch of a UTC civil time, computed independently of the parser */
static int64_t ms_at(int y, int mo, int d, int h, int mi, int s, int ms)
{
    return ((fg_days_from_civil(y, (unsigned)mo, (unsigned)d) * 24 + h) * 60 + mi) * INT64_C(60000) +
           s * INT64_C(1000) + ms;
}

static void test_precisions(void)
{
    static const struct {
        const char *in;
        enum fhir_date_precision prec;
        int lo[7], hi[7];
    } rows[] = {
        {"2020", FHIR_PREC_YEAR, {2020, 1, 1, 0, 0, 0, 0}, {2020, 12, 31, 23, 59, 59, 999}},
        {"1969", FHIR_PREC_YEAR, {1969, 1, 1, 0, 0, 0, 0}, {1969, 12, 31, 23, 59, 59, 999}},
        {"0001", FHIR_PREC_YEAR, {1, 1, 1, 0, 0, 0, 0}, {1, 12, 31, 23, 59, 59, 999}},
        {"9999", FHIR_PREC_YEAR, {9999, 1, 1, 0, 0, 0, 0}, {9999, 12, 31, 23, 59, 59, 999}},
        {"2020-02", FHIR_PREC_MONTH, {2020, 2, 1, 0, 0, 0, 0}, {2020, 2, 29, 23, 59, 59, 999}},
        {"2021-02", FHIR_PREC_MONTH, {2021, 2, 1, 0, 0, 0, 0}, {2021, 2, 28, 23, 59, 59, 999}},
        {"1900-02", FHIR_PREC_MONTH, {1900, 2, 1, 0, 0, 0, 0}, {1900, 2, 28, 23, 59, 59, 999}},
        {"2000-02", FHIR_PREC_MONTH, {2000, 2, 1, 0, 0, 0, 0}, {2000, 2, 29, 23, 59, 59, 999}},
        {"2020-12", FHIR_PREC_MONTH, {2020, 12, 1, 0, 0, 0, 0}, {2020, 12, 31, 23, 59, 59, 999}},
        {"2020-04", FHIR_PREC_MONTH, {2020, 4, 1, 0, 0, 0, 0}, {2020, 4, 30, 23, 59, 59, 999}},
        {"2020-02-29", FHIR_PREC_DAY, {2020, 2, 29, 0, 0, 0, 0}, {2020, 2, 29, 23, 59, 59, 999}},
        {"2000-02-29", FHIR_PREC_DAY, {2000, 2, 29, 0, 0, 0, 0}, {2000, 2, 29, 23, 59, 59, 999}},
        {"1970-01-01", FHIR_PREC_DAY, {1970, 1, 1, 0, 0, 0, 0}, {1970, 1, 1, 23, 59, 59, 999}},
        {"2020-02-10T10:00", FHIR_PREC_MINUTE, {2020, 2, 10, 10, 0, 0, 0}, {2020, 2, 10, 10, 0, 59, 999}},
        {"2020-02-10T10:00Z", FHIR_PREC_MINUTE, {2020, 2, 10, 10, 0, 0, 0}, {2020, 2, 10, 10, 0, 59, 999}},
        {"2020-02-10T10:00:05", FHIR_PREC_SECOND, {2020, 2, 10, 10, 0, 5, 0}, {2020, 2, 10, 10, 0, 5, 999}},
        {"2020-02-10T10:00:05Z", FHIR_PREC_SECOND, {2020, 2, 10, 10, 0, 5, 0}, {2020, 2, 10, 10, 0, 5, 999}},
        {"2020-02-10T10:00:05.1Z", FHIR_PREC_MILLI, {2020, 2, 10, 10, 0, 5, 100}, {2020, 2, 10, 10, 0, 5, 100}},
        {"2020-02-10T10:00:05.12Z", FHIR_PREC_MILLI, {2020, 2, 10, 10, 0, 5, 120}, {2020, 2, 10, 10, 0, 5, 120}},
        {"2020-02-10T10:00:05.123Z", FHIR_PREC_MILLI, {2020, 2, 10, 10, 0, 5, 123}, {2020, 2, 10, 10, 0, 5, 123}},
        {"2020-02-10T10:00:05.123456789Z", FHIR_PREC_MILLI, {2020, 2, 10, 10, 0, 5, 123}, {2020, 2, 10, 10, 0, 5, 123}},
        {"2020-02-10T10:00:05.999999", FHIR_PREC_MILLI, {2020, 2, 10, 10, 0, 5, 999}, {2020, 2, 10, 10, 0, 5, 999}},
        {"2020-02-10T23:59:60Z", FHIR_PREC_SECOND, {2020, 2, 10, 23, 59, 59, 0}, {2020, 2, 10, 23, 59, 59, 999}},
        /* zones convert to UTC, across day and year boundaries */
        {"2020-02-10T10:00:00+02:00", FHIR_PREC_SECOND, {2020, 2, 10, 8, 0, 0, 0}, {2020, 2, 10, 8, 0, 0, 999}},
        {"2020-02-10T10:00:00-05:30", FHIR_PREC_SECOND, {2020, 2, 10, 15, 30, 0, 0}, {2020, 2, 10, 15, 30, 0, 999}},
        {"2020-01-01T01:00+14:00", FHIR_PREC_MINUTE, {2019, 12, 31, 11, 0, 0, 0}, {2019, 12, 31, 11, 0, 59, 999}},
        {"2020-12-31T23:30:00.5-13:59", FHIR_PREC_MILLI, {2021, 1, 1, 13, 29, 0, 500}, {2021, 1, 1, 13, 29, 0, 500}},
        {"2020-03-01T00:00:00+00:00", FHIR_PREC_SECOND, {2020, 3, 1, 0, 0, 0, 0}, {2020, 3, 1, 0, 0, 0, 999}},
        {"2020-03-01T00:00:00-00:00", FHIR_PREC_SECOND, {2020, 3, 1, 0, 0, 0, 0}, {2020, 3, 1, 0, 0, 0, 999}},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct fhir_date_range r;
        CHECK_INT(fhir_date_parse(fg_str_c(rows[i].in), &r), FG_OK);
        const int *l = rows[i].lo, *h = rows[i].hi;
        CHECK_INT(r.precision, rows[i].prec);
        CHECK_INT(r.lo, ms_at(l[0], l[1], l[2], l[3], l[4], l[5], l[6]));
        CHECK_INT(r.hi, ms_at(h[0], h[1], h[2], h[3], h[4], h[5], h[6]));
    }
}

static void test_known_epochs(void)
{
    struct fhir_date_range r;
    CHECK_INT(fhir_date_parse(fg_str_c("1970-01-01T00:00:00Z"), &r), FG_OK);
    CHECK_INT(r.lo, 0);
    CHECK_INT(r.hi, 999);
    CHECK_INT(fhir_date_parse(fg_str_c("2001-09-09T01:46:40.000Z"), &r), FG_OK);
    CHECK_INT(r.lo, INT64_C(1000000000000));
    CHECK_INT(fhir_date_parse(fg_str_c("1969-12-31"), &r), FG_OK);
    CHECK_INT(r.lo, -86400000);
    CHECK_INT(r.hi, -1);
}

static void test_invalid(void)
{
    static const char *const bad[] = {
        "", "2", "20", "202", "20201", "0000", "2020-", "2020-1", "2020-13", "2020-00",
        "2020-01-", "2020-01-1", "2020-01-00", "2020-01-32", "2021-02-29", "1900-02-29",
        "2020-02-30", "2020-04-31", "2020-06-31", "2020-09-31", "2020-11-31",
        "2020-01-01T", "2020-01-01T1", "2020-01-01T10", "2020-01-01T10:", "2020-01-01T10:0",
        "2020-01-01T25:00", "2020-01-01T24:00", "2020-01-01T10:60", "2020-01-01T10:00:61",
        "2020-01-01T10:00:6", "2020-01-01T10:00:00.", "2020-01-01T10:00:00.Z",
        "2020-01-01T10:00:00+25:00", "2020-01-01T10:00:00+14:01", "2020-01-01T10:00:00+15:00",
        "2020-01-01T10:00:00+02", "2020-01-01T10:00:00+0200", "2020-01-01T10:00:00+02:60",
        "2020-01-01T10:00:00z", "2020-01-01t10:00:00Z", "2020-01-01 10:00:00Z",
        "2020-01-01T10:00:00ZZ", "2020-01-01T10:00:00Z ", " 2020", "2020 ", "2020x",
        "2020-01-01x", "2020-01-01Z", "2020Z", "2020-01Z", "+2020", "-2020", "2020/01/01",
        "２０２０", "2020-01-01T10:00:00.1a", "2020-01-01T10:00:00.123+02:00x",
        "2020-01-01T10:00:00-", "2020-01-01T10:00:00+", "abcd", "20a0", "2020-0a",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct fhir_date_range r = {42, 43, FHIR_PREC_DAY};
        enum fg_status st = fhir_date_parse(fg_str_c(bad[i]), &r);
        if (st != FG_EINVAL)
            fprintf(stderr, "accepted: \"%s\"\n", bad[i]);
        CHECK_INT(st, FG_EINVAL);
        CHECK_INT(r.lo, 42); /* untouched on failure */
        CHECK_INT(r.hi, 43);
    }
}

static void test_bad_bytes(void)
{
    struct fhir_date_range r;
    static const char nul_inside[] = "2020-01\0-01";
    CHECK_INT(fhir_date_parse(fg_str_n(nul_inside, sizeof nul_inside - 1), &r), FG_EINVAL);
    static const char high[] = "2020-01-01T10:00:00\xff";
    CHECK_INT(fhir_date_parse(fg_str_n(high, sizeof high - 1), &r), FG_EINVAL);
    /* the slice ends before the bad byte: only the slice counts */
    static const char tail[] = "2020-05garbage";
    CHECK_INT(fhir_date_parse(fg_str_n(tail, 7), &r), FG_OK);
    CHECK_INT(r.precision, FHIR_PREC_MONTH);
    CHECK_INT(fhir_date_parse(FG_STR_NULL, &r), FG_EINVAL);
    /* a truncated slice never reads past its end */
    CHECK_INT(fhir_date_parse(fg_str_n("2020-05-0", 9), &r), FG_EINVAL);
}

static void test_age(void)
{
    static const struct {
        const char *birth, *now;
        enum fg_status st;
        int age;
    } rows[] = {
        {"2000-06-15", "2026-06-14", FG_OK, 25}, {"2000-06-15", "2026-06-15", FG_OK, 26},
        {"2000-06-15", "2026-11-23", FG_OK, 26}, {"2000-02-29", "2021-02-28", FG_OK, 20},
        {"2000-02-29", "2021-03-01", FG_OK, 21}, {"2000-02-29", "2024-02-29", FG_OK, 24},
        {"2026-11-23", "2026-11-23", FG_OK, 0},  {"1950-01-01", "1960-01-01", FG_OK, 10},
        {"1950-12-31", "1969-12-31", FG_OK, 19}, {"2026-11-24", "2026-11-23", FG_EINVAL, 0},
        {"2000", "2026-11-23", FG_EINVAL, 0},    {"2000-06", "2026-11-23", FG_EINVAL, 0},
        {"2000-02-30", "2026-11-23", FG_EINVAL, 0},
        {"2000-06-15T00:00:00Z", "2026-11-23", FG_EINVAL, 0}, {"", "2026-11-23", FG_EINVAL, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct fg_clock clock = {0};
        CHECK_INT(fg_clock_pin(&clock, fg_str_c(rows[i].now)), FG_OK);
        int age = -7;
        CHECK_INT(fhir_age_years(fg_str_c(rows[i].birth), fg_clock_now_us(&clock), &age), rows[i].st);
        CHECK_INT(age, rows[i].st == FG_OK ? rows[i].age : -7);
    }
    /* late in the day and before 1970 */
    int age = 0;
    CHECK_INT(fhir_age_years(fg_str_c("1950-06-15"), (ms_at(1960, 6, 14, 23, 59, 59, 999)) * 1000, &age), FG_OK);
    CHECK_INT(age, 9);
    CHECK_INT(fhir_age_years(fg_str_c("1950-06-15"), (ms_at(1960, 6, 15, 0, 0, 0, 0)) * 1000, &age), FG_OK);
    CHECK_INT(age, 10);
}

TEST_MAIN(test_precisions, test_known_epochs, test_invalid, test_bad_bytes, test_age)
