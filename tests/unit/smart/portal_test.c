/* portal_test.c - the portal rules: age, proxy view, resource classes,
 * confidentiality, release and old-note rules, each with pinned clocks. */
#include "../test.h"

#include "core/fg_clock.h"
#include "core/fg_tz.h"
#include "smart/portal.h"

static int64_t at(const char *when)
{
    struct fg_clock c = {0};
    if (fg_clock_pin(&c, fg_str_c(when)) != FG_OK)
        return -1;
    return fg_clock_now_us(&c);
}

static void test_age(void)
{
    static const struct {
        const char *birth, *today;
        int offset_min;
        enum fg_status st;
        int age;
    } rows[] = {
        {"2013-11-24", "2026-11-23", 0, FG_OK, 12},
        {"2013-11-24", "2026-11-24", 0, FG_OK, 13},
        {"2008-11-24", "2026-11-23T23:59:59Z", 0, FG_OK, 17},
        {"2008-11-24", "2026-11-24T00:00:00Z", 0, FG_OK, 18},
        /* Chicago (-06:00): still the 23rd at 05:59Z, the 24th from 06:00Z */
        {"2008-11-24", "2026-11-24T05:59:00Z", -360, FG_OK, 17},
        {"2008-11-24", "2026-11-24T06:00:00Z", -360, FG_OK, 18},
        /* Auckland (+13:00): already the 24th at 11:00Z on the 23rd */
        {"2008-11-24", "2026-11-23T11:00:00Z", 780, FG_OK, 18},
        {"2008-11-24", "2026-11-23T10:59:00Z", 780, FG_OK, 17},
        /* leap-day birthdays: 1 March in common years, 29 February in leap years */
        {"2012-02-29", "2025-02-28", 0, FG_OK, 12},
        {"2012-02-29", "2025-03-01", 0, FG_OK, 13},
        {"2012-02-29", "2024-02-28", 0, FG_OK, 11},
        {"2012-02-29", "2024-02-29", 0, FG_OK, 12},
        /* partial dates: the earliest possible birthday */
        {"2013", "2026-01-01", 0, FG_OK, 13},
        {"2013", "2025-12-31", 0, FG_OK, 12},
        {"2013-05", "2026-05-01", 0, FG_OK, 13},
        {"2013-05", "2026-04-30", 0, FG_OK, 12},
        {"2030-01-01", "2026-11-23", 0, FG_EINVAL, -1},
        {"", "2026-11-23", 0, FG_EINVAL, -1},
        {"2013-02-30", "2026-11-23", 0, FG_EINVAL, -1},
        {"2013-11-24T10:00:00Z", "2026-11-24", 0, FG_EINVAL, -1},
        {"13-11-24", "2026-11-24", 0, FG_EINVAL, -1},
    };
    struct smart_portal_settings s;
    smart_portal_settings_default(&s);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        int age = -1;
        s.utc_offset_min = rows[i].offset_min;
        int64_t today = smart_portal_today(&s, at(rows[i].today));
        enum fg_status st = smart_portal_age(fg_str_c(rows[i].birth), today, &age);
        if (st != rows[i].st || age != rows[i].age)
            fprintf(stderr, "  row %zu: %s on %s\n", i, rows[i].birth, rows[i].today);
        CHECK_INT(st, rows[i].st);
        CHECK_INT(age, rows[i].age);
    }
}

