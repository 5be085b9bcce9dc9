/* portal_rule.c - the portal rules plugged into the policy (see portal_rule.h;
 * rules in /work/shared/docs/portal-rules.md). */
#include "portal_rule.h"

#include <string.h>

#include "../fhir/index.h"

/* One reached patient and the view the access has of it today. */
struct portal_seen {
    struct fg_str patient; /* borrowed from the access */
    enum smart_portal_view view;
};

/* Per-request state (pool-owned), in the access's rule_state slot. */
struct portal_state {
    struct portal_seen seen[SMART_ACCESS_MAX_PATIENTS + 1];
    size_t n;
};

static enum fg_status view_of(const struct smart_portal_rule_cfg *cfg, struct fg_pool *pool,
                              const struct smart_portal_facts *f, struct fg_str patient,
                              enum smart_portal_view *out)
{
    struct fg_str birth = FG_STR_NULL;
    enum fg_status st = cfg->source.birth_date(cfg->source.arg, pool, patient, &birth);
    if (st != FG_OK)
        return st;
    *out = smart_portal_view_of(&cfg->settings, fg_clock_now_us(cfg->clock), f, patient, birth);
    return FG_OK;
}

/* Views of the user/ patients; those with none are dropped from the access. */
static enum fg_status prepare_user_patients(const struct smart_portal_rule_cfg *cfg,
                                            struct smart_access *a, struct fg_pool *pool,
                                            const struct smart_portal_facts *f,
                                            struct portal_state *s)
{
    size_t kept = 0;
    for (size_t i = 0; i < a->n_user_patients; i++) {
        enum smart_portal_view v;
        enum fg_status st = view_of(cfg, pool, f, a->user_patients[i], &v);
        if (st != FG_OK)
            return st;
        if (v == SMART_VIEW_NONE)
            continue;
        a->user_patients[kept++] = a->user_patients[i];
        s->seen[s->n].patient = a->user_patients[i];
        s->seen[s->n++].view = v;
    }
    a->n_user_patients = kept;
    return FG_OK;
}

static enum fg_status portal_prepare(void *arg, struct smart_access *a, struct fg_pool *pool,
                                     void **state, struct fg_error *err)
{
    const struct smart_portal_rule_cfg *cfg = arg;
    struct smart_portal_facts *f = NULL;
    struct portal_state *s = NULL;
    enum fg_status st = FG_OK;
    *state = NULL;
    struct fg_str launch = fg_str_c(smart_access_patient_id(a));
    if (smart_access_account_id(a) == 0)
        return FG_OK; /* no signed-in person: not a portal access */
    if (smart_access_practitioner_id(a)[0])
        return FG_OK; /* a practitioner (EHR user), not a patient-portal user */
    s = fg_pool_alloc(pool, sizeof *s);
    f = fg_pool_alloc(pool, sizeof *f);
    if (!s || !f)
        return fg_error_set(err, FG_ENOMEM, NULL, "out of memory");
    memset(s, 0, sizeof *s);
    memset(f, 0, sizeof *f);
    st = cfg->source.facts(cfg->source.arg, smart_access_account_id(a), f);
    if (st == FG_ENOTFOUND)
        return fg_error_set(err, FG_EFORBIDDEN, NULL, "the account of this token no longer exists");
    if (st != FG_OK)
        return fg_error_set(err, st, NULL, "cannot read the account's proxy relations");
    if (launch.len) {
        enum smart_portal_view v;
        st = view_of(cfg, pool, f, launch, &v);
        if (st != FG_OK)
            return fg_error_set(err, st, NULL, "cannot read the patient's record");
        if (v == SMART_VIEW_NONE)
            return fg_error_set(err, FG_EFORBIDDEN, NULL,
                                "this account may no longer act for this patient");
        s->seen[s->n].patient = launch;
        s->seen[s->n++].view = v;
    }
    st = prepare_user_patients(cfg, a, pool, f, s);
    if (st != FG_OK)
        return fg_error_set(err, st, NULL, "cannot read the patients' records");
    *state = s;
    return FG_OK;
}

static bool in_compartment(const struct fhir_resource *res, struct fg_str patient)
{
    for (size_t i = 0; i < res->n_compartment; i++)
        if (fg_str_eq(res->compartment[i], patient))
            return true;
    return false;
}

