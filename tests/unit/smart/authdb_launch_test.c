/* authdb_launch_test.c - EHR launch contexts: what a launch may hold, single
 * use, expiry, another client's launch, malformed ids; the grant's encounter
 * and the practitioner account reaching the token lookup; the further
 * context (fhirContext) from launch to token lookup; the v4 → v5 and v5 → v6
 * migrations keeping existing rows. */
#include "../test.h"

#include <string.h>

#include "authdb_env.h"
#include "smart/authdb_accounts.h"
#include "smart/authdb_launch.h"

static void fill(struct smart_launch *l, const char *client, int64_t account, const char *patient,
                 const char *encounter)
{
    memset(l, 0, sizeof *l);
    snprintf(l->client_id, sizeof l->client_id, "%s", client);
    l->account_id = account;
    snprintf(l->patient_id, sizeof l->patient_id, "%s", patient);
    snprintf(l->encounter_id, sizeof l->encounter_id, "%s", encounter);
}

static void test_create_checks(void)
{
    static const struct {
        const char *client;
        int64_t account;
        const char *patient, *encounter;
        enum fg_status st;
    } rows[] = {
        {"app", 7, "amy", "enc-1", FG_OK},
        {"app", 7, "amy", "", FG_OK},
        {"app", 7, "", "", FG_OK},          /* a practitioner's launch without a patient */
        {"", 7, "amy", "", FG_EINVAL},      /* no client */
        {"app", 0, "amy", "", FG_EINVAL},   /* no user */
        {"app", -1, "amy", "", FG_EINVAL},
        {"app", 7, "", "enc-1", FG_EINVAL}, /* an encounter needs its patient */
        {"app", 7, "am y", "", FG_EINVAL},  /* not FHIR ids */
        {"app", 7, "amy", "enc/1", FG_EINVAL},
    };
    struct env e;
    env_open(&e);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct smart_launch l;
        char id[SMART_TOKEN_SIZE] = "";
        fill(&l, rows[i].client, rows[i].account, rows[i].patient, rows[i].encounter);
        CHECK_INT(smart_authdb_launch_create(e.db, &l, id), rows[i].st);
        if (rows[i].st == FG_OK) {
            CHECK(smart_token_is_wellformed(fg_str_c(id)));
            CHECK(l.created_at == T0 && l.expires_at == T0 + SMART_LAUNCH_LIFETIME_S);
        }
    }
    env_close(&e);
}

static void test_consume(void)
{
    struct env e;
    env_open(&e);
    struct smart_launch l, out;
    char id[SMART_TOKEN_SIZE], id2[SMART_TOKEN_SIZE];
    fill(&l, "app", 7, "amy", "enc-1");
    CHECK_INT(smart_authdb_launch_create(e.db, &l, id), FG_OK);
    CHECK_INT(smart_authdb_launch_create(e.db, &l, id2), FG_OK);
    CHECK(strcmp(id, id2) != 0);
    /* another client's: refused and left for its own client */
    CHECK_INT(smart_authdb_launch_consume(e.db, fg_str_c(id), fg_str_c("other"), &out), FG_EFORBIDDEN);
    CHECK_STR(out.patient_id, "");
    CHECK_INT(smart_authdb_launch_consume(e.db, fg_str_c(id), fg_str_c("app"), &out), FG_OK);
    CHECK_STR(out.client_id, "app");
    CHECK(out.account_id == 7);
    CHECK_STR(out.patient_id, "amy");
    CHECK_STR(out.encounter_id, "enc-1");
    /* single use */
    CHECK_INT(smart_authdb_launch_consume(e.db, fg_str_c(id), fg_str_c("app"), &out), FG_ECONFLICT);
    CHECK_STR(out.client_id, "");
    /* unknown and malformed ids */
    char unknown[SMART_TOKEN_SIZE];
    CHECK_INT(smart_token_new(unknown), FG_OK);
    CHECK_INT(smart_authdb_launch_consume(e.db, fg_str_c(unknown), fg_str_c("app"), &out), FG_ENOTFOUND);
    CHECK_INT(smart_authdb_launch_consume(e.db, fg_str_c("not a launch"), fg_str_c("app"), &out),
              FG_ENOTFOUND);
    CHECK_INT(smart_authdb_launch_consume(e.db, FG_STR_NULL, fg_str_c("app"), &out), FG_ENOTFOUND);
    /* expiry: usable until the last second, gone after */
    set_now(&e, T0 + SMART_LAUNCH_LIFETIME_S);
    CHECK_INT(smart_authdb_launch_consume(e.db, fg_str_c(id2), fg_str_c("app"), &out), FG_EGONE);
    set_now(&e, T0 + SMART_LAUNCH_LIFETIME_S - 1);
    CHECK_INT(smart_authdb_launch_consume(e.db, fg_str_c(id2), fg_str_c("app"), &out), FG_OK);
    /* purged a day after expiry */
    set_now(&e, T0 + SMART_LAUNCH_LIFETIME_S + 86400);
    int64_t n = 0;
    CHECK_INT(smart_authdb_purge(e.db, &n), FG_OK);
    CHECK(n >= 2);
    CHECK_INT(smart_authdb_launch_consume(e.db, fg_str_c(id), fg_str_c("app"), &out), FG_ENOTFOUND);
    env_close(&e);
}

