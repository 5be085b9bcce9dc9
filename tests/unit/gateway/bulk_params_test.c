/* bulk_params_test.c - the $export kick-off parameters: Prefer, _type,
 * _since, _outputFormat, unsupported parameters, Parameters bodies. */
#include "../../../gateway/bulk_params.h"

#include <string.h>

#include "../test.h"

static void test_prefer(void)
{
    static const struct {
        const char *in;
        bool async, lenient;
    } rows[] = {
        {"respond-async", true, false},
        {"RESPOND-ASYNC", true, false},
        {" respond-async , handling=lenient", true, true},
        {"respond-async; handling=\"lenient\"", true, true},
        {"handling=strict", false, false},
        {"return=minimal", false, false},
        {"respond-asynchronously", false, false},
        {"respond-async=1", false, false},
        {"", false, false},
        {",,;", false, false},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        bool a = !rows[i].async, l = !rows[i].lenient;
        fg_bulk_prefer_parse(fg_str_c(rows[i].in), &a, &l);
        CHECK_INT(a, rows[i].async);
        CHECK_INT(l, rows[i].lenient);
    }
    bool a = true, l = true;
    fg_bulk_prefer_parse(FG_STR_NULL, &a, &l);
    CHECK(!a && !l);
}

#define BASE "https://gw.example/fhir"

/* Parses "name=value&..." style rows (value may hold ','); one pair per '&'. */
static enum fg_status parse(struct fg_pool *pool, const char *q, bool lenient,
                            struct fg_bulk_params *out, struct fg_error *err)
{
    struct fhir_kv kv[40];
    size_t n = 0;
    struct fg_str rest = fg_str_c(q), pair, name, value;
    while (rest.len && n < 40) {
        fg_str_split(rest, '&', &pair, &rest);
        fg_str_split(pair, '=', &name, &value);
        kv[n++] = (struct fhir_kv){name, value};
    }
    fg_error_clear(err);
    return fg_bulk_params_parse(pool, fg_str_c(BASE), kv, n, lenient, out, err);
}

/* _type decides which types an export writes (none: every type). */
static void test_wants_type(void)
{
    static const struct {
        const char *q;
        const char *type;
        bool wanted;
    } rows[] = {
        {"", "Observation", true},
        {"_type=Patient,Observation", "Observation", true},
        {"_type=Patient,Observation", "Condition", false},
        {"_type=Patient", "Patient", true},
        {"_type=Patient", "Patients", false},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct fg_bulk_params p;
        struct fg_error err;
        struct fg_pool *pool = fg_pool_new();
        CHECK_INT(parse(pool, rows[i].q, false, &p, &err), FG_OK);
        CHECK(fg_bulk_params_wants_type(&p, rows[i].type) == rows[i].wanted);
        fg_pool_free(&pool);
    }
}

