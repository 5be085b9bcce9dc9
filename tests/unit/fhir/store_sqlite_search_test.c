/* store_sqlite_search_test.c - search semantics of the SQLite store: every
 * parameter type and prefix with boundary rows, chains, includes, sorting,
 * keyset paging under concurrent change, cursor tampering, compartments. */
#include "../test.h"

#include "store_test_util.h"

struct row {
    const char *type, *id, *json;
};

static void load(struct st_ctx *t, const struct row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++)
        CHECK_INT(st_put(t, rows[i].type, rows[i].id, rows[i].json), FG_OK);
}

struct qcase {
    const char *type, *query, *want; /* want: ids in result order */
};

static void run_cases(struct st_ctx *t, const struct qcase *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *got = st_ids(t, c[i].type, c[i].query);
        if (strcmp(got, c[i].want) != 0) {
            test_failed_checks++;
            fprintf(stderr, "FAIL %s: %s?%s = \"%s\", want \"%s\"\n", test_current, c[i].type,
                    c[i].query, got, c[i].want);
        }
    }
}

#define OBS(id, extra) \
    {"Observation", id, "{\"resourceType\":\"Observation\",\"status\":\"final\"," extra "}"}

static void test_token(void)
{
    static const struct row rows[] = {
        OBS("t1", "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8867-4\","
                  "\"display\":\"Heart rate\"}]}"),
        OBS("t2", "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"2339-0\"},"
                  "{\"system\":\"http://snomed.info/sct\",\"code\":\"1234\"}]}"),
        OBS("t3", "\"code\":{\"coding\":[{\"code\":\"X-1\"}]}"),
        OBS("t4", "\"code\":{\"coding\":[{\"system\":\"http://other\",\"code\":\"8867-4\"}]}"),
        {"Observation", "t5", "{\"resourceType\":\"Observation\"}"},
    };
    static const struct qcase cases[] = {
        {"Observation", "code=8867-4", "t1,t4"},
        {"Observation", "code=http://loinc.org|8867-4", "t1"},
        {"Observation", "code=|X-1", "t3"},
        {"Observation", "code=|8867-4", ""},
        {"Observation", "code=http://loinc.org|", "t1,t2"},
        {"Observation", "code=x-1", "t3"},
        {"Observation", "code=http://snomed.info/sct|1234", "t2"},
        {"Observation", "code=8867-4,2339-0", "t1,t2,t4"},
        {"Observation", "code=8867-4&code=http://other|", "t4"},
        {"Observation", "code:not=8867-4", "t2,t3,t5"},
        {"Observation", "code:text=heart", "t1"},
        {"Observation", "code=8867-4&status=final", "t1,t4"},
        {"Observation", "status:missing=true", "t5"},
        {"Observation", "status:missing=false", "t1,t2,t3,t4"},
        {"Observation", "_id=t2,t3", "t2,t3"},
        {"Observation", "_id:not=t2", "t1,t3,t4,t5"},
        {"Observation", "code=nothing", ""},
        /* Missing values sort last in both directions. */
        {"Observation", "_sort=code", "t2,t1,t4,t3,t5"},
        {"Observation", "_sort=-code", "t3,t1,t4,t2,t5"},
        {"Observation", "_sort=status,-_id", "t4,t3,t2,t1,t5"},
    };
    struct st_ctx t;
    st_open(&t);
    load(&t, rows, sizeof rows / sizeof rows[0]);
    run_cases(&t, cases, sizeof cases / sizeof cases[0]);
    st_close(&t);
}

/* combo-code, combo-value-quantity, combo-value-concept: a union of X
 * and component-X (the store writes no rows of its own for them and
 * searches the parts' rows): every modifier, sort and :missing answer as
 * for a parameter with its own rows. */
#define MMHG(v) "{\"value\":" #v ",\"unit\":\"mm[Hg]\",\"system\":\"http://unitsofmeasure.org\"," \
               "\"code\":\"mm[Hg]\"}"
#define LOINC(c, d) "{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"" c "\"," \
                    "\"display\":\"" d "\"}]}"
