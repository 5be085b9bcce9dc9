/* appwrite_test.c - what a patient's app POSTs: units, tag, performer, profile checks. */
#include "../test.h"

#include <string.h>

#include <cJSON.h>

#include "core/fg_pool.h"
#include "import/imp_appwrite.h"

static const struct imp_app app = {FG_STR_LIT("amy"), FG_STR_LIT("bp-cuff-app")};

/* A valid US Core heart-rate Observation with the unit text u (NULL: no valueQuantity.unit),
 * code c (NULL: none) and system s (NULL: none). */
static cJSON *heart_rate(const char *u, const char *c, const char *s)
{
    cJSON *o = cJSON_Parse(
        "{\"resourceType\":\"Observation\",\"status\":\"final\","
        "\"category\":[{\"coding\":[{\"system\":"
        "\"http://terminology.hl7.org/CodeSystem/observation-category\",\"code\":\"vital-signs\"}]}],"
        "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8867-4\"}]},"
        "\"subject\":{\"reference\":\"Patient/amy\"},"
        "\"effectiveDateTime\":\"2026-11-20T08:15:00Z\","
        "\"device\":{\"display\":\"Wahoo TICKR\"},"
        "\"valueQuantity\":{\"value\":61}}");
    cJSON *q = cJSON_GetObjectItemCaseSensitive(o, "valueQuantity");
    if (u)
        cJSON_AddStringToObject(q, "unit", u);
    if (c)
        cJSON_AddStringToObject(q, "code", c);
    if (s)
        cJSON_AddStringToObject(q, "system", s);
    return o;
}

static const char *qfield(const cJSON *obs, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(obs, "valueQuantity"), name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The unit normalisation table, one row per rule (issue 6). */
static void test_units(void)
{
    static const struct {
        const char *q; /* the Quantity as sent */
        enum fg_status st;
        const char *code, *unit, *expr; /* stored code and unit; or the expression refused */
    } rows[] = {
        {"{\"value\":120,\"unit\":\"mmHg\"}", FG_OK, "mm[Hg]", "mmHg", NULL},
        {"{\"value\":120,\"code\":\"mmHg\",\"system\":\"http://unitsofmeasure.org\"}", FG_OK,
         "mm[Hg]", "mmHg", NULL},
        {"{\"value\":160,\"unit\":\"lbs\"}", FG_OK, "[lb_av]", "lbs", NULL},
        {"{\"value\":61,\"unit\":\"count/min\"}", FG_OK, "/min", "count/min", NULL},
        {"{\"value\":37.1,\"unit\":\"\xc2\xb0"
         "C\"}",
         FG_OK, "Cel", "\xc2\xb0"
                       "C",
         NULL},
        {"{\"value\":61,\"unit\":\"beats per minute\",\"code\":\"/min\","
         "\"system\":\"http://unitsofmeasure.org\"}",
         FG_OK, "/min", "beats per minute", NULL},
        {"{\"value\":72,\"unit\":\"kg\"}", FG_OK, "kg", "kg", NULL},
        {"{\"value\":3,\"unit\":\"stone\"}", FG_EUNPROC, NULL, NULL, "X.unit"},
        {"{\"value\":3,\"code\":\"st\",\"system\":\"http://unitsofmeasure.org\"}", FG_EUNPROC,
         NULL, NULL, "X.code"},
        {"{\"value\":3,\"code\":\"kg\",\"system\":\"http://snomed.info/sct\"}", FG_EUNPROC, NULL,
         NULL, "X.system"},
        {"{\"value\":3}", FG_OK, NULL, NULL, NULL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        cJSON *q = cJSON_Parse(rows[i].q);
        struct fg_error err;
        fg_error_clear(&err);
        CHECK(q != NULL);
        CHECK_INT(imp_appwrite_quantity(q, "X", &err), rows[i].st);
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(q, "code");
        const cJSON *unit = cJSON_GetObjectItemCaseSensitive(q, "unit");
        if (rows[i].st == FG_OK && rows[i].code) {
            CHECK_STR(cJSON_IsString(code) ? code->valuestring : NULL, rows[i].code);
            CHECK_STR(cJSON_IsString(unit) ? unit->valuestring : NULL, rows[i].unit);
            const cJSON *sys = cJSON_GetObjectItemCaseSensitive(q, "system");
            CHECK_STR(cJSON_IsString(sys) ? sys->valuestring : NULL,
                      "http://unitsofmeasure.org");
        } else if (rows[i].st == FG_OK) {
            CHECK(code == NULL);
        } else {
            CHECK_STR(err.expression, rows[i].expr);
        }
        cJSON_Delete(q);
    }
}

static void test_prepare_marks_patient_supplied(void)
{
    struct fg_pool *pool = fg_pool_new();
    struct fg_error err;
    fg_error_clear(&err);
    cJSON *o = heart_rate("count/min", NULL, NULL);
    CHECK_INT(imp_appwrite_prepare(o, &app, pool, NULL, &err), FG_OK);
    CHECK_STR(qfield(o, "code"), "/min");
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(o, "meta");
    const cJSON *tag = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(meta, "tag"), 0);
    CHECK_STR(cJSON_GetObjectItemCaseSensitive(tag, "code")->valuestring, "patient-supplied");
    CHECK_STR(cJSON_GetObjectItemCaseSensitive(meta, "source")->valuestring,
              "urn:fhirgate:client:bp-cuff-app");
    const cJSON *perf = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(o, "performer"), 0);
    CHECK_STR(cJSON_GetObjectItemCaseSensitive(perf, "reference")->valuestring, "Patient/amy");
    const cJSON *dev = cJSON_GetObjectItemCaseSensitive(o, "device");
    CHECK_STR(cJSON_GetObjectItemCaseSensitive(dev, "display")->valuestring, "Wahoo TICKR");
    /* Twice: still one tag, one performer. */
    CHECK_INT(imp_appwrite_prepare(o, &app, pool, NULL, &err), FG_OK);
    CHECK_INT(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(meta, "tag")), 1);
    CHECK_INT(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "performer")), 1);
    cJSON_Delete(o);
    fg_pool_free(&pool);
}

