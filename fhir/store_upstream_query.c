/* store_upstream_query.c - a parsed, policy-narrowed search written as the
 * request an upstream FHIR server runs.
 *
 * Every page is built from the query of the request at hand (re-parsed and
 * re-narrowed by the gateway each time), plus only the paging state of the
 * cursor: a cursor cannot widen a search. The patient-compartment
 * restriction becomes a reference search on one of the type's compartment
 * parameters (a "leg"): FHIR has no OR across parameters, so a type whose
 * resources reach a patient through several (Observation: subject and
 * performer; Coverage: beneficiary, subscriber, policy-holder, payor) is
 * searched once per parameter (store_upstream.c merges them). Leg 0 is
 * `subject`, else `patient` (servers index subject directly; patient is
 * subject restricted to Patient), else `beneficiary` (Coverage), else the
 * first the CompartmentDefinition lists; `_id` for Patient itself. What
 * comes back is checked against the compartment again (up_in_compartment).
 * Compartments: http://hl7.org/fhir/R4/compartmentdefinition-patient.html
 */
#include <string.h>

#include "../core/fg_limits.h"
#include "index.h"
#include "match.h"
#include "searchparam.h"
#include "store_upstream_internal.h"

size_t up_compartment_legs(struct fg_str type, const char **legs, size_t max)
{
    /* The parameter naming the record's own patient first: the subject,
     * the patient, a Coverage's beneficiary; else the first listed. */
    static const char *const preferred[] = {"subject", "patient", "beneficiary"};
    if (max == 0)
        return 0;
    if (fg_str_eq_c(type, "Patient")) {
        legs[0] = "_id";
        return 1;
    }
    long ix = fhir_resource_type_index(type);
    if (ix < 0)
        return 0;
    const struct fhir_type_info *ti = &fhir_type_infos[ix];
    size_t n = 0, first = ti->n_compartment;
    for (size_t p = 0; p < sizeof preferred / sizeof preferred[0] && first == ti->n_compartment;
         p++)
        for (size_t i = 0; i < ti->n_compartment; i++)
            if (strcmp(ti->compartment[i], preferred[p]) == 0) {
                first = i;
                break;
            }
    if (first == ti->n_compartment)
        first = 0;
    if (ti->n_compartment)
        legs[n++] = ti->compartment[first];
    for (size_t i = 0; i < ti->n_compartment && n < max; i++)
        if (i != first)
            legs[n++] = ti->compartment[i];
    return n;
}

static enum fg_status write_compartment(const struct fhir_query *q, size_t leg, struct fg_buf *b,
                                        bool *empty)
{
    const char *legs[FG_MAX_UPSTREAM_LEGS];
    size_t n = up_compartment_legs(q->type, legs, FG_MAX_UPSTREAM_LEGS);
    const char *param = leg < n ? legs[leg] : NULL;
    if (!param) {
        *empty = true;
        return FG_OK;
    }
    bool by_id = param[0] == '_';
    enum fg_status st = fg_buf_printf(b, "&%s=", param);
    for (size_t i = 0; st == FG_OK && i < q->n_compartment_patients; i++) {
        if (i)
            st = fg_buf_append_char(b, ',');
        if (st == FG_OK && !by_id)
            st = fg_buf_append_c(b, "Patient%2F");
        if (st == FG_OK)
            st = fg_buf_append_url_encoded(b, q->compartment_patients[i]);
    }
    return st;
}

enum fg_status up_search_leg_path(struct fg_pool *pool, const struct fhir_query *q, size_t leg,
                                  struct fg_str *out, bool *empty, struct fg_error *err)
{
    struct fg_buf b;
    fg_buf_init(&b, FG_MAX_URL_BYTES * 4);
    *empty = false;
    enum fg_status st = fg_buf_append_str(&b, q->type);
    if (st == FG_OK)
        st = fg_buf_append_char(&b, '?');
    if (st == FG_OK)
        st = fhir_search_write_upstream_query(q, &b);
    if (st == FG_OK && q->n_compartment_patients)
        st = write_compartment(q, leg, &b, empty);
    if (st == FG_OK && q->cursor.len) {
        st = up_cursor_check(q->type, q->cursor, err);
        if (st == FG_OK)
            st = fg_buf_append_char(&b, '&');
        if (st == FG_OK)
            st = fg_buf_append_str(&b, q->cursor);
        if (st != FG_OK) {
            fg_buf_cleanup(&b);
            return err->status != FG_OK ? err->status : fg_error_set(err, st, NULL, "no memory");
        }
    }
    if (st == FG_OK) {
        *out = fg_pool_str(pool, fg_buf_str(&b));
        if (!out->ptr)
            st = FG_ENOMEM;
    }
    fg_buf_cleanup(&b);
    if (st != FG_OK)
        return fg_error_set(err, st, NULL, "the search is too long to send to the upstream");
    return FG_OK;
}

