/* match.c - one resource against a search's filters, in memory, with the
 * semantics of the embedded store's SQL (store_sqlite_sql.c); see match.h.
 * The unit test holds the two to the same answers, case by case. */
#include "match.h"

#include <math.h>
#include <string.h>

/* LIKE '%needle%' on normalized (already lower-case) text. */
static bool contains(struct fg_str hay, struct fg_str needle)
{
    if (needle.len == 0)
        return true;
    for (size_t i = 0; i + needle.len <= hay.len; i++)
        if (memcmp(hay.ptr + i, needle.ptr, needle.len) == 0)
            return true;
    return false;
}

static bool starts_with(struct fg_str s, struct fg_str prefix)
{
    return s.len >= prefix.len && (prefix.len == 0 || memcmp(s.ptr, prefix.ptr, prefix.len) == 0);
}

/* The resource's range [lo, hi] against the value's range r by prefix. */
static bool date_ok(enum fhir_prefix pf, struct fhir_date_range r, int64_t lo, int64_t hi,
                    int64_t now_ms)
{
    switch (pf) {
    case FHIR_PREFIX_NONE:
    case FHIR_PREFIX_EQ: return lo >= r.lo && hi <= r.hi;
    case FHIR_PREFIX_NE: return !(lo >= r.lo && hi <= r.hi);
    case FHIR_PREFIX_GT: return hi > r.hi;
    case FHIR_PREFIX_LT: return lo < r.lo;
    case FHIR_PREFIX_GE: return hi >= r.lo;
    case FHIR_PREFIX_LE: return lo <= r.hi;
    case FHIR_PREFIX_SA: return lo > r.hi;
    case FHIR_PREFIX_EB: return hi < r.lo;
    case FHIR_PREFIX_AP: {
        struct fhir_date_range a = fhir_date_ap_range(r, now_ms);
        return lo <= a.hi && hi >= a.lo;
    }
    }
    return false;
}

static bool number_ok(const struct fhir_search_value *v, double x)
{
    double n = v->number;
    switch (v->prefix) {
    case FHIR_PREFIX_NONE:
    case FHIR_PREFIX_EQ: return x >= v->number_lo && x < v->number_hi;
    case FHIR_PREFIX_NE: return !(x >= v->number_lo && x < v->number_hi);
    case FHIR_PREFIX_GT: return x > n;
    case FHIR_PREFIX_LT: return x < n;
    case FHIR_PREFIX_GE: return x >= n;
    case FHIR_PREFIX_LE: return x <= n;
    case FHIR_PREFIX_SA: return x >= v->number_hi;
    case FHIR_PREFIX_EB: return x < v->number_lo;
    case FHIR_PREFIX_AP: return x >= n - fabs(n) * 0.1 && x <= n + fabs(n) * 0.1;
    }
    return false;
}

static bool token_ok(const struct fhir_search_value *v, const struct fhir_index_entry *e,
                     enum fhir_modifier m, struct fg_str norm)
{
    if (m == FHIR_MOD_TEXT)
        return contains(e->text, norm);
    if (!v->has_system) /* codes: the store's NOCASE columns (ASCII case folded) */
        return fg_str_ieq(e->code, v->code);
    return fg_str_eq(e->system, v->system) && (!v->code.len || fg_str_ieq(e->code, v->code));
}

static bool string_ok(const struct fhir_search_value *v, const struct fhir_index_entry *e,
                      enum fhir_modifier m, struct fg_str norm)
{
    if (m == FHIR_MOD_CONTAINS)
        return contains(e->str, norm);
    if (m == FHIR_MOD_EXACT)
        return fg_str_eq(e->str, norm) && fg_str_eq(e->text, v->text);
    return starts_with(e->str, norm);
}

static bool reference_ok(const struct fhir_search_param *p, const struct fhir_search_value *v,
                         const struct fhir_index_entry *e)
{
    if (v->ref_url.len)
        return fg_str_eq(e->ref_url, v->ref_url);
    /* A relative search value never matches another server's URL. */
    if (e->ref_url.len || !fg_str_eq(e->ref_id, v->ref_id))
        return false;
    struct fg_str type = fhir_search_ref_type(p, v);
    return !type.len || fg_str_eq(e->ref_type, type);
}

/* One value against one index entry of its parameter. norm: the value's
 * normalized text (string and token :text only). */
static bool value_ok(const struct fhir_search_param *p, const struct fhir_search_value *v,
                     const struct fhir_index_entry *e, struct fg_str norm, int64_t now_ms)
{
    switch (p->def->type) {
    case FHIR_PARAM_TOKEN: return token_ok(v, e, p->modifier, norm);
    case FHIR_PARAM_STRING: return string_ok(v, e, p->modifier, norm);
    case FHIR_PARAM_URI:
        return p->modifier == FHIR_MOD_BELOW ? starts_with(e->str, v->text)
                                             : fg_str_eq(e->str, v->text);
    case FHIR_PARAM_DATE: return date_ok(v->prefix, v->range, e->lo, e->hi, now_ms);
    case FHIR_PARAM_NUMBER: return number_ok(v, e->number);
    case FHIR_PARAM_QUANTITY:
        return number_ok(v, e->number) &&
               (!v->unit_system.len || fg_str_eq(e->unit_system, v->unit_system)) &&
               (!v->unit_code.len || fg_str_eq(e->unit_code, v->unit_code));
    case FHIR_PARAM_REFERENCE: return reference_ok(p, v, e);
    default: return false;
    }
}

