/* index_test.c - search index extraction, compartments, string normalization. */
#include "../test.h"

#include <time.h>

#include "core/fg_clock.h"
#include "core/fg_mem.h"
#include "fhir/date.h"
#include "fhir/index.h"
#include "fhir/index_internal.h"

/* Fixtures are written with ' for " to stay readable; no value contains '. */
static cJSON *parse(const char *json_with_single_quotes)
{
    size_t n = strlen(json_with_single_quotes);
    char *buf = malloc(n + 1);
    for (size_t i = 0; i <= n; i++)
        buf[i] = json_with_single_quotes[i] == '\'' ? '"' : json_with_single_quotes[i];
    cJSON *j = cJSON_Parse(buf);
    free(buf);
    if (!j)
        fprintf(stderr, "fixture does not parse: %.60s\n", json_with_single_quotes);
    return j;
}

struct got {
    struct fg_pool *pool;
    cJSON *json;
    struct fhir_index_entry *v;
    size_t n;
};

static struct got extract(const char *type, const char *json)
{
    struct got g = {fg_pool_new(), parse(json), NULL, 0};
    CHECK(g.pool && g.json);
    CHECK_INT(fhir_index_extract(g.pool, g.json, fg_str_c(type), &g.v, &g.n), FG_OK);
    return g;
}

static void got_free(struct got *g)
{
    cJSON_Delete(g->json);
    fg_pool_free(&g->pool);
}

/* The k-th entry (in extraction order) of parameter `code`, or NULL. */
static const struct fhir_index_entry *nth(const struct got *g, const char *code, size_t k)
{
    for (size_t i = 0; i < g->n; i++) {
        if (strcmp(g->v[i].def->code, code) == 0 && k-- == 0)
            return &g->v[i];
    }
    return NULL;
}

static size_t count(const struct got *g, const char *code)
{
    size_t n = 0;
    while (nth(g, code, n))
        n++;
    return n;
}

static int64_t ms(const char *date, int hi)
{
    struct fhir_date_range r;
    if (fhir_date_parse(fg_str_c(date), &r) != FG_OK)
        return -1;
    return hi ? r.hi : r.lo;
}

static const char blood_pressure[] =
    "{'resourceType':'Observation','id':'bp1',"
    "'meta':{'versionId':'1','lastUpdated':'2024-01-02T03:04:05.678Z',"
    "'profile':['http://hl7.org/fhir/StructureDefinition/vitalsigns'],"
    "'tag':[{'system':'http://t.example','code':'x'}]},"
    "'status':'final',"
    "'category':[{'coding':[{'system':'http://terminology.hl7.org/CodeSystem/observation-category',"
    "'code':'vital-signs','display':'Vital Signs'}]}],"
    "'code':{'coding':[{'system':'http://loinc.org','code':'85354-9','display':'Blood pressure panel'},"
    "{'system':'http://snomed.info/sct','code':'75367002'}],'text':'Blood  Pressure'},"
    "'subject':{'reference':'Patient/p1','display':'Amy'},"
    "'performer':[{'reference':'Practitioner/dr1'},{'reference':'Patient/p1/_history/3'}],"
    "'effectivePeriod':{'start':'2024-01-01T10:00:00Z'},"
    "'component':[{'code':{'coding':[{'system':'http://loinc.org','code':'8480-6'}]},"
    "'valueQuantity':{'value':120,'unit':'mmHg','system':'http://unitsofmeasure.org','code':'mm[Hg]'}},"
    "{'code':{'coding':[{'system':'http://loinc.org','code':'8462-4'}]},"
    "'valueQuantity':{'value':80.5,'unit':'mmHg','system':'http://unitsofmeasure.org','code':'mm[Hg]'}}]}";

