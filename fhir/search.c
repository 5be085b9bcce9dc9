/* search.c - a FHIR search request, parsed and typed.
 *
 * Turns decoded name/value pairs into a struct fhir_query: the parameter
 * name grammar name[:modifier][.chained-name...] (search.html#modifiers,
 * search.html#chaining), lenient and strict handling of what the server
 * does not know (search.html#errors), and the policy module's additions.
 * Values are parsed in search_values.c, result parameters in
 * search_result.c, the canonical query string is written in search_write.c.
 * Spec: http://hl7.org/fhir/R4/search.html
 */
#include <string.h>

#include "../core/fg_limits.h"
#include "search_internal.h"

/* Parameters defined for all resources that this server does not evaluate. */
static const char *const unsupported_params[] = {
    "_contained", "_containedType", "_has", "_list", "_query", "_filter", "_text", "_content",
};

static const struct {
    const char *name;
    enum fhir_modifier mod;
} modifier_names[] = {
    {"missing", FHIR_MOD_MISSING}, {"exact", FHIR_MOD_EXACT},   {"contains", FHIR_MOD_CONTAINS},
    {"not", FHIR_MOD_NOT},         {"text", FHIR_MOD_TEXT},     {"above", FHIR_MOD_ABOVE},
    {"below", FHIR_MOD_BELOW},     {"in", FHIR_MOD_IN},         {"not-in", FHIR_MOD_NOT_IN},
    {"of-type", FHIR_MOD_OF_TYPE}, {"identifier", FHIR_MOD_IDENTIFIER},
};

/* Why a parameter was left out (lenient handling), or NULL. */
struct skip {
    const char *reason;
};

void *fhir_search_grow(struct fg_pool *pool, void *arr, size_t n, size_t *cap, size_t elem_size)
{
    if (n < *cap)
        return arr;
    size_t want = *cap ? *cap * 2 : 4;
    if (want <= n)
        want = n + 1;
    if (want > SIZE_MAX / elem_size)
        return NULL;
    void *grown = fg_pool_zalloc(pool, want * elem_size);
    if (!grown)
        return NULL;
    if (n)
        memcpy(grown, arr, n * elem_size);
    *cap = want;
    return grown;
}

bool fhir_search_target_ok(const char *targets, struct fg_str type)
{
    struct fg_str word, rest = fg_str_c(targets);
    while (rest.len) {
        fg_str_split(rest, ' ', &word, &rest);
        if (fg_str_eq(word, type))
            return true;
    }
    return false;
}

/* The target of a reference parameter when it has exactly one. */
static bool single_target(const char *targets, struct fg_str *type)
{
    struct fg_str t = fg_str_c(targets);
    if (!t.len || memchr(t.ptr, ' ', t.len))
        return false;
    *type = t;
    return true;
}

/* Index of the end of the parameter code in key: the first ':' or '.'. */
static size_t code_end(struct fg_str key)
{
    size_t i = 0;
    while (i < key.len && key.ptr[i] != ':' && key.ptr[i] != '.')
        i++;
    return i;
}

static enum fg_status record_ignored(struct fhir_search_ctx *c, struct fg_str name,
                                     const char *reason)
{
    struct fhir_query *q = c->q;
    struct fhir_ignored_param *arr =
        fhir_search_grow(c->pool, q->ignored, q->n_ignored, &c->cap_ignored, sizeof *arr);
    if (!arr)
        return FG_ENOMEM;
    q->ignored = arr;
    arr[q->n_ignored].name = name;
    arr[q->n_ignored].reason = fg_str_c(reason);
    q->n_ignored++;
    return FG_OK;
}

/* Lenient: the parameter is skipped with `reason`. Strict: st with the
 * diagnostic built from fmt. */
static enum fg_status skip_or_fail(struct fhir_search_ctx *c, struct skip *skip, const char *reason,
                                   enum fg_status st, struct fg_str display, const char *fmt,
                                   const char *a, const char *b)
{
    if (c->handling == FHIR_HANDLING_LENIENT) {
        skip->reason = reason;
        return FG_OK;
    }
    return fhir_search_fail(c->err, st, display, fmt, a, b);
}

/* The modifier named m for def (sets p->modifier, p->modifier_type). */
static enum fg_status modifier_lookup(struct fhir_search_ctx *c, struct fg_str m,
                                      struct fg_str display, struct fhir_search_param *p)
{
    char q[FHIR_SEARCH_QUOTE_BUF], d[FHIR_SEARCH_QUOTE_BUF];
    for (size_t i = 0; i < sizeof modifier_names / sizeof modifier_names[0]; i++) {
        if (fg_str_eq_c(m, modifier_names[i].name)) {
            p->modifier = modifier_names[i].mod;
            return FG_OK;
        }
    }
    if (fhir_resource_type_known(m)) {
        p->modifier = FHIR_MOD_TYPE;
        p->modifier_type = m;
        return FG_OK;
    }
    return fhir_search_fail(c->err, FG_EINVAL, display, "Unknown modifier ':%s' in parameter '%s'",
                            fhir_search_quote(m, q, sizeof q),
                            fhir_search_quote(display, d, sizeof d));
}