/* Each refusal names the element (422). */
static void test_prepare_refusals(void)
{
    static const struct {
        const char *edit; /* JSON object merged over a valid heart rate (null deletes) */
        enum fg_status st;
        const char *expr_prefix;
    } rows[] = {
        {"{\"valueQuantity\":{\"value\":61,\"unit\":\"beats\"}}", FG_EUNPROC,
         "Observation.valueQuantity.unit"},
        {"{\"valueQuantity\":{\"value\":61,\"unit\":\"kg\"}}", FG_EUNPROC,
         "Observation.valueQuantity"},
        {"{\"status\":null}", FG_EUNPROC, "Observation"},
        {"{\"effectiveDateTime\":null}", FG_EUNPROC, "Observation"},
        {"{\"category\":null}", FG_EUNPROC, "Observation"},
        {"{\"identifier\":[{\"system\":\"urn:fhirgate:import-key\",\"value\":\"sha256:00\"}]}",
         FG_EUNPROC, "Observation.identifier[0].system"},
        {"{\"resourceType\":\"Patient\"}", FG_EINVAL, "resourceType"},
        {"{\"subject\":{\"reference\":\"Patient/daniel\"}}", FG_EFORBIDDEN, "Observation.subject"},
        {"{\"subject\":null}", FG_EFORBIDDEN, "Observation.subject"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct fg_pool *pool = fg_pool_new();
        struct fg_error err;
        fg_error_clear(&err);
        cJSON *o = heart_rate("/min", NULL, NULL), *edit = cJSON_Parse(rows[i].edit), *e;
        CHECK(edit != NULL);
        cJSON_ArrayForEach(e, edit) {
            cJSON_DeleteItemFromObjectCaseSensitive(o, e->string);
            if (!cJSON_IsNull(e))
                cJSON_AddItemToObject(o, e->string, cJSON_Duplicate(e, true));
        }
        CHECK_INT(imp_appwrite_prepare(o, &app, pool, NULL, &err), rows[i].st);
        CHECK(strncmp(err.expression, rows[i].expr_prefix, strlen(rows[i].expr_prefix)) == 0);
        if (strncmp(err.expression, rows[i].expr_prefix, strlen(rows[i].expr_prefix)) != 0)
            fprintf(stderr, "  row %zu: expression \"%s\": %s\n", i, err.expression,
                    err.diagnostics);
        cJSON_Delete(edit);
        cJSON_Delete(o);
        fg_pool_free(&pool);
    }
}

static void test_blood_pressure_components(void)
{
    struct fg_pool *pool = fg_pool_new();
    struct fg_error err;
    fg_error_clear(&err);
    cJSON *o = cJSON_Parse(
        "{\"resourceType\":\"Observation\",\"status\":\"final\","
        "\"category\":[{\"coding\":[{\"system\":"
        "\"http://terminology.hl7.org/CodeSystem/observation-category\",\"code\":\"vital-signs\"}]}],"
        "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"85354-9\"}]},"
        "\"subject\":{\"reference\":\"Patient/amy\"},"
        "\"effectiveDateTime\":\"2026-11-20T08:15:00Z\","
        "\"component\":[{\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":"
        "\"8480-6\"}]},\"valueQuantity\":{\"value\":125,\"unit\":\"mmHg\"}},"
        "{\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8462-4\"}]},"
        "\"valueQuantity\":{\"value\":74,\"unit\":\"mmHg\"}}]}");
    CHECK_INT(imp_appwrite_prepare(o, &app, pool, NULL, &err), FG_OK);
    const cJSON *c1 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(o, "component"), 1);
    CHECK_STR(qfield(c1, "code"), "mm[Hg]");
    cJSON_Delete(o);
    fg_pool_free(&pool);
}

