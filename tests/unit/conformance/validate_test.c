/* validate_test.c - the US Core validator over hand-made resources: valid ones
 * validate clean, each broken one yields the expected expression and message. */
#include "../test.h"

#include <cJSON.h>

#include "conformance/validate.h"
#include "conformance/validate_internal.h"
#include "core/fg_buf.h"
#include "core/fg_pool.h"

/* ---- resources ------------------------------------------------------------------------ */

#define VS_CAT                                                                                     \
    "\"category\":[{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/observation-" \
    "category\",\"code\":\"vital-signs\"}]}]"
#define HR_CODE "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8867-4\"}]}"
#define SUBJ "\"subject\":{\"reference\":\"Patient/p1\"}"
#define WHEN "\"effectiveDateTime\":\"2024-01-02T10:00:00Z\""
#define HR_VALUE                                                                                   \
    "\"valueQuantity\":{\"value\":72,\"unit\":\"beats/minute\",\"system\":\"http://unitsofmeasure." \
    "org\",\"code\":\"/min\"}"
#define HR_PROFILE "\"meta\":{\"profile\":[\"http://hl7.org/fhir/us/core/StructureDefinition/us-core-heart-rate\"]}"
#define BP_PROFILE "\"meta\":{\"profile\":[\"http://hl7.org/fhir/us/core/StructureDefinition/us-core-blood-pressure\"]}"
#define BP_CODE "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"85354-9\"}]}"
#define COMP(loinc, unit)                                                                         \
    "{\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"" loinc "\"}]},"          \
    "\"valueQuantity\":{\"value\":120,\"unit\":\"mmHg\",\"system\":\"http://unitsofmeasure.org\"," \
    "\"code\":\"" unit "\"}}"

#define PROBLEM_CAT                                                                                \
    "{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/condition-category\","      \
    "\"code\":\"problem-list-item\"}]}"

#define HR(extra) "{\"resourceType\":\"Observation\",\"id\":\"hr1\"," extra "}"

static const char hr_valid[] =
    HR("\"status\":\"final\"," VS_CAT "," HR_CODE "," SUBJ "," WHEN "," HR_VALUE);

static const char bp_valid[] =
    "{\"resourceType\":\"Observation\",\"id\":\"bp1\",\"status\":\"final\"," VS_CAT "," BP_CODE
    "," SUBJ "," WHEN ",\"component\":[" COMP("8480-6", "mm[Hg]") "," COMP("8462-4", "mm[Hg]") "]}";

static const char patient_valid[] =
    "{\"resourceType\":\"Patient\",\"id\":\"p1\","
    "\"meta\":{\"profile\":[\"http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient\"]},"
    "\"extension\":[{\"url\":\"http://hl7.org/fhir/us/core/StructureDefinition/us-core-race\","
    "\"extension\":[{\"url\":\"ombCategory\",\"valueCoding\":{\"system\":\"urn:oid:2.16.840.1.113883.6.238\","
    "\"code\":\"2106-3\"}},{\"url\":\"text\",\"valueString\":\"White\"}]}],"
    "\"identifier\":[{\"system\":\"http://hospital.example.org\",\"value\":\"1032702\"}],"
    "\"name\":[{\"family\":\"Shaw\",\"given\":[\"Amy\",\"V.\"]}],"
    "\"telecom\":[{\"system\":\"phone\",\"value\":\"555-555-5555\",\"use\":\"home\"}],"
    "\"gender\":\"female\",\"birthDate\":\"1987-02-20\","
    "\"address\":[{\"line\":[\"49 Meadow St\"],\"city\":\"Mounds\",\"state\":\"OK\",\"postalCode\":\"74047\"}]}";

struct vcase {
    const char *name;
    const char *json;
    const char *profile;      /* NULL: meta.profile or implied */
    enum fg_status want_rc;
    const char *want_profile; /* the profile chosen, or NULL to skip */
    const char *want_expr;    /* an issue with this expression ... */
    const char *want_msg;     /* ... and this message (prefix) */
};

