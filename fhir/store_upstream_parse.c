/* store_upstream_parse.c - what an upstream FHIR server answers, checked
 * and turned into the store interface's types.
 *
 * Nothing from the upstream is trusted: every resource must have a known
 * resourceType, a valid id and a meta.versionId; Bundles must be of the
 * expected type; paging links are reduced to their paging state (the
 * parameters that are not search parameters), so a link can never carry a
 * filter, an _include or another server's address back into a request.
 * Bundle: http://hl7.org/fhir/R4/bundle.html ; paging:
 * http://hl7.org/fhir/R4/http.html#paging
 */
#include <string.h>

#include "../core/fg_limits.h"
#include "../core/fg_mem.h"
#include "date.h"
#include "json_print.h"
#include "index.h"
#include "searchparam.h"
#include "store_upstream_internal.h"

static void delete_tree(void *p)
{
    cJSON_Delete(p);
}

enum fg_status up_parse_json(struct fg_pool *pool, struct fg_str text, cJSON **out,
                             struct fg_error *err)
{
    cJSON *j = text.len ? cJSON_ParseWithLength(text.ptr, text.len) : NULL;
    if (!cJSON_IsObject(j)) {
        cJSON_Delete(j);
        return fg_error_set(err, FG_EUPSTREAM, NULL,
                            "the upstream FHIR server sent an answer that is not FHIR JSON");
    }
    if (fg_pool_on_free(pool, delete_tree, j) != FG_OK) {
        cJSON_Delete(j);
        return fg_error_set(err, FG_ENOMEM, NULL, "out of memory");
    }
    *out = j;
    return FG_OK;
}

static enum fg_status bad(struct fg_error *err, const char *what)
{
    return fg_error_set(err, FG_EUPSTREAM, NULL, "the upstream FHIR server sent a resource %s",
                        what);
}

