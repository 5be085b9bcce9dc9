/* portal_rule_test.c - the portal rule's hooks with a fake source: the view
 * is re-derived on each prepare from the clock, hidden resources, narrowed
 * searches, refused writes. */
#include "../test.h"

#include "core/fg_pool.h"
#include "smart/portal_rule.h"

#define ACCOUNT 7

/* The fake source: Daniel (own record "daniel") is the parent of max
 * (born 2011-05-07) and of owen (born 2008-11-23); amy has no proxy. */
struct fake {
    int facts_calls;
    bool fail;
};

static enum fg_status fake_facts(void *arg, int64_t account_id, struct smart_portal_facts *out)
{
    struct fake *f = arg;
    f->facts_calls++;
    memset(out, 0, sizeof *out);
    if (f->fail)
        return FG_EIO;
    if (account_id != ACCOUNT)
        return FG_ENOTFOUND;
    memcpy(out->own_patient, "daniel", 7);
    out->n_proxies = 2;
    memcpy(out->proxies[0].patient_id, "max", 4);
    memcpy(out->proxies[1].patient_id, "owen", 5);
    return FG_OK;
}

static enum fg_status fake_birth(void *arg, struct fg_pool *pool, struct fg_str patient,
                                 struct fg_str *out)
{
    (void)arg;
    (void)pool;
    *out = fg_str_eq_c(patient, "max")    ? fg_str_c("2011-05-07")
           : fg_str_eq_c(patient, "owen") ? fg_str_c("2008-11-23")
           : fg_str_eq_c(patient, "daniel") ? fg_str_c("1985-06-26")
                                            : fg_str_c("");
    return FG_OK;
}

struct env {
    struct fake fake;
    struct fg_clock clock;
    struct smart_portal_rule_cfg cfg;
    struct smart_policy_rule rule;
    struct smart_access a;
    struct fg_pool *pool;
    void *state;
};

static void env_init(struct env *e, const char *now)
{
    memset(e, 0, sizeof *e);
    CHECK_INT(fg_clock_pin(&e->clock, fg_str_c(now)), FG_OK);
    smart_portal_settings_default(&e->cfg.settings);
    e->cfg.clock = &e->clock;
    e->cfg.source = (struct smart_portal_source){fake_facts, fake_birth, &e->fake};
    smart_portal_rule(&e->cfg, &e->rule);
    smart_access_init(&e->a);
    e->pool = fg_pool_new();
}

static void env_cleanup(struct env *e)
{
    smart_access_cleanup(&e->a);
    fg_pool_free(&e->pool);
}

/* Sets the access (account, launch patient) and runs prepare. */
static enum fg_status prepare(struct env *e, int64_t account, const char *patient)
{
    struct fg_error err;
    fg_error_clear(&err);
    smart_access_cleanup(&e->a);
    smart_access_init(&e->a);
    CHECK_INT(smart_access_set(&e->a, fg_str_c("app"), account, fg_str_c(""), fg_str_c(patient),
                               fg_str_c("g1"), fg_str_c("patient/*.rs"), 0, &err),
              FG_OK);
    e->state = NULL;
    return e->rule.prepare(e->rule.arg, &e->a, e->pool, &e->state, &err);
}

/* visible() of a resource of patient's compartment, as JSON text. */
static bool visible(struct env *e, const char *patient, const char *json)
{
    struct fg_str comp = fg_str_c(patient);
    struct fhir_resource res = {.json = fg_str_c(json), .compartment = &comp, .n_compartment = 1};
    struct smart_policy_item it;
    bool v = true;
    smart_policy_item_init(&it, &res, NULL);
    CHECK_INT(e->rule.visible(e->rule.arg, &e->a, e->state, 'r', &it, &v), FG_OK);
    smart_policy_item_cleanup(&it);
    return v;
}

static const char cond[] = "{\"resourceType\":\"Condition\",\"id\":\"c\"}";
static const char imm[] = "{\"resourceType\":\"Immunization\",\"id\":\"i\"}";