static void test_union_params(void)
{
    static const struct row rows[] = {
        OBS("u1", "\"code\":" LOINC("85354-9", "Blood pressure") ",\"component\":["
                  "{\"code\":" LOINC("8480-6", "Systolic") ",\"valueQuantity\":" MMHG(120) "},"
                  "{\"code\":" LOINC("8462-4", "Diastolic") ",\"valueQuantity\":" MMHG(80) "}]"),
        OBS("u2", "\"code\":" LOINC("8480-6", "Systolic") ",\"valueQuantity\":" MMHG(135)),
        OBS("u3", "\"code\":" LOINC("8867-4", "Heart rate") ",\"valueQuantity\":" MMHG(70)),
        OBS("u4", "\"code\":" LOINC("72166-2", "Smoking") ",\"valueCodeableConcept\":"
                  LOINC("LA18976-3", "Current every day smoker")),
        {"Observation", "u5", "{\"resourceType\":\"Observation\"}"},
    };
    static const struct qcase cases[] = {
        {"Observation", "combo-code=8480-6", "u1,u2"},
        {"Observation", "combo-code=http://loinc.org|8462-4", "u1"},
        {"Observation", "combo-code=85354-9", "u1"},
        {"Observation", "combo-code=8867-4,8462-4", "u1,u3"},
        {"Observation", "combo-code:not=8480-6", "u3,u4,u5"},
        {"Observation", "combo-code:text=systolic", "u1,u2"},
        {"Observation", "combo-code:missing=true", "u5"},
        {"Observation", "combo-code:missing=false", "u1,u2,u3,u4"},
        {"Observation", "combo-code=8480-6&status=final", "u1,u2"},
        {"Observation", "combo-code=8480-6&code=8480-6", "u2"},
        {"Observation", "combo-value-quantity=gt100", "u1,u2"},
        {"Observation", "combo-value-quantity=80", "u1"},
        {"Observation", "combo-value-quantity=lt75", "u3"},
        {"Observation", "combo-value-quantity:missing=true", "u4,u5"},
        {"Observation", "combo-value-concept=LA18976-3", "u4"},
        {"Observation", "combo-value-concept:missing=false", "u4"},
        {"Observation", "_sort=combo-code,_id", "u4,u1,u2,u3,u5"},
        {"Observation", "_sort=-combo-code,_id", "u3,u1,u2,u4,u5"},
        {"Observation", "_sort=combo-value-quantity,_id", "u3,u1,u2,u4,u5"},
        {"Observation", "_sort=-combo-value-quantity,_id", "u2,u1,u3,u4,u5"},
    };
    struct st_ctx t;
    st_open(&t);
    load(&t, rows, sizeof rows / sizeof rows[0]);
    run_cases(&t, cases, sizeof cases / sizeof cases[0]);
    CHECK_INT(st_count(&t, "Observation", "combo-code=8480-6"), 2);
    /* An update replaces the parts' rows: the union follows. */
    CHECK_INT(st_put(&t, "Observation", "u2",
                     "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":"
                     LOINC("8867-4", "Heart rate") "}"), FG_OK);
    CHECK_STR(st_ids(&t, "Observation", "combo-code=8480-6"), "u1");
    CHECK_STR(st_ids(&t, "Observation", "combo-code=8867-4"), "u2,u3");
    st_close(&t);
}

#define PAT(id, extra) {"Patient", id, "{\"resourceType\":\"Patient\"," extra "}"}

static void test_string_uri(void)
{
    static const struct row rows[] = {
        PAT("p1", "\"name\":[{\"family\":\"M\\u00fcller\",\"given\":[\"Anna\"]}],"
                  "\"meta\":{\"profile\":[\"http://x.org/p/a\"]}"),
        PAT("p2", "\"name\":[{\"family\":\"Mueller\",\"given\":[\"Ben\"]}]"),
        PAT("p3", "\"name\":[{\"family\":\"Smith\",\"given\":[\"Zo\\u00eb\"]}]"),
    };
    static const struct qcase cases[] = {
        {"Patient", "name=mul", "p1"},
        {"Patient", "name=MÜL", "p1"},
        {"Patient", "name=mue", "p2"},
        {"Patient", "name=m", "p1,p2"},
        {"Patient", "name=anna", "p1"},
        {"Patient", "name=zoe", "p3"},
        {"Patient", "family=smith", "p3"},
        {"Patient", "family=mith", ""},
        {"Patient", "family:contains=mith", "p3"},
        {"Patient", "family:contains=ell", "p2"},
        {"Patient", "family:exact=Müller", "p1"},
        {"Patient", "family:exact=müller", ""},
        {"Patient", "family:exact=Mull", ""},
        {"Patient", "name=mul,smi", "p1,p3"},
        {"Patient", "_profile=http://x.org/p/a", "p1"},
        {"Patient", "_profile=http://x.org/p", ""},
    };
    struct st_ctx t;
    st_open(&t);
    load(&t, rows, sizeof rows / sizeof rows[0]);
    run_cases(&t, cases, sizeof cases / sizeof cases[0]);
    st_close(&t);
}

