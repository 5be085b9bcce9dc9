/* policy.c - the access, the rule registry and the decisions that need no
 * resource: may this interaction happen on this type, and how is a search
 * narrowed (see policy.h). Visibility of a resource is in policy_visible.c.
 * https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html
 */
#include "policy.h"

#include <string.h>

#include "../core/fg_buf.h"
#include "policy_internal.h"

/* ---- the access ---- */

void smart_access_init(struct smart_access *a)
{
    memset(a, 0, sizeof *a);
    smart_scopes_init(&a->scopes);
}

void smart_access_cleanup(struct smart_access *a)
{
    if (!a)
        return;
    smart_scopes_cleanup(&a->scopes);
    a->n_user_patients = 0;
    a->launch_patient = FG_STR_NULL;
}

static enum fg_status copy_field(char *dst, size_t size, struct fg_str src, const char *what,
                                 struct fg_error *err)
{
    if (src.len >= size)
        return fg_error_set(err, FG_EINVAL, NULL, "the token's %s is too long", what);
    if (src.len)
        memcpy(dst, src.ptr, src.len);
    dst[src.len] = '\0';
    return FG_OK;
}

enum fg_status smart_access_set(struct smart_access *a, struct fg_str client_id,
                                int64_t account_id, struct fg_str user_name,
                                struct fg_str patient_id, struct fg_str grant_id,
                                struct fg_str scopes, int64_t expires_at, struct fg_error *err)
{
    enum fg_status st = copy_field(a->client_id, sizeof a->client_id, client_id, "client_id", err);
    if (st == FG_OK)
        st = copy_field(a->user_name, sizeof a->user_name, user_name, "user name", err);
    if (st == FG_OK)
        st = copy_field(a->patient_id, sizeof a->patient_id, patient_id, "patient", err);
    if (st == FG_OK)
        st = copy_field(a->grant_id, sizeof a->grant_id, grant_id, "grant id", err);
    if (st == FG_OK && patient_id.len && !fg_is_fhir_id(patient_id))
        st = fg_error_set(err, FG_EINVAL, NULL, "the token's patient is not a FHIR id");
    if (st == FG_OK)
        st = smart_scopes_parse(scopes, &a->scopes, err);
    if (st != FG_OK) {
        smart_access_cleanup(a);
        smart_access_init(a);
        return st;
    }
    a->account_id = account_id;
    a->expires_at = expires_at;
    a->launch_patient = fg_str_n(a->patient_id, patient_id.len);
    a->kind = patient_id.len ? SMART_ACCESS_PATIENT
              : account_id   ? SMART_ACCESS_USER
                             : SMART_ACCESS_SYSTEM;
    return FG_OK;
}

void smart_access_set_fhir_user(struct smart_access *a, struct fg_str patient_id)
{
    a->fhir_user_patient = FG_STR_NULL;
    if (patient_id.len && fg_is_fhir_id(patient_id) &&
        smart_scopes_has(&a->scopes, SMART_SCOPE_FHIRUSER))
        a->fhir_user_patient = patient_id;
}

enum fg_status smart_access_set_practitioner(struct smart_access *a, struct fg_str id)
{
    if (!id.len || id.len >= sizeof a->practitioner_id || !fg_is_fhir_id(id))
        return FG_EINVAL;
    memcpy(a->practitioner_id, id.ptr, id.len);
    a->practitioner_id[id.len] = '\0';
    return FG_OK;
}

enum fg_status smart_access_set_fhir_user_ref(struct smart_access *a, struct fg_str ref)
{
    struct fg_str head, id, type;
    if (!fg_str_rsplit(ref, '/', &head, &id) || !fg_is_fhir_id(id))
        return FG_OK;
    if (!fg_str_rsplit(head, '/', &head, &type))
        type = head; /* a relative reference: "Patient/x" */
    enum fg_status st = FG_OK;
    if (fg_str_eq_c(type, "Practitioner"))
        st = smart_access_set_practitioner(a, id);
    else if (fg_str_eq_c(type, "Patient"))
        st = smart_access_add_user_patient(a, id);
    else
        return FG_OK;
    if (st == FG_OK && fg_str_eq_c(type, "Patient"))
        smart_access_set_fhir_user(a, id);
    if (st == FG_OK && a->kind == SMART_ACCESS_SYSTEM)
        a->kind = SMART_ACCESS_USER;
    return st;
}

