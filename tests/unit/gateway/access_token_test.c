/* access_token_test.c - the bearer token of an Authorization header
 * (RFC 6750 §2.1) and the claims check for external tokens. */
#include "../test.h"

#include "core/fg_limits.h"
#include "core/fg_pool.h"
#include "gateway/access_external.h"
#include "gateway/access_token.h"

static void test_bearer_table(void)
{
    static char long_token[FG_MAX_BEARER_BYTES + 16];
    memcpy(long_token, "Bearer ", 7);
    memset(long_token + 7, 'a', sizeof long_token - 8);
    long_token[sizeof long_token - 1] = '\0';
    static const struct {
        const char *header; /* NULL = no header */
        enum fg_status st;
        bool present;
        const char *token;
    } rows[] = {
        {NULL, FG_OK, false, ""},
        {"Bearer abc", FG_OK, true, "abc"},
        {"bearer abc", FG_OK, true, "abc"},
        {"Bearer   abc  ", FG_OK, true, "abc"},
        {"Bearer a-b.c_d~e+f/g==", FG_OK, true, "a-b.c_d~e+f/g=="},
        {"Bearer eyJh.eyJz.sig", FG_OK, true, "eyJh.eyJz.sig"},
        {"Bearer ", FG_EINVAL, true, ""},
        {"Bearer", FG_EINVAL, true, ""},
        {"Basic dXNlcjpwYXNz", FG_EINVAL, true, ""},
        {"Bearer a b", FG_EINVAL, true, ""},
        {"Bearer =abc", FG_EINVAL, true, ""},
        {"Bearer ab=c", FG_EINVAL, true, ""},
        {"Bearer a\"b", FG_EINVAL, true, ""},
        {"Bearerabc", FG_EINVAL, true, ""},
        {long_token, FG_EINVAL, true, ""},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct fg_str tok;
        bool present = !rows[i].present;
        enum fg_status st = fg_access_bearer(rows[i].header, &tok, &present);
        if (st != rows[i].st)
            fprintf(stderr, "  row %zu\n", i);
        CHECK_INT(st, rows[i].st);
        CHECK_INT(present, rows[i].present);
        if (st == FG_OK)
            CHECK_SLICE(tok, rows[i].token);
    }
}

static void test_external_claims_table(void)
{
    static const struct {
        const char *claims;
        enum fg_status st;
        const char *patient, *client;
        size_t n_user_patients;
        const char *practitioner;
    } rows[] = {
        {"{\"exp\":2000,\"aud\":\"https://gw/fhir\",\"scope\":\"patient/*.rs\",\"patient\":\"amy\","
         "\"client_id\":\"app\"}",
         FG_OK, "amy", "app", 1, ""},
        {"{\"exp\":2000,\"aud\":[\"x\",\"https://gw/fhir\"],\"scp\":[\"user/*.rs\",\"openid\"],"
         "\"azp\":\"app2\",\"fhirUser\":\"https://gw/fhir/Patient/lily\"}",
         FG_OK, "", "app2", 1, ""},
        {"{\"exp\":2000,\"aud\":\"https://gw/fhir\",\"scope\":\"user/*.rs openid fhirUser\","
         "\"client_id\":\"ehr\",\"fhirUser\":\"https://gw/fhir/Practitioner/dr-1\"}",
         FG_OK, "", "ehr", 0, "dr-1"},
        {"{\"exp\":2000,\"aud\":\"https://gw/fhir\",\"scope\":\"user/*.rs\","
         "\"client_id\":\"ehr\",\"fhirUser\":\"RelatedPerson/rp\"}",
         FG_OK, "", "ehr", 0, ""},
        {"{\"exp\":999,\"aud\":\"https://gw/fhir\",\"scope\":\"patient/*.rs\"}", FG_EUNAUTH, "", "", 0, ""},
        {"{\"aud\":\"https://gw/fhir\",\"scope\":\"patient/*.rs\"}", FG_EUNAUTH, "", "", 0, ""},
        {"{\"exp\":2000,\"aud\":\"https://other/fhir\",\"scope\":\"patient/*.rs\"}", FG_EUNAUTH, "", "", 0, ""},
        {"{\"exp\":2000,\"scope\":\"patient/*.rs\"}", FG_EUNAUTH, "", "", 0, ""},
        {"{\"exp\":2000,\"aud\":\"https://gw/fhir\",\"iss\":\"https://evil\",\"scope\":\"x\"}",
         FG_EUNAUTH, "", "", 0, ""},
        {"{\"active\":false,\"exp\":2000,\"aud\":\"https://gw/fhir\"}", FG_EUNAUTH, "", "", 0, ""},
        {"{\"exp\":2000,\"aud\":\"https://gw/fhir\",\"scope\":\"patient/Observation.zz\"}",
         FG_EUNAUTH, "", "", 0, ""},
        {"{\"exp\":2000,\"aud\":\"https://gw/fhir\",\"scope\":\"patient/*.rs\",\"patient\":\"a b\"}",
         FG_EUNAUTH, "", "", 0, ""},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct fg_pool *pool = fg_pool_new();
        cJSON *c = cJSON_Parse(rows[i].claims);
        CHECK(c != NULL);
        struct smart_access a;
        smart_access_init(&a);
        const char *why = NULL;
        bool with_iss = strstr(rows[i].claims, "\"iss\"") != NULL;
        enum fg_status st = fg_external_claims(c, "https://gw/fhir", with_iss ? "https://as" : "",
                                               1000, pool, &a, &why);
        if (st != rows[i].st)
            fprintf(stderr, "  row %zu: %s\n", i, why ? why : "ok");
        CHECK_INT(st, rows[i].st);
        if (st == FG_OK) {
            CHECK_STR(smart_access_patient_id(&a), rows[i].patient);
            CHECK_STR(smart_access_client_id(&a), rows[i].client);
            CHECK_INT(a.n_user_patients, rows[i].n_user_patients);
            CHECK_STR(smart_access_practitioner_id(&a),
                      rows[i].practitioner);
        } else {
            CHECK(why != NULL);
        }
        smart_access_cleanup(&a);
        cJSON_Delete(c);
        fg_pool_free(&pool);
    }
}

TEST_MAIN(test_bearer_table, test_external_claims_table)