static void test_view(void)
{
    enum { SELF = -1 };
    static const struct {
        const char *birth, *now;
        int kind; /* SELF or an smart_proxy_kind */
        const char *start, *expires, *revoked;
        enum smart_portal_view want;
    } rows[] = {
        /* own account: 13 and over */
        {"1988-10-13", "2026-11-23", SELF, NULL, NULL, NULL, SMART_VIEW_SELF},
        {"2011-08-01", "2026-11-23", SELF, NULL, NULL, NULL, SMART_VIEW_SELF},
        {"2018-08-18", "2026-11-23", SELF, NULL, NULL, NULL, SMART_VIEW_NONE},
        {"", "2026-11-23", SELF, NULL, NULL, NULL, SMART_VIEW_SELF},
        /* parent of a child: full to 12, limited 13-17, nothing from 18 */
        {"2018-08-18", "2026-11-23", SMART_PROXY_PARENT, "2018-08-18", NULL, NULL, SMART_VIEW_FULL},
        {"2013-11-24", "2026-11-23T23:59:59Z", SMART_PROXY_PARENT, "2013-12-01", NULL, NULL, SMART_VIEW_FULL},
        {"2013-11-24", "2026-11-24", SMART_PROXY_PARENT, "2013-12-01", NULL, NULL, SMART_VIEW_LIMITED},
        {"2011-05-07", "2026-11-23", SMART_PROXY_GUARDIAN, "2020-01-01", NULL, NULL, SMART_VIEW_LIMITED},
        {"2008-11-24", "2026-11-23", SMART_PROXY_PARENT, "2009-01-01", NULL, NULL, SMART_VIEW_LIMITED},
        {"2008-11-24", "2026-11-24", SMART_PROXY_PARENT, "2009-01-01", NULL, NULL, SMART_VIEW_NONE},
        {"2008-11-24", "2026-11-24", SMART_PROXY_GUARDIAN, "2009-01-01", NULL, NULL, SMART_VIEW_NONE},
        /* unknown age: a child proxy sees nothing, an adult proxy its grant */
        {"", "2026-11-23", SMART_PROXY_PARENT, "2020-01-01", NULL, NULL, SMART_VIEW_NONE},
        {"", "2026-11-23", SMART_PROXY_ADULT, "2024-01-01", NULL, NULL, SMART_VIEW_FULL},
        /* adult proxies: 5 years from the start, or their own expiry */
        {"1950-03-02", "2026-11-23", SMART_PROXY_ADULT, "2021-11-24", NULL, NULL, SMART_VIEW_FULL},
        {"1950-03-02", "2026-11-24", SMART_PROXY_ADULT, "2021-11-24", NULL, NULL, SMART_VIEW_NONE},
        {"1950-03-02", "2026-11-23", SMART_PROXY_ADULT, "2024-01-01", "2026-11-23", NULL, SMART_VIEW_NONE},
        {"1950-03-02", "2026-11-22", SMART_PROXY_ADULT, "2024-01-01", "2026-11-23", NULL, SMART_VIEW_FULL},
        {"1950-03-02", "2026-11-23", SMART_PROXY_COURT_GUARDIAN, "2022-01-01", NULL, NULL, SMART_VIEW_FULL},
        {"1950-03-02", "2028-02-29", SMART_PROXY_ADULT, "2023-02-28", NULL, NULL, SMART_VIEW_NONE},
        {"1950-03-02", "2025-02-28", SMART_PROXY_ADULT, "2020-02-29", NULL, NULL, SMART_VIEW_FULL},
        {"1950-03-02", "2025-03-01", SMART_PROXY_ADULT, "2020-02-29", NULL, NULL, SMART_VIEW_NONE},
        /* an adult-kind proxy of a minor follows the age table */
        {"2011-05-07", "2026-11-23", SMART_PROXY_COURT_GUARDIAN, "2024-01-01", NULL, NULL, SMART_VIEW_LIMITED},
        {"2018-08-18", "2026-11-23", SMART_PROXY_COURT_GUARDIAN, "2024-01-01", NULL, NULL, SMART_VIEW_FULL},
        /* revoked, not started yet */
        {"2018-08-18", "2026-11-23", SMART_PROXY_PARENT, "2018-08-18", NULL, "2026-11-01", SMART_VIEW_NONE},
        {"2018-08-18", "2026-11-23", SMART_PROXY_PARENT, "2026-12-01", NULL, NULL, SMART_VIEW_NONE},
    };
    struct smart_portal_settings s;
    smart_portal_settings_default(&s);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct smart_proxy p;
        memset(&p, 0, sizeof p);
        if (rows[i].kind != SELF) {
            p.kind = (enum smart_proxy_kind)rows[i].kind;
            p.start_at = at(rows[i].start) / 1000000;
            p.expires_at = rows[i].expires ? at(rows[i].expires) / 1000000 : 0;
            p.revoked_at = rows[i].revoked ? at(rows[i].revoked) / 1000000 : 0;
        }
        enum smart_portal_view v =
            smart_portal_view_for(&s, at(rows[i].now), fg_str_c(rows[i].birth),
                                  rows[i].kind == SELF, rows[i].kind == SELF ? NULL : &p);
        if (v != rows[i].want)
            fprintf(stderr, "  row %zu: got %s\n", i, smart_portal_view_name(v));
        CHECK_INT(v, rows[i].want);
    }
    /* no proxy at all */
    CHECK_INT(smart_portal_view_for(&s, at("2026-11-23"), fg_str_c("2018-08-18"), false, NULL),
              SMART_VIEW_NONE);
    /* the thresholds are settings */
    s.teen_age = 12;
    CHECK_INT(smart_portal_view_for(&s, at("2026-11-23"), fg_str_c("2014-01-01"), false,
                                    &(struct smart_proxy){.kind = SMART_PROXY_PARENT}),
              SMART_VIEW_LIMITED);
}

