/* st_match_test.c - the self-test's own search semantics (st_match.h):
 * paths with choice types, reference / token / string / date matching with
 * FHIR prefixes and Periods, comma OR, the values the kit would search by,
 * and Must Support items with slices, fixed values and extensions. */
#include "../test.h"

#include "conformance/st_match.h"

static const char *const OBS =
    "{\"resourceType\":\"Observation\",\"id\":\"o1\",\"status\":\"final\","
    "\"category\":[{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/observation-category\",\"code\":\"vital-signs\"}]}],"
    "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"85354-9\"}]},"
    "\"subject\":{\"reference\":\"Patient/amy\"},\"effectiveDateTime\":\"2024-06-01T10:30:00Z\","
    "\"component\":[{\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8480-6\"}]},"
    "\"valueQuantity\":{\"value\":120,\"unit\":\"mmHg\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"mm[Hg]\"}},"
    "{\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8462-4\"}]},"
    "\"dataAbsentReason\":{\"coding\":[{\"code\":\"unknown\"}]}}]}";
static const char *const ENC =
    "{\"resourceType\":\"Encounter\",\"id\":\"e1\",\"subject\":{\"reference\":\"http://h/fhir/Patient/amy\"},"
    "\"period\":{\"start\":\"2024-06-01T09:00:00Z\",\"end\":\"2024-06-03T10:00:00Z\"}}";
static const char *const PAT =
    "{\"resourceType\":\"Patient\",\"id\":\"amy\",\"name\":[{\"family\":\"Sample\",\"given\":[\"Amy\"]}],"
    "\"identifier\":[{\"system\":\"urn:x\",\"value\":\"MRN1\"}],\"gender\":\"female\","
    "\"extension\":[{\"url\":\"http://x/race\",\"valueString\":\"r\"}]}";

static void test_match(void)
{
    static const struct {
        const char *res;
        struct fg_kit_param p;
        const char *value;
        bool want;
    } rows[] = {
        {OBS, {"patient", "Reference", "subject", 0, 0, ""}, "amy", true},
        {OBS, {"patient", "Reference", "subject", 0, 0, ""}, "Patient/amy", true},
        {OBS, {"patient", "Reference", "subject", 0, 0, ""}, "http://other/fhir/Patient/amy", true},
        {OBS, {"patient", "Reference", "subject", 0, 0, ""}, "my", false},
        {OBS, {"patient", "Reference", "subject", 0, 0, ""}, "max,amy", true},
        {ENC, {"patient", "Reference", "subject", 0, 0, ""}, "amy", true},
        {OBS, {"code", "CodeableConcept", "code", 0, 0, ""}, "85354-9", true},
        {OBS, {"code", "CodeableConcept", "code", 0, 0, ""}, "http://loinc.org|85354-9", true},
        {OBS, {"code", "CodeableConcept", "code", 0, 0, ""}, "http://snomed.info/sct|85354-9", false},
        {OBS, {"code", "CodeableConcept", "code", 0, 0, ""}, "8867-4,85354-9", true},
        {OBS, {"status", "code", "status", 0, 0, ""}, "FINAL", true},
        {OBS, {"status", "code", "status", 0, 0, ""}, "amended", false},
        {PAT, {"identifier", "Identifier", "identifier", 0, 0, ""}, "urn:x|MRN1", true},
        {PAT, {"identifier", "Identifier", "identifier", 0, 0, ""}, "MRN2", false},
        {PAT, {"name", "HumanName", "name", 0, 0, ""}, "sam", true},
        {PAT, {"name", "HumanName", "name", 0, 0, ""}, "am", true}, /* given Amy */
        {PAT, {"name", "HumanName", "name", 0, 0, ""}, "ample", false},
        {PAT, {"_id", "http://hl7.org/fhirpath/System.String", "id", 0, 0, ""}, "amy", true},
        /* dates: effective[x] by its choice; Periods by range semantics */
        {OBS, {"date", "dateTime", "effective", 0, 0, ""}, "2024-06-01", true},
        {OBS, {"date", "dateTime", "effective", 0, 0, ""}, "2024-06-02", false},
        {OBS, {"date", "dateTime", "effective", 0, 0, ""}, "gt2024-05-31T10:30:00Z", true},
        {OBS, {"date", "dateTime", "effective", 0, 0, ""}, "lt2024-06-01T10:30:00Z", false},
        {OBS, {"date", "dateTime", "effective", 0, 0, ""}, "le2024-06-01T10:30:00Z", true},
        {OBS, {"date", "dateTime", "effective", 0, 0, ""}, "ge2024-06-02", false},
        {OBS, {"date", "dateTime", "effective", 0, 0, ""}, "ne2024-06-02", true},
        {ENC, {"date", "Period", "period", 0, 0, ""}, "2024-06-01", false},
        {ENC, {"date", "Period", "period", 0, 0, ""}, "2024-06", true},
        {ENC, {"date", "Period", "period", 0, 0, ""}, "ge2024-06-02", true},
        {ENC, {"date", "Period", "period", 0, 0, ""}, "gt2024-06-03", false},
        {ENC, {"date", "Period", "period", 0, 0, ""}, "lt2024-06-01T09:00:01Z", true},
        {ENC, {"date", "Period", "period", 0, 0, ""}, "lt2024-06-01T09:00:00Z", false},
        {ENC, {"date", "Period", "period", 0, 0, ""}, "le2024-06-01T09:00:00.000Z", true},
        {ENC, {"date", "Period", "period", 0, 0, ""}, "le2024-06-01T08:59:59.999Z", false},
        {ENC, {"date", "Period", "period", 0, 0, ""}, "ge2024-06-03T10:00:00.000Z", true},
        {ENC, {"date", "Period", "period", 0, 0, ""}, "ge2024-06-03T10:00:01Z", false},
        {ENC, {"date", "Period", "period", 0, 0, ""}, "ap2024-06-02", true},
        {ENC, {"date", "Period", "period", 0, 0, ""}, "notadate", false},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        cJSON *r = cJSON_Parse(rows[i].res);
        bool got = st_match_param(r, &rows[i].p, rows[i].value);
        if (got != rows[i].want)
            fprintf(stderr, "row %zu: %s=%s\n", i, rows[i].p.name, rows[i].value);
        CHECK(got == rows[i].want);
        cJSON_Delete(r);
    }
}

