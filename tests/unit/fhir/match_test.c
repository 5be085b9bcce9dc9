/* match_test.c - the in-memory matcher (fhir/match.c) gives the embedded
 * store's answers: for every query below, each stored resource matches in
 * memory exactly when the SQLite store's search returns it; plus the
 * filters the matcher leaves to others (chains, compartment). */
#include "../../../fhir/match.h"
#include "../test.h"

#include "store_test_util.h"

struct row {
    const char *type, *id, *json;
};

#define OBS(id, extra) \
    {"Observation", id, "{\"resourceType\":\"Observation\",\"status\":\"final\"," extra "}"}
#define PAT(id, extra) {"Patient", id, "{\"resourceType\":\"Patient\"," extra "}"}
#define QTY(v, unit) \
    "\"valueQuantity\":{\"value\":" v ",\"system\":\"http://unitsofmeasure.org\"," \
    "\"code\":\"" unit "\",\"unit\":\"" unit "\"}"

static const struct row rows[] = {
    OBS("t1", "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8867-4\","
              "\"display\":\"Heart rate\"}]},\"effectiveDateTime\":\"2020\"," QTY("5.4", "mg")
              ",\"subject\":{\"reference\":\"Patient/p1\"}"),
    OBS("t2", "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"2339-0\"},"
              "{\"system\":\"http://snomed.info/sct\",\"code\":\"1234\"}]},"
              "\"effectiveDateTime\":\"2020-01-01T10:00:00Z\"," QTY("100", "/min")
              ",\"subject\":{\"reference\":\"http://fhir.test/fhir/Patient/p2\"}"),
    OBS("t3", "\"code\":{\"coding\":[{\"code\":\"X-1\"}],\"text\":\"Glucose level\"},"
              "\"effectivePeriod\":{\"start\":\"2019-06-01\",\"end\":\"2020-06-01\"}," QTY(
                  "100.4", "kg") ",\"subject\":{\"reference\":\"http://other.org/fhir/Patient/9\"}"),
    OBS("t4", "\"code\":{\"coding\":[{\"system\":\"http://other\",\"code\":\"8867-4\"}]},"
              "\"effectiveDateTime\":\"2021-03-04T05:06:07+02:00\"," QTY("99.6", "kg")
              ",\"subject\":{\"reference\":\"Group/g1\"}"),
    OBS("t5", "\"effectivePeriod\":{\"start\":\"2022-01-01\"}"),
    {"Observation", "t6", "{\"resourceType\":\"Observation\"}"},
    OBS("t7", "\"effectiveDateTime\":\"2020-05-01\""),
    PAT("p1", "\"name\":[{\"family\":\"M\\u00fcller\",\"given\":[\"Anna\"]}],"
              "\"birthDate\":\"1980-02-03\",\"meta\":{\"profile\":[\"http://x.org/p/a\"]}"),
    PAT("p2", "\"name\":[{\"family\":\"Mueller\",\"given\":[\"Ben\"]}],\"gender\":\"male\""),
    PAT("p3", "\"name\":[{\"family\":\"Smith\",\"given\":[\"Zo\\u00eb\"]}],"
              "\"birthDate\":\"2001\",\"gender\":\"female\""),
    {"RiskAssessment", "r1",
     "{\"resourceType\":\"RiskAssessment\",\"status\":\"final\","
     "\"subject\":{\"reference\":\"Patient/p1\"},\"prediction\":[{\"probabilityDecimal\":0.25}]}"},
    {"RiskAssessment", "r2",
     "{\"resourceType\":\"RiskAssessment\",\"status\":\"final\","
     "\"subject\":{\"reference\":\"Patient/p2\"},\"prediction\":[{\"probabilityDecimal\":0.8}]}"},
};

struct qcase {
    const char *type, *query;
};

static const struct qcase cases[] = {
    {"Observation", "code=8867-4"},
    {"Observation", "code=http://loinc.org|8867-4"},
    {"Observation", "code=|X-1"},
    {"Observation", "code=|8867-4"},
    {"Observation", "code=http://loinc.org|"},
    {"Observation", "code=x-1"},
    {"Observation", "code=8867-4,2339-0"},
    {"Observation", "code=8867-4&code=http://other|"},
    {"Observation", "code:not=8867-4"},
    {"Observation", "code:text=heart"},
    {"Observation", "code:text=level"},
    {"Observation", "code=8867-4&status=final"},
    {"Observation", "status:missing=true"},
    {"Observation", "status:missing=false"},
    {"Observation", "code:missing=true"},
    {"Observation", "_id=t2,t3"},
    {"Observation", "_id:not=t2"},
    {"Observation", "date=2020-01-01"},
    {"Observation", "date=eq2020"},
    {"Observation", "date=ne2020"},
    {"Observation", "date=gt2020-01-01"},
    {"Observation", "date=lt2020-01-01"},
    {"Observation", "date=ge2020-01-01"},
    {"Observation", "date=le2020-01-01"},
    {"Observation", "date=sa2020-01-01"},
    {"Observation", "date=eb2020-01-01"},
    {"Observation", "date=2021-03-04T03:06:07Z"},
    {"Observation", "date=2021-03-04T03:06"},
    {"Observation", "date=ap2020-01-01"},
    {"Observation", "date=ge2020-01-01T10:00:00Z"},
    {"Observation", "date=le2020-01-01T10:00:00Z"},
    {"Observation", "date=ap2026-11-01"},
    {"Observation", "date=ge2020-01-01&date=le2020-01-01"},
    {"Observation", "date=2019,2021"},
    {"Observation", "date=ge2030"},
    {"Observation", "_lastUpdated=2026-11-23"},
    {"Observation", "_lastUpdated=lt2026-11-23"},
    {"Observation", "value-quantity=100"},
    {"Observation", "value-quantity=100.0"},
    {"Observation", "value-quantity=gt100"},
    {"Observation", "value-quantity=le100"},
    {"Observation", "value-quantity=ne100"},
    {"Observation", "value-quantity=sa100"},
    {"Observation", "value-quantity=eb100"},
    {"Observation", "value-quantity=ap100"},
    {"Observation", "value-quantity=5.4|http://unitsofmeasure.org|mg"},
    {"Observation", "value-quantity=100||kg"},
    {"Observation", "value-quantity=5.4||g"},
    {"Observation", "patient=p1"},
    {"Observation", "patient=Patient/p2"},
    {"Observation", "subject=p2"},
    {"Observation", "subject:Patient=p1"},
    {"Observation", "subject=http://fhir.test/fhir/Patient/p1"},
    {"Observation", "subject=http://other.org/fhir/Patient/9"},
    {"Observation", "subject=Group/g1"},
    {"Observation", "patient=p1,p2&date=2020"},
    {"Observation", "subject:missing=true"},
    {"Patient", "name=mul"},
    {"Patient", "name=MÜL"},
    {"Patient", "name=m"},
    {"Patient", "name=anna"},
    {"Patient", "name=zoe"},
    {"Patient", "family=mith"},
    {"Patient", "family:contains=mith"},
    {"Patient", "family:contains=ell"},
    {"Patient", "family:exact=Müller"},
    {"Patient", "family:exact=müller"},
    {"Patient", "name=mul,smi"},
    {"Patient", "_profile=http://x.org/p/a"},
    {"Patient", "_profile=http://x.org/p"},
    {"Patient", "birthdate=lt2000"},
    {"Patient", "gender=female,male&birthdate:missing=true"},
    {"Patient", "gender:not=male"},
    {"RiskAssessment", "probability=0.25"},
    {"RiskAssessment", "probability=gt0.5"},
    {"RiskAssessment", "probability=le0.8&patient=p2"},
};

