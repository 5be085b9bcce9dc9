/* rest_common_test.c - ETags, If-None-Match lists, HTTP dates, Prefer,
 * and JSON bodies under the depth limit with real bad bytes. */
#include "../test.h"

#include "core/fg_limits.h"
#include "gateway/rest.h"

static void test_etag_parse(void)
{
    static const struct {
        const char *in;
        enum fg_status st;
        int64_t want;
    } rows[] = {
        {"W/\"3\"", FG_OK, 3},        {"\"12\"", FG_OK, 12},     {"  W/\"1\" ", FG_OK, 1},
        {"W/3", FG_EINVAL, 0},        {"W/\"\"", FG_EINVAL, 0},  {"W/\"0\"", FG_EINVAL, 0},
        {"W/\"-1\"", FG_EINVAL, 0},   {"W/\"1a\"", FG_EINVAL, 0}, {"", FG_EINVAL, 0},
        {"w/\"1\"", FG_EINVAL, 0},    {"W/\"1", FG_EINVAL, 0},
        {"W/\"99999999999999999999\"", FG_EINVAL, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        int64_t v = 42;
        CHECK_INT(fg_rest_etag_parse(fg_str_c(rows[i].in), &v), rows[i].st);
        CHECK_INT(v, rows[i].st == FG_OK ? rows[i].want : 42);
    }
}

static void test_etag_list(void)
{
    CHECK(fg_rest_etag_list_matches(fg_str_c("W/\"3\""), 3));
    CHECK(!fg_rest_etag_list_matches(fg_str_c("W/\"3\""), 4));
    CHECK(fg_rest_etag_list_matches(fg_str_c("W/\"1\", W/\"4\""), 4));
    CHECK(fg_rest_etag_list_matches(fg_str_c("*"), 9));
    CHECK(!fg_rest_etag_list_matches(fg_str_c("garbage"), 1));
    CHECK(!fg_rest_etag_list_matches(fg_str_c(""), 1));
}

/* Opaque version ids (an upstream server's): ETags, If-None-Match. */
static void test_etag_opaque(void)
{
    static const struct {
        const char *in, *want; /* want NULL = FG_EINVAL */
    } rows[] = {
        {"W/\"7b2c-uuid\"", "7b2c-uuid"}, {"\"3\"", "3"},       {" W/\"a.b\" ", "a.b"},
        {"W/\"a b\"", NULL},              {"W/\"\"", NULL},      {"W/\"a\"b\"", NULL},
        {"W/x", NULL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct fg_str id = FG_STR_LIT("unset");
        enum fg_status st = fg_rest_etag_parse_id(fg_str_c(rows[i].in), &id);
        CHECK_INT(st, rows[i].want ? FG_OK : FG_EINVAL);
        CHECK_SLICE(id, rows[i].want ? rows[i].want : "unset");
    }
    struct fhir_resource opaque = {.version_id = FG_STR_LIT("7b2c-uuid")};
    struct fhir_resource numeric = {.version = 4};
    CHECK(fg_rest_etag_list_matches_res(fg_str_c("W/\"x\", W/\"7b2c-uuid\""), &opaque));
    CHECK(!fg_rest_etag_list_matches_res(fg_str_c("W/\"7b2c\""), &opaque));
    CHECK(fg_rest_etag_list_matches_res(fg_str_c("*"), &opaque));
    CHECK(fg_rest_etag_list_matches_res(fg_str_c("W/\"4\""), &numeric));
    struct fg_pool *pool = fg_pool_new();
    CHECK_STR(fg_rest_etag_of(pool, &opaque), "W/\"7b2c-uuid\"");
    CHECK_STR(fg_rest_etag_of(pool, &numeric), "W/\"4\"");
    struct fhir_resource none = {0};
    CHECK(fg_rest_etag_of(pool, &none) == NULL);
    CHECK_STR(fhir_resource_version_text(pool, &opaque), "7b2c-uuid");
    CHECK_STR(fhir_resource_version_text(pool, &numeric), "4");
    fg_pool_free(&pool);
}

static void test_http_date(void)
{
    char d[FG_HTTP_DATE_MAX];
    fg_rest_http_date(784111777000000, d);
    CHECK_STR(d, "Sun, 06 Nov 1994 08:49:37 GMT");
    fg_rest_http_date(0, d);
    CHECK_STR(d, "Thu, 01 Jan 1970 00:00:00 GMT");
    fg_rest_http_date(1795435200123456, d); /* 2026-11-23T12:00:00.123456Z */
    CHECK_STR(d, "Mon, 23 Nov 2026 12:00:00 GMT");
    fg_rest_http_date(951868799999999, d); /* 2000-02-29T23:59:59.999999Z */
    CHECK_STR(d, "Tue, 29 Feb 2000 23:59:59 GMT");
    fg_rest_http_date(-1, d); /* the last microsecond of 1969 */
    CHECK_STR(d, "Wed, 31 Dec 1969 23:59:59 GMT");
    fg_rest_http_date(253402300800000000, d); /* year 10000: no such date */
    CHECK_STR(d, "");
    struct fg_pool *pool = fg_pool_new();
    CHECK_STR(fg_rest_etag(pool, 0), "W/\"0\"");
    CHECK_STR(fg_rest_etag(pool, 1234567890123), "W/\"1234567890123\"");
    CHECK_STR(fg_rest_etag(pool, INT64_MAX), "W/\"9223372036854775807\"");
    fg_pool_free(&pool);
}

static void test_prefer(void)
{
    CHECK_INT(fg_rest_prefer_return_parse(fg_str_c("return=minimal")), FG_RETURN_MINIMAL);
    CHECK_INT(fg_rest_prefer_return_parse(fg_str_c("handling=strict, return=OperationOutcome")),
              FG_RETURN_OUTCOME);
    CHECK_INT(fg_rest_prefer_return_parse(fg_str_c("return=\"representation\"")),
              FG_RETURN_REPRESENTATION);
    CHECK_INT(fg_rest_prefer_return_parse(FG_STR_NULL), FG_RETURN_REPRESENTATION);
    CHECK_INT(fg_rest_prefer_return_parse(fg_str_c("return=minimalist")),
              FG_RETURN_REPRESENTATION);
    CHECK(fg_rest_prefer_strict_parse(fg_str_c("handling=strict")));
    CHECK(fg_rest_prefer_strict_parse(fg_str_c("return=minimal; handling = strict")));
    CHECK(!fg_rest_prefer_strict_parse(fg_str_c("handling=lenient")));
    CHECK(!fg_rest_prefer_strict_parse(fg_str_c("strict")));
}

static void new_req(struct fg_req *req)
{
    memset(req, 0, sizeof *req);
    req->pool = fg_pool_new();
    fg_error_clear(&req->err);
}

static void test_parse_json(void)
{
    static const struct {
        const char *in;
        size_t len; /* 0 = strlen */
        enum fg_status st;
        const char *diag; /* substring of the diagnostic */
    } rows[] = {
        {"{\"resourceType\":\"Patient\"}", 0, FG_OK, NULL},
        {"  {\"a\":[1,2,{\"b\":\"\\\"}\"}]} \n", 0, FG_OK, NULL},
        {"{\"a\":1,}", 0, FG_EINVAL, "byte offset 7"},
        {"{\"a\":1} x", 0, FG_EINVAL, "byte offset"},
        {"{\"name\":\"\xff\"}", 0, FG_EINVAL, "offset 9: invalid UTF-8"},
        {"{\"name\":\"\xc0\xaf\"}", 0, FG_EINVAL, "invalid UTF-8"},
        {"{\"name\":\"\xed\xa0\x80\"}", 0, FG_EINVAL, "invalid UTF-8"},
        {"{\"a\":\"x\0y\"}", 11, FG_EINVAL, "offset 7: unescaped control"},
        {"{\"a\":\"x\ty\"}", 0, FG_EINVAL, "control character"},
        {"{\"a\":1}\0", 8, FG_EINVAL, "byte offset 7"},
        {"", 0, FG_EINVAL, "empty"},
        {"   ", 0, FG_EINVAL, "empty"},
        {"{\"a\":\"caf\xc3\xa9\"}", 0, FG_OK, NULL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct fg_req req;
        new_req(&req);
        cJSON *tree = NULL;
        size_t len = rows[i].len ? rows[i].len : strlen(rows[i].in);
        enum fg_status st = fg_rest_parse_json(&req, fg_str_n(rows[i].in, len), "request body",
                                               &tree);
        CHECK_INT(st, rows[i].st);
        CHECK(st == FG_OK ? tree != NULL : tree == NULL);
        if (rows[i].diag && !strstr(req.err.diagnostics, rows[i].diag)) {
            fprintf(stderr, "row %zu: diagnostic \"%s\" lacks \"%s\"\n", i, req.err.diagnostics,
                    rows[i].diag);
            CHECK(0);
        }
        fg_pool_free(&req.pool); /* frees the tree too */
    }
}

static void test_depth_limit(void)
{
    char deep[2 * FG_MAX_JSON_DEPTH + 8];
    for (int depth = FG_MAX_JSON_DEPTH; depth <= FG_MAX_JSON_DEPTH + 1; depth++) {
        size_t n = 0;
        for (int i = 0; i < depth; i++)
            deep[n++] = '[';
        for (int i = 0; i < depth; i++)
            deep[n++] = ']';
        struct fg_req req;
        new_req(&req);
        cJSON *tree = NULL;
        enum fg_status st = fg_rest_parse_json(&req, fg_str_n(deep, n), "request body", &tree);
        CHECK_INT(st, depth <= FG_MAX_JSON_DEPTH ? FG_OK : FG_EINVAL);
        if (st != FG_OK)
            CHECK(strstr(req.err.diagnostics, "nesting") != NULL);
        fg_pool_free(&req.pool);
    }
    /* Brackets inside strings do not count. */
    struct fg_req req;
    new_req(&req);
    cJSON *tree = NULL;
    char s[300] = "{\"a\":\"";
    size_t n = strlen(s);
    for (int i = 0; i < 200; i++)
        s[n++] = '[';
    s[n++] = '"';
    s[n++] = '}';
    CHECK_INT(fg_rest_parse_json(&req, fg_str_n(s, n), "request body", &tree), FG_OK);
    fg_pool_free(&req.pool);
}

static void test_resource_type_check(void)
{
    struct fg_req req;
    new_req(&req);
    cJSON *t = cJSON_Parse("{\"resourceType\":\"Observation\"}");
    CHECK_INT(fg_rest_check_resource_type(&req, t, fg_str_c("Patient"), ""), FG_EINVAL);
    CHECK_STR(req.err.expression, "resourceType");
    fg_error_clear(&req.err);
    CHECK_INT(fg_rest_check_resource_type(&req, t, fg_str_c("Observation"), ""), FG_OK);
    cJSON_Delete(t);
    t = cJSON_Parse("[1]");
    CHECK_INT(fg_rest_check_resource_type(&req, t, fg_str_c("Patient"), "Bundle.entry[2].resource"),
              FG_EINVAL);
    CHECK_STR(req.err.expression, "Bundle.entry[2].resource");
    cJSON_Delete(t);
    fg_pool_free(&req.pool);
}

static void test_new_id(void)
{
    struct fg_req req;
    new_req(&req);
    struct fg_str a, b;
    CHECK_INT(fg_rest_new_id(&req, &a), FG_OK);
    CHECK_INT(fg_rest_new_id(&req, &b), FG_OK);
    CHECK(fg_is_fhir_id(a));
    CHECK_INT(a.len, 32);
    CHECK(!fg_str_eq(a, b));
    fg_pool_free(&req.pool);
}

TEST_MAIN(test_etag_parse, test_etag_list, test_etag_opaque, test_http_date, test_prefer, test_parse_json,
          test_depth_limit, test_resource_type_check, test_new_id)
