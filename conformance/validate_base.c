/* validate_base.c - a resource against the R4 base definition of its type:
 * known elements only, JSON shape (arrays exactly for repeating elements),
 * cardinality, choice types, primitive formats, required bindings and
 * reference target types, walking datatypes and backbone elements.
 * http://hl7.org/fhir/R4/json.html, http://hl7.org/fhir/R4/elementdefinition.html */
#include <stdio.h>
#include <string.h>

#include "../core/fg_limits.h"
#include "validate_internal.h"

static void walk_object(struct fg_vctx *ctx, const struct fg_vbase_type *t, const char *path,
                        const cJSON *obj);

#define KIDS_ON_STACK 64

/* The elements of t that are direct children of path ("path.name"), found in
 * one pass over t per object, so that each member is then looked up among
 * the children only. */
struct kids {
    const struct fg_vbase_elem **e;
    size_t n;
    size_t plen; /* strlen(path): a child's name is at e[i]->path + plen + 1 */
};

static bool is_kid(const struct fg_vbase_elem *e, const char *path, size_t plen)
{
    return strncmp(e->path, path, plen) == 0 && e->path[plen] == '.' &&
           !strchr(e->path + plen + 1, '.');
}

/* Fills k with the children of path; uses stack (KIDS_ON_STACK entries) when
 * they fit, else the pool. false when out of memory. */
static bool find_kids(struct fg_vctx *ctx, const struct fg_vbase_type *t, const char *path,
                      const struct fg_vbase_elem **stack, struct kids *k)
{
    k->plen = strlen(path);
    k->n = 0;
    k->e = stack;
    for (size_t i = 0; i < t->n_elems; i++) {
        if (!is_kid(&t->elems[i], path, k->plen))
            continue;
        if (k->n == KIDS_ON_STACK && k->e == stack) {
            const struct fg_vbase_elem **big = fg_pool_alloc(ctx->pool, t->n_elems * sizeof *big);
            if (!big) {
                ctx->oom = FG_ENOMEM;
                return false;
            }
            memcpy(big, stack, k->n * sizeof *big);
            k->e = big;
        }
        k->e[k->n++] = &t->elems[i];
    }
    return true;
}

/* The child whose name is key, resolving choice keys (valueQuantity ->
 * value[x] of type Quantity). *type / *type_len: the one type of the value,
 * or the element's types when it has several. */
static const struct fg_vbase_elem *find_child(const struct kids *k, const char *key,
                                              const char **type, size_t *type_len)
{
    size_t klen = strlen(key);
    for (size_t i = 0; i < k->n; i++) {
        const struct fg_vbase_elem *e = k->e[i];
        const char *name = e->path + k->plen + 1;
        if (name[0] != key[0])
            continue;
        size_t nlen = strlen(name);
        if (nlen == klen && memcmp(name, key, klen) == 0) {
            *type = e->types;
            *type_len = strcspn(e->types, " ");
            return e;
        }
        if (nlen > 3 && strcmp(name + nlen - 3, "[x]") == 0 && klen > nlen - 3 &&
            memcmp(name, key, nlen - 3) == 0) {
            const char *ct = fg_vchoice_type(e->types, key + nlen - 3, type_len);
            if (ct) {
                *type = ct;
                return e;
            }
        }
    }
    return NULL;
}

/* Children of path defined inline (BackboneElement, Element with children). */
static bool has_inline_children(const struct fg_vbase_type *t, const char *path)
{
    size_t plen = strlen(path);
    for (size_t i = 0; i < t->n_elems; i++)
        if (strncmp(t->elems[i].path, path, plen) == 0 && t->elems[i].path[plen] == '.')
            return true;
    return false;
}

