/* gfit_test.c - Google Takeout "All Data" JSON and "Daily activity metrics" CSV import. */
#include "../test.h"

#include <unistd.h>

#include "collect.h"
#include "core/fg_mem.h"
#include "import/imp_gfit.h"

#define SHARED "../shared/wearable-samples/"
#define LOCAL "tests/data/wearables/"

static const struct imp_options opts_p9 = {.patient = {"p9", 2}};

/* Counts by construction: each synthetic file was written by hand for this test and holds the
 * number of "Data Points" entries shown (grep -c dataTypeName FILE). */
static const struct {
    const char *file;
    const char *code;
    size_t n, skipped;
} takeout[] = {
    {"synthetic_takeout_merge_weight.json", "29463-7", 3, 0},
    {"synthetic_takeout_raw_weight.json", "29463-7", 0, 2}, /* raw stream: skipped */
    {"synthetic_takeout_blood_pressure.json", "85354-9", 2, 0},
    {"synthetic_takeout_steps.json", "55423-8", 3, 0},
};

static void test_takeout_files(void)
{
    char path[256];
    for (size_t i = 0; i < sizeof takeout / sizeof takeout[0]; i++) {
        struct collect *c = collect_new(false), *c2 = collect_new(false);
        struct imp_report r;
        struct fg_error err;
        fg_error_clear(&err);
        snprintf(path, sizeof path, LOCAL "%s", takeout[i].file);
        CHECK_INT(imp_gfit_parse_file(path, &opts_p9, collect_cb, c, &r, &err), FG_OK);
        if (err.status)
            fprintf(stderr, "  %s: %s\n", path, err.diagnostics);
        CHECK_INT(c->n, takeout[i].n);
        CHECK_INT(collect_count(c, takeout[i].code), takeout[i].n);
        CHECK_INT(imp_report_count(&r, takeout[i].code), takeout[i].n);
        CHECK_INT(r.skipped, takeout[i].skipped);
        CHECK_INT(c->bad_shape, 0);
        CHECK_INT(collect_dup_keys(c), 0);
        CHECK_INT(imp_gfit_parse_file(path, &opts_p9, collect_cb, c2, &r, &err), FG_OK);
        CHECK_INT(c2->n, c->n);
        for (size_t k = 0; k < c->n && k < c2->n; k++)
            CHECK_STR(c2->items[k].key, c->items[k].key);
        collect_free(c);
        collect_free(c2);
    }
}

static void test_takeout_values_and_nanos(void)
{
    struct collect *c = collect_new(true);
    struct imp_report r;
    struct fg_error err;
    fg_error_clear(&err);
    CHECK_INT(imp_gfit_parse_file(LOCAL "synthetic_takeout_merge_weight.json", &opts_p9, collect_cb,
                                  c, &r, &err),
              FG_OK);
    const cJSON *w = cJSON_GetArrayItem(c->keep, 0);
    /* 1738156690340000001 ns: a double would lose the last digit */
    CHECK_STR(jstr(w, "effectiveDateTime"), "2025-01-29T13:18:10.340000001Z");
    const cJSON *q = cJSON_GetObjectItemCaseSensitive(w, "valueQuantity");
    CHECK(cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(q, "value")) == 49.2147331237793);
    CHECK_STR(jstr(q, "code"), "kg");
    CHECK_STR(jstr(cJSON_GetArrayItem(c->keep, 1), "effectiveDateTime"),
              "2025-01-30T13:18:10.000Z");
    collect_free(c);

    c = collect_new(true);
    CHECK_INT(imp_gfit_parse_file(LOCAL "synthetic_takeout_blood_pressure.json", &opts_p9,
                                  collect_cb, c, &r, &err),
              FG_OK);
    const cJSON *comp =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(c->keep, 0), "component");
    const cJSON *sys =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(comp, 0), "valueQuantity");
    const cJSON *dia =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(comp, 1), "valueQuantity");
    CHECK(cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(sys, "value")) == 128);
    CHECK(cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(dia, "value")) == 82);
    collect_free(c);

    c = collect_new(true);
    CHECK_INT(imp_gfit_parse_file(LOCAL "synthetic_takeout_steps.json", &opts_p9, collect_cb, c, &r,
                                  &err),
              FG_OK);
    const cJSON *per =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(c->keep, 0), "effectivePeriod");
    CHECK_STR(jstr(per, "start"), "2025-01-29T13:18:10.000Z");
    CHECK_STR(jstr(per, "end"), "2025-01-29T13:19:10.000Z");
    q = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(c->keep, 0), "valueQuantity");
    CHECK(cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(q, "value")) == 47);
    CHECK_STR(jstr(q, "code"), "{steps}");
    collect_free(c);
}

