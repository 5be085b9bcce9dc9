/* obs_test.c - the Observation builder: shape, identifier determinism, HKDevice parsing. */
#include "../test.h"

#include <cJSON.h>

#include "core/fg_mem.h"
#include "import/imp_obs.h"

static void weight(struct imp_measurement *m)
{
    memset(m, 0, sizeof *m);
    m->source = IMP_SRC_APPLE;
    m->measure = imp_map_measure(IMP_M_BODY_WEIGHT);
    m->source_type = FG_STR_LIT("HKQuantityTypeIdentifierBodyMass");
    m->source_name = FG_STR_LIT("Zepp Life");
    m->start = m->end = "2025-04-18T22:38:45+01:00";
    m->key_start = m->key_end = FG_STR_LIT("2025-04-18T21:38:45Z");
    m->ucum = "kg";
    m->unit_display = "kg";
    m->value = 68.5;
    m->key_unit = FG_STR_LIT("kg");
    m->key_value = FG_STR_LIT("68.5");
}

static const char *js(const cJSON *o, const char *path0, const char *path1)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, path0);
    if (path1)
        v = cJSON_GetObjectItemCaseSensitive(v, path1);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void test_shape(void)
{
    struct imp_measurement m;
    cJSON *obs = NULL;
    char key[IMP_KEY_MAX];
    struct fg_error err;
    fg_error_clear(&err);
    weight(&m);
    CHECK_INT(imp_obs_build(&m, FG_STR_LIT("123"), INT64_C(1795000000000000), &obs, key, &err),
              FG_OK);
    CHECK_STR(js(obs, "resourceType", NULL), "Observation");
    CHECK_STR(js(obs, "status", NULL), "final");
    CHECK_STR(js(obs, "effectiveDateTime", NULL), "2025-04-18T22:38:45+01:00");
    CHECK_STR(js(obs, "issued", NULL), "2026-11-18T11:06:40.000Z");
    CHECK_STR(js(obs, "subject", "reference"), "Patient/123");
    CHECK_STR(js(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(obs, "performer"), 0),
                 "reference", NULL),
              "Patient/123");
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(obs, "meta");
    const cJSON *tag = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(meta, "tag"), 0);
    CHECK_STR(js(tag, "system", NULL), "http://hl7.org/fhir/us/core/CodeSystem/us-core-tags");
    CHECK_STR(js(tag, "code", NULL), "patient-supplied");
    CHECK_STR(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(meta, "profile"), 0)->valuestring,
              "http://hl7.org/fhir/us/core/StructureDefinition/us-core-body-weight");
    const cJSON *cat = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(obs, "category"), 0);
    CHECK_STR(
        js(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(cat, "coding"), 0), "code", NULL),
        "vital-signs");
    const cJSON *coding =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(obs, "code"), "coding");
    CHECK_STR(js(cJSON_GetArrayItem(coding, 0), "code", NULL), "29463-7");
    CHECK_STR(js(cJSON_GetArrayItem(coding, 0), "system", NULL), "http://loinc.org");
    CHECK_STR(js(cJSON_GetArrayItem(coding, 1), "system", NULL),
              "http://developer.apple.com/documentation/healthkit");
    const cJSON *q = cJSON_GetObjectItemCaseSensitive(obs, "valueQuantity");
    CHECK(cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(q, "value")) == 68.5);
    CHECK_STR(js(q, "system", NULL), "http://unitsofmeasure.org");
    const cJSON *id = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(obs, "identifier"), 0);
    CHECK_STR(js(id, "system", NULL), IMP_KEY_SYSTEM);
    CHECK_STR(js(id, "value", NULL), key);
    CHECK_INT(strlen(key), 71);
    CHECK(strncmp(key, "sha256:", 7) == 0);
    CHECK(cJSON_GetObjectItemCaseSensitive(obs, "contained") == NULL);
    CHECK(cJSON_GetObjectItemCaseSensitive(obs, "issued") != NULL);
    cJSON_Delete(obs);

    /* a period when start != end; no issued when 0 */
    m.end = "2025-04-18T22:40:00+01:00";
    CHECK_INT(imp_obs_build(&m, FG_STR_LIT("123"), 0, &obs, key, &err), FG_OK);
    CHECK_STR(js(obs, "effectivePeriod", "end"), "2025-04-18T22:40:00+01:00");
    CHECK(cJSON_GetObjectItemCaseSensitive(obs, "effectiveDateTime") == NULL);
    CHECK(cJSON_GetObjectItemCaseSensitive(obs, "issued") == NULL);
    cJSON_Delete(obs);
}

