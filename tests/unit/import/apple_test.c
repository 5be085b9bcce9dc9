/* apple_test.c - Apple Health export.xml / export.zip import: real samples with counts written
 * down by reading the files, blood-pressure rules, hostile XML and zips, legacy files. */
#include "../test.h"

#include <unistd.h>
#include <zip.h>

#include "collect.h"
#include "core/fg_mem.h"
#include "import/imp_apple.h"
#include "import/imp_zip.h"

#define SHARED "../shared/wearable-samples/"
#define LOCAL "tests/data/wearables/"

static const struct imp_options opts_p123 = {.patient = {"p123", 4}};

struct code_count {
    const char *code;
    size_t n;
};

/* Expected Observations per file. HOW COUNTED (not by running the importer):
 *   grep -o '<Record type="[A-Za-z]*"' FILE | sort | uniq -c   and
 *   grep -o '<Correlation type="[A-Za-z]*"' FILE | sort | uniq -c,   then the mapping table:
 * ahcd: 2 BodyMassIndex -> 39156-5; 1 HeartRate -> 8867-4; 1 BP Correlation (children diastolic
 *   74 / systolic 125, read by eye at the file's end) -> 1 85354-9; 6 top-level systolic records
 *   at times no correlation has (2020-01-21..24, read by eye) and no diastolic partner -> 6 lone
 *   8480-6 (our documented rule); the correlation's 2 children are not counted again. Total 10.
 *   Skipped: none (ExportDate/Me are not records).
 * tdda: 10 StepCount -> 55423-8; 5 DistanceWalkingRunning (km) -> 55430-3; 2 ActivitySummary and
 *   1 Workout skipped. Total 15, skipped 3.
 * alxdrcirilo: 2 HeartRate -> 8867-4; 2 ActiveEnergyBurned (kcal) -> 41981-2; AppleExerciseTime,
 *   AppleStandTime, 2 SleepAnalysis have no LOINC -> skipped 4. Total 4.
 * dogsheep (both variants): 1 BodyMassIndex -> 39156-5; 1 HeartRate -> 8867-4; 1 Workout and
 *   2 ActivitySummary skipped. Total 2, skipped 3. */
static const struct sample {
    const char *name;
    bool local_copy; /* also in tests/data/wearables */
    size_t total, skipped;
    struct code_count counts[5];
} samples[] = {
    {"apple_ahcd_export_bp_correlation.xml",
     true,
     10,
     0,
     {{"39156-5", 2}, {"8867-4", 1}, {"85354-9", 1}, {"8480-6", 6}, {"8462-4", 0}}},
    {"apple_tdda_export6s3sample.xml", true, 15, 3, {{"55423-8", 10}, {"55430-3", 5}}},
    {"apple_alxdrcirilo_export.xml", true, 4, 4, {{"8867-4", 2}, {"41981-2", 2}}},
    {"apple_dogsheep_export.xml", false, 2, 3, {{"39156-5", 1}, {"8867-4", 1}}},
    {"apple_dogsheep_zip_export.xml", false, 2, 3, {{"39156-5", 1}, {"8867-4", 1}}},
};

static void check_sample(const struct sample *s, const char *path)
{
    struct collect *c = collect_new(false);
    struct collect *c2 = collect_new(false);
    struct imp_report r, r2;
    struct fg_error err;
    fg_error_clear(&err);
    CHECK_INT(imp_apple_parse_file(path, &opts_p123, collect_cb, c, &r, &err), FG_OK);
    if (err.status != FG_OK)
        fprintf(stderr, "  %s: %s\n", path, err.diagnostics);
    CHECK_INT(c->n, s->total);
    CHECK_INT(r.emitted, s->total);
    CHECK_INT(r.skipped, s->skipped);
    CHECK_INT(c->bad_shape, 0);
    CHECK_INT(collect_dup_keys(c), 0);
    for (size_t i = 0; i < 5 && s->counts[i].code; i++) {
        CHECK_INT(collect_count(c, s->counts[i].code), s->counts[i].n);
        CHECK_INT(imp_report_count(&r, s->counts[i].code), s->counts[i].n);
    }
    /* a second import gives the same identifiers: nothing new to create */
    CHECK_INT(imp_apple_parse_file(path, &opts_p123, collect_cb, c2, &r2, &err), FG_OK);
    CHECK_INT(c2->n, c->n);
    for (size_t i = 0; i < c->n && i < c2->n; i++)
        CHECK_STR(c2->items[i].key, c->items[i].key);
    collect_free(c);
    collect_free(c2);
}