static const struct vcase cases[] = {
    {"heart rate (implied)", hr_valid, NULL, FG_OK,
     "http://hl7.org/fhir/us/core/StructureDefinition/us-core-heart-rate", NULL, NULL},
    {"blood pressure (implied)", bp_valid, NULL, FG_OK,
     "http://hl7.org/fhir/us/core/StructureDefinition/us-core-blood-pressure", NULL, NULL},
    {"patient (meta.profile)", patient_valid, NULL, FG_OK,
     "http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient", NULL, NULL},
    {"missing status", HR(VS_CAT "," HR_CODE "," SUBJ "," WHEN "," HR_VALUE), NULL, FG_EUNPROC, NULL,
     "Observation.status", "Observation.status: minimum required = 1, but only found 0"},
    {"wrong category slice",
     HR(HR_PROFILE ",\"status\":\"final\",\"category\":[{\"coding\":[{\"system\":\"http://terminology.hl7.org/"
                   "CodeSystem/observation-category\",\"code\":\"laboratory\"}]}]," HR_CODE "," SUBJ "," WHEN
                   "," HR_VALUE),
     NULL, FG_EUNPROC, NULL, "Observation.category",
     "Slice Observation.category:VSCat: minimum required = 1, but only found 0 (us-core-heart-rate)"},
    {"category slice twice",
     HR(HR_PROFILE ",\"status\":\"final\",\"category\":[{\"coding\":[{\"system\":\"http://terminology.hl7.org/"
                   "CodeSystem/observation-category\",\"code\":\"vital-signs\"}]},{\"coding\":[{\"system\":"
                   "\"http://terminology.hl7.org/CodeSystem/observation-category\",\"code\":\"vital-signs\"}]}],"
                   HR_CODE "," SUBJ "," WHEN "," HR_VALUE),
     NULL, FG_EUNPROC, NULL, "Observation.category",
     "Slice Observation.category:VSCat: maximum allowed = 1, but found 2 (us-core-heart-rate)"},
    {"blood pressure without components",
     "{\"resourceType\":\"Observation\",\"status\":\"final\"," BP_PROFILE "," VS_CAT "," BP_CODE "," SUBJ "," WHEN "}",
     NULL, FG_EUNPROC, NULL, "Observation.component",
     "Slice Observation.component:systolic: minimum required = 1, but only found 0 (us-core-blood-pressure)"},
    {"blood pressure without components (count)",
     "{\"resourceType\":\"Observation\",\"status\":\"final\"," BP_PROFILE "," VS_CAT "," BP_CODE "," SUBJ "," WHEN "}",
     NULL, FG_EUNPROC, NULL, "Observation.component",
     "Observation.component: minimum required = 2, but only found 0 (us-core-blood-pressure)"},
    {"blood pressure unit not UCUM code",
     "{\"resourceType\":\"Observation\",\"status\":\"final\"," VS_CAT "," BP_CODE "," SUBJ "," WHEN
     ",\"component\":[" COMP("8480-6", "mmHg") "," COMP("8462-4", "mm[Hg]") "]}",
     NULL, FG_EUNPROC, "http://hl7.org/fhir/us/core/StructureDefinition/us-core-blood-pressure",
     "Observation.component[0].valueQuantity.code",
     "Value is 'mmHg' but must be 'mm[Hg]' (us-core-blood-pressure)"},
    {"heart rate unit system not UCUM",
     HR("\"status\":\"final\"," VS_CAT "," HR_CODE "," SUBJ "," WHEN
        ",\"valueQuantity\":{\"value\":72,\"unit\":\"bpm\",\"system\":\"http://example.org/units\",\"code\":\"/min\"}"),
     NULL, FG_EUNPROC, NULL, "Observation.valueQuantity.system",
     "Value is 'http://example.org/units' but must be 'http://unitsofmeasure.org' (us-core-heart-rate)"},
    {"bad date format",
     HR("\"status\":\"final\"," VS_CAT "," HR_CODE "," SUBJ ",\"effectiveDateTime\":\"2024-13-01\"," HR_VALUE),
     NULL, FG_EUNPROC, NULL, "Observation.effectiveDateTime", "The value '2024-13-01' is not a valid dateTime"},
    {"dateTime with time but no zone",
     HR("\"status\":\"final\"," VS_CAT "," HR_CODE "," SUBJ ",\"effectiveDateTime\":\"2024-01-02T10:00:00\"," HR_VALUE),
     NULL, FG_EUNPROC, NULL, "Observation.effectiveDateTime", "The value '2024-01-02T10:00:00' is not a valid dateTime"},
    {"unknown element",
     HR("\"status\":\"final\"," VS_CAT "," HR_CODE "," SUBJ "," WHEN "," HR_VALUE ",\"heartRate\":72"), NULL,
     FG_EUNPROC, NULL, "Observation.heartRate", "Unknown element 'heartRate' (not in the Observation definition)"},
    {"unknown element in a datatype",
     HR("\"status\":\"final\"," VS_CAT "," HR_CODE "," SUBJ "," WHEN
        ",\"valueQuantity\":{\"value\":72,\"units\":\"bpm\",\"unit\":\"bpm\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"/min\"}"),
     NULL, FG_EUNPROC, NULL, "Observation.valueQuantity.units", "Unknown element 'units' (not in the Quantity definition)"},
    {"wrong code system",
     HR(HR_PROFILE ",\"status\":\"final\"," VS_CAT ",\"code\":{\"coding\":[{\"system\":\"http://snomed.info/sct\","
                   "\"code\":\"8867-4\"}]}," SUBJ "," WHEN "," HR_VALUE),
     NULL, FG_EUNPROC, NULL, "Observation.code", "Value does not match the required pattern"},
    {"status not in the required value set",
     HR("\"status\":\"done\"," VS_CAT "," HR_CODE "," SUBJ "," WHEN "," HR_VALUE), NULL, FG_EUNPROC, NULL,
     "Observation.status", "The value 'done' is not in the required value set http://hl7.org/fhir/ValueSet/observation-status"},
    {"cardinality over max (array for a single element)",
     HR("\"status\":\"final\"," VS_CAT "," HR_CODE "," SUBJ ",\"effectiveDateTime\":[\"2024-01-02\"]," HR_VALUE),
     NULL, FG_EUNPROC, NULL, "Observation.effectiveDateTime",
     "This element can occur at most once, so it must not be a JSON array"},
    {"repeating element not an array",
     HR("\"status\":\"final\",\"category\":{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/"
        "observation-category\",\"code\":\"vital-signs\"}]}," HR_CODE "," SUBJ "," WHEN "," HR_VALUE),
     NULL, FG_EUNPROC, NULL, "Observation.category", "This element repeats, so it must be a JSON array"},
    {"choice type not allowed by the profile",
     HR(HR_PROFILE ",\"status\":\"final\"," VS_CAT "," HR_CODE "," SUBJ ",\"effectiveInstant\":\"2024-01-02T10:00:00Z\"," HR_VALUE),
     NULL, FG_EUNPROC, NULL, "Observation.effectiveInstant",
     "Type 'instant' is not allowed by profile us-core-heart-rate here (allowed: Period dateTime)"},
    {"reference target not allowed by the profile",
     HR("\"status\":\"final\"," VS_CAT "," HR_CODE ",\"subject\":{\"reference\":\"Group/g1\"}," WHEN "," HR_VALUE),
     NULL, FG_EUNPROC, NULL, "Observation.subject.reference",
     "A reference to a Group is not allowed here (allowed: Patient)"},
    {"reference target not allowed by the base",
     HR("\"status\":\"final\"," VS_CAT "," HR_CODE ",\"subject\":{\"reference\":\"Practitioner/x\"}," WHEN "," HR_VALUE),
     NULL, FG_EUNPROC, NULL, "Observation.subject.reference",
     "A reference to a Practitioner is not allowed here (allowed: Device Group Location Patient)"},
    {"patient without identifier",
     "{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"Shaw\"}],\"gender\":\"female\"}", NULL, FG_EUNPROC,
     "http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient", "Patient.identifier",
     "Patient.identifier: minimum required = 1, but only found 0 (us-core-patient)"},
    {"patient gender not in value set",
     "{\"resourceType\":\"Patient\",\"identifier\":[{\"system\":\"urn:x\",\"value\":\"1\"}],"
     "\"name\":[{\"family\":\"Shaw\"}],\"gender\":\"F\"}",
     NULL, FG_EUNPROC, NULL, "Patient.gender",
     "The value 'F' is not in the required value set http://hl7.org/fhir/ValueSet/administrative-gender"},
    {"patient bad birthDate",
     "{\"resourceType\":\"Patient\",\"identifier\":[{\"system\":\"urn:x\",\"value\":\"1\"}],"
     "\"name\":[{\"family\":\"Shaw\"}],\"gender\":\"female\",\"birthDate\":\"1987-02-30\"}",
     NULL, FG_EUNPROC, NULL, "Patient.birthDate", "The value '1987-02-30' is not a valid date"},
    {"requested profile of another type", patient_valid,
     "http://hl7.org/fhir/us/core/StructureDefinition/us-core-heart-rate|7.0.0", FG_EUNPROC, NULL, "Patient",
     "Profile us-core-heart-rate is for Observation resources, not Patient"},
    {"problem implied by its category",
     "{\"resourceType\":\"Condition\",\"clinicalStatus\":{\"coding\":[{\"system\":\"http://terminology.hl7.org/"
     "CodeSystem/condition-clinical\",\"code\":\"active\"}]},\"category\":[" PROBLEM_CAT "],"
     "\"code\":{\"text\":\"x\"},\"subject\":{\"reference\":\"Patient/p1\"}}",
     NULL, FG_OK, "http://hl7.org/fhir/us/core/StructureDefinition/us-core-condition-problems-health-concerns", NULL, NULL},
    {"problem without a problem category (slice by binding)",
     "{\"resourceType\":\"Condition\",\"meta\":{\"profile\":[\"http://hl7.org/fhir/us/core/StructureDefinition/"
     "us-core-condition-problems-health-concerns\"]},\"category\":[{\"coding\":[{\"system\":\"http://"
     "terminology.hl7.org/CodeSystem/condition-category\",\"code\":\"encounter-diagnosis\"}]}],"
     "\"code\":{\"text\":\"x\"},\"subject\":{\"reference\":\"Patient/p1\"}}",
     NULL, FG_EUNPROC, NULL, "Condition.category",
     "Slice Condition.category:us-core: minimum required = 1, but only found 0 (us-core-condition-problems-health-concerns)"},
    {"race extension without its text (extension definition applied)",
     "{\"resourceType\":\"Patient\",\"identifier\":[{\"system\":\"urn:x\",\"value\":\"1\"}],"
     "\"name\":[{\"family\":\"Shaw\"}],\"gender\":\"female\",\"extension\":[{\"url\":\"http://hl7.org/fhir/"
     "us/core/StructureDefinition/us-core-race\",\"extension\":[{\"url\":\"ombCategory\",\"valueCoding\":"
     "{\"system\":\"urn:oid:2.16.840.1.113883.6.238\",\"code\":\"2106-3\"}}]}]}",
     NULL, FG_EUNPROC, NULL, "Patient.extension[0].extension",
     "Slice Extension.extension:text: minimum required = 1, but only found 0 (us-core-race)"},
    {"birth sex extension with a value of the wrong type",
     "{\"resourceType\":\"Patient\",\"identifier\":[{\"system\":\"urn:x\",\"value\":\"1\"}],"
     "\"name\":[{\"family\":\"Shaw\"}],\"gender\":\"female\",\"extension\":[{\"url\":\"http://hl7.org/fhir/"
     "us/core/StructureDefinition/us-core-birthsex\",\"valueString\":\"F\"}]}",
     NULL, FG_EUNPROC, NULL, "Patient.extension[0].valueString",
     "Type 'string' is not allowed by profile us-core-birthsex here (allowed: code)"},
    {"lab result implied by its laboratory category (not clinical-result)",
     "{\"resourceType\":\"Observation\",\"status\":\"final\",\"category\":[{\"coding\":[{\"system\":\"http://"
     "terminology.hl7.org/CodeSystem/observation-category\",\"code\":\"laboratory\"}]}],\"code\":{\"coding\":"
     "[{\"system\":\"http://loinc.org\",\"code\":\"2345-7\"}]}," SUBJ "," WHEN ",\"valueQuantity\":{\"value\":5,"
     "\"unit\":\"mmol/L\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"mmol/L\"}}",
     NULL, FG_OK, "http://hl7.org/fhir/us/core/StructureDefinition/us-core-observation-lab", NULL, NULL},
    {"exam result implied as clinical-result",
     "{\"resourceType\":\"Observation\",\"status\":\"final\",\"category\":[{\"coding\":[{\"system\":\"http://"
     "terminology.hl7.org/CodeSystem/observation-category\",\"code\":\"exam\"}]}],\"code\":{\"text\":\"JVD\"},"
     SUBJ "," WHEN ",\"valueString\":\"none\"}",
     NULL, FG_OK, "http://hl7.org/fhir/us/core/StructureDefinition/us-core-observation-clinical-result", NULL, NULL},
    {"smoking status implied by its code",
     "{\"resourceType\":\"Observation\",\"status\":\"final\",\"category\":[{\"coding\":[{\"system\":\"http://"
     "terminology.hl7.org/CodeSystem/observation-category\",\"code\":\"social-history\"}]}],\"code\":{\"coding\":"
     "[{\"system\":\"http://loinc.org\",\"code\":\"72166-2\"}]}," SUBJ ",\"effectiveDateTime\":\"2024-01-02\","
     "\"valueCodeableConcept\":{\"coding\":[{\"system\":\"http://snomed.info/sct\",\"code\":\"8517006\"}]}}",
     NULL, FG_OK, "http://hl7.org/fhir/us/core/StructureDefinition/us-core-smokingstatus", NULL, NULL},
    {"not a resource", "[1,2]", NULL, FG_EUNPROC, NULL, "", "A resource is a JSON object with a resourceType string"},
};