/* The resource classes and rules, as JSON rows. */
static void test_resources(void)
{
    static const struct {
        const char *json;
        const char *now;
        enum smart_portal_hide limited, full, self;
    } rows[] = {
        {"{\"resourceType\":\"Patient\",\"id\":\"max\"}", "2026-11-23", SMART_HIDE_NONE, SMART_HIDE_NONE, SMART_HIDE_NONE},
        {"{\"resourceType\":\"Immunization\"}", "2026-11-23", SMART_HIDE_NONE, SMART_HIDE_NONE, SMART_HIDE_NONE},
        {"{\"resourceType\":\"AllergyIntolerance\"}", "2026-11-23", SMART_HIDE_NONE, SMART_HIDE_NONE, SMART_HIDE_NONE},
        {"{\"resourceType\":\"Appointment\"}", "2026-11-23", SMART_HIDE_NONE, SMART_HIDE_NONE, SMART_HIDE_NONE},
        {"{\"resourceType\":\"Encounter\",\"status\":\"planned\"}", "2026-11-23", SMART_HIDE_NONE, SMART_HIDE_NONE, SMART_HIDE_NONE},
        {"{\"resourceType\":\"Encounter\",\"status\":\"finished\"}", "2026-11-23", SMART_HIDE_CLASS, SMART_HIDE_NONE, SMART_HIDE_NONE},
        {"{\"resourceType\":\"Condition\"}", "2026-11-23", SMART_HIDE_CLASS, SMART_HIDE_NONE, SMART_HIDE_NONE},
        {"{\"resourceType\":\"Observation\",\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8302-2\"}]}}", "2026-11-23", SMART_HIDE_NONE, SMART_HIDE_NONE, SMART_HIDE_NONE},
        {"{\"resourceType\":\"Observation\",\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"9843-4\"}]}}", "2026-11-23", SMART_HIDE_NONE, SMART_HIDE_NONE, SMART_HIDE_NONE},
        {"{\"resourceType\":\"Observation\",\"code\":{\"coding\":[{\"system\":\"http://snomed.info/sct\",\"code\":\"8302-2\"}]}}", "2026-11-23", SMART_HIDE_CLASS, SMART_HIDE_NONE, SMART_HIDE_NONE},
        {"{\"resourceType\":\"Observation\",\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8867-4\"}]}}", "2026-11-23", SMART_HIDE_CLASS, SMART_HIDE_NONE, SMART_HIDE_NONE},
        /* confidential in an allowed class: hidden from the teen view only */
        {"{\"resourceType\":\"Immunization\",\"meta\":{\"security\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/v3-Confidentiality\",\"code\":\"R\"}]}}", "2026-11-23", SMART_HIDE_CONFIDENTIAL, SMART_HIDE_NONE, SMART_HIDE_NONE},
        {"{\"resourceType\":\"Immunization\",\"meta\":{\"security\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/v3-Confidentiality\",\"code\":\"N\"}]}}", "2026-11-23", SMART_HIDE_NONE, SMART_HIDE_NONE, SMART_HIDE_NONE},
        {"{\"resourceType\":\"Appointment\",\"meta\":{\"security\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/v3-ActCode\",\"code\":\"STD\"}]}}", "2026-11-23", SMART_HIDE_CONFIDENTIAL, SMART_HIDE_NONE, SMART_HIDE_NONE},
        {"{\"resourceType\":\"Patient\",\"meta\":{\"security\":[{\"code\":\"V\"}]}}", "2026-11-23", SMART_HIDE_CONFIDENTIAL, SMART_HIDE_NONE, SMART_HIDE_NONE},
        {"{\"resourceType\":\"AllergyIntolerance\",\"meta\":{\"security\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/v3-ActCode\",\"code\":\"ETH\"}]}}", "2026-11-23", SMART_HIDE_CONFIDENTIAL, SMART_HIDE_NONE, SMART_HIDE_NONE},
        /* delayed release: pathology category, issued 2026-11-20T10:00Z, released after 4 days */
        {"{\"resourceType\":\"DiagnosticReport\",\"category\":[{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"LP7839-6\"}]}],\"issued\":\"2026-11-20T10:00:00Z\"}", "2026-11-24T09:59:59Z", SMART_HIDE_CLASS, SMART_HIDE_UNRELEASED, SMART_HIDE_UNRELEASED},
        {"{\"resourceType\":\"DiagnosticReport\",\"category\":[{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"LP7839-6\"}]}],\"issued\":\"2026-11-20T10:00:00Z\"}", "2026-11-24T10:00:00Z", SMART_HIDE_CLASS, SMART_HIDE_NONE, SMART_HIDE_NONE},
        {"{\"resourceType\":\"DiagnosticReport\",\"meta\":{\"tag\":[{\"system\":\"urn:fhirgate:portal-release\",\"code\":\"released\"}]},\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"11526-1\"}]},\"issued\":\"2026-11-22T10:00:00Z\"}", "2026-11-23", SMART_HIDE_CLASS, SMART_HIDE_NONE, SMART_HIDE_NONE},
        {"{\"resourceType\":\"Observation\",\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"11526-1\"}]},\"meta\":{\"lastUpdated\":\"2026-11-22T10:00:00Z\"}}", "2026-11-23", SMART_HIDE_CLASS, SMART_HIDE_UNRELEASED, SMART_HIDE_UNRELEASED},
        {"{\"resourceType\":\"Observation\",\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"11526-1\"}]}}", "2026-11-23", SMART_HIDE_CLASS, SMART_HIDE_UNRELEASED, SMART_HIDE_UNRELEASED},
        /* the same report as a document: its type is on the list, dated by `date` */
        {"{\"resourceType\":\"DocumentReference\",\"type\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"11526-1\"}]},\"date\":\"2026-11-22T12:00:00Z\"}", "2026-11-23", SMART_HIDE_CLASS, SMART_HIDE_UNRELEASED, SMART_HIDE_UNRELEASED},
        {"{\"resourceType\":\"DocumentReference\",\"type\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"11526-1\"}]},\"date\":\"2026-11-12T12:00:00Z\"}", "2026-11-23", SMART_HIDE_CLASS, SMART_HIDE_NONE, SMART_HIDE_NONE},
        /* another code system with the same code is not on the list */
        {"{\"resourceType\":\"DiagnosticReport\",\"code\":{\"coding\":[{\"system\":\"urn:other\",\"code\":\"11526-1\"}]},\"issued\":\"2026-11-22T10:00:00Z\"}", "2026-11-23", SMART_HIDE_CLASS, SMART_HIDE_NONE, SMART_HIDE_NONE},
        /* clinical notes: more than 3 years old are unavailable */
        {"{\"resourceType\":\"DocumentReference\",\"category\":[{\"coding\":[{\"system\":\"http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category\",\"code\":\"clinical-note\"}]}],\"date\":\"2023-11-22T23:59:59Z\"}", "2026-11-23", SMART_HIDE_CLASS, SMART_HIDE_OLD_NOTE, SMART_HIDE_OLD_NOTE},
        {"{\"resourceType\":\"DocumentReference\",\"category\":[{\"coding\":[{\"system\":\"http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category\",\"code\":\"clinical-note\"}]}],\"date\":\"2023-11-23T00:00:00Z\"}", "2026-11-23", SMART_HIDE_CLASS, SMART_HIDE_NONE, SMART_HIDE_NONE},
        {"{\"resourceType\":\"DocumentReference\",\"category\":[{\"coding\":[{\"system\":\"http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category\",\"code\":\"clinical-note\"}]}],\"context\":{\"period\":{\"start\":\"2020-01-01\"}}}", "2026-11-23", SMART_HIDE_CLASS, SMART_HIDE_OLD_NOTE, SMART_HIDE_OLD_NOTE},
        {"{\"resourceType\":\"DocumentReference\",\"date\":\"2010-01-01T00:00:00Z\"}", "2026-11-23", SMART_HIDE_CLASS, SMART_HIDE_NONE, SMART_HIDE_NONE},
        {"{\"resourceType\":\"DocumentReference\",\"category\":[{\"coding\":[{\"system\":\"http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category\",\"code\":\"clinical-note\"}]}]}", "2026-11-23", SMART_HIDE_CLASS, SMART_HIDE_NONE, SMART_HIDE_NONE},
    };
    struct smart_portal_settings s;
    smart_portal_settings_default(&s);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        cJSON *doc = cJSON_Parse(rows[i].json);
        int64_t now = at(rows[i].now);
        CHECK(doc != NULL);
        enum smart_portal_hide l = smart_portal_check(&s, now, SMART_VIEW_LIMITED, doc);
        enum smart_portal_hide f = smart_portal_check(&s, now, SMART_VIEW_FULL, doc);
        enum smart_portal_hide me = smart_portal_check(&s, now, SMART_VIEW_SELF, doc);
        if (l != rows[i].limited || f != rows[i].full || me != rows[i].self)
            fprintf(stderr, "  row %zu: %d %d %d\n", i, (int)l, (int)f, (int)me);
        CHECK_INT(l, rows[i].limited);
        CHECK_INT(f, rows[i].full);
        CHECK_INT(me, rows[i].self);
        CHECK_INT(smart_portal_check(&s, now, SMART_VIEW_NONE, doc), SMART_HIDE_NO_ACCESS);
        /* skipping the parse is only allowed where the check shows it */
        const cJSON *rt = cJSON_GetObjectItemCaseSensitive(doc, "resourceType");
        struct fg_str type = fg_str_c(cJSON_IsString(rt) ? rt->valuestring : "");
        struct fg_str text = fg_str_c(rows[i].json);
        if (!smart_portal_needs_content(&s, SMART_VIEW_FULL, type, text))
            CHECK_INT(f, SMART_HIDE_NONE);
        if (!smart_portal_needs_content(&s, SMART_VIEW_SELF, type, text))
            CHECK_INT(me, SMART_HIDE_NONE);
        CHECK(smart_portal_needs_content(&s, SMART_VIEW_LIMITED, type, text));
        cJSON_Delete(doc);
    }
}

