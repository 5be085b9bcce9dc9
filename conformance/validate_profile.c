/* validate_profile.c - the constraints a profile adds over the base: tighter
 * cardinalities, narrowed types and reference targets, fixed and pattern
 * values, required bindings, slices (which profile a resource implies: validate_implied.c).
 * http://hl7.org/fhir/R4/profiling.html#slicing,
 * http://hl7.org/fhir/R4/elementdefinition-definitions.html#ElementDefinition.pattern_x_ */
#include <string.h>

#include "validate_internal.h"

#define MAX_SEGS 16

struct seg {
    const char *p; /* into the rule id */
    size_t len;
    size_t name_len;   /* the element name, before any ":slice" */
    const char *colon; /* the ':' of "name:slice", or NULL */
    bool choice;       /* the name ends in "[x]" */
};

#define SLICE_CACHE 16

/* Parsed slice_match patterns of the slices one profile run has met, so
 * that each is parsed once per run, not once per rule under the slice. */
struct slice_cache {
    const struct fg_vrule *rule[SLICE_CACHE];
    cJSON *match[SLICE_CACHE];
    int n;
};

struct rule_ctx {
    struct fg_vctx *v;
    struct slice_cache *cache; /* NULL: parse every time */
    const struct fg_vprofile *prof;
    const struct fg_vrule *rule;
    struct seg segs[MAX_SEGS];
    int nsegs;
    cJSON *fixed;   /* parsed rule->fixed once a value is checked, or NULL */
    cJSON *pattern; /* parsed rule->pattern once a value is checked, or NULL */
    bool parsed;    /* fixed and pattern have been parsed */
    bool count_only; /* Must Support coverage: only count what is there */
    int found;       /* matches of the last segment, when count_only */
};

/* ---- JSON pattern containment --------------------------------------------------------- */

bool fg_vjson_contains(const cJSON *value, const cJSON *pattern)
{
    if (!value || !pattern)
        return false;
    if (cJSON_IsObject(pattern)) {
        if (!cJSON_IsObject(value))
            return false;
        const cJSON *pm;
        cJSON_ArrayForEach(pm, pattern) {
            if (!fg_vjson_contains(cJSON_GetObjectItemCaseSensitive(value, pm->string), pm))
                return false;
        }
        return true;
    }
    if (cJSON_IsArray(pattern)) {
        if (!cJSON_IsArray(value))
            return false;
        const cJSON *pi;
        cJSON_ArrayForEach(pi, pattern) {
            bool found = false;
            const cJSON *vi;
            cJSON_ArrayForEach(vi, value) {
                if (fg_vjson_contains(vi, pi)) {
                    found = true;
                    break;
                }
            }
            if (!found)
                return false;
        }
        return true;
    }
    return cJSON_Compare(value, pattern, true);
}

/* ---- rule ids ------------------------------------------------------------------------ */

static int split_id(const char *id, struct seg *segs)
{
    int n = 0;
    const char *p = id;
    while (*p && n < MAX_SEGS) {
        size_t len = strcspn(p, ".");
        const char *colon = memchr(p, ':', len);
        size_t name_len = colon ? (size_t)(colon - p) : len;
        bool choice = name_len > 3 && strncmp(p + name_len - 3, "[x]", 3) == 0;
        segs[n++] = (struct seg){p, len, name_len, colon, choice};
        p += len;
        if (*p == '.')
            p++;
    }
    return *p ? -1 : n;
}

/* The rule whose id is the first `len` bytes of id, in the same profile. */
static const struct fg_vrule *rule_by_id(const struct fg_vprofile *prof, const char *id, size_t len)
{
    for (size_t i = 0; i < prof->n_rules; i++)
        if (strncmp(prof->rules[i].id, id, len) == 0 && prof->rules[i].id[len] == '\0')
            return &prof->rules[i];
    return NULL;
}

/* Does key (a JSON member name) belong to segment s? For "value[x]" any
 * valueXxx key; for "value[x]:valueQuantity" exactly valueQuantity. */
static bool key_matches(const struct seg *s, const char *key)
{
    size_t name_len = s->name_len;
    if (s->choice) {
        if (s->colon) {
            size_t sl = s->len - name_len - 1;
            return strncmp(key, s->colon + 1, sl) == 0 && key[sl] == '\0';
        }
        return key[0] == s->p[0] && strncmp(key, s->p, name_len - 3) == 0 &&
               key[name_len - 3] >= 'A' && key[name_len - 3] <= 'Z';
    }
    return (name_len == 0 || key[0] == s->p[0]) && strncmp(key, s->p, name_len) == 0 &&
           key[name_len] == '\0';
}