/* Whether p->modifier applies to the parameter's type (search.html#modifiers):
 * FG_EINVAL when FHIR does not define it for the type, FG_ENOTSUP when it
 * does but this server cannot evaluate it (terminology, hierarchies). */
static enum fg_status modifier_check(struct fhir_search_ctx *c, const struct fhir_search_param *p,
                                     struct fg_str display)
{
    enum fhir_modifier m = p->modifier;
    enum fhir_param_type t = p->def->type;
    bool ok = m == FHIR_MOD_NONE || m == FHIR_MOD_MISSING, unsupported = false;
    char d[FHIR_SEARCH_QUOTE_BUF];

    if (t == FHIR_PARAM_STRING)
        ok = ok || m == FHIR_MOD_EXACT || m == FHIR_MOD_CONTAINS;
    else if (t == FHIR_PARAM_URI)
        ok = ok || m == FHIR_MOD_ABOVE || m == FHIR_MOD_BELOW;
    else if (t == FHIR_PARAM_TOKEN) {
        ok = ok || m == FHIR_MOD_NOT || m == FHIR_MOD_TEXT;
        unsupported = m == FHIR_MOD_ABOVE || m == FHIR_MOD_BELOW || m == FHIR_MOD_IN ||
                      m == FHIR_MOD_NOT_IN || m == FHIR_MOD_OF_TYPE;
    } else if (t == FHIR_PARAM_REFERENCE) {
        ok = ok || m == FHIR_MOD_IDENTIFIER || m == FHIR_MOD_TYPE;
        unsupported = m == FHIR_MOD_ABOVE || m == FHIR_MOD_BELOW;
    }
    fhir_search_quote(display, d, sizeof d);
    if (unsupported)
        return fhir_search_fail(c->err, FG_ENOTSUP, display,
                                "Modifier ':%s' is not supported (parameter '%s')",
                                fhir_search_modifier_name(m), d);
    if (!ok)
        return fhir_search_fail(c->err, FG_EINVAL, display,
                                "Modifier in '%s' does not apply to a %s parameter", d,
                                fhir_param_type_name(t));
    if (m == FHIR_MOD_TYPE && p->def->targets[0] &&
        !fhir_search_target_ok(p->def->targets, p->modifier_type))
        return fhir_search_fail(c->err, FG_EINVAL, display,
                                "Parameter '%s' cannot refer to that type (allowed: %s)", d,
                                p->def->targets);
    return FG_OK;
}

static enum fg_status param_parse(struct fhir_search_ctx *c, struct fg_str type, struct fg_str key,
                                  struct fg_str display, struct fg_str value, int depth,
                                  struct fhir_search_param *p, struct skip *skip);

/* p is a reference parameter followed by ".rest": parse rest on the target. */
static enum fg_status chain_parse(struct fhir_search_ctx *c, struct fg_str rest,
                                  struct fg_str display, struct fg_str value, int depth,
                                  struct fhir_search_param *p, struct skip *skip)
{
    char d[FHIR_SEARCH_QUOTE_BUF];
    struct fg_str target;
    fhir_search_quote(display, d, sizeof d);
    if (p->def->type != FHIR_PARAM_REFERENCE)
        return fhir_search_fail(c->err, FG_EINVAL, display,
                                "Parameter '%s': only reference parameters can be chained", d);
    if (p->modifier != FHIR_MOD_NONE && p->modifier != FHIR_MOD_TYPE)
        return fhir_search_fail(c->err, FG_EINVAL, display,
                                "Parameter '%s': a chain takes no modifier but a type", d);
    if (depth >= FG_MAX_CHAIN_DEPTH)
        return fhir_search_fail(c->err, FG_EINVAL, display,
                                "Parameter '%s': chains may be at most %d deep", d,
                                FG_MAX_CHAIN_DEPTH);
    if (p->modifier == FHIR_MOD_TYPE)
        target = p->modifier_type;
    else if (!single_target(p->def->targets, &target))
        return fhir_search_fail(c->err, FG_EINVAL, display,
                                "Parameter '%s': the reference can point to several types; name "
                                "one, as in %.*s:Patient.name",
                                d, (int)p->name.len, p->name.ptr);
    struct fhir_chain *chain = fg_pool_zalloc(c->pool, sizeof *chain);
    struct fhir_search_param *inner = fg_pool_zalloc(c->pool, sizeof *inner);
    if (!chain || !inner)
        return FG_ENOMEM;
    chain->target_type = target;
    chain->inner = inner;
    p->chain = chain;
    return param_parse(c, target, rest, display, value, depth + 1, inner, skip);
}

