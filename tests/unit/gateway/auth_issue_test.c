/* auth_issue_test.c - the token response body, scope words, subjects and
 * redirect URI rules. */
#include "../test.h"

#include <cJSON.h>
#include <string.h>

#include "gateway/auth_clients.h"
#include "gateway/auth_issue.h"
#include "gateway/jwks_fetch.h"

static void test_token_response(void)
{
    struct fg_issue is = {.scopes = "launch/patient patient/Patient.rs offline_access",
                          .patient_id = "p1", .expires_in = 3600};
    memcpy(is.access_token, "AAAA", 5);
    memcpy(is.refresh_token, "RRRR", 5);
    struct fg_buf b;
    fg_buf_init(&b, 4096);
    CHECK_INT(fg_auth_token_response(&is, &b), FG_OK);
    cJSON *o = cJSON_ParseWithLength(b.data, b.len);
    CHECK(o != NULL);
    CHECK_STR(cJSON_GetObjectItem(o, "access_token")->valuestring, "AAAA");
    CHECK_STR(cJSON_GetObjectItem(o, "token_type")->valuestring, "Bearer");
    CHECK(cJSON_IsNumber(cJSON_GetObjectItem(o, "expires_in")));
    CHECK_INT((int)cJSON_GetObjectItem(o, "expires_in")->valuedouble, 3600);
    CHECK_STR(cJSON_GetObjectItem(o, "scope")->valuestring, is.scopes);
    CHECK_STR(cJSON_GetObjectItem(o, "refresh_token")->valuestring, "RRRR");
    CHECK_STR(cJSON_GetObjectItem(o, "patient")->valuestring, "p1");
    CHECK(cJSON_GetObjectItem(o, "id_token") == NULL);
    cJSON_Delete(o);
    /* No refresh token, no patient: the members are absent, not empty. */
    fg_buf_reset(&b);
    is.refresh_token[0] = '\0';
    is.patient_id = "";
    CHECK_INT(fg_auth_token_response(&is, &b), FG_OK);
    o = cJSON_ParseWithLength(b.data, b.len);
    CHECK(cJSON_GetObjectItem(o, "refresh_token") == NULL);
    CHECK(cJSON_GetObjectItem(o, "patient") == NULL);
    CHECK(cJSON_GetObjectItem(o, "encounter") == NULL);
    CHECK(cJSON_GetObjectItem(o, "need_patient_banner") == NULL);
    CHECK(cJSON_GetObjectItem(o, "smart_style_url") == NULL);
    cJSON_Delete(o);
    /* An EHR launch: encounter, need_patient_banner (a boolean) and smart_style_url. */
    fg_buf_reset(&b);
    is.patient_id = "p1";
    is.encounter_id = "e1";
    is.style_url = "https://ehr.example/auth/smart-style.json";
    CHECK_INT(fg_auth_token_response(&is, &b), FG_OK);
    o = cJSON_ParseWithLength(b.data, b.len);
    CHECK_STR(cJSON_GetObjectItem(o, "encounter")->valuestring, "e1");
    CHECK(cJSON_IsTrue(cJSON_GetObjectItem(o, "need_patient_banner")));
    CHECK_STR(cJSON_GetObjectItem(o, "smart_style_url")->valuestring, is.style_url);
    CHECK(cJSON_GetObjectItem(o, "fhirContext") == NULL);
    cJSON_Delete(o);
    /* fhirContext: one object with a relative reference per context resource */
    fg_buf_reset(&b);
    is.fhir_context = "ServiceRequest/sr-1 Task/t1";
    CHECK_INT(fg_auth_token_response(&is, &b), FG_OK);
    o = cJSON_ParseWithLength(b.data, b.len);
    const cJSON *ctx = cJSON_GetObjectItem(o, "fhirContext");
    CHECK(cJSON_IsArray(ctx) && cJSON_GetArraySize(ctx) == 2);
    CHECK_STR(cJSON_GetObjectItem(cJSON_GetArrayItem(ctx, 0), "reference")->valuestring,
              "ServiceRequest/sr-1");
    CHECK_STR(cJSON_GetObjectItem(cJSON_GetArrayItem(ctx, 1), "reference")->valuestring,
              "Task/t1");
    CHECK(cJSON_GetArraySize(cJSON_GetArrayItem(ctx, 1)) == 1); /* no role: "launch" */
    cJSON_Delete(o);
    is.fhir_context = "";
    /* An empty encounter is left out. */
    fg_buf_reset(&b);
    is.encounter_id = "";
    CHECK_INT(fg_auth_token_response(&is, &b), FG_OK);
    o = cJSON_ParseWithLength(b.data, b.len);
    CHECK(cJSON_GetObjectItem(o, "encounter") == NULL);
    cJSON_Delete(o);
    fg_buf_cleanup(&b);
}