static const char *member_string(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* meta.versionId (integer or opaque id) and meta.lastUpdated. */
static enum fg_status read_meta(const cJSON *res, struct fhir_resource *out, struct fg_error *err)
{
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(res, "meta");
    const char *vid = member_string(meta, "versionId");
    const char *lu = member_string(meta, "lastUpdated");
    struct fhir_date_range r;
    if (!vid || !fg_is_fhir_id(fg_str_c(vid)))
        return bad(err, "without a valid meta.versionId");
    if (fg_parse_i64(fg_str_c(vid), 1, INT64_MAX, &out->version) != FG_OK) {
        out->version = 0;
        out->version_id = fg_str_c(vid);
    }
    out->last_updated_us = 0;
    if (lu && fhir_date_parse(fg_str_c(lu), &r) == FG_OK)
        out->last_updated_us = r.lo * 1000;
    return FG_OK;
}

/* References to the upstream's own base ("https://ehr/fhir/Patient/1")
 * become relative ("Patient/1"): they name the same resource, the gateway
 * serves them on its base, and the compartment counts only relative ones. */
static void relative_refs(cJSON *node, struct fg_str base)
{
    cJSON *child;
    cJSON_ArrayForEach(child, node)
    {
        if (cJSON_IsString(child) && child->string && strcmp(child->string, "reference") == 0) {
            size_t len = strlen(child->valuestring);
            if (len > base.len + 1 && memcmp(child->valuestring, base.ptr, base.len) == 0 &&
                child->valuestring[base.len] == '/')
                memmove(child->valuestring, child->valuestring + base.len + 1, len - base.len);
        } else if (cJSON_IsObject(child) || cJSON_IsArray(child)) {
            relative_refs(child, base);
        }
    }
}

/* res's compact text into the pool (fhir_json_print: cJSON's text, a
 * fraction of cJSON_PrintUnformatted's instructions a byte). */
static enum fg_status print_resource(struct fg_pool *pool, const cJSON *res, struct fg_str *out,
                                     struct fg_error *err)
{
    struct fg_buf b;
    fg_buf_init(&b, FG_MAX_UPSTREAM_RESPONSE_BYTES);
    enum fg_status st = fhir_json_print(res, &b);
    if (st == FG_OK) {
        *out = fg_pool_str(pool, fg_buf_str(&b));
        st = out->ptr ? FG_OK : FG_ENOMEM;
    }
    fg_buf_cleanup(&b);
    if (st == FG_EINVAL)
        return bad(err, "that cannot be written as JSON");
    return st == FG_OK ? FG_OK : fg_error_set(err, st, NULL, "out of memory");
}

enum fg_status up_resource_from_json(struct fg_pool *pool, struct fg_str upstream_base, cJSON *res,
                                     struct fg_str expect_type, struct fhir_resource *out,
                                     struct fg_error *err)
{
    struct fhir_resource r;
    memset(&r, 0, sizeof r);
    const char *type = member_string(res, "resourceType");
    const char *id = member_string(res, "id");
    if (!cJSON_IsObject(res) || !type || !fhir_resource_type_known(fg_str_c(type)))
        return bad(err, "of a type the gateway does not know");
    if (expect_type.len && !fg_str_eq_c(expect_type, type))
        return bad(err, "of another type than asked for");
    if (!id || !fg_is_fhir_id(fg_str_c(id)))
        return bad(err, "without a valid id");
    r.type = fg_str_c(type);
    r.id = fg_str_c(id);
    if (upstream_base.len)
        relative_refs(res, upstream_base);
    enum fg_status st = read_meta(res, &r, err);
    if (st != FG_OK)
        return st;
    st = print_resource(pool, res, &r.json, err);
    if (st != FG_OK)
        return st;
    st = fhir_compartment_patients(pool, res, r.type, &r.compartment, &r.n_compartment);
    if (st != FG_OK)
        return fg_error_set(err, st, NULL, "out of memory");
    *out = r;
    return FG_OK;
}

/* ---- Bundles ---- */

/* A history entry without a resource: a delete, known from request.url
 * ("Type/id") and the version in response.etag. */
static enum fg_status delete_marker(const cJSON *entry, struct fhir_resource *out,
                                    struct fg_error *err)
{
    const cJSON *req = cJSON_GetObjectItemCaseSensitive(entry, "request");
    const char *method = member_string(req, "method");
    const char *url = member_string(req, "url");
    struct fg_str type, id;
    if (!method || strcmp(method, "DELETE") != 0 || !url ||
        !fg_str_split(fg_str_c(url), '/', &type, &id) || !fhir_resource_type_known(type) ||
        !fg_is_fhir_id(id))
        return fg_error_set(err, FG_EUPSTREAM, NULL,
                            "the upstream FHIR server sent a Bundle entry without a resource");
    memset(out, 0, sizeof *out);
    out->type = type;
    out->id = id;
    out->deleted = true;
    const char *etag = member_string(cJSON_GetObjectItemCaseSensitive(entry, "response"), "etag");
    struct fg_str e = fg_str_c(etag);
    if (fg_str_starts_with(e, "W/"))
        e = fg_str_n(e.ptr + 2, e.len - 2);
    if (e.len > 2 && e.ptr[0] == '"' && e.ptr[e.len - 1] == '"') {
        e = fg_str_n(e.ptr + 1, e.len - 2);
        if (fg_parse_i64(e, 1, INT64_MAX, &out->version) != FG_OK && fg_is_fhir_id(e))
            out->version_id = e;
    }
    return FG_OK;
}

struct entry_lists {
    struct fhir_resource *m, *inc;
    size_t nm, ni;
};

static enum fg_status add_entry(struct fg_pool *pool, struct fg_str base, cJSON *entry,
                                bool history, struct entry_lists *l, struct up_bundle *out,
                                struct fg_error *err)
{
    cJSON *res = cJSON_GetObjectItemCaseSensitive(entry, "resource");
    const char *mode = member_string(cJSON_GetObjectItemCaseSensitive(entry, "search"), "mode");
    if (!cJSON_IsObject(entry))
        return fg_error_set(err, FG_EUPSTREAM, NULL,
                            "the upstream FHIR server sent a Bundle entry that is not an object");
    if (mode && strcmp(mode, "outcome") == 0) {
        out->n_outcome++;
        return FG_OK;
    }
    bool include = !history && mode && strcmp(mode, "include") == 0;
    struct fhir_resource *slot = include ? &l->inc[l->ni] : &l->m[l->nm];
    enum fg_status st = !res && history
                            ? delete_marker(entry, slot, err)
                            : up_resource_from_json(pool, base, res, FG_STR_NULL, slot, err);
    if (st == FG_OK && include)
        l->ni++;
    else if (st == FG_OK)
        l->nm++;
    return st;
}

static enum fg_status read_links(struct fg_pool *pool, struct fg_str upstream_base,
                                 struct fg_str type, const cJSON *bundle, struct up_bundle *out,
                                 struct fg_error *err)
{
    const cJSON *link;
    cJSON_ArrayForEach(link, cJSON_GetObjectItemCaseSensitive(bundle, "link"))
    {
        const char *rel = member_string(link, "relation");
        const char *url = member_string(link, "url");
        if (!rel || !url)
            continue;
        if (strlen(url) > FG_MAX_UPSTREAM_LINK_BYTES)
            return fg_error_set(err, FG_EUPSTREAM, NULL,
                                "the upstream FHIR server sent a Bundle link longer than %u bytes",
                                FG_MAX_UPSTREAM_LINK_BYTES);
        if (strcmp(rel, "self") == 0)
            out->self = fg_str_c(url);
        struct fg_str *dst = strcmp(rel, "next") == 0 ? &out->next
                             : (strcmp(rel, "previous") == 0 || strcmp(rel, "prev") == 0)
                                 ? &out->prev
                                 : NULL;
        if (!dst)
            continue;
        enum fg_status st = up_link_state(pool, upstream_base, type, fg_str_c(url), dst, err);
        if (st != FG_OK)
            return st;
    }
    return FG_OK;
}

enum fg_status up_bundle_parse(struct fg_pool *pool, struct fg_str upstream_base,
                               struct fg_str type, struct fg_str text, const char *bundle_type,
                               struct up_bundle *out, struct fg_error *err)
{
    cJSON *b = NULL;
    struct up_bundle r;
    memset(&r, 0, sizeof r);
    r.total = -1;
    enum fg_status st = up_parse_json(pool, text, &b, err);
    if (st != FG_OK)
        return st;
    const char *rt = member_string(b, "resourceType");
    const char *bt = member_string(b, "type");
    const cJSON *entries = cJSON_GetObjectItemCaseSensitive(b, "entry");
    int n = cJSON_GetArraySize(entries);
    bool history = strcmp(bundle_type, "history") == 0;
    if (!rt || strcmp(rt, "Bundle") != 0 || !bt || strcmp(bt, bundle_type) != 0 ||
        (entries && !cJSON_IsArray(entries)))
        return fg_error_set(err, FG_EUPSTREAM, NULL,
                            "the upstream FHIR server did not answer with a %s Bundle",
                            bundle_type);
    if (n > FG_MAX_BUNDLE_ENTRIES)
        return fg_error_set(err, FG_EUPSTREAM, NULL,
                            "the upstream FHIR server sent more than %d entries in one Bundle",
                            FG_MAX_BUNDLE_ENTRIES);
    const cJSON *total = cJSON_GetObjectItemCaseSensitive(b, "total");
    if (cJSON_IsNumber(total) && total->valuedouble >= 0 && total->valuedouble < 9e15)
        r.total = (int64_t)total->valuedouble;
    struct entry_lists l = {0};
    size_t cap = n > 0 ? (size_t)n : 1;
    l.m = fg_pool_zalloc(pool, cap * sizeof *l.m);
    l.inc = fg_pool_zalloc(pool, cap * sizeof *l.inc);
    if (!l.m || !l.inc)
        return fg_error_set(err, FG_ENOMEM, NULL, "out of memory");
    cJSON *e;
    cJSON_ArrayForEach(e, entries)
    {
        st = add_entry(pool, upstream_base, e, history, &l, &r, err);
        if (st != FG_OK)
            return st;
    }
    st = read_links(pool, upstream_base, type, b, &r, err);
    if (st != FG_OK)
        return st;
    r.matches = l.m;
    r.n_matches = l.nm;
    r.included = l.inc;
    r.n_included = l.ni;
    *out = r;
    return FG_OK;
}

/* ---- paging state ---- */

/* Parameters the gateway sends itself or that change what a search means:
 * never taken from a link or a cursor. */
static bool is_query_name(struct fg_str type, struct fg_str name)
{
    static const char *const result[] = {
        "_count",    "_sort",      "_include",       "_revinclude", "_summary",     "_total",
        "_elements", "_contained", "_containedType", "_id",         "_lastUpdated", "_tag",
        "_profile",  "_security",  "_text",          "_content",    "_list",        "_has",
        "_type",     "_query",     "_filter",        "_source",     "_format",      "_cursor",
        "_since",    "_at"};
    struct fg_str base = name, rest;
    fg_str_split(name, ':', &base, &rest);
    struct fg_str chainless = base;
    fg_str_split(base, '.', &chainless, &rest);
    for (size_t i = 0; i < sizeof result / sizeof result[0]; i++)
        if (fg_str_eq_c(chainless, result[i]))
            return true;
    return fhir_searchparam_find(type, chainless) != NULL;
}

/* Bytes a paging pair may hold as it is in a query string: RFC 3986
 * unreserved and sub-delimiters but '&' (a pair ends there), plus ':' in
 * names (modifiers) and '%' escapes in values. */
static bool plain_byte(char c, bool in_name)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    if (c == '-' || c == '.' || c == '_' || c == '~' || c == ':')
        return true;
    return !in_name && c != '\0' && strchr("%+/,|=!*'();@$", c) != NULL;
}

