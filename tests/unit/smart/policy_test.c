/* policy_test.c - the authorization policy: grants by context, type classes,
 * search narrowing, visibility (compartment, granular categories,
 * Provenance through its targets, Binary through its securityContext),
 * write checks and the rule hooks. */
#include "../test.h"

#include "core/fg_pool.h"
#include "smart/policy.h"

#define VITALS "http://terminology.hl7.org/CodeSystem/observation-category|vital-signs"
#define OBS_CAT "http://terminology.hl7.org/CodeSystem/observation-category"

/* ---- fixtures: a tiny in-memory store for the lookup ---- */

struct mem_res {
    const char *type, *id, *json;
    const char *patient; /* compartment ("" none) */
};

static const struct mem_res store_rows[] = {
    {"Patient", "amy", "{\"resourceType\":\"Patient\",\"id\":\"amy\"}", "amy"},
    {"Patient", "dan", "{\"resourceType\":\"Patient\",\"id\":\"dan\"}", "dan"},
    {"Observation", "amy-vs",
     "{\"resourceType\":\"Observation\",\"id\":\"amy-vs\",\"subject\":{\"reference\":"
     "\"Patient/amy\"},\"category\":[{\"coding\":[{\"system\":\"" OBS_CAT
     "\",\"code\":\"vital-signs\"}]}]}",
     "amy"},
    {"Observation", "amy-lab",
     "{\"resourceType\":\"Observation\",\"id\":\"amy-lab\",\"subject\":{\"reference\":"
     "\"Patient/amy\"},\"category\":[{\"coding\":[{\"system\":\"" OBS_CAT
     "\",\"code\":\"laboratory\"}]}]}",
     "amy"},
    {"Observation", "dan-vs",
     "{\"resourceType\":\"Observation\",\"id\":\"dan-vs\",\"subject\":{\"reference\":"
     "\"Patient/dan\"},\"category\":[{\"coding\":[{\"system\":\"" OBS_CAT
     "\",\"code\":\"vital-signs\"}]}]}",
     "dan"},
    {"DocumentReference", "amy-note",
     "{\"resourceType\":\"DocumentReference\",\"id\":\"amy-note\",\"subject\":{\"reference\":"
     "\"Patient/amy\"}}",
     "amy"},
    {"Practitioner", "doc", "{\"resourceType\":\"Practitioner\",\"id\":\"doc\"}", ""},
    {"Provenance", "p-amy",
     "{\"resourceType\":\"Provenance\",\"id\":\"p-amy\",\"target\":[{\"reference\":"
     "\"Observation/amy-vs\"},{\"reference\":\"Observation/amy-lab\"}]}",
     ""},
    {"Provenance", "p-mixed",
     "{\"resourceType\":\"Provenance\",\"id\":\"p-mixed\",\"target\":[{\"reference\":"
     "\"Observation/amy-vs\"},{\"reference\":\"Observation/dan-vs\"}]}",
     ""},
    {"Provenance", "p-none", "{\"resourceType\":\"Provenance\",\"id\":\"p-none\"}", ""},
    {"Binary", "bin-amy",
     "{\"resourceType\":\"Binary\",\"id\":\"bin-amy\",\"securityContext\":{\"reference\":"
     "\"DocumentReference/amy-note\"}}",
     ""},
    {"Binary", "bin-free", "{\"resourceType\":\"Binary\",\"id\":\"bin-free\"}", ""},
    {"Device", "amy-dev",
     "{\"resourceType\":\"Device\",\"id\":\"amy-dev\",\"patient\":{\"reference\":"
     "\"Patient/amy\"}}",
     ""},
    {"Device", "dan-dev",
     "{\"resourceType\":\"Device\",\"id\":\"dan-dev\",\"patient\":{\"reference\":"
     "\"Patient/dan\"}}",
     ""},
    {"Library", "g", "{\"resourceType\":\"Library\",\"id\":\"g\"}", ""},
};
#define N_ROWS (sizeof store_rows / sizeof store_rows[0])

static void fill(struct fg_pool *pool, const struct mem_res *m, struct fhir_resource *out)
{
    memset(out, 0, sizeof *out);
    out->type = fg_str_c(m->type);
    out->id = fg_str_c(m->id);
    out->version = 1;
    out->json = fg_str_c(m->json);
    if (m->patient[0]) {
        out->compartment = fg_pool_alloc(pool, sizeof *out->compartment);
        out->compartment[0] = fg_str_c(m->patient);
        out->n_compartment = 1;
    }
}

static const struct mem_res *find_row(const char *type, const char *id)
{
    for (size_t i = 0; i < N_ROWS; i++)
        if (strcmp(store_rows[i].type, type) == 0 && strcmp(store_rows[i].id, id) == 0)
            return &store_rows[i];
    return NULL;
}