/* sr's parsed slice_match; *owned when the caller must free it (not kept in
 * the cache). */
static cJSON *parse_slice(struct slice_cache *c, const struct fg_vrule *sr, bool *owned)
{
    *owned = false;
    if (c)
        for (int i = 0; i < c->n; i++)
            if (c->rule[i] == sr)
                return c->match[i];
    cJSON *m = cJSON_Parse(sr->slice_match);
    if (m && c && c->n < SLICE_CACHE) {
        c->rule[c->n] = sr;
        c->match[c->n++] = m;
    } else {
        *owned = true;
    }
    return m;
}

static void slice_cache_free(struct slice_cache *c)
{
    for (int i = 0; i < c->n; i++)
        cJSON_Delete(c->match[i]);
    c->n = 0;
}

/* For a slice segment ("category:VSCat"), the parsed match pattern of the
 * slice; *vs_slice >= 0 instead when members are recognised by a required
 * binding (pattern discriminator over a bound slice: category:us-core);
 * *unknown when the slice cannot be recognised. Caller frees it when
 * *owned. */
static cJSON *slice_match(const struct rule_ctx *rc, int seg_index, bool *is_slice, bool *unknown,
                          int *vs_slice, bool *owned)
{
    *owned = false;
    *vs_slice = -1;
    const struct seg *s = &rc->segs[seg_index];
    *is_slice = false;
    *unknown = false;
    if (!s->colon || s->choice) /* not sliced, or a type choice ("value[x]:valueQuantity") */
        return NULL;
    *is_slice = true;
    size_t len = (size_t)(s->p + s->len - rc->rule->id);
    const struct fg_vrule *sr = rule_by_id(rc->prof, rc->rule->id, len);
    cJSON *m = sr && sr->slice_match ? parse_slice(rc->cache, sr, owned) : NULL;
    if (!m && sr && !sr->slice_match && sr->binding >= 0 &&
        (size_t)sr->binding < fg_vvaluesets_len && fg_vvaluesets[sr->binding].enumerable)
        *vs_slice = sr->binding;
    else if (!m)
        *unknown = true;
    return m;
}

/* ---- checks on one matched value ----------------------------------------------------- */

static void check_types(struct rule_ctx *rc, const char *key)
{
    const struct fg_vrule *r = rc->rule;
    const struct seg *last = &rc->segs[rc->nsegs - 1];
    if (!r->types || last->colon || !last->choice)
        return;
    size_t tl;
    const char *suffix = key + last->name_len - 3;
    if (fg_vchoice_type(r->types, suffix, &tl))
        return;
    char type[64];
    size_t n = strlen(suffix) < sizeof type - 1 ? strlen(suffix) : sizeof type - 1;
    memcpy(type, suffix, n);
    type[n] = '\0';
    /* valueDateTime names type dateTime: primitives start lower-case */
    type[0] = (char)(type[0] - 'A' + 'a');
    if (!fg_vis_primitive(type, n))
        type[0] = suffix[0];
    fg_vissue(rc->v, FG_VSEV_ERROR, "structure", NULL,
              "Type '%s' is not allowed by profile %s here (allowed: %s)", type, rc->prof->name,
              r->types);
}

static void check_value(struct rule_ctx *rc, const char *key, const cJSON *v)
{
    const struct fg_vrule *r = rc->rule;
    if (!rc->parsed) { /* most rules never reach a value: parse on first use */
        rc->parsed = true;
        if (r->fixed)
            rc->fixed = cJSON_Parse(r->fixed);
        if (r->pattern)
            rc->pattern = cJSON_Parse(r->pattern);
    }
    check_types(rc, key);
    if (rc->fixed && !cJSON_Compare(v, rc->fixed, true)) {
        if (cJSON_IsString(v) && cJSON_IsString(rc->fixed))
            fg_vissue(rc->v, FG_VSEV_ERROR, "value", NULL, "Value is '%.80s' but must be '%s' (%s)",
                      v->valuestring, rc->fixed->valuestring, rc->prof->name);
        else
            fg_vissue(rc->v, FG_VSEV_ERROR, "value", NULL, "Value does not equal the fixed value %.200s (%s)",
                      r->fixed, rc->prof->name);
    }
    if (rc->pattern && !fg_vjson_contains(v, rc->pattern))
        fg_vissue(rc->v, FG_VSEV_ERROR, "value", NULL,
                  "Value does not match the required pattern %.200s (%s)", r->pattern, rc->prof->name);
    if (r->binding >= 0) {
        const char *type = cJSON_IsString(v) ? "code" : cJSON_GetObjectItemCaseSensitive(v, "coding") ? "CodeableConcept" : "Coding";
        if (cJSON_IsObject(v) && !cJSON_GetObjectItemCaseSensitive(v, "coding") &&
            !cJSON_GetObjectItemCaseSensitive(v, "code"))
            type = "CodeableConcept";
        fg_vcheck_binding(rc->v, r->binding, type, strlen(type), v);
    }
    if (r->targets && cJSON_IsObject(v))
        fg_vcheck_reference_target(rc->v, r->targets, v);
}

