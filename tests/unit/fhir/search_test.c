/* search_test.c - FHIR search request parsing (fhir/search*.c).
 *
 * Table-driven: each row is a query string as a client sends it (real bad
 * bytes included) with the status it must give and, when it parses, the
 * fields and the canonical query string written back.
 */
#include "../test.h"

#include "core/fg_buf.h"
#include "core/fg_limits.h"
#include "core/fg_mem.h"
#include "core/fg_pool.h"
#include "fhir/search.h"

#define BASE "http://example.org/fhir"
#define LENIENT FHIR_HANDLING_LENIENT
#define STRICT FHIR_HANDLING_STRICT

static enum fg_status run(struct fg_pool *pool, const char *type, const char *query,
                          enum fhir_search_handling h, struct fhir_query *q, struct fg_error *err)
{
    struct fhir_kv *kv = NULL;
    size_t n = 0;
    fg_error_clear(err);
    enum fg_status st = fhir_form_parse(pool, fg_str_c(query), FG_MAX_SEARCH_PARAMS, &kv, &n, err);
    if (st == FG_OK)
        st = fhir_search_parse(pool, fg_str_c(type), fg_str_c(BASE), kv, n, h, q, err);
    return st;
}

/* The canonical query string of q, in pool memory ("" on failure). */
static const char *canon(struct fg_pool *pool, const struct fhir_query *q, enum fg_status *st)
{
    struct fg_buf b;
    fg_buf_init(&b, 64 * 1024);
    *st = fhir_search_write_query(q, &b);
    struct fg_str s = fg_buf_str(&b);
    char *out = fg_pool_strndup(pool, s.ptr, s.len);
    fg_buf_cleanup(&b);
    return out ? out : "";
}

/* Names of q->ignored joined by ' '. */
static const char *ignored_names(struct fg_pool *pool, const struct fhir_query *q)
{
    struct fg_buf b;
    fg_buf_init(&b, 4096);
    for (size_t i = 0; i < q->n_ignored; i++) {
        if (i)
            fg_buf_append_char(&b, ' ');
        fg_buf_append_str(&b, q->ignored[i].name);
    }
    struct fg_str s = fg_buf_str(&b);
    char *out = fg_pool_strndup(pool, s.ptr, s.len);
    fg_buf_cleanup(&b);
    return out ? out : "";
}

/* ---- the whole pipeline: status, parameter count, canonical form ------ */