static bool bytes_ok(struct fg_str s, bool in_name)
{
    for (size_t i = 0; i < s.len; i++)
        if (!plain_byte(s.ptr[i], in_name))
            return false;
    return true;
}

/* Splits one raw "name=value" pair; false when the name is empty, longer
 * than 64 or not plain. */
static bool pair_name(struct fg_str pair, struct fg_str *name, struct fg_str *value)
{
    fg_str_split(pair, '=', name, value);
    return name->len && name->len <= 64 && bytes_ok(*name, true);
}

enum fg_status up_link_state(struct fg_pool *pool, struct fg_str upstream_base, struct fg_str type,
                             struct fg_str link, struct fg_str *out, struct fg_error *err)
{
    struct fg_buf b;
    struct fg_str path, query, pair, name, value;
    fg_buf_init(&b, FG_MAX_UPSTREAM_CURSOR);
    *out = FG_STR_NULL;
    /* Only a link on the upstream base says anything about its paging. */
    if (link.len <= upstream_base.len ||
        memcmp(link.ptr, upstream_base.ptr, upstream_base.len) != 0 ||
        (link.ptr[upstream_base.len] != '/' && link.ptr[upstream_base.len] != '?'))
        return FG_OK;
    fg_str_split(fg_str_n(link.ptr + upstream_base.len, link.len - upstream_base.len), '?', &path,
                 &query);
    enum fg_status st = FG_OK;
    while (st == FG_OK && query.len) {
        fg_str_split(query, '&', &pair, &query);
        if (!pair.len)
            continue;
        if (!pair_name(pair, &name, &value)) {
            st = FG_EINVAL;
            break;
        }
        if (is_query_name(type, name))
            continue;
        if (!bytes_ok(value, false)) {
            st = FG_EINVAL;
            break;
        }
        if (b.len)
            st = fg_buf_append_char(&b, '&');
        if (st == FG_OK)
            st = fg_buf_append_str(&b, pair);
    }
    if (st == FG_OK && b.len) {
        *out = fg_pool_str(pool, fg_buf_str(&b));
        if (!out->ptr)
            st = FG_ENOMEM;
    }
    fg_buf_cleanup(&b);
    if (st == FG_ENOMEM)
        return fg_error_set(err, st, NULL, "out of memory");
    if (st != FG_OK)
        return fg_error_set(err, FG_EUPSTREAM, NULL,
                            "the upstream FHIR server sent a paging link the gateway cannot "
                            "follow");
    return FG_OK;
}