/* Merged and raw streams of the same reading: imported once, and the key a raw point would
 * get is the one its merged copy got (the key uses originDataSourceId, not the stream). */
static void test_merged_vs_raw(void)
{
    static const char merged[] =
        "{\"Data Source\":\"derived:com.google.weight:com.google.android.gms:merge_weight\","
        "\"Data Points\":[{\"fitValue\":[{\"value\":{\"fpVal\":70.5}}],\"originDataSourceId\":"
        "\"raw:com.google.weight:app:user_input\",\"dataTypeName\":\"com.google.weight\","
        "\"startTimeNanos\":1738156690340000000,\"endTimeNanos\":1738156690340000000}]}";
    /* the same point in a stream we would import: a resting-HR-like derived name is not a
     * weight stream, so use a second merged name to get the key of the raw point */
    static const char merged2[] =
        "{\"Data Source\":\"derived:com.google.weight:com.google.android.gms:merged\","
        "\"Data Points\":[{\"fitValue\":[{\"value\":{\"fpVal\":70.5}}],\"originDataSourceId\":"
        "\"raw:com.google.weight:app:user_input\",\"dataTypeName\":\"com.google.weight\","
        "\"startTimeNanos\":\"1738156690340000000\",\"endTimeNanos\":1738156690340000000}]}";
    static const char raw[] =
        "{\"Data Source\":\"raw:com.google.weight:app:user_input\","
        "\"Data Points\":[{\"fitValue\":[{\"value\":{\"fpVal\":70.5}}],\"originDataSourceId\":"
        "\"raw:com.google.weight:app:user_input\",\"dataTypeName\":\"com.google.weight\","
        "\"startTimeNanos\":1738156690340000000,\"endTimeNanos\":1738156690340000000}]}";
    struct collect *a = collect_new(false), *b = collect_new(false), *c = collect_new(false);
    struct imp_report r;
    struct fg_error err;
    fg_error_clear(&err);
    CHECK_INT(imp_gfit_parse_mem(merged, sizeof merged - 1, &opts_p9, collect_cb, a, &r, &err),
              FG_OK);
    CHECK_INT(imp_gfit_parse_mem(merged2, sizeof merged2 - 1, &opts_p9, collect_cb, b, &r, &err),
              FG_OK);
    CHECK_INT(imp_gfit_parse_mem(raw, sizeof raw - 1, &opts_p9, collect_cb, c, &r, &err), FG_OK);
    CHECK_INT(a->n, 1);
    CHECK_INT(b->n, 1);
    CHECK_INT(c->n, 0);
    CHECK_INT(r.skipped, 1);
    CHECK_STR(r.skips[0].reason, "raw stream: Google's merged stream holds the same points");
    CHECK_STR(b->items[0].key, a->items[0].key); /* number or string nanos: same key */
    collect_free(a);
    collect_free(b);
    collect_free(c);
}