static void test_date(void)
{
    static const struct row rows[] = {
        OBS("d1", "\"effectiveDateTime\":\"2020\""),
        OBS("d2", "\"effectiveDateTime\":\"2020-01-01\""),
        OBS("d3", "\"effectiveDateTime\":\"2020-01-01T10:00:00Z\""),
        OBS("d4", "\"effectiveDateTime\":\"2019-12-31T23:59:59Z\""),
        OBS("d5", "\"effectivePeriod\":{\"start\":\"2019-06-01\",\"end\":\"2020-06-01\"}"),
        OBS("d6", "\"effectiveDateTime\":\"2021-03-04T05:06:07+02:00\""),
        OBS("d7", "\"effectivePeriod\":{\"start\":\"2022-01-01\"}"),
    };
    static const struct qcase cases[] = {
        {"Observation", "date=2020-01-01", "d2,d3"},
        {"Observation", "date=eq2020", "d1,d2,d3"},
        {"Observation", "date=ne2020", "d4,d5,d6,d7"},
        {"Observation", "date=gt2020-01-01", "d1,d5,d6,d7"},
        {"Observation", "date=lt2020-01-01", "d4,d5"},
        {"Observation", "date=ge2020-01-01", "d1,d2,d3,d5,d6,d7"},
        {"Observation", "date=le2020-01-01", "d1,d2,d3,d4,d5"},
        {"Observation", "date=sa2020-01-01", "d6,d7"},
        {"Observation", "date=eb2020-01-01", "d4"},
        {"Observation", "date=2021-03-04T03:06:07Z", "d6"},
        {"Observation", "date=2021-03-04T05:06:07%2B02:00", "d6"},
        {"Observation", "date=2021-03-04T03:06", "d6"},
        {"Observation", "date=2019-12-31T23:59:59Z", "d4"},
        {"Observation", "date=lt2019-12-31T23:59:59Z", "d5"},
        {"Observation", "date=ap2020-01-01", "d1,d2,d3,d4,d5"},
        {"Observation", "date=ge2020-01-01&date=le2020-01-01", "d1,d2,d3,d5"},
        {"Observation", "date=2019,2021", "d4,d6"},
        {"Observation", "date=ge2030", "d7"},
        {"Observation", "_lastUpdated=2026-11-23", "d1,d2,d3,d4,d5,d6,d7"},
        {"Observation", "_lastUpdated=lt2026-11-23", ""},
        {"Observation", "_sort=date&date=le2020-01-01", "d5,d4,d1,d2,d3"},
        {"Observation", "_sort=-date&date=le2020-01-01", "d1,d5,d2,d3,d4"},
    };
    struct st_ctx t;
    st_open(&t);
    load(&t, rows, sizeof rows / sizeof rows[0]);
    run_cases(&t, cases, sizeof cases / sizeof cases[0]);
    st_close(&t);
}

#define QTY(id, v, unit) \
    OBS(id, "\"valueQuantity\":{\"value\":" v ",\"system\":\"http://unitsofmeasure.org\"," \
            "\"code\":\"" unit "\",\"unit\":\"" unit "\"}")