static void test_samples_local(void)
{
    char path[256];
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        if (!samples[i].local_copy)
            continue;
        snprintf(path, sizeof path, LOCAL "%s", samples[i].name);
        check_sample(&samples[i], path);
    }
}

static void test_samples_shared(void)
{
    char path[256];
    if (access(SHARED, R_OK) != 0) {
        fprintf(stderr, "  SKIP test_samples_shared: " SHARED " is absent (CI keeps shared/ "
                        "beside the clone)\n");
        return;
    }
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        snprintf(path, sizeof path, SHARED "%s", samples[i].name);
        check_sample(&samples[i], path);
    }
}

/* ---- helpers for inline documents ---- */

static enum fg_status parse_doc(const char *xml, struct collect *c, struct imp_report *r,
                                struct fg_error *err)
{
    fg_error_clear(err);
    return imp_apple_parse_mem(xml, strlen(xml), &opts_p123, collect_cb, c, r, err);
}

#define HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<HealthData locale=\"en_US\">\n"
#define REC(type, unit, value, start)                                                              \
    " <Record type=\"HKQuantityTypeIdentifier" type "\" sourceName=\"Cuff\" unit=\"" unit          \
    "\" startDate=\"" start "\" endDate=\"" start "\" value=\"" value "\"/>\n"
#define T1 "2025-05-23 11:30:00 +0100"
#define T2 "2025-05-24 08:00:00 +0100"
#define CORR_OPEN                                                                                  \
    " <Correlation type=\"HKCorrelationTypeIdentifierBloodPressure\" sourceName=\"Cuff\" "         \
    "startDate=\"" T1 "\" endDate=\"" T1 "\">\n"

static void test_bp_children_repeated_top_level(void)
{
    /* both child orders, the top-level copies before and after the correlation */
    static const char *const docs[] = {
        HEAD REC("BloodPressureSystolic", "mmHg", "136", T1)
            REC("BloodPressureDiastolic", "mmHg", "69", T1)
                CORR_OPEN REC("BloodPressureSystolic", "mmHg", "136", T1)
                    REC("BloodPressureDiastolic", "mmHg", "69", T1) " </Correlation>\n"
                                                                    "</HealthData>\n",
        HEAD CORR_OPEN REC("BloodPressureDiastolic", "mmHg", "69", T1)
            REC("BloodPressureSystolic", "mmHg", "136",
                T1) " </Correlation>\n" REC("BloodPressureDiastolic", "mmHg", "69", T1)
                REC("BloodPressureSystolic", "mmHg", "136", T1) "</HealthData>\n",
    };
    char first_key[IMP_KEY_MAX] = "";
    for (size_t i = 0; i < 2; i++) {
        struct collect *c = collect_new(true);
        struct imp_report r;
        struct fg_error err;
        CHECK_INT(parse_doc(docs[i], c, &r, &err), FG_OK);
        CHECK_INT(c->n, 1);
        CHECK_INT(collect_count(c, "85354-9"), 1);
        CHECK_INT(r.skipped, 2); /* the two top-level copies */
        CHECK_INT(c->bad_shape, 0);
        const cJSON *p = collect_find(c, "85354-9");
        const cJSON *comp = cJSON_GetObjectItemCaseSensitive(p, "component");
        const cJSON *c0 = cJSON_GetArrayItem(comp, 0), *c1 = cJSON_GetArrayItem(comp, 1);
        const cJSON *q0 = cJSON_GetObjectItemCaseSensitive(c0, "valueQuantity");
        const cJSON *q1 = cJSON_GetObjectItemCaseSensitive(c1, "valueQuantity");
        CHECK(cJSON_GetObjectItemCaseSensitive(p, "valueQuantity") == NULL);
        CHECK(cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(q0, "value")) == 136);
        CHECK(cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(q1, "value")) == 69);
        CHECK_STR(jstr(q0, "code"), "mm[Hg]");
        CHECK_STR(
            jstr(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(
                                        cJSON_GetObjectItemCaseSensitive(c0, "code"), "coding"),
                                    0),
                 "code"),
            "8480-6");
        CHECK_STR(jstr(p, "effectiveDateTime"), "2025-05-23T11:30:00+01:00");
        if (i == 0)
            snprintf(first_key, sizeof first_key, "%s", c->items[0].key);
        else
            CHECK_STR(c->items[0].key, first_key);
        collect_free(c);
    }
}