static void test_takeout_errors(void)
{
    static const struct {
        const char *doc;
        const char *diag;
    } rows[] = {
        {"{\"Data Points\":[],\"Data Source\":\"derived:x:merge\"}",
         "line 1: \"Data Points\" before \"Data Source\""},
        {"{\"dataSource\":[]}", "dataSources listing"},
        {"{}", "no \"Data Points\""},
        {"[]", "a Takeout All Data file is a JSON object"},
        {"{\"Data Source\":\"derived:com.google.weight:g:merge_weight\",\n\"Data Points\":[\n"
         "{\"fitValue\":[{\"value\":{\"fpVal\":1}}],\"dataTypeName\":\"com.google.weight\","
         "\"startTimeNanos\":1.5e18,\"endTimeNanos\":1}]}",
         "line 3: startTimeNanos is missing or not an integer"},
        {"{\"Data Source\":\"derived:com.google.weight:g:merge_weight\",\"Data Points\":[\n"
         "{\"fitValue\":[{\"value\":{\"fpVal\":1}}],\"dataTypeName\":\"com.google.weight\","
         "\"startTimeNanos\":99999999999999999999,\"endTimeNanos\":1}]}",
         "startTimeNanos is missing or not an integer"},
        {"{\"Data Source\":\"derived:com.google.weight:g:merge_weight\",\"Data Points\":[\n"
         "{\"fitValue\":[{\"value\":{\"fpVal\":1}}],\"dataTypeName\":\"com.google.weight\","
         "\"startTimeNanos\":5,\"endTimeNanos\":4}]}",
         "endTimeNanos is before startTimeNanos"},
        {"{\"Data Source\":\"x\"} {}", "data after the end"},
        {"{\"Data Source\":\"x\",\"n\":01}", "leading zero"},
        {"{\"Data Source\":\"x\n\"}", "control character"},
        {"{\"Data Source\":\"\xc3\x28\"}", "invalid UTF-8"},
        {"{\"Data Source\":\"\\ud800\"}", "lone high surrogate"},
        {"{\"Data Source\":\"abc", "unterminated string"},
        {"{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
         "nested too deeply"},
        {"{\"a\":[}", "mismatched brackets"},
        {"{\"a\" 1}", "':' expected"},
        {"{\"a\":1 \"b\":2}", "',' or '}' expected"},
        {"{\"a\":tru}", "unexpected characters"},
        {"", "a Takeout All Data file is a JSON object"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct collect *c = collect_new(false);
        struct imp_report r;
        struct fg_error err;
        fg_error_clear(&err);
        CHECK_INT(
            imp_gfit_parse_mem(rows[i].doc, strlen(rows[i].doc), &opts_p9, collect_cb, c, &r, &err),
            FG_EINVAL);
        if (!strstr(err.diagnostics, rows[i].diag)) {
            test_failed_checks++;
            fprintf(stderr, "FAIL row %zu: \"%s\" lacks \"%s\"\n", i, err.diagnostics,
                    rows[i].diag);
        }
        CHECK_INT(c->n, 0);
        collect_free(c);
    }
}

static void test_takeout_rest_form_and_bom(void)
{
    /* REST shape ("value":[{"fpVal"}], string nanos), a BOM, unknown members skipped */
    static const char doc[] =
        "\xef\xbb\xbf{\"x\":{\"y\":[1,2,{\"z\":null}]},\"Data Source\":"
        "\"derived:com.google.heart_rate.bpm:com.google.android.gms:resting_heart_rate"
        "<-merge_heart_rate_bpm\",\"Data Points\":[{\"value\":[{\"fpVal\":58.0,\"mapVal\":[]}],"
        "\"dataTypeName\":\"com.google.heart_rate.bpm\",\"startTimeNanos\":\"1738156690000000000\","
        "\"endTimeNanos\":\"1738243089999999999\",\"extra\":true}]}";
    struct collect *c = collect_new(true);
    struct imp_report r;
    struct fg_error err;
    fg_error_clear(&err);
    CHECK_INT(imp_gfit_parse_mem(doc, sizeof doc - 1, &opts_p9, collect_cb, c, &r, &err), FG_OK);
    if (err.status)
        fprintf(stderr, "  %s\n", err.diagnostics);
    CHECK_INT(collect_count(c, "40443-4"), 1); /* the resting stream maps to resting HR */
    const cJSON *per =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(c->keep, 0), "effectivePeriod");
    CHECK_STR(jstr(per, "end"), "2025-01-30T13:18:09.999999999Z");
    collect_free(c);
}

