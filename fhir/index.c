/* index.c - walks a resource along the compiled search parameter paths.
 *
 * The generator resolved every path step to the JSON member names it may
 * have (one per type for a choice element, "valueQuantity") and, per
 * resource type, which top-level member starts which path (the "roots").
 * Extraction visits each top-level member of the resource once, finds its
 * roots by binary search, and follows the remaining steps; arrays at any
 * step are flattened. The values at the ends are turned into entries by
 * index_values.c. Patient compartment membership follows the R4
 * CompartmentDefinition (http://hl7.org/fhir/R4/compartmentdefinition-patient.html).
 */
#include "index.h"

#include <string.h>

#include "index_internal.h"

#define INITIAL_ENTRIES 32

struct fhir_index_entry *fhir_index_add(struct fhir_index_ctx *ctx,
                                        const struct fhir_searchparam *def)
{
    if (ctx->st != FG_OK)
        return NULL;
    if (ctx->n == ctx->cap) {
        size_t cap = ctx->cap ? ctx->cap * 2 : INITIAL_ENTRIES;
        if (cap > SIZE_MAX / sizeof(struct fhir_index_entry)) {
            ctx->st = FG_ENOMEM;
            return NULL;
        }
        struct fhir_index_entry *v = fg_pool_alloc(ctx->pool, cap * sizeof *v);
        if (!v) {
            ctx->st = FG_ENOMEM;
            return NULL;
        }
        if (ctx->n)
            memcpy(v, ctx->v, ctx->n * sizeof *v);
        ctx->v = v;
        ctx->cap = cap;
    }
    struct fhir_index_entry *e = &ctx->v[ctx->n++];
    memset(e, 0, sizeof *e);
    e->def = def;
    return e;
}

/* The (type) of a Reference object's "reference", for "@Patient" filters. */
static bool reference_has_type(const cJSON *node, const char *want)
{
    const cJSON *ref = cJSON_GetObjectItemCaseSensitive(node, "reference");
    struct fg_str type, id, url;
    if (!cJSON_IsString(ref) ||
        !fhir_index_parse_reference(fg_str_c(ref->valuestring), &type, &id, &url))
        return false;
    return fg_str_eq_c(type, want);
}

/* True when one element passes the filters of its step. */
static bool passes_filters(const struct fhir_path_seg *seg, const cJSON *node)
{
    if (seg->where_key) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(node, seg->where_key);
        if (!cJSON_IsString(v) || strcmp(v->valuestring, seg->where_value) != 0)
            return false;
    }
    if (seg->ref_type && !reference_has_type(node, seg->ref_type))
        return false;
    return true;
}

static void walk(struct fhir_index_ctx *ctx, const struct fhir_searchparam *def,
                 const struct fhir_path *path, size_t i, const cJSON *node,
                 enum fhir_data_type dt);

/* Follows step i+1 from one element of step i. */
static void walk_children(struct fhir_index_ctx *ctx, const struct fhir_searchparam *def,
                          const struct fhir_path *path, size_t i, const cJSON *node)
{
    const struct fhir_path_seg *next = &path->segs[i + 1];
    if (!cJSON_IsObject(node))
        return;
    if (next->n_keys == 1) {
        const cJSON *child = cJSON_GetObjectItemCaseSensitive(node, next->keys[0].name);
        if (child)
            walk(ctx, def, path, i + 1, child, (enum fhir_data_type)next->keys[0].type);
        return;
    }
    /* a choice element: one pass over the members, matched against each type's name */
    for (const cJSON *c = node->child; c; c = c->next) {
        if (!c->string)
            continue;
        for (size_t k = 0; k < next->n_keys; k++) {
            if (c->string[0] == next->keys[k].name[0] && strcmp(c->string, next->keys[k].name) == 0) {
                walk(ctx, def, path, i + 1, c, (enum fhir_data_type)next->keys[k].type);
                break;
            }
        }
    }
}

