/* everything_test.c - the $everything parameters (query pairs and
 * Parameters), the paging cursor, the type order, the per-type search and
 * which included resources a page keeps. */
#include "../test.h"

#include "core/fg_buf.h"
#include "core/fg_pool.h"
#include "fhir/everything.h"

#define KV(n, v) {{n, sizeof n - 1}, {v, sizeof v - 1}}

static void test_pairs(void)
{
    static const struct {
        struct fhir_kv kv[4];
        size_t n;
        bool strict;
        enum fg_status st;
        const char *expr; /* error expression, or NULL */
    } rows[] = {
        {{KV("_format", "json")}, 1, true, FG_OK, NULL},
        {{KV("start", "2024-01-01"), KV("end", "2024-12-31T10:00:00Z")}, 2, true, FG_OK, NULL},
        {{KV("_since", "2026-11-23T10:00:00Z"), KV("_count", "5")}, 2, true, FG_OK, NULL},
        {{KV("_type", "Observation,Condition"), KV("_type", "Practitioner")}, 2, true, FG_OK, NULL},
        {{KV("_cursor", "Observation.AbC-_9"), KV("_type", "Observation")}, 2, true, FG_OK, NULL},
        {{KV("_cursor", "Patient")}, 1, true, FG_OK, NULL},
        {{KV("_count", "99999")}, 1, true, FG_OK, NULL},
        {{KV("whatever", "x")}, 1, false, FG_OK, NULL},
        {{KV("whatever", "x")}, 1, true, FG_EINVAL, "parameter"},
        {{KV("start", "2024-13-01")}, 1, false, FG_EINVAL, "start"},
        {{KV("start", "")}, 1, false, FG_EINVAL, "start"},
        {{KV("start", "2024"), KV("start", "2025")}, 2, false, FG_EINVAL, "start"},
        {{KV("end", "yesterday")}, 1, false, FG_EINVAL, "end"},
        {{KV("start", "2025-01-01"), KV("end", "2024-12-31")}, 2, false, FG_EINVAL, "start"},
        {{KV("start", "2024-12-31T23:00:00Z"), KV("end", "2024-12-31")}, 2, false, FG_OK, NULL},
        {{KV("_since", "2026-11-23")}, 1, false, FG_EINVAL, "_since"},
        {{KV("_since", "2026-11-23T10:00Z")}, 1, false, FG_EINVAL, "_since"},
        {{KV("_type", "Observation,Nonsense")}, 1, false, FG_EINVAL, "_type"},
        {{KV("_type", "Observation,")}, 1, false, FG_EINVAL, "_type"},
        {{KV("_type", "")}, 1, false, FG_EINVAL, "_type"},
        {{KV("_count", "0")}, 1, false, FG_EINVAL, "_count"},
        {{KV("_count", "-3")}, 1, false, FG_EINVAL, "_count"},
        {{KV("_count", "5x")}, 1, false, FG_EINVAL, "_count"},
        {{KV("_count", "5"), KV("_count", "6")}, 2, false, FG_EINVAL, "_count"},
        {{KV("_cursor", "Practitioner.abc")}, 1, false, FG_EINVAL, "_cursor"},
        {{KV("_cursor", "Observation.")}, 1, false, FG_EINVAL, "_cursor"},
        {{KV("_cursor", "Nonsense.abc")}, 1, false, FG_EINVAL, "_cursor"},
        {{KV("_cursor", "")}, 1, false, FG_EINVAL, "_cursor"},
        {{KV("_cursor", "Patient"), KV("_cursor", "Patient")}, 2, false, FG_EINVAL, "_cursor"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct fhir_everything_params p;
        struct fg_error err;
        fg_error_clear(&err);
        enum fg_status st =
            fhir_everything_from_pairs(rows[i].kv, rows[i].n, rows[i].strict, &p, &err);
        CHECK_INT(st, rows[i].st);
        if (rows[i].expr)
            CHECK_STR(err.expression, rows[i].expr);
    }
}

static void test_values(void)
{
    struct fhir_kv in[] = {KV("_type", "Observation,Condition"), KV("_type", "Observation"),
                           KV("_count", "99999"), KV("_cursor", "Observation.xyz.1")};
    struct fhir_everything_params p;
    struct fg_error err;
    fg_error_clear(&err);
    CHECK_INT(fhir_everything_from_pairs(in, 4, true, &p, &err), FG_OK);
    CHECK_INT(p.n_types, 2); /* each type once */
    CHECK_SLICE(p.types[0], "Observation");
    CHECK_SLICE(p.types[1], "Condition");
    CHECK_INT(p.count, FG_MAX_COUNT);
    CHECK_SLICE(p.cursor_type, "Observation");
    CHECK_SLICE(p.cursor_store, "xyz.1"); /* the store's cursor is opaque */

    CHECK_INT(fhir_everything_from_pairs(NULL, 0, true, &p, &err), FG_OK);
    CHECK_INT(p.count, FG_DEFAULT_COUNT);
    CHECK_INT(p.n_types, 0);
    CHECK_INT(p.cursor_type.len, 0);
}

static void test_parameters(void)
{
    static const struct {
        const char *json;
        enum fg_status st;
        const char *start, *type0;
        int count;
    } rows[] = {
        {"{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"start\",\"valueDate\":\"2024-01-01\"},"
         "{\"name\":\"_type\",\"valueCode\":\"Observation,Patient\"},{\"name\":\"_count\",\"valueInteger\":7},"
         "{\"name\":\"_since\",\"valueInstant\":\"2026-01-01T00:00:00Z\"}]}",
         FG_OK, "2024-01-01", "Observation", 7},
        {"{\"resourceType\":\"Parameters\"}", FG_OK, "", NULL, FG_DEFAULT_COUNT},
        {"{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"_type\",\"valueString\":\"Condition\"},"
         "{\"name\":\"_count\",\"valuePositiveInt\":2000}]}", FG_OK, "", "Condition", FG_MAX_COUNT},
        {"{\"resourceType\":\"Patient\"}", FG_EINVAL, NULL, NULL, 0},
        {"{\"resourceType\":\"Parameters\",\"parameter\":{}}", FG_EINVAL, NULL, NULL, 0},
        {"{\"resourceType\":\"Parameters\",\"parameter\":[{\"valueDate\":\"2024\"}]}", FG_EINVAL, NULL, NULL, 0},
        {"{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"_count\",\"valueInteger\":2.5}]}",
         FG_EINVAL, NULL, NULL, 0},
        {"{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"_count\",\"valueInteger\":\"7\"}]}",
         FG_EINVAL, NULL, NULL, 0},
        {"{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"_count\",\"valueInteger\":0}]}",
         FG_EINVAL, NULL, NULL, 0},
        {"{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"end\",\"valueDate\":\"soon\"}]}",
         FG_EINVAL, NULL, NULL, 0},
        /* a start without a value: an empty start */
        {"{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"start\",\"valueBoolean\":true}]}",
         FG_EINVAL, NULL, NULL, 0},
        {"{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"_cursor\",\"valueString\":\"Patient\"}]}",
         FG_EINVAL, NULL, NULL, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct fg_pool *pool = fg_pool_new();
        cJSON *j = cJSON_Parse(rows[i].json);
        struct fhir_everything_params p;
        struct fg_error err;
        fg_error_clear(&err);
        CHECK(j != NULL);
        CHECK_INT(fhir_everything_from_parameters(pool, j, true, &p, &err), rows[i].st);
        if (rows[i].st == FG_OK) {
            CHECK_SLICE(p.start, rows[i].start);
            if (rows[i].type0)
                CHECK_SLICE(p.types[0], rows[i].type0);
            CHECK_INT(p.count, rows[i].count);
        }
        cJSON_Delete(j);
        fg_pool_free(&pool);
    }
}

static bool listed(const char *const *list, size_t n, const char *t)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], t) == 0)
            return true;
    return false;
}