static enum fg_status mem_read(void *arg, struct fg_pool *pool, struct fg_str type, struct fg_str id,
                               struct fhir_resource *out)
{
    int *reads = arg;
    (*reads)++;
    for (size_t i = 0; i < N_ROWS; i++)
        if (fg_str_eq_c(type, store_rows[i].type) && fg_str_eq_c(id, store_rows[i].id)) {
            fill(pool, &store_rows[i], out);
            return FG_OK;
        }
    return FG_ENOTFOUND;
}

/* An access for a token: patient "" = none, account 0 = none. */
static void make_access(struct smart_access *a, const char *scopes, const char *patient,
                        int64_t account)
{
    struct fg_error err;
    fg_error_clear(&err);
    smart_access_init(a);
    enum fg_status st = smart_access_set(a, fg_str_c("app"), account, fg_str_c(""),
                                         fg_str_c(patient), fg_str_c("g1"), fg_str_c(scopes), 0,
                                         &err);
    if (st != FG_OK)
        fprintf(stderr, "  access(%s): %s\n", scopes, err.diagnostics);
    CHECK_INT(st, FG_OK);
}

/* ---- tests ---- */

static void test_access_kind_and_accessors(void)
{
    static const struct {
        const char *patient;
        int64_t account;
        enum smart_access_kind kind;
    } rows[] = {
        {"amy", 7, SMART_ACCESS_PATIENT},
        {"amy", 0, SMART_ACCESS_PATIENT},
        {"", 7, SMART_ACCESS_USER},
        {"", 0, SMART_ACCESS_SYSTEM},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct smart_access a;
        make_access(&a, "patient/*.rs", rows[i].patient, rows[i].account);
        CHECK_INT(smart_access_kind(&a), rows[i].kind);
        CHECK_STR(smart_access_patient_id(&a), rows[i].patient);
        CHECK_STR(smart_access_client_id(&a), "app");
        CHECK_STR(smart_access_grant_id(&a), "g1");
        CHECK_INT(smart_access_account_id(&a), rows[i].account);
        CHECK_INT(smart_access_scopes(&a)->n, 1);
        smart_access_cleanup(&a);
    }
    CHECK_STR(smart_access_patient_id(NULL), "");
    struct smart_access bad;
    smart_access_init(&bad);
    struct fg_error err;
    fg_error_clear(&err);
    CHECK_INT(smart_access_set(&bad, fg_str_c("app"), 0, FG_STR_NULL, fg_str_c("a b"), FG_STR_NULL,
                               fg_str_c("patient/*.rs"), 0, &err),
              FG_EINVAL);
    CHECK_INT(smart_access_set(&bad, fg_str_c("app"), 0, FG_STR_NULL, fg_str_c("amy"), FG_STR_NULL,
                               fg_str_c("patient/Observation.xyz"), 0, &err),
              FG_EINVAL);
    CHECK_INT(bad.scopes.n, 0);
    smart_access_cleanup(&bad);
}

static void test_type_classes(void)
{
    static const struct {
        const char *type;
        enum smart_type_class cls;
    } rows[] = {
        {"Observation", SMART_TYPE_COMPARTMENT}, {"Patient", SMART_TYPE_COMPARTMENT},
        {"Encounter", SMART_TYPE_COMPARTMENT},   {"Coverage", SMART_TYPE_COMPARTMENT},
        {"Practitioner", SMART_TYPE_SHARED},     {"Organization", SMART_TYPE_SHARED},
        {"Medication", SMART_TYPE_SHARED},       {"Location", SMART_TYPE_SHARED},
        {"Provenance", SMART_TYPE_PROVENANCE},   {"Binary", SMART_TYPE_BINARY},
        {"Device", SMART_TYPE_PATIENT_REF},      {"Library", SMART_TYPE_OTHER}, {"Group", SMART_TYPE_COMPARTMENT},
        {"Bundle", SMART_TYPE_OTHER},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        if (smart_policy_type_class(fg_str_c(rows[i].type)) != rows[i].cls)
            fprintf(stderr, "  type %s\n", rows[i].type);
        CHECK_INT(smart_policy_type_class(fg_str_c(rows[i].type)), rows[i].cls);
    }
}