static void test_observation_tokens(void)
{
    struct got g = extract("Observation", blood_pressure);
    CHECK_INT(count(&g, "code"), 3);
    const struct fhir_index_entry *e = nth(&g, "code", 0);
    if (e) {
        CHECK_SLICE(e->system, "http://loinc.org");
        CHECK_SLICE(e->code, "85354-9");
        CHECK_SLICE(e->text, "blood pressure panel");
    }
    e = nth(&g, "code", 1);
    if (e) {
        CHECK_SLICE(e->system, "http://snomed.info/sct");
        CHECK_SLICE(e->code, "75367002");
        CHECK_SLICE(e->text, "");
    }
    e = nth(&g, "code", 2);
    if (e) {
        CHECK_SLICE(e->code, "");
        CHECK_SLICE(e->text, "blood pressure");
    }
    CHECK_INT(count(&g, "category"), 1);
    e = nth(&g, "category", 0);
    if (e)
        CHECK_SLICE(e->code, "vital-signs");
    CHECK_INT(count(&g, "status"), 1);
    CHECK_INT(count(&g, "component-code"), 2);
    e = nth(&g, "component-code", 1);
    if (e)
        CHECK_SLICE(e->code, "8462-4");
    CHECK_INT(count(&g, "combo-code"), 5);
    CHECK_INT(count(&g, "_id"), 1);
    e = nth(&g, "_id", 0);
    if (e)
        CHECK_SLICE(e->code, "bp1");
    CHECK_INT(count(&g, "_tag"), 1);
    CHECK_INT(count(&g, "_profile"), 1);
    e = nth(&g, "_profile", 0);
    if (e)
        CHECK_SLICE(e->str, "http://hl7.org/fhir/StructureDefinition/vitalsigns");
    /* composites are not indexed; nothing leaks into other parameters */
    CHECK_INT(count(&g, "code-value-quantity"), 0);
    CHECK_INT(count(&g, "value-quantity"), 0);
    got_free(&g);
}

static void test_observation_values_dates_refs(void)
{
    struct got g = extract("Observation", blood_pressure);
    CHECK_INT(count(&g, "component-value-quantity"), 2);
    const struct fhir_index_entry *e = nth(&g, "component-value-quantity", 1);
    if (e) {
        CHECK(e->number == 80.5);
        CHECK_SLICE(e->unit_system, "http://unitsofmeasure.org");
        CHECK_SLICE(e->unit_code, "mm[Hg]");
    }
    CHECK_INT(count(&g, "combo-value-quantity"), 2);
    CHECK_INT(count(&g, "date"), 1);
    e = nth(&g, "date", 0);
    if (e) {
        CHECK_INT(e->lo, ms("2024-01-01T10:00:00Z", 0));
        CHECK(e->hi == FHIR_DATE_MAX);
    }
    e = nth(&g, "_lastUpdated", 0);
    CHECK(e && e->lo == e->hi && e->lo == ms("2024-01-02T03:04:05.678Z", 0));
    CHECK_INT(count(&g, "patient"), 1);
    e = nth(&g, "patient", 0);
    if (e) {
        CHECK_SLICE(e->ref_type, "Patient");
        CHECK_SLICE(e->ref_id, "p1");
        CHECK_SLICE(e->ref_url, "");
    }
    CHECK_INT(count(&g, "subject"), 1);
    CHECK_INT(count(&g, "performer"), 2);
    e = nth(&g, "performer", 1);
    if (e) {
        CHECK_SLICE(e->ref_type, "Patient");
        CHECK_SLICE(e->ref_id, "p1"); /* history stripped */
    }
    got_free(&g);

    g = extract("Observation",
                "{'resourceType':'Observation','status':'final','code':{'text':'temp'},"
                "'effectiveDateTime':'2023-05','valueQuantity':{'value':98.6,'unit':'degF'},"
                "'subject':{'reference':'Group/g1'}}");
    CHECK_INT(count(&g, "value-quantity"), 1);
    e = nth(&g, "value-quantity", 0);
    if (e) {
        CHECK(e->number == 98.6);
        CHECK_SLICE(e->unit_code, "degF"); /* no code: the unit */
        CHECK_SLICE(e->unit_system, "");
    }
    e = nth(&g, "date", 0);
    CHECK(e && e->lo == ms("2023-05", 0) && e->hi == ms("2023-05", 1));
    CHECK_INT(count(&g, "patient"), 0); /* @Patient filter */
    CHECK_INT(count(&g, "subject"), 1);
    CHECK_INT(count(&g, "code"), 1);
    got_free(&g);
}

