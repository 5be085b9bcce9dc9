/* jsonpatch_test.c - JSON Patch (RFC 6902): each operation, pointer
 * escapes and array positions, and the 400 (malformed) / 422 (does not
 * apply) split, with the operation at fault in the expression. Several
 * rows are the RFC 6902 appendix A examples. */
#include "../test.h"

#include <string.h>

#include "core/fg_limits.h"
#include "fhir/jsonpatch.h"

static const struct {
    const char *doc, *patch;
    enum fg_status st;
    const char *want;    /* the patched document (FG_OK) */
    const char *expr;    /* err.expression (failures) */
} rows[] = {
    /* RFC 6902 A.1-A.10 */
    {"{\"foo\":\"bar\"}", "[{\"op\":\"add\",\"path\":\"/baz\",\"value\":\"qux\"}]", FG_OK,
     "{\"foo\":\"bar\",\"baz\":\"qux\"}", NULL},
    {"{\"foo\":[\"bar\",\"baz\"]}", "[{\"op\":\"add\",\"path\":\"/foo/1\",\"value\":\"qux\"}]", FG_OK,
     "{\"foo\":[\"bar\",\"qux\",\"baz\"]}", NULL},
    {"{\"baz\":\"qux\",\"foo\":\"bar\"}", "[{\"op\":\"remove\",\"path\":\"/baz\"}]", FG_OK,
     "{\"foo\":\"bar\"}", NULL},
    {"{\"foo\":[\"bar\",\"qux\",\"baz\"]}", "[{\"op\":\"remove\",\"path\":\"/foo/1\"}]", FG_OK,
     "{\"foo\":[\"bar\",\"baz\"]}", NULL},
    {"{\"baz\":\"qux\",\"foo\":\"bar\"}", "[{\"op\":\"replace\",\"path\":\"/baz\",\"value\":\"boo\"}]",
     FG_OK, "{\"baz\":\"boo\",\"foo\":\"bar\"}", NULL},
    {"{\"foo\":{\"bar\":\"baz\",\"waldo\":\"fred\"},\"qux\":{\"corge\":\"grault\"}}",
     "[{\"op\":\"move\",\"from\":\"/foo/waldo\",\"path\":\"/qux/thud\"}]", FG_OK,
     "{\"foo\":{\"bar\":\"baz\"},\"qux\":{\"corge\":\"grault\",\"thud\":\"fred\"}}", NULL},
    {"{\"foo\":[\"all\",\"grass\",\"cows\",\"eat\"]}",
     "[{\"op\":\"move\",\"from\":\"/foo/1\",\"path\":\"/foo/3\"}]", FG_OK,
     "{\"foo\":[\"all\",\"cows\",\"eat\",\"grass\"]}", NULL},
    {"{\"baz\":\"qux\",\"foo\":[\"a\",2,\"c\"]}",
     "[{\"op\":\"test\",\"path\":\"/baz\",\"value\":\"qux\"},{\"op\":\"test\",\"path\":\"/foo/1\",\"value\":2}]",
     FG_OK, "{\"baz\":\"qux\",\"foo\":[\"a\",2,\"c\"]}", NULL},
    {"{\"baz\":\"qux\"}", "[{\"op\":\"test\",\"path\":\"/baz\",\"value\":\"bar\"}]", FG_EUNPROC, NULL,
     "/0/value"},
    {"{\"foo\":\"bar\"}", "[{\"op\":\"add\",\"path\":\"/child\",\"value\":{\"grandchild\":{}}}]", FG_OK,
     "{\"foo\":\"bar\",\"child\":{\"grandchild\":{}}}", NULL},
    /* A.12: adding to a nonexistent target */
    {"{\"foo\":\"bar\"}", "[{\"op\":\"add\",\"path\":\"/baz/bat\",\"value\":\"qux\"}]", FG_EUNPROC,
     NULL, "/0/path"},
    /* A.14: ~ escapes */
    {"{\"/\":9,\"~1\":10}", "[{\"op\":\"test\",\"path\":\"/~01\",\"value\":10},"
     "{\"op\":\"remove\",\"path\":\"/~1\"}]", FG_OK, "{\"~1\":10}", NULL},
    /* A.16: appending with "-" */
    {"{\"foo\":[\"bar\"]}", "[{\"op\":\"add\",\"path\":\"/foo/-\",\"value\":[\"abc\",\"def\"]}]", FG_OK,
     "{\"foo\":[\"bar\",[\"abc\",\"def\"]]}", NULL},
    /* copy, the root, objects compared without member order */
    {"{\"a\":{\"x\":1,\"y\":[1,2]}}", "[{\"op\":\"copy\",\"from\":\"/a\",\"path\":\"/b\"},"
     "{\"op\":\"test\",\"path\":\"/b\",\"value\":{\"y\":[1,2],\"x\":1}}]", FG_OK,
     "{\"a\":{\"x\":1,\"y\":[1,2]},\"b\":{\"x\":1,\"y\":[1,2]}}", NULL},
    {"{\"a\":1}", "[{\"op\":\"replace\",\"path\":\"\",\"value\":{\"b\":2}}]", FG_OK, "{\"b\":2}", NULL},
    {"{\"a\":[1,2,3]}", "[{\"op\":\"replace\",\"path\":\"/a/1\",\"value\":9}]", FG_OK,
     "{\"a\":[1,9,3]}", NULL},
    {"{\"a\":[]}", "[]", FG_OK, "{\"a\":[]}", NULL},
    /* does not apply (422) */
    {"{\"a\":[1]}", "[{\"op\":\"add\",\"path\":\"/a/2\",\"value\":0}]", FG_EUNPROC, NULL, "/0/path"},
    {"{\"a\":[1]}", "[{\"op\":\"add\",\"path\":\"/a/01\",\"value\":0}]", FG_EUNPROC, NULL, "/0/path"},
    {"{\"a\":[1]}", "[{\"op\":\"remove\",\"path\":\"/a/-\"}]", FG_EUNPROC, NULL, "/0/path"},
    {"{\"a\":1}", "[{\"op\":\"replace\",\"path\":\"/b\",\"value\":0}]", FG_EUNPROC, NULL, "/0/path"},
    {"{\"a\":1}", "[{\"op\":\"remove\",\"path\":\"\"}]", FG_EUNPROC, NULL, "/0/path"},
    {"{\"a\":{\"b\":1}}", "[{\"op\":\"move\",\"from\":\"/a\",\"path\":\"/a/b/c\"}]", FG_EUNPROC, NULL,
     "/0/path"},
    {"{\"a\":1}", "[{\"op\":\"copy\",\"from\":\"/nope\",\"path\":\"/b\"}]", FG_EUNPROC, NULL, "/0/from"},
    {"{\"a\":\"s\"}", "[{\"op\":\"add\",\"path\":\"/a/x\",\"value\":0}]", FG_EUNPROC, NULL, "/0/path"},
    {"{\"a\":1}", "[{\"op\":\"test\",\"path\":\"/a\",\"value\":1},{\"op\":\"test\",\"path\":\"/a\",\"value\":\"1\"}]",
     FG_EUNPROC, NULL, "/1/value"},
    /* malformed (400) */
    {"{\"a\":1}", "{\"op\":\"add\",\"path\":\"/b\",\"value\":0}", FG_EINVAL, NULL, ""},
    {"{\"a\":1}", "[1]", FG_EINVAL, NULL, "/0"},
    {"{\"a\":1}", "[{\"path\":\"/a\"}]", FG_EINVAL, NULL, "/0/op"},
    {"{\"a\":1}", "[{\"op\":\"nope\",\"path\":\"/a\"}]", FG_EINVAL, NULL, "/0/op"},
    {"{\"a\":1}", "[{\"op\":\"add\",\"value\":1}]", FG_EINVAL, NULL, "/0/path"},
    {"{\"a\":1}", "[{\"op\":\"add\",\"path\":\"/b\"}]", FG_EINVAL, NULL, "/0/value"},
    {"{\"a\":1}", "[{\"op\":\"move\",\"path\":\"/b\"}]", FG_EINVAL, NULL, "/0/from"},
    {"{\"a\":1}", "[{\"op\":\"add\",\"path\":\"b\",\"value\":1}]", FG_EINVAL, NULL, "/0/path"},
    {"{\"a\":1}", "[{\"op\":\"add\",\"path\":\"/b~2\",\"value\":1}]", FG_EINVAL, NULL, "/0/path"},
    {"{\"a\":1}", "[{\"op\":\"add\",\"path\":5,\"value\":1}]", FG_EINVAL, NULL, "/0/path"},
};

