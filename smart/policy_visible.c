/* policy_visible.c - may this access see (or write) this resource? The
 * compartment, granular scope matching, the indirect types (Provenance
 * through its targets, Binary through its securityContext) and the rules'
 * hooks (see policy.h for the model).
 * R4 compartments: http://hl7.org/fhir/R4/compartmentdefinition-patient.html
 * Granular scopes: https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html
 */
#include <string.h>

#include "policy_internal.h"

/* Provenance -> target -> (no further indirection). */
#define POLICY_MAX_DEPTH 2

/* ---- items ---- */

void smart_policy_item_init(struct smart_policy_item *it, const struct fhir_resource *res,
                            const cJSON *json)
{
    memset(it, 0, sizeof *it);
    it->res = res;
    it->json = json;
    it->parsed = json != NULL;
}

void smart_policy_item_cleanup(struct smart_policy_item *it)
{
    if (!it)
        return;
    cJSON_Delete(it->owned);
    memset(it, 0, sizeof *it);
}

const cJSON *smart_policy_item_json(struct smart_policy_item *it)
{
    if (!it->parsed) {
        it->parsed = true;
        if (it->res && !it->res->deleted && it->res->json.len) {
            it->owned = cJSON_ParseWithLength(it->res->json.ptr, it->res->json.len);
            it->json = it->owned;
        }
    }
    return it->json;
}

/* ---- granular scopes ---- */

/* One token value of a scope ("system|code", "|code", "system|", "code")
 * against one index entry; codes compare case-insensitively like the
 * store's index, systems exactly. */
static bool token_value_matches(struct fg_str v, const struct fhir_index_entry *e)
{
    struct fg_str sys, code;
    bool has_sys = fg_str_split(v, '|', &sys, &code);
    if (!has_sys) {
        code = v;
    } else if (!fg_str_eq(sys, e->system)) {
        return false;
    }
    if (has_sys && code.len == 0)
        return true;
    return code.len && fg_str_ieq(code, e->code);
}

static enum fg_status item_entries(struct smart_policy_item *it, struct fg_pool *pool)
{
    if (it->indexed)
        return FG_OK;
    const cJSON *json = smart_policy_item_json(it);
    it->indexed = true;
    if (!json)
        return FG_OK;
    return fhir_index_extract(pool, json, it->res->type, &it->entries, &it->n_entries);
}

/* name=value of a scope (value: comma-separated OR list of tokens). Only
 * token parameters can be checked here; anything else fails closed. */
static bool param_matches(const struct smart_scope_param *p, struct smart_policy_item *it)
{
    const struct fhir_searchparam *def =
        fhir_searchparam_find(it->res->type, fg_str_c(p->name));
    if (!def || def->type != FHIR_PARAM_TOKEN)
        return false;
    struct fg_str rest = fg_str_c(p->value), one;
    while (rest.len) {
        fg_str_split(rest, ',', &one, &rest);
        for (size_t i = 0; i < it->n_entries; i++)
            if (it->entries[i].def == def && token_value_matches(one, &it->entries[i]))
                return true;
    }
    return false;
}

static enum fg_status filters_match(const struct smart_scope_filters *f,
                                    struct smart_policy_item *it, struct fg_pool *pool,
                                    bool *match)
{
    *match = f->unrestricted;
    if (*match)
        return FG_OK;
    enum fg_status st = item_entries(it, pool);
    if (st != FG_OK)
        return st;
    for (size_t s = 0; s < f->n && !*match; s++) {
        bool all = true;
        for (size_t k = 0; all && k < f->scopes[s]->n_params; k++)
            all = param_matches(&f->scopes[s]->params[k], it);
        *match = all;
    }
    return FG_OK;
}

/* ---- the core decision ---- */

struct vis_ctx {
    const struct smart_policy *p;
    const struct smart_access *a;
    const struct smart_policy_lookup *lk;
    struct fg_pool *pool;
};