static void test_parse(void)
{
    static const struct {
        const char *q;
        bool lenient;
        enum fg_status st;
        size_t n_types;
        const char *first_type;
        int64_t since_us; /* -1: none */
        const char *expr;
    } rows[] = {
        {"", false, FG_OK, 0, NULL, -1, ""},
        {"_type=Patient,Observation", false, FG_OK, 2, "Patient", -1, ""},
        {"_type=Observation&_type=Patient,Observation", false, FG_OK, 2, "Observation", -1, ""},
        {"_type= Condition , ,Patient", false, FG_OK, 2, "Condition", -1, ""},
        {"_type=Patinet", false, FG_EINVAL, 0, NULL, -1, "_type"},
        {"_type=patient", false, FG_EINVAL, 0, NULL, -1, "_type"},
        {"_since=2026-11-20T00:00:00Z", false, FG_OK, 0, NULL, 1795132800000000, ""},
        {"_since=2026-11-20T01:00:00.500+01:00", false, FG_OK, 0, NULL, 1795132800500000, ""},
        {"_since=2026-11-20T01:00:00 01:00", false, FG_OK, 0, NULL, 1795132800000000, ""},
        {"_since=2026-11-20", false, FG_EINVAL, 0, NULL, -1, "_since"},
        {"_since=2026-11-20T00:00:00", false, FG_EINVAL, 0, NULL, -1, "_since"},
        {"_since=2026-11-20T00:00Z", false, FG_EINVAL, 0, NULL, -1, "_since"},
        {"_since=2026-02-30T00:00:00Z", false, FG_EINVAL, 0, NULL, -1, "_since"},
        {"_since=yesterday", false, FG_EINVAL, 0, NULL, -1, "_since"},
        {"_since=2026-11-20T00:00:00Z&_since=2026-11-21T00:00:00Z", false, FG_EINVAL, 0, NULL, -1,
         "_since"},
        {"_outputFormat=application/fhir+ndjson", false, FG_OK, 0, NULL, -1, ""},
        {"_outputFormat=application/fhir ndjson", false, FG_OK, 0, NULL, -1, ""},
        {"_outputFormat=application/ndjson", false, FG_OK, 0, NULL, -1, ""},
        {"_outputFormat=ndjson", false, FG_OK, 0, NULL, -1, ""},
        {"_outputFormat=text/csv", false, FG_EINVAL, 0, NULL, -1, "_outputFormat"},
        {"_outputFormat=application/fhir+json", false, FG_EINVAL, 0, NULL, -1, "_outputFormat"},
        {"_outputFormat=ndjson&_outputFormat=ndjson", false, FG_EINVAL, 0, NULL, -1,
         "_outputFormat"},
        {"_typeFilter=Observation?category=laboratory", false, FG_OK, 0, NULL, -1, ""},
        {"_typeFilter=Observation?category=laboratory,vital-signs&_type=Observation", false, FG_OK,
         1, "Observation", -1, ""},
        {"_typeFilter=Observation?code=x&_type=Patient", false, FG_EINVAL, 0, NULL, -1,
         "_typeFilter"},
        {"_typeFilter=Observation?code=x&_type=Patient", true, FG_OK, 1, "Patient", -1, ""},
        {"_typeFilter=x&_type=Patient", true, FG_EINVAL, 0, NULL, -1, "_typeFilter"},
        {"_typeFilter=Observation", false, FG_EINVAL, 0, NULL, -1, "_typeFilter"},
        {"_typeFilter=Observation?", false, FG_EINVAL, 0, NULL, -1, "_typeFilter"},
        {"_typeFilter=Observaton?code=x", false, FG_EINVAL, 0, NULL, -1, "_typeFilter"},
        {"_typeFilter=Observation?frobnicate=1", false, FG_EINVAL, 0, NULL, -1, "_typeFilter"},
        {"_typeFilter=Observation?frobnicate=1", true, FG_OK, 0, NULL, -1, ""},
        {"_typeFilter=Observation?date=notadate", true, FG_EINVAL, 0, NULL, -1, "_typeFilter"},
        {"_typeFilter=Observation?_sort:desc=date", false, FG_EINVAL, 0, NULL, -1,
         "_typeFilter"},
        {"_typeFilter=Observation?_include=Observation:subject", false, FG_EINVAL, 0, NULL, -1,
         "_typeFilter"},
        {"_typeFilter=Observation?code=%zz", false, FG_EINVAL, 0, NULL, -1, "_typeFilter"},
        {"_elements=id", false, FG_OK, 0, NULL, -1, ""},
        {"_elements=Patient.name, status ,Observation.value", false, FG_OK, 0, NULL, -1, ""},
        {"_elements=name.given", false, FG_EINVAL, 0, NULL, -1, "_elements"},
        {"_elements=Patinet.name", false, FG_EINVAL, 0, NULL, -1, "_elements"},
        {"_elements=na-me", false, FG_EINVAL, 0, NULL, -1, "_elements"},
        {"_elements=Patient.", false, FG_EINVAL, 0, NULL, -1, "_elements"},
        {"patient=Patient/amy", false, FG_OK, 0, NULL, -1, ""},
        {"patient=" BASE "/Patient/amy&patient=Patient/amy", false, FG_OK, 0, NULL, -1, ""},
        {"patient=Group/amy", false, FG_EINVAL, 0, NULL, -1, "patient"},
        {"patient=https://other.example/fhir/Patient/amy", false, FG_EINVAL, 0, NULL, -1,
         "patient"},
        {"patient=Patient/a b", false, FG_EINVAL, 0, NULL, -1, "patient"},
        {"patient=", false, FG_EINVAL, 0, NULL, -1, "patient"},
        {"includeAssociatedData=LatestProvenanceResources", false, FG_ENOTSUP, 0, NULL, -1, ""},
        {"foo=bar", false, FG_ENOTSUP, 0, NULL, -1, ""},
        {"foo=bar", true, FG_OK, 0, NULL, -1, ""},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct fg_bulk_params p;
        struct fg_error err;
        struct fg_pool *pool = fg_pool_new();
        memset(&p, 0x5a, sizeof p);
        enum fg_status st = parse(pool, rows[i].q, rows[i].lenient, &p, &err);
        CHECK_INT(st, rows[i].st);
        if (st != rows[i].st)
            fprintf(stderr, "  row %zu: %s -> %s\n", i, rows[i].q, err.diagnostics);
        if (st != FG_OK) {
            CHECK_STR(err.expression, rows[i].expr);
            CHECK(err.diagnostics[0] != '\0');
            CHECK(p.n_types == (size_t)0x5a5a5a5a5a5a5a5aULL); /* untouched */
            CHECK_INT(fg_error_http_status(&err), 400);
            fg_pool_free(&pool);
            continue;
        }
        CHECK_INT(p.n_types, rows[i].n_types);
        if (rows[i].first_type)
            CHECK_STR(p.types[0], rows[i].first_type);
        CHECK_INT(p.has_since, rows[i].since_us >= 0);
        if (rows[i].since_us >= 0)
            CHECK_INT(p.since_us, rows[i].since_us);
        fg_pool_free(&pool);
    }
}