bool up_in_compartment(const struct fhir_query *q, const struct fhir_resource *r)
{
    if (!q->n_compartment_patients)
        return true;
    for (size_t i = 0; i < r->n_compartment; i++)
        for (size_t j = 0; j < q->n_compartment_patients; j++)
            if (fg_str_eq(r->compartment[i], q->compartment_patients[j]))
                return true;
    return false;
}

/* Would r (a match of leg `leg`, index entries e) also be a match of an
 * earlier leg: does one of the earlier legs' parameters name one of q's
 * patients? */
static bool found_by_earlier_leg(const struct fhir_query *q, size_t leg,
                                 const struct fhir_index_entry *e, size_t n_e)
{
    const char *legs[FG_MAX_UPSTREAM_LEGS];
    size_t n = up_compartment_legs(q->type, legs, FG_MAX_UPSTREAM_LEGS);
    if (leg == 0 || leg > n)
        return false;
    for (size_t i = 0; i < n_e; i++) {
        bool earlier = false;
        for (size_t l = 0; l < leg && !earlier; l++)
            earlier = strcmp(e[i].def->code, legs[l]) == 0;
        if (!earlier || !fg_str_eq_c(e[i].ref_type, "Patient"))
            continue;
        for (size_t k = 0; k < q->n_compartment_patients; k++)
            if (fg_str_eq(e[i].ref_id, q->compartment_patients[k]))
                return true;
    }
    return false;
}

/* The index entries of r (parsed again from its JSON); false on no memory. */
static bool entries_of(struct fg_pool *pool, const struct fhir_resource *r,
                       struct fhir_index_entry **e, size_t *n)
{
    cJSON *j = NULL;
    struct fg_error ignored;
    fg_error_clear(&ignored);
    return up_parse_json(pool, r->json, &j, &ignored) == FG_OK &&
           fhir_index_extract(pool, j, r->type, e, n) == FG_OK;
}

/* A first hop to a type in the patient compartment other than Patient
 * (encounter:Encounter.status=...): checked through the targets, which the
 * upstream is asked to include (up_chain_includes). */
static bool hop_checked_by_include(const struct fhir_search_param *p)
{
    struct fg_str t = p->chain ? p->chain->target_type : FG_STR_NULL;
    return p->chain && !fg_str_eq_c(t, "Patient") && fhir_compartment_type_in_patient(t);
}

enum fg_status up_check_chains(const struct fhir_query *q, struct fg_error *err)
{
    if (!q->n_compartment_patients)
        return FG_OK;
    for (size_t i = 0; i < q->n_params; i++) {
        const struct fhir_search_param *p = &q->params[i];
        if (hop_checked_by_include(p) && q->n_includes)
            return fg_error_set(err, FG_ENOTSUP, "_include",
                                "in upstream mode a chained search through %.*s resources "
                                "cannot be combined with _include or _revinclude under "
                                "patient-scoped access",
                                (int)p->chain->target_type.len, p->chain->target_type.ptr);
        for (int hop = 0; p->chain; hop++, p = p->chain->inner) {
            struct fg_str t = p->chain->target_type;
            if (hop == 0 || !fhir_compartment_type_in_patient(t))
                continue;
            return fg_error_set(err, FG_ENOTSUP, NULL,
                                "in upstream mode a chained search that reaches %.*s resources "
                                "after the first step is not supported with patient-scoped "
                                "access (the gateway cannot check whose records the upstream "
                                "tested)",
                                (int)t.len, t.ptr);
        }
    }
    return FG_OK;
}

enum fg_status up_chain_includes(struct fg_pool *pool, const struct fhir_query *q,
                                 struct fhir_query *out, bool *added)
{
    size_t k = 0;
    *out = *q;
    *added = false;
    if (!q->n_compartment_patients)
        return FG_OK;
    for (size_t i = 0; i < q->n_params; i++)
        k += hop_checked_by_include(&q->params[i]);
    if (!k)
        return FG_OK;
    struct fhir_include *inc = fg_pool_zalloc(pool, (q->n_includes + k) * sizeof *inc);
    if (!inc)
        return FG_ENOMEM;
    if (q->n_includes)
        memcpy(inc, q->includes, q->n_includes * sizeof *inc);
    k = q->n_includes;
    for (size_t i = 0; i < q->n_params; i++) {
        const struct fhir_search_param *p = &q->params[i];
        if (hop_checked_by_include(p))
            inc[k++] = (struct fhir_include){.source_type = q->type,
                                             .def = p->def,
                                             .target_type = p->chain->target_type};
    }
    out->includes = inc;
    out->n_includes = k;
    *added = true;
    return FG_OK;
}