static enum fg_status visible_at(const struct vis_ctx *c, char interaction,
                                 struct smart_policy_item *it, int depth, bool *visible);

static bool in_patients(const struct fhir_resource *res, const struct smart_policy_grant *g)
{
    for (size_t i = 0; i < res->n_compartment; i++)
        for (size_t k = 0; k < g->n_patients; k++)
            if (fg_str_eq(res->compartment[i], g->patients[k]))
                return true;
    return false;
}

/* Does the resource's `patient` reference name one of the reached patients? */
static enum fg_status patient_ref_in(struct smart_policy_item *it,
                                     const struct smart_policy_grant *g, struct fg_pool *pool,
                                     bool *in)
{
    *in = false;
    const struct fhir_searchparam *def = smart_policy_patient_param(it->res->type);
    enum fg_status st = def ? item_entries(it, pool) : FG_OK;
    for (size_t i = 0; st == FG_OK && def && i < it->n_entries && !*in; i++) {
        const struct fhir_index_entry *e = &it->entries[i];
        if (e->def != def || !fg_str_eq_c(e->ref_type, "Patient") || e->ref_url.len)
            continue;
        for (size_t k = 0; k < g->n_patients && !*in; k++)
            *in = fg_str_eq(e->ref_id, g->patients[k]);
    }
    return st;
}

/* Is the resource a relative reference "Type/id" names visible? */
static enum fg_status ref_visible(const struct vis_ctx *c, const cJSON *ref, int depth,
                                  bool *visible)
{
    *visible = false;
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(ref, "reference");
    struct fg_str type, id;
    if (!cJSON_IsString(r) || !c->lk || !c->lk->read ||
        !fg_str_split(fg_str_c(r->valuestring), '/', &type, &id) || !fg_is_fhir_id(id) ||
        !fhir_resource_type_known(type))
        return FG_OK;
    struct fhir_resource target;
    memset(&target, 0, sizeof target);
    enum fg_status st = c->lk->read(c->lk->arg, c->pool, type, id, &target);
    if (st == FG_ENOTFOUND || st == FG_EGONE)
        return FG_OK;
    if (st != FG_OK)
        return st;
    struct smart_policy_item ti;
    smart_policy_item_init(&ti, &target, NULL);
    st = visible_at(c, 'i', &ti, depth + 1, visible);
    smart_policy_item_cleanup(&ti);
    return st;
}

/* A Provenance is shown when every target it names is visible (so it never
 * carries a reference the reader may not see), and it names at least one. */
static enum fg_status provenance_visible(const struct vis_ctx *c, struct smart_policy_item *it,
                                         int depth, bool *visible)
{
    *visible = false;
    const cJSON *json = smart_policy_item_json(it);
    const cJSON *targets = json ? cJSON_GetObjectItemCaseSensitive(json, "target") : NULL;
    int n = cJSON_IsArray(targets) ? cJSON_GetArraySize(targets) : 0;
    if (n == 0 || n > SMART_POLICY_MAX_INDIRECT)
        return FG_OK;
    const cJSON *t;
    cJSON_ArrayForEach(t, targets)
    {
        enum fg_status st = ref_visible(c, t, depth, visible);
        if (st != FG_OK || !*visible)
            return st;
    }
    return FG_OK;
}

static enum fg_status binary_visible(const struct vis_ctx *c, struct smart_policy_item *it,
                                     int depth, bool *visible)
{
    *visible = false;
    const cJSON *json = smart_policy_item_json(it);
    const cJSON *sc = json ? cJSON_GetObjectItemCaseSensitive(json, "securityContext") : NULL;
    return sc ? ref_visible(c, sc, depth, visible) : FG_OK;
}

/* A read of the signed-in user's own Patient under the fhirUser scope,
 * when the Patient type is granted for reading (its granular filters
 * included). */
