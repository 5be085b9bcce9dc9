/* docref.c - the US Core $docref operation as a DocumentReference search.
 * http://hl7.org/fhir/us/core/STU7/OperationDefinition-docref.html ;
 * contract in docref.h. */
#include "docref.h"

#include <stdio.h>
#include <string.h>

#include "../core/fg_buf.h"
#include "../core/fg_limits.h"
#include "../core/fg_mem.h"
#include "date.h"
#include "opparams.h"

static enum fg_status add_list(struct fg_str *list, size_t *n, struct fg_str v, const char *name,
                               struct fg_error *err)
{
    if (*n == FG_MAX_DOCREF_VALUES)
        return fg_error_set(err, FG_EINVAL, name, "at most %d %s values", FG_MAX_DOCREF_VALUES,
                            name);
    list[(*n)++] = v;
    return FG_OK;
}

static enum fg_status check_date(struct fg_str v, const char *name, struct fg_error *err)
{
    struct fhir_date_range r;
    if (v.len && fhir_date_parse(v, &r) != FG_OK)
        return fg_error_set(err, FG_EINVAL, name, "%s must be a FHIR dateTime", name);
    return FG_OK;
}

/* A Coding as the type parameter: "system|code" or "code", code required. */
static enum fg_status check_coding(struct fg_str v, struct fg_error *err)
{
    if (!v.len)
        return fg_error_set(err, FG_EINVAL, "type", "type is empty");
    const char *bar = memchr(v.ptr, '|', v.len);
    size_t code_len = bar ? v.len - (size_t)(bar - v.ptr) - 1 : v.len;
    if (!code_len || (bar && memchr(bar + 1, '|', code_len)))
        return fg_error_set(err, FG_EINVAL, "type", "type must be system|code or a code");
    return FG_OK;
}

static enum fg_status take_pair(struct fhir_docref_params *o, struct fg_str name, struct fg_str v,
                                bool strict, struct fg_error *err)
{
    if (fg_str_eq_c(name, "patient")) {
        enum fg_status st = fhir_opparams_once(&o->patient, v, "patient", err);
        if (st == FG_OK && !fg_is_fhir_id(v))
            st = fg_error_set(err, FG_EINVAL, "patient", "patient must be a resource id");
        return st;
    }
    if (fg_str_eq_c(name, "start") || fg_str_eq_c(name, "end")) {
        const char *n = name.ptr[0] == 's' ? "start" : "end";
        enum fg_status st = fhir_opparams_once(n[0] == 's' ? &o->start : &o->end, v, n, err);
        return st == FG_OK ? check_date(v, n, err) : st;
    }
    if (fg_str_eq_c(name, "type")) {
        enum fg_status st = check_coding(v, err);
        return st == FG_OK ? add_list(o->types, &o->n_types, v, "type", err) : st;
    }
    if (fg_str_eq_c(name, "profile")) {
        if (!v.len)
            return fg_error_set(err, FG_EINVAL, "profile", "profile is empty");
        return add_list(o->profiles, &o->n_profiles, v, "profile", err);
    }
    if (fg_str_eq_c(name, "on-demand")) {
        if (!fg_str_eq_c(v, "true") && !fg_str_eq_c(v, "false"))
            return fg_error_set(err, FG_EINVAL, "on-demand", "on-demand must be true or false");
        o->on_demand = v.ptr[0] == 't';
        return FG_OK;
    }
    if (strict && !fhir_opparams_ignored(name))
        return fg_error_set(err, FG_EINVAL, "parameter", "$docref has no parameter %.*s",
                            (int)(name.len > 64 ? 64 : name.len), name.ptr);
    return FG_OK;
}

static enum fg_status finish(const struct fhir_docref_params *o, struct fg_error *err)
{
    if (!o->patient.len)
        return fg_error_set(err, FG_EINVAL, "patient", "$docref needs the patient parameter");
    return FG_OK;
}

enum fg_status fhir_docref_from_pairs(const struct fhir_kv *pairs, size_t n, bool strict,
                                      struct fhir_docref_params *out, struct fg_error *err)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < n; i++) {
        enum fg_status st = take_pair(out, pairs[i].name, pairs[i].value, strict, err);
        if (st != FG_OK)
            return st;
    }
    return finish(out, err);
}