static bool has_issue(const struct fg_validation_report *rep, const char *expr, const char *msg)
{
    for (size_t i = 0; i < rep->n_issues; i++)
        if (strcmp(rep->issues[i].expression, expr) == 0 &&
            strncmp(rep->issues[i].message, msg, strlen(msg)) == 0)
            return true;
    return false;
}

static void dump(const struct fg_validation_report *rep)
{
    for (size_t i = 0; i < rep->n_issues; i++)
        fprintf(stderr, "    got: %s: %s\n", rep->issues[i].expression, rep->issues[i].message);
}

static void test_cases(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct vcase *c = &cases[i];
        test_current = c->name;
        struct fg_pool *pool = fg_pool_new();
        cJSON *res = cJSON_Parse(c->json);
        CHECK(res != NULL);
        struct fg_validation_report rep;
        enum fg_status st = fg_validate_resource(pool, res, c->profile, &rep);
        int before = test_failed_checks;
        CHECK_INT(st, c->want_rc);
        if (c->want_profile)
            CHECK_STR(rep.profile_url, c->want_profile);
        if (c->want_rc == FG_OK)
            CHECK_INT(rep.n_errors, 0);
        if (c->want_expr)
            CHECK(has_issue(&rep, c->want_expr, c->want_msg));
        if (test_failed_checks != before)
            dump(&rep);
        cJSON_Delete(res);
        fg_pool_free(&pool);
    }
    test_current = "test_cases";
}