static void test_rows(void)
{
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct fg_pool *pool = fg_pool_new();
        struct fg_error err;
        fg_error_clear(&err);
        cJSON *doc = cJSON_Parse(rows[i].doc), *patch = cJSON_Parse(rows[i].patch);
        CHECK(doc && patch);
        enum fg_status st = fhir_jsonpatch_apply(pool, &doc, patch, &err);
        if (st != rows[i].st)
            printf("    row %zu: %s\n", i, err.diagnostics);
        CHECK_INT(st, rows[i].st);
        if (st == FG_OK && rows[i].want) {
            cJSON *want = cJSON_Parse(rows[i].want);
            CHECK(cJSON_Compare(doc, want, true));
            cJSON_Delete(want);
        }
        if (st != FG_OK && rows[i].expr)
            CHECK_STR(err.expression, rows[i].expr);
        cJSON_Delete(doc);
        cJSON_Delete(patch);
        fg_pool_free(&pool);
    }
}

/* copy doubles the document each time: the node cap stops it early. */
static void test_growth_capped(void)
{
    struct fg_pool *pool = fg_pool_new();
    struct fg_error err;
    fg_error_clear(&err);
    cJSON *doc = cJSON_Parse("{\"a\":[1,2,3,4,5,6,7,8]}");
    cJSON *patch = cJSON_CreateArray();
    for (int i = 0; i < 40; i++) {
        cJSON *op = cJSON_CreateObject();
        cJSON_AddStringToObject(op, "op", "copy");
        cJSON_AddStringToObject(op, "from", "");
        cJSON_AddStringToObject(op, "path", "/a/-");
        cJSON_AddItemToArray(patch, op);
    }
    CHECK_INT(fhir_jsonpatch_apply(pool, &doc, patch, &err), FG_ETOOBIG);
    cJSON_Delete(doc);
    cJSON_Delete(patch);
    /* A replace is capped too, in an array as in an object. */
    static const char *const paths[] = {"/a/0", "/b"};
    for (size_t i = 0; i < 2; i++) {
        fg_error_clear(&err);
        doc = cJSON_Parse("{\"a\":[1],\"b\":2}");
        cJSON *big = cJSON_CreateArray();
        for (unsigned k = 0; k < FG_MAX_PATCH_NODES; k++)
            cJSON_AddItemToArray(big, cJSON_CreateNumber(k));
        cJSON *op = cJSON_CreateObject();
        cJSON_AddStringToObject(op, "op", "replace");
        cJSON_AddStringToObject(op, "path", paths[i]);
        cJSON_AddItemToObject(op, "value", big);
        patch = cJSON_CreateArray();
        cJSON_AddItemToArray(patch, op);
        CHECK_INT(fhir_jsonpatch_apply(pool, &doc, patch, &err), FG_ETOOBIG);
        cJSON_Delete(doc);
        cJSON_Delete(patch);
    }
    fg_pool_free(&pool);
}

TEST_MAIN(test_rows, test_growth_capped)
