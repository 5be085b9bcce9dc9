/* everything.c - Patient $everything as per-type searches (contract in
 * everything.h). http://hl7.org/fhir/R4/patient-operation-everything.html */
#include "everything.h"

#include <stdio.h>
#include <string.h>

#include "../core/fg_buf.h"
#include "date.h"
#include "index.h"
#include "opparams.h"
#include "searchparam.h"

/* Care dates whose search parameter is not `date` (or whose `date` is not
 * the care date: DocumentReference.date is when the reference was made). */
static const struct {
    const char *type;
    const char *param;
} date_params[] = {
    {"Condition", "onset-date"},
    {"DocumentReference", "period"},
    {"MedicationAdministration", "effective-time"},
    {"MedicationDispense", "whenhandedover"},
    {"MedicationRequest", "authoredon"},
    {"ServiceRequest", "authored"},
    {"Specimen", "collected"},
};

const char *fhir_everything_date_param(struct fg_str type)
{
    for (size_t i = 0; i < sizeof date_params / sizeof date_params[0]; i++)
        if (fg_str_eq_c(type, date_params[i].type))
            return date_params[i].param;
    const struct fhir_searchparam *d = fhir_searchparam_find(type, fg_str_c("date"));
    return d && d->type == FHIR_PARAM_DATE && strcmp(d->resource, "Resource") != 0 ? "date"
                                                                                     : NULL;
}

static enum fg_status take_date(struct fg_str *slot, struct fg_str v, const char *name,
                                bool instant, struct fg_error *err)
{
    struct fhir_date_range r;
    enum fg_status st = fhir_opparams_once(slot, v, name, err);
    if (st != FG_OK)
        return st;
    if (fhir_date_parse(v, &r) != FG_OK || (instant && r.precision < FHIR_PREC_SECOND))
        return fg_error_set(err, FG_EINVAL, name, "%s must be a FHIR %s", name,
                            instant ? "instant" : "date or dateTime");
    return FG_OK;
}

/* Adds every type of a comma list, each once. */
static enum fg_status take_types(struct fhir_everything_params *o, struct fg_str v,
                                 struct fg_error *err)
{
    struct fg_str item, rest = v;
    if (!v.len)
        return fg_error_set(err, FG_EINVAL, "_type", "_type is empty");
    while (rest.ptr) {
        bool more = fg_str_split(rest, ',', &item, &rest);
        if (!fhir_resource_type_known(item))
            return fg_error_set(err, FG_EINVAL, "_type", "_type: %.*s is not a resource type",
                                (int)(item.len > 64 ? 64 : item.len), item.ptr);
        bool seen = false;
        for (size_t i = 0; i < o->n_types && !seen; i++)
            seen = fg_str_eq(o->types[i], item);
        if (!seen && o->n_types == FG_MAX_EVERYTHING_TYPES)
            return fg_error_set(err, FG_EINVAL, "_type", "at most %d types in _type",
                                FG_MAX_EVERYTHING_TYPES);
        if (!seen)
            o->types[o->n_types++] = item;
        if (!more)
            break;
    }
    return FG_OK;
}

static enum fg_status take_count(struct fhir_everything_params *o, struct fg_str v, bool *seen,
                                 struct fg_error *err)
{
    int64_t c = 0;
    if (*seen)
        return fg_error_set(err, FG_EINVAL, "_count", "_count may be given once");
    if (fg_parse_i64(v, 1, INT64_MAX, &c) != FG_OK)
        return fg_error_set(err, FG_EINVAL, "_count", "_count must be a positive integer");
    *seen = true;
    o->count = c > FG_MAX_COUNT ? FG_MAX_COUNT : (int)c;
    return FG_OK;
}

/* "<Type>" or "<Type>.<store cursor>" (search.h: the store's cursor is opaque). */
static enum fg_status take_cursor(struct fhir_everything_params *o, struct fg_str v,
                                  struct fg_error *err)
{
    struct fg_str type, store;
    if (o->cursor_type.len)
        return fg_error_set(err, FG_EINVAL, "_cursor", "_cursor may be given once");
    bool dot = fg_str_split(v, '.', &type, &store);
    if (!fhir_resource_type_known(type) || !fhir_compartment_type_in_patient(type) ||
        (dot && !store.len))
        return fg_error_set(err, FG_EINVAL, "_cursor", "Invalid _cursor");
    o->cursor_type = type;
    o->cursor_store = store;
    return FG_OK;
}

struct parse_state {
    bool count_seen;
};