static const struct {
    const char *type, *query;
    enum fhir_search_handling h;
    enum fg_status st;
    size_t n_params;
    const char *canonical; /* OK rows: fhir_search_write_query output */
    const char *ignored;   /* OK rows: ignored names; error rows: diagnostic substring */
} rows[] = {
    /* tokens, OR and AND */
    {"Observation", "code=http://loinc.org|1234-5", LENIENT, FG_OK, 1,
     "code=http://loinc.org%7C1234-5", ""},
    {"Observation", "code=a,b&code=c", LENIENT, FG_OK, 2, "code=a,b&code=c", ""},
    {"Observation", "code=a%5C,b", LENIENT, FG_OK, 1, "code=a%5C,b", ""},
    {"Observation", "code=%7Cx,sys%7C", LENIENT, FG_OK, 1, "code=%7Cx,sys%7C", ""},
    {"Observation", "code:not=x&code:text=heart+attack", LENIENT, FG_OK, 2,
     "code:not=x&code:text=heart%20attack", ""},
    {"Observation", "status=final,,amended,", LENIENT, FG_OK, 1,
     "status=final,amended", ""},
    /* dates, numbers, quantities */
    {"Observation", "date=ge2020-01-01&date=lt2021", LENIENT, FG_OK, 2,
     "date=ge2020-01-01&date=lt2021", ""},
    {"Observation", "_lastUpdated=gt2020-01-01T10:00:00+01:00", LENIENT, FG_OK, 1,
     "_lastUpdated=gt2020-01-01T10:00:00%2B01:00", ""},
    {"RiskAssessment", "probability=gt0.8,1e2", LENIENT, FG_OK, 1,
     "probability=gt0.8,1e2", ""},
    {"Observation", "value-quantity=gt5.4|http://unitsofmeasure.org|mg", LENIENT, FG_OK, 1,
     "value-quantity=gt5.4%7Chttp://unitsofmeasure.org%7Cmg", ""},
    {"Observation", "value-quantity=5.4||mg,le7", LENIENT, FG_OK, 1,
     "value-quantity=5.4%7C%7Cmg,le7", ""},
    /* strings and uris */
    {"Patient", "name:exact=Peter&family:contains=eve&given=Zo%C3%AB", LENIENT, FG_OK, 3,
     "name:exact=Peter&family:contains=eve&given=Zo%C3%AB", ""},
    {"Patient", "_profile:below=http://hl7.org/fhir/us/core", LENIENT, FG_OK, 1,
     "_profile:below=http://hl7.org/fhir/us/core", ""},
    /* references */
    {"Observation", "subject=Patient/1", LENIENT, FG_OK, 1, "subject=Patient/1", ""},
    {"Observation", "subject=http://example.org/fhir/Patient/1", LENIENT, FG_OK, 1,
     "subject=Patient/1", ""},
    {"Observation", "subject=http://other.org/fhir/Patient/1/_history/2", LENIENT, FG_OK, 1,
     "subject=http://other.org/fhir/Patient/1", ""},
    {"Observation", "subject:Patient=1&patient=Patient/2/_history/3", LENIENT, FG_OK, 2,
     "subject:Patient=1&patient=Patient/2", ""},
    {"Observation", "patient=amy&subject=max", LENIENT, FG_OK, 2,
     "patient=Patient/amy&subject=max", ""},
    {"Observation", "subject:identifier=http://x|123", LENIENT, FG_OK, 1,
     "subject:identifier=http://x%7C123", ""},
    {"Observation", "subject:missing=true&code:missing=false", LENIENT, FG_OK, 2,
     "subject:missing=true&code:missing=false", ""},
    /* chains */
    {"Observation", "subject:Patient.name=peter", LENIENT, FG_OK, 1,
     "subject:Patient.name=peter", ""},
    {"Observation", "patient.name:exact=Peter", LENIENT, FG_OK, 1,
     "patient.name:exact=Peter", ""},
    {"Observation", "patient.organization.name=acme", LENIENT, FG_OK, 1,
     "patient.organization.name=acme", ""},
    /* specials */
    {"Observation", "_id=a,b&_tag=http://s|t&_security=|R", LENIENT, FG_OK, 3,
     "_id=a,b&_tag=http://s%7Ct&_security=%7CR", ""},
    /* result parameters */
    {"Observation", "_sort=-date,status,_lastUpdated&_count=10", LENIENT, FG_OK, 0,
     "_sort=-date,status,_lastUpdated&_count=10", ""},
    {"Observation", "_count=5000", LENIENT, FG_OK, 0, "_count=1000", ""},
    {"Observation", "_count=99999999999999999999999", LENIENT, FG_OK, 0, "_count=1000", ""},
    {"Observation", "_count=0", LENIENT, FG_OK, 0, "_count=0", ""},
    {"Observation", "_count=50&_count=7", LENIENT, FG_OK, 0, "_count=7", ""},
    {"Observation", "_count=7&_count=50", LENIENT, FG_OK, 0, "", ""},
    {"Observation",
     "_include=Observation:subject:Patient&_revinclude:iterate=Provenance:target&_include=*"
     "&_include:recurse=Observation:*",
     LENIENT, FG_OK, 0,
     "_include=Observation:subject:Patient&_revinclude:iterate=Provenance:target&_include=*"
     "&_include:iterate=Observation:*",
     ""},
    {"Observation", "_total=none&_summary=count&_elements=id,status,,code", LENIENT, FG_OK, 0,
     "_elements=id,status,code&_summary=count&_total=none", ""},
    {"Observation", "_cursor=abc%2Fdef&_format=json&_pretty=true&code=x", LENIENT, FG_OK, 1,
     "code=x", ""},
    /* lenient: left out and listed */
    {"Observation", "foo=1&code=x&bar:exact=2", LENIENT, FG_OK, 1, "code=x",
     "foo bar:exact"},
    {"Observation", "_has:Observation:patient:code=1234&_list=l1&_text=x&_filter=a", LENIENT,
     FG_OK, 0, "", "_has:Observation:patient:code _list _text _filter"},
    {"Observation", "code-value-quantity=code$loinc|12907-2", LENIENT, FG_OK, 0, "",
     "code-value-quantity"},
    {"Observation", "code=&date&status=,", LENIENT, FG_OK, 0, "", "code date status"},
    {"Observation", "patient.nope=1", LENIENT, FG_OK, 0, "", "patient.nope"},
    /* form errors: the real bad bytes */
    {"Observation", "code=%zz", LENIENT, FG_EINVAL, 0, NULL, "'code'"},
    {"Observation", "code=abc%", LENIENT, FG_EINVAL, 0, NULL, "'code'"},
    {"Observation", "code=%4", LENIENT, FG_EINVAL, 0, NULL, "'code'"},
    {"Observation", "code=%C0%AF", LENIENT, FG_EINVAL, 0, NULL, "'code'"},
    {"Observation", "code=%ED%A0%80", LENIENT, FG_EINVAL, 0, NULL, "'code'"},
    {"Observation", "code=%F4%90%80%80", LENIENT, FG_EINVAL, 0, NULL, "'code'"},
    {"Observation", "code=a%00b", LENIENT, FG_EINVAL, 0, NULL, "'code'"},
    {"Observation", "co%zzde=1", LENIENT, FG_EINVAL, 0, NULL, "name"},
    /* result parameter errors */
    {"Observation", "_count=-1", LENIENT, FG_EINVAL, 0, NULL, "_count"},
    {"Observation", "_count=abc", LENIENT, FG_EINVAL, 0, NULL, "_count"},
    {"Observation", "_count=1.5", LENIENT, FG_EINVAL, 0, NULL, "_count"},
    {"Observation", "_count:exact=5", LENIENT, FG_EINVAL, 0, NULL, "modifier"},
    {"Observation", "_sort=nope", LENIENT, FG_EINVAL, 0, NULL, "nope"},
    {"Observation", "_sort=date,", LENIENT, FG_EINVAL, 0, NULL, "_sort"},
    {"Observation", "_sort=-", LENIENT, FG_EINVAL, 0, NULL, "_sort"},
    {"Observation", "_summary=bogus", LENIENT, FG_EINVAL, 0, NULL, "_summary"},
    {"Observation", "_total=all", LENIENT, FG_EINVAL, 0, NULL, "_total"},
    {"Observation", "_elements=id,(x)", LENIENT, FG_EINVAL, 0, NULL, "_elements"},
    {"Observation", "_include=Observation:nope", LENIENT, FG_EINVAL, 0, NULL, "Observation:nope"},
    {"Observation", "_include=Observation:code", LENIENT, FG_EINVAL, 0, NULL, "reference"},
    {"Observation", "_include=Foo:subject", LENIENT, FG_EINVAL, 0, NULL, "Foo:subject"},
    {"Observation", "_include=Observation:subject:Medication", LENIENT, FG_EINVAL, 0, NULL,
     "target"},
    {"Observation", "_include=Observation", LENIENT, FG_EINVAL, 0, NULL, "_include"},
    {"Observation", "_include:deep=Observation:subject", LENIENT, FG_EINVAL, 0, NULL, "iterate"},
    /* value errors */
    {"Observation", "date=2020-13-01", LENIENT, FG_EINVAL, 0, NULL,
     "Invalid date '2020-13-01' in parameter 'date'"},
    {"Observation", "date=xx2020", LENIENT, FG_EINVAL, 0, NULL, "prefix 'xx'"},
    {"Observation", "date=ge", LENIENT, FG_EINVAL, 0, NULL, "date"},
    {"Observation", "value-quantity=5.4|mg", LENIENT, FG_EINVAL, 0, NULL, "quantity"},
    {"Observation", "value-quantity=abc", LENIENT, FG_EINVAL, 0, NULL, "quantity"},
    {"RiskAssessment", "probability=0.5.1", LENIENT, FG_EINVAL, 0, NULL, "probability"},
    {"Observation", "subject=Foo/1", LENIENT, FG_EINVAL, 0, NULL, "reference"},
    {"Observation", "subject=Patient/1/extra", LENIENT, FG_EINVAL, 0, NULL, "reference"},
    {"Observation", "subject:Patient=Group/1", LENIENT, FG_EINVAL, 0, NULL, "reference"},
    {"Observation", "subject:missing=maybe", LENIENT, FG_EINVAL, 0, NULL, "missing"},
    /* modifier errors */
    {"Observation", "subject:Foo=1", LENIENT, FG_EINVAL, 0, NULL, "':Foo'"},
    {"Observation", "subject:Medication=1", LENIENT, FG_EINVAL, 0, NULL, "subject"},
    {"Observation", "code:bogus=x", LENIENT, FG_EINVAL, 0, NULL, "':bogus'"},
    {"Observation", "code:iterate=x", LENIENT, FG_EINVAL, 0, NULL, "iterate"},
    {"Observation", "date:exact=2020", LENIENT, FG_EINVAL, 0, NULL, "date"},
    {"Patient", "name:text=x", LENIENT, FG_EINVAL, 0, NULL, "name"},
    {"Observation", "code:below=x", LENIENT, FG_ENOTSUP, 0, NULL, "below"},
    {"Observation", "code:in=http://vs", LENIENT, FG_ENOTSUP, 0, NULL, "in"},
    /* chain errors */
    {"Observation", "code.name=x", LENIENT, FG_EINVAL, 0, NULL, "reference"},
    {"Observation", "subject.name=peter", LENIENT, FG_EINVAL, 0, NULL, "subject:Patient.name"},
    {"Observation", "patient.organization.partof.name=x", LENIENT, FG_EINVAL, 0, NULL, "deep"},
    {"Observation", "subject:missing.name=x", LENIENT, FG_EINVAL, 0, NULL, "modifier"},
    /* strict handling */
    {"Observation", "foo=1", STRICT, FG_EINVAL, 0, NULL,
     "Unknown search parameter 'foo' for type 'Observation'"},
    {"Observation", "patient.nope=1", STRICT, FG_EINVAL, 0, NULL, "'nope' for type 'Patient'"},
    {"Observation", "_has:Observation:patient:code=1", STRICT, FG_ENOTSUP, 0, NULL, "_has"},
    {"Observation", "code-value-quantity=x$1", STRICT, FG_ENOTSUP, 0, NULL, "composite"},
    {"Observation", "code=x&_format=json&code=", STRICT, FG_OK, 1, "code=x", "code"},
    /* the type itself */
    {"Nope", "code=x", LENIENT, FG_EINVAL, 0, NULL, "Nope"},
};