/* When may the portal rule skip parsing a resource? */
static void test_needs_content(void)
{
    static const struct {
        enum smart_portal_view view;
        const char *type, *json;
        bool needs;
    } rows[] = {
        /* a vital sign of the whole record: no rule can hide it */
        {SMART_VIEW_SELF, "Observation", "{\"resourceType\":\"Observation\",\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8867-4\"}]}}", false},
        {SMART_VIEW_FULL, "Condition", "{\"resourceType\":\"Condition\"}", false},
        {SMART_VIEW_FULL, "Observation", "", false},
        /* a delayed-release code, as the code or anywhere as a whole string */
        {SMART_VIEW_SELF, "Observation", "{\"resourceType\":\"Observation\",\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"11526-1\"}]}}", true},
        {SMART_VIEW_FULL, "DiagnosticReport", "{\"resourceType\":\"DiagnosticReport\",\"category\":[{\"coding\":[{\"code\":\"LP7839-6\"}]}]}", true},
        {SMART_VIEW_FULL, "Observation", "{\"note\":[{\"text\":\"60567-5\"}]}", true},
        /* the whole text, and a near miss at its end */
        {SMART_VIEW_FULL, "Observation", "\"11526-1\"", true},
        {SMART_VIEW_FULL, "Observation", "{\"a\":\"11526-\"}", false},
        {SMART_VIEW_FULL, "Observation", "{\"a\":\"60567-5\"", true},
        {SMART_VIEW_FULL, "Observation", "x", false},
        /* the code only inside a longer string: not that code */
        {SMART_VIEW_FULL, "Observation", "{\"note\":[{\"text\":\"see 11526-1\"}]}", false},
        /* an escape could spell a listed code */
        {SMART_VIEW_FULL, "Observation", "{\"code\":{\"coding\":[{\"code\":\"\\u00311526-1\"}]}}", true},
        /* documents and the limited view always need the content */
        {SMART_VIEW_FULL, "DocumentReference", "{\"resourceType\":\"DocumentReference\"}", true},
        {SMART_VIEW_LIMITED, "Immunization", "{\"resourceType\":\"Immunization\"}", true},
        {SMART_VIEW_NONE, "Immunization", "{\"resourceType\":\"Immunization\"}", true},
    };
    struct smart_portal_settings s;
    smart_portal_settings_default(&s);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        bool got = smart_portal_needs_content(&s, rows[i].view, fg_str_c(rows[i].type),
                                              fg_str_c(rows[i].json));
        if (got != rows[i].needs)
            fprintf(stderr, "  row %zu\n", i);
        CHECK_INT(got, rows[i].needs);
    }
    /* a configured list: its codes, not the default ones */
    int k = snprintf(s.release_codes, sizeof s.release_codes, "%s", "urn:x|abc, def");
    CHECK(k > 0 && (size_t)k < sizeof s.release_codes);
    CHECK(smart_portal_needs_content(&s, SMART_VIEW_SELF, fg_str_c("Observation"),
                                     fg_str_c("{\"code\":\"def\"}")));
    CHECK(!smart_portal_needs_content(&s, SMART_VIEW_SELF, fg_str_c("Observation"),
                                      fg_str_c("{\"code\":\"11526-1\"}")));
    /* a list longer than the text check handles: parse */
    size_t len = 0;
    for (int i = 0; i < 40; i++) {
        k = snprintf(s.release_codes + len, sizeof s.release_codes - len, "c%d,", i);
        CHECK(k > 0 && (size_t)k < sizeof s.release_codes - len);
        len += (size_t)k;
    }
    CHECK(smart_portal_needs_content(&s, SMART_VIEW_SELF, fg_str_c("Observation"),
                                     fg_str_c("{\"code\":\"x\"}")));
}