static void test_bp_lone_rule(void)
{
    /* a lone pair at T1 pairs into the same panel a correlation would give; a lone systolic at
     * T2 becomes one 8480-6 */
    static const char doc_lone[] = HEAD REC("BloodPressureSystolic", "mmHg", "136", T1)
        REC("BloodPressureDiastolic", "mmHg", "69", T1)
            REC("BloodPressureSystolic", "mmHg", "120", T2) "</HealthData>\n";
    static const char doc_corr[] = HEAD CORR_OPEN REC("BloodPressureSystolic", "mmHg", "136", T1)
        REC("BloodPressureDiastolic", "mmHg", "69", T1) " </Correlation>\n</HealthData>\n";
    struct collect *a = collect_new(true), *b = collect_new(false);
    struct imp_report r;
    struct fg_error err;
    CHECK_INT(parse_doc(doc_lone, a, &r, &err), FG_OK);
    CHECK_INT(a->n, 2);
    CHECK_INT(collect_count(a, "85354-9"), 1);
    CHECK_INT(collect_count(a, "8480-6"), 1);
    CHECK_INT(a->bad_shape, 0);
    const cJSON *lone = collect_find(a, "8480-6");
    const cJSON *q = cJSON_GetObjectItemCaseSensitive(lone, "valueQuantity");
    CHECK(cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(q, "value")) == 120);
    CHECK_INT(parse_doc(doc_corr, b, &r, &err), FG_OK);
    CHECK_INT(b->n, 1);
    for (size_t i = 0; i < a->n; i++) {
        if (strcmp(a->items[i].code, "85354-9") == 0)
            CHECK_STR(a->items[i].key, b->items[0].key);
    }
    collect_free(a);
    collect_free(b);
}

/* A later export of the same phone (new ExportDate, one more record, records reordered) gives
 * the old identifiers again plus exactly one new one. */
static void test_later_export_adds_only_new(void)
{
    static const char first[] = HEAD " <ExportDate value=\"2025-05-25 10:00:00 +0100\"/>\n" REC(
        "HeartRate", "count/min", "61", T1) REC("BodyMass", "kg", "70.2", T1) "</HealthData>\n";
    static const char later[] = HEAD
        " <ExportDate value=\"2025-06-30 09:00:00 +0200\"/>\n" REC("BodyMass", "kg", "70.2", T1)
            REC("HeartRate", "count/min", "61", T1)
                REC("HeartRate", "count/min", "64", T2) "</HealthData>\n";
    struct collect *a = collect_new(false), *b = collect_new(false);
    struct imp_report r;
    struct fg_error err;
    CHECK_INT(parse_doc(first, a, &r, &err), FG_OK);
    CHECK_INT(parse_doc(later, b, &r, &err), FG_OK);
    CHECK_INT(a->n, 2);
    CHECK_INT(b->n, 3);
    size_t fresh = 0;
    for (size_t i = 0; i < b->n; i++) {
        bool known = false;
        for (size_t k = 0; k < a->n; k++)
            known = known || strcmp(a->items[k].key, b->items[i].key) == 0;
        fresh += !known;
    }
    CHECK_INT(fresh, 1);
    collect_free(a);
    collect_free(b);
}