static void test_authorize_table(void)
{
    static const struct {
        const char *scopes, *patient;
        int64_t account;
        char letter;
        const char *type;
        enum fg_status want;
    } rows[] = {
        {"patient/Observation.rs", "amy", 0, 'r', "Observation", FG_OK},
        {"patient/Observation.rs", "amy", 0, 's', "Observation", FG_OK},
        {"patient/Observation.rs", "amy", 0, 'c', "Observation", FG_EFORBIDDEN},
        {"patient/Observation.rs", "amy", 0, 'r', "Condition", FG_EFORBIDDEN},
        {"patient/Observation.read", "amy", 0, 's', "Observation", FG_OK},
        {"patient/Observation.write", "amy", 0, 'u', "Observation", FG_OK},
        {"patient/Observation.write", "amy", 0, 'r', "Observation", FG_EFORBIDDEN},
        {"patient/*.rs", "amy", 0, 'r', "Condition", FG_OK},
        {"patient/*.rs", "", 0, 'r', "Condition", FG_EFORBIDDEN},  /* no launch patient */
        {"patient/*.rs", "amy", 0, 'r', "Library", FG_EFORBIDDEN},   /* not confinable */
        {"system/*.rs", "", 0, 'r', "Library", FG_OK},
        {"user/*.rs", "", 7, 'r', "Condition", FG_EFORBIDDEN},     /* user reaches no one */
        {"patient/*.rs", "amy", 0, 's', "", FG_OK},                /* system history */
        {"patient/Observation.rs", "amy", 0, 's', "", FG_EFORBIDDEN},
        {"patient/Observation.rs?category=" VITALS, "amy", 0, 'r', "Observation", FG_OK},
        {"launch/patient openid", "amy", 0, 'r', "Patient", FG_EFORBIDDEN},
        {"", "", 0, 'r', "Patient", FG_EFORBIDDEN},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct smart_access a;
        struct fg_error err;
        fg_error_clear(&err);
        make_access(&a, rows[i].scopes, rows[i].patient, rows[i].account);
        enum fg_status st = smart_policy_authorize(&a, rows[i].letter, fg_str_c(rows[i].type), NULL,
                                                   &err);
        if (st != rows[i].want)
            fprintf(stderr, "  row %zu: %s %c %s\n", i, rows[i].scopes, rows[i].letter,
                    rows[i].type);
        CHECK_INT(st, rows[i].want);
        if (st == FG_EFORBIDDEN)
            CHECK(err.diagnostics[0] != '\0');
        smart_access_cleanup(&a);
    }
}

static void test_widest_context_decides(void)
{
    struct smart_access a;
    struct smart_policy_grant g;
    make_access(&a, "patient/Observation.rs system/Observation.rs", "amy", 0);
    CHECK_INT(smart_policy_authorize(&a, 'r', fg_str_c("Observation"), &g, NULL), FG_OK);
    CHECK(g.everywhere);
    smart_access_cleanup(&a);

    make_access(&a, "user/Observation.rs patient/Observation.rs", "amy", 7);
    CHECK_INT(smart_access_add_user_patient(&a, fg_str_c("lily")), FG_OK);
    CHECK_INT(smart_access_add_user_patient(&a, fg_str_c("lily")), FG_OK);
    CHECK_INT(a.n_user_patients, 1);
    CHECK_INT(smart_policy_authorize(&a, 'r', fg_str_c("Observation"), &g, NULL), FG_OK);
    CHECK(!g.everywhere);
    CHECK_INT(g.ctx, SMART_CTX_USER);
    CHECK_INT(g.n_patients, 1);
    CHECK_SLICE(g.patients[0], "lily");
    smart_access_cleanup(&a);
}

/* For $everything: which types a token lets it search, and whose record. */
static void test_type_reach(void)
{
    static const struct {
        const char *scopes, *patient, *type, *asked;
        bool granted, reached;
    } rows[] = {
        {"patient/*.rs", "amy", "Observation", "amy", true, true},
        {"patient/*.rs", "amy", "Observation", "daniel", true, false},
        {"patient/*.rs", "amy", "Device", "daniel", true, false},
        {"patient/*.rs", "amy", "Observation", "", true, true},
        {"patient/Observation.rs", "amy", "Condition", "amy", false, false},
        {"patient/Observation.r", "amy", "Observation", "amy", false, false}, /* no search */
        {"patient/*.rs", "", "Observation", "amy", false, false}, /* no launch patient */
        {"system/*.rs", "", "Condition", "daniel", true, true},
        {"patient/*.rs system/Condition.rs", "amy", "Condition", "daniel", true, true},
        {"patient/*.rs", "amy", "Library", "amy", false, false}, /* outside the compartment model */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct smart_access a;
        bool granted = true, reached = true;
        make_access(&a, rows[i].scopes, rows[i].patient, 0);
        smart_policy_type_reach(&a, 's', fg_str_c(rows[i].type), fg_str_c(rows[i].asked),
                                &granted, &reached);
        CHECK_INT(granted, rows[i].granted);
        CHECK_INT(reached, rows[i].reached);
        smart_access_cleanup(&a);
    }
}

