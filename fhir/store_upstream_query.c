/* store_upstream_query.c - a parsed, policy-narrowed search written as the
 * request an upstream FHIR server runs.
 *
 * Every page is built from the query of the request at hand (re-parsed and
 * re-narrowed by the gateway each time), plus only the paging state of the
 * cursor: a cursor cannot widen a search. The patient-compartment
 * restriction becomes a reference search on the type's compartment
 * parameter, `subject` preferred over `patient` (servers index subject
 * directly; patient is subject restricted to Patient), then `beneficiary`
 * (Coverage), else the first the CompartmentDefinition lists; or `_id` for
 * Patient itself; what comes back is checked against the compartment again
 * (up_in_compartment). A resource in the compartment only through another
 * parameter (Observation.performer) is therefore not found upstream.
 * Compartments: http://hl7.org/fhir/R4/compartmentdefinition-patient.html
 */
#include <string.h>

#include "../core/fg_limits.h"
#include "searchparam.h"
#include "store_upstream_internal.h"

/* The compartment parameter to send for type, or NULL when resources of
 * the type are in no patient's compartment. */
static const char *compartment_param(struct fg_str type)
{
    /* The parameter naming the record's own patient first: the subject,
     * the patient, a Coverage's beneficiary; else the first listed. */
    static const char *const preferred[] = {"subject", "patient", "beneficiary"};
    if (fg_str_eq_c(type, "Patient"))
        return "_id";
    long ix = fhir_resource_type_index(type);
    if (ix < 0)
        return NULL;
    const struct fhir_type_info *ti = &fhir_type_infos[ix];
    for (size_t p = 0; p < sizeof preferred / sizeof preferred[0]; p++)
        for (size_t i = 0; i < ti->n_compartment; i++)
            if (strcmp(ti->compartment[i], preferred[p]) == 0)
                return ti->compartment[i];
    return ti->n_compartment ? ti->compartment[0] : NULL;
}

static enum fg_status write_compartment(const struct fhir_query *q, struct fg_buf *b, bool *empty)
{
    const char *param = compartment_param(q->type);
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

enum fg_status up_search_path(struct fg_pool *pool, const struct fhir_query *q, struct fg_str *out,
                              bool *empty, struct fg_error *err)
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
        st = write_compartment(q, &b, empty);
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
