/* negotiate_test.c - Accept, _format and Content-Type decisions. */
#include "../test.h"

#include "gateway/negotiate.h"

static void test_accept(void)
{
    static const struct {
        const char *accept;
        bool json;
    } rows[] = {
        {"application/fhir+json", true},
        {"application/fhir+json; fhirVersion=4.0", true},
        {"application/json", true},
        {"APPLICATION/JSON", true},
        {"application/json+fhir", true},
        {"*/*", true},
        {"application/*", true},
        {"text/html, application/xhtml+xml, */*;q=0.8", true},
        {"application/fhir+xml", false},
        {"application/xml", false},
        {"text/turtle", false},
        {"application/fhir+json;q=0", false},
        {"application/fhir+json; q=0.000, text/html", false},
        {"application/fhir+json; q=0.001", true},
        {"text/plain, application/json;q=0.5", true},
        {"", true},
        {" , ", true},
        {"text/*", false},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        bool got = fg_negotiate_accept_allows_json(fg_str_c(rows[i].accept));
        CHECK_INT(got, rows[i].json);
        if (got != rows[i].json)
            fprintf(stderr, "  Accept: %s\n", rows[i].accept);
    }
}

static void test_format(void)
{
    static const struct {
        const char *format;
        bool json;
    } rows[] = {
        {"json", true},
        {"JSON", true},
        {"application/json", true},
        {"application/fhir+json", true},
        {"application/fhir json", true},
        {"application/fhir+json;fhirVersion=4.0", true},
        {"xml", false},
        {"application/fhir+xml", false},
        {"text/turtle", false},
        {"ttl", false},
        {"", false},
        {"jsonx", false},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        CHECK_INT(fg_negotiate_format_is_json(fg_str_c(rows[i].format)), rows[i].json);
}

static void test_content_type(void)
{
    static const char *const json[] = {"application/fhir+json", "application/json", NULL};
    CHECK(fg_negotiate_content_type_is(fg_str_c("application/fhir+json; charset=utf-8"), json));
    CHECK(fg_negotiate_content_type_is(fg_str_c(" Application/JSON "), json));
    CHECK(!fg_negotiate_content_type_is(fg_str_c("text/plain"), json));
    CHECK(!fg_negotiate_content_type_is(fg_str_c("application/fhir+jsonx"), json));
    CHECK(!fg_negotiate_content_type_is(fg_str_c(""), json));
}

/* fg_negotiate_response with _format set and no connection (no headers). */
static void test_response_error(void)
{
    struct fg_req req;
    memset(&req, 0, sizeof req);
    struct fhir_kv q[] = {{FG_STR_LIT("_format"), FG_STR_LIT("xml")}};
    req.query = q;
    req.n_query = 1;
    req.path = FG_STR_LIT("/auth/token");
    CHECK_INT(fg_negotiate_response(&req), FG_OK);
    req.path = FG_STR_LIT("/fhir/metadata");
    CHECK_INT(fg_negotiate_response(&req), FG_EFORMAT);
    CHECK_INT(fg_error_http_status(&req.err), 406);
    CHECK_STR(fg_error_issue_code(&req.err), "not-supported");
    CHECK_STR(req.err.expression, "_format");
    CHECK(strstr(req.err.diagnostics, "xml") != NULL);
    memset(&req, 0, sizeof req);
    CHECK_INT(fg_negotiate_response(&req), FG_OK);
    /* no body: nothing to check */
    req.method = FG_POST;
    CHECK_INT(fg_negotiate_request_body(&req), FG_OK);
}

static void test_fhir_path(void)
{
    CHECK(fg_negotiate_is_fhir_path(fg_str_c("/fhir")));
    CHECK(fg_negotiate_is_fhir_path(fg_str_c("/fhir/Patient")));
    CHECK(!fg_negotiate_is_fhir_path(fg_str_c("/fhirx")));
    CHECK(!fg_negotiate_is_fhir_path(fg_str_c("/healthz")));
    CHECK(!fg_negotiate_is_fhir_path(fg_str_c("")));
}

TEST_MAIN(test_fhir_path, test_accept, test_format, test_content_type, test_response_error)
