/* history_test.c - history page keys: the _page text round-trips, and
 * anything else is refused with _page named. */
#include "../test.h"

#include "fhir/history.h"

static void test_round_trip(void)
{
    static const struct fhir_history_key keys[] = {
        {false, 1795444789894000, 4, {"Patient", 7}, {"h1", 2}},
        {true, 0, 1, {"Observation", 11}, {"a.b-C", 5}},
        {false, INT64_MAX, INT64_MAX, {"Bundle", 6}, {"x", 1}},
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        struct fg_buf b;
        fg_buf_init(&b, 1024);
        CHECK_INT(fhir_history_key_write(&keys[i], &b), FG_OK);
        struct fhir_history_key k;
        struct fg_error err;
        fg_error_clear(&err);
        CHECK_INT(fhir_history_key_parse(fg_buf_str(&b), &k, &err), FG_OK);
        CHECK_INT(k.backward, keys[i].backward);
        CHECK_INT(k.last_updated_us, keys[i].last_updated_us);
        CHECK_INT(k.version, keys[i].version);
        CHECK(fg_str_eq(k.type, keys[i].type));
        CHECK(fg_str_eq(k.id, keys[i].id));
        fg_buf_cleanup(&b);
    }
}

static void test_refused(void)
{
    static const char *const bad[] = {
        "", "n", "x1~1~Patient~a", "n1~1~Patient", "n1~1~Patient~a~b", "n-1~1~Patient~a",
        "n1~0~Patient~a", "n1~1~Nope~a", "n1~1~Patient~", "n1~1~Patient~a b", "n~1~Patient~a",
        "n99999999999999999999~1~Patient~a", "n1~x~Patient~a", "p1~1~~a",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct fhir_history_key k;
        struct fg_error err;
        fg_error_clear(&err);
        CHECK_INT(fhir_history_key_parse(fg_str_c(bad[i]), &k, &err), FG_EINVAL);
        CHECK_STR(err.expression, "_page");
    }
}

TEST_MAIN(test_round_trip, test_refused)