static void test_timing_and_bad_dates(void)
{
    struct got g = extract("Observation",
                           "{'resourceType':'Observation','effectiveTiming':{"
                           "'event':['2020-01-01','not a date','2020-02-01T10:00:00+01:00'],"
                           "'repeat':{'boundsPeriod':{'start':'2020-03-01','end':'2020-03-31'}}}}");
    CHECK_INT(count(&g, "date"), 3);
    const struct fhir_index_entry *e = nth(&g, "date", 1);
    CHECK(e && e->lo == ms("2020-02-01T09:00:00Z", 0));
    e = nth(&g, "date", 2);
    CHECK(e && e->lo == ms("2020-03-01", 0) && e->hi == ms("2020-03-31", 1));
    got_free(&g);

    static const char *const bad[] = {
        "{'effectiveDateTime':'2020-13-01'}",
        "{'effectivePeriod':{'start':'2020-02-30'}}",
        "{'effectivePeriod':{'start':'2021-01-01','end':'2020-01-01'}}",
        "{'effectivePeriod':{}}",
        "{'effectiveDateTime':20200101}",
        "{'effectiveDateTime':['2020']}",
        "{'effectiveInstant':null}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        g = extract("Observation", bad[i]);
        CHECK_INT(count(&g, "date"), i == 5 ? 1 : 0); /* an array is flattened */
        got_free(&g);
    }
    g = extract("Observation", "{'effectivePeriod':{'end':'2020'}}");
    e = nth(&g, "date", 0);
    CHECK(e && e->lo == FHIR_DATE_MIN && e->hi == ms("2020", 1));
    got_free(&g);
}

static const char patient[] =
    "{'resourceType':'Patient','id':'pat1','active':true,'gender':'female',"
    "'birthDate':'1980-02-29',"
    "'identifier':[{'system':'urn:oid:1.2.3','value':'MRN-1','type':{'text':'Medical  Record'}}],"
    "'name':[{'family':'M\xc3\xbcller-L\xc3\xbc" "denscheidt','given':['Jos\xc3\xa9','\xc3\x91" "and\xc3\xba'],"
    "'prefix':['Dr.'],'text':'  Dr.  JOS\xc3\x89   M\xc3\xbcller '}],"
    "'telecom':[{'system':'phone','value':'555-1234'},{'system':'email','value':'Amy@Example.org'}],"
    "'address':[{'line':['Stra\xc3\x9f" "e 5','Hof 2'],'city':'Z\xc3\xbcrich','postalCode':'8000',"
    "'country':'CH'}],"
    "'generalPractitioner':[{'reference':'https://other.example/fhir/Practitioner/9'},"
    "{'reference':'#contained1'},{'reference':'urn:uuid:0b5c0d6e-0000-4000-8000-000000000001'}],"
    "'link':[{'other':{'reference':'Patient/p2'},'type':'seealso'}],"
    "'extension':[{'url':'http://hl7.org/fhir/us/core/StructureDefinition/us-core-race','extension':["
    "{'url':'ombCategory','valueCoding':{'system':'urn:oid:2.16.840.1.113883.6.238','code':'2106-3',"
    "'display':'White'}},{'url':'text','valueString':'White'}]},"
    "{'url':'http://example.org/other','extension':[{'url':'x','valueCoding':{'code':'nope'}}]}]}";

static void test_patient_strings(void)
{
    struct got g = extract("Patient", patient);
    static const char *const names[] = {"muller-ludenscheidt", "jose", "nandu", "dr.",
                                        "dr. jose muller"};
    CHECK_INT(count(&g, "name"), 5);
    for (size_t i = 0; i < 5; i++) {
        const struct fhir_index_entry *e = nth(&g, "name", i);
        if (e)
            CHECK_SLICE(e->str, names[i]);
    }
    const struct fhir_index_entry *e = nth(&g, "name", 1);
    if (e)
        CHECK_SLICE(e->text, "Jos\xc3\xa9"); /* as written, for :exact */
    CHECK_INT(count(&g, "family"), 1);
    CHECK_INT(count(&g, "given"), 2);
    static const char *const address[] = {"strasse 5", "hof 2", "zurich", "8000", "ch"};
    CHECK_INT(count(&g, "address"), 5);
    for (size_t i = 0; i < 5; i++) {
        e = nth(&g, "address", i);
        if (e)
            CHECK_SLICE(e->str, address[i]);
    }
    CHECK_INT(count(&g, "address-city"), 1);
    e = nth(&g, "address-city", 0);
    if (e)
        CHECK_SLICE(e->str, "zurich");
    e = nth(&g, "birthdate", 0);
    CHECK(e && e->lo == ms("1980-02-29", 0) && e->hi == ms("1980-02-29", 1));
    got_free(&g);
}

