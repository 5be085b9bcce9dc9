/* audit_fhir_test.c - audit rows as BALP AuditEvents and grants as Consent. */
#include "../test.h"

#include <openssl/evp.h>

#include "gateway/audit_fhir.h"
#include "gateway/consent_fhir.h"
#include "gateway/virtual.h"

static const char *str(const cJSON *o, const char *path)
{
    /* "a.b.0.c": object keys and array indexes */
    char part[64];
    const cJSON *cur = o;
    while (cur && *path) {
        const char *dot = strchr(path, '.');
        size_t n = dot ? (size_t)(dot - path) : strlen(path);
        snprintf(part, sizeof part, "%.*s", (int)n, path);
        cur = part[0] >= '0' && part[0] <= '9' ? cJSON_GetArrayItem(cur, part[0] - '0')
                                               : cJSON_GetObjectItemCaseSensitive(cur, part);
        path += n + (dot ? 1 : 0);
    }
    return cJSON_IsString(cur) ? cur->valuestring : NULL;
}

static void test_auditevent_rest(void)
{
    static const struct {
        enum smart_audit_kind kind;
        int status;
        const char *patient, *type, *id, *query;
        const char *profile, *action, *outcome, *subtype;
    } cases[] = {
        {SMART_AUDIT_READ, 200, "amy", "Observation", "o1", "", "PatientRead", "R", "0", "read"},
        {SMART_AUDIT_READ, 200, "", "Organization", "x", "", "Read", "R", "0", "read"},
        {SMART_AUDIT_SEARCH, 200, "amy", "Observation", "", "patient=amy", "PatientQuery", "E", "0",
         "search-type"},
        {SMART_AUDIT_CREATE, 201, "amy", "Observation", "n1", "", "PatientCreate", "C", "0",
         "create"},
        {SMART_AUDIT_UPDATE, 412, "amy", "Observation", "n1", "", "PatientUpdate", "U", "4",
         "update"},
        {SMART_AUDIT_DELETE, 500, "", "Observation", "n1", "", "Delete", "D", "8", "delete"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct smart_audit_row r;
        memset(&r, 0, sizeof r);
        r.seq = 42;
        r.at_us = 1800000000LL * 1000000;
        r.kind = cases[i].kind;
        r.status = cases[i].status;
        snprintf(r.client_id, sizeof r.client_id, "app-1");
        r.account_id = 7;
        snprintf(r.username, sizeof r.username, "amyshaw");
        snprintf(r.patient_id, sizeof r.patient_id, "%s", cases[i].patient);
        snprintf(r.res_type, sizeof r.res_type, "%s", cases[i].type);
        snprintf(r.res_id, sizeof r.res_id, "%s", cases[i].id);
        snprintf(r.query, sizeof r.query, "%s", cases[i].query);
        snprintf(r.grant_id, sizeof r.grant_id, "g1");
        cJSON *o = NULL;
        CHECK_INT(fg_auditevent_build(&r, &o), FG_OK);
        char want[160];
        snprintf(want, sizeof want,
                 "https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.%s",
                 cases[i].profile);
        CHECK_STR(str(o, "meta.profile.0"), want);
        CHECK_STR(str(o, "resourceType"), "AuditEvent");
        CHECK_STR(str(o, "id"), "42");
        CHECK_STR(str(o, "type.code"), "rest");
        CHECK_STR(str(o, "subtype.0.code"), cases[i].subtype);
        CHECK_STR(str(o, "action"), cases[i].action);
        CHECK_STR(str(o, "outcome"), cases[i].outcome);
        CHECK_STR(str(o, "recorded"), "2027-01-15T08:00:00.000Z");
        CHECK_STR(str(o, "agent.0.who.identifier.value"), "7");
        CHECK_STR(str(o, "agent.0.who.display"), "amyshaw");
        CHECK(cJSON_IsTrue(cJSON_GetObjectItem(
            cJSON_GetArrayItem(cJSON_GetObjectItem(o, "agent"), 0), "requestor")));
        CHECK_STR(str(o, "agent.1.who.identifier.value"), "app-1");
        CHECK_STR(str(o, "agent.2.type.coding.0.code"), "110152");
        int e = 0;
        if (cases[i].patient[0]) {
            char ref[80];
            snprintf(ref, sizeof ref, "Patient/%s", cases[i].patient);
            CHECK_STR(str(o, "entity.0.what.reference"), ref);
            e = 1;
        }
        const cJSON *ent = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "entity"), e);
        if (cases[i].kind == SMART_AUDIT_SEARCH) {
            unsigned char raw[64];
            int n = EVP_DecodeBlock(raw, (const unsigned char *)str(ent, "query"), 16);
            CHECK(n >= 11 && memcmp(raw, "patient=amy", 11) == 0);
            CHECK_STR(str(ent, "role.code"), "24");
        } else {
            char ref[80];
            snprintf(ref, sizeof ref, "%s/%s", cases[i].type, cases[i].id);
            CHECK_STR(str(ent, "what.reference"), ref);
        }
        cJSON_Delete(o);
    }
}