static enum fg_status fhir_user_visible(const struct vis_ctx *c, char letter,
                                        struct smart_policy_item *it, bool *visible)
{
    const struct fhir_resource *res = it->res;
    struct smart_policy_grant g;
    *visible = false;
    if (letter != 'r' || !c->a->fhir_user_patient.len || res->deleted ||
        !fg_str_eq_c(res->type, "Patient") || !fg_str_eq(res->id, c->a->fhir_user_patient) ||
        !smart_policy_grant_for(c->a, 'r', res->type, &g))
        return FG_OK;
    *visible = true;
    return filters_match(&g.filters, it, c->pool, visible);
}

static enum fg_status core_visible(const struct vis_ctx *c, char letter,
                                   struct smart_policy_item *it, int depth, bool *visible)
{
    struct smart_policy_grant g;
    *visible = false;
    if (!smart_policy_grant_for(c->a, letter, it->res->type, &g))
        return FG_OK;
    enum fg_status st = FG_OK;
    if (!g.everywhere) {
        switch (smart_policy_type_class(it->res->type)) {
        case SMART_TYPE_COMPARTMENT: *visible = in_patients(it->res, &g); break;
        case SMART_TYPE_PATIENT_REF: st = patient_ref_in(it, &g, c->pool, visible); break;
        case SMART_TYPE_SHARED: *visible = true; break;
        case SMART_TYPE_PROVENANCE:
            if (depth < POLICY_MAX_DEPTH)
                st = provenance_visible(c, it, depth, visible);
            break;
        case SMART_TYPE_BINARY:
            if (depth < POLICY_MAX_DEPTH)
                st = binary_visible(c, it, depth, visible);
            break;
        case SMART_TYPE_OTHER: break;
        }
    } else {
        *visible = true;
    }
    if (st == FG_OK && *visible && !it->res->deleted)
        st = filters_match(&g.filters, it, c->pool, visible);
    return st;
}

static enum fg_status rules_visible(const struct vis_ctx *c, char interaction,
                                    struct smart_policy_item *it, bool *visible)
{
    for (size_t i = 0; c->p && i < c->p->n_rules && *visible; i++) {
        const struct smart_policy_rule *r = &c->p->rules[i];
        if (!r->visible)
            continue;
        enum fg_status st = r->visible(r->arg, c->a, c->a->rule_state[i], interaction, it,
                                       visible);
        if (st != FG_OK)
            return st;
    }
    return FG_OK;
}

static enum fg_status visible_at(const struct vis_ctx *c, char interaction,
                                 struct smart_policy_item *it, int depth, bool *visible)
{
    enum fg_status st;
    if (interaction == 'i') {
        st = core_visible(c, 's', it, depth, visible);
        if (st == FG_OK && !*visible)
            st = core_visible(c, 'r', it, depth, visible);
    } else {
        st = core_visible(c, interaction, it, depth, visible);
    }
    /* Read directly (not included, not through a Provenance's targets). */
    if (st == FG_OK && !*visible && depth == 0)
        st = fhir_user_visible(c, interaction, it, visible);
    if (st == FG_OK && *visible)
        st = rules_visible(c, interaction, it, visible);
    if (st != FG_OK)
        *visible = false;
    return st;
}

enum fg_status smart_policy_visible(const struct smart_policy *p, const struct smart_access *a,
                                    char interaction, struct smart_policy_item *it,
                                    const struct smart_policy_lookup *lk, struct fg_pool *pool,
                                    bool *visible)
{
    struct vis_ctx c = {p, a, lk, pool};
    *visible = false;
    if (!a || !it->res)
        return FG_OK;
    return visible_at(&c, interaction, it, 0, visible);
}

enum fg_status smart_policy_filter(const struct smart_policy *p, const struct smart_access *a,
                                   char interaction, struct fhir_resource *res, size_t *n,
                                   const struct smart_policy_lookup *lk, struct fg_pool *pool,
                                   size_t *removed)
{
    size_t keep = 0;
    enum fg_status st = FG_OK;
    for (size_t i = 0; st == FG_OK && i < *n; i++) {
        struct smart_policy_item it;
        bool visible = false;
        smart_policy_item_init(&it, &res[i], NULL);
        st = smart_policy_visible(p, a, interaction, &it, lk, pool, &visible);
        smart_policy_item_cleanup(&it);
        if (st == FG_OK && visible) {
            if (keep != i)
                res[keep] = res[i];
            keep++;
        }
    }
    if (st != FG_OK)
        return st;
    if (removed)
        *removed = *n - keep;
    *n = keep;
    return FG_OK;
}