/* ---- primitive formats ------------------------------------------------------------------ */

struct pcase {
    const char *type;
    const char *json; /* the JSON value */
    bool ok;
};

static const struct pcase prims[] = {
    {"id", "\"abc-1.2\"", true},         {"id", "\"a_b\"", false},
    {"id", "\"\"", false},
    {"id", "\"0123456789012345678901234567890123456789012345678901234567890123\"", true},
    {"id", "\"01234567890123456789012345678901234567890123456789012345678901234\"", false},
    {"code", "\"final\"", true},         {"code", "\"two words\"", true},
    {"code", "\" lead\"", false},        {"code", "\"two  spaces\"", false},
    {"code", "\"trail \"", false},       {"code", "1", false},
    {"uri", "\"http://x.org/a\"", true}, {"uri", "\"http://x.org/a b\"", false},
    {"date", "\"2024\"", true},          {"date", "\"2024-02\"", true},
    {"date", "\"2024-02-29\"", true},    {"date", "\"2023-02-29\"", false},
    {"date", "\"2024-1-01\"", false},    {"date", "\"0000\"", false},
    {"date", "\"2024-01-01T10:00:00Z\"", false},
    {"dateTime", "\"2024-01-01T10:00:00Z\"", true},
    {"dateTime", "\"2024-01-01T10:00:00.123+05:30\"", true},
    {"dateTime", "\"2024-01-01T10:00Z\"", false},
    {"dateTime", "\"2024-01-01T24:00:00Z\"", false},
    {"dateTime", "\"2024-01-01T10:00:00+15:00\"", false},
    {"dateTime", "\"2024-01\"", true},
    {"instant", "\"2024-01-01T10:00:00Z\"", true}, {"instant", "\"2024-01-01\"", false},
    {"time", "\"10:00:00\"", true},      {"time", "\"10:00\"", false},
    {"decimal", "1.50", true},           {"decimal", "\"1.5\"", false},
    {"integer", "3", true},              {"integer", "3.5", false},
    {"integer", "2147483648", false},    {"positiveInt", "0", false},
    {"unsignedInt", "0", true},          {"unsignedInt", "-1", false},
    {"boolean", "true", true},           {"boolean", "\"true\"", false},
    {"string", "\"text\"", true},        {"string", "\"\"", false},
    {"string", "\"a\\u0001b\"", false},  {"markdown", "\"# x\"", true},
    {"uuid", "\"urn:uuid:c757873d-ec9a-4326-a141-556f43239520\"", true},
    {"uuid", "\"c757873d-ec9a-4326-a141-556f43239520\"", false},
    {"oid", "\"urn:oid:2.16.840.1.113883\"", true}, {"oid", "\"urn:oid:2..16\"", false},
    {"base64Binary", "\"aGVsbG8=\"", true}, {"base64Binary", "\"aGVsbG8\"", false},
    {"xhtml", "\"<div xmlns=\\\"http://www.w3.org/1999/xhtml\\\">x</div>\"", true},
    {"xhtml", "\"plain\"", false},
};