static bool visible_of(const struct smart_policy *p, const struct smart_access *a, char letter,
                       const char *type, const char *id, int *reads)
{
    struct fg_pool *pool = fg_pool_new();
    struct fhir_resource r;
    fill(pool, find_row(type, id), &r);
    struct smart_policy_lookup lk = {mem_read, reads};
    struct smart_policy_item it;
    smart_policy_item_init(&it, &r, NULL);
    bool vis = true;
    CHECK_INT(smart_policy_visible(p, a, letter, &it, &lk, pool, &vis), FG_OK);
    smart_policy_item_cleanup(&it);
    fg_pool_free(&pool);
    return vis;
}

static void test_visible_table(void)
{
    static const struct {
        const char *scopes, *patient;
        char letter;
        const char *type, *id;
        bool want;
    } rows[] = {
        /* compartment */
        {"patient/*.rs", "amy", 'r', "Observation", "amy-vs", true},
        {"patient/*.rs", "amy", 'r', "Observation", "dan-vs", false},
        {"patient/*.rs", "amy", 'r', "Patient", "dan", false},
        {"system/*.rs", "", 'r', "Observation", "dan-vs", true},
        /* granular categories */
        {"patient/Observation.rs?category=" VITALS, "amy", 'r', "Observation", "amy-vs", true},
        {"patient/Observation.rs?category=" VITALS, "amy", 'r', "Observation", "amy-lab", false},
        {"patient/Observation.rs?category=" VITALS, "amy", 's', "Observation", "amy-lab", false},
        {"patient/Observation.rs?category=vital-signs", "amy", 's', "Observation", "amy-vs", true},
        {"patient/Observation.rs?category=" OBS_CAT "|", "amy", 's', "Observation", "amy-lab", true},
        {"patient/Observation.rs?category=" VITALS " patient/Observation.rs", "amy", 'r',
         "Observation", "amy-lab", true},
        {"patient/Observation.rs?code=1234-5", "amy", 'r', "Observation", "amy-vs", false},
        {"patient/Observation.rs?date=2020", "amy", 'r', "Observation", "amy-vs", false},
        /* shared reference data */
        {"patient/*.rs", "amy", 'r', "Practitioner", "doc", true},
        {"patient/Observation.rs", "amy", 'r', "Practitioner", "doc", false},
        /* Provenance through its targets */
        {"patient/*.rs", "amy", 'r', "Provenance", "p-amy", true},
        {"patient/*.rs", "amy", 'r', "Provenance", "p-mixed", false},
        {"patient/*.rs", "amy", 'r', "Provenance", "p-none", false},
        {"patient/*.rs", "dan", 'r', "Provenance", "p-amy", false},
        {"patient/Provenance.rs patient/Observation.rs?category=" VITALS, "amy", 'r', "Provenance",
         "p-amy", false},
        {"system/Provenance.rs", "", 'r', "Provenance", "p-mixed", true},
        /* Binary through its securityContext */
        {"patient/*.rs", "amy", 'r', "Binary", "bin-amy", true},
        {"patient/*.rs", "dan", 'r', "Binary", "bin-amy", false},
        {"patient/*.rs", "amy", 'r', "Binary", "bin-free", false},
        {"patient/Binary.rs", "amy", 'r', "Binary", "bin-amy", false}, /* DocumentReference not granted */
        /* Device through its patient reference */
        {"patient/*.rs", "amy", 'r', "Device", "amy-dev", true},
        {"patient/*.rs", "amy", 'r', "Device", "dan-dev", false},
        /* included resources: r or s */
        {"patient/Observation.r", "amy", 'i', "Observation", "amy-vs", true},
        {"patient/Observation.s", "amy", 'i', "Observation", "amy-vs", true},
        {"patient/Observation.c", "amy", 'i', "Observation", "amy-vs", false},
        {"patient/Library.rs", "amy", 'r', "Library", "g", false},
    };
    struct smart_policy p;
    smart_policy_init(&p);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct smart_access a;
        int reads = 0;
        make_access(&a, rows[i].scopes, rows[i].patient, 0);
        bool got = visible_of(&p, &a, rows[i].letter, rows[i].type, rows[i].id, &reads);
        if (got != rows[i].want)
            fprintf(stderr, "  row %zu: %s [%s] %c %s/%s\n", i, rows[i].scopes, rows[i].patient,
                    rows[i].letter, rows[i].type, rows[i].id);
        CHECK_INT(got, rows[i].want);
        smart_access_cleanup(&a);
    }
}

/* The fhirUser scope: a read of the signed-in user's own Patient even when
 * the launch patient is someone else (a proxy launch); nothing more. */