/* ---- writes ---- */

/* The new content as a resource the visibility rules can judge: its
 * compartment computed from the JSON (the store has not seen it yet). */
static enum fg_status new_version(struct fg_pool *pool, struct fg_str type, const cJSON *json,
                                  struct fhir_resource *out)
{
    memset(out, 0, sizeof *out);
    out->type = type;
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(json, "id");
    if (cJSON_IsString(id))
        out->id = fg_str_c(id->valuestring);
    return fhir_compartment_patients(pool, json, type, &out->compartment, &out->n_compartment);
}

/* A write must stay inside the reached records: every patient the new
 * content names in its compartment (subject, performer, ...) must be one
 * the grant reaches, not just one of them. */
static bool all_in_patients(const struct fhir_resource *res, const struct smart_policy_grant *g)
{
    if (g->everywhere)
        return true;
    for (size_t i = 0; i < res->n_compartment; i++) {
        bool found = false;
        for (size_t k = 0; k < g->n_patients && !found; k++)
            found = fg_str_eq(res->compartment[i], g->patients[k]);
        if (!found)
            return false;
    }
    return true;
}

static enum fg_status refuse_write(struct fg_error *err, char interaction, struct fg_str type,
                                   const char *why)
{
    static const char *const verbs[] = {"create", "update", "delete"};
    const char *verb = interaction == 'c' ? verbs[0] : interaction == 'u' ? verbs[1] : verbs[2];
    return fg_error_set(err, FG_EFORBIDDEN, NULL, "the access token may not %s this %.*s: %s",
                        verb, (int)type.len, type.ptr, why);
}

enum fg_status smart_policy_check_write(const struct smart_policy *p,
                                        const struct smart_access *a, char interaction,
                                        struct fg_str type, const cJSON *resource,
                                        const struct fhir_resource *current,
                                        const struct smart_policy_lookup *lk,
                                        struct fg_pool *pool, struct fg_error *err)
{
    struct smart_policy_grant g;
    enum fg_status st = smart_policy_authorize(a, interaction, type, &g, err);
    bool visible = true;
    if (st == FG_OK && current && !current->deleted) {
        struct smart_policy_item it;
        smart_policy_item_init(&it, current, NULL);
        st = smart_policy_visible(p, a, interaction, &it, lk, pool, &visible);
        smart_policy_item_cleanup(&it);
        if (st == FG_OK && !visible)
            return refuse_write(err, interaction, type, "the stored version is outside its reach");
    }
    if (st == FG_OK && resource) {
        struct fhir_resource nv;
        st = new_version(pool, type, resource, &nv);
        if (st == FG_OK) {
            struct smart_policy_item it;
            smart_policy_item_init(&it, &nv, resource);
            st = smart_policy_visible(p, a, interaction, &it, lk, pool, &visible);
            smart_policy_item_cleanup(&it);
        }
        if (st == FG_OK && !visible)
            return refuse_write(err, interaction, type,
                                "the content would be outside its patients or granted "
                                "categories");
        if (st == FG_OK && !all_in_patients(&nv, &g))
            return refuse_write(err, interaction, type,
                                "the content names a patient outside its reach");
    }
    for (size_t i = 0; st == FG_OK && p && i < p->n_rules; i++) {
        const struct smart_policy_rule *r = &p->rules[i];
        if (r->check_write)
            st = r->check_write(r->arg, a, a->rule_state[i], interaction, type, resource, err);
    }
    if (st == FG_ENOMEM || st == FG_EIO)
        fg_error_set(err, st, NULL, "the access decision failed");
    return st;
}
