/* scope_test.c - SMART scope parsing, canonical writing and the set operations. */
#include "../test.h"

#include "core/fg_buf.h"
#include "core/fg_limits.h"
#include "core/fg_mem.h"
#include "smart/scope.h"

#define LAB "http://terminology.hl7.org/CodeSystem/observation-category|laboratory"
#define VITALS "http://terminology.hl7.org/CodeSystem/observation-category|vital-signs"

/* Parses text (which must succeed) into s. */
static void parse_ok(const char *text, struct smart_scopes *s)
{
    struct fg_error err;
    fg_error_clear(&err);
    smart_scopes_init(s);
    enum fg_status st = smart_scopes_parse(fg_str_c(text), s, &err);
    if (st != FG_OK)
        fprintf(stderr, "  parse(%s): %s\n", text, err.diagnostics);
    CHECK_INT(st, FG_OK);
}

static void test_parse_table(void)
{
    static const struct {
        const char *in;
        enum fg_status st;
        const char *canonical; /* when st == FG_OK */
    } rows[] = {
        {"", FG_OK, ""},
        {"openid fhirUser launch/patient offline_access", FG_OK,
         "openid fhirUser launch/patient offline_access"},
        {"profile launch launch/encounter online_access", FG_OK,
         "profile launch launch/encounter online_access"},
        {"patient/Observation.read", FG_OK, "patient/Observation.read"},
        {"patient/Observation.write user/*.*", FG_OK, "patient/Observation.write user/*.*"},
        {"patient/Observation.rs", FG_OK, "patient/Observation.rs"},
        {"system/*.cruds", FG_OK, "system/*.cruds"},
        {"user/Patient.r  user/Patient.s ", FG_OK, "user/Patient.r user/Patient.s"},
        {"patient/Observation.rs patient/Observation.rs", FG_OK, "patient/Observation.rs"},
        {"patient/Observation.rs?category=" LAB, FG_OK, "patient/Observation.rs?category=" LAB},
        {"patient/Observation.rs?category=http://x%7Clab", FG_OK,
         "patient/Observation.rs?category=http://x|lab"},
        {"patient/Observation.rs?category=a%26b&code=1", FG_OK,
         "patient/Observation.rs?category=a%26b&code=1"},
        {"https://example.org/custom other_scope", FG_OK, "https://example.org/custom other_scope"},
        {"launch/Patient?role=x", FG_OK, "launch/Patient?role=x"},
        /* malformed */
        {"patient/Observation.dus", FG_EINVAL, NULL},
        {"patient/Observation.rr", FG_EINVAL, NULL},
        {"patient/Observation.", FG_EINVAL, NULL},
        {"patient/Observation", FG_EINVAL, NULL},
        {"patient/Observation.x", FG_EINVAL, NULL},
        {"patient/Observation.RS", FG_EINVAL, NULL},
        {"patient/observation.rs", FG_EINVAL, NULL},
        {"patient/Obs3rvation.rs", FG_EINVAL, NULL},
        {"patient/.rs", FG_EINVAL, NULL},
        {"patient/", FG_EINVAL, NULL},
        {"patinet/Observation.read", FG_EINVAL, NULL},
        {"practitioner/*.read", FG_EINVAL, NULL},
        {"patient/Observation.rs?", FG_EINVAL, NULL},
        {"patient/Observation.rs?category", FG_EINVAL, NULL},
        {"patient/Observation.rs?category=", FG_EINVAL, NULL},
        {"patient/Observation.rs?=x", FG_EINVAL, NULL},
        {"patient/Observation.rs?a=1&", FG_EINVAL, NULL},
        {"patient/Observation.rs?a=%zz", FG_EINVAL, NULL},
        {"patient/Observation.rs?a=%00", FG_EINVAL, NULL},
        {"patient/Observation.rs?a=1&b=2&c=3&d=4&e=5&f=6&g=7&h=8&i=9", FG_EINVAL, NULL},
        {"openid\tprofile", FG_EINVAL, NULL},
        {"open\"id", FG_EINVAL, NULL},
        {"openid\xc3\xa9", FG_EINVAL, NULL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct smart_scopes s;
        struct fg_error err;
        fg_error_clear(&err);
        smart_scopes_init(&s);
        enum fg_status st = smart_scopes_parse(fg_str_c(rows[i].in), &s, &err);
        CHECK_INT(st, rows[i].st);
        if (st != rows[i].st)
            fprintf(stderr, "  row %zu: %s\n", i, rows[i].in);
        if (st == FG_OK && rows[i].canonical) {
            struct fg_buf b;
            fg_buf_init(&b, 8192);
            CHECK_INT(smart_scopes_write(&s, &b), FG_OK);
            CHECK_STR(fg_buf_str(&b).ptr, rows[i].canonical);
            fg_buf_cleanup(&b);
        } else if (st != FG_OK) {
            CHECK_INT(s.n, 0);
            CHECK(err.diagnostics[0] != '\0');
        }
        smart_scopes_cleanup(&s);
    }
}

static void test_parse_kinds(void)
{
    struct smart_scopes s;
    parse_ok("openid patient/Observation.rs?category=" LAB "&code=x user/*.write foo", &s);
    CHECK_INT(s.n, 4);
    CHECK_INT(s.items[0].kind, SMART_SCOPE_OPENID);
    CHECK_INT(s.items[1].kind, SMART_SCOPE_RESOURCE);
    CHECK_INT(s.items[1].context, SMART_CTX_PATIENT);
    CHECK_STR(s.items[1].type, "Observation");
    CHECK_INT(s.items[1].perms, SMART_PERM_R | SMART_PERM_S);
    CHECK(!s.items[1].v1);
    CHECK_INT(s.items[1].n_params, 2);
    CHECK_STR(s.items[1].params[0].name, "category");
    CHECK_STR(s.items[1].params[0].value, LAB);
    CHECK_STR(s.items[1].params[1].value, "x");
    CHECK_INT(s.items[2].perms, SMART_PERM_C | SMART_PERM_U | SMART_PERM_D);
    CHECK(s.items[2].v1);
    CHECK_INT(s.items[3].kind, SMART_SCOPE_UNKNOWN);
    CHECK(smart_scopes_has(&s, SMART_SCOPE_OPENID));
    CHECK(!smart_scopes_has(&s, SMART_SCOPE_FHIRUSER));
    smart_scopes_cleanup(&s);
}

static void test_parse_limits(void)
{
    static char big[FG_MAX_SCOPE_BYTES + 2];
    memset(big, 'a', sizeof big - 1);
    struct smart_scopes s;
    smart_scopes_init(&s);
    CHECK_INT(smart_scopes_parse(fg_str_c(big), &s, NULL), FG_ETOOBIG);
    /* 300 distinct unknown tokens: more than SMART_MAX_SCOPES */
    struct fg_buf b;
    fg_buf_init(&b, FG_MAX_SCOPE_BYTES);
    for (int i = 0; i < 300; i++)
        fg_buf_printf(&b, "s%d ", i);
    CHECK_INT(smart_scopes_parse(fg_buf_str(&b), &s, NULL), FG_ETOOBIG);
    CHECK_INT(s.n, 0);
    fg_buf_cleanup(&b);
}

static void test_parse_alloc_failures(void)
{
    const char *text = "openid patient/Observation.rs?category=" LAB "&code=x user/*.write foo";
    struct smart_scopes s;
    smart_scopes_init(&s);
    fg_mem_fail_at(0);
    CHECK_INT(smart_scopes_parse(fg_str_c(text), &s, NULL), FG_OK);
    unsigned long n = fg_mem_fail_at(0);
    smart_scopes_cleanup(&s);
    CHECK(n > 3);
    for (unsigned long k = 1; k <= n; k++) {
        fg_mem_fail_at(k);
        CHECK_INT(smart_scopes_parse(fg_str_c(text), &s, NULL), FG_ENOMEM);
        fg_mem_fail_at(0);
        CHECK_INT(s.n, 0);
        smart_scopes_cleanup(&s);
    }
}

static void test_intersect_alloc_failures(void)
{
    struct smart_scopes r, a, out;
    parse_ok("openid patient/*.rs?category=x user/Observation.r", &r);
    parse_ok("openid patient/Observation.rs patient/Condition.rs user/*.cruds", &a);
    smart_scopes_init(&out);
    fg_mem_fail_at(0);
    CHECK_INT(smart_scopes_intersect(&r, &a, &out), FG_OK);
    unsigned long n = fg_mem_fail_at(0);
    CHECK_INT(out.n, 4);
    smart_scopes_cleanup(&out);
    for (unsigned long k = 1; k <= n; k++) {
        fg_mem_fail_at(k);
        CHECK_INT(smart_scopes_intersect(&r, &a, &out), FG_ENOMEM);
        fg_mem_fail_at(0);
        CHECK_INT(out.n, 0);
        smart_scopes_cleanup(&out);
    }
    smart_scopes_cleanup(&r);
    smart_scopes_cleanup(&a);
}

static void test_allows_table(void)
{
    static const struct {
        const char *scopes;
        enum smart_context ctx;
        const char *type;
        char interaction;
        bool want;
    } rows[] = {
        {"patient/Observation.read", SMART_CTX_PATIENT, "Observation", 'r', true},
        {"patient/Observation.read", SMART_CTX_PATIENT, "Observation", 's', true},
        {"patient/Observation.read", SMART_CTX_PATIENT, "Observation", 'c', false},
        {"patient/Observation.write", SMART_CTX_PATIENT, "Observation", 'c', true},
        {"patient/Observation.write", SMART_CTX_PATIENT, "Observation", 'u', true},
        {"patient/Observation.write", SMART_CTX_PATIENT, "Observation", 'd', true},
        {"patient/Observation.write", SMART_CTX_PATIENT, "Observation", 'r', false},
        {"patient/Observation.*", SMART_CTX_PATIENT, "Observation", 'd', true},
        {"patient/*.rs", SMART_CTX_PATIENT, "Condition", 's', true},
        {"patient/*.rs", SMART_CTX_USER, "Condition", 's', false},
        {"patient/Observation.rs", SMART_CTX_PATIENT, "Condition", 'r', false},
        {"patient/Observation.rs", SMART_CTX_PATIENT, "ObservationX", 'r', false},
        {"patient/Observation.r", SMART_CTX_PATIENT, "Observation", 's', false},
        {"patient/Observation.s?category=" LAB, SMART_CTX_PATIENT, "Observation", 's', true},
        {"user/Patient.cu", SMART_CTX_USER, "Patient", 'u', true},
        {"system/*.s", SMART_CTX_SYSTEM, "Group", 's', true},
        {"openid fhirUser", SMART_CTX_PATIENT, "Patient", 'r', false},
        {"patient/*.cruds", SMART_CTX_PATIENT, "Patient", 'x', false},
        {"patient/*.cruds", SMART_CTX_PATIENT, "", 'r', false},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct smart_scopes s;
        parse_ok(rows[i].scopes, &s);
        bool got = smart_scopes_allows(&s, rows[i].ctx, fg_str_c(rows[i].type), rows[i].interaction);
        CHECK_INT(got, rows[i].want);
        if (got != rows[i].want)
            fprintf(stderr, "  row %zu\n", i);
        smart_scopes_cleanup(&s);
    }
}

static void test_filters(void)
{
    struct smart_scopes s;
    struct smart_scope_filters f;
    parse_ok("patient/Observation.rs?category=" LAB " patient/Observation.rs?category=" VITALS
             " patient/Condition.rs patient/Condition.s?category=x patient/Patient.r",
             &s);
    CHECK_INT(smart_scopes_filters_for(&s, SMART_CTX_PATIENT, fg_str_c("Observation"), 's', &f),
              FG_OK);
    CHECK(!f.unrestricted);
    CHECK_INT(f.n, 2);
    CHECK_STR(f.scopes[0]->params[0].value, LAB);
    CHECK_STR(f.scopes[1]->params[0].value, VITALS);
    CHECK_INT(smart_scopes_filters_for(&s, SMART_CTX_PATIENT, fg_str_c("Condition"), 's', &f), FG_OK);
    CHECK(f.unrestricted);
    CHECK_INT(f.n, 0);
    CHECK_INT(smart_scopes_filters_for(&s, SMART_CTX_PATIENT, fg_str_c("Patient"), 's', &f),
              FG_EFORBIDDEN);
    CHECK_INT(smart_scopes_filters_for(&s, SMART_CTX_PATIENT, fg_str_c("Patient"), 'r', &f), FG_OK);
    CHECK(f.unrestricted);
    CHECK_INT(smart_scopes_filters_for(&s, SMART_CTX_USER, fg_str_c("Observation"), 'r', &f),
              FG_EFORBIDDEN);
    smart_scopes_cleanup(&s);
    /* a wildcard resource-level scope lifts the filter */
    parse_ok("patient/Observation.rs?category=" LAB " patient/*.rs", &s);
    CHECK_INT(smart_scopes_filters_for(&s, SMART_CTX_PATIENT, fg_str_c("Observation"), 'r', &f),
              FG_OK);
    CHECK(f.unrestricted);
    smart_scopes_cleanup(&s);
}

static void test_intersect_table(void)
{
    static const struct {
        const char *requested, *allowed, *want;
    } rows[] = {
        {"openid fhirUser launch/patient patient/Observation.rs",
         "openid launch/patient patient/*.rs", "openid launch/patient patient/Observation.rs"},
        {"patient/Observation.cruds", "patient/Observation.rs", "patient/Observation.rs"},
        {"patient/Observation.*", "patient/Observation.rs", "patient/Observation.read"},
        {"patient/Observation.write", "patient/Observation.rs", ""},
        {"patient/*.rs", "patient/Observation.r patient/Condition.rs",
         "patient/Observation.r patient/Condition.rs"},
        {"patient/Observation.rs", "patient/Observation.rs?category=" LAB,
         "patient/Observation.rs?category=" LAB},
        {"patient/Observation.rs?category=" LAB, "patient/Observation.rs",
         "patient/Observation.rs?category=" LAB},
        {"patient/Observation.rs?category=" LAB, "patient/Observation.rs?category=" VITALS, ""},
        {"user/Observation.rs", "patient/*.cruds", ""},
        {"foo openid", "foo openid", "openid"},
        {"patient/Observation.rs patient/Observation.rs", "patient/*.cruds patient/Observation.r",
         "patient/Observation.rs patient/Observation.r"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct smart_scopes r, a, out;
        parse_ok(rows[i].requested, &r);
        parse_ok(rows[i].allowed, &a);
        smart_scopes_init(&out);
        CHECK_INT(smart_scopes_intersect(&r, &a, &out), FG_OK);
        struct fg_buf b;
        fg_buf_init(&b, 8192);
        CHECK_INT(smart_scopes_write(&out, &b), FG_OK);
        CHECK_STR(fg_buf_str(&b).ptr, rows[i].want);
        /* what is granted never exceeds either side */
        CHECK(smart_scopes_is_subset(&out, &a));
        fg_buf_cleanup(&b);
        smart_scopes_cleanup(&r);
        smart_scopes_cleanup(&a);
        smart_scopes_cleanup(&out);
    }
}

static void test_subset_table(void)
{
    static const struct {
        const char *narrower, *wider;
        bool want;
    } rows[] = {
        {"", "openid", true},
        {"openid", "", false},
        {"patient/Observation.rs", "patient/Observation.rs openid", true},
        {"patient/Observation.read", "patient/Observation.rs", true},
        {"patient/Observation.rs", "patient/Observation.read", true},
        {"patient/Observation.rs", "patient/Observation.r patient/Observation.s", true},
        {"patient/Observation.rs", "patient/Observation.r", false},
        {"patient/Observation.rs", "patient/*.rs", true},
        {"patient/*.rs", "patient/Observation.rs", false},
        {"patient/Observation.rs?category=" LAB, "patient/Observation.rs", true},
        {"patient/Observation.rs", "patient/Observation.rs?category=" LAB, false},
        {"patient/Observation.rs?category=" LAB, "patient/Observation.rs?category=" VITALS, false},
        {"patient/Observation.rs?category=" LAB "&code=1", "patient/Observation.rs?category=" LAB,
         true},
        {"user/Observation.rs", "patient/Observation.rs", false},
        {"offline_access", "online_access", false},
        {"foo", "foo", true},
        {"foo", "bar", false},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct smart_scopes n, w;
        parse_ok(rows[i].narrower, &n);
        parse_ok(rows[i].wider, &w);
        bool got = smart_scopes_is_subset(&n, &w);
        CHECK_INT(got, rows[i].want);
        if (got != rows[i].want)
            fprintf(stderr, "  row %zu\n", i);
        smart_scopes_cleanup(&n);
        smart_scopes_cleanup(&w);
    }
}

static void test_roundtrip_inferno_scopes(void)
{
    const char *text =
        "launch/patient openid fhirUser offline_access patient/Medication.rs "
        "patient/AllergyIntolerance.rs patient/CarePlan.rs patient/Condition.rs?category="
        "http://hl7.org/fhir/us/core/CodeSystem/condition-category|health-concern "
        "patient/Observation.rs?category=http://hl7.org/fhir/us/core/CodeSystem/us-core-category|sdoh";
    struct smart_scopes s, again;
    parse_ok(text, &s);
    struct fg_buf b;
    fg_buf_init(&b, 8192);
    CHECK_INT(smart_scopes_write(&s, &b), FG_OK);
    CHECK_STR(fg_buf_str(&b).ptr, text);
    parse_ok(fg_buf_str(&b).ptr, &again);
    CHECK(smart_scopes_is_subset(&s, &again) && smart_scopes_is_subset(&again, &s));
    fg_buf_cleanup(&b);
    smart_scopes_cleanup(&s);
    smart_scopes_cleanup(&again);
}

TEST_MAIN(test_parse_table, test_parse_kinds, test_parse_limits, test_parse_alloc_failures,
          test_intersect_alloc_failures, test_allows_table, test_filters, test_intersect_table, test_subset_table,
          test_roundtrip_inferno_scopes)