static void test_view_of(void)
{
    struct smart_portal_settings s;
    struct smart_portal_facts f;
    smart_portal_settings_default(&s);
    memset(&f, 0, sizeof f);
    memcpy(f.own_patient, "daniel", 7);
    f.n_proxies = 3;
    memcpy(f.proxies[0].patient_id, "max", 4);
    f.proxies[0].kind = SMART_PROXY_PARENT;
    memcpy(f.proxies[1].patient_id, "max", 4);
    f.proxies[1].kind = SMART_PROXY_COURT_GUARDIAN; /* widest of two relations wins */
    f.proxies[1].start_at = at("2026-01-01") / 1000000;
    memcpy(f.proxies[2].patient_id, "lily", 5);
    f.proxies[2].kind = SMART_PROXY_PARENT;
    int64_t now = at("2026-11-23");
    CHECK_INT(smart_portal_view_of(&s, now, &f, fg_str_c("daniel"), fg_str_c("1985-06-26")),
              SMART_VIEW_SELF);
    CHECK_INT(smart_portal_view_of(&s, now, &f, fg_str_c("lily"), fg_str_c("2018-08-18")),
              SMART_VIEW_FULL);
    CHECK_INT(smart_portal_view_of(&s, now, &f, fg_str_c("max"), fg_str_c("2011-05-07")),
              SMART_VIEW_LIMITED);
    CHECK_INT(smart_portal_view_of(&s, now, &f, fg_str_c("max"), fg_str_c("2008-05-07")),
              SMART_VIEW_FULL); /* 18: the parent relation ended, the court order holds */
    f.n_proxies = 1;
    CHECK_INT(smart_portal_view_of(&s, now, &f, fg_str_c("max"), fg_str_c("2008-05-07")),
              SMART_VIEW_NONE);
    CHECK_INT(smart_portal_view_of(&s, now, &f, fg_str_c("amy"), fg_str_c("1988-10-13")),
              SMART_VIEW_NONE);
}

