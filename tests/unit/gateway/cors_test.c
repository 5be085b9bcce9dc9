/* cors_test.c - which paths get which CORS policy; which Origin values are echoed. */
#include "../test.h"

#include "gateway/cors.h"

static void test_kind_table(void)
{
    static const struct {
        const char *path;
        enum fg_cors_kind want;
    } rows[] = {
        {"/.well-known/smart-configuration", FG_CORS_PUBLIC},
        {"/fhir/.well-known/smart-configuration", FG_CORS_PUBLIC},
        {"/fhir/.well-known/openid-configuration", FG_CORS_PUBLIC},
        {"/fhir/metadata", FG_CORS_PUBLIC},
        {"/auth/jwks", FG_CORS_PUBLIC},
        {"/fhir", FG_CORS_API},
        {"/fhir/Patient/1", FG_CORS_API},
        {"/auth/token", FG_CORS_API},
        {"/auth/introspect", FG_CORS_API},
        {"/auth/revoke", FG_CORS_API},
        {"/auth/register", FG_CORS_API},
        {"/auth/authorize", FG_CORS_NONE},
        {"/auth/apps", FG_CORS_NONE},
        {"/fhirx", FG_CORS_NONE},
        {"/healthz", FG_CORS_NONE},
        {"/", FG_CORS_NONE},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        CHECK_INT(fg_cors_kind_for(fg_str_c(rows[i].path)), rows[i].want);
}

static void test_origin_table(void)
{
    static const struct {
        const char *origin;
        bool ok;
    } rows[] = {
        {"https://app.example", true},
        {"http://localhost:3000", true},
        {"http://[::1]:8080", true},
        {"https://app.example/", false},
        {"https://app.example/x", false},
        {"https://user@app.example", false},
        {"https://", false},
        {"null", false},
        {"ftp://x", false},
        {"https://a b", false},
        {"https://a\r\nSet-Cookie: x", false},
        {"https://a\x7f", false},
        {"https://a\xc3\xa9", false},
        {"https://a,https://b", false},
        {"", false},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        CHECK_INT(fg_cors_origin_valid(fg_str_c(rows[i].origin)), rows[i].ok);
}

static void test_lists(void)
{
    struct fg_str bad = FG_STR_NULL;
    CHECK(fg_cors_list_valid(fg_str_c(""), &bad));
    CHECK(fg_cors_list_valid(fg_str_c(" https://a.example, http://localhost:3000 ,"), &bad));
    CHECK(!fg_cors_list_valid(fg_str_c("https://a.example https://b.example/path"), &bad));
    CHECK_SLICE(bad, "https://b.example/path");
    CHECK(!fg_cors_list_valid(fg_str_c("*"), &bad));
    CHECK_SLICE(bad, "*");
    struct fg_str list = fg_str_c("https://a.example,http://localhost:3000");
    CHECK(fg_cors_list_has(list, "https://a.example"));
    CHECK(fg_cors_list_has(list, "HTTPS://A.EXAMPLE"));
    CHECK(fg_cors_list_has(list, "http://localhost:3000"));
    CHECK(!fg_cors_list_has(list, "http://localhost:300"));
    CHECK(!fg_cors_list_has(list, "https://a.example,http://localhost:3000"));
    CHECK(!fg_cors_list_has(fg_str_c(""), "https://a.example"));
}

TEST_MAIN(test_kind_table, test_origin_table, test_lists)