static void test_types_and_dates(void)
{
    const char *types[FHIR_EVERYTHING_MAX_SEARCHED];
    size_t n = 0;
    struct fhir_everything_params p = {.count = 10};
    fhir_everything_types(&p, types, &n);
    CHECK(n > 30);
    CHECK_STR(types[0], "Patient");
    for (size_t i = 2; i < n; i++)
        CHECK(strcmp(types[i - 1], types[i]) < 0); /* alphabetical after the Patient */
    CHECK(listed(types, n, "Observation") && listed(types, n, "Coverage"));
    CHECK(listed(types, n, "Device"));         /* by its patient parameter */
    CHECK(!listed(types, n, "Practitioner"));  /* reference data: only as included */
    CHECK(!listed(types, n, "Binary"));
    CHECK(fhir_everything_by_patient_param(fg_str_c("Device")));
    CHECK(!fhir_everything_by_patient_param(fg_str_c("Observation")));

    struct fhir_kv only[] = {KV("_type", "Practitioner,Condition")};
    struct fg_error err;
    fg_error_clear(&err);
    CHECK_INT(fhir_everything_from_pairs(only, 1, true, &p, &err), FG_OK);
    fhir_everything_types(&p, types, &n);
    CHECK_INT(n, 1);
    CHECK_STR(types[0], "Condition");

    static const struct {
        const char *type, *param;
    } dates[] = {
        {"Observation", "date"}, {"Encounter", "date"}, {"Condition", "onset-date"},
        {"DocumentReference", "period"}, {"MedicationRequest", "authoredon"},
        {"Immunization", "date"}, {"Patient", NULL}, {"Coverage", NULL},
    };
    for (size_t i = 0; i < sizeof dates / sizeof dates[0]; i++) {
        const char *got = fhir_everything_date_param(fg_str_c(dates[i].type));
        if (dates[i].param)
            CHECK_STR(got ? got : "(none)", dates[i].param);
        else
            CHECK(got == NULL);
    }
}

