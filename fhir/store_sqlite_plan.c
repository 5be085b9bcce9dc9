/* store_sqlite_plan.c - the patient-first driver of a search.
 *
 * idx_date is clustered (pat, param, hi, lo, rid), one row per compartment
 * patient of the resource (store_sqlite_schema.c). When a search names its
 * patients, either by the policy's compartment restriction or by a
 * reference parameter whose every match lies in the named Patient's
 * compartment (Observation?patient=X: "patient" is subject@Patient and
 * "subject" puts an Observation in X's compartment), a date parameter of
 * the same search can drive it: the candidates are the rows of those
 * patients whose dates fall in the range, one b-tree range scan that
 * touches nothing else. The reference itself stays a filter (the
 * compartment is a superset of its matches). The date rows are filed
 * under the compartment's patients plus any Patient that such a reference
 * names by an absolute URL on this server's base (the index rebases it to
 * Patient/id, the compartment counts relative references only), so both
 * the reference and the compartment restriction imply the rows.
 * http://hl7.org/fhir/R4/compartmentdefinition-patient.html
 */
#include "store_sqlite_internal.h"

#include <string.h>

/* Takes the next path of a '|' list off *rest, without its "@Type"
 * filter ("subject@Patient" -> "subject"); false at the end. */
static bool next_path(struct fg_str *rest, struct fg_str *bare)
{
    if (!rest->len)
        return false;
    struct fg_str one = *rest, tail = FG_STR_NULL, type;
    if (fg_str_split(*rest, '|', &one, &tail))
        *rest = tail;
    else
        *rest = FG_STR_NULL;
    if (!fg_str_split(one, '@', bare, &type))
        *bare = one;
    return true;
}

/* True when path is one of the paths of the '|' list. */
static bool path_in(struct fg_str path, const char *list)
{
    struct fg_str rest = fg_str_c(list), one;
    while (next_path(&rest, &one))
        if (fg_str_eq(one, path))
            return true;
    return false;
}

/* True when every resource a reference parameter def matches (with a
 * Patient target) is in that patient's compartment: each of its paths is
 * a path of one of the type's compartment parameters. */
static bool ref_implies_compartment(struct fg_str type, const struct fhir_searchparam *def)
{
    long ix = fhir_resource_type_index(type);
    if (ix < 0 || !def->paths || !*def->paths)
        return false;
    const struct fhir_type_info *ti = &fhir_type_infos[ix];
    struct fg_str rest = fg_str_c(def->paths), one;
    while (next_path(&rest, &one)) {
        bool found = false;
        for (size_t c = 0; c < ti->n_compartment && !found; c++) {
            const struct fhir_searchparam *cdef =
                fhir_searchparam_find(type, fg_str_c(ti->compartment[c]));
            found = cdef && cdef->paths && path_in(one, cdef->paths);
        }
        if (!found)
            return false;
    }
    return true;
}

int sq_ref_bit(const struct fhir_searchparam *def)
{
    if (def < fhir_searchparams || def >= fhir_searchparams + fhir_searchparams_count ||
        def->type != FHIR_PARAM_REFERENCE)
        return -1;
    int k = 0;
    for (size_t i = (size_t)(def - fhir_searchparams); i-- > 0;) {
        const char *r = fhir_searchparams[i].resource; /* one literal per type, usually */
        if (r != def->resource && strcmp(r, def->resource) != 0)
            break;
        k += fhir_searchparams[i].type == FHIR_PARAM_REFERENCE;
    }
    return k < 63 ? k : -1;
}

int64_t sq_date_via(const struct fhir_index_entry *e, size_t n, struct fg_str patient)
{
    int64_t via = 0;
    for (size_t i = 0; i < n && patient.len; i++) {
        if (e[i].def->type != FHIR_PARAM_REFERENCE || e[i].ref_url.len ||
            !fg_str_eq(e[i].ref_id, patient) || !fg_str_eq_c(e[i].ref_type, "Patient"))
            continue;
        int b = sq_ref_bit(e[i].def);
        if (b >= 0)
            via |= (int64_t)1 << b;
    }
    return via;
}