static void test_primitives(void)
{
    for (size_t i = 0; i < sizeof prims / sizeof prims[0]; i++) {
        cJSON *v = cJSON_Parse(prims[i].json);
        CHECK(v != NULL);
        const char *msg = fg_vprimitive_check(prims[i].type, strlen(prims[i].type), v);
        if ((msg == NULL) != prims[i].ok)
            fprintf(stderr, "    %s %s -> %s\n", prims[i].type, prims[i].json, msg ? msg : "ok");
        CHECK((msg == NULL) == prims[i].ok);
        cJSON_Delete(v);
    }
}

/* ---- pattern containment ---------------------------------------------------------------- */

static void test_contains(void)
{
    static const struct {
        const char *value, *pattern;
        bool want;
    } rows[] = {
        {"{\"coding\":[{\"system\":\"s\",\"code\":\"c\",\"display\":\"d\"}],\"text\":\"t\"}",
         "{\"coding\":[{\"system\":\"s\",\"code\":\"c\"}]}", true},
        {"{\"coding\":[{\"system\":\"s\",\"code\":\"x\"},{\"system\":\"s\",\"code\":\"c\"}]}",
         "{\"coding\":[{\"system\":\"s\",\"code\":\"c\"}]}", true},
        {"{\"coding\":[{\"system\":\"s\"},{\"code\":\"c\"}]}", "{\"coding\":[{\"system\":\"s\",\"code\":\"c\"}]}", false},
        {"{\"coding\":{\"system\":\"s\",\"code\":\"c\"}}", "{\"coding\":[{\"system\":\"s\",\"code\":\"c\"}]}", false},
        {"\"a\"", "\"a\"", true},
        {"\"a\"", "\"A\"", false},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        cJSON *v = cJSON_Parse(rows[i].value), *p = cJSON_Parse(rows[i].pattern);
        CHECK(fg_vjson_contains(v, p) == rows[i].want);
        cJSON_Delete(v);
        cJSON_Delete(p);
    }
}