static void test_auditevent_auth(void)
{
    struct smart_audit_row r;
    memset(&r, 0, sizeof r);
    r.seq = 1;
    r.kind = SMART_AUDIT_SIGNIN_FAILED;
    r.status = 401;
    cJSON *o = NULL;
    CHECK_INT(fg_auditevent_build(&r, &o), FG_OK);
    CHECK_STR(str(o, "type.code"), "110114");
    CHECK_STR(str(o, "subtype.0.system"), FG_AUDIT_AUTH_SYSTEM);
    CHECK_STR(str(o, "subtype.0.code"), "signin-failed");
    CHECK_STR(str(o, "outcome"), "4");
    CHECK(cJSON_GetObjectItem(o, "meta") &&
          !cJSON_GetObjectItem(cJSON_GetObjectItem(o, "meta"), "profile"));
    CHECK_STR(str(o, "agent.1.who.display"), "unauthenticated client");
    cJSON_Delete(o);
}

static void test_consent(void)
{
    struct smart_grant g;
    memset(&g, 0, sizeof g);
    snprintf(g.id, sizeof g.id, "ab_cd-ef");
    snprintf(g.client_id, sizeof g.client_id, "app-1");
    snprintf(g.patient_id, sizeof g.patient_id, "amy");
    g.scopes = (char *)"patient/*.rs";
    g.granted_at = 1800000000;
    cJSON *o = NULL;
    CHECK_INT(fg_consent_resource_build(&g, "Step Counter", "amyshaw", 1800000100, &o), FG_OK);
    CHECK_STR(str(o, "id"), "ab.cd-ef");
    CHECK_STR(str(o, "status"), "active");
    CHECK_STR(str(o, "meta.versionId"), "1");
    CHECK_STR(str(o, "patient.reference"), "Patient/amy");
    CHECK_STR(str(o, "provision.actor.0.reference.identifier.value"), "app-1");
    CHECK_STR(str(o, "provision.actor.0.reference.display"), "Step Counter");
    CHECK_STR(str(o, "performer.0.display"), "amyshaw");
    CHECK_STR(str(o, "extension.0.valueString"), "patient/*.rs");
    CHECK(str(o, "provision.period.end") == NULL);
    cJSON_Delete(o);
    g.revoked_at = 1800000050;
    CHECK_INT(fg_consent_resource_build(&g, NULL, NULL, 1800000100, &o), FG_OK);
    CHECK_STR(str(o, "status"), "inactive");
    CHECK_STR(str(o, "meta.versionId"), "2");
    CHECK_STR(str(o, "provision.period.end"), "2027-01-15T08:00:50.000Z");
    CHECK_STR(str(o, "provision.actor.0.reference.display"), "app-1");
    cJSON_Delete(o);
    g.revoked_at = 0;
    g.expires_at = 1800000090; /* expired at now */
    CHECK_INT(fg_consent_resource_build(&g, NULL, NULL, 1800000100, &o), FG_OK);
    CHECK_STR(str(o, "status"), "inactive");
    cJSON_Delete(o);
    char id[32], back[32];
    fg_consent_id_from_grant("a_b_c", id, sizeof id);
    CHECK_STR(id, "a.b.c");
    fg_grant_id_from_consent(fg_str_c(id), back, sizeof back);
    CHECK_STR(back, "a_b_c");
}

TEST_MAIN(test_auditevent_rest, test_auditevent_auth, test_consent)