/* Identifier determinism: same input -> same key; any key field changed -> another key. */
static void test_identifier(void)
{
    struct imp_measurement a, b;
    char ka[IMP_KEY_MAX], kb[IMP_KEY_MAX];
    weight(&a);
    CHECK_INT(imp_obs_key(&a, FG_STR_LIT("123"), ka), FG_OK);
    weight(&b);
    CHECK_INT(imp_obs_key(&b, FG_STR_LIT("123"), kb), FG_OK);
    CHECK_STR(kb, ka);
    /* the display time may change offset; only the UTC key matters */
    b.start = b.end = "2025-04-18T23:38:45+02:00";
    CHECK_INT(imp_obs_key(&b, FG_STR_LIT("123"), kb), FG_OK);
    CHECK_STR(kb, ka);
    static const int changes = 8;
    for (int i = 0; i < changes; i++) {
        weight(&b);
        switch (i) {
        case 0:
            b.key_value = FG_STR_LIT("68.6");
            break;
        case 1:
            b.key_unit = FG_STR_LIT("lb");
            break;
        case 2:
            b.key_start = FG_STR_LIT("2025-04-18T21:38:46Z");
            break;
        case 3:
            b.key_end = FG_STR_LIT("2025-04-18T21:38:46Z");
            break;
        case 4:
            b.source_name = FG_STR_LIT("Zepp Lif");
            break;
        case 5:
            b.source_type = FG_STR_LIT("HKQuantityTypeIdentifierLeanBodyMass");
            break;
        case 6:
            b.source = IMP_SRC_MANUAL;
            break;
        case 7:
            b.sync_id = FG_STR_LIT("sync-1");
            break;
        }
        CHECK_INT(imp_obs_key(&b, FG_STR_LIT("123"), kb), FG_OK);
        CHECK(strcmp(ka, kb) != 0);
    }
    weight(&b);
    CHECK_INT(imp_obs_key(&b, FG_STR_LIT("124"), kb), FG_OK);
    CHECK(strcmp(ka, kb) != 0);
    /* fields are length-prefixed: moving a byte between fields changes the key */
    weight(&a);
    weight(&b);
    a.source_name = FG_STR_LIT("ab");
    a.source_type = FG_STR_LIT("c");
    b.source_name = FG_STR_LIT("b");
    b.source_type = FG_STR_LIT("ca");
    CHECK_INT(imp_obs_key(&a, FG_STR_LIT("1"), ka), FG_OK);
    CHECK_INT(imp_obs_key(&b, FG_STR_LIT("1"), kb), FG_OK);
    CHECK(strcmp(ka, kb) != 0);
    /* daily aggregates: the value is not part of the key */
    weight(&a);
    weight(&b);
    a.daily = b.daily = true;
    b.key_value = FG_STR_LIT("99");
    CHECK_INT(imp_obs_key(&a, FG_STR_LIT("1"), ka), FG_OK);
    CHECK_INT(imp_obs_key(&b, FG_STR_LIT("1"), kb), FG_OK);
    CHECK_STR(kb, ka);
    /* sync identifier: value and time no longer matter */
    weight(&a);
    weight(&b);
    a.sync_id = b.sync_id = FG_STR_LIT("S1");
    b.key_value = FG_STR_LIT("70");
    b.key_start = FG_STR_LIT("2030-01-01T00:00:00Z");
    CHECK_INT(imp_obs_key(&a, FG_STR_LIT("1"), ka), FG_OK);
    CHECK_INT(imp_obs_key(&b, FG_STR_LIT("1"), kb), FG_OK);
    CHECK_STR(kb, ka);
}