static void test_number_quantity(void)
{
    static const struct row rows[] = {
        QTY("q1", "5.4", "mg"), QTY("q2", "100", "/min"), QTY("q3", "100.4", "kg"),
        QTY("q4", "99.6", "kg"),
        {"RiskAssessment", "r1",
         "{\"resourceType\":\"RiskAssessment\",\"status\":\"final\","
         "\"subject\":{\"reference\":\"Patient/x\"},"
         "\"prediction\":[{\"probabilityDecimal\":0.25}]}"},
        {"RiskAssessment", "r2",
         "{\"resourceType\":\"RiskAssessment\",\"status\":\"final\","
         "\"subject\":{\"reference\":\"Patient/x\"},"
         "\"prediction\":[{\"probabilityDecimal\":0.8}]}"},
    };
    static const struct qcase cases[] = {
        {"Observation", "value-quantity=100", "q2,q3,q4"},
        {"Observation", "value-quantity=100.0", "q2"},
        {"Observation", "value-quantity=gt100", "q3"},
        {"Observation", "value-quantity=ge100", "q2,q3"},
        {"Observation", "value-quantity=lt100", "q1,q4"},
        {"Observation", "value-quantity=le100", "q1,q2,q4"},
        {"Observation", "value-quantity=ne100", "q1"},
        {"Observation", "value-quantity=sa100", ""},
        {"Observation", "value-quantity=eb100", "q1"},
        {"Observation", "value-quantity=ap100", "q2,q3,q4"},
        {"Observation", "value-quantity=5.4|http://unitsofmeasure.org|mg", "q1"},
        {"Observation", "value-quantity=5.4||mg", "q1"},
        {"Observation", "value-quantity=100|http://unitsofmeasure.org|/min", "q2"},
        {"Observation", "value-quantity=100||kg", "q3,q4"},
        {"Observation", "value-quantity=5.4||g", ""},
        {"RiskAssessment", "probability=0.25", "r1"},
        {"RiskAssessment", "probability=gt0.5", "r2"},
        {"RiskAssessment", "probability=le0.8", "r1,r2"},
        {"Observation", "_sort=value-quantity", "q1,q4,q2,q3"},
        {"Observation", "_sort=-value-quantity", "q3,q2,q4,q1"},
    };
    struct st_ctx t;
    st_open(&t);
    load(&t, rows, sizeof rows / sizeof rows[0]);
    run_cases(&t, cases, sizeof cases / sizeof cases[0]);
    st_close(&t);
}

static const struct row world[] = {
    {"Practitioner", "dr1",
     "{\"resourceType\":\"Practitioner\",\"name\":[{\"family\":\"House\"}]}"},
    PAT("p1", "\"name\":[{\"family\":\"M\\u00fcller\"}],"
              "\"generalPractitioner\":[{\"reference\":\"Practitioner/dr1\"}]"),
    PAT("p2", "\"name\":[{\"family\":\"Smith\"}]"),
    OBS("o1", "\"subject\":{\"reference\":\"Patient/p1\"},\"effectiveDateTime\":\"2021\""),
    OBS("o2", "\"subject\":{\"reference\":\"Patient/p1\"},\"effectiveDateTime\":\"2019\""),
    OBS("o3", "\"subject\":{\"reference\":\"Patient/p2\"}"),
    OBS("o4", "\"subject\":{\"reference\":\"http://other.org/fhir/Patient/9\"}"),
    OBS("o5", "\"subject\":{\"reference\":\"Group/g1\"}"),
    {"Provenance", "pv1",
     "{\"resourceType\":\"Provenance\",\"recorded\":\"2020-01-01T00:00:00Z\","
     "\"target\":[{\"reference\":\"Patient/p1\"},{\"reference\":\"Observation/o1\"}],"
     "\"agent\":[{\"who\":{\"reference\":\"Practitioner/dr1\"}}]}"},
};

static void test_reference_chain(void)
{
    static const struct qcase cases[] = {
        {"Observation", "patient=p1", "o1,o2"},
        {"Observation", "patient=Patient/p1", "o1,o2"},
        {"Observation", "subject=Patient/p1", "o1,o2"},
        {"Observation", "subject:Patient=p1", "o1,o2"},
        {"Observation", "subject=p1", "o1,o2"},
        {"Observation", "subject=http://fhir.test/fhir/Patient/p1", "o1,o2"},
        {"Observation", "subject=http://other.org/fhir/Patient/9", "o4"},
        {"Observation", "subject=Group/g1", "o5"},
        {"Observation", "patient=p1,p2", "o1,o2,o3"},
        {"Observation", "patient=p1&date=2019", "o2"},
        {"Observation", "subject:Patient.name=muller", "o1,o2"},
        {"Observation", "patient.name=smith", "o3"},
        {"Observation", "patient.name=nobody", ""},
        {"Observation", "subject:Patient.general-practitioner:Practitioner.name=house", "o1,o2"},
        {"Observation", "subject:missing=true", ""},
        {"Observation", "subject:missing=false", "o1,o2,o3,o4,o5"},
        {"Patient", "general-practitioner=Practitioner/dr1", "p1"},
    };
    struct st_ctx t;
    st_open(&t);
    load(&t, world, sizeof world / sizeof world[0]);
    run_cases(&t, cases, sizeof cases / sizeof cases[0]);
    /* An absolute reference on our own base is stored as type + id. */
    CHECK_INT(st_put(&t, "Observation", "o6",
                     "{\"resourceType\":\"Observation\",\"subject\":"
                     "{\"reference\":\"http://fhir.test/fhir/Patient/p2\"}}"),
              FG_OK);
    CHECK_STR(st_ids(&t, "Observation", "patient=p2"), "o3,o6");
    CHECK_STR(st_ids(&t, "Observation", "_id=o6&_include=Observation:subject"), "o6|Patient/p2");
    /* A deleted target no longer satisfies a chain. */
    struct fhir_write_result r;
    CHECK_INT(st_write1(&t, FHIR_WRITE_DELETE, "Patient", "p2", NULL, 0, NULL, &r), FG_OK);
    CHECK_STR(st_ids(&t, "Observation", "patient.name=smith"), "");
    st_close(&t);
}