/* Parses key (name[:modifier][.chain]) and value as a filter on `type`. */
static enum fg_status param_parse(struct fhir_search_ctx *c, struct fg_str type, struct fg_str key,
                                  struct fg_str display, struct fg_str value, int depth,
                                  struct fhir_search_param *p, struct skip *skip)
{
    char d[FHIR_SEARCH_QUOTE_BUF], t[FHIR_SEARCH_QUOTE_BUF];
    size_t e = code_end(key);
    struct fg_str code = {key.ptr, e}, rest = {key.ptr + e, key.len - e};
    enum fg_status st;

    p->name = code;
    p->def = fhir_searchparam_find(type, code);
    fhir_search_quote(code, d, sizeof d);
    fhir_search_quote(type, t, sizeof t);
    if (!p->def)
        return skip_or_fail(c, skip, "unknown search parameter", FG_EINVAL, display,
                            "Unknown search parameter '%s' for type '%s'", d, t);
    if (p->def->type == FHIR_PARAM_COMPOSITE)
        return skip_or_fail(c, skip, "composite search parameters are not supported",
                            FG_ENOTSUP, display,
                            "Search parameter '%s' of '%s' is composite: not supported", d, t);
    if (p->def->type == FHIR_PARAM_SPECIAL)
        return skip_or_fail(c, skip, "special search parameters are not supported",
                            FG_ENOTSUP, display,
                            "Search parameter '%s' of '%s' is special: not supported", d, t);
    if (rest.len && rest.ptr[0] == ':') {
        struct fg_str mod = {rest.ptr + 1, 0};
        while (mod.len < rest.len - 1 && mod.ptr[mod.len] != '.')
            mod.len++;
        rest = (struct fg_str){mod.ptr + mod.len, rest.len - 1 - mod.len};
        st = modifier_lookup(c, mod, display, p);
        if (st == FG_OK)
            st = modifier_check(c, p, display);
        if (st != FG_OK)
            return st;
    }
    if (rest.len) /* rest starts with '.' */
        return chain_parse(c, (struct fg_str){rest.ptr + 1, rest.len - 1}, display, value, depth,
                           p, skip);
    st = fhir_search_values_parse(c->pool, c->base_url, p, display, value, c->values_left, c->err);
    if (st != FG_OK)
        return st;
    c->values_left -= p->n_values;
    if (p->n_values == 0)
        skip->reason = "empty value";
    return FG_OK;
}

static bool is_unsupported(struct fg_str code)
{
    for (size_t i = 0; i < sizeof unsupported_params / sizeof unsupported_params[0]; i++) {
        if (fg_str_eq_c(code, unsupported_params[i]))
            return true;
    }
    return false;
}

static enum fg_status add_param(struct fhir_search_ctx *c, const struct fhir_search_param *p)
{
    struct fhir_query *q = c->q;
    struct fhir_search_param *arr =
        fhir_search_grow(c->pool, q->params, q->n_params, &c->cap_params, sizeof *arr);
    if (!arr)
        return FG_ENOMEM;
    q->params = arr;
    arr[q->n_params++] = *p;
    return FG_OK;
}

/* A filtering parameter (anything but a result or unsupported one). */
static enum fg_status filter_param(struct fhir_search_ctx *c, struct fg_str key,
                                   struct fg_str value, bool from_policy)
{
    struct fhir_search_param p = {0};
    struct skip skip = {NULL};

    if (c->q->n_params >= FG_MAX_SEARCH_PARAMS) {
        char d[FHIR_SEARCH_QUOTE_BUF];
        return fg_error_set_http(c->err, FG_EINVAL, 400, "too-costly",
                                 fhir_search_quote(key, d, sizeof d),
                                 "Too many search parameters (at most %d)", FG_MAX_SEARCH_PARAMS);
    }
    enum fg_status st = param_parse(c, c->q->type, key, key, value, 0, &p, &skip);
    if (st != FG_OK)
        return st;
    if (skip.reason) {
        if (from_policy) {
            char d[FHIR_SEARCH_QUOTE_BUF];
            return fhir_search_fail(c->err, FG_EINVAL, key, "Policy parameter '%s': %s",
                                    fhir_search_quote(key, d, sizeof d), skip.reason);
        }
        return record_ignored(c, key, skip.reason);
    }
    p.from_policy = from_policy;
    return add_param(c, &p);
}

static enum fg_status pair_parse(struct fhir_search_ctx *c, const struct fhir_kv *kv)
{
    struct fg_str key = fg_pool_str(c->pool, kv->name);
    struct fg_str value = fg_pool_str(c->pool, kv->value);
    if (!key.ptr || !value.ptr)
        return FG_ENOMEM;
    struct fg_str code = {key.ptr, code_end(key)};