static void test_patient_tokens_filters_refs(void)
{
    struct got g = extract("Patient", patient);
    CHECK_INT(count(&g, "email"), 1);
    const struct fhir_index_entry *e = nth(&g, "email", 0);
    if (e) {
        CHECK_SLICE(e->code, "Amy@Example.org");
        CHECK_SLICE(e->system, "email");
    }
    CHECK_INT(count(&g, "phone"), 1);
    CHECK_INT(count(&g, "telecom"), 2);
    e = nth(&g, "identifier", 0);
    if (e) {
        CHECK_SLICE(e->system, "urn:oid:1.2.3");
        CHECK_SLICE(e->code, "MRN-1");
        CHECK_SLICE(e->text, "medical record");
    }
    e = nth(&g, "active", 0);
    CHECK(e && e->code.len == 4 && memcmp(e->code.ptr, "true", 4) == 0);
    e = nth(&g, "gender", 0);
    CHECK(e && fg_str_eq_c(e->code, "female"));
    CHECK_INT(count(&g, "race"), 1); /* the Coding's code; the valueString has none */
    e = nth(&g, "race", 0);
    if (e)
        CHECK_SLICE(e->code, "2106-3");
    /* absolute: URL plus type/id; #local and urn:uuid are skipped */
    CHECK_INT(count(&g, "general-practitioner"), 1);
    e = nth(&g, "general-practitioner", 0);
    if (e) {
        CHECK_SLICE(e->ref_url, "https://other.example/fhir/Practitioner/9");
        CHECK_SLICE(e->ref_type, "Practitioner");
        CHECK_SLICE(e->ref_id, "9");
    }
    CHECK_INT(count(&g, "link"), 1);
    got_free(&g);
}

static struct fg_str *compartment(struct fg_pool *pool, const char *type, const char *json,
                                  size_t *n)
{
    cJSON *j = parse(json);
    struct fg_str *ids = NULL;
    *n = 99;
    CHECK_INT(fhir_compartment_patients(pool, j, fg_str_c(type), &ids, n), FG_OK);
    /* ids borrow from the tree: copy before it goes */
    for (size_t i = 0; i < *n; i++)
        ids[i] = fg_pool_str(pool, ids[i]);
    cJSON_Delete(j);
    return ids;
}

static void test_compartments(void)
{
    struct fg_pool *pool = fg_pool_new();
    size_t n;
    struct fg_str *ids = compartment(pool, "Observation", blood_pressure, &n);
    CHECK_INT(n, 1); /* subject and performer name p1: once */
    if (n == 1)
        CHECK_SLICE(ids[0], "p1");

    ids = compartment(pool, "Patient", patient, &n);
    CHECK_INT(n, 2);
    if (n == 2) {
        CHECK_SLICE(ids[0], "pat1");
        CHECK_SLICE(ids[1], "p2");
    }

    ids = compartment(pool, "Encounter",
                      "{'resourceType':'Encounter','id':'e1','status':'finished',"
                      "'subject':{'reference':'Patient/p7'},"
                      "'participant':[{'individual':{'reference':'Practitioner/d1'}}]}",
                      &n);
    CHECK_INT(n, 1);
    if (n == 1)
        CHECK_SLICE(ids[0], "p7");

    static const char *const none[] = {
        "{'subject':{'reference':'Group/g1'}}",
        "{'subject':{'reference':'http://other.example/Patient/p1'}}",
        "{'subject':{'reference':'#p1'}}",
        "{'subject':{'reference':'Patient/'}}",
        "{'subject':{'reference':'Patient/bad id'}}",
        "{'subject':{'reference':'Patient'}}",
        "{'subject':{'reference':42}}",
        "{'subject':'Patient/p1'}",
        "[]",
    };
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
        compartment(pool, "Encounter", none[i], &n);
        CHECK_INT(n, 0);
    }
    compartment(pool, "NoSuchType", "{'subject':{'reference':'Patient/p1'}}", &n);
    CHECK_INT(n, 0);

    CHECK(fhir_compartment_type_in_patient(FG_STR_LIT("Encounter")));
    CHECK(fhir_compartment_type_in_patient(FG_STR_LIT("Observation")));
    CHECK(fhir_compartment_type_in_patient(FG_STR_LIT("Patient")));
    CHECK(!fhir_compartment_type_in_patient(FG_STR_LIT("ValueSet")));
    CHECK(!fhir_compartment_type_in_patient(FG_STR_LIT("Organization")));
    CHECK(!fhir_compartment_type_in_patient(FG_STR_LIT("encounter")));
    fg_pool_free(&pool);
}