/* A source handing out at most `step` bytes per read: every token and blank run of a document
 * then crosses reads, as tokens cross the lexer's 64 KiB chunks in a large file. */
struct trickle {
    const char *data;
    size_t len, pos, step;
};

static enum fg_status trickle_read(struct imp_src *src, void *buf, size_t cap, size_t *got,
                                   struct fg_error *err)
{
    struct trickle *t = src->impl;
    size_t n = t->len - t->pos;
    (void)err;
    n = n < t->step ? n : t->step;
    n = n < cap ? n : cap;
    memcpy(buf, t->data + t->pos, n);
    t->pos += n;
    *got = n;
    return FG_OK;
}

static void test_takeout_split_reads(void)
{
    /* escapes, UTF-8, a fraction with a leading zero, an exponent, blank runs and newlines */
    static const char doc[] =
        "{\"Data Source\" :\n  \"derived:com.google.weight:com.google.android.gms:merge_weight\",\n"
        "\"note\": \"caf\\u00e9 \xc3\xa9\\n\\\"q\\\"\", \"n\": [0.5, -12e2, 0, 10],\n"
        "\"Data Points\": [\r\n {\"fitValue\": [{\"value\": {\"fpVal\": 72.125}}],\n"
        "  \"originDataSourceId\": \"raw:com.google.weight:com.example.scale:Caf\\u00e9 \xc3\xa9\",\n"
        "  \"dataTypeName\": \"com.google.weight\", \"startTimeNanos\": 1738156690340000001,\n"
        "  \"endTimeNanos\": \"1738156690340000001\"}\n]}\n";
    struct collect *whole = collect_new(true);
    struct imp_report r;
    struct fg_error err;
    fg_error_clear(&err);
    CHECK_INT(imp_gfit_parse_mem(doc, sizeof doc - 1, &opts_p9, collect_cb, whole, &r, &err), FG_OK);
    CHECK_INT(whole->n, 1);
    const cJSON *q =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(whole->keep, 0), "valueQuantity");
    CHECK(cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(q, "value")) == 72.125);
    CHECK_STR(jstr(cJSON_GetArrayItem(whole->keep, 0), "effectiveDateTime"),
              "2025-01-29T13:18:10.340000001Z");
    for (size_t step = 1; step <= 13; step++) {
        struct collect *c = collect_new(false);
        struct trickle t = {doc, sizeof doc - 1, 0, step};
        struct imp_src src = {trickle_read, sizeof doc - 1, &t};
        fg_error_clear(&err);
        CHECK_INT(imp_gfit_parse_src(&src, &opts_p9, collect_cb, c, &r, &err), FG_OK);
        CHECK_INT(c->n, 1);
        if (c->n == 1 && whole->n == 1)
            CHECK_STR(c->items[0].key, whole->items[0].key);
        collect_free(c);
    }
    /* an error's line survives split reads too */
    static const char bad[] = "{\"Data Source\":\n\n\"x\",\n\"n\": 012}";
    for (size_t step = 1; step <= 5; step++) {
        struct trickle t = {bad, sizeof bad - 1, 0, step};
        struct imp_src src = {trickle_read, sizeof bad - 1, &t};
        fg_error_clear(&err);
        CHECK_INT(imp_gfit_parse_src(&src, &opts_p9, collect_cb, NULL, &r, &err), FG_EINVAL);
        CHECK(strstr(err.diagnostics, "line 4: leading zero") != NULL);
    }
    collect_free(whole);
}