static enum fg_status take_pair(struct fhir_everything_params *o, struct parse_state *ps,
                                struct fg_str name, struct fg_str v, bool strict,
                                struct fg_error *err)
{
    if (fg_str_eq_c(name, "start"))
        return take_date(&o->start, v, "start", false, err);
    if (fg_str_eq_c(name, "end"))
        return take_date(&o->end, v, "end", false, err);
    if (fg_str_eq_c(name, "_since"))
        return take_date(&o->since, v, "_since", true, err);
    if (fg_str_eq_c(name, "_type"))
        return take_types(o, v, err);
    if (fg_str_eq_c(name, "_count"))
        return take_count(o, v, &ps->count_seen, err);
    if (fg_str_eq_c(name, "_cursor"))
        return take_cursor(o, v, err);
    if (strict && !fhir_opparams_ignored(name))
        return fg_error_set(err, FG_EINVAL, "parameter", "$everything has no parameter %.*s",
                            (int)(name.len > 64 ? 64 : name.len), name.ptr);
    return FG_OK;
}

static enum fg_status finish(struct fhir_everything_params *o, struct fg_error *err)
{
    struct fhir_date_range s, e;
    if (!o->count)
        o->count = FG_DEFAULT_COUNT;
    if (o->start.len && o->end.len && fhir_date_parse(o->start, &s) == FG_OK &&
        fhir_date_parse(o->end, &e) == FG_OK && s.lo > e.hi)
        return fg_error_set(err, FG_EINVAL, "start", "start is after end");
    return FG_OK;
}

enum fg_status fhir_everything_from_pairs(const struct fhir_kv *pairs, size_t n, bool strict,
                                          struct fhir_everything_params *out,
                                          struct fg_error *err)
{
    struct parse_state ps = {false};
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < n; i++) {
        enum fg_status st = take_pair(out, &ps, pairs[i].name, pairs[i].value, strict, err);
        if (st != FG_OK)
            return st;
    }
    return finish(out, err);
}

/* The value of one Parameters.parameter as pair text (pool-owned), or an
 * empty string when it carries none of the types $everything uses. */
static enum fg_status parameter_value(struct fg_pool *pool, const cJSON *p, struct fg_str *v,
                                      struct fg_error *err)
{
    static const char *const simple[] = {"valueDate", "valueDateTime", "valueInstant",
                                         "valueCode", "valueString"};
    *v = FG_STR_NULL;
    for (size_t i = 0; i < sizeof simple / sizeof simple[0]; i++) {
        const cJSON *x = cJSON_GetObjectItemCaseSensitive(p, simple[i]);
        if (cJSON_IsString(x)) {
            *v = fg_pool_str(pool, fg_str_c(x->valuestring));
            return v->ptr ? FG_OK : fg_error_set(err, FG_ENOMEM, NULL, "out of memory");
        }
    }
    static const char *const ints[] = {"valueInteger", "valuePositiveInt"};
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        const cJSON *x = cJSON_GetObjectItemCaseSensitive(p, ints[i]);
        if (!x)
            continue;
        double d = cJSON_IsNumber(x) ? x->valuedouble : 0;
        if (!cJSON_IsNumber(x) || d < 1 || d > 1e9 || d != (double)(int64_t)d)
            return fg_error_set(err, FG_EINVAL, "Parameters.parameter.valueInteger",
                                "_count must be a positive integer");
        char *t = fg_pool_printf(pool, "%lld", (long long)d);
        if (!t)
            return fg_error_set(err, FG_ENOMEM, NULL, "out of memory");
        *v = fg_str_c(t);
        return FG_OK;
    }
    return FG_OK;
}

struct parameters_walk {
    struct fg_pool *pool;
    struct fhir_everything_params *out;
    struct parse_state ps;
    bool strict;
};

static enum fg_status take_parameter(void *arg, struct fg_str name, const cJSON *p,
                                     struct fg_error *err)
{
    struct parameters_walk *w = arg;
    if (fg_str_eq_c(name, "_cursor")) /* a position of a GET next link, not an input */
        return fg_error_set(err, FG_EINVAL, "_cursor", "_cursor is not an operation input");
    struct fg_str v;
    enum fg_status st = parameter_value(w->pool, p, &v, err);
    return st == FG_OK ? take_pair(w->out, &w->ps, name, v, w->strict, err) : st;
}