static void test_parse_reference(void)
{
    static const struct {
        const char *in;
        bool ok;
        const char *type, *id, *url;
    } rows[] = {
        {"Patient/1", true, "Patient", "1", ""},
        {"Patient/1/_history/2", true, "Patient", "1", ""},
        {"Observation/a.b-c", true, "Observation", "a.b-c", ""},
        {"http://x.org/fhir/Patient/1", true, "Patient", "1", "http://x.org/fhir/Patient/1"},
        {"https://x.org/fhir/Patient/1/_history/9", true, "Patient", "1", "https://x.org/fhir/Patient/1"},
        {"http://x.org/ValueSet/vs|1.0", true, "ValueSet", "vs", "http://x.org/ValueSet/vs"},
        {"#contained", false, "", "", ""},
        {"urn:uuid:0b5c0d6e-0000-4000-8000-000000000001", false, "", "", ""},
        {"urn:oid:1.2.3", false, "", "", ""},
        {"", false, "", "", ""},
        {"Patient", false, "", "", ""},
        {"Patient/", false, "", "", ""},
        {"/Patient/1", false, "", "", ""},
        {"x/Patient/1", false, "", "", ""},
        {"Patients/1", false, "", "", ""},
        {"Patient/1/2", false, "", "", ""},
        {"Patient/has space", false, "", "", ""},
        {"Patient/\xc3\xa9", false, "", "", ""},
        {"ftp://x/Patient/1", false, "", "", ""},
        {"http://x.org/StructureDefinition/us-core-patient", true, "StructureDefinition", "us-core-patient",
         "http://x.org/StructureDefinition/us-core-patient"},
        {"http://x.org/no-type-here", false, "", "", ""},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct fg_str t = FG_STR_NULL, id = FG_STR_NULL, url = FG_STR_NULL;
        bool ok = fhir_index_parse_reference(fg_str_c(rows[i].in), &t, &id, &url);
        if (ok != rows[i].ok)
            fprintf(stderr, "reference \"%s\"\n", rows[i].in);
        CHECK_INT(ok, rows[i].ok);
        if (!ok)
            continue;
        CHECK_SLICE(t, rows[i].type);
        CHECK_SLICE(id, rows[i].id);
        CHECK_SLICE(url, rows[i].url);
    }
}

static void test_normalize(void)
{
    static const struct {
        const char *in, *want;
    } rows[] = {
        {"", ""},
        {"Hello World", "hello world"},
        {"  a \t\n b  ", "a b"},
        {"\xc3\x80\xc3\x89\xc3\x8e\xc3\x95\xc3\x9c", "aeiou"},       /* ÀÉÎÕÜ */
        {"\xc3\xa9\xc3\xa8\xc3\xaa\xc3\xab", "eeee"},                 /* éèêë */
        {"Stra\xc3\x9f" "e", "strasse"},                              /* ß */
        {"\xc3\x91" "and\xc3\xba", "nandu"},                          /* Ñandú */
        {"Fran\xc3\xa7ois", "francois"},                              /* ç */
        {"\xc3\x86sir \xc5\x92uvre", "aesir oeuvre"},                 /* Æ Œ */
        {"\xc5\x81\xc3\xb3" "d\xc5\xba", "lodz"},                     /* Łódź */
        {"\xc4\x8c" "e\xc5\xa1tina", "cestina"},                      /* Čeština */
        {"a\xc2\xa0" "b", "a b"},                                     /* no-break space */
        {"\xc3\x97\xc3\xb7", "\xc3\x97\xc3\xb7"},                     /* × ÷ are not letters */
        {"\xe2\x82\xac 5", "\xe2\x82\xac 5"},                         /* € kept */
        {"\xe6\x97\xa5\xe6\x9c\xac", "\xe6\x97\xa5\xe6\x9c\xac"},     /* CJK kept */
        {"bad\xc3", "bad\xc3"},                                       /* truncated sequence */
        {"bad\xc3(x", "bad\xc3(x"},                                   /* bad continuation */
        {"\xff\xfe" "A", "\xff\xfe" "a"},                             /* invalid bytes */
        {"\x80\xc3\xa9", "\x80" "e"},                                 /* stray continuation */
    };
    struct fg_pool *pool = fg_pool_new();
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct fg_str n = fhir_normalize_string(pool, fg_str_c(rows[i].in));
        CHECK(n.ptr != NULL);
        CHECK_SLICE(n, rows[i].want);
        CHECK(n.ptr && n.ptr[n.len] == '\0');
    }
    /* an embedded NUL is an ordinary byte */
    struct fg_str n = fhir_normalize_string(pool, fg_str_n("A\0B", 3));
    CHECK(n.len == 3 && memcmp(n.ptr, "a\0b", 3) == 0);
    fg_pool_free(&pool);
}

