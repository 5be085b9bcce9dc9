/* bulk_params.c - Bulk Data kick-off parameters (see bulk_params.h).
 * https://hl7.org/fhir/uv/bulkdata/STU2/export.html#query-parameters */
#include "bulk_params.h"

#include <string.h>

#include "../fhir/date.h"
#include "../fhir/opparams.h"
#include "../fhir/searchparam.h"

/* ---- Prefer ---- */

void fg_bulk_prefer_parse(struct fg_str prefer, bool *respond_async, bool *lenient)
{
    *respond_async = false;
    *lenient = false;
    struct fg_str rest = prefer, item;
    while (rest.ptr && rest.len) {
        size_t i = 0;
        while (i < rest.len && rest.ptr[i] != ',' && rest.ptr[i] != ';')
            i++;
        item = fg_str_trim(fg_str_n(rest.ptr, i));
        rest = i < rest.len ? fg_str_n(rest.ptr + i + 1, rest.len - i - 1) : FG_STR_NULL;
        struct fg_str k, v;
        if (!fg_str_split(item, '=', &k, &v)) {
            if (fg_str_ieq_c(item, "respond-async"))
                *respond_async = true;
            continue;
        }
        v = fg_str_trim(v);
        if (v.len >= 2 && v.ptr[0] == '"' && v.ptr[v.len - 1] == '"')
            v = fg_str_n(v.ptr + 1, v.len - 2);
        if (fg_str_ieq_c(fg_str_trim(k), "handling") && fg_str_ieq_c(v, "lenient"))
            *lenient = true;
    }
}

/* ---- parameters ---- */

/* Parameters the spec defines that this server does not implement. */
static bool unsupported_known(struct fg_str name)
{
    return fg_str_eq_c(name, "includeAssociatedData");
}

/* A value cut for a diagnostic. */
#define SHOWN(v) (int)((v).len > 64 ? 64 : (v).len), (v).ptr ? (v).ptr : ""

/* The next non-empty item of a comma-separated list. */
static bool next_word(struct fg_str *rest, struct fg_str *word)
{
    while (rest->len) {
        fg_str_split(*rest, ',', word, rest);
        *word = fg_str_trim(*word);
        if (word->len)
            return true;
    }
    return false;
}

static enum fg_status add_types(struct fg_str value, struct fg_bulk_params *p,
                                struct fg_error *err)
{
    struct fg_str rest = value, word;
    while (next_word(&rest, &word)) {
        long ix = fhir_resource_type_index(word);
        if (ix < 0)
            return fg_error_set(err, FG_EINVAL, "_type",
                                "_type: \"%.*s\" is not a FHIR R4 resource type", SHOWN(word));
        const char *name = fhir_resource_types[ix];
        bool seen = false;
        for (size_t i = 0; i < p->n_types && !seen; i++)
            seen = p->types[i] == name;
        if (seen)
            continue;
        if (p->n_types >= FG_MAX_BULK_TYPES)
            return fg_error_set_http(err, FG_EINVAL, 400, "too-costly", "_type",
                                     "_type: more than %d types", FG_MAX_BULK_TYPES);
        p->types[p->n_types++] = name;
    }
    return FG_OK;
}

/* A FHIR instant: date, time to the second at least, and a zone. In a
 * query string an unescaped '+' of the zone arrives as a space. */
static enum fg_status parse_since(struct fg_str value, int64_t *out_us, struct fg_error *err)
{
    char buf[48];
    struct fg_str v = fg_str_trim(value);
    if (v.len < 20 || v.len >= sizeof buf)
        goto bad;
    memcpy(buf, v.ptr, v.len);
    buf[v.len] = '\0';
    if (buf[10] != 'T')
        goto bad;
    char *zone = NULL;
    for (size_t i = 19; i < v.len; i++) {
        if (buf[i] == ' ')
            buf[i] = '+';
        if (buf[i] == 'Z' || buf[i] == '+' || buf[i] == '-')
            zone = buf + i;
    }
    struct fhir_date_range r;
    if (!zone || fhir_date_parse(fg_str_n(buf, v.len), &r) != FG_OK ||
        r.precision < FHIR_PREC_SECOND)
        goto bad;
    if (r.lo < 0 || r.lo > INT64_MAX / 1000)
        goto bad;
    *out_us = r.lo * 1000;
    return FG_OK;
bad:
    return fg_error_set(err, FG_EINVAL, "_since",
                        "_since must be a FHIR instant (YYYY-MM-DDThh:mm:ss[.sss] with Z or "
                        "+hh:mm)");
}

