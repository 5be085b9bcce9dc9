/* audit_req_test.c - what a request contributes to the audit log: the
 * query without secrets (cut at pair boundaries) and the interaction kind. */
#include "../test.h"

#include "gateway/audit_req.h"

static void test_clean_query(void)
{
    static const struct {
        const char *in;
        size_t size;
        const char *want;
    } cases[] = {
        {"patient=amy&code=1234-5", 512, "patient=amy&code=1234-5"},
        {"patient=amy&access_token=abc.def", 512, "patient=amy&access_token=***"},
        {"client_secret=s3cret&password=pw&_count=5", 512,
         "client_secret=***&password=***&_count=5"},
        {"refresh_token=x&token=y&client_assertion=z", 512,
         "refresh_token=***&token=***&client_assertion=***"},
        {"_summary&patient=amy", 512, "_summary&patient=amy"},
        {"&&patient=amy&", 512, "patient=amy"},
        {"patient=amy&category=vital-signs", 16, "patient=amy"}, /* cut between pairs */
        {"patient=averyveryverylongid", 8, ""},
        {"", 512, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[512];
        fg_audit_clean_query(fg_str_c(cases[i].in), out, cases[i].size);
        CHECK_STR(out, cases[i].want);
        CHECK(strlen(out) < cases[i].size);
    }
}

static void test_classify(void)
{
    static const struct {
        enum fg_method method;
        const char *path, *type, *id, *vid, *op;
        bool audited;
        enum smart_audit_kind kind;
    } cases[] = {
        {FG_GET, "/fhir/Patient/amy", "Patient", "amy", "", "", true, SMART_AUDIT_READ},
        {FG_HEAD, "/fhir/Patient/amy", "Patient", "amy", "", "", true, SMART_AUDIT_READ},
        {FG_GET, "/fhir/Patient/amy/_history/2", "Patient", "amy", "2", "", true,
         SMART_AUDIT_VREAD},
        {FG_GET, "/fhir/Patient/amy/_history", "Patient", "amy", "", "", true, SMART_AUDIT_HISTORY},
        {FG_GET, "/fhir/_history", "", "", "", "", true, SMART_AUDIT_HISTORY},
        {FG_GET, "/fhir/Observation", "Observation", "", "", "", true, SMART_AUDIT_SEARCH},
        {FG_POST, "/fhir/Observation/_search", "Observation", "", "", "", true, SMART_AUDIT_SEARCH},
        {FG_POST, "/fhir/Observation", "Observation", "", "", "", true, SMART_AUDIT_CREATE},
        {FG_PUT, "/fhir/Observation/1", "Observation", "1", "", "", true, SMART_AUDIT_UPDATE},
        {FG_DELETE, "/fhir/Observation/1", "Observation", "1", "", "", true, SMART_AUDIT_DELETE},
        {FG_PATCH, "/fhir/Observation/1", "Observation", "1", "", "", true, SMART_AUDIT_UPDATE},
        {FG_PATCH, "/fhir/Observation", "Observation", "1", "", "", true, SMART_AUDIT_UPDATE},
        {FG_PATCH, "/fhir/Observation", "Observation", "", "", "", false, SMART_AUDIT_READ},
        {FG_POST, "/fhir", "", "", "", "", true, SMART_AUDIT_BATCH},
        {FG_GET, "/fhir/Patient/amy/$everything", "Patient", "amy", "", "everything", true,
         SMART_AUDIT_OPERATION},
        {FG_GET, "/fhir/metadata", "", "", "", "", false, SMART_AUDIT_READ},
        {FG_GET, "/fhir/.well-known/smart-configuration", "", "", "", "", false, SMART_AUDIT_READ},
        {FG_GET, "/auth/apps", "", "", "", "", false, SMART_AUDIT_READ},
        {FG_GET, "/healthz", "", "", "", "", false, SMART_AUDIT_READ},
        {FG_PUT, "/fhir/Observation", "Observation", "", "", "", false, SMART_AUDIT_READ},
        {FG_OPTIONS, "/fhir/Observation", "Observation", "", "", "", false, SMART_AUDIT_READ},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fg_req req;
        memset(&req, 0, sizeof req);
        req.method = cases[i].method;
        req.path = fg_str_c(cases[i].path);
        req.route_type = fg_str_c(cases[i].type);
        req.route_id = fg_str_c(cases[i].id);
        req.route_vid = fg_str_c(cases[i].vid);
        req.route_op = fg_str_c(cases[i].op);
        enum smart_audit_kind k = SMART_AUDIT_KIND_COUNT;
        bool got = fg_audit_classify(&req, &k);
        CHECK(got == cases[i].audited);
        if (got != cases[i].audited)
            fprintf(stderr, "  case %zu: %s\n", i, cases[i].path);
        if (got && cases[i].audited)
            CHECK_INT(k, cases[i].kind);
    }
}

TEST_MAIN(test_clean_query, test_classify)