/* The practitioner account and the grant's encounter reach the token lookup. */
static void test_fhir_context_ok(void)
{
    static const struct {
        const char *s;
        bool ok;
    } rows[] = {
        {"", true},
        {"ServiceRequest/sr-1", true},
        {"ServiceRequest/sr-1 DiagnosticReport/dr.2 Location/loc-1 Task/t1", true},
        {"ServiceRequest/sr-1 DiagnosticReport/d1 Location/l1 Task/t1 Goal/g1", false}, /* 5 */
        {"ServiceRequest/sr-1 ServiceRequest/sr-1", false}, /* a repeat */
        {"Patient/amy", false},                             /* goes in `patient` */
        {"Encounter/enc-1", false},                         /* goes in `encounter` */
        {"serviceRequest/sr-1", false},                     /* not a type name */
        {"Service-Request/sr-1", false},
        {"ServiceRequest/", false},
        {"/sr-1", false},
        {"ServiceRequest/sr 1", false},
        {"ServiceRequest/sr_1", false}, /* not a FHIR id */
        {"ServiceRequest/sr-1 ", false}, /* trailing space */
        {" ServiceRequest/sr-1", false},
        {"ServiceRequest/sr-1  Task/t1", false},
        {"http://x.example/fhir/ServiceRequest/sr-1", false}, /* relative only */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        if (smart_fhir_context_ok(rows[i].s) != rows[i].ok)
            fprintf(stderr, "row %zu: \"%s\"\n", i, rows[i].s);
        CHECK(smart_fhir_context_ok(rows[i].s) == rows[i].ok);
    }
    /* the launch refuses a bad one, keeps a good one for its consumer */
    struct env e;
    env_open(&e);
    struct smart_launch l, got;
    char lid[SMART_TOKEN_SIZE];
    fill(&l, "app", 7, "amy", "enc-1");
    snprintf(l.fhir_context, sizeof l.fhir_context, "%s", "Patient/amy");
    CHECK_INT(smart_authdb_launch_create(e.db, &l, lid), FG_EINVAL);
    snprintf(l.fhir_context, sizeof l.fhir_context, "%s", "ServiceRequest/sr-1 Task/t1");
    CHECK_INT(smart_authdb_launch_create(e.db, &l, lid), FG_OK);
    CHECK_INT(smart_authdb_launch_consume(e.db, fg_str_c(lid), fg_str_c("app"), &got), FG_OK);
    CHECK_STR(got.fhir_context, "ServiceRequest/sr-1 Task/t1");
    env_close(&e);
}

static void test_practitioner_and_encounter(void)
{
    struct env e;
    env_open(&e);
    int64_t pr = 0, pt = 0;
    CHECK_INT(smart_authdb_account_add_practitioner(e.db, fg_str_c("drruiz"), "hash",
                                                    fg_str_c("dr-ruiz"), &pr),
              FG_OK);
    CHECK_INT(smart_authdb_account_add_practitioner(e.db, fg_str_c("drbad"), "hash",
                                                    fg_str_c("dr ruiz"), NULL),
              FG_EINVAL);
    CHECK_INT(smart_authdb_account_add_practitioner(e.db, fg_str_c("DRRUIZ"), "hash",
                                                    fg_str_c("dr-2"), NULL),
              FG_ECONFLICT);
    CHECK_INT(smart_authdb_account_add(e.db, fg_str_c("amyshaw"), "hash", fg_str_c("amy"), &pt),
              FG_OK);
    struct smart_account acc;
    CHECK_INT(smart_authdb_account_get_by_id(e.db, pr, &acc), FG_OK);
    CHECK_STR(acc.practitioner_id, "dr-ruiz");
    CHECK_STR(acc.patient_id, "");
    CHECK_INT(smart_authdb_account_get(e.db, fg_str_c("amyshaw"), &acc), FG_OK);
    CHECK_STR(acc.practitioner_id, "");

    struct smart_grant g;
    memset(&g, 0, sizeof g);
    memcpy(g.client_id, "app", 4);
    memcpy(g.patient_id, "amy", 4);
    memcpy(g.encounter_id, "enc-1", 6);
    memcpy(g.fhir_context, "ServiceRequest/sr-1", 20);
    g.account_id = pr;
    g.scopes = "launch user/Patient.rs";
    CHECK_INT(smart_authdb_grant_add(e.db, &g), FG_OK);
    struct smart_grant back;
    CHECK_INT(smart_authdb_grant_get(e.db, fg_str_c(g.id), &back), FG_OK);
    CHECK_STR(back.encounter_id, "enc-1");
    CHECK_STR(back.fhir_context, "ServiceRequest/sr-1");
    smart_grant_cleanup(&back);
    char digest[SMART_DIGEST_SIZE];
    add_token(e.db, g.id, SMART_TOKEN_ACCESS, T0 + 3600, NULL, digest);
    struct smart_token_info info;
    CHECK_INT(smart_authdb_token_lookup(e.db, fg_str_c(digest), &info), FG_OK);
    CHECK(info.active);
    CHECK_STR(info.practitioner_id, "dr-ruiz");
    CHECK_STR(info.encounter_id, "enc-1");
    CHECK_STR(info.fhir_context, "ServiceRequest/sr-1");
    CHECK_STR(info.patient_id, "amy");
    CHECK_STR(info.account_patient_id, ""); /* a practitioner has no Patient of their own */
    smart_token_info_cleanup(&info);
    /* a portal account's grant: no practitioner, no encounter */
    char gid[SMART_GRANT_ID_SIZE];
    add_grant(e.db, "app", "amy", pt, gid);
    add_token(e.db, gid, SMART_TOKEN_ACCESS, T0 + 3600, NULL, digest);
    CHECK_INT(smart_authdb_token_lookup(e.db, fg_str_c(digest), &info), FG_OK);
    CHECK_STR(info.practitioner_id, "");
    CHECK_STR(info.account_patient_id, "amy");
    CHECK_STR(info.encounter_id, "");
    CHECK_STR(info.fhir_context, "");
    smart_token_info_cleanup(&info);
    env_close(&e);
}