static const char *pair(const struct fhir_kv *kv, size_t n, const char *name, size_t nth)
{
    static char buf[512];
    for (size_t i = 0; i < n; i++) {
        if (fg_str_eq_c(kv[i].name, name) && nth-- == 0) {
            snprintf(buf, sizeof buf, "%.*s", (int)kv[i].value.len, kv[i].value.ptr);
            return buf;
        }
    }
    return "(absent)";
}

static bool has_pair(const struct fhir_kv *kv, size_t n, const char *name, const char *value)
{
    for (size_t i = 0; i < n; i++)
        if (fg_str_eq_c(kv[i].name, name) && fg_str_eq_c(kv[i].value, value))
            return true;
    return false;
}

static void test_search_pairs(void)
{
    struct fg_pool *pool = fg_pool_new();
    struct fhir_kv in[] = {KV("start", "2024-01-01"), KV("end", "2024-06-30"),
                           KV("_since", "2026-01-01T00:00:00+02:00")};
    struct fhir_everything_params p;
    struct fg_error err;
    fg_error_clear(&err);
    CHECK_INT(fhir_everything_from_pairs(in, 3, true, &p, &err), FG_OK);
    struct fhir_kv *out = NULL;
    size_t n = 0;
    CHECK_INT(fhir_everything_search_pairs(pool, &p, fg_str_c("Condition"), fg_str_c("amy"), 7,
                                           fg_str_c("CUR"), &out, &n),
              FG_OK);
    CHECK_STR(pair(out, n, "_count", 0), "7");
    CHECK_STR(pair(out, n, "onset-date", 0), "ge2024-01-01");
    CHECK_STR(pair(out, n, "onset-date", 1), "le2024-06-30");
    CHECK_STR(pair(out, n, "_lastUpdated", 0), "ge2026-01-01T00:00:00+02:00");
    CHECK(has_pair(out, n, "_include", "Condition:asserter"));   /* Practitioner, ... */
    CHECK(has_pair(out, n, "_include", "Condition:encounter") == false); /* searched */
    CHECK(n <= FHIR_EVERYTHING_MAX_PAIRS);
    CHECK_STR(pair(out, n, "_revinclude", 0), "Provenance:target");
    CHECK_STR(pair(out, n, "_cursor", 0), "CUR");
    CHECK_STR(pair(out, n, "patient", 0), "(absent)"); /* the caller confines to the compartment */

    CHECK_INT(fhir_everything_search_pairs(pool, &p, fg_str_c("Device"), fg_str_c("amy"), 3,
                                           FG_STR_NULL, &out, &n),
              FG_OK);
    CHECK_STR(pair(out, n, "patient", 0), "Patient/amy");
    CHECK_STR(pair(out, n, "date", 0), "(absent)");
    CHECK_STR(pair(out, n, "_cursor", 0), "(absent)");
    CHECK(has_pair(out, n, "_include", "Device:organization"));

    /* every type's includes fit the search's limit */
    const char *types[FHIR_EVERYTHING_MAX_SEARCHED];
    size_t n_types = 0;
    struct fhir_everything_params all = {.count = 10};
    fhir_everything_types(&all, types, &n_types);
    for (size_t i = 0; i < n_types; i++) {
        CHECK_INT(fhir_everything_search_pairs(pool, &all, fg_str_c(types[i]), fg_str_c("amy"),
                                               5, fg_str_c("C"), &out, &n),
                  FG_OK);
        size_t incl = 0;
        for (size_t k = 0; k < n; k++)
            incl += fg_str_eq_c(out[k].name, "_include") || fg_str_eq_c(out[k].name, "_revinclude");
        CHECK(incl <= FG_MAX_INCLUDES);
        struct fhir_query q;
        struct fg_error perr;
        fg_error_clear(&perr);
        CHECK_INT(fhir_search_parse(pool, fg_str_c(types[i]), fg_str_c("http://x/fhir"), out, n,
                                    FHIR_HANDLING_STRICT, &q, &perr),
                  FG_OK); /* the search engine takes every pair, even strictly */
    }

    /* _type naming only searched types: nothing to include */
    struct fhir_kv only[] = {KV("_type", "Observation")};
    CHECK_INT(fhir_everything_from_pairs(only, 1, true, &p, &err), FG_OK);
    CHECK_INT(fhir_everything_search_pairs(pool, &p, fg_str_c("Observation"), FG_STR_NULL, 3,
                                           FG_STR_NULL, &out, &n),
              FG_OK);
    CHECK_STR(pair(out, n, "_include", 0), "(absent)");
    CHECK_STR(pair(out, n, "_revinclude", 0), "(absent)");
    fg_pool_free(&pool);
}