static void test_units_and_values(void)
{
    static const char doc[] =
        HEAD REC("OxygenSaturation", "%", "0.97", T1) REC("BodyFatPercentage", "%", "0.162", T1)
            REC("BloodGlucose", "mmol&lt;180.1558800000541&gt;/L", "5.4", T1)
                REC("BloodGlucose", "mg/dL", "97", T1) REC("BodyMass", "lb", "154.3", T1)
                    REC("ActiveEnergyBurned", "Cal", "12.5", T1)
                        REC("BodyMassIndex", "count", "22.53", T1) REC("Height", "ft", "5.5", T1)
                            REC("HeartRate", "count/min", "61", T1)
                                REC("BodyTemperature", "degC", "36.6", T1) "</HealthData>\n";
    static const struct {
        const char *code;
        double value;
        const char *ucum;
    } want[] = {
        {"59408-5", 97, "%"},        {"41982-0", 16.2, "%"},        {"14743-9", 5.4, "mmol/L"},
        {"41653-7", 97, "mg/dL"},    {"29463-7", 154.3, "[lb_av]"}, {"41981-2", 12.5, "kcal"},
        {"39156-5", 22.53, "kg/m2"}, {"8302-2", 66, "[in_i]"},      {"8867-4", 61, "/min"},
        {"8310-5", 36.6, "Cel"},
    };
    struct collect *c = collect_new(true);
    struct imp_report r;
    struct fg_error err;
    CHECK_INT(parse_doc(doc, c, &r, &err), FG_OK);
    CHECK_INT(c->n, sizeof want / sizeof want[0]);
    CHECK_INT(c->bad_shape, 0);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const cJSON *o = collect_find(c, want[i].code);
        const cJSON *q = cJSON_GetObjectItemCaseSensitive(o, "valueQuantity");
        CHECK(o != NULL);
        CHECK(cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(q, "value")) == want[i].value);
        CHECK_STR(jstr(q, "code"), want[i].ucum);
        CHECK_STR(jstr(q, "system"), "http://unitsofmeasure.org");
    }
    /* pulse oximetry carries both LOINC codings and the HK coding */
    const cJSON *ox = collect_find(c, "59408-5");
    const cJSON *cod =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(ox, "code"), "coding");
    CHECK_STR(jstr(cJSON_GetArrayItem(cod, 1), "code"), "2708-6");
    CHECK_STR(jstr(cJSON_GetArrayItem(cod, 2), "code"), "HKQuantityTypeIdentifierOxygenSaturation");
    collect_free(c);
}

static void test_device_and_sync(void)
{
    static const char doc[] = HEAD
        " <Record type=\"HKQuantityTypeIdentifierHeartRate\" sourceName=\"A\xe2\x80\x99s Watch\" "
        "device=\"&lt;&lt;HKDevice: 0x3012772a0&gt;, name:Apple Watch, manufacturer:Apple Inc., "
        "model:Watch, hardware:Watch6,7, software:10.2&gt;\" unit=\"count/min\" startDate=\"" T1
        "\" endDate=\"" T1 "\" value=\"74\">\n"
        "  <MetadataEntry key=\"HKMetadataKeySyncIdentifier\" value=\"abc-1\"/>\n"
        " </Record>\n"
        " <Record type=\"HKQuantityTypeIdentifierHeartRate\" sourceName=\"A\xe2\x80\x99s Watch\" "
        "unit=\"count/min\" startDate=\"" T2 "\" endDate=\"" T2 "\" value=\"80\">\n"
        "  <MetadataEntry key=\"HKMetadataKeySyncIdentifier\" value=\"abc-1\"/>\n"
        " </Record>\n</HealthData>\n";
    struct collect *c = collect_new(true);
    struct imp_report r;
    struct fg_error err;
    CHECK_INT(parse_doc(doc, c, &r, &err), FG_OK);
    CHECK_INT(c->n, 2);
    /* same sync identifier: same identity even though time and value differ */
    CHECK_STR(c->items[1].key, c->items[0].key);
    const cJSON *o = cJSON_GetArrayItem(c->keep, 0);
    const cJSON *dev = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(o, "contained"), 0);
    CHECK_STR(jstr(dev, "resourceType"), "Device");
    CHECK_STR(jstr(dev, "manufacturer"), "Apple Inc.");
    CHECK_STR(jstr(dev, "modelNumber"), "Watch");
    const cJSON *names = cJSON_GetObjectItemCaseSensitive(dev, "deviceName");
    CHECK_STR(jstr(cJSON_GetArrayItem(names, 0), "name"), "Apple Watch");
    CHECK_STR(jstr(cJSON_GetArrayItem(names, 1), "name"), "Watch6,7");
    CHECK_STR(jstr(cJSON_GetObjectItemCaseSensitive(o, "device"), "reference"), "#device");
    CHECK(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(c->keep, 1), "contained") == NULL);
    collect_free(c);
}

