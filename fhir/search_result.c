/* search_result.c - the search result parameters.
 *
 * _count, _sort, _summary, _elements, _total, _include and _revinclude
 * (with :iterate) shape the Bundle rather than filter it
 * (http://hl7.org/fhir/R4/search.html#return); _cursor is this server's
 * opaque paging position, kept as given.
 */
#include <ctype.h>
#include <string.h>

#include "../core/fg_limits.h"
#include "search_internal.h"

static const char *const result_params[] = {
    "_count", "_sort", "_summary", "_elements", "_total", "_include", "_revinclude", "_cursor",
};

static const struct {
    const char *name;
    enum fhir_summary value;
} summary_names[] = {
    {"true", FHIR_SUMMARY_TRUE}, {"false", FHIR_SUMMARY_FALSE}, {"count", FHIR_SUMMARY_COUNT},
    {"text", FHIR_SUMMARY_TEXT}, {"data", FHIR_SUMMARY_DATA},
};

static const struct {
    const char *name;
    enum fhir_total value;
} total_names[] = {
    {"none", FHIR_TOTAL_NONE}, {"estimate", FHIR_TOTAL_ESTIMATE}, {"accurate", FHIR_TOTAL_ACCURATE},
};

bool fhir_search_is_result_param(struct fg_str code)
{
    for (size_t i = 0; i < sizeof result_params / sizeof result_params[0]; i++) {
        if (fg_str_eq_c(code, result_params[i]))
            return true;
    }
    return false;
}

static enum fg_status bad(struct fhir_search_ctx *c, struct fg_str key, struct fg_str value,
                          const char *expected)
{
    char k[FHIR_SEARCH_QUOTE_BUF], v[FHIR_SEARCH_QUOTE_BUF];
    return fhir_search_fail(c->err, FG_EINVAL, key, "Invalid value '%s' for '%s': %s",
                            fhir_search_quote(value, v, sizeof v),
                            fhir_search_quote(key, k, sizeof k), expected);
}

/* _count: a whole number; above FG_MAX_COUNT it is lowered to it (a server
 * may return fewer than asked, search.html#count). */
static enum fg_status count_param(struct fhir_search_ctx *c, struct fg_str key,
                                  struct fg_str value)
{
    int64_t n;
    for (size_t i = 0; i < value.len; i++) {
        if (!isdigit((unsigned char)value.ptr[i]))
            return bad(c, key, value, "a whole number from 0");
    }
    /* Only digits: a parse failure is an overflow, which the cap covers. */
    if (fg_parse_i64(value, 0, INT64_MAX, &n) != FG_OK || n > FG_MAX_COUNT)
        n = FG_MAX_COUNT;
    c->q->count = (int)n;
    return FG_OK;
}

static enum fg_status sort_item(struct fhir_search_ctx *c, struct fg_str key, struct fg_str item)
{
    struct fhir_query *q = c->q;
    struct fhir_sort s = {0};
    if (item.len && item.ptr[0] == '-') {
        s.descending = true;
        item.ptr++;
        item.len--;
    }
    s.name = item;
    if (!fg_str_eq_c(item, "_id") && !fg_str_eq_c(item, "_lastUpdated")) {
        s.def = fhir_searchparam_find(q->type, item);
        if (!s.def || s.def->type == FHIR_PARAM_COMPOSITE || s.def->type == FHIR_PARAM_SPECIAL)
            return bad(c, key, item, "not a search parameter of this type that can sort");
    }
    struct fhir_sort *arr = fhir_search_grow(c->pool, q->sorts, q->n_sorts, &c->cap_sorts,
                                             sizeof *arr);
    if (!arr)
        return FG_ENOMEM;
    q->sorts = arr;
    arr[q->n_sorts++] = s;
    return FG_OK;
}

/* _sort=a,-b: comma-separated, '-' for descending (search.html#sort). */
static enum fg_status sort_param(struct fhir_search_ctx *c, struct fg_str key, struct fg_str value)
{
    struct fg_str item, rest = value;
    bool more = true;
    while (more) {
        more = fg_str_split(rest, ',', &item, &rest);
        if (!item.len || fg_str_eq_c(item, "-"))
            return bad(c, key, value, "a comma-separated list of parameter names");
        enum fg_status st = sort_item(c, key, item);
        if (st != FG_OK)
            return st;
    }
    return FG_OK;
}

static bool element_name_ok(struct fg_str s)
{
    if (!s.len || !isalpha((unsigned char)s.ptr[0]))
        return false;
    for (size_t i = 1; i < s.len; i++) {
        unsigned char ch = (unsigned char)s.ptr[i];
        if (!isalnum(ch) && ch != '_' && ch != '.')
            return false;
    }
    return true;
}

