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
    static const char *const names[] = {"_typeFilter", "_elements", "patient",
                                        "includeAssociatedData"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (fg_str_eq_c(name, names[i]))
            return true;
    return false;
}

static enum fg_status add_types(struct fg_str value, struct fg_bulk_params *p,
                                struct fg_error *err)
{
    struct fg_str rest = value, word;
    while (rest.len) {
        fg_str_split(rest, ',', &word, &rest);
        word = fg_str_trim(word);
        if (!word.len)
            continue;
        long ix = fhir_resource_type_index(word);
        if (ix < 0)
            return fg_error_set(err, FG_EINVAL, "_type",
                                "_type: \"%.*s\" is not a FHIR R4 resource type",
                                (int)(word.len > 64 ? 64 : word.len), word.ptr);
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

enum fg_status fg_bulk_params_parse(const struct fhir_kv *pairs, size_t n, bool lenient,
                                    struct fg_bulk_params *out, struct fg_error *err)
{
    struct fg_bulk_params p;
    memset(&p, 0, sizeof p);
    bool seen_format = false;
    if (n > FG_MAX_BULK_PARAMS)
        return fg_error_set_http(err, FG_EINVAL, 400, "too-costly", NULL,
                                 "more than %d $export parameters", FG_MAX_BULK_PARAMS);
    for (size_t i = 0; i < n; i++) {
        struct fg_str name = pairs[i].name, value = pairs[i].value;
        enum fg_status st = FG_OK;
        if (fg_str_eq_c(name, "_type")) {
            st = add_types(value, &p, err);
        } else if (fg_str_eq_c(name, "_since")) {
            if (p.has_since)
                return fg_error_set(err, FG_EINVAL, "_since", "_since is given twice");
            st = parse_since(value, &p.since_us, err);
            p.has_since = st == FG_OK;
        } else if (fg_str_eq_c(name, "_outputFormat")) {
            if (seen_format)
                return fg_error_set(err, FG_EINVAL, "_outputFormat",
                                    "_outputFormat is given twice");
            seen_format = true;
            if (!ndjson_format(value))
                return fg_error_set(err, FG_EINVAL, "_outputFormat",
                                    "_outputFormat: only application/fhir+ndjson (also written "
                                    "application/ndjson or ndjson) is supported");
        } else if (!lenient) {
            bool known = unsupported_known(name);
            return fg_error_set_http(err, FG_ENOTSUP, 400, "not-supported", NULL,
                                     "$export: the parameter %s%.*s%s is not supported%s",
                                     known ? "" : "\"", (int)(name.len > 64 ? 64 : name.len),
                                     name.ptr ? name.ptr : "", known ? "" : "\"",
                                     " (send Prefer: handling=lenient to have it ignored)");
        }
        if (st != FG_OK)
            return st;
    }
    *out = p;
    return FG_OK;
}

/* The text of a primitive value[x], or an empty slice for a complex one. */
static struct fg_str primitive_value(const cJSON *param, bool *found)
{
    *found = false;
    for (const cJSON *m = param ? param->child : NULL; m; m = m->next) {
        if (!m->string || strncmp(m->string, "value", 5) != 0 || !m->string[5])
            continue;
        *found = true;
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