static void walk_one(struct fhir_index_ctx *ctx, const struct fhir_searchparam *def,
                     const struct fhir_path *path, size_t i, const cJSON *node,
                     enum fhir_data_type dt)
{
    const struct fhir_path_seg *seg = &path->segs[i];
    if ((seg->where_key || seg->ref_type) && !passes_filters(seg, node))
        return;
    if (i + 1 == path->n_segs)
        fhir_index_add_value(ctx, def, node, dt);
    else
        walk_children(ctx, def, path, i, node);
}

/* Visits the value(s) of step i: an array is flattened one level (nested
 * arrays are not FHIR and are skipped, which also bounds the recursion). */
static void walk(struct fhir_index_ctx *ctx, const struct fhir_searchparam *def,
                 const struct fhir_path *path, size_t i, const cJSON *node,
                 enum fhir_data_type dt)
{
    if (!cJSON_IsArray(node)) {
        walk_one(ctx, def, path, i, node, dt);
        return;
    }
    for (const cJSON *e = node->child; e && ctx->st == FG_OK; e = e->next) {
        if (!cJSON_IsArray(e))
            walk_one(ctx, def, path, i, e, dt);
    }
}

/* Orders a root against a member name of length len: by length, then bytes. */
static int root_cmp(const struct fhir_type_root *r, const char *name, size_t len)
{
    if (r->len != len)
        return r->len < len ? -1 : 1;
    return memcmp(r->name, name, len);
}