static void test_panel(void)
{
    struct imp_measurement m;
    cJSON *obs = NULL;
    char key[IMP_KEY_MAX];
    struct fg_error err;
    fg_error_clear(&err);
    weight(&m);
    m.measure = imp_map_measure(IMP_M_BP_PANEL);
    m.has_systolic = true;
    m.systolic = 136;
    CHECK_INT(imp_obs_build(&m, FG_STR_LIT("1"), 0, &obs, key, &err), FG_EINVAL);
    CHECK(obs == NULL);
    m.has_diastolic = true;
    m.diastolic = 69;
    CHECK_INT(imp_obs_build(&m, FG_STR_LIT("1"), 0, &obs, key, &err), FG_OK);
    CHECK(cJSON_GetObjectItemCaseSensitive(obs, "valueQuantity") == NULL);
    const cJSON *comp = cJSON_GetObjectItemCaseSensitive(obs, "component");
    CHECK_INT(cJSON_GetArraySize(comp), 2);
    const cJSON *c1 = cJSON_GetArrayItem(comp, 1);
    CHECK_STR(js(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(
                                        cJSON_GetObjectItemCaseSensitive(c1, "code"), "coding"),
                                    0),
                 "code", NULL),
              "8462-4");
    CHECK(cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(
              cJSON_GetObjectItemCaseSensitive(c1, "valueQuantity"), "value")) == 69);
    CHECK_STR(js(c1, "valueQuantity", "code"), "mm[Hg]");
    cJSON_Delete(obs);
    /* a patient id that is not a FHIR id */
    fg_error_clear(&err);
    CHECK_INT(imp_obs_build(&m, FG_STR_LIT("a/b"), 0, &obs, key, &err), FG_EINVAL);
    CHECK_STR(err.expression, "patient");
}

static void test_hkdevice(void)
{
    static const struct {
        const char *in;
        enum fg_status st;
        const char *name, *mfr, *model, *hw, *sw;
    } rows[] = {
        {"<<HKDevice: 0x282e3a260>, name:iPhone, manufacturer:Apple Inc., model:iPhone, "
         "hardware:iPhone10,4, software:12.3>",
         FG_OK, "iPhone", "Apple Inc.", "iPhone", "iPhone10,4", "12.3"},
        {"<<HKDevice: 0x3012772a0>, name:Apple Watch, manufacturer:Apple Inc., model:Watch, "
         "hardware:Watch6,7, software:10.2, creation date:2024-01-01 01:01:36 +0000>",
         FG_OK, "Apple Watch", "Apple Inc.", "Watch", "Watch6,7", "10.2"},
        {"<<HKDevice: 0x1>, name:Cuff, manufacturer:OMRON, model:HEM-7600T>", FG_OK, "Cuff",
         "OMRON", "HEM-7600T", "", ""},
        {"<<HKDevice: 0x1>>", FG_EINVAL, NULL, NULL, NULL, NULL, NULL},
        {"<<HKDevice: 0x1>, name:>", FG_EINVAL, NULL, NULL, NULL, NULL, NULL},
        {"iPhone", FG_EINVAL, NULL, NULL, NULL, NULL, NULL},
        {"<<HKDevice: 0x1>, name:x", FG_EINVAL, NULL, NULL, NULL, NULL, NULL},
        {"<<HKDevice: 0x1, name:x>", FG_EINVAL, NULL, NULL, NULL, NULL, NULL},
        {"", FG_EINVAL, NULL, NULL, NULL, NULL, NULL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct imp_device d;
        memset(&d, 0xab, sizeof d);
        CHECK_INT(imp_obs_parse_hkdevice(fg_str_c(rows[i].in), &d), rows[i].st);
        if (rows[i].st != FG_OK)
            continue;
        CHECK_SLICE(d.name, rows[i].name);
        CHECK_SLICE(d.manufacturer, rows[i].mfr);
        CHECK_SLICE(d.model, rows[i].model);
        CHECK_SLICE(d.hardware, rows[i].hw);
        CHECK_SLICE(d.software, rows[i].sw);
    }
}

static void test_alloc_failures(void)
{
    struct imp_measurement m;
    weight(&m);
    m.has_device = true;
    imp_obs_parse_hkdevice(FG_STR_LIT("<<HKDevice: 0x1>, name:Cuff, manufacturer:OMRON>"),
                           &m.device);
    for (unsigned long nth = 1; nth < 50; nth++) {
        cJSON *obs = NULL;
        char key[IMP_KEY_MAX];
        fg_mem_fail_at(nth);
        enum fg_status st = imp_obs_build(&m, FG_STR_LIT("1"), 0, &obs, key, NULL);
        fg_mem_fail_at(0);
        CHECK(st == FG_OK || st == FG_ENOMEM);
        CHECK((st == FG_OK) == (obs != NULL));
        cJSON_Delete(obs);
        if (st == FG_OK)
            break;
    }
}

TEST_MAIN(test_shape, test_identifier, test_panel, test_hkdevice, test_alloc_failures)
