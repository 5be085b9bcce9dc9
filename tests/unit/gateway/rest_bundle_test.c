/* rest_bundle_test.c - batch/transaction Bundle checks and entry parsing:
 * every bad entry names its element; transaction ordering. */
#include "../test.h"

#include "core/fg_limits.h"
#include "gateway/rest_bundle.h"

#define BASE "http://h/fhir"

static void test_check(void)
{
    static const struct {
        const char *json;
        enum fg_status st;
        const char *expr;
        bool tx;
        size_t n;
    } rows[] = {
        {"{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{},{}]}", FG_OK, "", true, 2},
        {"{\"resourceType\":\"Bundle\",\"type\":\"batch\"}", FG_OK, "", false, 0},
        {"{\"resourceType\":\"Patient\",\"type\":\"batch\"}", FG_EINVAL, "resourceType", false, 0},
        {"{\"resourceType\":\"Bundle\",\"type\":\"collection\"}", FG_EINVAL, "Bundle.type", false, 0},
        {"{\"resourceType\":\"Bundle\"}", FG_EINVAL, "Bundle.type", false, 0},
        {"{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":{}}", FG_EINVAL, "Bundle.entry", false, 0},
        {"[]", FG_EINVAL, "resourceType", false, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct fg_error err;
        fg_error_clear(&err);
        cJSON *j = cJSON_Parse(rows[i].json);
        bool tx = false;
        const cJSON *entries = NULL;
        size_t n = 99;
        CHECK_INT(fg_bundle_check(j, &tx, &entries, &n, &err), rows[i].st);
        CHECK_STR(err.expression, rows[i].expr);
        if (rows[i].st == FG_OK) {
            CHECK_INT(tx, rows[i].tx);
            CHECK_INT(n, rows[i].n);
        }
        cJSON_Delete(j);
    }
}

static void test_too_many_entries(void)
{
    cJSON *b = cJSON_Parse("{\"resourceType\":\"Bundle\",\"type\":\"batch\"}");
    cJSON *arr = cJSON_AddArrayToObject(b, "entry");
    for (int i = 0; i <= FG_MAX_BUNDLE_ENTRIES; i++)
        cJSON_AddItemToArray(arr, cJSON_CreateObject());
    struct fg_error err;
    fg_error_clear(&err);
    bool tx;
    const cJSON *entries;
    size_t n;
    CHECK_INT(fg_bundle_check(b, &tx, &entries, &n, &err), FG_EINVAL);
    CHECK_STR(err.expression, "Bundle.entry");
    cJSON_Delete(b);
}

static void test_entries(void)
{
    static const struct {
        const char *json;
        enum fg_status st;
        const char *expr;
        enum fg_method method;
        const char *type, *id;
    } rows[] = {
        {"{\"fullUrl\":\"urn:uuid:1\",\"resource\":{\"resourceType\":\"Patient\"},"
         "\"request\":{\"method\":\"POST\",\"url\":\"Patient\"}}", FG_OK, "", FG_POST, "Patient", ""},
        {"{\"resource\":{\"resourceType\":\"Patient\",\"id\":\"a\"},"
         "\"request\":{\"method\":\"PUT\",\"url\":\"" BASE "/Patient/a\",\"ifMatch\":\"W/\\\"2\\\"\"}}",
         FG_OK, "", FG_PUT, "Patient", "a"},
        {"{\"request\":{\"method\":\"DELETE\",\"url\":\"Observation/o1\"}}", FG_OK, "", FG_DELETE,
         "Observation", "o1"},
        {"{\"request\":{\"method\":\"GET\",\"url\":\"Patient/a/_history/3\"}}", FG_OK, "", FG_GET,
         "Patient", "a"},
        {"{\"resource\":{\"resourceType\":\"Patient\"}}", FG_EINVAL, "Bundle.entry[4].request",
         FG_GET, "", ""},
        {"{\"request\":{\"method\":\"FETCH\",\"url\":\"Patient\"}}", FG_EINVAL,
         "Bundle.entry[5].request.method", FG_GET, "", ""},
        {"{\"request\":{\"method\":\"POST\"}}", FG_EINVAL, "Bundle.entry[6].request.url", FG_GET,
         "", ""},
        {"{\"request\":{\"method\":\"POST\",\"url\":\"Foo\"},\"resource\":{\"resourceType\":\"Foo\"}}",
         FG_EINVAL, "Bundle.entry[7].request.url", FG_GET, "", ""},
        {"{\"request\":{\"method\":\"POST\",\"url\":\"Patient\"},\"resource\":{\"resourceType\":\"Observation\"}}",
         FG_EINVAL, "Bundle.entry[8].resource.resourceType", FG_GET, "", ""},
        {"{\"request\":{\"method\":\"POST\",\"url\":\"Patient\"}}", FG_EINVAL,
         "Bundle.entry[9].resource", FG_GET, "", ""},
        {"{\"request\":{\"method\":\"PUT\",\"url\":\"Patient/a\"},\"resource\":{\"resourceType\":\"Patient\",\"id\":\"b\"}}",
         FG_EINVAL, "Bundle.entry[10].resource.id", FG_GET, "", ""},
        {"{\"request\":{\"method\":\"PUT\",\"url\":\"Patient\"},\"resource\":{\"resourceType\":\"Patient\"}}",
         FG_EINVAL, "Bundle.entry[11].request.url", FG_GET, "", ""},
        {"{\"request\":{\"method\":\"DELETE\",\"url\":\"Patient?identifier=x\"}}", FG_ENOTSUP,
         "Bundle.entry[12].request.url", FG_GET, "", ""},
        {"{\"request\":{\"method\":\"PATCH\",\"url\":\"Patient/a\"}}", FG_ENOTSUP,
         "Bundle.entry[13].request.method", FG_GET, "", ""},
        {"{\"request\":{\"method\":\"DELETE\",\"url\":\"Patient/a\",\"ifMatch\":\"3\"}}", FG_EINVAL,
         "Bundle.entry[14].request.ifMatch", FG_GET, "", ""},
        {"{\"request\":{\"method\":\"DELETE\",\"url\":\"Patient/a\",\"ifNoneExist\":\"x=1\"}}",
         FG_EINVAL, "Bundle.entry[15].request.ifNoneExist", FG_GET, "", ""},
        {"[]", FG_EINVAL, "Bundle.entry[16]", FG_GET, "", ""},
        {"{\"request\":{\"method\":\"GET\",\"url\":\"Patient/a b\"}}", FG_EINVAL,
         "Bundle.entry[17].request.url", FG_GET, "", ""},
        {"{\"fullUrl\":7,\"request\":{\"method\":\"GET\",\"url\":\"Patient/a\"}}", FG_EINVAL,
         "Bundle.entry[18].fullUrl", FG_GET, "", ""},
        {"{\"request\":{\"method\":\"GET\",\"url\":\"Patient?name=x&_count=1\"}}", FG_OK, "",
         FG_GET, "Patient", ""},
        {"{\"request\":{\"method\":\"GET\",\"url\":\"Patient/a?x=1\"}}", FG_ENOTSUP,
         "Bundle.entry[20].request.url", FG_GET, "", ""},
    };
    struct fg_pool *pool = fg_pool_new();
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct fg_error err;
        fg_error_clear(&err);
        cJSON *j = cJSON_Parse(rows[i].json);
        struct fg_bundle_entry e;
        enum fg_status st = fg_bundle_entry_parse(pool, fg_str_c(BASE), j, i, &e, &err);
        CHECK_INT(st, rows[i].st);
        CHECK_STR(err.expression, rows[i].expr);
        if (st == FG_OK) {
            CHECK_INT(e.method, rows[i].method);
            CHECK_SLICE(e.type, rows[i].type);
            CHECK_SLICE(e.id, rows[i].id);
        } else {
            /* The diagnostic names the entry too. */
            CHECK(strstr(err.diagnostics, "Bundle.entry[") != NULL);
        }
        cJSON_Delete(j);
    }
    fg_pool_free(&pool);
}