enum fg_status up_cursor_check(struct fg_str type, struct fg_str cursor, struct fg_error *err)
{
    struct fg_str rest = cursor, pair, name, value;
    bool ok = cursor.len <= FG_MAX_UPSTREAM_CURSOR &&
              (!cursor.len || (cursor.ptr[0] != '&' && cursor.ptr[cursor.len - 1] != '&'));
    while (ok && rest.len) {
        fg_str_split(rest, '&', &pair, &rest);
        ok = pair_name(pair, &name, &value) && bytes_ok(value, false) && !is_query_name(type, name);
    }
    if (!ok)
        return fg_error_set(err, FG_EINVAL, "_cursor",
                            "_cursor is not a paging position this server gave out");
    return FG_OK;
}

/* The integer value of the first `name` pair in a state string, or 0. */
int64_t up_state_int(struct fg_str state, const char *name)
{
    struct fg_str rest = state, pair, n, v;
    int64_t out = 0;
    while (rest.len) {
        fg_str_split(rest, '&', &pair, &rest);
        fg_str_split(pair, '=', &n, &v);
        if (fg_str_eq_c(n, name) && fg_parse_i64(v, 0, INT64_MAX / 2, &out) == FG_OK)
            return out;
    }
    return 0;
}

/* The decoded base name of a raw "name[:modifier][.chain]=value" pair. */
static bool base_name(struct fg_str pair, char *out, size_t cap)
{
    struct fg_str name, value, head, tail;
    size_t len = 0;
    fg_str_split(pair, '=', &name, &value);
    if (!name.len || name.len >= cap || fg_url_decode(name, true, out, &len) != FG_OK)
        return false;
    out[len] = '\0';
    fg_str_split(fg_str_n(out, len), ':', &head, &tail);
    fg_str_split(head, '.', &head, &tail);
    out[head.len] = '\0';
    return true;
}