/* ---- OperationOutcome ------------------------------------------------------------------- */

static void test_outcome(void)
{
    struct fg_pool *pool = fg_pool_new();
    cJSON *res = cJSON_Parse(HR("\"status\":\"done\",\"bad\":1," VS_CAT "," HR_CODE "," SUBJ "," WHEN "," HR_VALUE));
    struct fg_validation_report rep;
    CHECK_INT(fg_validate_resource(pool, res, NULL, &rep), FG_EUNPROC);
    CHECK_INT(rep.n_errors, 2);
    struct fg_buf b;
    fg_buf_init(&b, 1 << 20);
    CHECK_INT(fg_validation_report_to_outcome(&rep, &b), FG_OK);
    cJSON *oo = cJSON_Parse(b.data);
    CHECK(oo != NULL);
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(oo, "resourceType")), "OperationOutcome");
    cJSON *issues = cJSON_GetObjectItemCaseSensitive(oo, "issue");
    CHECK_INT(cJSON_GetArraySize(issues), (int)rep.n_issues + 1);
    cJSON *last = cJSON_GetArrayItem(issues, (int)rep.n_issues);
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(last, "diagnostics")),
              "Checked against http://hl7.org/fhir/us/core/StructureDefinition/us-core-heart-rate "
              "(implied by type/code/category)");
    cJSON *first = cJSON_GetArrayItem(issues, 0);
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(first, "severity")), "error");
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(first, "code")), rep.issues[0].code);
    CHECK_STR(cJSON_GetStringValue(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(first, "expression"), 0)),
              rep.issues[0].expression);
    cJSON_Delete(oo);
    fg_buf_cleanup(&b);

    /* a clean report still gives a valid OperationOutcome */
    cJSON_Delete(res);
    res = cJSON_Parse(hr_valid);
    CHECK_INT(fg_validate_resource(pool, res, NULL, &rep), FG_OK);
    fg_buf_init(&b, 1 << 20);
    CHECK_INT(fg_validation_report_to_outcome(&rep, &b), FG_OK);
    oo = cJSON_Parse(b.data);
    cJSON *only = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(oo, "issue"), 0);
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(only, "severity")), "information");
    cJSON_Delete(oo);
    fg_buf_cleanup(&b);
    cJSON_Delete(res);
    fg_pool_free(&pool);
}

/* A finding reached twice (the same profile claimed twice) is reported once. */
static void test_duplicates(void)
{
    struct fg_pool *pool = fg_pool_new();
    cJSON *res = cJSON_Parse(HR("\"meta\":{\"profile\":[\"http://hl7.org/fhir/us/core/StructureDefinition/us-core-heart-rate\","
                                "\"http://hl7.org/fhir/us/core/StructureDefinition/us-core-heart-rate|7.0.0\"]},"
                                "\"status\":\"final\"," VS_CAT "," HR_CODE "," SUBJ "," WHEN
                                ",\"valueQuantity\":{\"value\":72,\"unit\":\"bpm\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"bpm\"}"));
    struct fg_validation_report rep;
    CHECK_INT(fg_validate_resource(pool, res, NULL, &rep), FG_EUNPROC);
    CHECK_INT(rep.n_errors, 1);
    CHECK_INT(rep.n_issues, 1);
    CHECK_STR(rep.issues[0].expression, "Observation.valueQuantity.code");
    CHECK_STR(rep.profile_source, "meta.profile");
    cJSON_Delete(res);
    fg_pool_free(&pool);
}

/* Must Support coverage: what a heart rate shows is marked, what it lacks
 * (dataAbsentReason, component) is not; a second resource adds to it. */
static void test_must_support(void)
{
    const struct fg_vprofile *p = fg_validate_find_profile("http://hl7.org/fhir/us/core/StructureDefinition/us-core-heart-rate");
    CHECK(p != NULL);
    if (!p)
        return;
    unsigned char present[256] = {0};
    CHECK(p->n_rules <= sizeof present);
    cJSON *res = cJSON_Parse(hr_valid);
    size_t n = fg_validate_must_support(p, res, present);
    CHECK(n > 5);
    size_t status = p->n_rules, dar = p->n_rules, unit = p->n_rules;
    for (size_t i = 0; i < p->n_rules; i++) {
        if (strcmp(p->rules[i].id, "Observation.status") == 0)
            status = i;
        if (strcmp(p->rules[i].id, "Observation.dataAbsentReason") == 0)
            dar = i;
        if (strcmp(p->rules[i].id, "Observation.value[x]:valueQuantity.unit") == 0)
            unit = i;
    }
    CHECK(status < p->n_rules && present[status] == 1);
    CHECK(unit < p->n_rules && present[unit] == 1);
    CHECK(dar < p->n_rules && present[dar] == 0);
    CHECK_INT(fg_validate_must_support(p, res, present), 0); /* nothing new */
    cJSON_Delete(res);
    res = cJSON_Parse(HR("\"status\":\"final\"," VS_CAT "," HR_CODE "," SUBJ "," WHEN
                         ",\"dataAbsentReason\":{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/"
                         "data-absent-reason\",\"code\":\"unknown\"}]}"));
    CHECK_INT(fg_validate_must_support(p, res, present), 1);
    CHECK(dar < p->n_rules && present[dar] == 1);
    cJSON_Delete(res);
}