static void test_include(void)
{
    static const struct qcase cases[] = {
        {"Observation", "_id=o1&_include=Observation:subject", "o1|Patient/p1"},
        {"Observation", "_id=o1,o2&_include=Observation:subject", "o1,o2|Patient/p1"},
        {"Observation", "_id=o1&_include=Observation:subject:Group", "o1"},
        {"Observation", "_id=o5&_include=Observation:subject", "o5"},
        {"Observation",
         "_id=o1&_include=Observation:subject&_include:iterate=Patient:general-practitioner",
         "o1|Patient/p1,Practitioner/dr1"},
        {"Observation", "_id=o1&_include=Observation:subject&_include=Patient:general-practitioner",
         "o1|Patient/p1"},
        {"Patient", "_id=p1&_revinclude=Provenance:target", "p1|Provenance/pv1"},
        {"Patient", "_id=p1&_revinclude=Observation:subject", "p1|Observation/o1,Observation/o2"},
        {"Patient",
         "_id=p1&_revinclude=Observation:subject&_revinclude:iterate=Provenance:target",
         "p1|Observation/o1,Observation/o2,Provenance/pv1"},
        {"Patient", "_id=p1&_revinclude=Observation:subject&_include:iterate=Observation:subject",
         "p1|Observation/o1,Observation/o2"},
        {"Observation", "_id=o1&_include=Observation:*", "o1|Patient/p1"},
        {"Provenance", "_id=pv1&_include=Provenance:target",
         "pv1|Observation/o1,Patient/p1"},
        {"Provenance", "_id=pv1&_include=Provenance:target:Patient", "pv1|Patient/p1"},
    };
    struct st_ctx t;
    st_open(&t);
    load(&t, world, sizeof world / sizeof world[0]);
    run_cases(&t, cases, sizeof cases / sizeof cases[0]);
    st_close(&t);
}

/* patient (subject@Patient) beside subject: the store keeps only the
 * subject rows and reads patient through them (target type Patient). Every
 * way of reading a reference parameter answers as before. */