static void test_scope_has(void)
{
    CHECK(fg_scope_has("openid fhirUser", "fhirUser"));
    CHECK(fg_scope_has("openid fhirUser", "openid"));
    CHECK(!fg_scope_has("openid fhirUserX", "fhirUser"));
    CHECK(!fg_scope_has("xoffline_access", "offline_access"));
    CHECK(!fg_scope_has("", "openid"));
    CHECK(!fg_scope_has(NULL, "openid"));
}

static void test_subject(void)
{
    char s[FG_SUBJECT_MAX];
    fg_auth_subject(7, "p1", "c", s);
    CHECK_STR(s, "user-7");
    fg_auth_subject(0, "p1", "c", s);
    CHECK_STR(s, "patient-p1");
    fg_auth_subject(0, "", "c", s);
    CHECK_STR(s, "client-c");
}

static void test_redirect_uris(void)
{
    static const struct {
        const char *uri;
        bool ok;
    } rows[] = {
        {"https://app.example/cb", true},
        {"https://app.example:8443/cb?x=1", true},
        {"http://localhost:3000/cb", true},
        {"http://127.0.0.1/cb", true},
        {"http://[::1]:9/cb", true},
        {"http://app.example/cb", false},
        {"http://localhost.evil.example/cb", false},
        {"http://127.0.0.1@evil.example/cb", false},
        {"https://app.example/cb#frag", false},
        {"https:///cb", false},
        {"javascript:alert(1)", false},
        {"https://app.example/c b", false},
        {"https://app.example/\xc3\xa9", false},
        {"", false},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        CHECK_INT(fg_redirect_uri_ok(rows[i].uri), rows[i].ok);
}

static void test_jwks_cache_lifetime(void)
{
    static const struct {
        const char *cc;
        int64_t want;
    } rows[] = {
        {"", FG_JWKS_CACHE_DEFAULT_S},
        {"max-age=60", 60},
        {"public, max-age=120", 120},
        {"max-age=999999", FG_JWKS_CACHE_MAX_S},
        {"max-age=0", 0},
        {"no-store", 0},
        {"public, no-cache", 0},
        {"max-age=abc", FG_JWKS_CACHE_DEFAULT_S},
        {"max-age=-5", FG_JWKS_CACHE_DEFAULT_S},
        {"MAX-AGE=30", 30},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        CHECK_INT(fg_jwks_cache_lifetime(fg_str_c(rows[i].cc)), rows[i].want);
}

/* fhirUser: the account's Practitioner, else its own Patient; without an account the launch patient. */
static void test_fhir_user(void)
{
    static const struct {
        int64_t account;
        const char *practitioner, *own, *patient, *want; /* want NULL = none */
    } rows[] = {
        {7, "dr-ruiz", "", "amy", "Practitioner/dr-ruiz"},
        {7, "dr-ruiz", "amy", "", "Practitioner/dr-ruiz"},
        {7, "", "amy", "daniel", "Patient/amy"},
        {7, "", "", "daniel", NULL},
        {7, NULL, NULL, NULL, NULL},
        {0, "dr-ruiz", "amy", "daniel", "Patient/daniel"},
        {0, "", "", "", NULL},
        {0, NULL, NULL, NULL, NULL},
    };
    struct fg_pool *pool = fg_pool_new();
    CHECK(pool != NULL);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const char *got = fg_auth_fhir_user(pool, rows[i].account, rows[i].practitioner,
                                            rows[i].own, rows[i].patient);
        if (rows[i].want)
            CHECK_STR(got ? got : "(none)", rows[i].want);
        else
            CHECK(got == NULL);
    }
    fg_pool_free(&pool);
}

TEST_MAIN(test_jwks_cache_lifetime, test_token_response, test_scope_has, test_subject, test_redirect_uris,
          test_fhir_user)