static void test_fhir_user_read(void)
{
    static const struct {
        const char *scopes, *fhir_user;
        char letter;
        const char *type, *id;
        bool want;
    } rows[] = {
        {"openid fhirUser patient/Patient.rs", "dan", 'r', "Patient", "dan", true},
        {"openid fhirUser patient/*.rs", "dan", 'r', "Patient", "amy", true}, /* the launch patient */
        {"openid fhirUser patient/Patient.rs", "dan", 's', "Patient", "dan", false},
        {"openid fhirUser patient/Patient.rs", "dan", 'i', "Patient", "dan", false},
        {"openid fhirUser patient/*.rs", "dan", 'r', "Observation", "dan-vs", false},
        {"openid patient/Patient.rs", "dan", 'r', "Patient", "dan", false},  /* no fhirUser scope */
        {"openid fhirUser patient/Observation.rs", "dan", 'r', "Patient", "dan", false}, /* no Patient.r */
        {"openid fhirUser patient/Patient.s", "dan", 'r', "Patient", "dan", false},
        {"openid fhirUser patient/Patient.rs", "", 'r', "Patient", "dan", false},
        {"openid fhirUser patient/Patient.rs?gender=female", "dan", 'r', "Patient", "dan", false},
    };
    struct smart_policy p;
    smart_policy_init(&p);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct smart_access a;
        int reads = 0;
        make_access(&a, rows[i].scopes, "amy", 7);
        smart_access_set_fhir_user(&a, fg_str_c(rows[i].fhir_user));
        bool got = visible_of(&p, &a, rows[i].letter, rows[i].type, rows[i].id, &reads);
        if (got != rows[i].want)
            fprintf(stderr, "  row %zu: %s [%s] %c %s/%s\n", i, rows[i].scopes, rows[i].fhir_user,
                    rows[i].letter, rows[i].type, rows[i].id);
        CHECK_INT(got, rows[i].want);
        smart_access_cleanup(&a);
    }
}

static void test_filter_keeps_order_and_counts(void)
{
    static const char *const ids[] = {"amy-vs", "dan-vs", "amy-lab"};
    struct fg_pool *pool = fg_pool_new();
    struct fhir_resource res[3];
    for (size_t i = 0; i < 3; i++)
        fill(pool, find_row("Observation", ids[i]), &res[i]);
    struct smart_access a;
    make_access(&a, "patient/Observation.rs", "amy", 0);
    size_t n = 3, removed = 99;
    CHECK_INT(smart_policy_filter(NULL, &a, 's', res, &n, NULL, pool, &removed), FG_OK);
    CHECK_INT(n, 2);
    CHECK_INT(removed, 1);
    CHECK_SLICE(res[0].id, "amy-vs");
    CHECK_SLICE(res[1].id, "amy-lab");
    smart_access_cleanup(&a);
    fg_pool_free(&pool);
}

static void test_narrow(void)
{
    static const struct {
        const char *scopes, *patient, *type;
        enum fg_status st;
        size_t n_compartment;
        size_t n_policy_params;
        bool exact;
    } rows[] = {
        {"patient/*.rs", "amy", "Observation", FG_OK, 1, 0, true},
        {"system/*.rs", "", "Observation", FG_OK, 0, 0, true},
        {"patient/Observation.rs?category=" VITALS, "amy", "Observation", FG_OK, 1, 1, true},
        {"patient/Observation.rs?category=" VITALS " patient/Observation.rs?category=laboratory",
         "amy", "Observation", FG_OK, 1, 1, true},
        {"patient/Observation.rs?category=" VITALS "&code=1234-5", "amy", "Observation", FG_OK, 1, 0,
         false},
        {"patient/*.rs", "amy", "Practitioner", FG_OK, 0, 0, true},
        {"patient/*.rs", "amy", "Provenance", FG_OK, 0, 0, false},
        {"patient/*.rs", "amy", "Device", FG_OK, 0, 1, true},
        {"patient/Observation.r", "amy", "Observation", FG_EFORBIDDEN, 0, 0, false},
        {"patient/Condition.rs", "amy", "Observation", FG_EFORBIDDEN, 0, 0, false},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct fg_pool *pool = fg_pool_new();
        struct fhir_query q;
        struct fg_error err;
        fg_error_clear(&err);
        CHECK_INT(fhir_search_parse(pool, fg_str_c(rows[i].type), fg_str_c("http://x/fhir"), NULL,
                                    0, FHIR_HANDLING_LENIENT, &q, &err),
                  FG_OK);
        struct smart_access a;
        make_access(&a, rows[i].scopes, rows[i].patient, 0);
        bool exact = !rows[i].exact;
        enum fg_status st = smart_policy_narrow(NULL, &a, pool, &q, &exact, &err);
        if (st != rows[i].st || (st == FG_OK && exact != rows[i].exact))
            fprintf(stderr, "  row %zu: %s on %s\n", i, rows[i].scopes, rows[i].type);
        CHECK_INT(st, rows[i].st);
        if (st == FG_OK) {
            CHECK_INT(exact, rows[i].exact);
            CHECK_INT(q.n_compartment_patients, rows[i].n_compartment);
            size_t n_policy = 0;
            for (size_t k = 0; k < q.n_params; k++)
                n_policy += q.params[k].from_policy;
            CHECK_INT(n_policy, rows[i].n_policy_params);
        }
        smart_access_cleanup(&a);
        fg_pool_free(&pool);
    }
}