static void test_restricted_reference(void)
{
    static const struct row more[] = {
        OBS("o7", "\"subject\":{\"reference\":\"Group/p1\"}"),
        OBS("o8", "\"code\":{\"text\":\"none\"}"),
        {"Group", "p1", "{\"resourceType\":\"Group\",\"type\":\"person\",\"actual\":true}"},
        {"Encounter", "e1", "{\"resourceType\":\"Encounter\",\"status\":\"finished\","
                            "\"class\":{\"code\":\"AMB\"},\"subject\":{\"reference\":\"Patient/p2\"}}"},
    };
    static const struct qcase cases[] = {
        {"Observation", "patient=p1", "o1,o2"},
        {"Observation", "patient=Group/p1", ""},
        {"Observation", "subject=Group/p1", "o7"},
        {"Observation", "subject=p1", "o1,o2,o7"},
        {"Observation", "patient=http://other.org/fhir/Patient/9", "o4"},
        {"Observation", "patient:missing=true", "o5,o7,o8"},
        {"Observation", "patient:missing=false", "o1,o2,o3,o4"},
        {"Observation", "patient:Patient.name=smith", "o3"},
        {"Observation", "patient.general-practitioner:Practitioner.name=house", "o1,o2"},
        {"Observation", "_sort=patient,_id", "o4,o1,o2,o3,o5,o7,o8"},
        {"Observation", "_sort=-patient,_id", "o3,o1,o2,o4,o5,o7,o8"},
        {"Observation", "_id=o1,o7&_include=Observation:patient", "o1,o7|Patient/p1"},
        {"Observation", "_id=o7&_include=Observation:subject", "o7|Group/p1"},
        {"Observation", "_id=o3&_include=Observation:patient:Patient", "o3|Patient/p2"},
        {"Patient", "_id=p1&_revinclude=Observation:patient", "p1|Observation/o1,Observation/o2"},
        {"Group", "_id=p1&_revinclude=Observation:patient", "p1"},
        {"Group", "_id=p1&_revinclude=Observation:subject", "p1|Observation/o7"},
        {"Patient", "_id=p2&_revinclude=Encounter:patient&_revinclude=Observation:patient",
         "p2|Encounter/e1,Observation/o3"},
        {"Encounter", "patient=p2", "e1"},
        {"Encounter", "patient.name=smith", "e1"},
    };
    struct st_ctx t;
    st_open(&t);
    load(&t, world, sizeof world / sizeof world[0]);
    load(&t, more, sizeof more / sizeof more[0]);
    run_cases(&t, cases, sizeof cases / sizeof cases[0]);
    st_close(&t);
}

static void test_compartment_and_summary(void)
{
    struct st_ctx t;
    st_open(&t);
    load(&t, world, sizeof world / sizeof world[0]);
    struct fhir_query q;
    struct fhir_search_result res;
    struct fg_str p1 = fg_str_c("p1");
    CHECK_INT(st_parse(&t, "Observation", "", &q), FG_OK);
    CHECK_INT(fhir_query_restrict_compartment(t.pool, &q, &p1, 1), FG_OK);
    CHECK_INT(fhir_store_search(t.store, t.pool, &q, &res, &t.err), FG_OK);
    CHECK_STR(st_ids_of(&t, &res), "o1,o2");
    CHECK_INT(res.total, 2);
    for (size_t i = 0; i < res.n_matches; i++)
        CHECK(res.matches[i].n_compartment == 1 && fg_str_eq(res.matches[i].compartment[0], p1));
    /* Restriction plus a filter that would match others. */
    CHECK_INT(st_parse(&t, "Observation", "patient=p1,p2&date=2019", &q), FG_OK);
    CHECK_INT(fhir_query_restrict_compartment(t.pool, &q, &p1, 1), FG_OK);
    CHECK_INT(fhir_store_search(t.store, t.pool, &q, &res, &t.err), FG_OK);
    CHECK_STR(st_ids_of(&t, &res), "o2");
    CHECK_INT(st_parse(&t, "Patient", "", &q), FG_OK);
    CHECK_INT(fhir_query_restrict_compartment(t.pool, &q, &p1, 1), FG_OK);
    CHECK_INT(fhir_store_search(t.store, t.pool, &q, &res, &t.err), FG_OK);
    CHECK_STR(st_ids_of(&t, &res), "p1");
    /* _summary=count, _count=0, _total=none. */
    CHECK_INT(st_search(&t, "Observation", "_summary=count", &res), FG_OK);
    CHECK_INT(res.total, 5);
    CHECK_INT(res.n_matches, 0);
    CHECK_INT(st_search(&t, "Observation", "_count=0", &res), FG_OK);
    CHECK_INT(res.total, 5);
    CHECK_INT(res.n_matches, 0);
    CHECK_INT(st_search(&t, "Observation", "_total=none&_count=2", &res), FG_OK);
    CHECK_INT(res.total, -1);
    CHECK_INT(res.n_matches, 2);
    CHECK(res.next_cursor.len > 0);
    CHECK_INT(res.prev_cursor.len, 0);
    /* Sorting by the special columns. */
    CHECK_STR(st_ids(&t, "Observation", "_sort=-_id"), "o5,o4,o3,o2,o1");
    t.clock.pinned_us += 5000;
    CHECK_INT(st_put(&t, "Patient", "p1", "{\"resourceType\":\"Patient\"}"), FG_OK);
    CHECK_STR(st_ids(&t, "Patient", "_sort=-_lastUpdated"), "p1,p2");
    CHECK_STR(st_ids(&t, "Patient", "_sort=_lastUpdated"), "p2,p1");
    st_close(&t);
}

