/* searchparam.c - lookups over the generated search parameter table.
 *
 * The rows (searchparam_table.c) are sorted by (resource, code) in byte
 * order, so every lookup is a binary search. Parameters defined on
 * Resource apply to every type, those on DomainResource to every type but
 * Bundle, Binary and Parameters; a type's own row of the same code wins.
 * Spec: http://hl7.org/fhir/R4/searchparameter-registry.html
 */
#include "searchparam.h"

#include <string.h>

/* Byte-wise three-way comparison of a slice with a NUL-terminated string. */
static int cmp_slice(struct fg_str a, const char *b)
{
    size_t blen = strlen(b);
    size_t n = a.len < blen ? a.len : blen;
    int c = n ? memcmp(a.ptr, b, n) : 0;
    if (c != 0)
        return c;
    return a.len < blen ? -1 : a.len > blen ? 1 : 0;
}

static int cmp_row(const struct fhir_searchparam *row, struct fg_str type, struct fg_str code)
{
    int c = -cmp_slice(type, row->resource);
    return c != 0 ? c : -cmp_slice(code, row->code);
}

/* First row index whose resource is >= type (lower bound on the resource). */
static size_t type_lower_bound(struct fg_str type)
{
    size_t lo = 0, hi = fhir_searchparams_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cmp_slice(type, fhir_searchparams[mid].resource) > 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The rows [*first, *end) of resource `type`. */
static void type_range(struct fg_str type, size_t *first, size_t *end)
{
    size_t i = type_lower_bound(type);
    size_t j = i;
    while (j < fhir_searchparams_count && cmp_slice(type, fhir_searchparams[j].resource) == 0)
        j++;
    *first = i;
    *end = j;
}

static const struct fhir_searchparam *find_own(struct fg_str type, struct fg_str code)
{
    size_t lo = 0, hi = fhir_searchparams_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = cmp_row(&fhir_searchparams[mid], type, code);
        if (c == 0)
            return &fhir_searchparams[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static bool is_domain_resource(struct fg_str type)
{
    return !fg_str_eq_c(type, "Bundle") && !fg_str_eq_c(type, "Binary") &&
           !fg_str_eq_c(type, "Parameters") && !fg_str_eq_c(type, "Resource");
}

const struct fhir_searchparam *fhir_searchparam_find(struct fg_str type, struct fg_str code)
{
    const struct fhir_searchparam *p = find_own(type, code);
    if (p)
        return p;
    if (is_domain_resource(type)) {
        p = find_own(FG_STR_LIT("DomainResource"), code);
        if (p)
            return p;
    }
    return find_own(FG_STR_LIT("Resource"), code);
}

bool fhir_searchparam_union_of(const struct fhir_searchparam *def,
                               const struct fhir_searchparam *parts[2])
{
    static const char combo[] = "combo-", component[] = "component-";
    if (strncmp(def->code, combo, sizeof combo - 1) != 0)
        return false;
    const char *x = def->code + sizeof combo - 1;
    char comp[64]; /* "component-" + x: the table's codes are far shorter */
    size_t lx = strlen(x);
    if (sizeof component - 1 + lx > sizeof comp)
        return false;
    memcpy(comp, component, sizeof component - 1);
    memcpy(comp + sizeof component - 1, x, lx);
    struct fg_str type = fg_str_c(def->resource);
    const struct fhir_searchparam *a = find_own(type, fg_str_n(x, lx));
    const struct fhir_searchparam *b = find_own(type, fg_str_n(comp, sizeof component - 1 + lx));
    if (!a || !b || a->type != def->type || b->type != def->type)
        return false;
    size_t la = strlen(a->paths), lb = strlen(b->paths);
    if (!la || !lb || strlen(def->paths) != la + 1 + lb ||
        memcmp(def->paths, a->paths, la) != 0 || def->paths[la] != '|' ||
        memcmp(def->paths + la + 1, b->paths, lb) != 0)
        return false;
    parts[0] = a;
    parts[1] = b;
    return true;
}

/* True when segs a and b accept the same members with the same filters;
 * b may add a reference type filter when may_restrict. */
static bool same_seg(const struct fhir_path_seg *a, const struct fhir_path_seg *b,
                     bool may_restrict)
{
    if (a->n_keys != b->n_keys || a->ref_type || (b->ref_type && !may_restrict) ||
        (a->where_key == NULL) != (b->where_key == NULL) ||
        (a->where_key && (strcmp(a->where_key, b->where_key) != 0 ||
                          strcmp(a->where_value, b->where_value) != 0)))
        return false;
    for (size_t k = 0; k < a->n_keys; k++)
        if (a->keys[k].type != b->keys[k].type || strcmp(a->keys[k].name, b->keys[k].name) != 0 ||
            (b->ref_type && a->keys[k].type != FHIR_DT_REFERENCE))
            return false;
    return true;
}

bool fhir_searchparam_restriction_of(const struct fhir_searchparam *def,
                                     const struct fhir_searchparam **base, struct fg_str *target)
{
    if (def->type != FHIR_PARAM_REFERENCE || def->n_compiled != 1)
        return false;
    const struct fhir_path *dp = &def->compiled[0];
    if (!dp->n_segs || !dp->segs[dp->n_segs - 1].ref_type)
        return false;
    const char *at = strchr(def->paths, '@');
    if (!at)
        return false;
    size_t first, end, xlen = (size_t)(at - def->paths);
    type_range(fg_str_c(def->resource), &first, &end);
    for (size_t i = first; i < end; i++) {
        const struct fhir_searchparam *b = &fhir_searchparams[i];
        if (b == def || b->type != FHIR_PARAM_REFERENCE || b->n_compiled != 1 ||
            strlen(b->paths) != xlen || memcmp(b->paths, def->paths, xlen) != 0 ||
            b->compiled[0].n_segs != dp->n_segs)
            continue;
        bool same = true;
        for (size_t k = 0; k < dp->n_segs && same; k++)
            same = same_seg(&b->compiled[0].segs[k], &dp->segs[k], k + 1 == dp->n_segs);
        if (!same)
            continue;
        *base = b;
        *target = fg_str_c(dp->segs[dp->n_segs - 1].ref_type);
        return true;
    }
    return false;
}

/* Cursor layout: [0, n_own) own rows, then DomainResource rows, then
 * Resource rows; common rows shadowed by an own row are skipped. */
const struct fhir_searchparam *fhir_searchparam_next(struct fg_str type, size_t *cursor)
{
    size_t own_first, own_end, dom_first, dom_end, res_first, res_end;
    type_range(type, &own_first, &own_end);
    type_range(FG_STR_LIT("DomainResource"), &dom_first, &dom_end);
    type_range(FG_STR_LIT("Resource"), &res_first, &res_end);
    size_t n_own = own_end - own_first;
    size_t n_dom = is_domain_resource(type) && !fg_str_eq_c(type, "DomainResource")
                       ? dom_end - dom_first
                       : 0;
    size_t n_res = fg_str_eq_c(type, "Resource") ? 0 : res_end - res_first;

    while (*cursor < n_own + n_dom + n_res) {
        size_t k = (*cursor)++;
        if (k < n_own)
            return &fhir_searchparams[own_first + k];
        const struct fhir_searchparam *p = k < n_own + n_dom
                                               ? &fhir_searchparams[dom_first + k - n_own]
                                               : &fhir_searchparams[res_first + k - n_own - n_dom];
        if (!find_own(type, fg_str_c(p->code)))
            return p;
    }
    return NULL;
}

long fhir_resource_type_index(struct fg_str type)
{
    size_t lo = 0, hi = fhir_resource_types_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = cmp_slice(type, fhir_resource_types[mid]);
        if (c == 0)
            return (long)mid;
        if (c > 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

bool fhir_resource_type_known(struct fg_str type)
{
    return fhir_resource_type_index(type) >= 0;
}

const char *fhir_param_type_name(enum fhir_param_type t)
{
    switch (t) {
    case FHIR_PARAM_NUMBER:
        return "number";
    case FHIR_PARAM_DATE:
        return "date";
    case FHIR_PARAM_STRING:
        return "string";
    case FHIR_PARAM_TOKEN:
        return "token";
    case FHIR_PARAM_REFERENCE:
        return "reference";
    case FHIR_PARAM_COMPOSITE:
        return "composite";
    case FHIR_PARAM_QUANTITY:
        return "quantity";
    case FHIR_PARAM_URI:
        return "uri";
    case FHIR_PARAM_SPECIAL:
        return "special";
    }
    return "unknown";
}