static void test_value_for(void)
{
    static const struct {
        const char *res;
        struct fg_kit_param p;
        bool sys;
        const char *want; /* NULL = none */
    } rows[] = {
        {OBS, {"patient", "Reference", "subject", 0, 0, ""}, false, "amy"},
        {OBS, {"_id", "string", "id", 0, 0, ""}, false, "o1"},
        {OBS, {"code", "CodeableConcept", "code", 0, 0, ""}, false, "85354-9"},
        {OBS, {"code", "CodeableConcept", "code", 0, 0, ""}, true, "http://loinc.org|85354-9"},
        {OBS, {"category", "CodeableConcept", "category", 0, 0, "survey vital-signs"}, false, "vital-signs"},
        {OBS, {"date", "dateTime", "effective", 0, 0, ""}, false, "2024-06-01T10:30:00Z"},
        {ENC, {"date", "Period", "period", 0, 0, ""}, false, "ge2024-06-01"},
        {PAT, {"name", "HumanName", "name", 0, 0, ""}, false, "Sample"},
        {PAT, {"identifier", "Identifier", "identifier", 0, 0, ""}, true, "urn:x|MRN1"},
        {PAT, {"birthdate", "date", "birthDate", 0, 0, ""}, false, NULL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        cJSON *r = cJSON_Parse(rows[i].res);
        char out[ST_VALUE_MAX];
        bool ok = st_value_for(r, &rows[i].p, "amy", rows[i].sys, out);
        CHECK(ok == (rows[i].want != NULL));
        if (ok && rows[i].want)
            CHECK_STR(out, rows[i].want);
        cJSON_Delete(r);
    }
}

static void test_must_support(void)
{
    static const struct fg_kit_ms_step vscat[] = {
        {"category", "[{\"coding\":[{\"code\":\"vital-signs\"}]}]"}, {"coding", NULL}, {"code", NULL}};
    static const struct fg_kit_ms_step survey[] = {{"category", "[{\"coding\":[{\"code\":\"survey\"}]}]"}};
    static const struct fg_kit_ms_step sys_dar[] = {
        {"component", "[{\"code\":{\"coding\":[{\"code\":\"8480-6\"}]}}]"}, {"dataAbsentReason", NULL}};
    static const struct fg_kit_ms_step dia_dar[] = {
        {"component", "[{\"code\":{\"coding\":[{\"code\":\"8462-4\"}]}}]"}, {"dataAbsentReason", NULL}};
    static const struct fg_kit_ms_step eff[] = {{"effective[x]", NULL}};
    static const struct fg_kit_ms_step effp[] = {{"effectivePeriod", NULL}};
    static const struct fg_kit_ms_step race[] = {{"extension", "[{\"url\":\"http://x/race\"}]"}};
    static const struct fg_kit_ms_step eth[] = {{"extension", "[{\"url\":\"http://x/eth\"}]"}};
    static const struct {
        const char *res;
        struct fg_kit_ms m;
        bool want;
    } rows[] = {
        {OBS, {"vscat code", vscat, 3, "\"vital-signs\"", -1}, true},
        {OBS, {"vscat code fixed other", vscat, 3, "\"survey\"", -1}, false},
        {OBS, {"survey slice", survey, 1, NULL, -1}, false},
        {OBS, {"systolic dar", sys_dar, 2, NULL, -1}, false},
        {OBS, {"diastolic dar", dia_dar, 2, NULL, -1}, true},
        {OBS, {"effective[x]", eff, 1, NULL, -1}, true},
        {OBS, {"effectivePeriod", effp, 1, NULL, -1}, false},
        {PAT, {"race", race, 1, NULL, -1}, true},
        {PAT, {"ethnicity", eth, 1, NULL, -1}, false},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        cJSON *r = cJSON_Parse(rows[i].res);
        bool got = st_ms_shown(r, &rows[i].m);
        if (got != rows[i].want)
            fprintf(stderr, "row %zu: %s\n", i, rows[i].m.label);
        CHECK(got == rows[i].want);
        cJSON_Delete(r);
    }
}

TEST_MAIN(test_match, test_value_for, test_must_support)