/* Follows next cursors from the first page of qs; returns all ids joined. */
static const char *walk(struct st_ctx *t, const char *type, const char *qs, int *pages)
{
    struct fg_buf all;
    fg_buf_init(&all, 1 << 20);
    struct fhir_search_result res;
    const char *q = qs;
    *pages = 0;
    for (int guard = 0; guard < 100; guard++) {
        if (st_search(t, type, q, &res) != FG_OK) {
            fg_buf_cleanup(&all);
            return "ERROR";
        }
        (*pages)++;
        if (all.len && res.n_matches)
            fg_buf_append_char(&all, ',');
        fg_buf_append_c(&all, st_ids_of(t, &res));
        if (!res.next_cursor.len)
            break;
        q = fg_pool_printf(t->pool, "%s&_cursor=%.*s", qs, (int)res.next_cursor.len,
                           res.next_cursor.ptr);
    }
    const char *out = fg_pool_strndup(t->pool, all.data ? all.data : "", all.len);
    fg_buf_cleanup(&all);
    return out;
}

static void test_paging(void)
{
    struct st_ctx t;
    st_open(&t);
    CHECK_INT(st_load_observations(&t, 0, 23, 3), FG_OK);
    int pages = 0;
    static const char *const sorts[] = {"", "_sort=date", "_sort=-date", "_sort=_id",
                                        "_sort=-_lastUpdated,_id", "_sort=code,-date"};
    for (size_t i = 0; i < sizeof sorts / sizeof sorts[0]; i++) {
        const char *full = st_ids(&t, "Observation", fg_pool_printf(t.pool, "%s&_count=100",
                                                                     sorts[i]));
        const char *paged = walk(&t, "Observation", fg_pool_printf(t.pool, "%s&_count=5",
                                                                   sorts[i]), &pages);
        CHECK_STR(paged, full);
        CHECK_INT(pages, 5);
    }
    /* Unsorted with a driver (the index-only fast path), and back. */
    const char *full = st_ids(&t, "Observation", "patient=pt1&_count=100");
    CHECK_STR(walk(&t, "Observation", "patient=pt1&_count=3", &pages), full);
    CHECK_INT(pages, 3);
    struct fhir_search_result a, b, c;
    CHECK_INT(st_search(&t, "Observation", "patient=pt1&_count=3", &a), FG_OK);
    CHECK_INT(a.total, 8);
    CHECK_INT(st_search(&t, "Observation",
                        fg_pool_printf(t.pool, "patient=pt1&_count=3&_cursor=%.*s",
                                       (int)a.next_cursor.len, a.next_cursor.ptr),
                        &b),
              FG_OK);
    CHECK_INT(b.total, 8);
    CHECK_INT(st_search(&t, "Observation",
                        fg_pool_printf(t.pool, "patient=pt1&_count=3&_cursor=%.*s",
                                       (int)b.prev_cursor.len, b.prev_cursor.ptr),
                        &c),
              FG_OK);
    CHECK_STR(st_ids_of(&t, &c), st_ids_of(&t, &a));
    /* The next link writes patient=pt1 as patient=Patient/pt1: the cursor
     * names the query by meaning, so both forms (and our absolute URL)
     * continue it; another patient's query refuses it. */
    static const char *const same[] = {"patient=Patient/pt1", "patient=" ST_BASE "/Patient/pt1"};
    for (size_t i = 0; i < 2; i++) {
        struct fhir_search_result d;
        CHECK_INT(st_search(&t, "Observation",
                            fg_pool_printf(t.pool, "%s&_count=3&_cursor=%.*s", same[i],
                                           (int)a.next_cursor.len, a.next_cursor.ptr),
                            &d),
                  FG_OK);
        CHECK_STR(st_ids_of(&t, &d), st_ids_of(&t, &b));
    }
    struct fhir_search_result other;
    CHECK_INT(st_search(&t, "Observation",
                        fg_pool_printf(t.pool, "patient=pt2&_count=3&_cursor=%.*s",
                                       (int)a.next_cursor.len, a.next_cursor.ptr),
                        &other),
              FG_EINVAL);
    /* Changes between pages: new rows stay out, deleted rows drop out,
     * nothing repeats or shifts. */
    struct fhir_search_result p1r, p2r, back;
    CHECK_INT(st_search(&t, "Observation", "_sort=_id&_count=5", &p1r), FG_OK);
    const char *first = st_ids_of(&t, &p1r);
    CHECK_STR(first, "o0,o1,o10,o11,o12");
    CHECK_INT(st_put(&t, "Observation", "o00", "{\"resourceType\":\"Observation\"}"), FG_OK);
    CHECK_INT(st_put(&t, "Observation", "o100", "{\"resourceType\":\"Observation\"}"), FG_OK);
    struct fhir_write_result wr;
    CHECK_INT(st_write1(&t, FHIR_WRITE_DELETE, "Observation", "o14", NULL, 0, NULL, &wr), FG_OK);
    const char *q2 = fg_pool_printf(t.pool, "_sort=_id&_count=5&_cursor=%.*s",
                                    (int)p1r.next_cursor.len, p1r.next_cursor.ptr);
    CHECK_INT(st_search(&t, "Observation", q2, &p2r), FG_OK);
    CHECK_STR(st_ids_of(&t, &p2r), "o13,o15,o16,o17,o18");
    CHECK_INT(p2r.total, 22);
    CHECK(p2r.prev_cursor.len > 0);
    CHECK(fg_str_eq(p2r.self_cursor, p1r.next_cursor));
    const char *qb = fg_pool_printf(t.pool, "_sort=_id&_count=5&_cursor=%.*s",
                                    (int)p2r.prev_cursor.len, p2r.prev_cursor.ptr);
    CHECK_INT(st_search(&t, "Observation", qb, &back), FG_OK);
    CHECK_STR(st_ids_of(&t, &back), first);
    CHECK_INT(back.prev_cursor.len, 0);
    CHECK(back.next_cursor.len > 0);
    /* A fresh search sees the new rows. */
    CHECK_STR(st_ids(&t, "Observation", "_sort=_id&_count=2"), "o0,o00");
    st_close(&t);
}

