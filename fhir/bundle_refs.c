/* bundle_refs.c - placeholder references of a transaction resolved.
 * http://hl7.org/fhir/R4/http.html#trules ; contract in bundle_refs.h. */
#include "bundle_refs.h"

#include <stdlib.h>
#include <string.h>

bool fhir_ref_is_placeholder(struct fg_str s)
{
    return (fg_str_starts_with(s, "urn:uuid:") && s.len > 9) ||
           (fg_str_starts_with(s, "urn:oid:") && s.len > 8);
}

static int cmp_str(struct fg_str a, struct fg_str b)
{
    size_t n = a.len < b.len ? a.len : b.len;
    int c = n ? memcmp(a.ptr, b.ptr, n) : 0;
    if (c)
        return c;
    return a.len < b.len ? -1 : a.len > b.len ? 1 : 0;
}

static int cmp_alias(const void *a, const void *b)
{
    return cmp_str(((const struct fhir_ref_alias *)a)->from,
                   ((const struct fhir_ref_alias *)b)->from);
}

enum fg_status fhir_ref_aliases_sort(struct fhir_ref_alias *aliases, size_t n, size_t *dup)
{
    if (n > 1)
        qsort(aliases, n, sizeof *aliases, cmp_alias);
    for (size_t i = 1; i < n; i++) {
        if (cmp_str(aliases[i - 1].from, aliases[i].from) == 0) {
            *dup = i;
            return FG_ECONFLICT;
        }
    }
    return FG_OK;
}

static const struct fhir_ref_alias *lookup(const struct fhir_ref_alias *aliases, size_t n,
                                           struct fg_str from)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = cmp_str(aliases[mid].from, from);
        if (c == 0)
            return &aliases[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static bool is_reference_member(const cJSON *item)
{
    return item->string && strcmp(item->string, "reference") == 0 && cJSON_IsString(item);
}

/* Recursion depth is bounded by the parser's depth limit (FG_MAX_JSON_DEPTH). */
static enum fg_status rewrite(cJSON *node, const struct fhir_ref_alias *aliases, size_t n,
                              size_t *count)
{
    for (cJSON *item = node->child; item; item = item->next) {
        if (is_reference_member(item)) {
            struct fg_str v = fg_str_c(item->valuestring);
            const struct fhir_ref_alias *a =
                fhir_ref_is_placeholder(v) ? lookup(aliases, n, v) : NULL;
            if (!a)
                continue;
            char *copy = cJSON_malloc(a->to.len + 1);
            if (!copy)
                return FG_ENOMEM;
            memcpy(copy, a->to.ptr, a->to.len);
            copy[a->to.len] = '\0';
            /* Swap the string in place: cJSON_SetValuestring would refuse
             * a longer value in 1.7.15. */
            if (!(item->type & cJSON_IsReference))
                cJSON_free(item->valuestring);
            item->valuestring = copy;
            (*count)++;
        } else if (item->child) {
            enum fg_status st = rewrite(item, aliases, n, count);
            if (st != FG_OK)
                return st;
        }
    }
    return FG_OK;
}

enum fg_status fhir_ref_rewrite(cJSON *node, const struct fhir_ref_alias *aliases, size_t n,
                                size_t *n_rewritten)
{
    size_t count = 0;
    enum fg_status st = node ? rewrite(node, aliases, n, &count) : FG_OK;
    if (n_rewritten)
        *n_rewritten = count;
    return st;
}

const char *fhir_ref_find_unresolved(const cJSON *node)
{
    for (const cJSON *item = node ? node->child : NULL; item; item = item->next) {
        if (is_reference_member(item)) {
            if (fhir_ref_is_placeholder(fg_str_c(item->valuestring)))
                return item->valuestring;
        } else if (item->child) {
            const char *r = fhir_ref_find_unresolved(item);
            if (r)
                return r;
        }
    }
    return NULL;
}