static void test_rest_datasources_listing(void)
{
    struct imp_report r;
    struct fg_error err;
    if (access(SHARED "googlefit_fitonfhir_dataSources.json", R_OK) != 0) {
        fprintf(stderr, "  SKIP test_rest_datasources_listing: " SHARED " is absent\n");
        return;
    }
    fg_error_clear(&err);
    /* Expected 0 Observations: the file is a REST dataSources listing (grep -c '"Data Points"'
     * gives 0); it is refused with a message naming what it is. */
    CHECK_INT(imp_gfit_parse_file(SHARED "googlefit_fitonfhir_dataSources.json", &opts_p9,
                                  collect_cb, NULL, &r, &err),
              FG_EINVAL);
    CHECK(strstr(err.diagnostics, "line 2: a Google Fit REST dataSources listing") != NULL);
    CHECK_INT(r.emitted, 0);
}

/* ---- daily CSV ---- */

static void test_csv_sample(void)
{
    const char *path = SHARED "googlefit_kaustubhgupta_daily_activity_metrics.csv";
    if (access(path, R_OK) != 0) {
        fprintf(stderr, "  SKIP test_csv_sample: %s is absent\n", path);
        return;
    }
    /* HOW COUNTED: the header has "Step count" as column 15 of 28;
     *   awk -F, 'NR>1 && $15!=""' FILE | wc -l   gives 1029 of 1053 data rows
     * (the file has no quotes: grep -c '"' gives 0; no duplicate dates: cut -d, -f1 | uniq -d
     * is empty). */
    struct collect *c = collect_new(true);
    struct imp_report r;
    struct fg_error err;
    fg_error_clear(&err);
    CHECK_INT(imp_gfit_daily_csv_file(path, &opts_p9, collect_cb, c, &r, &err), FG_OK);
    if (err.status)
        fprintf(stderr, "  %s\n", err.diagnostics);
    CHECK_INT(c->n, 1029);
    CHECK_INT(collect_count(c, "41950-7"), 1029);
    CHECK_INT(c->bad_shape, 0);
    CHECK_INT(collect_dup_keys(c), 0);
    size_t replace = 0;
    for (size_t i = 0; i < c->n; i++)
        replace += c->items[i].replace;
    CHECK_INT(replace, 1029);
    /* no location data anywhere in what was built (the lat/long columns are never read) */
    char *all = cJSON_PrintUnformatted(c->keep);
    CHECK(all && !strstr(all, "latitude") && !strstr(all, "longitude") && !strstr(all, "(deg)"));
    free(all);
    collect_free(c);
}

static void test_csv_inline(void)
{
    /* the other column order seen in Takeout, CRLF, quoted cells, an empty Step count cell */
    static const char doc[] =
        "Date,Move Minutes count,Calories (kcal),Distance (m),Low latitude (deg),Step count\r\n"
        "2025-02-01,12,\"1,800.5\",2000,18.5,\"4321\"\r\n"
        "2025-02-02,,,,,\r\n"
        "\r\n"
        "2025-02-03,1,2,3,4,10.0\r\n";
    struct collect *c = collect_new(true);
    struct imp_report r;
    struct fg_error err;
    fg_error_clear(&err);
    CHECK_INT(imp_gfit_daily_csv_mem(doc, sizeof doc - 1, &opts_p9, collect_cb, c, &r, &err),
              FG_OK);
    CHECK_INT(c->n, 2);
    const cJSON *o = cJSON_GetArrayItem(c->keep, 0);
    const cJSON *q = cJSON_GetObjectItemCaseSensitive(o, "valueQuantity");
    CHECK(cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(q, "value")) == 4321);
    CHECK_STR(jstr(q, "code"), "/d");
    CHECK_STR(jstr(q, "unit"), "steps per day");
    CHECK_STR(jstr(o, "effectiveDateTime"), "2025-02-01");
    const cJSON *cats = cJSON_GetObjectItemCaseSensitive(o, "category");
    CHECK_INT(cJSON_GetArraySize(cats), 2); /* activity + PhysicalActivity */
    q = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(c->keep, 1), "valueQuantity");
    CHECK(cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(q, "value")) == 10);
    collect_free(c);
}