static void test_rows(void)
{
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct fg_pool *pool = fg_pool_new();
        struct fhir_query q = {0};
        struct fg_error err;
        enum fg_status st = run(pool, rows[i].type, rows[i].query, rows[i].h, &q, &err);
        test_current = rows[i].query;
        CHECK_INT(st, rows[i].st);
        if (st == FG_OK && rows[i].st == FG_OK) {
            enum fg_status wst;
            CHECK_INT(q.n_params, rows[i].n_params);
            CHECK_STR(canon(pool, &q, &wst), rows[i].canonical);
            CHECK_INT(wst, FG_OK);
            CHECK_STR(ignored_names(pool, &q), rows[i].ignored);
        } else if (st != FG_OK) {
            CHECK_INT(err.status, st);
            if (!strstr(err.diagnostics, rows[i].ignored))
                CHECK_STR(err.diagnostics, rows[i].ignored);
        }
        fg_pool_free(&pool);
    }
    test_current = "test_rows";
}

/* The canonical form parses back to itself. */
static void test_round_trip(void)
{
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        if (rows[i].st != FG_OK)
            continue;
        struct fg_pool *pool = fg_pool_new();
        struct fhir_query q = {0}, q2 = {0};
        struct fg_error err;
        enum fg_status wst;
        CHECK_INT(run(pool, rows[i].type, rows[i].query, rows[i].h, &q, &err), FG_OK);
        const char *c1 = canon(pool, &q, &wst);
        CHECK_INT(run(pool, rows[i].type, c1, STRICT, &q2, &err), FG_OK);
        CHECK_STR(canon(pool, &q2, &wst), c1);
        fg_pool_free(&pool);
    }
}