static void test_keep_include(void)
{
    static struct fg_str amy[] = {{"amy", 3}}, max[] = {{"max", 3}};
    static const char *const searched[] = {"Patient", "Device", "Observation", "Provenance"};
    struct fhir_everything_params all = {.count = 10};
    struct fhir_everything_params obs_only = {.count = 10, .n_types = 1};
    obs_only.types[0] = fg_str_c("Observation");
    static const struct {
        const char *type;
        struct fg_str *compartment;
        size_t n_compartment;
        bool by_all, by_obs_only;
    } rows[] = {
        {"Practitioner", NULL, 0, true, false},   /* reference data */
        {"Provenance", NULL, 0, true, false},     /* targets the patient's resources */
        {"Provenance", amy, 1, false, false},     /* a match of the Provenance search */
        {"Observation", amy, 1, false, false},    /* a match of its own search */
        {"Observation", max, 1, false, false},    /* another patient's */
        {"Device", NULL, 0, false, false},        /* comes from its own search */
        {"RelatedPerson", amy, 1, true, false},   /* the patient's, type not searched */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct fhir_resource r = {.type = fg_str_c(rows[i].type), .id = fg_str_c("x"),
                                  .compartment = rows[i].compartment,
                                  .n_compartment = rows[i].n_compartment};
        CHECK_INT(fhir_everything_keep_include(&all, fg_str_c("amy"), searched, 4, &r),
                  rows[i].by_all);
        CHECK_INT(fhir_everything_keep_include(&obs_only, fg_str_c("amy"), searched, 4, &r),
                  rows[i].by_obs_only);
    }
    /* type level: nobody's compartment is "the" patient's */
    struct fhir_resource rp = {.type = fg_str_c("RelatedPerson"), .compartment = amy,
                               .n_compartment = 1};
    CHECK(!fhir_everything_keep_include(&all, FG_STR_NULL, searched, 4, &rp));
}

static void test_write(void)
{
    struct fg_buf b;
    fg_buf_init(&b, 4096);
    struct fhir_kv in[] = {KV("_since", "2026-01-01T00:00:00+02:00"), KV("_type", "Observation"),
                           KV("_count", "7"), KV("_cursor", "Patient")};
    struct fhir_everything_params p;
    struct fg_error err;
    fg_error_clear(&err);
    CHECK_INT(fhir_everything_from_pairs(in, 4, true, &p, &err), FG_OK);
    CHECK_INT(fg_buf_append_c(&b, "http://x/fhir/Patient/amy/$everything?"), FG_OK);
    CHECK_INT(fhir_everything_write_query(&p, &b), FG_OK);
    CHECK_SLICE(fg_buf_str(&b), "http://x/fhir/Patient/amy/$everything?"
                                "_since=2026-01-01T00:00:00%2B02:00&_type=Observation&_count=7");
    fg_buf_reset(&b);
    CHECK_INT(fhir_everything_write_cursor(fg_str_c("Observation"), fg_str_c("a+b"), &b), FG_OK);
    CHECK_SLICE(fg_buf_str(&b), "Observation.a%2Bb");
    fg_buf_reset(&b);
    struct fhir_everything_params dflt = {.count = FG_DEFAULT_COUNT};
    CHECK_INT(fhir_everything_write_query(&dflt, &b), FG_OK);
    CHECK_INT(b.len, 0);
    fg_buf_cleanup(&b);
}

TEST_MAIN(test_pairs, test_values, test_parameters, test_types_and_dates, test_search_pairs,
          test_keep_include, test_write)
