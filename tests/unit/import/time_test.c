/* time_test.c - Apple export dates and Google nanoseconds -> FHIR dateTime. */
#include "../test.h"

#include "import/imp_time.h"

static void test_apple_dates(void)
{
    static const struct {
        const char *in;
        enum fg_status st;
        const char *fhir, *utc;
        long long epoch;
    } rows[] = {
        {"2014-09-21 07:08:47 +0100", FG_OK, "2014-09-21T07:08:47+01:00", "2014-09-21T06:08:47Z",
         1411279727},
        {"2019-05-14 19:05:29 -0400", FG_OK, "2019-05-14T19:05:29-04:00", "2019-05-14T23:05:29Z",
         1557875129},
        {"2020-01-24 00:30:00 +0900", FG_OK, "2020-01-24T00:30:00+09:00", "2020-01-23T15:30:00Z",
         1579793400},
        {"2024-02-29 23:59:59 -0530", FG_OK, "2024-02-29T23:59:59-05:30", "2024-03-01T05:29:59Z",
         1709270999},
        {"2024-12-31 23:00:00 -0100", FG_OK, "2024-12-31T23:00:00-01:00", "2025-01-01T00:00:00Z",
         1735689600},
        {"2023-02-29 10:00:00 +0000", FG_EINVAL, NULL, NULL, 0},
        {"2019-13-01 10:00:00 +0000", FG_EINVAL, NULL, NULL, 0},
        {"2019-05-14 24:00:00 +0000", FG_EINVAL, NULL, NULL, 0},
        {"2019-05-14 19:60:29 -0400", FG_EINVAL, NULL, NULL, 0},
        {"2019-05-14 19:05:29 -1900", FG_EINVAL, NULL, NULL, 0},
        {"2019-05-14 19:05:29 -04:00", FG_EINVAL, NULL, NULL, 0},
        {"2019-05-14T19:05:29 -0400", FG_EINVAL, NULL, NULL, 0},
        {"2019-05-14 19:05:29", FG_EINVAL, NULL, NULL, 0},
        {"20151107171924+0100", FG_EINVAL, NULL, NULL, 0},
        {"2019-05-14 19:05:29 *0400", FG_EINVAL, NULL, NULL, 0},
        {"", FG_EINVAL, NULL, NULL, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char f[IMP_TIME_MAX] = "x", u[IMP_TIME_MAX] = "x";
        int64_t e = -1;
        CHECK_INT(imp_time_apple(fg_str_c(rows[i].in), f, u, &e), rows[i].st);
        if (rows[i].st == FG_OK) {
            CHECK_STR(f, rows[i].fhir);
            CHECK_STR(u, rows[i].utc);
            CHECK_INT(e, rows[i].epoch);
        } else {
            CHECK_STR(f, "x");
            CHECK_INT(e, -1);
        }
    }
}

static void test_legacy_detection(void)
{
    CHECK(imp_time_is_legacy(FG_STR_LIT("20151107171924+0100")));
    CHECK(imp_time_is_legacy(FG_STR_LIT("20151107171924-0800")));
    CHECK(!imp_time_is_legacy(FG_STR_LIT("2015-11-07 17:19:24 +0100")));
    CHECK(!imp_time_is_legacy(FG_STR_LIT("20151107171924 0100")));
    CHECK(!imp_time_is_legacy(FG_STR_LIT("19881029")));
}

static void test_nanos(void)
{
    static const struct {
        const char *in;
        enum fg_status st;
        const char *out;
    } rows[] = {
        {"1738156690340000000", FG_OK, "2025-01-29T13:18:10.340Z"},
        {"1738156690340000001", FG_OK, "2025-01-29T13:18:10.340000001Z"}, /* > 2^53 exact */
        {"9007199254740993", FG_OK, "1970-04-15T05:59:59.254740993Z"},    /* 2^53 + 1 */
        {"0", FG_OK, "1970-01-01T00:00:00.000Z"},
        {"9223372036854775807", FG_OK, "2262-04-11T23:47:16.854775807Z"},
        {"9223372036854775808", FG_EINVAL, NULL},
        {"-1", FG_EINVAL, NULL},
        {"1.7e18", FG_EINVAL, NULL},
        {"", FG_EINVAL, NULL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        int64_t ns = -7;
        CHECK_INT(imp_time_parse_nanos(fg_str_c(rows[i].in), &ns), rows[i].st);
        if (rows[i].st == FG_OK) {
            char out[IMP_TIME_MAX];
            imp_time_format_nanos(ns, out);
            CHECK_STR(out, rows[i].out);
        } else {
            CHECK_INT(ns, -7);
        }
    }
}

static void test_check_date(void)
{
    CHECK_INT(imp_time_check_date(FG_STR_LIT("2018-03-19")), FG_OK);
    CHECK_INT(imp_time_check_date(FG_STR_LIT("2020-02-29")), FG_OK);
    CHECK_INT(imp_time_check_date(FG_STR_LIT("2021-02-29")), FG_EINVAL);
    CHECK_INT(imp_time_check_date(FG_STR_LIT("2018-3-19")), FG_EINVAL);
    CHECK_INT(imp_time_check_date(FG_STR_LIT("2018-03-19T00")), FG_EINVAL);
    CHECK_INT(imp_time_check_date(FG_STR_LIT("")), FG_EINVAL);
}

TEST_MAIN(test_apple_dates, test_legacy_detection, test_nanos, test_check_date)