static cJSON *obs(const char *patient, const char *cat)
{
    char text[512];
    int n = snprintf(text, sizeof text,
                     "{\"resourceType\":\"Observation\",\"subject\":{\"reference\":\"Patient/%s\"},"
                     "\"category\":[{\"coding\":[{\"system\":\"" OBS_CAT "\",\"code\":\"%s\"}]}]}",
                     patient, cat);
    CHECK(n > 0 && (size_t)n < sizeof text);
    return cJSON_Parse(text);
}

/* A write naming the token's patient as subject but another patient as
 * performer would land in that other record: refused. */
static void test_check_write_every_patient(void)
{
    static const struct {
        const char *subject, *performer;
        enum fg_status want;
    } rows[] = {
        {"amy", "amy", FG_OK},
        {"amy", "dan", FG_EFORBIDDEN},
        {"dan", "amy", FG_EFORBIDDEN},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct fg_pool *pool = fg_pool_new();
        struct fg_error err;
        fg_error_clear(&err);
        struct smart_access a;
        make_access(&a, "patient/Observation.c", "amy", 0);
        cJSON *json = obs(rows[i].subject, "vital-signs");
        cJSON *perf = cJSON_AddArrayToObject(json, "performer");
        cJSON *ref = cJSON_CreateObject();
        char text[64];
        int n = snprintf(text, sizeof text, "Patient/%s", rows[i].performer);
        CHECK(n > 0 && (size_t)n < sizeof text);
        cJSON_AddStringToObject(ref, "reference", text);
        cJSON_AddItemToArray(perf, ref);
        CHECK_INT(smart_policy_check_write(NULL, &a, 'c', fg_str_c("Observation"), json, NULL,
                                           NULL, pool, &err),
                  rows[i].want);
        cJSON_Delete(json);
        smart_access_cleanup(&a);
        fg_pool_free(&pool);
    }
}

static void test_check_write(void)
{
    static const struct {
        const char *scopes;
        char letter;
        const char *subject, *cat; /* new content; NULL = none (delete) */
        const char *current;       /* stored Observation id, NULL = none */
        enum fg_status want;
    } rows[] = {
        {"patient/Observation.c", 'c', "amy", "vital-signs", NULL, FG_OK},
        {"patient/Observation.c", 'c', "dan", "vital-signs", NULL, FG_EFORBIDDEN},
        {"patient/Observation.rs", 'c', "amy", "vital-signs", NULL, FG_EFORBIDDEN},
        {"patient/Observation.cu?category=" VITALS, 'c', "amy", "vital-signs", NULL, FG_OK},
        {"patient/Observation.cu?category=" VITALS, 'c', "amy", "laboratory", NULL, FG_EFORBIDDEN},
        {"patient/Observation.u", 'u', "amy", "vital-signs", "amy-vs", FG_OK},
        {"patient/Observation.u", 'u', "amy", "vital-signs", "dan-vs", FG_EFORBIDDEN},
        {"patient/Observation.u", 'u', "dan", "vital-signs", "amy-vs", FG_EFORBIDDEN},
        {"patient/Observation.d", 'd', NULL, NULL, "amy-vs", FG_OK},
        {"patient/Observation.d", 'd', NULL, NULL, "dan-vs", FG_EFORBIDDEN},
        {"patient/Observation.d", 'd', NULL, NULL, NULL, FG_OK},
        {"system/Observation.cud", 'u', "dan", "vital-signs", "amy-vs", FG_OK},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct fg_pool *pool = fg_pool_new();
        struct fg_error err;
        fg_error_clear(&err);
        struct smart_access a;
        make_access(&a, rows[i].scopes, rows[i].scopes[0] == 's' ? "" : "amy", 0);
        cJSON *json = rows[i].subject ? obs(rows[i].subject, rows[i].cat) : NULL;
        struct fhir_resource cur;
        if (rows[i].current)
            fill(pool, find_row("Observation", rows[i].current), &cur);
        enum fg_status st = smart_policy_check_write(NULL, &a, rows[i].letter,
                                                     fg_str_c("Observation"), json,
                                                     rows[i].current ? &cur : NULL, NULL, pool,
                                                     &err);
        if (st != rows[i].want)
            fprintf(stderr, "  row %zu: %s %c\n", i, rows[i].scopes, rows[i].letter);
        CHECK_INT(st, rows[i].want);
        if (st == FG_EFORBIDDEN)
            CHECK(strstr(err.diagnostics, "Observation") != NULL);
        cJSON_Delete(json);
        smart_access_cleanup(&a);
        fg_pool_free(&pool);
    }
}