enum fg_status fhir_everything_from_parameters(struct fg_pool *pool, const cJSON *parameters,
                                               bool strict, struct fhir_everything_params *out,
                                               struct fg_error *err)
{
    struct parameters_walk w = {pool, out, {false}, strict};
    memset(out, 0, sizeof *out);
    enum fg_status st = fhir_opparams_each(parameters, take_parameter, &w, err);
    return st == FG_OK ? finish(out, err) : st;
}

static bool named(const struct fhir_everything_params *p, struct fg_str type)
{
    if (!p->n_types)
        return true;
    for (size_t i = 0; i < p->n_types; i++)
        if (fg_str_eq(p->types[i], type))
            return true;
    return false;
}

bool fhir_everything_by_patient_param(struct fg_str type)
{
    if (fhir_compartment_type_in_patient(type))
        return false;
    const struct fhir_searchparam *d = fhir_searchparam_find(type, fg_str_c("patient"));
    return d && d->type == FHIR_PARAM_REFERENCE && strcmp(d->resource, "Resource") != 0;
}

static bool is_searched(struct fg_str t)
{
    return fhir_compartment_type_in_patient(t) || fhir_everything_by_patient_param(t);
}

void fhir_everything_types(const struct fhir_everything_params *p, const char **out, size_t *n)
{
    *n = 0;
    if (named(p, fg_str_c("Patient")))
        out[(*n)++] = "Patient";
    for (size_t i = 0; i < fhir_resource_types_count && *n < FHIR_EVERYTHING_MAX_SEARCHED; i++) {
        struct fg_str t = fg_str_c(fhir_resource_types[i]);
        if (!fg_str_eq_c(t, "Patient") && is_searched(t) && named(p, t))
            out[(*n)++] = fhir_resource_types[i];
    }
}

/* Could a referenced resource survive fhir_everything_keep_include? Only
 * when _type names a type outside the searched ones (a searched type comes
 * as a match of its own search). */
static bool wants_includes(const struct fhir_everything_params *p)
{
    for (size_t i = 0; i < p->n_types; i++)
        if (!is_searched(p->types[i]))
            return true;
    return !p->n_types;
}

static bool wants_provenance(const struct fhir_everything_params *p)
{
    return named(p, fg_str_c("Provenance"));
}

/* Can a reference parameter lead to a resource no search of the call
 * returns: a target type outside the searched ones, or any type? */
static bool leads_outside(const struct fhir_searchparam *d)
{
    struct fg_str rest = fg_str_c(d->targets), t;
    if (!rest.len)
        return true;
    while (rest.len) {
        fg_str_split(rest, ' ', &t, &rest);
        if (t.len && !is_searched(t))
            return true;
    }
    return false;
}

/* _include=<type>:<param> for each of type's own reference parameters that
 * leads outside the searched types, up to FG_MAX_INCLUDES - 1 of them (one
 * is left for the Provenance _revinclude). Named parameters rather than
 * <type>:*, which not every FHIR server (upstream mode) accepts. */
static enum fg_status add_includes(struct fg_pool *pool, struct fhir_kv *kv, size_t *n,
                                   struct fg_str type)
{
    size_t cursor = 0, added = 0;
    const struct fhir_searchparam *d;
    while (added < FG_MAX_INCLUDES - 1 && (d = fhir_searchparam_next(type, &cursor)) != NULL) {
        if (d->type != FHIR_PARAM_REFERENCE || !fg_str_eq_c(type, d->resource) ||
            !leads_outside(d))
            continue;
        char *v = fg_pool_printf(pool, "%.*s:%s", (int)type.len, type.ptr, d->code);
        if (!v)
            return FG_ENOMEM;
        kv[(*n)++] = (struct fhir_kv){fg_str_c("_include"), fg_str_c(v)};
        added++;
    }
    return FG_OK;
}

static enum fg_status add_pair(struct fg_pool *pool, struct fhir_kv *kv, size_t *n,
                               const char *name, const char *prefix, struct fg_str value)
{
    char *v = fg_pool_printf(pool, "%s%.*s", prefix, (int)value.len, value.ptr);
    if (!v)
        return FG_ENOMEM;
    kv[(*n)++] = (struct fhir_kv){fg_str_c(name), fg_str_c(v)};
    return FG_OK;
}