/* ---- walking a rule id over the resource ------------------------------------------- */

static void leaf_name(const struct seg *s, char *out, size_t size)
{
    size_t n = s->len < size - 1 ? s->len : size - 1;
    memcpy(out, s->p, n);
    out[n] = '\0';
}

static void check_count(struct rule_ctx *rc, int count, const struct seg *s, bool is_slice)
{
    const struct fg_vrule *r = rc->rule;
    char name[128];
    leaf_name(s, name, sizeof name);
    char *colon = strchr(name, ':');
    char leaf[128];
    size_t base_len = colon ? (size_t)(colon - name) : strlen(name);
    memcpy(leaf, name, base_len);
    leaf[base_len] = '\0';
    if (base_len > 3 && strcmp(leaf + base_len - 3, "[x]") == 0)
        leaf[base_len - 3] = '\0';
    if (count < r->min)
        fg_vissue(rc->v, FG_VSEV_ERROR, "required", leaf,
                  "%s%s: minimum required = %u, but only found %d (%s)", is_slice ? "Slice " : "",
                  r->id, r->min, count, rc->prof->name);
    if (r->max != FG_VMAX_UNBOUNDED && count > r->max)
        fg_vissue(rc->v, FG_VSEV_ERROR, "structure", leaf,
                  "%s%s: maximum allowed = %u, but found %d (%s)", is_slice ? "Slice " : "", r->id,
                  r->max, count, rc->prof->name);
}

static void walk(struct rule_ctx *rc, int i, const cJSON *node);

/* Is some member of node (or its "_key") selected by segment s? */
static bool any_member(const struct seg *s, const cJSON *node)
{
    const cJSON *m;
    cJSON_ArrayForEach(m, node) {
        const char *k = m->string[0] == '_' ? m->string + 1 : m->string;
        if (key_matches(s, k))
            return true;
    }
    return false;
}

/* Visits the members of node that segment i selects; at the last segment
 * checks them, else descends. */
static void visit_segment(struct rule_ctx *rc, int i, const cJSON *node)
{
    bool leaf = i == rc->nsegs - 1;
    /* nothing there: only a leaf's minimum can still be broken */
    if ((!leaf || rc->count_only || rc->rule->min == 0) && !any_member(&rc->segs[i], node))
        return;
    bool is_slice, unknown;
    int vs_slice;
    bool owned;
    cJSON *match = slice_match(rc, i, &is_slice, &unknown, &vs_slice, &owned);
    if (unknown)
        return; /* a slice we cannot recognise: its rules are not checked */
    int count = 0;
    const cJSON *m;
    cJSON_ArrayForEach(m, node) {
        if (m->string[0] == '_') {
            /* a primitive given only by its extensions ("_questionnaire") is present */
            if (leaf && !match && vs_slice < 0 && key_matches(&rc->segs[i], m->string + 1) &&
                !cJSON_GetObjectItemCaseSensitive(node, m->string + 1))
                count += cJSON_IsArray(m) ? cJSON_GetArraySize(m) : 1;
            continue;
        }
        if (!key_matches(&rc->segs[i], m->string))
            continue;
        size_t old = fg_vexpr_push_key(rc->v, m->string);
        bool arr = cJSON_IsArray(m);
        int idx = 0;
        const cJSON *it = arr ? m->child : m;
        for (; it; it = arr ? it->next : NULL, idx++) {
            if ((match && !fg_vjson_contains(it, match)) || (vs_slice >= 0 && fg_vvalueset_has(vs_slice, it) != 1))
                continue;
            count++;
            size_t o2 = arr ? fg_vexpr_push_index(rc->v, idx) : rc->v->expr_len;
            if (leaf && rc->count_only)
                rc->found++;
            else if (leaf)
                check_value(rc, m->string, it);
            else if (cJSON_IsObject(it))
                walk(rc, i + 1, it);
            fg_vexpr_pop(rc->v, o2);
        }
        fg_vexpr_pop(rc->v, old);
    }
    if (leaf && !rc->count_only)
        check_count(rc, count, &rc->segs[i], is_slice);
    if (owned)
        cJSON_Delete(match);
}