/* What the parsed values hold: filters per type in order, element names per
 * type, patient ids once each; a copy survives the request's pool. */
static void test_values(void)
{
    struct fg_pool *pool = fg_pool_new(), *keep = fg_pool_new();
    struct fg_bulk_params p, copy;
    struct fg_error err;
    CHECK_INT(parse(pool,
                    "_typeFilter=Observation?category=laboratory&_typeFilter=Condition?"
                    "clinical-status=active&_typeFilter=Observation?code=http://loinc.org|1-8&"
                    "_elements=Patient.name,status,Observation.code&patient=Patient/amy&"
                    "patient=" BASE "/Patient/lily&patient=Patient/amy",
                    false, &p, &err),
              FG_OK);
    CHECK_INT(p.n_filters, 3);
    CHECK_STR(p.filters[0].type, "Observation");
    CHECK_SLICE(p.filters[0].query, "category=laboratory");
    CHECK_STR(p.filters[1].type, "Condition");
    CHECK_SLICE(p.filters[2].query, "code=http://loinc.org|1-8");
    CHECK_INT(p.n_patients, 2);
    CHECK_SLICE(p.patients[0], "amy");
    CHECK_SLICE(p.patients[1], "lily");
    CHECK_INT(fg_bulk_params_copy(keep, &p, &copy), FG_OK);
    fg_pool_free(&pool);
    CHECK_SLICE(copy.filters[2].query, "code=http://loinc.org|1-8");
    CHECK_SLICE(copy.patients[1], "lily");
    struct fg_str names[FG_MAX_BULK_ELEMENTS];
    size_t n = 99;
    fg_bulk_params_elements_for(&copy, "Patient", names, &n);
    CHECK_INT(n, 2);
    CHECK_SLICE(names[0], "name");
    CHECK_SLICE(names[1], "status");
    fg_bulk_params_elements_for(&copy, "Observation", names, &n);
    CHECK_INT(n, 2);
    CHECK_SLICE(names[0], "status");
    CHECK_SLICE(names[1], "code");
    fg_bulk_params_elements_for(&copy, "Encounter", names, &n);
    CHECK_INT(n, 1);
    struct fg_bulk_params none;
    memset(&none, 0, sizeof none);
    fg_bulk_params_elements_for(&none, "Patient", names, &n);
    CHECK_INT(n, 0);
    fg_pool_free(&keep);
}