static enum fg_status portal_visible(void *arg, const struct smart_access *a, void *state,
                                     char interaction, struct smart_policy_item *it,
                                     bool *visible)
{
    const struct smart_portal_rule_cfg *cfg = arg;
    const struct portal_state *s = state;
    bool reached = false, shown = false;
    (void)a;
    (void)interaction;
    if (!s || !it->res)
        return FG_OK;
    /* a delete marker (history) has no content to judge: only a view of the
     * whole record may see it, a limited view cannot tell it was not confidential */
    const cJSON *json = smart_policy_item_json(it);
    int64_t now = fg_clock_now_us(cfg->clock);
    for (size_t i = 0; i < s->n && !shown; i++) {
        if (!in_compartment(it->res, s->seen[i].patient))
            continue;
        reached = true;
        shown = json ? smart_portal_check(&cfg->settings, now, s->seen[i].view, json) ==
                           SMART_HIDE_NONE
                     : s->seen[i].view == SMART_VIEW_FULL || s->seen[i].view == SMART_VIEW_SELF;
    }
    if (reached && !shown)
        *visible = false;
    return FG_OK;
}

/* Adds the limited view's store-side filters for q->type. */
static enum fg_status narrow_limited(struct fg_pool *pool, struct fhir_query *q,
                                     struct fg_error *err)
{
    static const char *const whole[] = {"Patient", "Immunization", "AllergyIntolerance",
                                        "Appointment"};
    enum fg_status st = fhir_query_add_policy_param(pool, q, fg_str_c("_security:not"),
                                                    fg_str_c(smart_portal_confidential_codes()),
                                                    err);
    if (st != FG_OK)
        return st;
    if (fg_str_eq_c(q->type, "Observation"))
        return fhir_query_add_policy_param(pool, q, fg_str_c("code"),
                                           fg_str_c(smart_portal_growth_codes()), err);
    if (fg_str_eq_c(q->type, "Encounter"))
        return fhir_query_add_policy_param(pool, q, fg_str_c("status"), fg_str_c("planned"), err);
    for (size_t i = 0; i < sizeof whole / sizeof whole[0]; i++)
        if (fg_str_eq_c(q->type, whole[i]))
            return FG_OK;
    /* a class the limited view never shows: no stored resource is that old */
    return fhir_query_add_policy_param(pool, q, fg_str_c("_lastUpdated"),
                                       fg_str_c("lt1900-01-01"), err);
}

/* The view of patient in s; false when the access does not reach it. */
static bool view_in(const struct portal_state *s, struct fg_str patient, enum smart_portal_view *out)
{
    for (size_t i = 0; i < s->n; i++)
        if (fg_str_eq(s->seen[i].patient, patient)) {
            *out = s->seen[i].view;
            return true;
        }
    return false;
}

static enum fg_status portal_narrow(void *arg, const struct smart_access *a, void *state,
                                    struct fg_pool *pool, struct fhir_query *q, bool *exact,
                                    struct fg_error *err)
{
    const struct portal_state *s = state;
    enum smart_portal_view view = SMART_VIEW_NONE, v;
    (void)arg;
    (void)a;
    if (!s || !s->n || !fhir_compartment_type_in_patient(q->type))
        return FG_OK;
    /* the patients the core confined the search to decide; one view for all of them */
    for (size_t i = 0; i < q->n_compartment_patients; i++) {
        if (!view_in(s, q->compartment_patients[i], &v) || (i > 0 && v != view)) {
            *exact = false; /* different views per patient: filtering decides */
            return FG_OK;
        }
        view = v;
    }
    if (!q->n_compartment_patients) {
        *exact = false;
        return FG_OK;
    }
    if (fg_str_eq_c(q->type, "Observation") || fg_str_eq_c(q->type, "DiagnosticReport") ||
        fg_str_eq_c(q->type, "DocumentReference"))
        *exact = false; /* release and old-note rules filter */
    return view == SMART_VIEW_LIMITED ? narrow_limited(pool, q, err) : FG_OK;
}

static enum fg_status portal_check_write(void *arg, const struct smart_access *a, void *state,
                                         char interaction, struct fg_str type,
                                         const cJSON *resource, struct fg_error *err)
{
    const struct portal_state *s = state;
    (void)arg;
    (void)a;
    (void)interaction;
    if (!s)
        return FG_OK;
    for (size_t i = 0; i < s->n; i++) {
        if (s->seen[i].view != SMART_VIEW_LIMITED)
            return FG_OK; /* some reached patient's view allows writing */
    }
    if (!s->n || (resource && smart_portal_limited_class(resource) &&
                  !smart_portal_confidential(resource)))
        return FG_OK;
    return fg_error_set(err, FG_EFORBIDDEN, NULL,
                        "a teen's proxy may not write %.*s resources of this kind",
                        (int)type.len, type.ptr);
}

void smart_portal_rule(const struct smart_portal_rule_cfg *cfg, struct smart_policy_rule *out)
{
    memset(out, 0, sizeof *out);
    out->name = "portal";
    out->arg = (void *)(uintptr_t)cfg;
    out->prepare = portal_prepare;
    out->narrow = portal_narrow;
    out->visible = portal_visible;
    out->check_write = portal_check_write;
}