/* _elements=identifier,active: element names (search.html#elements). */
static enum fg_status elements_param(struct fhir_search_ctx *c, struct fg_str key,
                                     struct fg_str value)
{
    struct fhir_query *q = c->q;
    struct fg_str item, rest = value;
    bool more = true;
    while (more) {
        more = fg_str_split(rest, ',', &item, &rest);
        if (!item.len)
            continue;
        if (!element_name_ok(item))
            return bad(c, key, item, "element names separated by commas");
        struct fg_str *arr = fhir_search_grow(c->pool, q->elements, q->n_elements,
                                              &c->cap_elements, sizeof *arr);
        if (!arr)
            return FG_ENOMEM;
        q->elements = arr;
        arr[q->n_elements++] = item;
    }
    return FG_OK;
}

/* The reference parameter `code` of `source` for an include. */
static enum fg_status include_target(struct fhir_search_ctx *c, struct fg_str key,
                                     struct fg_str value, struct fg_str code, struct fg_str target,
                                     struct fhir_include *inc)
{
    if (fg_str_eq_c(code, "*")) {
        if (target.len)
            return bad(c, key, value, "Type:* takes no target type");
        inc->wildcard = true;
        return FG_OK;
    }
    inc->def = fhir_searchparam_find(inc->source_type, code);
    if (!inc->def || inc->def->type != FHIR_PARAM_REFERENCE)
        return bad(c, key, value, "the parameter is not a reference parameter of the type");
    if (target.len) {
        if (!fhir_resource_type_known(target) ||
            (inc->def->targets[0] && !fhir_search_target_ok(inc->def->targets, target)))
            return bad(c, key, value, "the target type is not one the parameter refers to");
        inc->target_type = target;
    }
    return FG_OK;
}

/* _include=Type:param[:target], Type:*, * ; :iterate (or R3's :recurse). */
static enum fg_status include_param(struct fhir_search_ctx *c, struct fg_str code,
                                    struct fg_str key, struct fg_str value)
{
    struct fhir_query *q = c->q;
    struct fhir_include inc = {0};
    struct fg_str mod = {key.ptr + code.len, key.len - code.len};
    struct fg_str source, rest, param, target;

    inc.reverse = fg_str_eq_c(code, "_revinclude");
    if (fg_str_eq_c(mod, ":iterate") || fg_str_eq_c(mod, ":recurse"))
        inc.iterate = true;
    else if (mod.len)
        return bad(c, key, value, "the only modifiers are :iterate and :recurse");
    if (q->n_includes >= FG_MAX_INCLUDES) {
        char k[FHIR_SEARCH_QUOTE_BUF];
        return fg_error_set_http(c->err, FG_EINVAL, 400, "too-costly",
                                 fhir_search_quote(key, k, sizeof k),
                                 "Too many _include and _revinclude parameters (at most %d)",
                                 FG_MAX_INCLUDES);
    }
    if (fg_str_eq_c(value, "*")) {
        inc.wildcard = true;
    } else {
        if (!fg_str_split(value, ':', &source, &rest))
            return bad(c, key, value, "expected Type:parameter[:targetType]");
        fg_str_split(rest, ':', &param, &target);
        if (!fhir_resource_type_known(source) || !param.len ||
            memchr(target.ptr, ':', target.len))
            return bad(c, key, value, "expected Type:parameter[:targetType]");
        inc.source_type = source;
        enum fg_status st = include_target(c, key, value, param, target, &inc);
        if (st != FG_OK)
            return st;
    }
    struct fhir_include *arr = fhir_search_grow(c->pool, q->includes, q->n_includes,
                                                &c->cap_includes, sizeof *arr);
    if (!arr)
        return FG_ENOMEM;
    q->includes = arr;
    arr[q->n_includes++] = inc;
    return FG_OK;
}

enum fg_status fhir_search_result_param(struct fhir_search_ctx *c, struct fg_str code,
                                        struct fg_str key, struct fg_str value)
{
    bool include = fg_str_eq_c(code, "_include") || fg_str_eq_c(code, "_revinclude");
    if (include)
        return include_param(c, code, key, value);
    if (key.len != code.len)
        return bad(c, key, value, "this parameter takes no modifier");
    if (fg_str_eq_c(code, "_count"))
        return count_param(c, key, value);
    if (fg_str_eq_c(code, "_sort"))
        return sort_param(c, key, value);
    if (fg_str_eq_c(code, "_elements"))
        return elements_param(c, key, value);
    if (fg_str_eq_c(code, "_cursor")) {
        c->q->cursor = value;
        return FG_OK;
    }
    if (fg_str_eq_c(code, "_summary")) {
        for (size_t i = 0; i < sizeof summary_names / sizeof summary_names[0]; i++) {
            if (fg_str_eq_c(value, summary_names[i].name)) {
                c->q->summary = summary_names[i].value;
                return FG_OK;
            }
        }
        return bad(c, key, value, "one of true, false, count, text, data");
    }
    for (size_t i = 0; i < sizeof total_names / sizeof total_names[0]; i++) {
        if (fg_str_eq_c(value, total_names[i].name)) {
            c->q->total = total_names[i].value;
            return FG_OK;
        }
    }
    return bad(c, key, value, "one of none, estimate, accurate");
}