/* Does the stored resource r match q in memory? */
static bool in_memory(struct st_ctx *t, const struct fhir_query *q, const struct fhir_resource *r)
{
    cJSON *j = cJSON_ParseWithLength(r->json.ptr, r->json.len);
    struct fhir_index_entry *e = NULL;
    size_t n = 0;
    bool match = false;
    CHECK(j != NULL);
    CHECK_INT(fhir_index_extract(t->pool, j, r->type, &e, &n), FG_OK);
    fhir_index_rebase(fg_str_c(ST_BASE), e, n);
    CHECK_INT(fhir_match_filters(t->pool, q, r, e, n, ST_NOW_US / 1000, &match), FG_OK);
    cJSON_Delete(j);
    return match;
}

static bool listed(const struct fhir_search_result *res, struct fg_str id)
{
    for (size_t i = 0; i < res->n_matches; i++)
        if (fg_str_eq(res->matches[i].id, id))
            return true;
    return false;
}

static void test_agrees_with_store(void)
{
    struct st_ctx t;
    size_t n_rows = sizeof rows / sizeof rows[0], yes = 0, no = 0;
    st_open(&t);
    for (size_t i = 0; i < n_rows; i++)
        CHECK_INT(st_put(&t, rows[i].type, rows[i].id, rows[i].json), FG_OK);
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        struct fhir_search_result all, want;
        struct fhir_query q;
        CHECK_INT(st_search(&t, cases[c].type, "_count=1000", &all), FG_OK);
        CHECK_INT(st_search(&t, cases[c].type, cases[c].query, &want), FG_OK);
        CHECK_INT(st_parse(&t, cases[c].type, cases[c].query, &q), FG_OK);
        CHECK(fhir_match_evaluable(&q));
        for (size_t i = 0; i < all.n_matches; i++) {
            bool got = in_memory(&t, &q, &all.matches[i]);
            bool stored = listed(&want, all.matches[i].id);
            if (got != stored) {
                test_failed_checks++;
                fprintf(stderr, "FAIL %s: %s?%s on %.*s: in memory %d, store %d\n",
                        test_current, cases[c].type, cases[c].query,
                        (int)all.matches[i].id.len, all.matches[i].id.ptr, got, stored);
            }
            *(got ? &yes : &no) += 1;
        }
    }
    /* Both answers occur (the table is no constant). */
    CHECK(yes > 50);
    CHECK(no > 100);
    st_close(&t);
}

/* Chains test another resource and are left to the server that ran them;
 * a query with only those has nothing to evaluate. */
static void test_not_evaluated(void)
{
    struct st_ctx t;
    struct fhir_query q;
    st_open(&t);
    CHECK_INT(st_put(&t, rows[0].type, rows[0].id, rows[0].json), FG_OK);
    struct fhir_search_result all;
    CHECK_INT(st_search(&t, "Observation", "", &all), FG_OK);
    CHECK_INT(all.n_matches, 1);
    CHECK_INT(st_parse(&t, "Observation", "subject:Patient.name=nobody", &q), FG_OK);
    CHECK(!fhir_match_evaluable(&q));
    if (all.n_matches)
        CHECK(in_memory(&t, &q, &all.matches[0]));
    CHECK_INT(st_parse(&t, "Observation", "subject:Patient.name=nobody&code=8867-4", &q), FG_OK);
    CHECK(fhir_match_evaluable(&q));
    if (all.n_matches)
        CHECK(in_memory(&t, &q, &all.matches[0]));
    CHECK_INT(st_parse(&t, "Observation", "subject:Patient.name=nobody&code=other", &q), FG_OK);
    if (all.n_matches)
        CHECK(!in_memory(&t, &q, &all.matches[0]));
    st_close(&t);
}

TEST_MAIN(test_agrees_with_store, test_not_evaluated)