static void test_refusals(void)
{
    static const struct {
        const char *doc;
        enum fg_status st;
        const char *diag; /* substring */
    } rows[] = {
        /* billion laughs */
        {"<?xml version=\"1.0\"?>\n<!DOCTYPE HealthData [\n <!ENTITY lol \"lol\">\n"
         " <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
         " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n]>\n"
         "<HealthData locale=\"en\">&lol3;</HealthData>\n",
         FG_EINVAL, "line 3: entity declaration \"lol\" refused"},
        /* XXE through an external entity */
        {"<?xml version=\"1.0\"?>\n<!DOCTYPE HealthData [\n"
         " <!ENTITY xxe SYSTEM \"file:///etc/passwd\">\n]>\n<HealthData>&xxe;</HealthData>\n",
         FG_EINVAL, "external entities are not allowed"},
        /* external DTD */
        {"<?xml version=\"1.0\"?>\n<!DOCTYPE HealthData SYSTEM \"http://127.0.0.1/x.dtd\">\n"
         "<HealthData/>\n",
         FG_EINVAL, "line 2: external DTD refused"},
        /* legacy 2015 export */
        {"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<HealthData locale=\"de_CH\">\n"
         " <ExportDate value=\"20151107171924+0100\"/>\n</HealthData>\n",
         FG_EINVAL, "line 3: legacy 2015 Apple Health export format"},
        {"<?xml version=\"1.0\"?>\n<HealthData>\n <Record type=\"HKQuantityTypeIdentifierBodyMass\""
         " source=\"Health Mate\" unit=\"kg\" startDate=\"20151107171924+0100\" "
         "endDate=\"20151107171924+0100\" value=\"70\"/>\n</HealthData>\n",
         FG_EINVAL, "line 3: legacy 2015"},
        /* not well-formed: a legacy attribute name with a space */
        {"<?xml version=\"1.0\"?>\n<HealthData>\n\n <Record type=\"x\" Health Mate App Version="
         "\"2.6.2\"/>\n</HealthData>\n",
         FG_EINVAL, "line 4: "},
        {HEAD " <Record type=\"HKQuantityTypeIdentifierHeartRate\" sourceName=\"s\" unit="
              "\"count/min\" startDate=\"2025-02-30 10:00:00 +0100\" endDate=\"" T1
              "\" value=\"70\"/>\n</HealthData>\n",
         FG_EINVAL, "line 3: startDate"},
        {HEAD REC("HeartRate", "count/min", "seventy", T1) "</HealthData>\n", FG_EINVAL,
         "line 3: value \"seventy\""},
        {"<?xml version=\"1.0\"?>\n<Other/>\n", FG_EINVAL, "is not <HealthData>"},
        {"", FG_EINVAL, "line 1: "},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct collect *c = collect_new(false);
        struct imp_report r;
        struct fg_error err;
        CHECK_INT(parse_doc(rows[i].doc, c, &r, &err), rows[i].st);
        if (!strstr(err.diagnostics, rows[i].diag)) {
            test_failed_checks++;
            fprintf(stderr, "FAIL row %zu: diagnostics \"%s\" lack \"%s\"\n", i, err.diagnostics,
                    rows[i].diag);
        }
        CHECK_INT(c->n, 0);
        collect_free(c);
    }
}

/* ---- zips ---- */

static void zip_path(char *out, size_t n, const char *tag)
{
    snprintf(out, n, "/tmp/fg_imp_%ld_%s.zip", (long)getpid(), tag);
}