static void test_views_follow_the_clock(void)
{
    static const struct {
        const char *now, *patient;
        enum fg_status prepare;
        bool cond_visible, imm_visible;
    } rows[] = {
        {"2026-11-22T23:59:59Z", "owen", FG_OK, false, true},  /* 17: limited */
        {"2026-11-23T00:00:00Z", "owen", FG_EFORBIDDEN, false, false}, /* 18: ended */
        {"2026-11-23", "max", FG_OK, false, true},
        {"2026-11-23", "daniel", FG_OK, true, true},
        {"2026-11-23", "amy", FG_EFORBIDDEN, false, false},     /* no relation */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct env e;
        env_init(&e, rows[i].now);
        CHECK_INT(prepare(&e, ACCOUNT, rows[i].patient), rows[i].prepare);
        if (rows[i].prepare == FG_OK) {
            CHECK(visible(&e, rows[i].patient, cond) == rows[i].cond_visible);
            CHECK(visible(&e, rows[i].patient, imm) == rows[i].imm_visible);
            /* resources of no reached compartment are the core's business */
            CHECK(visible(&e, "someone-else", cond));
        }
        CHECK_INT(e.fake.facts_calls, 1); /* derived afresh on each prepare */
        env_cleanup(&e);
    }
}

/* A delete marker (history) of a limited view's patient stays hidden: its content is unknown. */
static void test_delete_markers(void)
{
    static const struct {
        const char *patient;
        bool shown;
    } rows[] = {{"max", false}, {"daniel", true}};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct env e;
        env_init(&e, "2026-11-23");
        CHECK_INT(prepare(&e, ACCOUNT, rows[i].patient), FG_OK);
        struct fg_str comp = fg_str_c(rows[i].patient);
        struct fhir_resource res = {.type = fg_str_c("Condition"), .id = fg_str_c("c"),
                                    .deleted = true, .compartment = &comp, .n_compartment = 1};
        struct smart_policy_item it;
        bool v = true;
        smart_policy_item_init(&it, &res, NULL);
        CHECK_INT(e.rule.visible(e.rule.arg, &e.a, e.state, 'r', &it, &v), FG_OK);
        CHECK(v == rows[i].shown);
        smart_policy_item_cleanup(&it);
        env_cleanup(&e);
    }
}

static void test_non_portal_accesses(void)
{
    struct env e;
    env_init(&e, "2026-11-23");
    struct smart_policy pol;
    smart_policy_init(&pol);
    CHECK_INT(smart_policy_add_rule(&pol, &e.rule), FG_OK);
    CHECK_INT(prepare(&e, 0, "owen"), FG_OK); /* operator-issued patient token */
    CHECK(e.state == NULL);
    CHECK_INT(e.fake.facts_calls, 0);
    e.a.rule_state[0] = e.state;
    CHECK(!smart_policy_rules_active(&pol, &e.a)); /* counts stay exact */
    CHECK_INT(prepare(&e, ACCOUNT, "max"), FG_OK);
    e.a.rule_state[0] = e.state;
    CHECK(smart_policy_rules_active(&pol, &e.a));
    CHECK_INT(prepare(&e, 99, "max"), FG_EFORBIDDEN); /* the account was deleted */
    e.fake.fail = true;
    CHECK_INT(prepare(&e, ACCOUNT, "max"), FG_EIO);
    env_cleanup(&e);
}

static void test_user_patients_dropped(void)
{
    struct env e;
    env_init(&e, "2026-11-23");
    struct fg_error err;
    fg_error_clear(&err);
    CHECK_INT(smart_access_set(&e.a, fg_str_c("app"), ACCOUNT, fg_str_c("danielshaw"), fg_str_c(""),
                               fg_str_c("g1"), fg_str_c("user/*.rs"), 0, &err),
              FG_OK);
    CHECK_INT(smart_access_add_user_patient(&e.a, fg_str_c("daniel")), FG_OK);
    CHECK_INT(smart_access_add_user_patient(&e.a, fg_str_c("max")), FG_OK);
    CHECK_INT(smart_access_add_user_patient(&e.a, fg_str_c("owen")), FG_OK);
    CHECK_INT(e.rule.prepare(e.rule.arg, &e.a, e.pool, &e.state, &err), FG_OK);
    CHECK_INT(e.a.n_user_patients, 2);
    CHECK(fg_str_eq_c(e.a.user_patients[0], "daniel") && fg_str_eq_c(e.a.user_patients[1], "max"));
    CHECK(!visible(&e, "max", cond));
    CHECK(visible(&e, "daniel", cond));
    env_cleanup(&e);
}

/* The policy parameters narrow() added to a search on type confined (as
 * the core does) to the comma-separated patients ("" = not confined), as
 * "name;name:not;..." */