/* ---- rule hooks ---- */

struct hide_rule {
    const char *hidden_id; /* hide this id */
    int prepared, narrowed, asked, writes;
};

static enum fg_status r_prepare(void *arg, struct smart_access *a, struct fg_pool *pool,
                                void **state, struct fg_error *err)
{
    (void)a;
    (void)pool;
    (void)err;
    struct hide_rule *r = arg;
    r->prepared++;
    *state = r;
    return FG_OK;
}

static enum fg_status r_narrow(void *arg, const struct smart_access *a, void *state,
                               struct fg_pool *pool, struct fhir_query *q, bool *exact,
                               struct fg_error *err)
{
    (void)a;
    (void)pool;
    (void)q;
    (void)err;
    struct hide_rule *r = arg;
    CHECK(state == arg);
    r->narrowed++;
    *exact = false;
    return FG_OK;
}

static enum fg_status r_visible(void *arg, const struct smart_access *a, void *state,
                                char interaction, struct smart_policy_item *it, bool *visible)
{
    (void)a;
    (void)state;
    (void)interaction;
    struct hide_rule *r = arg;
    r->asked++;
    CHECK(smart_policy_item_json(it) != NULL);
    if (fg_str_eq_c(it->res->id, r->hidden_id))
        *visible = false;
    return FG_OK;
}

static enum fg_status r_write(void *arg, const struct smart_access *a, void *state,
                              char interaction, struct fg_str type, const cJSON *resource,
                              struct fg_error *err)
{
    (void)a;
    (void)state;
    (void)interaction;
    (void)type;
    (void)resource;
    struct hide_rule *r = arg;
    r->writes++;
    return fg_error_set(err, FG_EFORBIDDEN, NULL, "refused by the test rule");
}

static void test_rules_can_only_hide(void)
{
    struct hide_rule hr = {.hidden_id = "amy-lab"};
    struct smart_policy_rule rule = {"test", &hr, r_prepare, r_narrow, r_visible, r_write};
    struct smart_policy p;
    smart_policy_init(&p);
    CHECK_INT(smart_policy_add_rule(&p, &rule), FG_OK);
    for (size_t i = 1; i < SMART_POLICY_MAX_RULES; i++)
        CHECK_INT(smart_policy_add_rule(&p, &(struct smart_policy_rule){"noop", NULL, NULL, NULL, NULL, NULL}), FG_OK);
    CHECK_INT(smart_policy_add_rule(&p, &rule), FG_ETOOBIG);

    struct fg_pool *pool = fg_pool_new();
    struct fg_error err;
    fg_error_clear(&err);
    struct smart_access a;
    make_access(&a, "patient/Observation.cruds", "amy", 0);
    CHECK_INT(smart_policy_prepare(&p, &a, pool, &err), FG_OK);
    CHECK_INT(hr.prepared, 1);
    int reads = 0;
    CHECK(visible_of(&p, &a, 'r', "Observation", "amy-vs", &reads));
    CHECK(!visible_of(&p, &a, 'r', "Observation", "amy-lab", &reads));
    CHECK(!visible_of(&p, &a, 'r', "Observation", "dan-vs", &reads)); /* core hides first */
    CHECK_INT(hr.asked, 2);

    struct fhir_query q;
    CHECK_INT(fhir_search_parse(pool, fg_str_c("Observation"), fg_str_c("http://x/fhir"), NULL, 0,
                                FHIR_HANDLING_LENIENT, &q, &err),
              FG_OK);
    bool exact = true;
    CHECK_INT(smart_policy_narrow(&p, &a, pool, &q, &exact, &err), FG_OK);
    CHECK(!exact);
    CHECK_INT(hr.narrowed, 1);

    cJSON *json = obs("amy", "vital-signs");
    CHECK_INT(smart_policy_check_write(&p, &a, 'c', fg_str_c("Observation"), json, NULL, NULL, pool,
                                       &err),
              FG_EFORBIDDEN);
    CHECK_INT(hr.writes, 1);
    cJSON_Delete(json);
    smart_access_cleanup(&a);
    fg_pool_free(&pool);
}

/* A practitioner's user/ scopes reach every patient; a portal user's only
 * the patients it was given; patient/ scopes stay on the launch patient;
 * types outside the compartment model stay system/-only. */