static void test_entered_in_error(void)
{
    struct fg_pool *pool = fg_pool_new();
    struct fg_error err;
    cJSON *stored = heart_rate("/min", NULL, NULL);
    fg_error_clear(&err);
    CHECK_INT(imp_appwrite_prepare(stored, &app, pool, NULL, &err), FG_OK);
    cJSON *upd = cJSON_Duplicate(stored, true);
    cJSON_ReplaceItemInObjectCaseSensitive(upd, "status", cJSON_CreateString("entered-in-error"));
    CHECK_INT(imp_appwrite_check_update(stored, upd, &app, &err), FG_OK);
    struct imp_app other = {FG_STR_LIT("amy"), FG_STR_LIT("another-app")};
    fg_error_clear(&err);
    CHECK_INT(imp_appwrite_check_update(stored, upd, &other, &err), FG_EFORBIDDEN);
    /* what the store sets in meta may differ; the patient-supplied tag, source and security
     * labels may not (nor may meta go) */
    cJSON *meta = cJSON_GetObjectItemCaseSensitive(upd, "meta");
    cJSON_AddStringToObject(meta, "versionId", "7");
    cJSON_AddStringToObject(meta, "lastUpdated", "2026-11-23T00:00:00Z");
    fg_error_clear(&err);
    CHECK_INT(imp_appwrite_check_update(stored, upd, &app, &err), FG_OK);
    static const char *const meta_edits[] = {"tag", "source", "security", NULL};
    for (size_t i = 0; i < sizeof meta_edits / sizeof meta_edits[0]; i++) {
        cJSON *x = cJSON_Duplicate(upd, true);
        cJSON *xm = cJSON_GetObjectItemCaseSensitive(x, "meta");
        if (!meta_edits[i])
            cJSON_DeleteItemFromObjectCaseSensitive(x, "meta");
        else if (strcmp(meta_edits[i], "security") == 0)
            cJSON_AddItemToObject(xm, "security", cJSON_CreateArray());
        else
            cJSON_DeleteItemFromObjectCaseSensitive(xm, meta_edits[i]);
        fg_error_clear(&err);
        CHECK_INT(imp_appwrite_check_update(stored, x, &app, &err), FG_EUNPROC);
        cJSON_Delete(x);
    }
    cJSON_ReplaceItemInObjectCaseSensitive(upd, "effectiveDateTime",
                                           cJSON_CreateString("2026-11-21T08:15:00Z"));
    fg_error_clear(&err);
    CHECK_INT(imp_appwrite_check_update(stored, upd, &app, &err), FG_EUNPROC);
    cJSON_ReplaceItemInObjectCaseSensitive(upd, "status", cJSON_CreateString("amended"));
    fg_error_clear(&err);
    CHECK_INT(imp_appwrite_check_update(stored, upd, &app, &err), FG_EUNPROC);
    CHECK_STR(err.expression, "Observation.status");
    cJSON_Delete(upd);
    cJSON_Delete(stored);
    fg_pool_free(&pool);
}

TEST_MAIN(test_units, test_prepare_marks_patient_supplied, test_prepare_refusals,
          test_blood_pressure_components, test_entered_in_error)
