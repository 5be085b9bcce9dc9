/* store_upstream_test.c - the upstream backend's parsers and query writer:
 * paging links reduced to paging state, cursors checked, upstream Bundles
 * and resources checked, and a narrowed query written for the upstream. */
#include "../../../fhir/store_upstream_internal.h"
#include "../../../fhir/search.h"
#include "../test.h"

#define UP_BASE "http://up.example:8080/fhir"

static void test_link_state(void)
{
    static const struct {
        const char *link, *want; /* want NULL = FG_EUPSTREAM */
    } rows[] = {
        {UP_BASE "/Observation?subject=Patient%2Famy&_count=5&_offset=10", "_offset=10"},
        {UP_BASE "?_getpages=abc-1&_getpagesoffset=20&_count=20&_bundletype=searchset",
         "_getpages=abc-1&_getpagesoffset=20&_bundletype=searchset"},
        {UP_BASE "/Observation?ct=Zm9v%3D&code=1234-5", "ct=Zm9v%3D"},
        /* filters, includes, sorts and chains are never state */
        {UP_BASE "/Observation?patient=x&_include=Observation%3Asubject&_sort=-date"
                 "&subject:Patient.name=peter&_id=1&_lastUpdated=gt2020",
         ""},
        /* another host, or a base that only starts like ours */
        {"http://evil.example/fhir/Observation?_offset=10", ""},
        {"http://up.example:8080/fhirx/Observation?_offset=10", ""},
        {UP_BASE, ""},
        /* bytes that could break out of a query string */
        {UP_BASE "/Observation?_offset=1\"><script>", NULL},
        {UP_BASE "/Observation?_offset=1#x", NULL},
        {UP_BASE "/Observation?=1", NULL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct fg_pool *pool = fg_pool_new();
        struct fg_error err;
        struct fg_str out = FG_STR_LIT("unset");
        fg_error_clear(&err);
        enum fg_status st = up_link_state(pool, fg_str_c(UP_BASE), fg_str_c("Observation"),
                                          fg_str_c(rows[i].link), &out, &err);
        if (rows[i].want) {
            CHECK_INT(st, FG_OK);
            CHECK_SLICE(out, rows[i].want);
        } else {
            CHECK_INT(st, FG_EUPSTREAM);
        }
        fg_pool_free(&pool);
    }
}

static void test_cursor_check(void)
{
    static const struct {
        const char *cursor;
        enum fg_status want;
    } rows[] = {
        {"_offset=20", FG_OK},
        {"_getpages=abc-1&_getpagesoffset=20", FG_OK},
        {"ct=Zm9v%3D", FG_OK},
        {"subject=Patient%2Fmax", FG_EINVAL},
        {"_count=1000", FG_EINVAL},
        {"_include=Observation%3Asubject", FG_EINVAL},
        {"_offset=1&patient=max", FG_EINVAL},
        {"code:not=x", FG_EINVAL},
        {"_offset=1&", FG_EINVAL},
        {"_offset=\"", FG_EINVAL},
        {"=1", FG_EINVAL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct fg_error err;
        fg_error_clear(&err);
        CHECK_INT(up_cursor_check(fg_str_c("Observation"), fg_str_c(rows[i].cursor), &err),
                  rows[i].want);
    }
    char big[FG_MAX_UPSTREAM_CURSOR + 8];
    memset(big, 'a', sizeof big);
    memcpy(big, "_x=", 3);
    struct fg_error err;
    fg_error_clear(&err);
    CHECK_INT(up_cursor_check(fg_str_c("Observation"), fg_str_n(big, sizeof big), &err), FG_EINVAL);
    CHECK_INT(up_state_int(fg_str_c("_getpages=a&_offset=40"), "_offset"), 40);
    CHECK_INT(up_state_int(fg_str_c("_offset=x"), "_offset"), 0);
}

static const char *const searchset =
    "{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"total\":7,"
    "\"link\":[{\"relation\":\"self\",\"url\":\"" UP_BASE "/Observation?subject=Patient/amy\"},"
    "{\"relation\":\"next\",\"url\":\"" UP_BASE "/Observation?subject=Patient/amy&_offset=2\"}],"
    "\"entry\":[{\"search\":{\"mode\":\"match\"},\"resource\":{\"resourceType\":\"Observation\","
    "\"id\":\"o1\",\"meta\":{\"versionId\":\"3\",\"lastUpdated\":\"2026-01-02T03:04:05Z\"},"
    "\"subject\":{\"reference\":\"Patient/amy\"}}},"
    "{\"resource\":{\"resourceType\":\"Observation\",\"id\":\"o2\",\"meta\":{\"versionId\":"
    "\"7b2c-uuid\"},\"subject\":{\"reference\":\"" UP_BASE "/Patient/max\"}}},"
    "{\"search\":{\"mode\":\"include\"},\"resource\":{\"resourceType\":\"Patient\",\"id\":\"amy\","
    "\"meta\":{\"versionId\":\"1\"}}},"
    "{\"search\":{\"mode\":\"outcome\"},\"resource\":{\"resourceType\":\"OperationOutcome\"}}]}";

static void test_bundle_parse(void)
{
    struct fg_pool *pool = fg_pool_new();
    struct fg_error err;
    struct up_bundle b;
    fg_error_clear(&err);
    CHECK_INT(up_bundle_parse(pool, fg_str_c(UP_BASE), fg_str_c("Observation"), fg_str_c(searchset),
                              "searchset", &b, &err),
              FG_OK);
    CHECK_INT(b.n_matches, 2);
    CHECK_INT(b.n_included, 1);
    CHECK_INT(b.n_outcome, 1);
    CHECK_INT(b.total, 7);
    CHECK_SLICE(b.next, "_offset=2");
    CHECK_SLICE(b.prev, "");
    CHECK_SLICE(b.matches[0].id, "o1");
    CHECK_INT(b.matches[0].version, 3);
    CHECK_SLICE(b.matches[0].version_id, "");
    CHECK(b.matches[0].last_updated_us == INT64_C(1767323045000000));
    CHECK_INT(b.matches[1].version, 0);
    CHECK_SLICE(b.matches[1].version_id, "7b2c-uuid");
    CHECK_INT(b.matches[0].n_compartment, 1);
    CHECK_SLICE(b.matches[0].compartment[0], "amy");
    /* an absolute reference on the upstream's base is made relative: it
     * counts for the compartment and never shows the upstream's address */
    CHECK_INT(b.matches[1].n_compartment, 1);
    CHECK_SLICE(b.matches[1].compartment[0], "max");
    CHECK(strstr(b.matches[1].json.ptr, "up.example") == NULL);
    CHECK_SLICE(b.included[0].type, "Patient");
    CHECK_INT(b.included[0].n_compartment, 1);
    /* the entry text is one compact JSON object */
    CHECK(b.matches[0].json.len > 0 && b.matches[0].json.ptr[0] == '{');
    /* the same Bundle is not a history */
    fg_error_clear(&err);
    CHECK_INT(up_bundle_parse(pool, fg_str_c(UP_BASE), fg_str_c("Observation"), fg_str_c(searchset),
                              "history", &b, &err),
              FG_EUPSTREAM);
    fg_pool_free(&pool);
}

static void test_bundle_refused(void)
{
    static const char *const bad[] = {
        "",
        "[]",
        "{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"entry\":{}}",
        "{\"resourceType\":\"Patient\",\"type\":\"searchset\"}",
        "{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"entry\":[{}]}",
        "{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"entry\":[{\"resource\":"
        "{\"resourceType\":\"Observation\",\"id\":\"a b\",\"meta\":{\"versionId\":\"1\"}}}]}",
        "{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"entry\":[{\"resource\":"
        "{\"resourceType\":\"NoSuchType\",\"id\":\"a\",\"meta\":{\"versionId\":\"1\"}}}]}",
        "{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"entry\":[{\"resource\":"
        "{\"resourceType\":\"Observation\",\"id\":\"a\"}}]}",
        "{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"link\":[{\"relation\":\"next\","
        "\"url\":\"" UP_BASE "/Observation?_offset=1<x>\"}]}",
        "{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"entry\":[{\"resource\":",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct fg_pool *pool = fg_pool_new();
        struct fg_error err;
        struct up_bundle b;
        fg_error_clear(&err);
        CHECK_INT(up_bundle_parse(pool, fg_str_c(UP_BASE), fg_str_c("Observation"),
                                  fg_str_c(bad[i]), "searchset", &b, &err),
                  FG_EUPSTREAM);
        CHECK(strstr(err.diagnostics, "upstream FHIR server") != NULL);
        fg_pool_free(&pool);
    }
    /* A self link past the limit (it is scanned once per filter sent). */
    struct fg_buf long_self;
    fg_buf_init(&long_self, 2 * FG_MAX_UPSTREAM_LINK_BYTES);
    CHECK_INT(fg_buf_append_c(&long_self, "{\"resourceType\":\"Bundle\",\"type\":\"searchset\","
                                          "\"link\":[{\"relation\":\"self\",\"url\":\"" UP_BASE
                                          "/Observation?code="),
              FG_OK);
    for (size_t i = 0; i <= FG_MAX_UPSTREAM_LINK_BYTES; i++)
        CHECK_INT(fg_buf_append_char(&long_self, 'x'), FG_OK);
    CHECK_INT(fg_buf_append_c(&long_self, "\"}]}"), FG_OK);
    struct fg_pool *pool = fg_pool_new();
    struct fg_error err;
    struct up_bundle b;
    fg_error_clear(&err);
    CHECK_INT(up_bundle_parse(pool, fg_str_c(UP_BASE), fg_str_c("Observation"),
                              fg_buf_str(&long_self), "searchset", &b, &err),
              FG_EUPSTREAM);
    CHECK(strstr(err.diagnostics, "link longer than") != NULL);
    fg_pool_free(&pool);
    fg_buf_cleanup(&long_self);
}

static void test_history_delete(void)
{
    static const char *const h = "{\"resourceType\":\"Bundle\",\"type\":\"history\",\"entry\":["
                                 "{\"request\":{\"method\":\"DELETE\",\"url\":\"Patient/p1\"},"
                                 "\"response\":{\"status\":\"204\",\"etag\":\"W/\\\"3\\\"\"}},"
                                 "{\"resource\":{\"resourceType\":\"Patient\",\"id\":\"p1\","
                                 "\"meta\":{\"versionId\":\"2\"}}}]}";
    struct fg_pool *pool = fg_pool_new();
    struct fg_error err;
    struct up_bundle b;
    fg_error_clear(&err);
    CHECK_INT(
        up_bundle_parse(pool, fg_str_c(UP_BASE), FG_STR_NULL, fg_str_c(h), "history", &b, &err),
        FG_OK);
    CHECK_INT(b.n_matches, 2);
    CHECK(b.matches[0].deleted);
    CHECK_SLICE(b.matches[0].id, "p1");
    CHECK_INT(b.matches[0].version, 3);
    CHECK(!b.matches[1].deleted);
    fg_pool_free(&pool);
}

/* Parses a search, narrows it as the policy would and writes the upstream path. */
static void check_path(const char *type, const char *query, const char *patient,
                       const char *policy_name, const char *policy_value, const char *want,
                       bool want_empty)
{
    struct fg_pool *pool = fg_pool_new();
    struct fg_error err;
    struct fhir_kv *pairs = NULL;
    size_t n = 0;
    struct fhir_query q;
    struct fg_str out = FG_STR_NULL;
    bool empty = false;
    fg_error_clear(&err);
    CHECK_INT(fhir_form_parse(pool, fg_str_c(query), 64, &pairs, &n, &err), FG_OK);
    CHECK_INT(fhir_search_parse(pool, fg_str_c(type), fg_str_c("http://gw/fhir"), pairs, n,
                                FHIR_HANDLING_LENIENT, &q, &err),
              FG_OK);
    if (patient) {
        struct fg_str p = fg_str_c(patient);
        CHECK_INT(fhir_query_restrict_compartment(pool, &q, &p, 1), FG_OK);
    }
    if (policy_name)
        CHECK_INT(fhir_query_add_policy_param(pool, &q, fg_str_c(policy_name),
                                              fg_str_c(policy_value), &err),
                  FG_OK);
    CHECK_INT(up_search_leg_path(pool, &q, 0, &out, &empty, &err), FG_OK);
    CHECK_INT(empty, want_empty);
    if (!want_empty)
        CHECK_SLICE(out, want);
    fg_pool_free(&pool);
}

static void test_search_path(void)
{
    /* one eq date goes as the range pair; other prefixes, lists and modifiers as they are */
    check_path("DocumentReference", "date=2026-11-02T09:20:00.123Z", NULL, NULL, NULL,
               "DocumentReference?date=ge2026-11-02T09:20:00.123Z"
               "&date=le2026-11-02T09:20:00.123Z&_count=50",
               false);
    check_path("Observation", "date=eq2026-11", NULL, NULL, NULL,
               "Observation?date=ge2026-11&date=le2026-11&_count=50", false);
    check_path("Observation", "date=ge2026-11&date=2026-10,2026-11", NULL, NULL, NULL,
               "Observation?date=ge2026-11&date=2026-10,2026-11&_count=50", false);
    check_path("Observation", "code=http://loinc.org|8867-4&_count=5", NULL, NULL, NULL,
               "Observation?code=http://loinc.org%7C8867-4&_count=5", false);
    /* the compartment goes as subject, the policy filter goes too, _summary stays home */
    check_path("Observation", "category=vital-signs&_summary=true&_elements=status", "amy",
               "category", "laboratory,vital-signs",
               "Observation?category=vital-signs&category=laboratory,vital-signs&_count=50"
               "&subject=Patient%2Famy",
               false);
    check_path("Observation", "category=vital-signs", "amy", "category", "vital-signs",
               "Observation?category=vital-signs&category=vital-signs&_count=50"
               "&subject=Patient%2Famy",
               false);
    check_path("Patient", "name=amy", "amy", NULL, NULL, "Patient?name=amy&_count=50&_id=amy",
               false);
    check_path("AllergyIntolerance", "", "max", NULL, NULL,
               "AllergyIntolerance?_count=50&patient=Patient%2Fmax", false);
    check_path("Coverage", "", "amy", NULL, NULL, "Coverage?_count=50&beneficiary=Patient%2Famy",
               false);
    /* patient= goes as subject= (same matches; servers index subject), chains too */
    check_path("Observation", "patient=amy", NULL, NULL, NULL,
               "Observation?subject=Patient/amy&_count=50", false);
    check_path("Encounter", "patient=Patient/amy,lily&_count=5", NULL, NULL, NULL,
               "Encounter?subject=Patient/amy,Patient/lily&_count=5", false);
    check_path("Observation", "patient:Patient.name=Max", NULL, NULL, NULL,
               "Observation?subject:Patient.name=Max&_count=50", false);
    check_path("Observation", "patient.name=Max", NULL, NULL, NULL,
               "Observation?subject:Patient.name=Max&_count=50", false);
    /* :missing means something else on subject (a Group counts): sent as it is */
    check_path("Observation", "patient:missing=true", NULL, NULL, NULL,
               "Observation?patient:missing=true&_count=50", false);
    /* Coverage has no subject: patient stays; a policy patient= goes as subject too */
    check_path("Coverage", "patient=amy", NULL, NULL, NULL,
               "Coverage?patient=Patient/amy&_count=50", false);
    check_path("Flag", "", NULL, "patient", "Patient/amy", "Flag?subject=Patient/amy&_count=50",
               false);
    /* _include=* as one include per reference parameter; :iterate=* as it is */
    check_path("Flag", "_include=*&_include:iterate=*", NULL, NULL, NULL,
               "Flag?_include=Flag:author&_include=Flag:encounter&_include=Flag:patient"
               "&_include=Flag:subject&_include:iterate=*&_count=50",
               false);
    /* a type no patient's compartment holds: nothing to ask */
    check_path("Practitioner", "name=x", "amy", NULL, NULL, "", true);
    /* includes and sorts are sent; the cursor's state is appended */
    check_path("Observation",
               "subject=Patient/amy&_sort=-date&_include=Observation:subject"
               "&_cursor=_offset%3D10",
               NULL, NULL, NULL,
               "Observation?subject=Patient/amy&_sort=-date&_include=Observation:subject"
               "&_count=50&_offset=10",
               false);
}

static void test_search_path_bad_cursor(void)
{
    struct fg_pool *pool = fg_pool_new();
    struct fg_error err;
    struct fhir_query q;
    struct fg_str out;
    bool empty;
    memset(&q, 0, sizeof q);
    q.type = fg_str_c("Observation");
    q.count = 10;
    q.cursor = fg_str_c("subject=Patient%2Fmax");
    fg_error_clear(&err);
    CHECK_INT(up_search_leg_path(pool, &q, 0, &out, &empty, &err), FG_EINVAL);
    CHECK_STR(err.expression, "_cursor");
    fg_pool_free(&pool);
}

static void test_in_compartment(void)
{
    struct fg_str pats[] = {FG_STR_LIT("amy"), FG_STR_LIT("lily")};
    struct fg_str comp[] = {FG_STR_LIT("lily")};
    struct fhir_query q;
    memset(&q, 0, sizeof q);
    struct fhir_resource r = {.compartment = comp, .n_compartment = 1};
    struct fhir_resource none = {0};
    CHECK(up_in_compartment(&q, &none));
    q.compartment_patients = pats;
    q.n_compartment_patients = 1;
    CHECK(!up_in_compartment(&q, &r));
    CHECK(!up_in_compartment(&q, &none));
    q.n_compartment_patients = 2;
    CHECK(up_in_compartment(&q, &r));
}

/* Upstream statuses: 4xx keep their meaning (with the upstream's words,
 * made printable), the rest is 502 with a fixed text. */
static void test_status_error(void)
{
    static const struct {
        long status;
        const char *body;
        enum fg_status want;
        const char *diag_has, *diag_lacks;
    } rows[] = {
        {404, "", FG_ENOTFOUND, "HTTP 404", NULL},
        {410, "", FG_EGONE, "HTTP 410", NULL},
        {412, "", FG_EPRECOND, "HTTP 412", NULL},
        {409, "", FG_ECONFLICT, "HTTP 409", NULL},
        {422, "", FG_EUNPROC, "HTTP 422", NULL},
        {400,
         "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"diagnostics\":\"Unknown "
         "search parameter\\n x\"}]}",
         FG_EINVAL, "Unknown search parameter  x", NULL},
        {400, "{\"issue\":[{\"details\":{\"text\":\"bad date\"}}]}", FG_EINVAL, "bad date", NULL},
        {405, "", FG_ENOTSUP, "does not support the search", NULL},
        {501, "", FG_ENOTSUP, "does not support the search", NULL},
        {401, "{\"issue\":[{\"diagnostics\":\"token abc expired\"}]}", FG_EUPSTREAM,
         "refused the gateway's credentials", "abc"},
        {403, "", FG_EUPSTREAM, "refused the gateway's credentials", NULL},
        {500, "{\"issue\":[{\"diagnostics\":\"NullPointerException at Repo.java:42\"}]}",
         FG_EUPSTREAM, "failed to answer the search (HTTP 500)", "Repo.java"},
        {302, "", FG_EUPSTREAM, "HTTP 302", NULL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct up_response r;
        struct fg_error err;
        memset(&r, 0, sizeof r);
        fg_buf_init(&r.body, 4096);
        CHECK_INT(fg_buf_append_c(&r.body, rows[i].body), FG_OK);
        r.status = rows[i].status;
        fg_error_clear(&err);
        CHECK_INT(up_status_error(&r, "search", &err), rows[i].want);
        CHECK(strstr(err.diagnostics, rows[i].diag_has) != NULL);
        if (rows[i].diag_lacks)
            CHECK(strstr(err.diagnostics, rows[i].diag_lacks) == NULL);
        up_response_cleanup(&r);
    }
}

/* Options are checked before anything is opened. */
static void test_open_options(void)
{
    static const struct {
        struct fhir_store_upstream_options o;
        enum fg_status want;
    } rows[] = {
        {{.url = "http://up.example/fhir"}, FG_OK},
        {{.url = "https://up.example/fhir/"}, FG_OK},
        {{.url = "ftp://up.example/fhir"}, FG_EINVAL},
        {{.url = "http://up.example/fhir?x=1"}, FG_EINVAL},
        {{.url = "up.example/fhir"}, FG_EINVAL},
        {{.url = "http://u/fhir", .auth = FHIR_UPSTREAM_AUTH_BEARER}, FG_EINVAL},
        {{.url = "http://u/fhir", .auth = FHIR_UPSTREAM_AUTH_BEARER, .bearer_token = "a b"},
         FG_EINVAL},
        {{.url = "http://u/fhir", .auth = FHIR_UPSTREAM_AUTH_BEARER, .bearer_token = "abc"}, FG_OK},
        {{.url = "http://u/fhir",
          .auth = FHIR_UPSTREAM_AUTH_CLIENT_CREDENTIALS,
          .token_url = "http://u/token",
          .client_id = "id:x",
          .client_secret = "s"},
         FG_EINVAL},
        {{.url = "http://u/fhir",
          .auth = FHIR_UPSTREAM_AUTH_CLIENT_CREDENTIALS,
          .token_url = "http://u/token",
          .client_id = "id",
          .client_secret = "s"},
         FG_OK},
    };
    struct fg_clock clock = {0};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct fhir_store *s = NULL;
        struct fg_error err;
        fg_error_clear(&err);
        CHECK_INT(fhir_store_upstream_open(&rows[i].o, &clock, &s, &err), rows[i].want);
        CHECK((s != NULL) == (rows[i].want == FG_OK));
        if (s)
            CHECK_STR(((struct up_store *)s)->url, strncmp(rows[i].o.url, "https", 5) == 0
                                                       ? "https://up.example/fhir"
                                                       : rows[i].o.url);
        fhir_store_close(&s);
    }
}

static void test_check_used(void)
{
    static const struct {
        const char *sent, *self;
        const char *ignored; /* NULL = all used */
    } rows[] = {
        {"Observation?code=x&subject=Patient%2Famy&_count=5",
         UP_BASE "/Observation?code=x&subject=Patient/amy&_count=5", NULL},
        /* the upstream dropped code: its answer would be wider than asked */
        {"Observation?code=x&subject=Patient%2Famy&_count=5",
         UP_BASE "/Observation?subject=Patient/amy&_count=5", "code"},
        /* modifiers and chains compare by base name, in any encoding */
        {"Observation?code:text=x&subject:Patient.name=a",
         UP_BASE "/Observation?code%3Atext=x&subject%3APatient.name=a", NULL},
        {"Observation?_lastUpdated=gt2020&_sort=-date", UP_BASE "/Observation?_sort=-date",
         "_lastUpdated"},
        /* result and paging parameters do not matter */
        {"Observation?code=x&_include=Observation:subject&_offset=5", UP_BASE "/Observation?code=x",
         NULL},
        /* nothing to tell from */
        {"Observation?code=x", "", NULL},
        {"Observation?code=x", UP_BASE "/Observation", NULL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct fg_error err;
        fg_error_clear(&err);
        enum fg_status st = up_check_used(fg_str_c("Observation"), fg_str_c(rows[i].sent),
                                          fg_str_c(rows[i].self), &err);
        CHECK_INT(st, rows[i].ignored ? FG_ENOTSUP : FG_OK);
        if (rows[i].ignored)
            CHECK_STR(err.expression, rows[i].ignored);
    }
}

static void test_compartment_legs(void)
{
    static const struct {
        const char *type;
        const char *want; /* legs, space-separated */
    } rows[] = {
        {"Observation", "subject performer"},
        {"Coverage", "beneficiary policy-holder subscriber payor"},
        {"AllergyIntolerance", "patient recorder asserter"},
        {"Encounter", "subject"},
        {"Patient", "_id"},
        {"Practitioner", ""},
        {"NoSuchType", ""},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const char *legs[FG_MAX_UPSTREAM_LEGS];
        char got[256] = "";
        size_t n = up_compartment_legs(fg_str_c(rows[i].type), legs, FG_MAX_UPSTREAM_LEGS), len = 0;
        for (size_t k = 0; k < n; k++) {
            int w = snprintf(got + len, sizeof got - len, "%s%s", k ? " " : "", legs[k]);
            CHECK(w > 0 && (size_t)w < sizeof got - len);
            len += (size_t)w;
        }
        CHECK_STR(got, rows[i].want);
    }
}

/* A secondary leg's match is dropped when an earlier leg already found it. */
static void test_earlier_leg(void)
{
    struct fg_pool *pool = fg_pool_new();
    struct fg_str amy = FG_STR_LIT("amy");
    struct fhir_query q;
    memset(&q, 0, sizeof q);
    q.type = fg_str_c("Observation");
    q.compartment_patients = &amy;
    q.n_compartment_patients = 1;
    struct fhir_resource both = {
        .type = FG_STR_LIT("Observation"),
        .json = FG_STR_LIT("{\"resourceType\":\"Observation\",\"id\":\"a\",\"subject\":"
                           "{\"reference\":\"Patient/amy\"},\"performer\":[{\"reference\":"
                           "\"Patient/amy\"}]}")};
    struct fhir_resource only = {
        .type = FG_STR_LIT("Observation"),
        .json = FG_STR_LIT("{\"resourceType\":\"Observation\",\"id\":\"b\",\"subject\":"
                           "{\"reference\":\"Patient/max\"},\"performer\":[{\"reference\":"
                           "\"Patient/amy\"}]}")};
    both.compartment = only.compartment = &amy; /* as the page parse sets it */
    both.n_compartment = only.n_compartment = 1;
    struct fg_clock clock = {.pinned_us = 1};
    struct up_store us = {.base = {.clock = &clock}, .base_url = ""};
    CHECK(!up_leg_match_holds(&us, pool, &q, 1, &both, NULL, 0));
    CHECK(up_leg_match_holds(&us, pool, &q, 1, &only, NULL, 0));
    CHECK(up_leg_match_holds(&us, pool, &q, 0, &both, NULL, 0));
    fg_pool_free(&pool);
}

/* A chain to another patient's record is refused or filtered, never answered. */
static void test_chains(void)
{
    struct fg_pool *pool = fg_pool_new();
    struct fg_error err;
    struct fhir_kv *pairs = NULL;
    size_t n = 0;
    struct fhir_query q;
    struct fg_str amy = FG_STR_LIT("amy");
    static const struct {
        const char *type, *query;
        enum fg_status want;
    } rows[] = {
        {"Coverage", "beneficiary:Patient.name=Daniel", FG_OK},
        {"Observation", "encounter:Encounter.status=finished", FG_OK},
        {"Observation", "encounter:Encounter.status=finished&_include=Observation:subject",
         FG_ENOTSUP},
        {"Observation", "encounter:Encounter.subject:Patient.name=x", FG_ENOTSUP},
        {"Observation", "subject:Patient.link:Patient.name=x", FG_ENOTSUP},
        {"Observation", "performer:Practitioner.name=Nora", FG_OK},
        {"Observation", "subject:Patient.organization:Organization.name=x", FG_OK},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        fg_error_clear(&err);
        CHECK_INT(fhir_form_parse(pool, fg_str_c(rows[i].query), 64, &pairs, &n, &err), FG_OK);
        CHECK_INT(fhir_search_parse(pool, fg_str_c(rows[i].type), fg_str_c("http://gw/fhir"), pairs,
                                    n, FHIR_HANDLING_STRICT, &q, &err),
                  FG_OK);
        CHECK_INT(up_check_chains(&q, &err), FG_OK); /* no compartment: anything goes */
        CHECK_INT(fhir_query_restrict_compartment(pool, &q, &amy, 1), FG_OK);
        CHECK_INT(up_check_chains(&q, &err), rows[i].want);
    }
    CHECK_INT(
        fhir_form_parse(pool, fg_str_c("beneficiary:Patient.name=Daniel"), 64, &pairs, &n, &err),
        FG_OK);
    CHECK_INT(fhir_search_parse(pool, fg_str_c("Coverage"), fg_str_c("http://gw/fhir"), pairs, n,
                                FHIR_HANDLING_STRICT, &q, &err),
              FG_OK);
    CHECK_INT(fhir_query_restrict_compartment(pool, &q, &amy, 1), FG_OK);
    struct fhir_resource daniels = {
        .type = FG_STR_LIT("Coverage"),
        .json = FG_STR_LIT("{\"resourceType\":\"Coverage\",\"id\":\"c\",\"subscriber\":"
                           "{\"reference\":\"Patient/amy\"},\"beneficiary\":{\"reference\":"
                           "\"Patient/daniel\"}}")};
    struct fhir_resource own = {
        .type = FG_STR_LIT("Coverage"),
        .json = FG_STR_LIT("{\"resourceType\":\"Coverage\",\"id\":\"d\",\"beneficiary\":"
                           "{\"reference\":\"Patient/amy\"}}")};
    struct fg_str amy_and_daniel[] = {FG_STR_LIT("amy"), FG_STR_LIT("daniel")};
    daniels.compartment = amy_and_daniel;
    daniels.n_compartment = 2;
    own.compartment = &amy;
    own.n_compartment = 1;
    struct fg_clock clock = {.pinned_us = 1795435200000000LL};
    struct up_store us = {.base = {.clock = &clock}, .base_url = ""};
    CHECK(!up_match_holds(&us, pool, &q, &daniels, NULL, 0));
    CHECK(up_match_holds(&us, pool, &q, &own, NULL, 0));
    /* The filters beside the chain are the gateway's to evaluate too. */
    CHECK_INT(fhir_form_parse(pool, fg_str_c("beneficiary:Patient.name=Daniel&status=active"), 64,
                              &pairs, &n, &err),
              FG_OK);
    CHECK_INT(fhir_search_parse(pool, fg_str_c("Coverage"), fg_str_c("http://gw/fhir"), pairs, n,
                                FHIR_HANDLING_STRICT, &q, &err),
              FG_OK);
    CHECK_INT(fhir_query_restrict_compartment(pool, &q, &amy, 1), FG_OK);
    CHECK(!up_match_holds(&us, pool, &q, &own, NULL, 0));
    own.json = FG_STR_LIT("{\"resourceType\":\"Coverage\",\"id\":\"d\",\"status\":\"active\","
                          "\"beneficiary\":{\"reference\":\"Patient/amy\"}}");
    CHECK(up_match_holds(&us, pool, &q, &own, NULL, 0));
    /* Outside the compartment: never, whatever the filters. */
    own.n_compartment = 0;
    CHECK(!up_match_holds(&us, pool, &q, &own, NULL, 0));

    /* A first hop to an Encounter: the upstream is asked to include the
     * targets, and a match holds only when its Encounter came back and is
     * amy's (or nobody's). */
    CHECK_INT(fhir_form_parse(pool, fg_str_c("encounter:Encounter.status=finished"), 64, &pairs,
                              &n, &err),
              FG_OK);
    CHECK_INT(fhir_search_parse(pool, fg_str_c("Observation"), fg_str_c("http://gw/fhir"), pairs,
                                n, FHIR_HANDLING_STRICT, &q, &err),
              FG_OK);
    struct fhir_query cq;
    bool added = true;
    CHECK_INT(up_chain_includes(pool, &q, &cq, &added), FG_OK);
    CHECK(!added); /* no compartment: nothing to check */
    CHECK_INT(fhir_query_restrict_compartment(pool, &q, &amy, 1), FG_OK);
    CHECK_INT(up_chain_includes(pool, &q, &cq, &added), FG_OK);
    CHECK(added);
    CHECK_INT(cq.n_includes, 1);
    if (cq.n_includes == 1) {
        CHECK_STR(cq.includes[0].def->code, "encounter");
        CHECK_SLICE(cq.includes[0].target_type, "Encounter");
    }
    struct fhir_resource obs = {
        .type = FG_STR_LIT("Observation"),
        .id = FG_STR_LIT("o"),
        .compartment = &amy,
        .n_compartment = 1,
        .json = FG_STR_LIT("{\"resourceType\":\"Observation\",\"id\":\"o\",\"subject\":"
                           "{\"reference\":\"Patient/amy\"},\"encounter\":{\"reference\":"
                           "\"Encounter/e1\"}}")};
    struct fg_str daniel = FG_STR_LIT("daniel");
    struct fhir_resource enc = {.type = FG_STR_LIT("Encounter"), .id = FG_STR_LIT("e1"),
                                .compartment = &daniel, .n_compartment = 1};
    struct fhir_resource other = {.type = FG_STR_LIT("Encounter"), .id = FG_STR_LIT("e2"),
                                  .compartment = &amy, .n_compartment = 1};
    CHECK(!up_match_holds(&us, pool, &cq, &obs, NULL, 0));   /* target not shown */
    CHECK(!up_match_holds(&us, pool, &cq, &obs, &other, 1)); /* another target */
    CHECK(!up_match_holds(&us, pool, &cq, &obs, &enc, 1));   /* daniel's Encounter */
    enc.compartment = &amy;
    CHECK(up_match_holds(&us, pool, &cq, &obs, &enc, 1));
    enc.n_compartment = 0;
    CHECK(up_match_holds(&us, pool, &cq, &obs, &enc, 1)); /* in no compartment */
    fg_pool_free(&pool);
}

/* Paging positions: sealed to kind and request; anything else is refused. */
static void test_page_seal(void)
{
    struct fg_pool *pool = fg_pool_new();
    struct fhir_store *st = NULL, *other = NULL;
    struct fg_error err;
    struct fg_clock clock = {0};
    fg_error_clear(&err);
    struct fhir_store_upstream_options o = {.url = "http://up.example/fhir", .paging_key = "k1"};
    CHECK_INT(fhir_store_upstream_open(&o, &clock, &st, &err), FG_OK);
    o.paging_key = "k2";
    CHECK_INT(fhir_store_upstream_open(&o, &clock, &other, &err), FG_OK);
    struct up_store *s = (struct up_store *)st;
    struct fg_str bound = FG_STR_LIT("Observation/1/_history?_count=2");
    struct fg_str sealed =
        up_page_seal(pool, s, "history", bound, fg_str_c("_getpages=abc&_getpagesoffset=20"));
    struct fg_str state = FG_STR_NULL;
    CHECK(fg_str_starts_with(sealed, "_getpages=abc&_getpagesoffset=20~"));
    CHECK_INT(up_page_open(s, "history", bound, sealed, "_page", &state, &err), FG_OK);
    CHECK_SLICE(state, "_getpages=abc&_getpagesoffset=20");
    CHECK_INT(up_page_seal(pool, s, "history", bound, FG_STR_NULL).len, 0);
    /* another request, kind, key; a changed state or MAC; no MAC */
    CHECK_INT(up_page_open(s, "history", fg_str_c("Observation/2/_history?_count=2"), sealed,
                           "_page", &state, &err),
              FG_EINVAL);
    CHECK_STR(err.expression, "_page");
    CHECK_INT(up_page_open(s, "search", bound, sealed, "_cursor", &state, &err), FG_EINVAL);
    CHECK_INT(
        up_page_open((struct up_store *)other, "history", bound, sealed, "_page", &state, &err),
        FG_EINVAL);
    char *bad = fg_pool_strndup(pool, sealed.ptr, sealed.len);
    bad[12] = 'x';
    CHECK_INT(up_page_open(s, "history", bound, fg_str_c(bad), "_page", &state, &err), FG_EINVAL);
    bad = fg_pool_strndup(pool, sealed.ptr, sealed.len);
    bad[sealed.len - 1] = bad[sealed.len - 1] == '0' ? '1' : '0';
    CHECK_INT(up_page_open(s, "history", bound, fg_str_c(bad), "_page", &state, &err), FG_EINVAL);
    CHECK_INT(up_page_open(s, "history", bound, fg_str_c("_getpages=abc"), "_page", &state, &err),
              FG_EINVAL);
    fhir_store_close(&st);
    fhir_store_close(&other);
    fg_pool_free(&pool);
}

TEST_MAIN(test_link_state, test_status_error, test_check_used, test_open_options, test_cursor_check,
          test_bundle_parse, test_bundle_refused, test_history_delete, test_search_path,
          test_search_path_bad_cursor, test_in_compartment, test_compartment_legs, test_earlier_leg,
          test_chains, test_page_seal)