/* Client bytes in element names must not break the OperationOutcome's JSON. */
static void test_hostile_names(void)
{
    struct fg_pool *pool = fg_pool_new();
    cJSON *res = cJSON_Parse("{\"resourceType\":\"Observation\",\"\\u0001\\\"x\\u00ff\":1}");
    struct fg_validation_report rep;
    CHECK_INT(fg_validate_resource(pool, res, NULL, &rep), FG_EUNPROC);
    struct fg_buf b;
    fg_buf_init(&b, 1 << 20);
    CHECK_INT(fg_validation_report_to_outcome(&rep, &b), FG_OK);
    cJSON *oo = cJSON_Parse(b.data);
    CHECK(oo != NULL);
    CHECK(strchr(b.data, '\x01') == NULL);
    cJSON_Delete(oo);
    fg_buf_cleanup(&b);
    cJSON_Delete(res);
    fg_pool_free(&pool);
}

/* Every generated table row is well formed: fixed/pattern/slice JSON parses,
 * bindings point into the value set table, sorted codes for bsearch. */
static void test_tables(void)
{
    for (size_t i = 0; i < fg_vprofiles_len; i++) {
        const struct fg_vprofile *p = &fg_vprofiles[i];
        CHECK(fg_validate_find_profile(p->url) == p);
        for (size_t k = 0; k < p->n_rules; k++) {
            const struct fg_vrule *r = &p->rules[k];
            const char *texts[] = {r->fixed, r->pattern, r->slice_match};
            for (size_t t = 0; t < 3; t++) {
                if (!texts[t])
                    continue;
                cJSON *j = cJSON_Parse(texts[t]);
                CHECK(j != NULL);
                cJSON_Delete(j);
            }
            CHECK(r->binding < (int)fg_vvaluesets_len);
        }
        /* the facts that imply it: a coding, or a value set that exists */
        const struct fg_vfact *facts[] = {p->imply_code, p->imply_category};
        size_t counts[] = {p->n_imply_code, p->n_imply_category};
        for (size_t t = 0; t < 2; t++) {
            CHECK((facts[t] == NULL) == (counts[t] == 0));
            for (size_t k = 0; k < counts[t]; k++) {
                const struct fg_vfact *f = &facts[t][k];
                CHECK(f->vs >= 0 ? (size_t)f->vs < fg_vvaluesets_len && !f->system
                                 : f->system && f->code);
            }
        }
    }
    /* fg_vbase_find searches the base types by name: sorted in strcmp order */
    for (size_t i = 0; i < fg_vbase_types_len; i++) {
        CHECK(i == 0 || strcmp(fg_vbase_types[i - 1].name, fg_vbase_types[i].name) < 0);
        CHECK(fg_vbase_find(fg_vbase_types[i].name) == &fg_vbase_types[i]);
    }
    CHECK(fg_vbase_find("Observatio") == NULL);
    CHECK(fg_vbase_find("Zzz") == NULL);
    for (size_t i = 0; i < fg_vvaluesets_len; i++)
        for (size_t k = 1; k < fg_vvaluesets[i].n_codes; k++)
            CHECK(strcmp(fg_vvaluesets[i].codes[k - 1], fg_vvaluesets[i].codes[k]) < 0);
    CHECK(fg_validate_find_profile("http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient|7.0.0") != NULL);
    CHECK(fg_validate_find_profile("http://hl7.org/fhir/us/core/StructureDefinition/us-core-pat") == NULL);
}

/* ---- which profile a write that claims none implies ---------------------------------- */

#define US "http://hl7.org/fhir/us/core/StructureDefinition/"
#define OBS_CAT(code) "\"category\":[{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/observation-category\",\"code\":\"" code "\"}]}]"
#define LOINC(code) "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"" code "\"}]}"