static bool has_chain(const struct fhir_query *q)
{
    for (size_t i = 0; i < q->n_params; i++)
        if (q->params[i].chain)
            return true;
    return false;
}

static bool in_compartment_or_none(const struct fhir_query *q, const struct fhir_resource *t)
{
    return t->n_compartment == 0 || up_in_compartment(q, t);
}

/* Is the target type/id among the included resources, and in q's
 * compartments or in none? */
static bool target_reached(const struct fhir_query *q, struct fg_str type, struct fg_str id,
                           const struct fhir_resource *inc, size_t n_inc)
{
    for (size_t i = 0; i < n_inc; i++)
        if (fg_str_eq(inc[i].type, type) && fg_str_eq(inc[i].id, id))
            return in_compartment_or_none(q, &inc[i]);
    return false; /* not shown to the gateway: fail closed */
}

/* Does every resource r's chained parameters (entries e) reference stay
 * within q's patients? A Patient must be one of them; a target of another
 * patient-compartment type must have come back included and be in their
 * compartments or in none. */
static bool chains_reached(const struct fhir_query *q, const struct fhir_index_entry *e,
                           size_t n_e, const struct fhir_resource *inc, size_t n_inc)
{
    for (size_t i = 0; i < q->n_params; i++) {
        const struct fhir_search_param *p = &q->params[i];
        if (!p->chain)
            continue;
        bool by_include = hop_checked_by_include(p);
        for (size_t k = 0; k < n_e; k++) {
            if (e[k].def != p->def || e[k].ref_url.len)
                continue;
            bool reached = true;
            if (by_include && fg_str_eq(e[k].ref_type, p->chain->target_type)) {
                reached = target_reached(q, e[k].ref_type, e[k].ref_id, inc, n_inc);
            } else if (fg_str_eq_c(e[k].ref_type, "Patient")) {
                reached = false;
                for (size_t j = 0; j < q->n_compartment_patients && !reached; j++)
                    reached = fg_str_eq(e[k].ref_id, q->compartment_patients[j]);
            }
            if (!reached)
                return false;
        }
    }
    return true;
}

/* The index entries of r, rebased to the gateway's base; false on no memory
 * (the upstream JSON was parsed once already). */
static bool rebased_entries(const struct up_store *s, struct fg_pool *pool,
                            const struct fhir_resource *r, struct fhir_index_entry **e, size_t *n)
{
    if (!entries_of(pool, r, e, n))
        return false;
    fhir_index_rebase(fg_str_c(s->base_url), *e, *n);
    return true;
}

/* up_match_holds past the compartment check, on r's entries e. */
static bool holds_on(const struct up_store *s, struct fg_pool *pool, const struct fhir_query *q,
                     const struct fhir_resource *r, const struct fhir_index_entry *e, size_t n_e,
                     const struct fhir_resource *included, size_t n_included)
{
    bool chains = q->n_compartment_patients && has_chain(q);
    if (chains && !chains_reached(q, e, n_e, included, n_included))
        return false;
    bool match = false;
    int64_t now_ms = fg_clock_now_us(s->base.clock) / 1000;
    return fhir_match_filters(pool, q, r, e, n_e, now_ms, &match) == FG_OK && match;
}

bool up_match_holds(const struct up_store *s, struct fg_pool *pool, const struct fhir_query *q,
                    const struct fhir_resource *r, const struct fhir_resource *included,
                    size_t n_included)
{
    if (!up_in_compartment(q, r))
        return false;
    if (!(q->n_compartment_patients && has_chain(q)) && !fhir_match_evaluable(q))
        return true;
    struct fhir_index_entry *e = NULL;
    size_t n_e = 0;
    return rebased_entries(s, pool, r, &e, &n_e) &&
           holds_on(s, pool, q, r, e, n_e, included, n_included);
}

bool up_leg_match_holds(const struct up_store *s, struct fg_pool *pool, const struct fhir_query *q,
                        size_t leg, const struct fhir_resource *r,
                        const struct fhir_resource *included, size_t n_included)
{
    struct fhir_index_entry *e = NULL;
    size_t n_e = 0;
    return up_in_compartment(q, r) && rebased_entries(s, pool, r, &e, &n_e) &&
           !found_by_earlier_leg(q, leg, e, n_e) &&
           holds_on(s, pool, q, r, e, n_e, included, n_included);
}