static void walk(struct rule_ctx *rc, int i, const cJSON *node)
{
    visit_segment(rc, i, node);
}

/* Closed slicing: every member must belong to one of the slices. */
static void check_closed(struct fg_vctx *v, struct slice_cache *cache, const struct fg_vprofile *prof,
                         const struct fg_vrule *r, const cJSON *resource)
{
    /* only top-level sliced elements ("Type.element") are closed in US Core */
    const char *dot = strchr(r->id, '.');
    if (!dot || strchr(dot + 1, '.') || strchr(dot + 1, ':'))
        return;
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(resource, dot + 1);
    size_t idlen = strlen(r->id);
    int idx = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, items) {
        bool in_some = false;
        for (size_t k = 0; k < prof->n_rules && !in_some; k++) {
            const struct fg_vrule *s = &prof->rules[k];
            if (strncmp(s->id, r->id, idlen) != 0 || s->id[idlen] != ':' || strchr(s->id + idlen, '.') ||
                !s->slice_match)
                continue;
            bool owned;
            cJSON *m = parse_slice(cache, s, &owned);
            in_some = m && fg_vjson_contains(it, m);
            if (owned)
                cJSON_Delete(m);
        }
        if (!in_some) {
            size_t old = fg_vexpr_push_key(v, dot + 1);
            fg_vexpr_push_index(v, idx);
            fg_vissue(v, FG_VSEV_ERROR, "structure", NULL,
                      "This element does not match any slice of %s, and the slicing is closed (%s)",
                      r->id, prof->name);
            fg_vexpr_pop(v, old);
        }
        idx++;
    }
}

/* Applies every rule of prof to root (a resource, or an extension for an
 * extension definition); the expression stack points at root. */
static void apply_rules(struct fg_vctx *ctx, const struct fg_vprofile *prof, const cJSON *root)
{
    struct slice_cache cache = {.n = 0};
    for (size_t i = 0; i < prof->n_rules && !ctx->oom; i++) {
        const struct fg_vrule *r = &prof->rules[i];
        struct rule_ctx rc = {.v = ctx, .cache = &cache, .prof = prof, .rule = r};
        rc.nsegs = split_id(r->id, rc.segs);
        if (rc.nsegs < 2)
            continue;
        walk(&rc, 1, root);
        if (r->flags & FG_VRULE_CLOSED)
            check_closed(ctx, &cache, prof, r, root);
        cJSON_Delete(rc.fixed);
        cJSON_Delete(rc.pattern);
    }
    slice_cache_free(&cache);
}

void fg_vprofile_apply(struct fg_vctx *ctx, const struct fg_vprofile *prof, const cJSON *resource)
{
    const cJSON *rt = cJSON_GetObjectItemCaseSensitive(resource, "resourceType");
    if (!cJSON_IsString(rt) || strcmp(rt->valuestring, prof->type) != 0) {
        fg_vissue(ctx, FG_VSEV_ERROR, "invalid", NULL, "Profile %s is for %s resources, not %s",
                  prof->name, prof->type, cJSON_IsString(rt) ? rt->valuestring : "(none)");
        return;
    }
    apply_rules(ctx, prof, resource);
}

void fg_vprofile_apply_extension(struct fg_vctx *ctx, const cJSON *extension)
{
    const cJSON *url = cJSON_GetObjectItemCaseSensitive(extension, "url");
    if (!cJSON_IsString(url))
        return;
    for (size_t i = 0; i < fg_vprofiles_len; i++) {
        const struct fg_vprofile *p = &fg_vprofiles[i];
        if (strcmp(p->type, "Extension") == 0 && strcmp(p->url, url->valuestring) == 0) {
            apply_rules(ctx, p, extension);
            return;
        }
    }
}

size_t fg_validate_must_support(const struct fg_vprofile *prof, const cJSON *resource,
                                unsigned char *present)
{
    struct fg_validation_report rep;
    memset(&rep, 0, sizeof rep);
    struct fg_vctx ctx = {.rep = &rep}; /* count_only records no issue */
    size_t n = 0;
    for (size_t i = 0; i < prof->n_rules; i++) {
        const struct fg_vrule *r = &prof->rules[i];
        if (!(r->flags & FG_VRULE_MUST_SUPPORT))
            continue;
        struct rule_ctx rc = {.v = &ctx, .prof = prof, .rule = r, .count_only = true};
        rc.nsegs = split_id(r->id, rc.segs);
        if (rc.nsegs < 2)
            continue;
        walk(&rc, 1, resource);
        if (rc.found > 0 && !present[i]) {
            present[i] = 1;
            n++;
        }
    }
    return n;
}
