/* capability_test.c - the CapabilityStatement is built from the tables:
 * every served type, its interactions, its search parameters, and
 * _include/_revinclude values from the reference parameters. */
#include "../test.h"

#include <cJSON.h>

#include "conformance/capability.h"
#include "core/fg_limits.h"
#include "fhir/searchparam.h"

static cJSON *find_type(cJSON *resources, const char *type)
{
    cJSON *r;
    cJSON_ArrayForEach(r, resources)
    {
        if (strcmp(cJSON_GetObjectItem(r, "type")->valuestring, type) == 0)
            return r;
    }
    return NULL;
}

static bool has_string(const cJSON *arr, const char *s)
{
    const cJSON *x;
    cJSON_ArrayForEach(x, arr)
    {
        if (cJSON_IsString(x) && strcmp(x->valuestring, s) == 0)
            return true;
    }
    return false;
}

static const cJSON *find_param(const cJSON *params, const char *name)
{
    const cJSON *p;
    cJSON_ArrayForEach(p, params)
    {
        if (strcmp(cJSON_GetObjectItem(p, "name")->valuestring, name) == 0)
            return p;
    }
    return NULL;
}

static void test_capability(void)
{
    struct fg_buf b;
    fg_buf_init(&b, FG_MAX_RESPONSE_BYTES);
    struct fg_capability_info info = {"http://h:1/fhir", "9.9.9", 1795435200000000, NULL};
    CHECK_INT(fg_capability_write(&info, &b), FG_OK);
    cJSON *cs = cJSON_ParseWithLength(b.data, b.len);
    CHECK(cs != NULL);
    if (!cs) {
        fg_buf_cleanup(&b);
        return;
    }
    CHECK_STR(cJSON_GetObjectItem(cs, "resourceType")->valuestring, "CapabilityStatement");
    CHECK_STR(cJSON_GetObjectItem(cs, "fhirVersion")->valuestring, "4.0.1");
    CHECK_STR(cJSON_GetObjectItem(cs, "status")->valuestring, "active");
    CHECK_STR(cJSON_GetObjectItem(cs, "kind")->valuestring, "instance");
    CHECK_STR(cJSON_GetObjectItem(cs, "date")->valuestring, "2026-11-23T12:00:00.000Z");
    CHECK_STR(cJSON_GetObjectItem(cJSON_GetObjectItem(cs, "software"), "name")->valuestring,
              "fhirgate");
    CHECK_STR(cJSON_GetObjectItem(cJSON_GetObjectItem(cs, "software"), "version")->valuestring,
              "9.9.9");
    CHECK_STR(cJSON_GetObjectItem(cJSON_GetObjectItem(cs, "implementation"), "url")->valuestring,
              "http://h:1/fhir");
    CHECK(has_string(cJSON_GetObjectItem(cs, "format"), "json"));
    cJSON *rest = cJSON_GetArrayItem(cJSON_GetObjectItem(cs, "rest"), 0);
    cJSON *resources = cJSON_GetObjectItem(rest, "resource");
    /* Every type of the table, none other. */
    CHECK_INT(cJSON_GetArraySize(resources), fhir_resource_types_count);
    cJSON *obs = find_type(resources, "Observation");
    cJSON *pat = find_type(resources, "Patient");
    CHECK(obs && pat);
    if (obs && pat) {
        CHECK_INT(cJSON_GetArraySize(cJSON_GetObjectItem(obs, "interaction")), 9);
        CHECK(cJSON_IsTrue(cJSON_GetObjectItem(obs, "conditionalUpdate")));
        CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(obs, "conditionalDelete")), "single");
        const cJSON *code = find_param(cJSON_GetObjectItem(obs, "searchParam"), "code");
        CHECK(code != NULL);
        if (code) {
            CHECK_STR(cJSON_GetObjectItem(code, "type")->valuestring, "token");
            CHECK(strstr(cJSON_GetObjectItem(code, "definition")->valuestring,
                         "SearchParameter") != NULL);
        }
        CHECK(find_param(cJSON_GetObjectItem(obs, "searchParam"), "_id") != NULL);
        CHECK(find_param(cJSON_GetObjectItem(obs, "searchParam"), "_lastUpdated") != NULL);
        CHECK(has_string(cJSON_GetObjectItem(obs, "searchInclude"), "Observation:subject"));
        CHECK(has_string(cJSON_GetObjectItem(pat, "searchRevInclude"), "Observation:subject"));
        CHECK(has_string(cJSON_GetObjectItem(pat, "searchRevInclude"), "Provenance:target"));
        CHECK(!has_string(cJSON_GetObjectItem(pat, "searchInclude"), "Observation:subject"));
    }
    /* The number of parameters listed equals what the table offers. */
    size_t cursor = 0, n = 0;
    while (fhir_searchparam_next(fg_str_c("Patient"), &cursor))
        n++;
    if (pat)
        CHECK_INT(cJSON_GetArraySize(cJSON_GetObjectItem(pat, "searchParam")), n);
    cJSON *sys = cJSON_GetObjectItem(rest, "interaction");
    CHECK_INT(cJSON_GetArraySize(sys), 3);
    cJSON_Delete(cs);
    fg_buf_cleanup(&b);
}

/* With OAuth URLs the first rest entry carries the SMART security block;
 * NULL members are left out of the oauth-uris extension. */
static void test_security(void)
{
    struct fg_buf b;
    fg_buf_init(&b, FG_MAX_RESPONSE_BYTES);
    struct fg_capability_oauth o = {"https://h/auth/authorize", "https://h/auth/token", NULL,
                                    NULL, "https://h/auth/introspect", NULL};
    struct fg_capability_info info = {"https://h/fhir", "9.9.9", 1795435200000000, &o};
    CHECK_INT(fg_capability_write(&info, &b), FG_OK);
    cJSON *cs = cJSON_ParseWithLength(b.data, b.len);
    cJSON *rest = cJSON_GetArrayItem(cJSON_GetObjectItem(cs, "rest"), 0);
    cJSON *sec = cJSON_GetObjectItem(rest, "security");
    CHECK(sec != NULL);
    cJSON *coding = cJSON_GetArrayItem(
        cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(sec, "service"), 0), "coding"), 0);
    CHECK_STR(cJSON_GetObjectItem(coding, "code")->valuestring, "SMART-on-FHIR");
    cJSON *ext = cJSON_GetArrayItem(cJSON_GetObjectItem(sec, "extension"), 0);
    CHECK_STR(cJSON_GetObjectItem(ext, "url")->valuestring,
              "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris");
    cJSON *inner = cJSON_GetObjectItem(ext, "extension");
    CHECK_INT(cJSON_GetArraySize(inner), 3);
    CHECK_STR(cJSON_GetObjectItem(cJSON_GetArrayItem(inner, 1), "url")->valuestring, "token");
    CHECK_STR(cJSON_GetObjectItem(cJSON_GetArrayItem(inner, 1), "valueUri")->valuestring,
              "https://h/auth/token");
    cJSON_Delete(cs);
    fg_buf_cleanup(&b);
}

TEST_MAIN(test_capability, test_security)