static bool ndjson_format(struct fg_str v)
{
    /* '+' of a query string that was not percent-encoded arrives as a space */
    static const char *const ok[] = {"application/fhir+ndjson", "application/fhir ndjson",
                                     "application/ndjson", "ndjson"};
    v = fg_str_trim(v);
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (fg_str_ieq_c(v, ok[i]))
            return true;
    return false;
}

/* Search result parameters (search.html#return): they shape a Bundle, not
 * a selection, and have no place in a _typeFilter. */
static bool result_param(struct fg_str name)
{
    static const char *const names[] = {"_count",   "_sort",        "_include", "_revinclude",
                                        "_elements", "_summary",    "_total",   "_contained",
                                        "_containedType", "_cursor", "_format", "_pretty"};
    struct fg_str base, mod;
    if (!fg_str_split(name, ':', &base, &mod))
        base = name;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (fg_str_eq_c(base, names[i]))
            return true;
    return false;
}

/* Room for one more item in a pool array of n elem-size items: its
 * capacity is 4, then doubles (n == 0 or a power of two from 4 on is
 * full). arr itself, or a bigger copy; NULL on no memory. */
static void *grow(struct fg_pool *pool, void *arr, size_t n, size_t elem)
{
    if (n && (n < 4 || (n & (n - 1)) != 0))
        return arr;
    void *bigger = fg_pool_alloc(pool, (n ? 2 * n : 4) * elem);
    if (bigger && n)
        memcpy(bigger, arr, n * elem);
    return bigger;
}

/* Appends v to the pool array *arr of *n values of parameter name, at
 * most max (then 400 too-costly). */
static enum fg_status append(struct fg_pool *pool, struct fg_str **arr, size_t *n, size_t max,
                             const char *name, struct fg_str v, struct fg_error *err)
{
    if (*n >= max)
        return fg_error_set_http(err, FG_EINVAL, 400, "too-costly", name,
                                 "%s: more than %zu values", name, max);
    struct fg_str *bigger = grow(pool, *arr, *n, sizeof *bigger);
    if (!bigger)
        return fg_error_set(err, FG_ENOMEM, NULL, "out of memory");
    bigger[(*n)++] = v;
    *arr = bigger;
    return FG_OK;
}

/* "Type?query": the search parser checks the query as a search of Type. */
static enum fg_status add_type_filter(struct fg_pool *pool, struct fg_str base,
                                      struct fg_str value, bool lenient, struct fg_bulk_params *p,
                                      struct fg_error *err)
{
    struct fg_str type, query;
    if (!fg_str_split(fg_str_trim(value), '?', &type, &query) || !query.len)
        return fg_error_set(err, FG_EINVAL, "_typeFilter",
                            "_typeFilter \"%.*s\" must be a search: Type?param=value", SHOWN(value));
    long ix = fhir_resource_type_index(type);
    if (ix < 0)
        return fg_error_set(err, FG_EINVAL, "_typeFilter",
                            "_typeFilter: \"%.*s\" is not a FHIR R4 resource type", SHOWN(type));
    if (p->n_filters >= FG_MAX_BULK_TYPE_FILTERS)
        return fg_error_set_http(err, FG_EINVAL, 400, "too-costly", "_typeFilter",
                                 "more than %d _typeFilter values", FG_MAX_BULK_TYPE_FILTERS);
    struct fg_error inner;
    fg_error_clear(&inner);
    struct fhir_kv *pairs = NULL;
    size_t n = 0;
    struct fhir_query q;
    memset(&q, 0, sizeof q);
    enum fg_status st = fhir_form_parse(pool, query, FG_MAX_SEARCH_PARAMS, &pairs, &n, &inner);
    for (size_t i = 0; st == FG_OK && i < n; i++)
        if (result_param(pairs[i].name))
            st = fg_error_set(&inner, FG_EINVAL, NULL, "%.*s is a result parameter, not a filter",
                              SHOWN(pairs[i].name));
    if (st == FG_OK && !n)
        st = fg_error_set(&inner, FG_EINVAL, NULL, "the query is empty");
    if (st == FG_OK)
        st = fhir_search_parse(pool, type, base, pairs, n,
                               lenient ? FHIR_HANDLING_LENIENT : FHIR_HANDLING_STRICT, &q, &inner);
    if (st != FG_OK)
        return fg_error_set_http(err, st == FG_ENOMEM ? FG_ENOMEM : FG_EINVAL, 400,
                                 fg_error_issue_code(&inner), "_typeFilter",
                                 "_typeFilter %.*s: %s", SHOWN(value), inner.diagnostics);
    struct fg_bulk_type_filter *f = grow(pool, p->filters, p->n_filters, sizeof *f);
    if (!f)
        return fg_error_set(err, FG_ENOMEM, NULL, "out of memory");
    f[p->n_filters] = (struct fg_bulk_type_filter){fhir_resource_types[ix], query};
    p->filters = f;
    p->n_filters++;
    return FG_OK;
}

