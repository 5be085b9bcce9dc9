/* router_test.c - pattern matching, captures, 404 vs 405, HEAD as GET. */
#include "../test.h"

#include "gateway/router.h"

static enum fg_status h_read(struct fg_req *req) { (void)req; return FG_OK; }
static enum fg_status h_vread(struct fg_req *req) { (void)req; return FG_OK; }
static enum fg_status h_update(struct fg_req *req) { (void)req; return FG_OK; }
static enum fg_status h_create(struct fg_req *req) { (void)req; return FG_OK; }
static enum fg_status h_meta(struct fg_req *req) { (void)req; return FG_OK; }
static enum fg_status h_op(struct fg_req *req) { (void)req; return FG_OK; }
static enum fg_status h_search(struct fg_req *req) { (void)req; return FG_OK; }

static const struct fg_route table[] = {
    {FG_GET, "/fhir/metadata", h_meta},
    {FG_GET, "/fhir/{type}/{id}/_history/{vid}", h_vread},
    {FG_POST, "/fhir/{type}/_search", h_search},
    {FG_GET, "/fhir/{type}/{id}/{op}", h_op},
    {FG_GET, "/fhir/{type}/{id}", h_read},
    {FG_PUT, "/fhir/{type}/{id}", h_update},
    {FG_POST, "/fhir/{type}", h_create},
};
#define N (sizeof table / sizeof table[0])

static void test_table(void)
{
    static const struct {
        enum fg_method method;
        const char *path;
        enum fg_route_match want;
        fg_handler handler;
        const char *type, *id, *vid, *op;
    } rows[] = {
        {FG_GET, "/fhir/metadata", FG_ROUTE_FOUND, h_meta, "", "", "", ""},
        {FG_HEAD, "/fhir/metadata", FG_ROUTE_FOUND, h_meta, "", "", "", ""},
        {FG_DELETE, "/fhir/metadata", FG_ROUTE_BAD_METHOD, NULL, "", "", "", ""},
        {FG_GET, "/fhir/Patient/amy", FG_ROUTE_FOUND, h_read, "Patient", "amy", "", ""},
        {FG_PUT, "/fhir/Patient/amy", FG_ROUTE_FOUND, h_update, "Patient", "amy", "", ""},
        {FG_DELETE, "/fhir/Patient/amy", FG_ROUTE_BAD_METHOD, NULL, "", "", "", ""},
        {FG_GET, "/fhir/Observation/o-1.2/_history/3", FG_ROUTE_FOUND, h_vread, "Observation",
         "o-1.2", "3", ""},
        {FG_GET, "/fhir/Patient/amy/$everything", FG_ROUTE_FOUND, h_op, "Patient", "amy", "",
         "everything"},
        {FG_GET, "/fhir/Patient/amy/$", FG_ROUTE_NO_PATH, NULL, "", "", "", ""},
        {FG_GET, "/fhir/Patient/amy/$ev!l", FG_ROUTE_NO_PATH, NULL, "", "", "", ""},
        {FG_POST, "/fhir/Patient/_search", FG_ROUTE_FOUND, h_search, "Patient", "", "", ""},
        {FG_POST, "/fhir/Patient", FG_ROUTE_FOUND, h_create, "Patient", "", "", ""},
        {FG_GET, "/fhir/Patient", FG_ROUTE_BAD_METHOD, NULL, "", "", "", ""},
        /* unknown type, bad id, extra or missing segments */
        {FG_GET, "/fhir/Patients/amy", FG_ROUTE_NO_PATH, NULL, "", "", "", ""},
        {FG_GET, "/fhir/patient/amy", FG_ROUTE_NO_PATH, NULL, "", "", "", ""},
        {FG_GET, "/fhir/Patient/a_b", FG_ROUTE_NO_PATH, NULL, "", "", "", ""},
        {FG_GET, "/fhir/Patient/amy/", FG_ROUTE_NO_PATH, NULL, "", "", "", ""},
        {FG_GET, "/fhir/Patient//amy", FG_ROUTE_NO_PATH, NULL, "", "", "", ""},
        {FG_GET, "/fhir", FG_ROUTE_NO_PATH, NULL, "", "", "", ""},
        {FG_GET, "/", FG_ROUTE_NO_PATH, NULL, "", "", "", ""},
        {FG_GET, "", FG_ROUTE_NO_PATH, NULL, "", "", "", ""},
        {FG_GET, "/fhir/metadata/x", FG_ROUTE_NO_PATH, NULL, "", "", "", ""},
        /* literal text that only starts like a route's (the byte-wise pre-check) */
        {FG_GET, "/fhir/metadatax", FG_ROUTE_NO_PATH, NULL, "", "", "", ""},
        {FG_GET, "/fhir/metadat", FG_ROUTE_NO_PATH, NULL, "", "", "", ""},
        {FG_GET, "/fhirx/Patient/amy", FG_ROUTE_NO_PATH, NULL, "", "", "", ""},
        {FG_GET, "//fhir/Patient/amy", FG_ROUTE_NO_PATH, NULL, "", "", "", ""},
        /* a type name in the id position is an id (the type lookup is per segment) */
        {FG_GET, "/fhir/Patient/Observation", FG_ROUTE_FOUND, h_read, "Patient", "Observation",
         "", ""},
        {FG_GET, "/fhir/Patients/Observation", FG_ROUTE_NO_PATH, NULL, "", "", "", ""},
        {FG_GET, "/fhir/Patient/0123456789012345678901234567890123456789012345678901234567890123",
         FG_ROUTE_FOUND, h_read, "Patient",
         "0123456789012345678901234567890123456789012345678901234567890123", "", ""},
        {FG_GET, "/fhir/Patient/01234567890123456789012345678901234567890123456789012345678901234",
         FG_ROUTE_NO_PATH, NULL, "", "", "", ""},
        {FG_METHOD_OTHER, "/fhir/Patient/amy", FG_ROUTE_BAD_METHOD, NULL, "", "", "", ""},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct fg_req req;
        memset(&req, 0, sizeof req);
        req.method = rows[i].method;
        req.path = fg_str_c(rows[i].path);
        fg_handler h = NULL;
        enum fg_route_match m = fg_router_match(table, N, &req, &h);
        CHECK_INT(m, rows[i].want);
        if (m != rows[i].want)
            fprintf(stderr, "  row %zu: %s\n", i, rows[i].path);
        if (rows[i].want != FG_ROUTE_FOUND)
            continue;
        CHECK(h == rows[i].handler);
        CHECK_SLICE(req.route_type, rows[i].type);
        CHECK_SLICE(req.route_id, rows[i].id);
        CHECK_SLICE(req.route_vid, rows[i].vid);
        CHECK_SLICE(req.route_op, rows[i].op);
    }
}

