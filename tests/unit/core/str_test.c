/* str_test.c - slices, number parsing, URL decoding, buffers, pools. */
#include "../test.h"

#include "core/fg_buf.h"
#include "core/fg_clock.h"
#include "core/fg_mem.h"
#include "core/fg_pool.h"
#include "core/fg_str.h"

static void test_parse_i64_table(void)
{
    static const struct {
        const char *in;
        int64_t min, max;
        enum fg_status st;
        int64_t want;
    } rows[] = {
        {"0", 0, 10, FG_OK, 0},
        {"10", 0, 10, FG_OK, 10},
        {"11", 0, 10, FG_EINVAL, 0},
        {"-1", 0, 10, FG_EINVAL, 0},
        {"-5", -10, 10, FG_OK, -5},
        {"", 0, 10, FG_EINVAL, 0},
        {"-", -10, 10, FG_EINVAL, 0},
        {"1a", 0, 100, FG_EINVAL, 0},
        {" 1", 0, 100, FG_EINVAL, 0},
        {"9223372036854775807", INT64_MIN, INT64_MAX, FG_OK, INT64_MAX},
        {"9223372036854775808", INT64_MIN, INT64_MAX, FG_EINVAL, 0},
        {"-9223372036854775808", INT64_MIN, INT64_MAX, FG_OK, INT64_MIN},
        {"99999999999999999999999", INT64_MIN, INT64_MAX, FG_EINVAL, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        int64_t v = 42;
        enum fg_status st = fg_parse_i64(fg_str_c(rows[i].in), rows[i].min, rows[i].max, &v);
        CHECK_INT(st, rows[i].st);
        CHECK_INT(v, st == FG_OK ? rows[i].want : 42);
    }
}

static void test_parse_decimal_table(void)
{
    static const struct {
        const char *in;
        enum fg_status st;
        double want;
    } rows[] = {
        {"1", FG_OK, 1}, {"-1.50", FG_OK, -1.5}, {"1e3", FG_OK, 1000}, {"1.", FG_EINVAL, 0},
        {".5", FG_EINVAL, 0}, {"1e", FG_EINVAL, 0}, {"abc", FG_EINVAL, 0}, {"", FG_EINVAL, 0},
        {"1e999", FG_EINVAL, 0}, {"nan", FG_EINVAL, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        double v = 0;
        CHECK_INT(fg_parse_decimal(fg_str_c(rows[i].in), &v), rows[i].st);
        if (rows[i].st == FG_OK)
            CHECK(v == rows[i].want);
    }
}

static void test_url_decode(void)
{
    char out[64];
    size_t n = 0;
    CHECK_INT(fg_url_decode(fg_str_c("a%20b+c%7C"), true, out, &n), FG_OK);
    CHECK_SLICE(fg_str_n(out, n), "a b c|");
    CHECK_INT(fg_url_decode(fg_str_c("a+b"), false, out, &n), FG_OK);
    CHECK_SLICE(fg_str_n(out, n), "a+b");
    CHECK_INT(fg_url_decode(fg_str_c("%2"), true, out, &n), FG_EINVAL);
    CHECK_INT(fg_url_decode(fg_str_c("%"), true, out, &n), FG_EINVAL);
    CHECK_INT(fg_url_decode(fg_str_c("%zz"), true, out, &n), FG_EINVAL);
}

static void test_split_and_ids(void)
{
    struct fg_str h, t;
    CHECK(fg_str_split(fg_str_c("sys|code"), '|', &h, &t));
    CHECK_SLICE(h, "sys");
    CHECK_SLICE(t, "code");
    CHECK(!fg_str_split(fg_str_c("code"), '|', &h, &t));
    CHECK_SLICE(h, "code");
    CHECK(fg_str_contains(fg_str_c("derived:com.google.heart_rate.bpm:merged"), ":merge"));
    CHECK(fg_str_contains(fg_str_n("ab:merge", 8), ":merge"));
    CHECK(!fg_str_contains(fg_str_n("ab:merge", 7), ":merge")); /* past the slice's end */
    CHECK(!fg_str_contains(fg_str_c(":merg"), ":merge"));
    CHECK(fg_str_contains(fg_str_c(""), ""));
    CHECK(fg_is_fhir_id(fg_str_c("amy")));
    CHECK(fg_is_fhir_id(fg_str_c("a-1.B")));
    CHECK(!fg_is_fhir_id(fg_str_c("")));
    CHECK(!fg_is_fhir_id(fg_str_c("a/b")));
    CHECK(fg_is_fhir_id(fg_str_c("x234567890123456789012345678901234567890123456789012345678901234")));
    CHECK(!fg_is_fhir_id(fg_str_c("xx234567890123456789012345678901234567890123456789012345678901234")));
}

static void test_utf8_seq_len_table(void)
{
    static const struct {
        const char *bytes;
        size_t n;
        size_t want;
    } rows[] = {
        {"a", 1, 1},
        {"\xC3\xA9", 2, 2},             /* é */
        {"\xE2\x80\x99", 3, 3},         /* ’ */
        {"\xF0\x9F\x98\x80", 4, 4},     /* U+1F600 */
        {"\xC3", 1, 0},                 /* truncated */
        {"\xC0\xAF", 2, 0},             /* overlong '/' */
        {"\xE0\x80\xAF", 3, 0},         /* overlong, 3 bytes */
        {"\xED\xA0\x80", 3, 0},         /* surrogate U+D800 */
        {"\xF4\x90\x80\x80", 4, 0},     /* past U+10FFFF */
        {"\xC3\x28", 2, 0},             /* bad continuation */
        {"\x80", 1, 0},                 /* lone continuation */
        {"\xFF", 1, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        CHECK_INT(fg_utf8_seq_len((const unsigned char *)rows[i].bytes, rows[i].n), rows[i].want);
}

static void test_buf_cap_and_escape(void)
{
    struct fg_buf b;
    fg_buf_init(&b, 8);
    CHECK_INT(fg_buf_append_c(&b, "12345678"), FG_OK);
    CHECK_INT(fg_buf_append_c(&b, "9"), FG_ETOOBIG);
    CHECK_INT(b.len, 8);
    fg_buf_cleanup(&b);
    fg_buf_init(&b, 100);
    CHECK_INT(fg_buf_append_json_string(&b, fg_str_c("a\"b\\\n\x01")), FG_OK);
    CHECK_STR(b.data, "\"a\\\"b\\\\\\n\\u0001\"");
    fg_buf_cleanup(&b);
}

static void test_buf_survives_allocation_failures(void)
{
    /* Every allocation in a sequence of appends may fail; the buffer must
     * stay consistent and never leak (ASan checks the leak part). */
    for (unsigned long nth = 1; nth < 8; nth++) {
        struct fg_buf b;
        fg_buf_init(&b, 1 << 20);
        fg_mem_fail_at(nth);
        enum fg_status st = FG_OK;
        for (int i = 0; i < 200 && st == FG_OK; i++)
            st = fg_buf_printf(&b, "%d,", i);
        fg_mem_fail_at(0);
        CHECK(st == FG_OK || st == FG_ENOMEM);
        CHECK(b.len == 0 || b.data[b.len] == '\0');
        fg_buf_cleanup(&b);
    }
}

static int cleanup_runs;
static void count_cleanup(void *arg)
{
    (void)arg;
    cleanup_runs++;
}

static void test_pool(void)
{
    struct fg_pool *p = fg_pool_new();
    CHECK(p != NULL);
    char *s = fg_pool_printf(p, "%s-%d", "x", 42);
    CHECK_STR(s, "x-42");
    void *big = fg_pool_alloc(p, 100000);
    CHECK(big != NULL);
    CHECK(((uintptr_t)fg_pool_alloc(p, 3) & 15) == 0);
    cleanup_runs = 0;
    CHECK_INT(fg_pool_on_free(p, count_cleanup, NULL), FG_OK);
    fg_pool_free(&p);
    CHECK(p == NULL);
    CHECK_INT(cleanup_runs, 1);
    fg_pool_free(&p);
}

static void test_clock(void)
{
    char out[FG_INSTANT_MAX];
    struct fg_clock c = {0};
    CHECK_INT(fg_clock_pin(&c, fg_str_c("2026-11-23")), FG_OK);
    fg_clock_format_instant(fg_clock_now_us(&c), out);
    CHECK_STR(out, "2026-11-23T00:00:00.000Z");
    CHECK_INT(fg_clock_pin(&c, fg_str_c("2000-02-29T13:14:15Z")), FG_OK);
    fg_clock_format_instant(fg_clock_now_us(&c) + 7000, out);
    CHECK_STR(out, "2000-02-29T13:14:15.007Z");
    fg_clock_format_instant(-1000, out);
    CHECK_STR(out, "1969-12-31T23:59:59.999Z");
    CHECK_INT(fg_clock_pin(&c, fg_str_c("2026-13-01")), FG_EINVAL);
    CHECK_INT(fg_days_from_civil(1970, 1, 1), 0);
    CHECK_INT(fg_days_from_civil(2000, 3, 1), 11017);
}

TEST_MAIN(test_parse_i64_table, test_parse_decimal_table, test_url_decode, test_utf8_seq_len_table, test_split_and_ids,
          test_buf_cap_and_escape, test_buf_survives_allocation_failures, test_pool, test_clock)