static void test_settings(void)
{
    struct smart_portal_settings s;
    smart_portal_settings_default(&s);
    cJSON *doc = cJSON_Parse("{\"resourceType\":\"Observation\",\"code\":{\"coding\":[{\"system\":"
                             "\"http://loinc.org\",\"code\":\"2093-3\"}]},\"issued\":"
                             "\"2026-11-22T00:00:00Z\"}");
    CHECK(!smart_portal_unreleased(&s, at("2026-11-23"), doc));
    memcpy(s.release_codes, " 2093-3 ,x|y", 13); /* a bare code matches any system */
    CHECK(smart_portal_unreleased(&s, at("2026-11-23"), doc));
    s.release_delay_days = 1;
    CHECK(!smart_portal_unreleased(&s, at("2026-11-23"), doc));
    memcpy(s.release_codes, "http://loinc.org|2093-3", 24);
    s.release_delay_days = 2;
    CHECK(smart_portal_unreleased(&s, at("2026-11-23"), doc));
    cJSON_Delete(doc);
}

/* The narrowing strings say the same as the tables the filter uses. */
static void test_narrow_strings(void)
{
    const char *codes = smart_portal_confidential_codes();
    struct fg_str rest = fg_str_c(codes), item;
    size_t n = 0;
    while (rest.len) {
        fg_str_split(rest, ',', &item, &rest);
        char json[200];
        int k = snprintf(json, sizeof json,
                         "{\"resourceType\":\"Immunization\",\"meta\":{\"security\":[{\"code\":"
                         "\"%.*s\"}]}}",
                         (int)item.len, item.ptr);
        CHECK(k > 0 && (size_t)k < sizeof json);
        cJSON *doc = cJSON_Parse(json);
        CHECK(smart_portal_confidential(doc));
        cJSON_Delete(doc);
        n++;
    }
    CHECK_INT(n, 9);
    rest = fg_str_c(smart_portal_growth_codes());
    n = 0;
    while (rest.len) {
        struct fg_str sys, code;
        fg_str_split(rest, ',', &item, &rest);
        CHECK(fg_str_split(item, '|', &sys, &code));
        char json[200];
        int k = snprintf(json, sizeof json,
                         "{\"resourceType\":\"Observation\",\"code\":{\"coding\":[{\"system\":"
                         "\"%.*s\",\"code\":\"%.*s\"}]}}",
                         (int)sys.len, sys.ptr, (int)code.len, code.ptr);
        CHECK(k > 0 && (size_t)k < sizeof json);
        cJSON *doc = cJSON_Parse(json);
        CHECK(smart_portal_limited_class(doc));
        cJSON_Delete(doc);
        n++;
    }
    CHECK_INT(n, 10);
}