static void test_entry_details(void)
{
    struct fg_pool *pool = fg_pool_new();
    struct fg_error err;
    fg_error_clear(&err);
    cJSON *j = cJSON_Parse("{\"request\":{\"method\":\"GET\",\"url\":\"Patient/a/_history/3\"}}");
    struct fg_bundle_entry e;
    CHECK_INT(fg_bundle_entry_parse(pool, fg_str_c(BASE), j, 0, &e, &err), FG_OK);
    CHECK_SLICE(e.vid, "3");
    CHECK_INT(e.ia, FG_IA_VREAD);
    CHECK(!e.is_search);
    cJSON_Delete(j);
    j = cJSON_Parse("{\"request\":{\"method\":\"GET\",\"url\":\"" BASE "/Observation?code=x\"}}");
    CHECK_INT(fg_bundle_entry_parse(pool, fg_str_c(BASE), j, 0, &e, &err), FG_OK);
    CHECK(e.is_search);
    CHECK_INT(e.ia, FG_IA_SEARCH_TYPE);
    CHECK_SLICE(e.type, "Observation");
    CHECK_SLICE(e.query, "code=x");
    cJSON_Delete(j);
    j = cJSON_Parse("{\"fullUrl\":\"urn:uuid:x\",\"resource\":{\"resourceType\":\"Patient\"},"
                    "\"request\":{\"method\":\"POST\",\"url\":\"Patient\","
                    "\"ifNoneExist\":\"identifier=s|1\"}}");
    CHECK_INT(fg_bundle_entry_parse(pool, fg_str_c(BASE), j, 0, &e, &err), FG_OK);
    CHECK_SLICE(e.full_url, "urn:uuid:x");
    CHECK_SLICE(e.if_none_exist, "identifier=s|1");
    CHECK_INT(e.ia, FG_IA_CREATE);
    CHECK(e.resource != NULL);
    cJSON_Delete(j);
    fg_pool_free(&pool);
}

static void test_order(void)
{
    static const enum fg_method m[] = {FG_GET, FG_PUT, FG_POST, FG_DELETE, FG_POST, FG_DELETE};
    struct fg_bundle_entry e[6];
    memset(e, 0, sizeof e);
    for (size_t i = 0; i < 6; i++)
        e[i].method = m[i];
    size_t order[6];
    fg_bundle_order(e, 6, order);
    static const size_t want[] = {3, 5, 2, 4, 1, 0};
    for (size_t i = 0; i < 6; i++)
        CHECK_INT(order[i], want[i]);
    CHECK_STR(fg_bundle_status_text(201), "201 Created");
    CHECK_STR(fg_bundle_status_text(412), "412 Precondition Failed");
    CHECK_STR(fg_bundle_status_text(599), "500 Internal Server Error");
}

TEST_MAIN(test_check, test_too_many_entries, test_entries, test_entry_details, test_order)