static void check_complex(struct fg_vctx *ctx, const struct fg_vbase_type *t,
                          const struct fg_vbase_elem *e, const char *type, size_t type_len,
                          const cJSON *v)
{
    if (!cJSON_IsObject(v)) {
        fg_vissue(ctx, FG_VSEV_ERROR, "structure", NULL, "Expected a JSON object (%.*s)",
                  (int)type_len, type);
        return;
    }
    if (type[0] == '#') { /* contentReference: same type, other path */
        char ref[200];
        if (type_len - 1 >= sizeof ref)
            return;
        memcpy(ref, type + 1, type_len - 1);
        ref[type_len - 1] = '\0';
        walk_object(ctx, t, ref, v);
        return;
    }
    if ((type_len == 15 && strncmp(type, "BackboneElement", 15) == 0) ||
        (type_len == 7 && strncmp(type, "Element", 7) == 0 && has_inline_children(t, e->path))) {
        walk_object(ctx, t, e->path, v);
        return;
    }
    if (type_len == 8 && strncmp(type, "Resource", 8) == 0) {
        fg_vbase_resource(ctx, v);
        return;
    }
    char name[64];
    if (type_len >= sizeof name)
        return;
    memcpy(name, type, type_len);
    name[type_len] = '\0';
    const struct fg_vbase_type *dt = fg_vbase_find(name);
    if (!dt) {
        fg_vissue(ctx, FG_VSEV_WARNING, "not-supported", NULL,
                  "No base definition for type %s here; its content was not checked", name);
        return;
    }
    walk_object(ctx, dt, dt->name, v);
    if (strcmp(name, "Extension") == 0)
        fg_vprofile_apply_extension(ctx, v);
    if (strcmp(name, "Reference") == 0)
        fg_vcheck_reference_target(ctx, e->targets, v);
}

static void check_value(struct fg_vctx *ctx, const struct fg_vbase_type *t,
                        const struct fg_vbase_elem *e, const char *type, size_t type_len,
                        const cJSON *v)
{
    if (fg_vis_primitive(type, type_len)) {
        const char *msg = fg_vprimitive_check(type, type_len, v);
        if (msg) {
            if (cJSON_IsString(v))
                fg_vissue(ctx, FG_VSEV_ERROR, "value", NULL, "The value '%.80s' %s", v->valuestring, msg);
            else
                fg_vissue(ctx, FG_VSEV_ERROR, "value", NULL, "The %.*s value %s", (int)type_len, type, msg);
            return;
        }
    } else {
        check_complex(ctx, t, e, type, type_len, v);
    }
    if (e->binding >= 0)
        fg_vcheck_binding(ctx, e->binding, type, type_len, v);
}

/* "_status": the id/extensions of a primitive, one object or an array
 * aligned with the values (null where a value has none). */
static void check_primitive_extras(struct fg_vctx *ctx, const cJSON *v)
{
    const struct fg_vbase_type *el = fg_vbase_find("Element");
    if (cJSON_IsArray(v)) {
        int i = 0;
        const cJSON *it;
        cJSON_ArrayForEach(it, v) {
            size_t old = fg_vexpr_push_index(ctx, i++);
            if (cJSON_IsObject(it) && el)
                walk_object(ctx, el, "Element", it);
            else if (!cJSON_IsNull(it))
                fg_vissue(ctx, FG_VSEV_ERROR, "structure", NULL, "Expected an object or null");
            fg_vexpr_pop(ctx, old);
        }
    } else if (cJSON_IsObject(v) && el) {
        walk_object(ctx, el, "Element", v);
    } else {
        fg_vissue(ctx, FG_VSEV_ERROR, "structure", NULL, "Expected a JSON object");
    }
}

static void check_member(struct fg_vctx *ctx, const struct fg_vbase_type *t, const struct kids *k,
                         const cJSON *m)
{
    const char *key = m->string;
    const char *type = NULL;
    size_t type_len = 0;
    bool extras = key[0] == '_';
    const struct fg_vbase_elem *e = find_child(k, extras ? key + 1 : key, &type, &type_len);
    size_t old = fg_vexpr_push_key(ctx, key);
    if (!e) {
        fg_vissue(ctx, FG_VSEV_ERROR, "structure", NULL, "Unknown element '%s' (not in the %s definition)",
                  key, t->name);
        goto out;
    }
    if (extras) {
        check_primitive_extras(ctx, m);
        goto out;
    }
    if (e->max <= 1 && cJSON_IsArray(m)) {
        fg_vissue(ctx, FG_VSEV_ERROR, "structure", NULL,
                  "This element can occur at most once, so it must not be a JSON array");
        goto out;
    }
    if (e->max > 1 && !cJSON_IsArray(m)) {
        fg_vissue(ctx, FG_VSEV_ERROR, "structure", NULL,
                  "This element repeats, so it must be a JSON array");
        goto out;
    }
    if (cJSON_IsArray(m)) {
        int n = cJSON_GetArraySize(m);
        if (n == 0)
            fg_vissue(ctx, FG_VSEV_ERROR, "structure", NULL, "Arrays must not be empty");
        else if (e->max != FG_VMAX_UNBOUNDED && n > e->max)
            fg_vissue(ctx, FG_VSEV_ERROR, "structure", NULL,
                      "%s: maximum allowed = %u, but found %d", e->path, e->max, n);
        int i = 0;
        const cJSON *it;
        cJSON_ArrayForEach(it, m) {
            size_t o2 = fg_vexpr_push_index(ctx, i++);
            if (cJSON_IsNull(it))
                ; /* aligned with a "_key" entry; checked there */
            else
                check_value(ctx, t, e, type, type_len, it);
            fg_vexpr_pop(ctx, o2);
        }
    } else {
        check_value(ctx, t, e, type, type_len, m);
    }
out:
    fg_vexpr_pop(ctx, old);
}