/* "Today" in a tz-database zone follows daylight saving time. Expected
 * dates from `TZ=<zone> date -d <instant> +%F` (glibc), not from this code. */
static void test_today_zone(void)
{
    static const struct {
        const char *zone, *instant, *local_day;
    } rows[] = {
        {"America/Chicago", "2026-11-24T05:59:59Z", "2026-11-23"}, /* CST, -6 h */
        {"America/Chicago", "2026-11-24T06:00:00Z", "2026-11-24"},
        {"America/Chicago", "2026-07-04T04:59:59Z", "2026-07-03"}, /* CDT, -5 h */
        {"America/Chicago", "2026-07-04T05:00:00Z", "2026-07-04"},
        {"Australia/Lord_Howe", "2026-01-01T12:59:59Z", "2026-01-01"}, /* +11 h */
        {"Australia/Lord_Howe", "2026-01-01T13:00:00Z", "2026-01-02"},
        {"Australia/Lord_Howe", "2026-06-30T13:29:59Z", "2026-06-30"}, /* +10:30 */
        {"Australia/Lord_Howe", "2026-06-30T13:30:00Z", "2026-07-01"},
    };
    struct smart_portal_settings s;
    smart_portal_settings_default(&s);
    s.utc_offset_min = 600; /* ignored once a zone is set */
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct fg_tz *tz = NULL;
        CHECK_INT(fg_tz_load(FG_TZ_DIR, fg_str_c(rows[i].zone), &tz), FG_OK);
        s.tz = tz;
        char day[11];
        fg_clock_format_date(smart_portal_today(&s, at(rows[i].instant)) * 86400 * 1000000, day);
        if (strcmp(day, rows[i].local_day) != 0)
            fprintf(stderr, "  row %zu: %s in %s\n", i, rows[i].instant, rows[i].zone);
        CHECK_STR(day, rows[i].local_day);
        fg_tz_free(&tz);
    }
}