/* The Patient ids of a reference parameter (q->params[ix]) whose every
 * value names a Patient of this server, or false. A date row under one of
 * them with the parameter's via bit is a match of the parameter: the
 * parameter names exactly that Patient. */
static bool ref_patients(const struct fhir_query *q, size_t ix, struct sq_driver *d)
{
    const struct fhir_search_param *p = &q->params[ix];
    if (p->chain || p->def->type != FHIR_PARAM_REFERENCE || !p->n_values ||
        p->n_values > SQ_DRIVER_MAX_PATIENTS ||
        (p->modifier != FHIR_MOD_NONE &&
         !(p->modifier == FHIR_MOD_TYPE && fg_str_eq_c(p->modifier_type, "Patient"))))
        return false;
    for (size_t i = 0; i < p->n_values; i++) {
        const struct fhir_search_value *v = &p->values[i];
        struct fg_str t = fhir_search_ref_type(p, v);
        if (v->ref_url.len || !v->ref_id.len || !fg_str_eq_c(t, "Patient"))
            return false;
    }
    if (!ref_implies_compartment(q->type, p->def))
        return false;
    for (size_t i = 0; i < p->n_values; i++)
        d->patients[i] = p->values[i].ref_id;
    d->n_patients = p->n_values;
    int bit = sq_ref_bit(p->def);
    d->ref_param = (long)ix;
    d->ref_mask = bit >= 0 ? (int64_t)1 << bit : 0;
    return true;
}

static bool date_can_drive(const struct fhir_search_param *p)
{
    return !p->chain && p->def->type == FHIR_PARAM_DATE && p->modifier == FHIR_MOD_NONE &&
           p->n_values && !sq_param_on_res(p->def);
}

bool sq_patient_date_driver(const struct fhir_query *q, struct sq_driver *d)
{
    long date = -1;
    for (size_t i = 0; i < q->n_params; i++) {
        if (!q->params[i].chain && strcmp(q->params[i].def->code, "_id") == 0)
            return false; /* _id: the unique index is better */
        if (date < 0 && date_can_drive(&q->params[i]))
            date = (long)i;
    }
    if (date < 0)
        return false;
    d->n_patients = 0;
    d->ref_param = -1;
    d->ref_mask = 0;
    if (q->n_compartment_patients && q->n_compartment_patients <= SQ_DRIVER_MAX_PATIENTS) {
        for (size_t i = 0; i < q->n_compartment_patients; i++)
            d->patients[i] = q->compartment_patients[i];
        d->n_patients = q->n_compartment_patients;
    } else {
        for (size_t i = 0; i < q->n_params && !d->n_patients; i++)
            ref_patients(q, i, d);
    }
    if (!d->n_patients)
        return false;
    d->param = date;
    return true;
}

static bool has_id(const struct fg_str *ids, size_t n, struct fg_str id)
{
    for (size_t i = 0; i < n; i++)
        if (fg_str_eq(ids[i], id))
            return true;
    return false;
}

enum fg_status sq_date_patients(struct fg_pool *pool, struct fg_str type,
                                const struct fhir_index_entry *e, size_t n,
                                const struct fg_str *patients, size_t n_patients,
                                const struct fg_str **out, size_t *n_out)
{
    struct fg_str *ids = NULL;
    size_t k = 0;
    *out = patients;
    *n_out = n_patients;
    for (size_t i = 0; i < n; i++) {
        if (e[i].def->type != FHIR_PARAM_REFERENCE || e[i].ref_url.len ||
            !fg_str_eq_c(e[i].ref_type, "Patient") || !e[i].ref_id.len ||
            has_id(*out, *n_out, e[i].ref_id) || !ref_implies_compartment(type, e[i].def))
            continue;
        if (!ids) { /* rare: a reference written as an absolute URL on our base */
            ids = fg_pool_alloc(pool, (n_patients + n) * sizeof *ids);
            if (!ids)
                return FG_ENOMEM;
            for (k = 0; k < n_patients; k++)
                ids[k] = patients[k];
            *out = ids;
        }
        ids[k++] = e[i].ref_id;
        *n_out = k;
    }
    return FG_OK;
}
