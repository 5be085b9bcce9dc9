/* outcome_test.c - OperationOutcome JSON from fg_error, checked by parsing it back. */
#include "../test.h"

#include <cJSON.h>

#include "core/fg_buf.h"
#include "core/fg_mem.h"
#include "fhir/outcome.h"

static cJSON *issue0(cJSON *oo)
{
    return cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(oo, "issue"), 0);
}

static const char *str_at(cJSON *o, const char *k)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
}

static void test_error_fields(void)
{
    struct fg_error err;
    fg_error_clear(&err);
    fg_error_set(&err, FG_EINVAL, "Patient.birthDate", "bad date \"%s\"", "19x\"\n");
    struct fg_buf b;
    fg_buf_init(&b, 4096);
    CHECK_INT(fhir_outcome_write_error(&err, &b), FG_OK);
    cJSON *oo = cJSON_Parse(b.data);
    CHECK(oo != NULL);
    CHECK_STR(str_at(oo, "resourceType"), "OperationOutcome");
    cJSON *is = issue0(oo);
    CHECK_STR(str_at(is, "severity"), "error");
    CHECK_STR(str_at(is, "code"), "invalid");
    CHECK_STR(str_at(is, "diagnostics"), "bad date \"19x\"\n\"");
    CHECK_STR(cJSON_GetStringValue(cJSON_GetArrayItem(
                  cJSON_GetObjectItemCaseSensitive(is, "expression"), 0)),
              "Patient.birthDate");
    cJSON_Delete(oo);
    fg_buf_cleanup(&b);
}

static void test_explicit_code_no_expression(void)
{
    struct fg_error err;
    fg_error_clear(&err);
    fg_error_set_http(&err, FG_ENOTSUP, 405, "not-supported", NULL, "no");
    struct fg_buf b;
    fg_buf_init(&b, 4096);
    CHECK_INT(fhir_outcome_write_error(&err, &b), FG_OK);
    CHECK(strstr(b.data, "\"expression\"") == NULL);
    CHECK(strstr(b.data, "\"code\":\"not-supported\"") != NULL);
    fg_buf_cleanup(&b);
    /* too small a buffer fails cleanly */
    fg_buf_init(&b, 10);
    CHECK_INT(fhir_outcome_write_error(&err, &b), FG_ETOOBIG);
    fg_buf_cleanup(&b);
}

static void test_invalid_utf8_replaced(void)
{
    struct fg_error err;
    fg_error_clear(&err);
    /* lone continuation byte, overlong '/', truncated 3-byte, a surrogate, valid é */
    fg_error_set(&err, FG_EINVAL, NULL, "a\x80 b\xC0\xAF c\xE2\x82 d\xED\xA0\x80 \xC3\xA9");
    struct fg_buf b;
    fg_buf_init(&b, 4096);
    CHECK_INT(fhir_outcome_write_error(&err, &b), FG_OK);
    cJSON *oo = cJSON_Parse(b.data);
    CHECK(oo != NULL);
    const char *d = str_at(issue0(oo), "diagnostics");
    CHECK(d != NULL);
    CHECK(d && strstr(d, "\xC3\xA9") != NULL);
    CHECK(d && strstr(d, "\x80 b") == NULL);
    CHECK(d && strstr(d, "a\xEF\xBF\xBD b\xEF\xBF\xBD\xEF\xBF\xBD c") != NULL);
    cJSON_Delete(oo);
    fg_buf_cleanup(&b);
}

static void test_info(void)
{
    struct fg_buf b;
    fg_buf_init(&b, 4096);
    CHECK_INT(fhir_outcome_write_info(FG_STR_LIT("deleted Patient/amy"), &b), FG_OK);
    cJSON *oo = cJSON_Parse(b.data);
    cJSON *is = issue0(oo);
    CHECK_STR(str_at(is, "severity"), "information");
    CHECK_STR(str_at(is, "code"), "informational");
    CHECK_STR(str_at(is, "diagnostics"), "deleted Patient/amy");
    cJSON_Delete(oo);
    fg_buf_cleanup(&b);
}

/* Every allocation the writer makes may fail: it must report FG_ENOMEM and
 * leak nothing (ASan checks). */
static void test_alloc_failures(void)
{
    struct fg_error err;
    fg_error_clear(&err);
    fg_error_set(&err, FG_EINVAL, "x.y", "%s", "diagnostic with \xff byte");
    struct fg_buf b;
    fg_mem_fail_at(0);
    fg_buf_init(&b, 4096);
    CHECK_INT(fhir_outcome_write_error(&err, &b), FG_OK);
    fg_buf_cleanup(&b);
    unsigned long n = fg_mem_fail_at(0);
    CHECK(n > 0);
    for (unsigned long i = 1; i <= n; i++) {
        fg_buf_init(&b, 4096);
        fg_mem_fail_at(i);
        enum fg_status st = fhir_outcome_write_error(&err, &b);
        fg_mem_fail_at(0);
        CHECK_INT(st, FG_ENOMEM);
        fg_buf_cleanup(&b);
    }
}

TEST_MAIN(test_alloc_failures, test_error_fields, test_explicit_code_no_expression, test_invalid_utf8_replaced,
          test_info)