enum fg_status fhir_everything_search_pairs(struct fg_pool *pool,
                                            const struct fhir_everything_params *p,
                                            struct fg_str type, struct fg_str patient,
                                            int count, struct fg_str store_cursor,
                                            struct fhir_kv **pairs, size_t *n)
{
    struct fhir_kv *kv = fg_pool_alloc(pool, FHIR_EVERYTHING_MAX_PAIRS * sizeof *kv);
    char *c = fg_pool_printf(pool, "%d", count);
    const char *date = fhir_everything_date_param(type);
    size_t k = 0;
    if (!kv || !c)
        return FG_ENOMEM;
    kv[k++] = (struct fhir_kv){fg_str_c("_count"), fg_str_c(c)};
    enum fg_status st = FG_OK;
    if (patient.len && fhir_everything_by_patient_param(type))
        st = add_pair(pool, kv, &k, "patient", "Patient/", patient);
    if (st == FG_OK && p->since.len)
        st = add_pair(pool, kv, &k, "_lastUpdated", "ge", p->since);
    if (st == FG_OK && date && p->start.len)
        st = add_pair(pool, kv, &k, date, "ge", p->start);
    if (st == FG_OK && date && p->end.len)
        st = add_pair(pool, kv, &k, date, "le", p->end);
    if (st == FG_OK && wants_includes(p))
        st = add_includes(pool, kv, &k, type);
    if (st == FG_OK && wants_provenance(p) && !fg_str_eq_c(type, "Provenance"))
        kv[k++] = (struct fhir_kv){fg_str_c("_revinclude"), fg_str_c("Provenance:target")};
    if (st == FG_OK && store_cursor.len)
        kv[k++] = (struct fhir_kv){fg_str_c("_cursor"), store_cursor};
    if (st != FG_OK)
        return st;
    *pairs = kv;
    *n = k;
    return FG_OK;
}

static bool in_compartment(const struct fhir_resource *r, struct fg_str patient)
{
    for (size_t i = 0; i < r->n_compartment; i++)
        if (fg_str_eq(r->compartment[i], patient))
            return true;
    return false;
}

bool fhir_everything_keep_include(const struct fhir_everything_params *p, struct fg_str patient,
                                  const char *const *searched, size_t n_searched,
                                  const struct fhir_resource *r)
{
    bool searched_type = false;
    for (size_t i = 0; i < n_searched && !searched_type; i++)
        searched_type = fg_str_eq_c(r->type, searched[i]);
    if (!named(p, r->type))
        return false;
    /* In no compartment: reference data, or a compartment type's resource
     * that is nobody's (a Provenance of the patient's Observations), which
     * no compartment search returns; a Device comes from its own search. */
    if (!r->n_compartment)
        return !searched_type || fhir_compartment_type_in_patient(r->type);
    return patient.len && in_compartment(r, patient) && !searched_type;
}

/* Appends "name=v", after a '&' when the buffer has grown past start. */
static enum fg_status write_pair(struct fg_buf *b, size_t start, const char *name,
                                 struct fg_str v)
{
    enum fg_status st = FG_OK;
    if (b->len > start)
        st = fg_buf_append_char(b, '&');
    if (st == FG_OK)
        st = fg_buf_append_c(b, name);
    if (st == FG_OK)
        st = fg_buf_append_char(b, '=');
    return st == FG_OK ? fg_buf_append_url_encoded(b, v) : st;
}

enum fg_status fhir_everything_write_query(const struct fhir_everything_params *p,
                                           struct fg_buf *buf)
{
    enum fg_status st = FG_OK;
    size_t at = buf->len;
    if (p->start.len)
        st = write_pair(buf, at, "start", p->start);
    if (st == FG_OK && p->end.len)
        st = write_pair(buf, at, "end", p->end);
    if (st == FG_OK && p->since.len)
        st = write_pair(buf, at, "_since", p->since);
    for (size_t i = 0; st == FG_OK && i < p->n_types; i++)
        st = write_pair(buf, at, "_type", p->types[i]);
    if (st == FG_OK && p->count != FG_DEFAULT_COUNT) {
        char c[16];
        int w = snprintf(c, sizeof c, "%d", p->count);
        st = w > 0 && (size_t)w < sizeof c ? write_pair(buf, at, "_count", fg_str_c(c))
                                            : FG_EINVAL;
    }
    return st;
}

enum fg_status fhir_everything_write_cursor(struct fg_str type, struct fg_str store_cursor,
                                            struct fg_buf *buf)
{
    enum fg_status st = fg_buf_append_url_encoded(buf, type);
    if (st == FG_OK && store_cursor.len)
        st = fg_buf_append_char(buf, '.');
    if (st == FG_OK && store_cursor.len)
        st = fg_buf_append_url_encoded(buf, store_cursor);
    return st;
}