static void test_implied(void)
{
    static const struct {
        const char *json;
        const char *want; /* profile url, or NULL */
    } rows[] = {
        /* Observation: code and category, then code alone, then category */
        {"{\"resourceType\":\"Observation\"," OBS_CAT("vital-signs") "," LOINC("8867-4") "}", US "us-core-heart-rate"},
        {"{\"resourceType\":\"Observation\"," LOINC("8867-4") "}", US "us-core-heart-rate"},
        {"{\"resourceType\":\"Observation\"," LOINC("59408-5") "}", US "us-core-pulse-oximetry"},
        {"{\"resourceType\":\"Observation\"," LOINC("39156-5") "}", US "us-core-bmi"},
        {"{\"resourceType\":\"Observation\"," LOINC("9843-4") "}", US "us-core-head-circumference"},
        {"{\"resourceType\":\"Observation\"," LOINC("59576-9") "}", US "pediatric-bmi-for-age"},
        {"{\"resourceType\":\"Observation\"," LOINC("72166-2") "}", US "us-core-smokingstatus"},
        {"{\"resourceType\":\"Observation\"," LOINC("82810-3") "}", US "us-core-observation-pregnancystatus"},
        {"{\"resourceType\":\"Observation\"," LOINC("86645-9") "}", US "us-core-observation-pregnancyintent"},
        {"{\"resourceType\":\"Observation\"," LOINC("11341-5") "}", US "us-core-observation-occupation"},
        {"{\"resourceType\":\"Observation\"," LOINC("76690-7") "}", US "us-core-observation-sexual-orientation"},
        /* an arterial blood gas O2 saturation of the laboratory is a lab result, not pulse oximetry */
        {"{\"resourceType\":\"Observation\"," OBS_CAT("laboratory") "," LOINC("2708-6") "}", US "us-core-observation-lab"},
        {"{\"resourceType\":\"Observation\"," OBS_CAT("laboratory") "," LOINC("2345-7") "}", US "us-core-observation-lab"},
        {"{\"resourceType\":\"Observation\"," OBS_CAT("vital-signs") "," LOINC("8480-6") "}", US "us-core-vital-signs"},
        {"{\"resourceType\":\"Observation\"," OBS_CAT("survey") "," LOINC("44249-1") "}", US "us-core-observation-screening-assessment"},
        {"{\"resourceType\":\"Observation\"," OBS_CAT("social-history") "," LOINC("1-8") "}", US "us-core-simple-observation"},
        {"{\"resourceType\":\"Observation\"," OBS_CAT("imaging") "," LOINC("1-8") "}", US "us-core-observation-clinical-result"},
        /* an Observation of no US Core kind */
        {"{\"resourceType\":\"Observation\"," LOINC("1-8") "}", NULL},
        /* Condition and DiagnosticReport by category */
        {"{\"resourceType\":\"Condition\",\"category\":[" PROBLEM_CAT "]}", US "us-core-condition-problems-health-concerns"},
        {"{\"resourceType\":\"Condition\",\"category\":[{\"coding\":[{\"system\":\"http://terminology.hl7.org/"
         "CodeSystem/condition-category\",\"code\":\"encounter-diagnosis\"}]}]}", US "us-core-condition-encounter-diagnosis"},
        {"{\"resourceType\":\"Condition\"}", NULL},
        {"{\"resourceType\":\"DiagnosticReport\",\"category\":[{\"coding\":[{\"system\":\"http://terminology.hl7.org/"
         "CodeSystem/v2-0074\",\"code\":\"LAB\"}]}]}", US "us-core-diagnosticreport-lab"},
        {"{\"resourceType\":\"DiagnosticReport\",\"category\":[{\"coding\":[{\"system\":\"http://loinc.org\","
         "\"code\":\"LP29684-5\"}]}]}", US "us-core-diagnosticreport-note"},
        /* the type's only profile */
        {"{\"resourceType\":\"DocumentReference\"}", US "us-core-documentreference"},
        {"{\"resourceType\":\"Patient\"}", US "us-core-patient"},
        {"{\"resourceType\":\"Immunization\"}", US "us-core-immunization"},
        {"{\"resourceType\":\"MedicationRequest\"}", US "us-core-medicationrequest"},
        {"{\"resourceType\":\"AllergyIntolerance\"}", US "us-core-allergyintolerance"},
        {"{\"resourceType\":\"Procedure\"}", US "us-core-procedure"},
        {"{\"resourceType\":\"Encounter\"}", US "us-core-encounter"},
        /* US Core's Device profile is for implantable devices only; types it does not profile */
        {"{\"resourceType\":\"Device\"}", NULL},
        {"{\"resourceType\":\"Basic\"}", NULL},
        {"{}", NULL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        cJSON *res = cJSON_Parse(rows[i].json);
        CHECK(res != NULL);
        const char *got = fg_validate_implied_profile(res);
        if (rows[i].want)
            CHECK_STR(got, rows[i].want);
        else
            CHECK(got == NULL);
        cJSON_Delete(res);
    }
}

TEST_MAIN(test_cases, test_implied, test_primitives, test_contains, test_outcome, test_duplicates, test_must_support, test_hostile_names, test_tables)