static void test_cursor_tampering(void)
{
    struct st_ctx t;
    st_open(&t);
    CHECK_INT(st_load_observations(&t, 0, 12, 3), FG_OK);
    struct fhir_search_result res;
    CHECK_INT(st_search(&t, "Observation", "_count=5&_sort=date", &res), FG_OK);
    CHECK(res.next_cursor.len > 10);
    char *cur = fg_pool_strndup(t.pool, res.next_cursor.ptr, res.next_cursor.len);
    const char *good = fg_pool_printf(t.pool, "_count=5&_sort=date&_cursor=%s", cur);
    CHECK_INT(st_search(&t, "Observation", good, &res), FG_OK);
    for (size_t i = 0; i < strlen(cur); i += 7) {
        char *bad = fg_pool_strdup(t.pool, cur);
        bad[i] = bad[i] == 'A' ? 'B' : 'A';
        const char *q = fg_pool_printf(t.pool, "_count=5&_sort=date&_cursor=%s", bad);
        CHECK_INT(st_search(&t, "Observation", q, &res), FG_EINVAL);
        CHECK_STR(t.err.diagnostics, "Invalid _cursor");
    }
    static const char *const junk[] = {"x", "AAAA", "!!!!", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"};
    for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
        const char *q = fg_pool_printf(t.pool, "_count=5&_sort=date&_cursor=%s", junk[i]);
        CHECK_INT(st_search(&t, "Observation", q, &res), FG_EINVAL);
    }
    /* A cursor made for another query. */
    const char *other = fg_pool_printf(t.pool, "_count=5&_sort=-date&_cursor=%s", cur);
    CHECK_INT(st_search(&t, "Observation", other, &res), FG_EINVAL);
    other = fg_pool_printf(t.pool, "_count=5&_sort=date&status=final&_cursor=%s", cur);
    CHECK_INT(st_search(&t, "Observation", other, &res), FG_EINVAL);
    /* Cursors survive a restart (the MAC key is stored). */
    st_reopen(&t);
    CHECK_INT(st_search(&t, "Observation", good, &res), FG_OK);
    CHECK_INT(res.n_matches, 5);
    st_close(&t);
}

TEST_MAIN(test_token, test_union_params, test_string_uri, test_date, test_number_quantity, test_reference_chain,
          test_include, test_restricted_reference, test_compartment_and_summary, test_paging, test_cursor_tampering)