    /* _format and _pretty belong to the HTTP layer (http.html#parameters). */
    if (fg_str_eq_c(code, "_format") || fg_str_eq_c(code, "_pretty") || !key.len)
        return FG_OK;
    if (!value.len)
        return record_ignored(c, key, "empty value");
    if (fhir_search_is_result_param(code))
        return fhir_search_result_param(c, code, key, value);
    if (is_unsupported(code)) {
        char d[FHIR_SEARCH_QUOTE_BUF];
        if (c->handling == FHIR_HANDLING_LENIENT)
            return record_ignored(c, key, "parameter not supported by this server");
        return fhir_search_fail(c->err, FG_ENOTSUP, key,
                                "Search parameter '%s' is not supported by this server",
                                fhir_search_quote(code, d, sizeof d));
    }
    return filter_param(c, key, value, false);
}

enum fg_status fhir_search_parse(struct fg_pool *pool, struct fg_str type, struct fg_str base_url,
                                 const struct fhir_kv *pairs, size_t n_pairs,
                                 enum fhir_search_handling handling, struct fhir_query *out,
                                 struct fg_error *err)
{
    struct fhir_query q = {0};
    struct fhir_search_ctx c = {0};
    char t[FHIR_SEARCH_QUOTE_BUF];

    if (!fhir_resource_type_known(type))
        return fhir_search_fail(err, FG_EINVAL, type, "Unknown resource type '%s'",
                                fhir_search_quote(type, t, sizeof t));
    q.type = fg_pool_str(pool, type);
    if (!q.type.ptr)
        return FG_ENOMEM;
    q.count = FG_DEFAULT_COUNT;
    q.summary = FHIR_SUMMARY_NONE;
    q.total = FHIR_TOTAL_ACCURATE;
    c.pool = pool;
    c.base_url = base_url;
    c.handling = handling;
    c.q = &q;
    c.err = err;
    c.values_left = FG_MAX_SEARCH_VALUES;
    for (size_t i = 0; i < n_pairs; i++) {
        enum fg_status st = pair_parse(&c, &pairs[i]);
        if (st != FG_OK)
            return st;
    }
    *out = q;
    return FG_OK;
}

enum fg_status fhir_query_add_policy_param(struct fg_pool *pool, struct fhir_query *q,
                                           struct fg_str name, struct fg_str value,
                                           struct fg_error *err)
{
    struct fhir_search_ctx c = {0};
    struct fg_str key = fg_pool_str(pool, name), val = fg_pool_str(pool, value);
    char d[FHIR_SEARCH_QUOTE_BUF];

    if (!key.ptr || !val.ptr)
        return FG_ENOMEM;
    struct fg_str code = {key.ptr, code_end(key)};
    /* A policy narrows: it must be a filter with a value, never a paging
     * or output switch, or it would silently widen what is returned. */
    if (!key.len || !val.len || fhir_search_is_result_param(code) || is_unsupported(code) ||
        fg_str_eq_c(code, "_format") || fg_str_eq_c(code, "_pretty"))
        return fhir_search_fail(err, FG_EINVAL, key, "Policy parameter '%s' is not a filter",
                                fhir_search_quote(key, d, sizeof d));
    c.pool = pool;
    c.handling = FHIR_HANDLING_STRICT;
    c.q = q;
    c.err = err;
    /* Policy values have their own budget: a client cannot use up the limit. */
    c.values_left = FG_MAX_SEARCH_VALUES;
    c.cap_params = q->n_params;
    return filter_param(&c, key, val, true);
}

enum fg_status fhir_query_restrict_compartment(struct fg_pool *pool, struct fhir_query *q,
                                               const struct fg_str *patient_ids, size_t n)
{
    size_t keep = 0;
    /* An empty list would read as "no restriction": refuse it. */
    if (n == 0 || n > SIZE_MAX / sizeof(struct fg_str))
        return FG_EINVAL;
    for (size_t i = 0; i < n; i++) {
        if (!fg_is_fhir_id(patient_ids[i]))
            return FG_EINVAL;
    }
    struct fg_str *ids = fg_pool_zalloc(pool, n * sizeof *ids);
    if (!ids)
        return FG_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        /* A second restriction narrows the first: keep the intersection. */
        bool allowed = q->n_compartment_patients == 0;
        for (size_t k = 0; !allowed && k < q->n_compartment_patients; k++)
            allowed = fg_str_eq(q->compartment_patients[k], patient_ids[i]);
        if (!allowed)
            continue;
        ids[keep] = fg_pool_str(pool, patient_ids[i]);
        if (!ids[keep].ptr)
            return FG_ENOMEM;
        keep++;
    }
    if (keep == 0)
        return FG_EFORBIDDEN;
    q->compartment_patients = ids;
    q->n_compartment_patients = keep;
    return FG_OK;
}