/* _id and _lastUpdated: the resource's own id and meta.lastUpdated. */
static bool on_resource(const struct fhir_searchparam *def)
{
    return strcmp(def->code, "_id") == 0 || strcmp(def->code, "_lastUpdated") == 0;
}

static bool indexed_type(enum fhir_param_type t)
{
    switch (t) {
    case FHIR_PARAM_TOKEN:
    case FHIR_PARAM_STRING:
    case FHIR_PARAM_URI:
    case FHIR_PARAM_DATE:
    case FHIR_PARAM_NUMBER:
    case FHIR_PARAM_QUANTITY:
    case FHIR_PARAM_REFERENCE: return true;
    default: return false;
    }
}

static bool evaluable(const struct fhir_search_param *p)
{
    return !p->chain && p->def && (on_resource(p->def) || indexed_type(p->def->type));
}

bool fhir_match_evaluable(const struct fhir_query *q)
{
    for (size_t i = 0; i < q->n_params; i++)
        if (evaluable(&q->params[i]))
            return true;
    return false;
}

static bool resource_param_ok(const struct fhir_search_param *p, const struct fhir_resource *res,
                              int64_t now_ms)
{
    if (p->modifier == FHIR_MOD_MISSING)
        return !(p->n_values && p->values[0].missing);
    bool id = strcmp(p->def->code, "_id") == 0, any = p->n_values == 0;
    int64_t lu = res->last_updated_us / 1000;
    for (size_t i = 0; i < p->n_values && !any; i++) {
        const struct fhir_search_value *v = &p->values[i];
        any = id ? fg_str_eq(res->id, v->code.len ? v->code : v->text)
                 : date_ok(v->prefix, v->range, lu, lu, now_ms);
    }
    return p->modifier == FHIR_MOD_NOT ? !any : any;
}

/* The normalized texts of p's values (string and token :text), pool-owned. */
static enum fg_status normalized(struct fg_pool *pool, const struct fhir_search_param *p,
                                 struct fg_str **out)
{
    *out = NULL;
    bool wanted = p->def->type == FHIR_PARAM_STRING ||
                  (p->def->type == FHIR_PARAM_TOKEN && p->modifier == FHIR_MOD_TEXT);
    if (!wanted || !p->n_values)
        return FG_OK;
    struct fg_str *n = fg_pool_alloc(pool, p->n_values * sizeof *n);
    if (!n)
        return FG_ENOMEM;
    for (size_t i = 0; i < p->n_values; i++) {
        n[i] = fhir_normalize_string(pool, p->values[i].text);
        if (!n[i].ptr)
            return FG_ENOMEM;
    }
    *out = n;
    return FG_OK;
}

static enum fg_status param_ok(struct fg_pool *pool, const struct fhir_search_param *p,
                               const struct fhir_resource *res, const struct fhir_index_entry *e,
                               size_t n, int64_t now_ms, bool *ok)
{
    if (on_resource(p->def)) {
        *ok = resource_param_ok(p, res, now_ms);
        return FG_OK;
    }
    bool any = false;
    if (p->modifier == FHIR_MOD_MISSING) {
        for (size_t k = 0; k < n && !any; k++)
            any = e[k].def == p->def;
        *ok = p->n_values && p->values[0].missing ? !any : any;
        return FG_OK;
    }
    struct fg_str *norm = NULL;
    enum fg_status st = normalized(pool, p, &norm);
    if (st != FG_OK)
        return st;
    for (size_t k = 0; k < n && !any; k++) {
        if (e[k].def != p->def)
            continue;
        any = p->n_values == 0;
        for (size_t i = 0; i < p->n_values && !any; i++)
            any = value_ok(p, &p->values[i], &e[k], norm ? norm[i] : FG_STR_NULL, now_ms);
    }
    *ok = p->modifier == FHIR_MOD_NOT ? !any : any;
    return FG_OK;
}

enum fg_status fhir_match_filters(struct fg_pool *pool, const struct fhir_query *q,
                                  const struct fhir_resource *res,
                                  const struct fhir_index_entry *e, size_t n, int64_t now_ms,
                                  bool *match)
{
    *match = true;
    for (size_t i = 0; i < q->n_params && *match; i++) {
        if (!evaluable(&q->params[i]))
            continue;
        enum fg_status st = param_ok(pool, &q->params[i], res, e, n, now_ms, match);
        if (st != FG_OK)
            return st;
    }
    return FG_OK;
}