/* Writes a zip with the given entries (name, data, len); returns 0 on success. */
static int write_zip(const char *path, const char *const *names, const char *const *data,
                     const size_t *lens, size_t n)
{
    int zerr = 0;
    zip_t *za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
    if (!za)
        return -1;
    for (size_t i = 0; i < n; i++) {
        zip_source_t *src = zip_source_buffer(za, data[i], lens[i], 0);
        if (!src || zip_file_add(za, names[i], src, ZIP_FL_ENC_UTF_8) < 0) {
            zip_source_free(src);
            zip_discard(za);
            return -1;
        }
    }
    return zip_close(za);
}

static void test_zip(void)
{
    size_t xlen = 0;
    char *xml = slurp(LOCAL "apple_ahcd_export_bp_correlation.xml", &xlen);
    char path[128];
    CHECK(xml != NULL);
    if (!xml)
        return;
    static const char cda[] = "<ClinicalDocument/>";
    static const struct {
        const char *tag;
        const char *names[2];
        enum fg_status st;
        size_t n;
    } rows[] = {
        {"std",
         {"apple_health_export/export.xml", "apple_health_export/export_cda.xml"},
         FG_OK,
         10},
        {"case", {"Apple_Health_Export/Export.XML", "x/export_cda.xml"}, FG_OK, 10},
        {"deep", {"a/b/c/export.xml", "readme.txt"}, FG_OK, 10},
        {"evil", {"apple_health_export/export.xml", "../evil"}, FG_EINVAL, 0},
        {"evil2", {"apple_health_export/../../export.xml", "x"}, FG_EINVAL, 0},
        {"abs", {"/etc/export.xml", "x"}, FG_EINVAL, 0},
        {"none", {"apple_health_export/export_cda.xml", "x"}, FG_ENOTFOUND, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const char *data[2] = {xml, cda};
        size_t lens[2] = {xlen, sizeof cda - 1};
        if (strstr(rows[i].names[0], "cda")) {
            data[0] = cda;
            lens[0] = sizeof cda - 1;
        }
        zip_path(path, sizeof path, rows[i].tag);
        CHECK_INT(write_zip(path, rows[i].names, data, lens, 2), 0);
        struct collect *c = collect_new(false);
        struct imp_report r;
        struct fg_error err;
        fg_error_clear(&err);
        CHECK_INT(imp_apple_parse_file(path, &opts_p123, collect_cb, c, &r, &err), rows[i].st);
        CHECK_INT(c->n, rows[i].n);
        if (rows[i].st == FG_EINVAL)
            CHECK(strstr(err.diagnostics, "unsafe path") != NULL);
        collect_free(c);
        unlink(path);
    }
    free(xml);
}

static void test_zip_limits(void)
{
    /* 16 MiB of one byte deflates about 1000:1: a zip bomb by ratio */
    size_t big = 16u << 20;
    char *zeros = malloc(big);
    char path[128];
    memset(zeros, ' ', big);
    const char *names[1] = {"apple_health_export/export.xml"};
    const char *data[1] = {zeros};
    size_t lens[1] = {big};
    zip_path(path, sizeof path, "bomb");
    CHECK_INT(write_zip(path, names, data, lens, 1), 0);
    struct collect *c = collect_new(false);
    struct imp_report r;
    struct fg_error err;
    fg_error_clear(&err);
    CHECK_INT(imp_apple_parse_file(path, &opts_p123, collect_cb, c, &r, &err), FG_ETOOBIG);
    CHECK(strstr(err.diagnostics, "zip bomb") != NULL);
    /* a size cap below the entry's size */
    struct imp_options small = opts_p123;
    small.max_uncompressed = 1024;
    small.max_ratio = 100000;
    fg_error_clear(&err);
    CHECK_INT(imp_apple_parse_file(path, &small, collect_cb, c, &r, &err), FG_ETOOBIG);
    CHECK(strstr(err.diagnostics, "over the limit of 1024") != NULL);
    CHECK_INT(c->n, 0);
    collect_free(c);
    unlink(path);
    free(zeros);
    /* not a zip at all but starting like one */
    zip_path(path, sizeof path, "junk");
    FILE *f = fopen(path, "wb");
    fputs("PK\x03\x04garbage", f);
    fclose(f);
    fg_error_clear(&err);
    CHECK_INT(imp_apple_parse_file(path, &opts_p123, NULL, NULL, &r, &err), FG_EINVAL);
    unlink(path);
}

static void test_zip_name_safe(void)
{
    static const struct {
        const char *name;
        bool ok;
    } rows[] = {
        {"apple_health_export/export.xml", true},
        {"a..b/export.xml", true},
        {"..", false},
        {"../evil", false},
        {"a/../../b", false},
        {"a/..", false},
        {"/abs", false},
        {"\\abs", false},
        {"a\\..\\b", false},
        {"C:/x", false},
        {"", false},
        {".../x", true},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        CHECK_INT(imp_zip_name_safe(rows[i].name), rows[i].ok);
}

/* A hostile tag that never ends: refused once expat would hold more than 16 MiB of it. */
static void test_huge_tag(void)
{
    size_t n = 20u << 20;
    char *doc = malloc(n + 1);
    static const char head[] = "<HealthData>\n<Record type=\"";
    memcpy(doc, head, sizeof head - 1);
    memset(doc + sizeof head - 1, 'a', n - (sizeof head - 1));
    doc[n] = '\0';
    struct imp_report r;
    struct fg_error err;
    fg_error_clear(&err);
    CHECK_INT(imp_apple_parse_mem(doc, n, &opts_p123, NULL, NULL, &r, &err), FG_ETOOBIG);
    CHECK(strstr(err.diagnostics, "line 2: a tag is larger than 16777216 bytes") != NULL);
    CHECK(r.bytes < (24u << 20)); /* stopped early, not at the end */
    /* the cap is configurable */
    struct imp_options small = opts_p123;
    small.max_xml_token = 1u << 20;
    fg_error_clear(&err);
    CHECK_INT(imp_apple_parse_mem(doc, n, &small, NULL, NULL, &r, &err), FG_ETOOBIG);
    CHECK(strstr(err.diagnostics, "larger than 1048576 bytes") != NULL);
    CHECK(r.bytes < (2u << 20));
    free(doc);
}

static void on_progress(void *ctx, uint64_t done, uint64_t total)
{
    uint64_t *last = ctx;
    if (done < last[0] || done > total)
        last[2]++; /* went backwards or past the total */
    last[0] = done;
    last[1] = total;
}

static void test_progress(void)
{
    uint64_t p[3] = {0, 0, 0};
    struct imp_options o = opts_p123;
    o.progress = on_progress;
    o.progress_ctx = p;
    struct imp_report r;
    struct fg_error err;
    fg_error_clear(&err);
    CHECK_INT(
        imp_apple_parse_file(LOCAL "apple_tdda_export6s3sample.xml", &o, NULL, NULL, &r, &err),
        FG_OK);
    CHECK_INT(p[1], 7002); /* wc -c apple_tdda_export6s3sample.xml */
    CHECK_INT(p[0], 7002);
    CHECK_INT(p[2], 0);
    CHECK_INT(r.bytes, 7002);
}

/* Every allocation the importer makes can fail without a leak or a crash. */
static void test_alloc_failures(void)
{
    size_t len = 0;
    char *xml = slurp(LOCAL "apple_ahcd_export_bp_correlation.xml", &len);
    CHECK(xml != NULL);
    for (unsigned long nth = 1; xml && nth < 200; nth++) {
        struct collect *c = collect_new(false);
        struct imp_report r;
        struct fg_error err;
        fg_error_clear(&err);
        fg_mem_fail_at(nth);
        enum fg_status st = imp_apple_parse_mem(xml, len, &opts_p123, collect_cb, c, &r, &err);
        fg_mem_fail_at(0);
        CHECK(st == FG_OK || st == FG_ENOMEM);
        collect_free(c);
        if (st == FG_OK)
            break;
    }
    free(xml);
}

TEST_MAIN(test_samples_local, test_samples_shared, test_bp_children_repeated_top_level,
          test_bp_lone_rule, test_later_export_adds_only_new, test_units_and_values,
          test_device_and_sync, test_refusals, test_zip, test_zip_limits, test_zip_name_safe,
          test_huge_tag, test_progress, test_alloc_failures)
