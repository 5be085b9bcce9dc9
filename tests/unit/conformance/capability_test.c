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

/* The statement info describes, parsed; NULL (a failed check) when it does
 * not write or parse. The caller deletes it. */
static cJSON *written(const struct fg_capability_info *info)
{
    struct fg_buf b;
    fg_buf_init(&b, FG_MAX_RESPONSE_BYTES);
    CHECK_INT(fg_capability_write(info, &b), FG_OK);
    cJSON *cs = cJSON_ParseWithLength(b.data, b.len);
    fg_buf_cleanup(&b);
    CHECK(cs != NULL);
    return cs;
}

static void test_capability(void)
{
    struct fg_capability_info info = {"http://h:1/fhir", "9.9.9", 1795435200000000, NULL};
    cJSON *cs = written(&info);
    if (!cs)
        return;
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
    const struct fhir_searchparam *sp;
    while ((sp = fhir_searchparam_next(fg_str_c("Patient"), &cursor)) != NULL)
        n += fg_capability_param_declared(sp);
    if (pat)
        CHECK_INT(cJSON_GetArraySize(cJSON_GetObjectItem(pat, "searchParam")), n);
    cJSON *sys = cJSON_GetObjectItem(rest, "interaction");
    CHECK_INT(cJSON_GetArraySize(sys), 3);
    cJSON_Delete(cs);
}

/* With OAuth URLs the first rest entry carries the SMART security block;
 * NULL members are left out of the oauth-uris extension. */
static void test_security(void)
{
    struct fg_capability_oauth o = {"https://h/auth/authorize", "https://h/auth/token", NULL,
                                    NULL, "https://h/auth/introspect", NULL};
    struct fg_capability_info info = {"https://h/fhir", "9.9.9", 1795435200000000, &o};
    cJSON *cs = written(&info);
    if (!cs)
        return;
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
}

/* The value of the capabilitystatement-expectation extension of obj, or "". */
static const char *expectation(const cJSON *obj)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(obj, "extension"))
    {
        const cJSON *url = cJSON_GetObjectItem(e, "url");
        if (cJSON_IsString(url) && strstr(url->valuestring, "capabilitystatement-expectation"))
            return cJSON_GetObjectItem(e, "valueCode")->valuestring;
    }
    return "";
}

/* The expectation of the combination of exactly these params ("" if none). */
static const char *combo(const cJSON *res, const char *const *params, size_t n)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(res, "extension"))
    {
        if (!strstr(cJSON_GetObjectItem(e, "url")->valuestring, "search-parameter-combination"))
            continue;
        size_t found = 0, required = 0;
        const cJSON *x;
        cJSON_ArrayForEach(x, cJSON_GetObjectItem(e, "extension"))
        {
            if (strcmp(cJSON_GetObjectItem(x, "url")->valuestring, "required") != 0)
                continue;
            required++;
            for (size_t i = 0; i < n; i++)
                found += strcmp(cJSON_GetObjectItem(x, "valueString")->valuestring, params[i]) == 0;
        }
        if (required == n && found == n)
            return expectation(e);
    }
    return "";
}