static bool element_name(struct fg_str s)
{
    if (!s.len || !((s.ptr[0] >= 'a' && s.ptr[0] <= 'z') || (s.ptr[0] >= 'A' && s.ptr[0] <= 'Z')))
        return false;
    for (size_t i = 1; i < s.len; i++) {
        char c = s.ptr[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
            return false;
    }
    return true;
}

/* "name" or "Type.name", comma-separated (top-level elements only). */
static enum fg_status add_elements(struct fg_pool *pool, struct fg_str value,
                                   struct fg_bulk_params *p, struct fg_error *err)
{
    struct fg_str rest = value, word;
    while (next_word(&rest, &word)) {
        struct fg_str type, name;
        bool typed = fg_str_split(word, '.', &type, &name);
        if (!typed)
            name = word;
        if (!element_name(name) || (typed && !fhir_resource_type_known(type)))
            return fg_error_set(err, FG_EINVAL, "_elements",
                                "_elements: \"%.*s\" is not an element name (name or "
                                "Type.name, top-level elements only)",
                                SHOWN(word));
        enum fg_status st = append(pool, &p->elements, &p->n_elements, FG_MAX_BULK_ELEMENTS,
                                   "_elements", word, err);
        if (st != FG_OK)
            return st;
    }
    return FG_OK;
}

/* "Patient/id", or "<base>/Patient/id". */
static enum fg_status add_patient(struct fg_pool *pool, struct fg_str base, struct fg_str value,
                                  struct fg_bulk_params *p, struct fg_error *err)
{
    struct fg_str v = fg_str_trim(value);
    if (base.len && v.len > base.len + 1 && memcmp(v.ptr, base.ptr, base.len) == 0 &&
        v.ptr[base.len] == '/')
        v = fg_str_n(v.ptr + base.len + 1, v.len - base.len - 1);
    struct fg_str id = fg_str_n(v.ptr + 8, v.len > 8 ? v.len - 8 : 0);
    if (!fg_str_starts_with(v, "Patient/") || !fg_is_fhir_id(id))
        return fg_error_set(err, FG_EINVAL, "patient",
                            "patient: \"%.*s\" is not a reference to a Patient of this server "
                            "(Patient/<id>)",
                            SHOWN(value));
    for (size_t i = 0; i < p->n_patients; i++)
        if (fg_str_eq(p->patients[i], id))
            return FG_OK;
    return append(pool, &p->patients, &p->n_patients, FG_MAX_BULK_PATIENTS, "patient", id, err);
}

bool fg_bulk_params_wants_type(const struct fg_bulk_params *p, const char *type)
{
    for (size_t i = 0; i < p->n_types; i++)
        if (strcmp(p->types[i], type) == 0)
            return true;
    return !p->n_types;
}

/* A _typeFilter of a type _type leaves out: refused, or dropped (lenient). */
static enum fg_status check_filter_types(struct fg_bulk_params *p, bool lenient,
                                         struct fg_error *err)
{
    size_t k = 0;
    for (size_t i = 0; i < p->n_filters; i++) {
        if (fg_bulk_params_wants_type(p, p->filters[i].type))
            p->filters[k++] = p->filters[i];
        else if (!lenient)
            return fg_error_set(err, FG_EINVAL, "_typeFilter",
                                "_typeFilter for %s, which _type does not list",
                                p->filters[i].type);
    }
    p->n_filters = k;
    return FG_OK;
}

/* One pair into p (see fg_bulk_params_parse). */
static enum fg_status parse_pair(struct fg_pool *pool, struct fg_str base, struct fhir_kv kv,
                                 bool lenient, struct fg_bulk_params *p, bool *seen_format,
                                 struct fg_error *err)
{
    struct fg_str name = kv.name, value = kv.value;
    if (fg_str_eq_c(name, "_type"))
        return add_types(value, p, err);
    if (fg_str_eq_c(name, "_typeFilter"))
        return add_type_filter(pool, base, value, lenient, p, err);
    if (fg_str_eq_c(name, "_elements"))
        return add_elements(pool, value, p, err);
    if (fg_str_eq_c(name, "patient"))
        return add_patient(pool, base, value, p, err);
    if (fg_str_eq_c(name, "_since")) {
        if (p->has_since)
            return fg_error_set(err, FG_EINVAL, "_since", "_since is given twice");
        enum fg_status st = parse_since(value, &p->since_us, err);
        p->has_since = st == FG_OK;
        return st;
    }
    if (fg_str_eq_c(name, "_outputFormat")) {
        if (*seen_format)
            return fg_error_set(err, FG_EINVAL, "_outputFormat", "_outputFormat is given twice");
        *seen_format = true;
        if (!ndjson_format(value))
            return fg_error_set(err, FG_EINVAL, "_outputFormat",
                                "_outputFormat: only application/fhir+ndjson (also written "
                                "application/ndjson or ndjson) is supported");
        return FG_OK;
    }
    if (lenient)
        return FG_OK;
    bool known = unsupported_known(name);
    return fg_error_set_http(err, FG_ENOTSUP, 400, "not-supported", NULL,
                             "$export: the parameter %s%.*s%s is not supported%s",
                             known ? "" : "\"", SHOWN(name), known ? "" : "\"",
                             " (send Prefer: handling=lenient to have it ignored)");
}

enum fg_status fg_bulk_params_parse(struct fg_pool *pool, struct fg_str base,
                                    const struct fhir_kv *pairs, size_t n, bool lenient,
                                    struct fg_bulk_params *out, struct fg_error *err)
{
    struct fg_bulk_params p;
    memset(&p, 0, sizeof p);
    bool seen_format = false;
    if (n > FG_MAX_BULK_PARAMS)
        return fg_error_set_http(err, FG_EINVAL, 400, "too-costly", NULL,
                                 "more than %d $export parameters", FG_MAX_BULK_PARAMS);
    for (size_t i = 0; i < n; i++) {
        enum fg_status st = parse_pair(pool, base, pairs[i], lenient, &p, &seen_format, err);
        if (st != FG_OK)
            return st;
    }
    enum fg_status st = check_filter_types(&p, lenient, err);
    if (st == FG_OK)
        *out = p;
    return st;
}

enum fg_status fg_bulk_params_copy(struct fg_pool *pool, const struct fg_bulk_params *src,
                                   struct fg_bulk_params *dst)
{
    *dst = *src;
    dst->filters = src->n_filters ? fg_pool_alloc(pool, src->n_filters * sizeof *dst->filters)
                                  : NULL;
    dst->elements = src->n_elements
                        ? fg_pool_alloc(pool, src->n_elements * sizeof *dst->elements)
                        : NULL;
    dst->patients = src->n_patients
                        ? fg_pool_alloc(pool, src->n_patients * sizeof *dst->patients)
                        : NULL;
    bool ok = (dst->filters || !src->n_filters) && (dst->elements || !src->n_elements) &&
              (dst->patients || !src->n_patients);
    for (size_t i = 0; ok && i < src->n_filters; i++) {
        dst->filters[i].type = src->filters[i].type;
        dst->filters[i].query = fg_pool_str(pool, src->filters[i].query);
        ok = dst->filters[i].query.ptr != NULL;
    }
    for (size_t i = 0; ok && i < src->n_elements; i++)
        ok = (dst->elements[i] = fg_pool_str(pool, src->elements[i])).ptr != NULL;
    for (size_t i = 0; ok && i < src->n_patients; i++)
        ok = (dst->patients[i] = fg_pool_str(pool, src->patients[i])).ptr != NULL;
    return ok ? FG_OK : FG_ENOMEM;
}

void fg_bulk_params_elements_for(const struct fg_bulk_params *p, const char *type,
                                 struct fg_str *names, size_t *n)
{
    *n = 0;
    for (size_t i = 0; i < p->n_elements && *n < FG_MAX_BULK_ELEMENTS; i++) {
        struct fg_str t, name;
        if (!fg_str_split(p->elements[i], '.', &t, &name))
            names[(*n)++] = p->elements[i];
        else if (fg_str_eq_c(t, type))
            names[(*n)++] = name;
    }
}

/* The text of a primitive value[x] or of a valueReference's reference, or
 * an empty slice for another complex one. */
static struct fg_str primitive_value(const cJSON *param, bool *found)
{
    *found = false;
    for (const cJSON *m = param ? param->child : NULL; m; m = m->next) {
        if (!m->string || strncmp(m->string, "value", 5) != 0 || !m->string[5])
            continue;
        *found = true;
        const cJSON *ref = strcmp(m->string, "valueReference") == 0
                               ? cJSON_GetObjectItemCaseSensitive(m, "reference")
                               : NULL;
        if (cJSON_IsString(ref))
            return fg_str_c(ref->valuestring);
        if (cJSON_IsString(m))
            return fg_str_c(m->valuestring);
        return FG_STR_NULL;
    }
    return FG_STR_NULL;
}

struct parameters_walk {
    struct fhir_kv *kv;
    size_t n;
};

static enum fg_status take_parameter(void *arg, struct fg_str name, const cJSON *p,
                                     struct fg_error *err)
{
    struct parameters_walk *w = arg;
    bool found = false;
    if (!name.len)
        return fg_error_set(err, FG_EINVAL, "Parameters.parameter.name",
                            "parameter %zu has no name", w->n);
    struct fg_str value = primitive_value(p, &found);
    if (!found && !cJSON_GetObjectItemCaseSensitive(p, "resource") &&
        !cJSON_GetObjectItemCaseSensitive(p, "part"))
        return fg_error_set(err, FG_EINVAL, "Parameters.parameter.value[x]",
                            "parameter %.*s has no value", (int)(name.len > 64 ? 64 : name.len),
                            name.ptr);
    w->kv[w->n++] = (struct fhir_kv){name, value};
    return FG_OK;
}

enum fg_status fg_bulk_params_from_parameters(struct fg_pool *pool, const cJSON *params,
                                              struct fhir_kv **pairs, size_t *n,
                                              struct fg_error *err)
{
    int count = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(params, "parameter"));
    if (count > FG_MAX_BULK_PARAMS)
        return fg_error_set_http(err, FG_EINVAL, 400, "too-costly", "Parameters.parameter",
                                 "more than %d $export parameters", FG_MAX_BULK_PARAMS);
    struct parameters_walk w = {fg_pool_zalloc(pool, (size_t)(count > 0 ? count : 1) * sizeof *w.kv),
                                0};
    if (!w.kv)
        return fg_error_set(err, FG_ENOMEM, NULL, "out of memory");
    enum fg_status st = fhir_opparams_each(params, take_parameter, &w, err);
    if (st != FG_OK)
        return st;
    *pairs = w.kv;
    *n = w.n;
    return FG_OK;
}