/* ---- typed values ------------------------------------------------------ */

static void test_token_values(void)
{
    static const struct {
        const char *query;
        bool has_system;
        const char *system, *code, *text;
    } t[] = {
        {"code=1234-5", false, "", "1234-5", "1234-5"},
        {"code=http://loinc.org|1234-5", true, "http://loinc.org", "1234-5",
         "http://loinc.org|1234-5"},
        {"code=|1234-5", true, "", "1234-5", "|1234-5"},
        {"code=http://loinc.org|", true, "http://loinc.org", "", "http://loinc.org|"},
        {"code=a%5C|b|c", true, "a|b", "c", "a|b|c"},
        {"code=a%5C%5C|b", true, "a\\", "b", "a\\|b"},
        {"code:text=a|b", false, "", "", "a|b"},
        {"_id=x|y", false, "", "x|y", "x|y"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        struct fg_pool *pool = fg_pool_new();
        struct fhir_query q = {0};
        struct fg_error err;
        test_current = t[i].query;
        CHECK_INT(run(pool, "Observation", t[i].query, LENIENT, &q, &err), FG_OK);
        if (q.n_params == 1 && q.params[0].n_values == 1) {
            const struct fhir_search_value *v = &q.params[0].values[0];
            CHECK_INT(v->has_system, t[i].has_system);
            CHECK_SLICE(v->system, t[i].system);
            CHECK_SLICE(v->code, t[i].code);
            CHECK_SLICE(v->text, t[i].text);
            CHECK_INT(v->prefix, FHIR_PREFIX_NONE);
        } else {
            CHECK(!"one parameter with one value");
        }
        fg_pool_free(&pool);
    }
    test_current = "test_token_values";
}

static void test_date_values(void)
{
    static const struct {
        const char *query;
        enum fhir_prefix prefix;
        int64_t lo, hi;
    } t[] = {
        {"date=2020", FHIR_PREFIX_NONE, 1577836800000, 1609459199999},
        {"date=eq2020-01-01", FHIR_PREFIX_EQ, 1577836800000, 1577923199999},
        {"date=ge2020-02", FHIR_PREFIX_GE, 1580515200000, 1583020799999},
        {"date=lt2020-01-01T10:00:00%2B01:00", FHIR_PREFIX_LT, 1577869200000, 1577869200999},
        {"date=sa2020-01-01T10:00:00+01:00", FHIR_PREFIX_SA, 1577869200000, 1577869200999},
        {"date=ne2020", FHIR_PREFIX_NE, 1577836800000, 1609459199999},
        {"date=gt2020", FHIR_PREFIX_GT, 1577836800000, 1609459199999},
        {"date=le2020", FHIR_PREFIX_LE, 1577836800000, 1609459199999},
        {"date=eb2020", FHIR_PREFIX_EB, 1577836800000, 1609459199999},
        {"date=ap2020", FHIR_PREFIX_AP, 1577836800000, 1609459199999},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        struct fg_pool *pool = fg_pool_new();
        struct fhir_query q = {0};
        struct fg_error err;
        test_current = t[i].query;
        CHECK_INT(run(pool, "Observation", t[i].query, LENIENT, &q, &err), FG_OK);
        if (q.n_params == 1 && q.params[0].n_values == 1) {
            const struct fhir_search_value *v = &q.params[0].values[0];
            CHECK_INT(v->prefix, t[i].prefix);
            CHECK_INT(v->range.lo, t[i].lo);
            CHECK_INT(v->range.hi, t[i].hi);
        } else {
            CHECK(!"one parameter with one value");
        }
        fg_pool_free(&pool);
    }
    test_current = "test_date_values";
}

static bool near(double a, double b)
{
    return fabs(a - b) <= 1e-9 * (fabs(b) > 1 ? fabs(b) : 1);
}

static void test_number_values(void)
{
    static const struct {
        const char *type, *query;
        enum fhir_prefix prefix;
        double v, lo, hi;
        const char *usys, *ucode;
    } t[] = {
        {"RiskAssessment", "probability=100", FHIR_PREFIX_NONE, 100, 99.5, 100.5, "", ""},
        {"RiskAssessment", "probability=1.50", FHIR_PREFIX_NONE, 1.5, 1.495, 1.505, "", ""},
        {"RiskAssessment", "probability=gt1e2", FHIR_PREFIX_GT, 100, 50, 150, "", ""},
        {"RiskAssessment", "probability=1.0e2", FHIR_PREFIX_NONE, 100, 95, 105, "", ""},
        {"RiskAssessment", "probability=ne-0.25", FHIR_PREFIX_NE, -0.25, -0.255, -0.245, "",
         ""},
        {"RiskAssessment", "probability=ap1.5E-1", FHIR_PREFIX_AP, 0.15, 0.145, 0.155, "", ""},
        {"Observation", "value-quantity=le5.4|http://unitsofmeasure.org|mg", FHIR_PREFIX_LE, 5.4,
         5.35, 5.45, "http://unitsofmeasure.org", "mg"},
        {"Observation", "value-quantity=5.4||mg", FHIR_PREFIX_NONE, 5.4, 5.35, 5.45, "", "mg"},
        {"Observation", "value-quantity=eb40", FHIR_PREFIX_EB, 40, 39.5, 40.5, "", ""},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        struct fg_pool *pool = fg_pool_new();
        struct fhir_query q = {0};
        struct fg_error err;
        test_current = t[i].query;
        CHECK_INT(run(pool, t[i].type, t[i].query, LENIENT, &q, &err), FG_OK);
        if (q.n_params == 1 && q.params[0].n_values == 1) {
            const struct fhir_search_value *v = &q.params[0].values[0];
            CHECK_INT(v->prefix, t[i].prefix);
            CHECK(near(v->number, t[i].v));
            CHECK(near(v->number_lo, t[i].lo));
            CHECK(near(v->number_hi, t[i].hi));
            CHECK_SLICE(v->unit_system, t[i].usys);
            CHECK_SLICE(v->unit_code, t[i].ucode);
        } else {
            CHECK(!"one parameter with one value");
        }
        fg_pool_free(&pool);
    }
    test_current = "test_number_values";
}

static void test_reference_values(void)
{
    static const struct {
        const char *query;
        enum fhir_modifier mod;
        const char *mod_type, *type, *id, *url;
    } t[] = {
        {"subject=Patient/1", FHIR_MOD_NONE, "", "Patient", "1", ""},
        {"subject=123", FHIR_MOD_NONE, "", "", "123", ""},
        {"patient=123", FHIR_MOD_NONE, "", "Patient", "123", ""},
        {"subject:Patient=123", FHIR_MOD_TYPE, "Patient", "Patient", "123", ""},
        {"subject:Patient=Patient/123", FHIR_MOD_TYPE, "Patient", "Patient", "123", ""},
        {"subject=Patient/1/_history/7", FHIR_MOD_NONE, "", "Patient", "1", ""},
        {"subject=http://example.org/fhir/Group/g1", FHIR_MOD_NONE, "", "Group", "g1", ""},
        {"subject=http://example.org/fhir/Patient/1/_history/2", FHIR_MOD_NONE, "", "Patient",
         "1", ""},
        {"subject=https://other.org/r4/Patient/p-9", FHIR_MOD_NONE, "", "Patient", "p-9",
         "https://other.org/r4/Patient/p-9"},
        {"subject=https://other.org/r4/Patient/p-9/_history/1", FHIR_MOD_NONE, "", "Patient",
         "p-9", "https://other.org/r4/Patient/p-9"},
        {"subject=https://example.org/fhirx/Patient/1", FHIR_MOD_NONE, "", "Patient", "1",
         "https://example.org/fhirx/Patient/1"},
        {"subject=urn:uuid:0b6f0f8e-9d5a-4f8a-9f5e-1c2d3e4f5a6b", FHIR_MOD_NONE, "", "", "",
         "urn:uuid:0b6f0f8e-9d5a-4f8a-9f5e-1c2d3e4f5a6b"},
        {"subject=http://other.org/x", FHIR_MOD_NONE, "", "", "", "http://other.org/x"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        struct fg_pool *pool = fg_pool_new();
        struct fhir_query q = {0};
        struct fg_error err;
        test_current = t[i].query;
        CHECK_INT(run(pool, "Observation", t[i].query, LENIENT, &q, &err), FG_OK);
        if (q.n_params == 1 && q.params[0].n_values == 1) {
            const struct fhir_search_param *p = &q.params[0];
            const struct fhir_search_value *v = &p->values[0];
            CHECK_INT(p->modifier, t[i].mod);
            CHECK_SLICE(p->modifier_type, t[i].mod_type);
            CHECK_SLICE(v->ref_type, t[i].type);
            CHECK_SLICE(v->ref_id, t[i].id);
            CHECK_SLICE(v->ref_url, t[i].url);
            CHECK(p->def && p->def->type == FHIR_PARAM_REFERENCE);
        } else {
            CHECK(!"one parameter with one value");
        }
        fg_pool_free(&pool);
    }
    test_current = "test_reference_values";
}

static void test_modifiers_and_missing(void)
{
    static const struct {
        const char *type, *query;
        enum fhir_modifier mod;
        bool missing;
    } t[] = {
        {"Observation", "code:missing=true", FHIR_MOD_MISSING, true},
        {"Observation", "date:missing=false", FHIR_MOD_MISSING, false},
        {"Patient", "name:exact=Eve", FHIR_MOD_EXACT, false},
        {"Patient", "name:contains=ev", FHIR_MOD_CONTAINS, false},
        {"Observation", "code:not=x", FHIR_MOD_NOT, false},
        {"Observation", "code:text=x", FHIR_MOD_TEXT, false},
        {"Observation", "_profile:above=http://x/a/b", FHIR_MOD_ABOVE, false},
        {"Observation", "_source:below=http://x/a", FHIR_MOD_BELOW, false},
        {"Observation", "subject:identifier=s|v", FHIR_MOD_IDENTIFIER, false},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        struct fg_pool *pool = fg_pool_new();
        struct fhir_query q = {0};
        struct fg_error err;
        test_current = t[i].query;
        CHECK_INT(run(pool, t[i].type, t[i].query, LENIENT, &q, &err), FG_OK);
        if (q.n_params == 1 && q.params[0].n_values == 1) {
            CHECK_INT(q.params[0].modifier, t[i].mod);
            CHECK_INT(q.params[0].values[0].missing, t[i].missing);
        } else {
            CHECK(!"one parameter with one value");
        }
        fg_pool_free(&pool);
    }
    test_current = "test_modifiers_and_missing";
}

static void test_chains(void)
{
    static const struct {
        const char *query;
        const char *outer, *target, *inner;
        enum fhir_param_type inner_type;
        const char *text;
        bool two_deep;
    } t[] = {
        {"subject:Patient.name=peter", "subject", "Patient", "name", FHIR_PARAM_STRING, "peter",
         false},
        {"patient.name=peter", "patient", "Patient", "name", FHIR_PARAM_STRING, "peter", false},
        {"patient.birthdate=ge2000", "patient", "Patient", "birthdate", FHIR_PARAM_DATE, "2000",
         false},
        {"patient.organization.name=acme", "patient", "Patient", "organization",
         FHIR_PARAM_REFERENCE, "acme", true},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        struct fg_pool *pool = fg_pool_new();
        struct fhir_query q = {0};
        struct fg_error err;
        test_current = t[i].query;
        CHECK_INT(run(pool, "Observation", t[i].query, LENIENT, &q, &err), FG_OK);
        if (q.n_params == 1 && q.params[0].chain) {
            const struct fhir_search_param *p = &q.params[0];
            const struct fhir_search_param *in = p->chain->inner;
            CHECK_SLICE(p->name, t[i].outer);
            CHECK_INT(p->n_values, 0);
            CHECK_SLICE(p->chain->target_type, t[i].target);
            CHECK_SLICE(in->name, t[i].inner);
            CHECK(in->def && in->def->type == t[i].inner_type);
            CHECK(strcmp(in->def->resource, t[i].target) == 0);
            if (t[i].two_deep) {
                CHECK(in->chain && fg_str_eq_c(in->chain->target_type, "Organization"));
                in = in->chain ? in->chain->inner : in;
            }
            CHECK(!in->chain);
            CHECK_INT(in->n_values, 1);
            if (in->n_values)
                CHECK_SLICE(in->values[0].text, t[i].text);
        } else {
            CHECK(!"one chained parameter");
        }
        fg_pool_free(&pool);
    }
    test_current = "test_chains";
}

static void test_result_fields(void)
{
    struct fg_pool *pool = fg_pool_new();
    struct fhir_query q = {0};
    struct fg_error err;
    CHECK_INT(run(pool, "Observation",
                  "_sort=-date,_id&_include:iterate=Observation:has-member&"
                  "_revinclude=Provenance:target&_include=Observation:*&_summary=data&"
                  "_cursor=p%3D2&_elements=code",
                  LENIENT, &q, &err),
              FG_OK);
    CHECK_INT(q.count, FG_DEFAULT_COUNT);
    CHECK_INT(q.n_sorts, 2);
    if (q.n_sorts == 2) {
        CHECK_SLICE(q.sorts[0].name, "date");
        CHECK(q.sorts[0].descending && q.sorts[0].def && q.sorts[0].def->type == FHIR_PARAM_DATE);
        CHECK_SLICE(q.sorts[1].name, "_id");
        CHECK(!q.sorts[1].descending && q.sorts[1].def == NULL);
    }
    CHECK_INT(q.n_includes, 3);
    if (q.n_includes == 3) {
        CHECK(!q.includes[0].reverse && q.includes[0].iterate && !q.includes[0].wildcard);
        CHECK_SLICE(q.includes[0].source_type, "Observation");
        CHECK(q.includes[0].def && strcmp(q.includes[0].def->code, "has-member") == 0);
        CHECK(q.includes[1].reverse && !q.includes[1].iterate);
        CHECK_SLICE(q.includes[1].source_type, "Provenance");
        CHECK(q.includes[1].def && strcmp(q.includes[1].def->code, "target") == 0);
        CHECK_SLICE(q.includes[1].target_type, "");
        CHECK(q.includes[2].wildcard && q.includes[2].def == NULL);
    }
    CHECK_INT(q.summary, FHIR_SUMMARY_DATA);
    CHECK_INT(q.total, FHIR_TOTAL_ACCURATE);
    CHECK_SLICE(q.cursor, "p=2");
    CHECK_INT(q.n_elements, 1);
    CHECK_SLICE(q.type, "Observation");
    fg_pool_free(&pool);
}

static void test_ignored_reasons(void)
{
    struct fg_pool *pool = fg_pool_new();
    struct fhir_query q = {0};
    struct fg_error err;
    CHECK_INT(run(pool, "Observation",
                  "nope=1&code-value-quantity=a$1&_has:Observation:patient:code=1&status=&"
                  "code=x",
                  LENIENT, &q, &err),
              FG_OK);
    CHECK_INT(q.n_params, 1);
    CHECK_INT(q.n_ignored, 4);
    if (q.n_ignored == 4) {
        CHECK_SLICE(q.ignored[0].name, "nope");
        CHECK_SLICE(q.ignored[0].reason, "unknown search parameter");
        CHECK_SLICE(q.ignored[1].name, "code-value-quantity");
        CHECK_SLICE(q.ignored[1].reason, "composite search parameters are not supported");
        CHECK_SLICE(q.ignored[2].reason, "parameter not supported by this server");
        CHECK_SLICE(q.ignored[3].name, "status");
        CHECK_SLICE(q.ignored[3].reason, "empty value");
    }
    fg_pool_free(&pool);
}

static void test_form_parse(void)
{
    struct fg_pool *pool = fg_pool_new();
    struct fhir_kv *kv = NULL;
    size_t n = 0;
    struct fg_error err;
    fg_error_clear(&err);
    CHECK_INT(fhir_form_parse(pool, fg_str_c("a=1&&b=2+3%2B&c&=x&d=e=f&"), 10, &kv, &n, &err),
              FG_OK);
    CHECK_INT(n, 4);
    if (n == 4) {
        CHECK_SLICE(kv[0].name, "a");
        CHECK_SLICE(kv[0].value, "1");
        CHECK_SLICE(kv[1].name, "b");
        CHECK_SLICE(kv[1].value, "2 3+");
        CHECK_SLICE(kv[2].name, "c");
        CHECK_SLICE(kv[2].value, "");
        CHECK_SLICE(kv[3].name, "d");
        CHECK_SLICE(kv[3].value, "e=f");
    }
    CHECK_INT(fhir_form_parse(pool, fg_str_c(""), 10, &kv, &n, &err), FG_OK);
    CHECK_INT(n, 0);
    CHECK_INT(fhir_form_parse(pool, fg_str_c("a=1&b=2&c=3"), 2, &kv, &n, &err), FG_EINVAL);
    CHECK_STR(err.issue_code, "too-costly");
    fg_error_clear(&err);
    CHECK_INT(fhir_form_parse(pool, fg_str_c("a=1&b=%GG"), 10, &kv, &n, &err), FG_EINVAL);
    CHECK(strstr(err.diagnostics, "'b'") != NULL);
    fg_pool_free(&pool);
}

/* Limits: values in total, parameters, includes. */
static void test_limits(void)
{
    struct fg_pool *pool = fg_pool_new();
    struct fhir_query q = {0};
    struct fg_error err;
    struct fg_buf b;

    fg_buf_init(&b, 1 << 20);
    fg_buf_append_c(&b, "code=");
    for (int i = 0; i <= FG_MAX_SEARCH_VALUES; i++)
        fg_buf_printf(&b, i ? ",c%d" : "c%d", i);
    CHECK_INT(run(pool, "Observation", b.data, LENIENT, &q, &err), FG_EINVAL);
    CHECK(strstr(err.diagnostics, "Too many values") != NULL);

    /* Exactly the limit spread over two parameters is fine; one more is not. */
    fg_buf_reset(&b);
    for (int i = 0; i < FG_MAX_SEARCH_VALUES; i++)
        fg_buf_printf(&b, i == 0 ? "code=c%d" : i == 64 ? "&status=s%d" : ",c%d", i);
    CHECK_INT(run(pool, "Observation", b.data, LENIENT, &q, &err), FG_OK);
    fg_buf_append_c(&b, "&category=x");
    CHECK_INT(run(pool, "Observation", b.data, LENIENT, &q, &err), FG_EINVAL);

    fg_buf_reset(&b);
    for (int i = 0; i <= FG_MAX_INCLUDES; i++)
        fg_buf_append_c(&b, "_include=Observation:subject&");
    CHECK_INT(run(pool, "Observation", b.data, LENIENT, &q, &err), FG_EINVAL);
    CHECK(strstr(err.diagnostics, "_include") != NULL);

    /* More pairs than the form parser allows. */
    fg_buf_reset(&b);
    for (int i = 0; i <= FG_MAX_SEARCH_PARAMS; i++)
        fg_buf_append_c(&b, "code=x&");
    CHECK_INT(run(pool, "Observation", b.data, LENIENT, &q, &err), FG_EINVAL);
    fg_buf_cleanup(&b);
    fg_pool_free(&pool);
}

static void test_policy(void)
{
    struct fg_pool *pool = fg_pool_new();
    struct fhir_query q = {0};
    struct fg_error err;
    enum fg_status wst;
    CHECK_INT(run(pool, "Observation", "code=x", LENIENT, &q, &err), FG_OK);
    fg_error_clear(&err);
    CHECK_INT(fhir_query_add_policy_param(pool, &q, fg_str_c("category"),
                                          fg_str_c("http://s|survey,http://s|lab"), &err),
              FG_OK);
    CHECK_INT(q.n_params, 2);
    if (q.n_params == 2) {
        CHECK(q.params[1].from_policy && !q.params[0].from_policy);
        CHECK_INT(q.params[1].n_values, 2);
    }
    CHECK_STR(canon(pool, &q, &wst), "code=x");
    /* A policy parameter must be a known filter with a value. */
    static const char *const bad[][2] = {
        {"nope", "1"}, {"_count", "5"}, {"category", ""}, {"_has:x", "1"}, {"date", "xx1"},
        {"code-value-quantity", "a$1"}, {"category", ","},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fg_error_clear(&err);
        CHECK_INT(fhir_query_add_policy_param(pool, &q, fg_str_c(bad[i][0]), fg_str_c(bad[i][1]),
                                              &err) != FG_OK, 1);
        CHECK_INT(q.n_params, 2);
    }

    struct fg_str ids[] = {FG_STR_LIT("amy"), FG_STR_LIT("lily"), FG_STR_LIT("max")};
    CHECK_INT(fhir_query_restrict_compartment(pool, &q, ids, 3), FG_OK);
    CHECK_INT(q.n_compartment_patients, 3);
    CHECK_INT(fhir_query_restrict_compartment(pool, &q, ids + 1, 2), FG_OK);
    CHECK_INT(q.n_compartment_patients, 2);
    CHECK_SLICE(q.compartment_patients[0], "lily");
    CHECK_INT(fhir_query_restrict_compartment(pool, &q, ids, 1), FG_EFORBIDDEN);
    CHECK_INT(q.n_compartment_patients, 2);
    CHECK_INT(fhir_query_restrict_compartment(pool, &q, ids, 0), FG_EINVAL);
    struct fg_str bad_id = FG_STR_LIT("a/b");
    CHECK_INT(fhir_query_restrict_compartment(pool, &q, &bad_id, 1), FG_EINVAL);
    CHECK_STR(canon(pool, &q, &wst), "code=x");
    fg_pool_free(&pool);
}

/* Every allocation of one rich search, failed in turn: FG_ENOMEM or
 * success, never a crash or a leak (ASan's leak checker runs). */
static void test_alloc_failures(void)
{
    static const char query[] =
        "code=http://loinc.org|1234-5,a%5C,b&date=ge2020-01-01&subject:Patient.name=peter&"
        "value-quantity=gt5|http://unitsofmeasure.org|mg&_sort=-date&_count=20&"
        "_include=Observation:subject&_revinclude:iterate=Provenance:target&_elements=code&"
        "foo=bar&patient.organization.name=acme&subject=http://example.org/fhir/Patient/1";
    const char *want = NULL;
    bool done = false;
    for (unsigned long n = 1; n < 10000 && !done; n++) {
        fg_mem_fail_at(n);
        struct fg_pool *pool = fg_pool_new();
        struct fhir_query q = {0};
        struct fg_error err;
        enum fg_status st = FG_ENOMEM, wst = FG_ENOMEM;
        struct fg_buf b;
        fg_buf_init(&b, 1 << 16);
        if (pool)
            st = run(pool, "Observation", query, LENIENT, &q, &err);
        if (st == FG_OK)
            wst = fhir_search_write_query(&q, &b);
        unsigned long used = fg_mem_fail_at(0);
        CHECK(st == FG_OK || st == FG_ENOMEM);
        if (st == FG_OK && wst == FG_OK) {
            if (!want)
                want = "code=http://loinc.org%7C1234-5,a%5C,b&date=ge2020-01-01&"
                       "subject:Patient.name=peter&"
                       "value-quantity=gt5%7Chttp://unitsofmeasure.org%7Cmg&"
                       "patient.organization.name=acme&subject=Patient/1&_sort=-date&"
                       "_include=Observation:subject&_revinclude:iterate=Provenance:target&"
                       "_elements=code&_count=20";
            CHECK_STR(b.data, want);
            done = used < n;
        } else {
            CHECK(st == FG_ENOMEM || wst == FG_ENOMEM);
        }
        fg_buf_cleanup(&b);
        fg_pool_free(&pool);
    }
    CHECK(done);
}

TEST_MAIN(test_rows, test_round_trip, test_token_values, test_date_values, test_number_values,
          test_reference_values, test_modifiers_and_missing, test_chains, test_result_fields,
          test_ignored_reasons, test_form_parse, test_limits, test_policy, test_alloc_failures)