const char *smart_access_practitioner_id(const struct smart_access *a)
{
    return a ? a->practitioner_id : "";
}

enum fg_status smart_access_add_user_patient(struct smart_access *a, struct fg_str patient_id)
{
    for (size_t i = 0; i < a->n_user_patients; i++)
        if (fg_str_eq(a->user_patients[i], patient_id))
            return FG_OK;
    if (a->n_user_patients == SMART_ACCESS_MAX_PATIENTS)
        return FG_ETOOBIG;
    a->user_patients[a->n_user_patients++] = patient_id;
    return FG_OK;
}

enum smart_access_kind smart_access_kind(const struct smart_access *a)
{
    return a ? a->kind : SMART_ACCESS_SYSTEM;
}

const char *smart_access_client_id(const struct smart_access *a)
{
    return a ? a->client_id : "";
}

int64_t smart_access_account_id(const struct smart_access *a)
{
    return a ? a->account_id : 0;
}

const char *smart_access_user_name(const struct smart_access *a)
{
    return a ? a->user_name : "";
}

const char *smart_access_patient_id(const struct smart_access *a)
{
    return a ? a->patient_id : "";
}

const char *smart_access_grant_id(const struct smart_access *a)
{
    return a ? a->grant_id : "";
}

const struct smart_scopes *smart_access_scopes(const struct smart_access *a)
{
    return a ? &a->scopes : NULL;
}

/* ---- rules ---- */

void smart_policy_init(struct smart_policy *p)
{
    memset(p, 0, sizeof *p);
}

enum fg_status smart_policy_add_rule(struct smart_policy *p, const struct smart_policy_rule *r)
{
    if (p->n_rules == SMART_POLICY_MAX_RULES)
        return FG_ETOOBIG;
    p->rules[p->n_rules++] = *r;
    return FG_OK;
}

bool smart_policy_rules_active(const struct smart_policy *p, const struct smart_access *a)
{
    for (size_t i = 0; p && i < p->n_rules; i++)
        if (!p->rules[i].prepare || a->rule_state[i])
            return true;
    return false;
}

enum fg_status smart_policy_prepare(const struct smart_policy *p, struct smart_access *a,
                                    struct fg_pool *pool, struct fg_error *err)
{
    for (size_t i = 0; p && i < p->n_rules; i++) {
        const struct smart_policy_rule *r = &p->rules[i];
        if (!r->prepare)
            continue;
        enum fg_status st = r->prepare(r->arg, a, pool, &a->rule_state[i], err);
        if (st != FG_OK)
            return st;
    }
    return FG_OK;
}

/* ---- type classes ---- */

/* Reference data with no patient in it (R4 resources outside the Patient
 * compartment that directories, formularies and terminology consist of). */
static const char *const shared_types[] = {
    "CodeSystem", "Endpoint", "HealthcareService", "Location", "Medication",
    "MedicationKnowledge", "Organization", "OrganizationAffiliation", "Practitioner",
    "PractitionerRole", "Questionnaire", "StructureDefinition", "Substance", "ValueSet",
};

enum smart_type_class smart_policy_type_class(struct fg_str type)
{
    if (fg_str_eq_c(type, "Provenance"))
        return SMART_TYPE_PROVENANCE;
    if (fg_str_eq_c(type, "Binary"))
        return SMART_TYPE_BINARY;
    if (fhir_compartment_type_in_patient(type))
        return SMART_TYPE_COMPARTMENT;
    for (size_t i = 0; i < sizeof shared_types / sizeof shared_types[0]; i++)
        if (fg_str_eq_c(type, shared_types[i]))
            return SMART_TYPE_SHARED;
    if (smart_policy_patient_param(type))
        return SMART_TYPE_PATIENT_REF;
    return SMART_TYPE_OTHER;
}