static void narrowed(struct env *e, const char *type, const char *confined, char *out,
                     size_t size, bool *exact)
{
    struct fhir_query q;
    struct fg_error err;
    struct fg_str ids[4], rest = fg_str_c(confined);
    size_t n_ids = 0;
    fg_error_clear(&err);
    CHECK_INT(fhir_search_parse(e->pool, fg_str_c(type), fg_str_c("http://x/fhir"), NULL, 0,
                                FHIR_HANDLING_STRICT, &q, &err),
              FG_OK);
    while (rest.len && n_ids < 4)
        fg_str_split(rest, ',', &ids[n_ids++], &rest);
    if (n_ids)
        CHECK_INT(fhir_query_restrict_compartment(e->pool, &q, ids, n_ids), FG_OK);
    *exact = true;
    CHECK_INT(e->rule.narrow(e->rule.arg, &e->a, e->state, e->pool, &q, exact, &err), FG_OK);
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = 0; i < q.n_params; i++) {
        int k = snprintf(out + n, size - n, "%.*s%s;", (int)q.params[i].name.len,
                         q.params[i].name.ptr, q.params[i].modifier == FHIR_MOD_NOT ? ":not" : "");
        CHECK(k > 0 && (size_t)k < size - n);
        n += (size_t)k;
    }
}

static void test_narrowing(void)
{
    static const struct {
        const char *patient, *type, *confined, *params;
        bool exact;
    } rows[] = {
        {"max", "Observation", "max", "_security:not;code;", false},
        {"max", "Encounter", "max", "_security:not;status;", true},
        {"max", "Immunization", "max", "_security:not;", true},
        {"max", "Condition", "max", "_security:not;_lastUpdated;", true},
        {"max", "Practitioner", "", "", true},
        {"daniel", "Condition", "daniel", "", true},
        {"daniel", "DocumentReference", "daniel", "", false},
        {"daniel", "DiagnosticReport", "daniel", "", false},
        /* a search the core did not confine, or confined to patients of other views */
        {"daniel", "Condition", "", "", false},
        {"daniel", "Condition", "daniel,max", "", false},
        {"daniel", "Condition", "amy", "", false},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct env e;
        char got[256];
        bool exact;
        env_init(&e, "2026-11-23");
        CHECK_INT(prepare(&e, ACCOUNT, rows[i].patient), FG_OK);
        if (strstr(rows[i].confined, "max") && strcmp(rows[i].patient, "max") != 0)
            CHECK_INT(smart_access_add_user_patient(&e.a, fg_str_c("max")), FG_OK);
        if (strstr(rows[i].confined, "max") && strcmp(rows[i].patient, "max") != 0)
            CHECK_INT(e.rule.prepare(e.rule.arg, &e.a, e.pool, &e.state, NULL), FG_OK);
        narrowed(&e, rows[i].type, rows[i].confined, got, sizeof got, &exact);
        CHECK_STR(got, rows[i].params);
        if (exact != rows[i].exact)
            fprintf(stderr, "  row %zu: exact %d\n", i, exact);
        CHECK(exact == rows[i].exact);
        env_cleanup(&e);
    }
}

static void test_writes(void)
{
    struct env e;
    struct fg_error err;
    env_init(&e, "2026-11-23");
    CHECK_INT(prepare(&e, ACCOUNT, "max"), FG_OK);
    cJSON *c = cJSON_Parse(cond), *i = cJSON_Parse(imm);
    cJSON *conf = cJSON_Parse("{\"resourceType\":\"Immunization\",\"meta\":{\"security\":[{"
                              "\"code\":\"R\"}]}}");
    fg_error_clear(&err);
    CHECK_INT(e.rule.check_write(e.rule.arg, &e.a, e.state, 'c', fg_str_c("Condition"), c, &err),
              FG_EFORBIDDEN);
    fg_error_clear(&err);
    CHECK_INT(e.rule.check_write(e.rule.arg, &e.a, e.state, 'c', fg_str_c("Immunization"), conf,
                                 &err),
              FG_EFORBIDDEN);
    CHECK_INT(e.rule.check_write(e.rule.arg, &e.a, e.state, 'c', fg_str_c("Immunization"), i, &err),
              FG_OK);
    CHECK_INT(prepare(&e, ACCOUNT, "daniel"), FG_OK);
    CHECK_INT(e.rule.check_write(e.rule.arg, &e.a, e.state, 'c', fg_str_c("Condition"), c, &err),
              FG_OK);
    cJSON_Delete(c);
    cJSON_Delete(i);
    cJSON_Delete(conf);
    env_cleanup(&e);
}

TEST_MAIN(test_views_follow_the_clock, test_delete_markers, test_non_portal_accesses, test_user_patients_dropped,
          test_narrowing, test_writes)