/* Present when the key (or a choice key, or its "_key") is in obj. */
static int count_present(const cJSON *obj, const char *name)
{
    size_t nlen = strlen(name);
    bool choice = nlen > 3 && strcmp(name + nlen - 3, "[x]") == 0;
    int n = 0;
    const cJSON *m;
    cJSON_ArrayForEach(m, obj) {
        const char *k = m->string[0] == '_' ? m->string + 1 : m->string;
        bool hit = choice ? strncmp(k, name, nlen - 3) == 0 && k[nlen - 3] >= 'A' && k[nlen - 3] <= 'Z'
                          : strcmp(k, name) == 0;
        if (hit)
            n = n > 0 ? n : (cJSON_IsArray(m) ? cJSON_GetArraySize(m) : 1);
    }
    return n;
}

static void check_required(struct fg_vctx *ctx, const struct kids *k, const cJSON *obj)
{
    for (size_t i = 0; i < k->n; i++) {
        const struct fg_vbase_elem *e = k->e[i];
        if (e->min == 0)
            continue;
        const char *name = e->path + k->plen + 1;
        int n = count_present(obj, name);
        if (n < e->min) {
            size_t nl = strlen(name);
            char leaf[80];
            int w = (int)(nl > 3 && strcmp(name + nl - 3, "[x]") == 0 ? nl - 3 : nl);
            int r = snprintf(leaf, sizeof leaf, "%.*s", w, name);
            if (r < 0 || (size_t)r >= sizeof leaf)
                continue;
            fg_vissue(ctx, FG_VSEV_ERROR, "required", leaf, "%s: minimum required = %u, but only found %d",
                      e->path, e->min, n);
        }
    }
}

static void walk_object(struct fg_vctx *ctx, const struct fg_vbase_type *t, const char *path,
                        const cJSON *obj)
{
    if (++ctx->depth > FG_MAX_JSON_DEPTH) {
        fg_vissue(ctx, FG_VSEV_ERROR, "too-costly", NULL, "Nested deeper than %d levels", FG_MAX_JSON_DEPTH);
        ctx->depth--;
        return;
    }
    bool root = t->kind == FG_VKIND_RESOURCE && strcmp(path, t->name) == 0;
    if (cJSON_GetArraySize(obj) == 0)
        fg_vissue(ctx, FG_VSEV_ERROR, "structure", NULL, "Objects must not be empty");
    const struct fg_vbase_elem *stack[KIDS_ON_STACK];
    struct kids k;
    if (find_kids(ctx, t, path, stack, &k)) {
        const cJSON *m;
        cJSON_ArrayForEach(m, obj) {
            if (root && strcmp(m->string, "resourceType") == 0)
                continue;
            check_member(ctx, t, &k, m);
        }
        check_required(ctx, &k, obj);
    }
    ctx->depth--;
}

void fg_vbase_resource(struct fg_vctx *ctx, const cJSON *resource)
{
    const cJSON *rt = cJSON_GetObjectItemCaseSensitive(resource, "resourceType");
    if (!cJSON_IsString(rt)) {
        fg_vissue(ctx, FG_VSEV_ERROR, "structure", NULL, "A resource needs a resourceType");
        return;
    }
    const struct fg_vbase_type *t = fg_vbase_find(rt->valuestring);
    if (!t || t->kind != FG_VKIND_RESOURCE) {
        fg_vissue(ctx, FG_VSEV_WARNING, "not-supported", NULL,
                  "No base definition for resource type '%.64s' here; it was not checked",
                  rt->valuestring);
        return;
    }
    walk_object(ctx, t, t->name, resource);
}