/* A version-4 file (before the EHR launch) is migrated in place. */
static void test_migrate_v4(void)
{
    struct env e;
    env_open(&e);
    int64_t id = 0;
    CHECK_INT(smart_authdb_account_add(e.db, fg_str_c("amyshaw"), "hash", fg_str_c("amy"), &id),
              FG_OK);
    /* undo versions 5 and 6 by hand: what a version-4 file looked like */
    env_reopen_after(&e, "DROP TABLE launches; ALTER TABLE clients DROP COLUMN launch_uri;"
                         " DROP INDEX client_redirect_uris_origin;"
                         " ALTER TABLE client_redirect_uris DROP COLUMN origin;"
                         " ALTER TABLE grants DROP COLUMN fhir_context;"
                         " ALTER TABLE authz_requests DROP COLUMN fhir_context;"
                         " ALTER TABLE accounts DROP COLUMN practitioner_id;"
                         " ALTER TABLE grants DROP COLUMN encounter_id;"
                         " ALTER TABLE authz_requests DROP COLUMN encounter_id;"
                         " ALTER TABLE authz_requests DROP COLUMN launch_account;"
                         " PRAGMA user_version = 4;");
    struct smart_account acc;
    CHECK_INT(smart_authdb_account_get_by_id(e.db, id, &acc), FG_OK);
    CHECK_STR(acc.patient_id, "amy");
    CHECK_STR(acc.practitioner_id, "");
    struct smart_launch l;
    char lid[SMART_TOKEN_SIZE];
    fill(&l, "app", id, "amy", "");
    CHECK_INT(smart_authdb_launch_create(e.db, &l, lid), FG_OK);
    env_close(&e);
}

/* A version-5 file (before fhirContext) gets the three columns, rows kept. */
static void test_migrate_v5(void)
{
    struct env e;
    env_open(&e);
    int64_t id = 0;
    CHECK_INT(smart_authdb_account_add(e.db, fg_str_c("amyshaw"), "hash", fg_str_c("amy"), &id),
              FG_OK);
    char gid[SMART_GRANT_ID_SIZE];
    add_grant(e.db, "app", "amy", id, gid);
    env_reopen_after(&e, "ALTER TABLE launches DROP COLUMN fhir_context;"
                         " DROP INDEX client_redirect_uris_origin;"
                         " ALTER TABLE client_redirect_uris DROP COLUMN origin;"
                         " ALTER TABLE authz_requests DROP COLUMN fhir_context;"
                         " ALTER TABLE grants DROP COLUMN fhir_context; PRAGMA user_version = 5;");
    struct smart_grant g;
    CHECK_INT(smart_authdb_grant_get(e.db, fg_str_c(gid), &g), FG_OK);
    CHECK_STR(g.patient_id, "amy");
    CHECK_STR(g.fhir_context, "");
    smart_grant_cleanup(&g);
    struct smart_launch l, got;
    char lid[SMART_TOKEN_SIZE];
    fill(&l, "app", id, "amy", "");
    snprintf(l.fhir_context, sizeof l.fhir_context, "%s", "Task/t1");
    CHECK_INT(smart_authdb_launch_create(e.db, &l, lid), FG_OK);
    CHECK_INT(smart_authdb_launch_consume(e.db, fg_str_c(lid), fg_str_c("app"), &got), FG_OK);
    CHECK_STR(got.fhir_context, "Task/t1");
    env_close(&e);
}

TEST_MAIN(test_create_checks, test_consume, test_fhir_context_ok, test_practitioner_and_encounter,
          test_migrate_v4, test_migrate_v5)