static void test_csv_day_identity(void)
{
    /* a fuller re-export of the same day keeps the day's identifier (value not in the key) */
    static const char a[] = "Date,Step count\n2025-02-01,100\n2025-02-02,100\n";
    static const char b[] = "Step count,Date\n250,2025-02-01\n";
    struct collect *ca = collect_new(false), *cb = collect_new(false);
    struct imp_report r;
    struct fg_error err;
    fg_error_clear(&err);
    CHECK_INT(imp_gfit_daily_csv_mem(a, sizeof a - 1, &opts_p9, collect_cb, ca, &r, &err), FG_OK);
    CHECK_INT(imp_gfit_daily_csv_mem(b, sizeof b - 1, &opts_p9, collect_cb, cb, &r, &err), FG_OK);
    CHECK_INT(ca->n, 2);
    CHECK_INT(cb->n, 1);
    CHECK_STR(cb->items[0].key, ca->items[0].key);
    CHECK(strcmp(ca->items[0].key, ca->items[1].key) != 0);
    CHECK(cb->items[0].replace);
    collect_free(ca);
    collect_free(cb);
}

static void test_csv_errors(void)
{
    static const struct {
        const char *doc;
        const char *diag;
    } rows[] = {
        {"Day,Step count\n2025-01-01,5\n", "line 1: no \"Date\" column"},
        {"Date,Step count\n2025-01-01,5\n2025-02-30,6\n", "line 3: Date is not YYYY-MM-DD"},
        {"Date,Step count\n2025-01-01,12.5\n", "line 2: Step count is not a whole number"},
        {"Date,Step count\n2025-01-01,-3\n", "line 2: Step count is not a whole number"},
        {"Date,Step count\n2025-01-01,5,6\n", "line 2: more cells than header columns"},
        {"Date,Step count\n\"2025-01-01,5\n", "unterminated quoted field"},
        {"", "empty file"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct imp_report r;
        struct fg_error err;
        fg_error_clear(&err);
        CHECK_INT(imp_gfit_daily_csv_mem(rows[i].doc, strlen(rows[i].doc), &opts_p9, NULL, NULL, &r,
                                         &err),
                  FG_EINVAL);
        if (!strstr(err.diagnostics, rows[i].diag)) {
            test_failed_checks++;
            fprintf(stderr, "FAIL row %zu: \"%s\" lacks \"%s\"\n", i, err.diagnostics,
                    rows[i].diag);
        }
    }
}

static void test_alloc_failures(void)
{
    size_t len = 0;
    char *doc = slurp(LOCAL "synthetic_takeout_merge_weight.json", &len);
    CHECK(doc != NULL);
    for (unsigned long nth = 1; doc && nth < 100; nth++) {
        struct imp_report r;
        struct fg_error err;
        fg_error_clear(&err);
        fg_mem_fail_at(nth);
        enum fg_status st = imp_gfit_parse_mem(doc, len, &opts_p9, NULL, NULL, &r, &err);
        fg_mem_fail_at(0);
        CHECK(st == FG_OK || st == FG_ENOMEM);
        if (st == FG_OK)
            break;
    }
    free(doc);
}

TEST_MAIN(test_takeout_files, test_takeout_values_and_nanos, test_merged_vs_raw,
          test_takeout_errors, test_takeout_rest_form_and_bom, test_takeout_split_reads,
          test_rest_datasources_listing,
          test_csv_sample, test_csv_inline, test_csv_day_identity, test_csv_errors,
          test_alloc_failures)