static void test_unknown_and_odd_input(void)
{
    struct got g = extract("NoSuchType", "{'id':'x'}");
    CHECK_INT(g.n, 0);
    got_free(&g);
    g = extract("Observation", "[1,2]");
    CHECK_INT(g.n, 0);
    got_free(&g);
    /* wrong JSON shapes everywhere: skipped, never fatal */
    g = extract("Observation",
                "{'id':7,'code':'x','category':[[{'coding':[]}]],'subject':['Patient/1'],"
                "'valueQuantity':{'value':'12'},'component':{'code':{'coding':{'code':'a'}}},"
                "'meta':{'tag':[null,{'code':null}]}}");
    CHECK_INT(count(&g, "_id"), 0);
    CHECK_INT(count(&g, "category"), 0);
    CHECK_INT(count(&g, "subject"), 0);
    CHECK_INT(count(&g, "value-quantity"), 0);
    CHECK_INT(count(&g, "component-code"), 0); /* coding is not an array */
    CHECK_INT(count(&g, "_tag"), 0);
    got_free(&g);
}

static void test_out_of_memory(void)
{
    cJSON *j = parse(patient);
    for (unsigned long nth_alloc = 1; nth_alloc < 200; nth_alloc++) {
        struct fg_pool *pool = fg_pool_new();
        struct fhir_index_entry *v = NULL;
        size_t n = 0;
        fg_mem_fail_at(nth_alloc);
        enum fg_status st = fhir_index_extract(pool, j, FG_STR_LIT("Patient"), &v, &n);
        fg_mem_fail_at(0);
        fg_pool_free(&pool);
        CHECK(st == FG_OK || st == FG_ENOMEM);
        if (st == FG_OK) {
            CHECK(n > 20);
            break;
        }
        CHECK(v == NULL);
    }
    cJSON_Delete(j);
}

/* Prints (does not assert) the cost of extracting a typical ~1 KB vital
 * sign, including a pool per resource as the store will use; CPU time of this
 * thread, so a busy machine skews it less. */
static void test_speed(void)
{
    cJSON *j = parse(blood_pressure);
    char *printed = cJSON_PrintUnformatted(j);
    size_t bytes = strlen(printed);
    cJSON_free(printed);
    const int rounds = 200000;
    size_t total = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
    for (int i = 0; i < rounds; i++) {
        struct fg_pool *pool = fg_pool_new();
        struct fhir_index_entry *v;
        size_t n = 0;
        if (fhir_index_extract(pool, j, FG_STR_LIT("Observation"), &v, &n) == FG_OK)
            total += n;
        fg_pool_free(&pool);
    }
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
    double ns = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / rounds;
    printf("index_test: extract %zu-byte Observation: %.2f us, %zu entries each\n", bytes,
           ns / 1000.0, total / rounds);
    CHECK(total > 0);
    cJSON_Delete(j);
}

TEST_MAIN(test_observation_tokens, test_observation_values_dates_refs, test_timing_and_bad_dates,
          test_patient_strings, test_patient_tokens_filters_refs, test_compartments,
          test_parse_reference, test_normalize, test_unknown_and_odd_input, test_out_of_memory,
          test_speed)