/* US Core 7.0.0 server declarations (checklist C-2, U-1). */
static void test_uscore(void)
{
    struct fg_capability_info info = {"http://h:1/fhir", "9.9.9", 1795435200000000, NULL};
    cJSON *cs = written(&info);
    if (!cs)
        return;
    CHECK(has_string(cJSON_GetObjectItem(cs, "instantiates"),
                     "http://hl7.org/fhir/us/core/CapabilityStatement/us-core-server|7.0.0"));
    cJSON *res = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(cs, "rest"), 0),
                                     "resource");
    cJSON *obs = find_type(res, "Observation"), *doc = find_type(res, "DocumentReference");
    cJSON *mr = find_type(res, "MedicationRequest"), *pat = find_type(res, "Patient");
    cJSON *acct = find_type(res, "Account");
    CHECK(obs && doc && mr && pat && acct);
    if (!obs || !doc || !mr || !pat || !acct) {
        cJSON_Delete(cs);
        return;
    }
    CHECK_STR(expectation(obs), "SHALL");
    CHECK(has_string(cJSON_GetObjectItem(obs, "supportedProfile"),
                     "http://hl7.org/fhir/us/core/StructureDefinition/us-core-heart-rate|7.0.0"));
    CHECK(has_string(cJSON_GetObjectItem(obs, "supportedProfile"),
                     "http://hl7.org/fhir/us/core/StructureDefinition/us-core-average-blood-pressure|7.0.0"));
    CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(obs, "supportedProfile")) >= 20);
    /* alone MAY; SHALL only in combinations (US Core's own facts) */
    CHECK_STR(expectation(find_param(cJSON_GetObjectItem(obs, "searchParam"), "patient")), "MAY");
    CHECK_STR(expectation(find_param(cJSON_GetObjectItem(pat, "searchParam"), "name")), "SHALL");
    CHECK_STR(expectation(find_param(cJSON_GetObjectItem(pat, "searchParam"), "_id")), "SHALL");
    CHECK_STR(expectation(find_param(cJSON_GetObjectItem(obs, "searchParam"), "based-on")), "");
    static const char *const pcd[] = {"patient", "category", "date"};
    static const char *const pcs[] = {"patient", "category", "status"};
    static const char *const pi[] = {"patient", "intent"};
    CHECK_STR(combo(obs, pcd, 3), "SHALL");
    CHECK_STR(combo(obs, pcs, 3), "SHOULD");
    CHECK_STR(combo(mr, pi, 2), "SHALL");
    CHECK(has_string(cJSON_GetObjectItem(mr, "searchInclude"), "MedicationRequest:medication"));
    CHECK(has_string(cJSON_GetObjectItem(mr, "searchRevInclude"), "Provenance:target"));
    /* Provenance:target listed once although both sources add it */
    int prov = 0;
    const cJSON *x;
    cJSON_ArrayForEach(x, cJSON_GetObjectItem(mr, "searchRevInclude"))
        prov += strcmp(x->valuestring, "Provenance:target") == 0;
    CHECK_INT(prov, 1);
    const cJSON *op = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "operation"), 0);
    CHECK(op != NULL);
    if (op) {
        CHECK_STR(cJSON_GetObjectItem(op, "name")->valuestring, "docref");
        CHECK_STR(cJSON_GetObjectItem(op, "definition")->valuestring,
                  "http://hl7.org/fhir/us/core/OperationDefinition/docref");
        CHECK_STR(expectation(op), "SHALL");
    }
    CHECK(cJSON_GetObjectItem(acct, "supportedProfile") == NULL);
    CHECK(find_param(cJSON_GetObjectItem(pat, "searchParam"), "_text") == NULL);
    cJSON_Delete(cs);
}

/* The export operation named `name`'s definition on an entry, or "". */
static const char *export_definition(const cJSON *entry)
{
    const cJSON *op;
    cJSON_ArrayForEach(op, cJSON_GetObjectItem(entry, "operation"))
    {
        const cJSON *n = cJSON_GetObjectItem(op, "name");
        if (cJSON_IsString(n) && strcmp(n->valuestring, "export") == 0)
            return cJSON_GetObjectItem(op, "definition")->valuestring;
    }
    return "";
}

/* Bulk Data 2.0 (checklist B-4): instantiates, and export on the system,
 * Patient and Group with the IG's OperationDefinitions. */
static void test_bulk(void)
{
    struct fg_capability_info info = {"http://h:1/fhir", "9.9.9", 1795435200000000, NULL};
    cJSON *cs = written(&info);
    if (!cs)
        return;
    CHECK(has_string(cJSON_GetObjectItem(cs, "instantiates"),
                     "http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data"));
    CHECK(has_string(cJSON_GetObjectItem(cs, "instantiates"),
                     "http://hl7.org/fhir/us/core/CapabilityStatement/us-core-server|7.0.0"));
    cJSON *rest = cJSON_GetArrayItem(cJSON_GetObjectItem(cs, "rest"), 0);
    cJSON *res = cJSON_GetObjectItem(rest, "resource");
    CHECK_STR(export_definition(rest), "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export");
    CHECK_STR(export_definition(find_type(res, "Patient")),
              "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export");
    CHECK_STR(export_definition(find_type(res, "Group")),
              "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export");
    CHECK_STR(export_definition(find_type(res, "Observation")), "");
    cJSON_Delete(cs);
}

TEST_MAIN(test_capability, test_security, test_uscore, test_bulk)