/* A birthday in July (CDT) starts at 05:00Z: a fixed -6 h offset would be
 * an hour late; the same birthday in January (CST) starts at 06:00Z. */
static void test_birthday_dst(void)
{
    static const struct {
        const char *birth, *now;
        int age;
        enum smart_portal_view parent;
    } rows[] = {
        {"2013-07-04", "2026-07-04T04:59:59Z", 12, SMART_VIEW_FULL},
        {"2013-07-04", "2026-07-04T05:00:00Z", 13, SMART_VIEW_LIMITED},
        {"2008-01-15", "2026-01-15T05:59:59Z", 17, SMART_VIEW_LIMITED},
        {"2008-01-15", "2026-01-15T06:00:00Z", 18, SMART_VIEW_NONE},
    };
    struct smart_portal_settings s;
    struct fg_tz *tz = NULL;
    smart_portal_settings_default(&s);
    CHECK_INT(fg_tz_load(FG_TZ_DIR, fg_str_c("America/Chicago"), &tz), FG_OK);
    s.tz = tz;
    struct smart_proxy p;
    memset(&p, 0, sizeof p);
    p.kind = SMART_PROXY_PARENT;
    p.start_at = at("2013-07-05") / 1000000;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        int age = -1;
        int64_t now = at(rows[i].now);
        CHECK_INT(smart_portal_age(fg_str_c(rows[i].birth), smart_portal_today(&s, now), &age),
                  FG_OK);
        CHECK_INT(age, rows[i].age);
        CHECK_INT(smart_portal_view_for(&s, now, fg_str_c(rows[i].birth), false, &p),
                  rows[i].parent);
    }
    /* an old note: its own date is also taken as a Chicago day */
    cJSON *doc = cJSON_Parse(
        "{\"resourceType\":\"DocumentReference\",\"date\":\"2023-07-04T04:00:00Z\","
        "\"category\":[{\"coding\":[{\"system\":\"http://hl7.org/fhir/us/core/CodeSystem/"
        "us-core-documentreference-category\",\"code\":\"clinical-note\"}]}]}");
    CHECK(doc != NULL);
    CHECK(!smart_portal_old_note(&s, at("2026-07-04T04:59:59Z"), doc)); /* cutoff 2023-07-03 */
    CHECK(smart_portal_old_note(&s, at("2026-07-04T05:00:00Z"), doc)); /* note day 07-03 < 07-04 */
    s.tz = NULL;
    s.utc_offset_min = -360; /* the fixed offset is an hour behind in July */
    CHECK(!smart_portal_old_note(&s, at("2026-07-04T05:00:00Z"), doc));
    cJSON_Delete(doc);
    fg_tz_free(&tz);
}

TEST_MAIN(test_age, test_view, test_view_of, test_resources, test_needs_content, test_settings,
          test_narrow_strings,
          test_today_zone, test_birthday_dst)