const struct fhir_searchparam *smart_policy_patient_param(struct fg_str type)
{
    const struct fhir_searchparam *def = fhir_searchparam_find(type, fg_str_c("patient"));
    return def && def->type == FHIR_PARAM_REFERENCE && strcmp(def->resource, "Resource") != 0
               ? def
               : NULL;
}

/* ---- grants ---- */

/* The grant of one context, if it grants (type, letter) and reaches anyone. */
static bool grant_in(const struct smart_access *a, enum smart_context ctx, struct fg_str type,
                     char letter, struct smart_policy_grant *g)
{
    struct fg_str t = type.len ? type : fg_str_c("*");
    if (smart_scopes_filters_for(&a->scopes, ctx, t, letter, &g->filters) != FG_OK)
        return false;
    g->ctx = ctx;
    g->everywhere = ctx == SMART_CTX_SYSTEM;
    g->patients = NULL;
    g->n_patients = 0;
    if (ctx == SMART_CTX_USER && a->practitioner_id[0]) {
        g->everywhere = true; /* a practitioner's user/ scopes reach every patient */
    } else if (ctx == SMART_CTX_USER) {
        g->patients = a->user_patients;
        g->n_patients = a->n_user_patients;
    } else if (ctx == SMART_CTX_PATIENT && a->launch_patient.len) {
        g->patients = &a->launch_patient;
        g->n_patients = 1;
    }
    return g->everywhere || g->n_patients > 0;
}

bool smart_policy_grant_for(const struct smart_access *a, char letter, struct fg_str type,
                            struct smart_policy_grant *g)
{
    static const enum smart_context order[] = {SMART_CTX_SYSTEM, SMART_CTX_USER,
                                               SMART_CTX_PATIENT};
    if (!a)
        return false;
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        if (!grant_in(a, order[i], type, letter, g))
            continue;
        /* Outside system/, only types the compartment model can confine. */
        if (g->ctx != SMART_CTX_SYSTEM && type.len &&
            smart_policy_type_class(type) == SMART_TYPE_OTHER)
            return false;
        return true;
    }
    return false;
}

static const char *letter_name(char letter)
{
    switch (letter) {
    case 'c': return "create";
    case 'r': return "read";
    case 'u': return "update";
    case 'd': return "delete";
    case 's': return "search";
    default: return "access";
    }
}

enum fg_status smart_policy_authorize(const struct smart_access *a, char interaction,
                                      struct fg_str type, struct smart_policy_grant *g,
                                      struct fg_error *err)
{
    struct smart_policy_grant local;
    if (!g)
        g = &local;
    if (smart_policy_grant_for(a, interaction, type, g))
        return FG_OK;
    if (!type.len)
        return fg_error_set(err, FG_EFORBIDDEN, NULL,
                            "the access token grants no %s across all resource types",
                            letter_name(interaction));
    return fg_error_set(err, FG_EFORBIDDEN, NULL,
                        "the access token does not grant %s of %.*s resources",
                        letter_name(interaction), (int)type.len, type.ptr);
}

void smart_policy_type_reach(const struct smart_access *a, char interaction, struct fg_str type,
                             struct fg_str patient, bool *granted, bool *reached)
{
    struct smart_policy_grant g;
    *granted = smart_policy_grant_for(a, interaction, type, &g);
    *reached = *granted && (g.everywhere || !patient.len);
    for (size_t i = 0; *granted && !*reached && i < g.n_patients; i++)
        *reached = fg_str_eq(g.patients[i], patient);
}

/* ---- narrowing a search ---- */