static void test_practitioner_reach(void)
{
    struct smart_policy p;
    smart_policy_init(&p);
    struct smart_access pr, portal, pat;
    make_access(&pr, "user/Observation.rs user/Patient.rs user/Library.rs", "", 9);
    CHECK_INT(smart_access_set_practitioner(&pr, fg_str_c("dr 1")), FG_EINVAL);
    CHECK_STR(smart_access_practitioner_id(&pr), "");
    CHECK_INT(smart_access_set_practitioner(&pr, fg_str_c("dr-1")), FG_OK);
    CHECK_STR(smart_access_practitioner_id(&pr), "dr-1");
    CHECK_STR(smart_access_practitioner_id(NULL), "");
    make_access(&portal, "user/Observation.rs user/Patient.rs", "", 8);
    CHECK_INT(smart_access_add_user_patient(&portal, fg_str_c("amy")), FG_OK);
    make_access(&pat, "patient/Observation.rs", "amy", 9);
    CHECK_INT(smart_access_set_practitioner(&pat, fg_str_c("dr-1")), FG_OK);
    CHECK(visible_of(&p, &pr, 'r', "Observation", "amy-vs", NULL));
    CHECK(visible_of(&p, &pr, 's', "Observation", "dan-vs", NULL));
    CHECK(visible_of(&p, &pr, 'r', "Patient", "dan", NULL));
    CHECK(!visible_of(&p, &pr, 'r', "DocumentReference", "amy-note", NULL)); /* not granted */
    CHECK(visible_of(&p, &portal, 'r', "Observation", "amy-vs", NULL));
    CHECK(!visible_of(&p, &portal, 'r', "Observation", "dan-vs", NULL));
    CHECK(visible_of(&p, &pat, 'r', "Observation", "amy-vs", NULL));
    CHECK(!visible_of(&p, &pat, 'r', "Observation", "dan-vs", NULL));
    struct fg_error err;
    fg_error_clear(&err);
    struct smart_policy_grant g;
    CHECK_INT(smart_policy_authorize(&pr, 's', fg_str_c("Observation"), &g, &err), FG_OK);
    CHECK(g.everywhere && g.ctx == SMART_CTX_USER);
    CHECK_INT(smart_policy_authorize(&pr, 'r', fg_str_c("Library"), NULL, &err), FG_EFORBIDDEN);
    CHECK_INT(smart_policy_authorize(&pr, 'u', fg_str_c("Observation"), NULL, &err), FG_EFORBIDDEN);
    smart_access_cleanup(&pr);
    smart_access_cleanup(&portal);
    smart_access_cleanup(&pat);
}

/* An external token's fhirUser: a Practitioner reaches like a local
 * practitioner account, a Patient like a portal account's own record,
 * anything else reaches no one. */
static void test_fhir_user_ref(void)
{
    static const struct {
        const char *ref;
        enum fg_status st;
        const char *practitioner;
        size_t n_user_patients;
        bool sees_dan;
    } rows[] = {
        {"Practitioner/dr-1", FG_OK, "dr-1", 0, true},
        {"https://as.example/fhir/Practitioner/dr-2", FG_OK, "dr-2", 0, true},
        {"https://gw/fhir/Patient/amy", FG_OK, "", 1, false},
        {"Patient/dan", FG_OK, "", 1, true},
        {"RelatedPerson/rp", FG_OK, "", 0, false},
        {"Practitioner/", FG_OK, "", 0, false},
        {"Practitioner/bad id", FG_OK, "", 0, false},
        {"dr-1", FG_OK, "", 0, false},
        {"Practitioner/0123456789012345678901234567890123456789012345678901234567890123x",
         FG_OK, "", 0, false},
    };
    struct smart_policy p;
    smart_policy_init(&p);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct smart_access a;
        make_access(&a, "user/Observation.rs fhirUser", "", 0);
        enum fg_status st = smart_access_set_fhir_user_ref(&a, fg_str_c(rows[i].ref));
        if (st != rows[i].st || strcmp(smart_access_practitioner_id(&a), rows[i].practitioner))
            fprintf(stderr, "  row %zu (%s)\n", i, rows[i].ref);
        CHECK_INT(st, rows[i].st);
        CHECK_STR(smart_access_practitioner_id(&a), rows[i].practitioner);
        CHECK_INT(a.n_user_patients, rows[i].n_user_patients);
        bool user = rows[i].practitioner[0] || rows[i].n_user_patients;
        CHECK_INT(smart_access_kind(&a), user ? SMART_ACCESS_USER : SMART_ACCESS_SYSTEM);
        CHECK_INT(visible_of(&p, &a, 'r', "Observation", "dan-vs", NULL), rows[i].sees_dan);
        smart_access_cleanup(&a);
    }
}

TEST_MAIN(test_access_kind_and_accessors, test_type_classes, test_authorize_table,
          test_widest_context_decides, test_visible_table, test_fhir_user_read,
          test_filter_keeps_order_and_counts, test_narrow, test_check_write,
          test_check_write_every_patient, test_rules_can_only_hide, test_practitioner_reach,
          test_type_reach, test_fhir_user_ref)