/* The value of one Parameters.parameter as pair text (pool-owned), or
 * an empty string when it carries none of the types $docref uses. */
static enum fg_status parameter_value(struct fg_pool *pool, const cJSON *p, struct fg_str *v,
                                      struct fg_error *err)
{
    static const char *const simple[] = {"valueId", "valueString", "valueDateTime", "valueDate",
                                         "valueInstant", "valueCanonical", "valueUri"};
    *v = FG_STR_NULL;
    for (size_t i = 0; i < sizeof simple / sizeof simple[0]; i++) {
        const cJSON *x = cJSON_GetObjectItemCaseSensitive(p, simple[i]);
        if (cJSON_IsString(x)) {
            *v = fg_pool_str(pool, fg_str_c(x->valuestring));
            return v->ptr ? FG_OK : FG_ENOMEM;
        }
    }
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(p, "valueBoolean");
    if (b) {
        if (!cJSON_IsBool(b))
            return fg_error_set(err, FG_EINVAL, "Parameters.parameter.valueBoolean",
                                "valueBoolean must be true or false");
        *v = fg_str_c(cJSON_IsTrue(b) ? "true" : "false");
        return FG_OK;
    }
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(p, "valueCoding");
    if (cJSON_IsObject(c)) {
        const cJSON *sys = cJSON_GetObjectItemCaseSensitive(c, "system");
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(c, "code");
        if (!cJSON_IsString(code) || (sys && !cJSON_IsString(sys)))
            return fg_error_set(err, FG_EINVAL, "Parameters.parameter.valueCoding",
                                "valueCoding needs a code (and a string system)");
        char *t = sys ? fg_pool_printf(pool, "%s|%s", sys->valuestring, code->valuestring)
                      : fg_pool_strdup(pool, code->valuestring);
        if (!t)
            return FG_ENOMEM;
        *v = fg_str_c(t);
    }
    return FG_OK;
}

struct parameters_walk {
    struct fg_pool *pool;
    struct fhir_docref_params *out;
    bool strict;
};

static enum fg_status take_parameter(void *arg, struct fg_str name, const cJSON *p,
                                     struct fg_error *err)
{
    struct parameters_walk *w = arg;
    struct fg_str v;
    enum fg_status st = parameter_value(w->pool, p, &v, err);
    return st == FG_OK ? take_pair(w->out, name, v, w->strict, err) : st;
}

enum fg_status fhir_docref_from_parameters(struct fg_pool *pool, const cJSON *parameters,
                                           bool strict, struct fhir_docref_params *out,
                                           struct fg_error *err)
{
    struct parameters_walk w = {pool, out, strict};
    memset(out, 0, sizeof *out);
    enum fg_status st = fhir_opparams_each(parameters, take_parameter, &w, err);
    return st == FG_OK ? finish(out, err) : st;
}

/* Appends v with the search escapes (\, \| \$ \\) of search.html#escaping. */
static enum fg_status append_escaped(struct fg_buf *b, struct fg_str v)
{
    enum fg_status st = FG_OK;
    for (size_t i = 0; st == FG_OK && i < v.len; i++) {
        char c = v.ptr[i];
        if (c == ',' || c == '$' || c == '\\')
            st = fg_buf_append_char(b, '\\');
        if (st == FG_OK)
            st = fg_buf_append_char(b, c);
    }
    return st;
}

/* "a,b,c" of the list, each value escaped; types keep their one '|'. */
static enum fg_status or_list(struct fg_pool *pool, const struct fg_str *list, size_t n,
                              bool token, struct fg_str *out)
{
    struct fg_buf b;
    fg_buf_init(&b, FG_MAX_URL_BYTES * 4);
    enum fg_status st = FG_OK;
    for (size_t i = 0; st == FG_OK && i < n; i++) {
        struct fg_str sys = FG_STR_NULL, code = list[i];
        if (i)
            st = fg_buf_append_char(&b, ',');
        if (token && memchr(list[i].ptr, '|', list[i].len))
            fg_str_split(list[i], '|', &sys, &code);
        if (st == FG_OK && sys.ptr) {
            st = append_escaped(&b, sys);
            if (st == FG_OK)
                st = fg_buf_append_char(&b, '|');
        }
        if (st == FG_OK)
            st = append_escaped(&b, code);
    }
    if (st == FG_OK) {
        *out = fg_pool_str(pool, fg_buf_str(&b));
        if (!out->ptr)
            st = FG_ENOMEM;
    }
    fg_buf_cleanup(&b);
    return st;
}