static bool query_has_name(struct fg_str query, const char *want)
{
    struct fg_str rest = query, pair;
    char name[128];
    while (rest.len) {
        fg_str_split(rest, '&', &pair, &rest);
        if (base_name(pair, name, sizeof name) && strcmp(name, want) == 0)
            return true;
    }
    return false;
}

enum fg_status up_check_used(struct fg_str type, struct fg_str sent, struct fg_str self,
                             struct fg_error *err)
{
    struct fg_str path, self_query, rest, pair;
    char name[128];
    /* No self link, or one without a query, tells nothing: a server that
     * names no parameter at all is not taken to have ignored them all. */
    if (!fg_str_split(self, '?', &path, &self_query) || !self_query.len)
        return FG_OK;
    fg_str_split(sent, '?', &path, &rest);
    while (rest.len) {
        fg_str_split(rest, '&', &pair, &rest);
        /* Result parameters (_count, _sort, _include, paging) change no match. */
        if (!base_name(pair, name, sizeof name) ||
            (name[0] == '_' && strcmp(name, "_id") != 0 && strcmp(name, "_lastUpdated") != 0 &&
             strcmp(name, "_tag") != 0 && strcmp(name, "_profile") != 0 &&
             strcmp(name, "_security") != 0))
            continue;
        if (!fhir_searchparam_find(type, fg_str_c(name)) && name[0] != '_')
            continue;
        if (!query_has_name(self_query, name))
            return fg_error_set(err, FG_ENOTSUP, name,
                                "the upstream FHIR server does not support the search parameter "
                                "%s",
                                name);
    }
    return FG_OK;
}
