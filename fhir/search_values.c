/* search_values.c - the value grammar of FHIR search parameters.
 *
 * One parameter value is an OR list separated by ',' in which '\' escapes
 * ',', '|', '$' and '\' (search.html#escaping). Each item is typed by the
 * parameter: a prefix for number, date and quantity (search.html#prefix),
 * the implicit precision range of a number (search.html#number),
 * system|code for token, number|system|code for quantity, and the
 * relative, absolute and versioned forms of a reference
 * (search.html#reference). Spec: http://hl7.org/fhir/R4/search.html
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../core/fg_buf.h"
#include "../core/fg_limits.h"
#include "search_internal.h"

/* ---- diagnostics ------------------------------------------------------ */

const char *fhir_search_quote(struct fg_str s, char *dst, size_t dst_size)
{
    size_t n = s.len > FHIR_SEARCH_QUOTE_MAX ? FHIR_SEARCH_QUOTE_MAX : s.len;
    size_t o = 0;
    if (dst_size < FHIR_SEARCH_QUOTE_BUF) {
        if (dst_size)
            dst[0] = '\0';
        return dst;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        dst[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    if (n < s.len) {
        memcpy(dst + o, "...", 3);
        o += 3;
    }
    dst[o] = '\0';
    return dst;
}

enum fg_status fhir_search_fail(struct fg_error *err, enum fg_status st, struct fg_str name,
                                const char *fmt, ...)
{
    char diag[FG_ERROR_DIAG_MAX];
    char expr[FHIR_SEARCH_QUOTE_BUF];
    va_list ap;

    va_start(ap, fmt);
    int n = vsnprintf(diag, sizeof diag, fmt, ap);
    va_end(ap);
    /* A cut diagnostic is still useful; only a format error loses it. */
    if (n < 0)
        diag[0] = '\0';
    return fg_error_set(err, st, fhir_search_quote(name, expr, sizeof expr), "%s", diag);
}

const char *fhir_search_modifier_name(enum fhir_modifier m)
{
    switch (m) {
    case FHIR_MOD_MISSING: return "missing";
    case FHIR_MOD_EXACT: return "exact";
    case FHIR_MOD_CONTAINS: return "contains";
    case FHIR_MOD_NOT: return "not";
    case FHIR_MOD_TEXT: return "text";
    case FHIR_MOD_ABOVE: return "above";
    case FHIR_MOD_BELOW: return "below";
    case FHIR_MOD_IN: return "in";
    case FHIR_MOD_NOT_IN: return "not-in";
    case FHIR_MOD_OF_TYPE: return "of-type";
    case FHIR_MOD_IDENTIFIER: return "identifier";
    case FHIR_MOD_NONE:
    case FHIR_MOD_TYPE: break;
    }
    return "";
}

static const char *const prefix_names[] = {
    [FHIR_PREFIX_NONE] = "", [FHIR_PREFIX_EQ] = "eq", [FHIR_PREFIX_NE] = "ne",
    [FHIR_PREFIX_GT] = "gt", [FHIR_PREFIX_LT] = "lt", [FHIR_PREFIX_GE] = "ge",
    [FHIR_PREFIX_LE] = "le", [FHIR_PREFIX_SA] = "sa", [FHIR_PREFIX_EB] = "eb",
    [FHIR_PREFIX_AP] = "ap",
};

const char *fhir_search_prefix_name(enum fhir_prefix p)
{
    return (unsigned)p < sizeof prefix_names / sizeof prefix_names[0] ? prefix_names[p] : "";
}

/* ---- escapes ---------------------------------------------------------- */

static bool is_escapable(char c)
{
    return c == ',' || c == '|' || c == '$' || c == '\\';
}

/* Index of the first unescaped c in s at or after `from`, or s.len. */
static size_t find_unescaped(struct fg_str s, size_t from, char c)
{
    for (size_t i = from; i < s.len; i++) {
        if (s.ptr[i] == '\\' && i + 1 < s.len) {
            i++;
            continue;
        }
        if (s.ptr[i] == c)
            return i;
    }
    return s.len;
}

/* Removes the escapes of s into pool memory (s itself when it has none).
 * A '\' before any other byte, or at the end, stays as it is. */
static enum fg_status unescape(struct fg_pool *pool, struct fg_str s, struct fg_str *out)
{
    if (!s.len || !memchr(s.ptr, '\\', s.len)) {
        *out = s;
        return FG_OK;
    }
    char *dst = fg_pool_alloc(pool, s.len);
    if (!dst)
        return FG_ENOMEM;
    size_t o = 0;
    for (size_t i = 0; i < s.len; i++) {
        if (s.ptr[i] == '\\' && i + 1 < s.len && is_escapable(s.ptr[i + 1]))
            i++;
        dst[o++] = s.ptr[i];
    }
    *out = (struct fg_str){dst, o};
    return FG_OK;
}

enum fg_status fhir_search_append_escaped(struct fg_buf *buf, struct fg_str s)
{
    size_t start = 0;
    enum fg_status st = FG_OK;
    for (size_t i = 0; st == FG_OK && i <= s.len; i++) {
        if (i < s.len && !is_escapable(s.ptr[i]))
            continue;
        st = fg_buf_append_url_encoded(buf, (struct fg_str){s.ptr + start, i - start});
        if (st == FG_OK && i < s.len) {
            /* "\x" percent-encoded: a backslash is %5C in a query string. */
            st = fg_buf_append_c(buf, "%5C");
            if (st == FG_OK)
                st = fg_buf_append_url_encoded(buf, (struct fg_str){s.ptr + i, 1});
        }
        start = i + 1;
    }
    return st;
}

/* ---- prefixes and numbers --------------------------------------------- */

/* Splits a prefix off v: two letters followed by a digit or sign. An
 * unknown pair of letters in that position is an error, not a value. */
static enum fg_status split_prefix(struct fg_str v, struct fg_str display, enum fhir_prefix *prefix,
                                   struct fg_str *rest, struct fg_error *err)
{
    *prefix = FHIR_PREFIX_NONE;
    *rest = v;
    if (v.len < 3 || !isalpha((unsigned char)v.ptr[0]) || !isalpha((unsigned char)v.ptr[1]))
        return FG_OK;
    if (!isdigit((unsigned char)v.ptr[2]) && v.ptr[2] != '-' && v.ptr[2] != '+')
        return FG_OK;
    for (size_t p = FHIR_PREFIX_EQ; p < sizeof prefix_names / sizeof prefix_names[0]; p++) {
        if (memcmp(v.ptr, prefix_names[p], 2) == 0) {
            *prefix = (enum fhir_prefix)p;
            *rest = (struct fg_str){v.ptr + 2, v.len - 2};
            return FG_OK;
        }
    }
    char q[FHIR_SEARCH_QUOTE_BUF], d[FHIR_SEARCH_QUOTE_BUF];
    return fhir_search_fail(err, FG_EINVAL, display, "Unknown prefix '%s' in parameter '%s'",
                            fhir_search_quote((struct fg_str){v.ptr, 2}, q, sizeof q),
                            fhir_search_quote(display, d, sizeof d));
}

/* Parses a FHIR decimal and its implicit range: half a unit of the last
 * significant digit either side ("100" → [99.5, 100.5], "1.50" →
 * [1.495, 1.505], "1e2" → [50, 150]). */
static enum fg_status number_range(struct fg_str s, double *v, double *lo, double *hi)
{
    double x;
    int64_t exp = 0;
    size_t decimals = 0, i = 0;

    if (fg_parse_decimal(s, &x) != FG_OK)
        return FG_EINVAL;
    while (i < s.len && s.ptr[i] != '.' && s.ptr[i] != 'e' && s.ptr[i] != 'E')
        i++;
    if (i < s.len && s.ptr[i] == '.') {
        for (i++; i < s.len && isdigit((unsigned char)s.ptr[i]); i++)
            decimals++;
    }
    if (i < s.len && (s.ptr[i] == 'e' || s.ptr[i] == 'E')) {
        struct fg_str e = {s.ptr + i + 1, s.len - i - 1};
        if (e.len && e.ptr[0] == '+') {
            e.ptr++;
            e.len--;
        }
        if (fg_parse_i64(e, -400, 400, &exp) != FG_OK)
            return FG_EINVAL;
    }
    if (decimals > 400)
        return FG_EINVAL;
    double half = 0.5 * pow(10.0, (double)(exp - (int64_t)decimals));
    double l = x - half, h = x + half;
    if (!isfinite(l) || !isfinite(h))
        return FG_EINVAL;
    *v = x;
    *lo = l;
    *hi = h;
    return FG_OK;
}

static enum fg_status bad_value(struct fg_error *err, const char *what, struct fg_str value,
                                struct fg_str display)
{
    char q[FHIR_SEARCH_QUOTE_BUF], d[FHIR_SEARCH_QUOTE_BUF];
    return fhir_search_fail(err, FG_EINVAL, display, "Invalid %s '%s' in parameter '%s'", what,
                            fhir_search_quote(value, q, sizeof q),
                            fhir_search_quote(display, d, sizeof d));
}

/* ---- one value per parameter type -------------------------------------- */

struct value_ctx {
    struct fg_pool *pool;
    struct fg_str base_url;
    const struct fhir_search_param *p;
    struct fg_str display;
    struct fg_error *err;
};

static enum fg_status parse_number(struct value_ctx *c, struct fg_str item,
                                   struct fhir_search_value *v)
{
    struct fg_str rest;
    enum fg_status st = split_prefix(item, c->display, &v->prefix, &rest, c->err);
    if (st != FG_OK)
        return st;
    v->text = rest;
    if (number_range(rest, &v->number, &v->number_lo, &v->number_hi) != FG_OK)
        return bad_value(c->err, "number", item, c->display);
    return FG_OK;
}

static enum fg_status parse_date(struct value_ctx *c, struct fg_str item,
                                 struct fhir_search_value *v)
{
    struct fg_str rest, orig = item;
    /* An unencoded '+' of a time zone arrives as a space: put it back. */
    if (memchr(item.ptr, ' ', item.len)) {
        char *fixed = fg_pool_strndup(c->pool, item.ptr, item.len);
        if (!fixed)
            return FG_ENOMEM;
        for (size_t i = 0; i < item.len; i++)
            fixed[i] = fixed[i] == ' ' ? '+' : fixed[i];
        item.ptr = fixed;
    }
    enum fg_status st = split_prefix(item, c->display, &v->prefix, &rest, c->err);
    if (st != FG_OK)
        return st;
    v->text = rest;
    if (fhir_date_parse(rest, &v->range) != FG_OK)
        return bad_value(c->err, "date", orig, c->display);
    return FG_OK;
}

/* Token: "code", "system|code", "|code" (no system), "system|" (any code). */
static enum fg_status parse_token(struct value_ctx *c, struct fg_str item,
                                  struct fhir_search_value *v)
{
    enum fg_status st = unescape(c->pool, item, &v->text);
    if (st != FG_OK)
        return st;
    size_t bar = find_unescaped(item, 0, '|');
    if (bar == item.len)
        return unescape(c->pool, item, &v->code);
    v->has_system = true;
    st = unescape(c->pool, (struct fg_str){item.ptr, bar}, &v->system);
    if (st == FG_OK)
        st = unescape(c->pool, (struct fg_str){item.ptr + bar + 1, item.len - bar - 1}, &v->code);
    return st;
}

/* Quantity: [prefix]number, [prefix]number|system|code, [prefix]number||code. */
static enum fg_status parse_quantity(struct value_ctx *c, struct fg_str item,
                                     struct fhir_search_value *v)
{
    struct fg_str rest;
    enum fg_status st = split_prefix(item, c->display, &v->prefix, &rest, c->err);
    if (st != FG_OK)
        return st;
    st = unescape(c->pool, rest, &v->text);
    if (st != FG_OK)
        return st;
    size_t bar1 = find_unescaped(rest, 0, '|');
    struct fg_str num = {rest.ptr, bar1};
    if (bar1 < rest.len) {
        size_t bar2 = find_unescaped(rest, bar1 + 1, '|');
        if (bar2 == rest.len)
            return bad_value(c->err, "quantity", item, c->display);
        v->has_system = true;
        st = unescape(c->pool, (struct fg_str){rest.ptr + bar1 + 1, bar2 - bar1 - 1},
                      &v->unit_system);
        if (st == FG_OK)
            st = unescape(c->pool, (struct fg_str){rest.ptr + bar2 + 1, rest.len - bar2 - 1},
                          &v->unit_code);
        if (st != FG_OK)
            return st;
    }
    if (number_range(num, &v->number, &v->number_lo, &v->number_hi) != FG_OK)
        return bad_value(c->err, "quantity", item, c->display);
    return FG_OK;
}

/* Drops trailing "/_history/<version>" parts: search matches any version.
 * All of them, so that the written-back form is stable. */
static struct fg_str strip_history(struct fg_str s)
{
    struct fg_str head, version;
    while (fg_str_rsplit(s, '/', &head, &version) && version.len &&
           fg_str_ends_with(head, "/_history"))
        s = (struct fg_str){s.ptr, head.len - 9};
    return s;
}

static bool is_absolute(struct fg_str s)
{
    for (size_t i = 0; i + 2 < s.len && s.ptr[i] != '/'; i++) {
        if (s.ptr[i] == ':' && s.ptr[i + 1] == '/' && s.ptr[i + 2] == '/')
            return i > 0;
    }
    return fg_str_starts_with(s, "urn:");
}

/* Relative reference "Type/id" or "id"; the type may come from :Type. */
static enum fg_status parse_relative_ref(struct value_ctx *c, struct fg_str ref,
                                         struct fg_str item, struct fhir_search_value *v)
{
    struct fg_str type, id, targets = fg_str_c(c->p->def->targets);
    if (!fg_str_split(ref, '/', &type, &id)) {
        id = ref;
        type = c->p->modifier == FHIR_MOD_TYPE ? c->p->modifier_type : FG_STR_NULL;
        /* A bare id of a parameter with one target type can only mean that
         * type (patient=1 is Patient/1): say so, for an exact index match. */
        if (!type.len && targets.len && !memchr(targets.ptr, ' ', targets.len))
            type = targets;
    } else if (!fhir_resource_type_known(type) ||
               (c->p->modifier == FHIR_MOD_TYPE && !fg_str_eq(type, c->p->modifier_type))) {
        return bad_value(c->err, "reference", item, c->display);
    }
    if (!fg_is_fhir_id(id))
        return bad_value(c->err, "reference", item, c->display);
    v->ref_type = type;
    v->ref_id = id;
    return FG_OK;
}

static enum fg_status parse_reference(struct value_ctx *c, struct fg_str item,
                                      struct fhir_search_value *v)
{
    struct fg_str ref;
    enum fg_status st = unescape(c->pool, item, &ref);
    if (st != FG_OK)
        return st;
    v->text = ref;
    ref = strip_history(ref);
    struct fg_str base = c->base_url;
    if (base.len && ref.len > base.len + 1 && memcmp(ref.ptr, base.ptr, base.len) == 0 &&
        ref.ptr[base.len] == '/')
        return parse_relative_ref(c, (struct fg_str){ref.ptr + base.len + 1,
                                                     ref.len - base.len - 1}, item, v);
    if (!is_absolute(ref))
        return parse_relative_ref(c, ref, item, v);
    v->ref_url = ref;
    /* Also offer type and id from the last two segments, when they are one. */
    struct fg_str head, id, rest, type;
    if (fg_str_rsplit(ref, '/', &head, &id) && fg_is_fhir_id(id)) {
        fg_str_rsplit(head, '/', &rest, &type);
        if (type.ptr != head.ptr && fhir_resource_type_known(type)) {
            v->ref_type = type;
            v->ref_id = id;
        }
    }
    return FG_OK;
}

static enum fg_status parse_missing(struct value_ctx *c, struct fg_str item,
                                    struct fhir_search_value *v)
{
    v->text = item;
    if (fg_str_eq_c(item, "true"))
        v->missing = true;
    else if (!fg_str_eq_c(item, "false"))
        return bad_value(c->err, ":missing value (true or false)", item, c->display);
    return FG_OK;
}

static enum fg_status parse_item(struct value_ctx *c, struct fg_str item,
                                 struct fhir_search_value *v)
{
    const struct fhir_searchparam *def = c->p->def;
    if (c->p->modifier == FHIR_MOD_MISSING)
        return parse_missing(c, item, v);
    if (c->p->modifier == FHIR_MOD_TEXT || def->type == FHIR_PARAM_STRING ||
        def->type == FHIR_PARAM_URI)
        return unescape(c->pool, item, &v->text);
    if (c->p->modifier == FHIR_MOD_IDENTIFIER)
        return parse_token(c, item, v);
    if (fg_str_eq_c(c->p->name, "_id")) {
        /* _id is token-typed but is a plain id: no system. */
        enum fg_status st = unescape(c->pool, item, &v->text);
        v->code = v->text;
        return st;
    }
    switch (def->type) {
    case FHIR_PARAM_NUMBER: return parse_number(c, item, v);
    case FHIR_PARAM_DATE: return parse_date(c, item, v);
    case FHIR_PARAM_TOKEN: return parse_token(c, item, v);
    case FHIR_PARAM_QUANTITY: return parse_quantity(c, item, v);
    case FHIR_PARAM_REFERENCE: return parse_reference(c, item, v);
    default: break;
    }
    char d[FHIR_SEARCH_QUOTE_BUF];
    return fhir_search_fail(c->err, FG_ENOTSUP, c->display,
                            "Search parameter '%s' of type %s is not supported",
                            fhir_search_quote(c->display, d, sizeof d),
                            fhir_param_type_name(def->type));
}

enum fg_status fhir_search_values_parse(struct fg_pool *pool, struct fg_str base_url,
                                        struct fhir_search_param *p, struct fg_str display,
                                        struct fg_str raw, size_t max_values,
                                        struct fg_error *err)
{
    struct value_ctx c = {pool, base_url, p, display, err};
    size_t n_items = 1;

    for (size_t i = find_unescaped(raw, 0, ','); i < raw.len; i = find_unescaped(raw, i + 1, ','))
        n_items++;
    if (n_items > max_values) {
        char d[FHIR_SEARCH_QUOTE_BUF];
        return fg_error_set_http(err, FG_EINVAL, 400, "too-costly",
                                 fhir_search_quote(display, d, sizeof d),
                                 "Too many values in search parameter '%s' (at most %d in all)",
                                 d, FG_MAX_SEARCH_VALUES);
    }
    struct fhir_search_value *vals = fg_pool_zalloc(pool, n_items * sizeof *vals);
    if (!vals)
        return FG_ENOMEM;
    size_t n = 0;
    for (size_t start = 0; start <= raw.len;) {
        size_t end = find_unescaped(raw, start, ',');
        struct fg_str item = {raw.ptr + start, end - start};
        if (item.len) {
            enum fg_status st = parse_item(&c, item, &vals[n]);
            if (st != FG_OK)
                return st;
            n++;
        }
        start = end + 1;
    }
    p->values = vals;
    p->n_values = n;
    return FG_OK;
}

struct fg_str fhir_search_ref_type(const struct fhir_search_param *p,
                                   const struct fhir_search_value *v)
{
    if (v->ref_type.len)
        return v->ref_type;
    if (p->modifier == FHIR_MOD_TYPE)
        return p->modifier_type;
    const char *t = p->def->targets;
    if (t && *t && !strchr(t, ' '))
        return fg_str_c(t);
    return FG_STR_NULL;
}