static struct fg_str pool_cat(struct fg_pool *pool, const char *a, struct fg_str b)
{
    char *t = fg_pool_printf(pool, "%s%.*s", a, (int)b.len, b.ptr);
    return t ? fg_str_c(t) : FG_STR_NULL;
}

enum fg_status fhir_docref_search_pairs(struct fg_pool *pool, const struct fhir_docref_params *p,
                                        struct fhir_kv **pairs, size_t *n)
{
    struct fhir_kv *kv = fg_pool_alloc(pool, 7 * sizeof *kv);
    size_t k = 0;
    enum fg_status st = kv ? FG_OK : FG_ENOMEM;
    if (st == FG_OK) {
        kv[k++] = (struct fhir_kv){fg_str_c("patient"), pool_cat(pool, "Patient/", p->patient)};
        kv[k++] = (struct fhir_kv){fg_str_c("_sort"), fg_str_c("-date")};
    }
    if (st == FG_OK && p->n_types) {
        kv[k].name = fg_str_c("type");
        st = or_list(pool, p->types, p->n_types, true, &kv[k++].value);
    }
    if (st == FG_OK && p->n_profiles) {
        kv[k].name = fg_str_c("_profile");
        st = or_list(pool, p->profiles, p->n_profiles, false, &kv[k++].value);
    }
    if (st == FG_OK && p->start.len)
        kv[k++] = (struct fhir_kv){fg_str_c("period"), pool_cat(pool, "ge", p->start)};
    if (st == FG_OK && p->end.len)
        kv[k++] = (struct fhir_kv){fg_str_c("period"), pool_cat(pool, "le", p->end)};
    if (st == FG_OK && !p->start.len && !p->end.len) {
        char *count = fg_pool_printf(pool, "%d", FG_MAX_COUNT);
        kv[k++] = (struct fhir_kv){fg_str_c("_count"), count ? fg_str_c(count) : FG_STR_NULL};
    }
    for (size_t i = 0; st == FG_OK && i < k; i++)
        if (!kv[i].value.ptr)
            st = FG_ENOMEM;
    if (st == FG_OK) {
        *pairs = kv;
        *n = k;
    }
    return st;
}

/* The first Coding of DocumentReference.type as "system|code" in buf
 * (empty when there is none). */
static void type_key(const cJSON *doc, char *buf, size_t cap)
{
    const cJSON *coding = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(doc, "type"), "coding");
    const cJSON *c = cJSON_GetArrayItem(coding, 0);
    const cJSON *sys = cJSON_GetObjectItemCaseSensitive(c, "system");
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(c, "code");
    int n = snprintf(buf, cap, "%s|%s", cJSON_IsString(sys) ? sys->valuestring : "",
                     cJSON_IsString(code) ? code->valuestring : "");
    if (n < 0 || (size_t)n >= cap)
        buf[0] = '\0';
}

size_t fhir_docref_select(const struct fhir_docref_params *p, struct fhir_resource *res, size_t n)
{
    if (p->on_demand)
        return 0;
    if (p->start.len || p->end.len)
        return n;
    enum { KEY_MAX = 512 };
    char(*keys)[KEY_MAX] = n ? fg_calloc(n, KEY_MAX) : NULL;
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        cJSON *doc = cJSON_ParseWithLength(res[i].json.ptr, res[i].json.len);
        char key[KEY_MAX] = "";
        if (doc)
            type_key(doc, key, sizeof key);
        cJSON_Delete(doc);
        bool seen = false;
        for (size_t j = 0; keys && key[0] && j < kept && !seen; j++)
            seen = strcmp(keys[j], key) == 0;
        if (seen)
            continue;
        if (keys)
            memcpy(keys[kept], key, KEY_MAX);
        res[kept++] = res[i];
    }
    fg_free(keys);
    return kept;
}