static void test_limits(void)
{
    /* every resource type once is fine; then a repeated list stays deduplicated */
    struct fhir_kv kv[FG_MAX_BULK_PARAMS + 1];
    for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++)
        kv[i] = (struct fhir_kv){fg_str_c("_type"), fg_str_c("Patient")};
    struct fg_bulk_params p;
    struct fg_error err;
    struct fg_pool *pool = fg_pool_new();
    fg_error_clear(&err);
    CHECK_INT(fg_bulk_params_parse(pool, FG_STR_NULL, kv, FG_MAX_BULK_PARAMS, false, &p, &err),
              FG_OK);
    CHECK_INT(p.n_types, 1);
    fg_error_clear(&err);
    CHECK_INT(fg_bulk_params_parse(pool, FG_STR_NULL, kv, FG_MAX_BULK_PARAMS + 1, false, &p, &err),
              FG_EINVAL);
    CHECK_STR(fg_error_issue_code(&err), "too-costly");
    /* one _typeFilter too many */
    for (size_t i = 0; i <= FG_MAX_BULK_TYPE_FILTERS; i++)
        kv[i] = (struct fhir_kv){fg_str_c("_typeFilter"), fg_str_c("Observation?code=x")};
    fg_error_clear(&err);
    CHECK_INT(fg_bulk_params_parse(pool, FG_STR_NULL, kv, FG_MAX_BULK_TYPE_FILTERS, false, &p, &err),
              FG_OK);
    CHECK_INT(p.n_filters, FG_MAX_BULK_TYPE_FILTERS);
    fg_error_clear(&err);
    CHECK_INT(fg_bulk_params_parse(pool, FG_STR_NULL, kv, FG_MAX_BULK_TYPE_FILTERS + 1, false, &p,
                                   &err),
              FG_EINVAL);
    CHECK_STR(err.expression, "_typeFilter");
    CHECK_STR(fg_error_issue_code(&err), "too-costly");
    /* many patients: each kept once, in order, through the array's growth */
    static struct fhir_kv many[FG_MAX_BULK_PATIENTS + 1];
    for (size_t i = 0; i <= FG_MAX_BULK_PATIENTS; i++)
        many[i] = (struct fhir_kv){fg_str_c("patient"),
                                   fg_str_c(fg_pool_printf(pool, "Patient/p%zu", i))};
    fg_error_clear(&err);
    CHECK_INT(fg_bulk_params_parse(pool, FG_STR_NULL, many, FG_MAX_BULK_PATIENTS, false, &p, &err),
              FG_OK);
    CHECK_INT(p.n_patients, FG_MAX_BULK_PATIENTS);
    bool in_order = true;
    for (size_t i = 0; i < p.n_patients; i++)
        in_order &= fg_str_eq_c(p.patients[i], fg_pool_printf(pool, "p%zu", i));
    CHECK(in_order);
    fg_error_clear(&err);
    CHECK_INT(fg_bulk_params_parse(pool, FG_STR_NULL, many, FG_MAX_BULK_PATIENTS + 1, false, &p,
                                   &err),
              FG_EINVAL);
    CHECK_STR(err.expression, "patient");
    fg_pool_free(&pool);
}

static void test_parameters_body(void)
{
    static const struct {
        const char *json;
        enum fg_status st;
        size_t n;
        const char *name0, *value0;
    } rows[] = {
        {"{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"_type\",\"valueString\":"
         "\"Patient\"},{\"name\":\"_since\",\"valueInstant\":\"2026-11-20T00:00:00Z\"}]}",
         FG_OK, 2, "_type", "Patient"},
        {"{\"resourceType\":\"Parameters\"}", FG_OK, 0, NULL, NULL},
        {"{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"patient\",\"valueReference\":"
         "{\"reference\":\"Patient/amy\"}}]}",
         FG_OK, 1, "patient", "Patient/amy"},
        {"{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"patient\",\"valueReference\":"
         "{\"display\":\"Amy\"}}]}",
         FG_OK, 1, "patient", ""},
        {"{\"resourceType\":\"Parameters\",\"parameter\":[{\"valueString\":\"x\"}]}", FG_EINVAL, 0,
         NULL, NULL},
        {"{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"_type\"}]}", FG_EINVAL, 0,
         NULL, NULL},
        {"{\"resourceType\":\"Parameters\",\"parameter\":{}}", FG_EINVAL, 0, NULL, NULL},
        {"{\"resourceType\":\"Patient\"}", FG_EINVAL, 0, NULL, NULL},
        {"[1,2]", FG_EINVAL, 0, NULL, NULL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct fg_pool *pool = fg_pool_new();
        cJSON *j = cJSON_Parse(rows[i].json);
        struct fhir_kv *kv = NULL;
        size_t n = 99;
        struct fg_error err;
        fg_error_clear(&err);
        enum fg_status st = fg_bulk_params_from_parameters(pool, j, &kv, &n, &err);
        CHECK_INT(st, rows[i].st);
        if (st == FG_OK) {
            CHECK_INT(n, rows[i].n);
            if (rows[i].name0) {
                CHECK_SLICE(kv[0].name, rows[i].name0);
                CHECK_SLICE(kv[0].value, rows[i].value0);
            }
        } else {
            CHECK(err.diagnostics[0] != '\0');
            CHECK_INT(n, 99);
        }
        cJSON_Delete(j);
        fg_pool_free(&pool);
    }
    /* a body's patient without a reference is then refused by name */
    struct fhir_kv kv = {fg_str_c("patient"), FG_STR_NULL};
    struct fg_bulk_params p;
    struct fg_error err;
    struct fg_pool *pool = fg_pool_new();
    fg_error_clear(&err);
    CHECK_INT(fg_bulk_params_parse(pool, FG_STR_NULL, &kv, 1, false, &p, &err), FG_EINVAL);
    CHECK_STR(err.expression, "patient");
    fg_pool_free(&pool);
}

TEST_MAIN(test_prefer, test_wants_type, test_parse, test_values, test_limits, test_parameters_body)