static void test_first_match_wins(void)
{
    static const struct fg_route t[] = {
        {FG_GET, "/a/{id}", h_read},
        {FG_GET, "/a/b", h_meta},
    };
    struct fg_req req;
    memset(&req, 0, sizeof req);
    req.method = FG_GET;
    req.path = fg_str_c("/a/b");
    fg_handler h = NULL;
    CHECK_INT(fg_router_match(t, 2, &req, &h), FG_ROUTE_FOUND);
    CHECK(h == h_read);
    CHECK_INT(fg_router_match(t, 0, &req, &h), FG_ROUTE_NO_PATH);
}

static void test_allowed(void)
{
    static const struct {
        const char *path, *want;
    } rows[] = {
        {"/fhir/Patient/amy", "GET, HEAD, PUT"},
        {"/fhir/Patient", "POST"},
        {"/fhir/metadata", "GET, HEAD"},
        {"/nothing", ""},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct fg_req req;
        memset(&req, 0, sizeof req);
        req.pool = fg_pool_new();
        req.path = fg_str_c(rows[i].path);
        CHECK_STR(fg_router_allowed(table, N, &req), rows[i].want);
        fg_pool_free(&req.pool);
    }
}

/* Prepared tables: a path is tried against the routes of its count of '/'
 * (8 or more share a list) plus the patterns not starting with '/', in
 * table order; a path not starting with '/' against every route. */
static void test_prepared_buckets(void)
{
    static const struct fg_route t[] = {
        {FG_GET, "x/{id}", h_op},                                      /* unrooted */
        {FG_GET, "/a/{any}/{any}/{any}/{any}/{any}/{any}/{any}/{any}", h_meta}, /* 9 '/' */
        {FG_GET, "/a/{any}/{any}/{any}/{any}/{any}/{any}/{any}/{any}/{any}", h_vread}, /* 10 */
        {FG_GET, "/a/{id}", h_read},
        {FG_GET, "/a/b/c", h_search},
        {FG_PUT, "/a/b/c", h_update},
        {FG_GET, "/{any}/b", h_create},
    };
    static const struct {
        enum fg_method method;
        const char *path;
        enum fg_route_match want;
        fg_handler handler;
    } rows[] = {
        {FG_GET, "x/amy", FG_ROUTE_FOUND, h_op},
        {FG_GET, "/a/1/2/3/4/5/6/7/8", FG_ROUTE_FOUND, h_meta},
        {FG_GET, "/a/1/2/3/4/5/6/7/8/9", FG_ROUTE_FOUND, h_vread},
        {FG_GET, "/a/1/2/3/4/5/6/7/8/9/10", FG_ROUTE_NO_PATH, NULL},
        {FG_GET, "/a/b", FG_ROUTE_FOUND, h_read},
        {FG_GET, "/z/b", FG_ROUTE_FOUND, h_create},
        {FG_DELETE, "/a/b/c", FG_ROUTE_BAD_METHOD, NULL},
        {FG_PUT, "/a/b/c", FG_ROUTE_FOUND, h_update},
        {FG_GET, "/a/b/c/", FG_ROUTE_NO_PATH, NULL},
        {FG_GET, "a/b", FG_ROUTE_FOUND, h_read}, /* segment by segment, as ever */
        {FG_GET, "", FG_ROUTE_NO_PATH, NULL},
    };
    struct fg_router r;
    CHECK_INT(fg_router_prepare(&r, t, sizeof t / sizeof t[0]), FG_OK);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct fg_req req;
        memset(&req, 0, sizeof req);
        req.method = rows[i].method;
        req.path = fg_str_c(rows[i].path);
        fg_handler h = NULL;
        enum fg_route_match m = fg_router_find(&r, &req, &h);
        CHECK_INT(m, rows[i].want);
        if (m != rows[i].want)
            fprintf(stderr, "  row %zu: %s\n", i, rows[i].path);
        if (rows[i].want == FG_ROUTE_FOUND)
            CHECK(h == rows[i].handler);
    }
    /* a table too large to prepare matches nothing */
    static struct fg_route big[FG_MAX_ROUTES + 1];
    for (size_t i = 0; i < FG_MAX_ROUTES + 1; i++)
        big[i] = (struct fg_route){FG_GET, "/a/b", h_meta};
    CHECK_INT(fg_router_prepare(&r, big, FG_MAX_ROUTES + 1), FG_ETOOBIG);
    struct fg_req req;
    memset(&req, 0, sizeof req);
    req.method = FG_GET;
    req.path = fg_str_c("/a/b");
    fg_handler h = NULL;
    CHECK_INT(fg_router_find(&r, &req, &h), FG_ROUTE_NO_PATH);
}

TEST_MAIN(test_table, test_first_match_wins, test_allowed, test_prepared_buckets)