/* First root of `ti` named `name` (roots are sorted by (len, name)), or n_roots. */
static size_t root_lower_bound(const struct fhir_type_info *ti, const char *name, size_t len)
{
    size_t lo = 0, hi = ti->n_roots;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (root_cmp(&ti->roots[mid], name, len) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void extract_member(struct fhir_index_ctx *ctx, const struct fhir_type_info *ti,
                           const cJSON *member)
{
    size_t len = strlen(member->string);
    for (size_t r = root_lower_bound(ti, member->string, len);
         r < ti->n_roots && root_cmp(&ti->roots[r], member->string, len) == 0; r++) {
        const struct fhir_type_root *root = &ti->roots[r];
        const struct fhir_searchparam *def = &fhir_searchparams[root->row];
        const struct fhir_path *path = &def->compiled[root->alt];
        walk(ctx, def, path, 0, member, (enum fhir_data_type)path->segs[0].keys[root->key].type);
    }
}

static enum fg_status finish(struct fhir_index_ctx *ctx, struct fhir_index_entry **entries,
                             size_t *n_entries)
{
    if (ctx->st != FG_OK)
        return ctx->st;
    *entries = ctx->v;
    *n_entries = ctx->n;
    return FG_OK;
}

enum fg_status fhir_index_extract(struct fg_pool *pool, const cJSON *resource, struct fg_str type,
                                  struct fhir_index_entry **entries, size_t *n_entries)
{
    struct fhir_index_ctx ctx = {pool, NULL, 0, 0, FG_OK};
    long ix = fhir_resource_type_index(type);
    if (ix >= 0 && cJSON_IsObject(resource)) {
        const struct fhir_type_info *ti = &fhir_type_infos[ix];
        for (const cJSON *m = resource->child; m && ctx.st == FG_OK; m = m->next) {
            if (m->string)
                extract_member(&ctx, ti, m);
        }
    }
    return finish(&ctx, entries, n_entries);
}

/* Adds every value of one parameter (all its alternatives) of `resource`. */
static void extract_param(struct fhir_index_ctx *ctx, const struct fhir_searchparam *def,
                          const cJSON *resource)
{
    for (size_t a = 0; a < def->n_compiled; a++) {
        const struct fhir_path *path = &def->compiled[a];
        const struct fhir_path_seg *seg = &path->segs[0];
        for (size_t k = 0; k < seg->n_keys; k++) {
            const cJSON *m = cJSON_GetObjectItemCaseSensitive(resource, seg->keys[k].name);
            if (m)
                walk(ctx, def, path, 0, m, (enum fhir_data_type)seg->keys[k].type);
        }
    }
}

static enum fg_status add_id(struct fg_pool *pool, struct fg_str **ids, size_t *n, size_t *cap,
                             struct fg_str id)
{
    for (size_t i = 0; i < *n; i++) {
        if (fg_str_eq((*ids)[i], id))
            return FG_OK;
    }
    if (*n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 4;
        struct fg_str *v = fg_pool_alloc(pool, ncap * sizeof *v);
        if (!v)
            return FG_ENOMEM;
        if (*n)
            memcpy(v, *ids, *n * sizeof *v);
        *ids = v;
        *cap = ncap;
    }
    (*ids)[(*n)++] = id;
    return FG_OK;
}

/* Only relative references count: an absolute URL may name a Patient on
 * another server, and compartments decide who may read what. */
static enum fg_status add_patient_refs(struct fhir_index_ctx *ctx, struct fg_str **ids,
                                       size_t *n, size_t *cap)
{
    for (size_t i = 0; i < ctx->n; i++) {
        const struct fhir_index_entry *e = &ctx->v[i];
        if (e->ref_url.len == 0 && e->ref_id.len && fg_str_eq_c(e->ref_type, "Patient")) {
            enum fg_status st = add_id(ctx->pool, ids, n, cap, e->ref_id);
            if (st != FG_OK)
                return st;
        }
    }
    return FG_OK;
}

enum fg_status fhir_compartment_patients(struct fg_pool *pool, const cJSON *resource,
                                         struct fg_str type, struct fg_str **ids, size_t *n_ids)
{
    struct fhir_index_ctx ctx = {pool, NULL, 0, 0, FG_OK};
    struct fg_str *out = NULL;
    size_t n = 0, cap = 0;
    enum fg_status rc = FG_OK;
    long ix = fhir_resource_type_index(type);
    if (ix < 0 || !cJSON_IsObject(resource))
        goto out;
    if (fg_str_eq_c(type, "Patient")) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(resource, "id");
        if (cJSON_IsString(id) && fg_is_fhir_id(fg_str_c(id->valuestring))) {
            rc = add_id(pool, &out, &n, &cap, fg_str_c(id->valuestring));
            if (rc != FG_OK)
                goto out;
        }
    }
    const struct fhir_type_info *ti = &fhir_type_infos[ix];
    for (size_t c = 0; c < ti->n_compartment; c++) {
        const struct fhir_searchparam *def =
            fhir_searchparam_find(type, fg_str_c(ti->compartment[c]));
        if (def)
            extract_param(&ctx, def, resource);
    }
    rc = ctx.st;
    if (rc == FG_OK)
        rc = add_patient_refs(&ctx, &out, &n, &cap);
out:
    if (rc == FG_OK) {
        *ids = out;
        *n_ids = n;
    }
    return rc;
}

bool fhir_compartment_type_in_patient(struct fg_str type)
{
    long ix = fhir_resource_type_index(type);
    return ix >= 0 && fhir_type_infos[ix].in_patient_compartment;
}

void fhir_index_rebase(struct fg_str base_url, struct fhir_index_entry *e, size_t n)
{
    size_t blen = base_url.len;
    while (blen && base_url.ptr[blen - 1] == '/')
        blen--;
    for (size_t i = 0; blen && i < n; i++) {
        struct fg_str u = e[i].ref_url, type, id;
        if (e[i].def->type != FHIR_PARAM_REFERENCE || u.len <= blen + 1 ||
            memcmp(u.ptr, base_url.ptr, blen) != 0 || u.ptr[blen] != '/')
            continue;
        struct fg_str rest = {u.ptr + blen + 1, u.len - blen - 1};
        if (!fg_str_split(rest, '/', &type, &id) || !fhir_resource_type_known(type) ||
            !fg_is_fhir_id(id))
            continue;
        e[i].ref_type = type;
        e[i].ref_id = id;
        e[i].ref_url = (struct fg_str){"", 0};
    }
}
