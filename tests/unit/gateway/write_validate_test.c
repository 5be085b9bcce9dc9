/* write_validate_test.c - claimed or implied US Core profiles on API writes: which
 * resources are checked, and what the error names. */
#include "../test.h"

#include <cJSON.h>

#include "core/fg_pool.h"
#include "gateway/write_validate.h"

#define PROBLEMS "http://hl7.org/fhir/us/core/StructureDefinition/us-core-condition-problems-health-concerns"

#define CONDITION_BODY                                                                           \
    "\"clinicalStatus\":{\"coding\":[{\"system\":"                                               \
    "\"http://terminology.hl7.org/CodeSystem/condition-clinical\",\"code\":\"active\"}]},"       \
    "\"code\":{\"text\":\"Hypertension\"},\"subject\":{\"reference\":\"Patient/p1\"}"

#define CATEGORY                                                                                 \
    "\"category\":[{\"coding\":[{\"system\":"                                                    \
    "\"http://terminology.hl7.org/CodeSystem/condition-category\","                              \
    "\"code\":\"problem-list-item\"}]}],"

static void test_table(void)
{
    static const struct {
        const char *json;
        const char *where;
        enum fg_status want;
        const char *expression; /* of the error, when want is FG_EUNPROC */
        const char *diag_has;
    } rows[] = {
        /* valid against the claimed profile */
        {"{\"resourceType\":\"Condition\",\"meta\":{\"profile\":[\"" PROBLEMS "\"]}," CATEGORY
         CONDITION_BODY "}", "", FG_OK, NULL, NULL},
        /* the version suffix is accepted */
        {"{\"resourceType\":\"Condition\",\"meta\":{\"profile\":[\"" PROBLEMS "|7.0.0\"]},"
         CATEGORY CONDITION_BODY "}", "", FG_OK, NULL, NULL},
        /* the profile requires a category */
        {"{\"resourceType\":\"Condition\",\"meta\":{\"profile\":[\"" PROBLEMS "\"]},"
         CONDITION_BODY "}", "", FG_EUNPROC, "Condition.category", PROBLEMS},
        /* where prefixes the diagnostics */
        {"{\"resourceType\":\"Condition\",\"meta\":{\"profile\":[\"" PROBLEMS "\"]},"
         CONDITION_BODY "}", "Bundle.entry[3].resource", FG_EUNPROC, "Condition.category",
         "Bundle.entry[3].resource: "},
        /* an unknown profile first, then a known one that fails */
        {"{\"resourceType\":\"Condition\",\"meta\":{\"profile\":[\"http://example.org/x\",\""
         PROBLEMS "\"]}," CONDITION_BODY "}", "", FG_EUNPROC, "Condition.category", PROBLEMS},
        /* no claim and no category: no profile implied, not validated */
        {"{\"resourceType\":\"Condition\"," CONDITION_BODY "}", "", FG_OK, NULL, NULL},
        /* no claim: the category implies the problem profile, which passes ... */
        {"{\"resourceType\":\"Condition\"," CATEGORY CONDITION_BODY "}", "", FG_OK, NULL, NULL},
        /* ... and fails without a subject */
        {"{\"resourceType\":\"Condition\"," CATEGORY
         "\"code\":{\"text\":\"Hypertension\"}}", "", FG_EUNPROC, "Condition.subject", PROBLEMS},
        /* no claim: a Patient is checked against us-core-patient */
        {"{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"Shaw\"}],\"gender\":\"female\"}",
         "", FG_EUNPROC, "Patient.identifier", "us-core-patient"},
        /* no claim: a heart rate by its code, without its category */
        {"{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"coding\":[{\"system\":"
         "\"http://loinc.org\",\"code\":\"8867-4\"}]},\"subject\":{\"reference\":\"Patient/p1\"},"
         "\"effectiveDateTime\":\"2024-01-02\",\"valueQuantity\":{\"value\":70,\"system\":"
         "\"http://unitsofmeasure.org\",\"code\":\"/min\",\"unit\":\"/min\"}}",
         "", FG_EUNPROC, "Observation.category", "us-core-heart-rate"},
        /* a Device implies no profile (US Core's is for implantable devices) */
        {"{\"resourceType\":\"Device\",\"deviceName\":[{\"name\":\"watch\",\"type\":\"user-friendly-name\"}]}",
         "", FG_OK, NULL, NULL},
        /* an unknown claimed profile: the implied one is checked */
        {"{\"resourceType\":\"Condition\",\"meta\":{\"profile\":[\"http://example.org/x\"]}," CATEGORY
         "\"code\":{\"text\":\"Hypertension\"}}", "", FG_EUNPROC, "Condition.subject", PROBLEMS},
        /* only unknown profiles: not validated */
        {"{\"resourceType\":\"Condition\",\"meta\":{\"profile\":[\"http://example.org/x\"]},"
         CONDITION_BODY "}", "", FG_OK, NULL, NULL},
        /* meta without profile */
        {"{\"resourceType\":\"Condition\",\"meta\":{\"source\":\"x\"}," CONDITION_BODY "}", "",
         FG_OK, NULL, NULL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        cJSON *res = cJSON_Parse(rows[i].json);
        struct fg_pool *pool = fg_pool_new();
        struct fg_error err;
        fg_error_clear(&err);
        CHECK(res != NULL && pool != NULL);
        if (!res || !pool) {
            cJSON_Delete(res);
            fg_pool_free(&pool);
            continue;
        }
        CHECK_INT(fg_write_validate(pool, res, rows[i].where, &err), rows[i].want);
        if (rows[i].want == FG_EUNPROC) {
            CHECK_STR(err.expression, rows[i].expression);
            CHECK_INT(fg_error_http_status(&err), 422);
            CHECK(strstr(err.diagnostics, rows[i].diag_has) != NULL);
        } else {
            CHECK_INT(err.status, FG_OK);
        }
        cJSON_Delete(res);
        fg_pool_free(&pool);
    }
}

TEST_MAIN(test_table)