/* patient=Patient/a,Patient/b for a type confined by its patient parameter. */
static enum fg_status restrict_patient_param(struct fg_pool *pool, struct fhir_query *q,
                                             const struct smart_policy_grant *g,
                                             struct fg_error *err)
{
    struct fg_buf v;
    fg_buf_init(&v, 16384);
    enum fg_status st = FG_OK;
    for (size_t i = 0; st == FG_OK && i < g->n_patients; i++)
        st = fg_buf_printf(&v, "%sPatient/%.*s", i ? "," : "", (int)g->patients[i].len,
                           g->patients[i].ptr);
    struct fg_str value = st == FG_OK ? fg_pool_str(pool, fg_buf_str(&v)) : FG_STR_NULL;
    fg_buf_cleanup(&v);
    if (!value.ptr)
        return fg_error_set(err, FG_ENOMEM, NULL, "out of memory");
    return fhir_query_add_policy_param(pool, q, fg_str_c("patient"), value, err);
}

/* The granular scopes as one store-side parameter: possible when every
 * scope has exactly one parameter and they share its name (the usual
 * category=a / category=b grants). *done = false when not expressible. */
static enum fg_status add_filters(const struct smart_scope_filters *f, struct fg_pool *pool,
                                  struct fhir_query *q, bool *done, struct fg_error *err)
{
    *done = false;
    if (f->n == 0)
        return FG_OK;
    const char *name = NULL;
    for (size_t i = 0; i < f->n; i++) {
        if (f->scopes[i]->n_params != 1)
            return FG_OK;
        const char *n = f->scopes[i]->params[0].name;
        if (name && strcmp(name, n) != 0)
            return FG_OK;
        name = n;
    }
    struct fg_buf v;
    fg_buf_init(&v, 16384);
    enum fg_status st = FG_OK;
    for (size_t i = 0; st == FG_OK && i < f->n; i++) {
        if (i)
            st = fg_buf_append_char(&v, ',');
        if (st == FG_OK)
            st = fg_buf_append_c(&v, f->scopes[i]->params[0].value);
    }
    struct fg_str value = st == FG_OK ? fg_pool_str(pool, fg_buf_str(&v)) : FG_STR_NULL;
    fg_buf_cleanup(&v);
    if (!value.ptr)
        return fg_error_set(err, FG_ENOMEM, NULL, "out of memory");
    /* A scope parameter the search engine does not know stays a
     * post-filter (fail closed there), never an error for the client. */
    struct fg_error ignored;
    fg_error_clear(&ignored);
    if (fhir_query_add_policy_param(pool, q, fg_str_c(name), value, &ignored) == FG_OK)
        *done = true;
    return FG_OK;
}

enum fg_status smart_policy_narrow(const struct smart_policy *p, const struct smart_access *a,
                                   struct fg_pool *pool, struct fhir_query *q, bool *exact,
                                   struct fg_error *err)
{
    struct smart_policy_grant g;
    enum fg_status st = smart_policy_authorize(a, 's', q->type, &g, err);
    if (st != FG_OK)
        return st;
    enum smart_type_class cls = smart_policy_type_class(q->type);
    *exact = true;
    if (!g.everywhere) {
        if (cls == SMART_TYPE_COMPARTMENT) {
            st = fhir_query_restrict_compartment(pool, q, g.patients, g.n_patients);
            if (st == FG_EFORBIDDEN)
                return fg_error_set(err, FG_EFORBIDDEN, NULL,
                                    "the access token reaches none of these patients");
            if (st != FG_OK)
                return fg_error_set(err, st, NULL, "cannot confine the search");
        } else if (cls == SMART_TYPE_PATIENT_REF) {
            st = restrict_patient_param(pool, q, &g, err);
            if (st != FG_OK)
                return st;
        } else if (cls != SMART_TYPE_SHARED) {
            *exact = false; /* Provenance, Binary: only through what they point to */
        }
    }
    if (!g.filters.unrestricted) {
        bool done = false;
        st = add_filters(&g.filters, pool, q, &done, err);
        if (st != FG_OK)
            return st;
        if (!done)
            *exact = false;
    }
    for (size_t i = 0; p && i < p->n_rules; i++) {
        const struct smart_policy_rule *r = &p->rules[i];
        if (!r->narrow)
            continue;
        bool rule_exact = true;
        st = r->narrow(r->arg, a, a->rule_state[i], pool, q, &rule_exact, err);
        if (st != FG_OK)
            return st;
        if (!rule_exact)
            *exact = false;
    }
    return FG_OK;
}
