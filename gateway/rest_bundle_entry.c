/* rest_bundle_entry.c - checking a batch/transaction Bundle and parsing
 * its entries (request.method, request.url, resource, ifNoneExist,
 * ifMatch). http://hl7.org/fhir/R4/bundle.html#transaction ; contract in
 * rest_bundle.h. */
#include "rest_bundle.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../core/fg_limits.h"
#include "../fhir/searchparam.h"
#include "rest.h"

/* Fills err naming Bundle.entry[index].<where>; returns st. */
static enum fg_status entry_fail(struct fg_error *err, enum fg_status st, size_t index,
                                 const char *where, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static enum fg_status entry_fail(struct fg_error *err, enum fg_status st, size_t index,
                                 const char *where, const char *fmt, ...)
{
    char expr[FG_ERROR_EXPR_MAX], msg[FG_ERROR_DIAG_MAX];
    int n = snprintf(expr, sizeof expr, "Bundle.entry[%zu]%s%s", index, where[0] ? "." : "",
                     where);
    if (n < 0 || (size_t)n >= sizeof expr)
        expr[0] = '\0';
    va_list ap;
    va_start(ap, fmt);
    n = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (n < 0)
        msg[0] = '\0';
    return fg_error_set(err, st, expr, "%s: %s", expr, msg);
}

enum fg_status fg_bundle_check(const cJSON *bundle, bool *is_transaction, const cJSON **entries,
                               size_t *n_entries, struct fg_error *err)
{
    const cJSON *rt = cJSON_GetObjectItemCaseSensitive(bundle, "resourceType");
    if (!cJSON_IsObject(bundle) || !cJSON_IsString(rt) || strcmp(rt->valuestring, "Bundle") != 0)
        return fg_error_set(err, FG_EINVAL, "resourceType",
                            "POST to the base takes a Bundle (resourceType \"Bundle\")");
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(bundle, "type");
    if (!cJSON_IsString(type) || (strcmp(type->valuestring, "batch") != 0 &&
                                  strcmp(type->valuestring, "transaction") != 0))
        return fg_error_set(err, FG_EINVAL, "Bundle.type",
                            "Bundle.type must be \"batch\" or \"transaction\"");
    *is_transaction = type->valuestring[0] == 't';
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(bundle, "entry");
    if (e && !cJSON_IsArray(e))
        return fg_error_set(err, FG_EINVAL, "Bundle.entry", "Bundle.entry must be an array");
    int n = e ? cJSON_GetArraySize(e) : 0;
    if (n > FG_MAX_BUNDLE_ENTRIES)
        return fg_error_set(err, FG_EINVAL, "Bundle.entry",
                            "the Bundle has %d entries; the limit is %d", n,
                            FG_MAX_BUNDLE_ENTRIES);
    *entries = e;
    *n_entries = (size_t)n;
    return FG_OK;
}

static bool method_from(const char *s, enum fg_method *m)
{
    static const struct {
        const char *name;
        enum fg_method m;
    } rows[] = {{"GET", FG_GET},   {"HEAD", FG_HEAD},     {"POST", FG_POST},
                {"PUT", FG_PUT},   {"DELETE", FG_DELETE}, {"PATCH", FG_PATCH}};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        if (strcmp(s, rows[i].name) == 0) {
            *m = rows[i].m;
            return true;
        }
    }
    return false;
}

static struct fg_str next_seg(struct fg_str *rest)
{
    struct fg_str seg;
    fg_str_split(*rest, '/', &seg, rest);
    return seg;
}

/* request.url: "Type", "Type/id", "Type/id/_history/vid", absolute on our
 * base, with an optional "?query" (only checked for being absent). */
static enum fg_status parse_url(struct fg_str base, struct fg_str url,
                                struct fg_bundle_entry *out, struct fg_error *err)
{
    size_t i = out->index;
    if (base.len && url.len > base.len && memcmp(url.ptr, base.ptr, base.len) == 0 &&
        url.ptr[base.len] == '/')
        url = fg_str_n(url.ptr + base.len + 1, url.len - base.len - 1);
    struct fg_str path, query;
    bool has_query = fg_str_split(url, '?', &path, &query);
    struct fg_str rest = path;
    struct fg_str type = next_seg(&rest), id = next_seg(&rest), hist = next_seg(&rest);
    struct fg_str vid = next_seg(&rest);
    if (!fhir_resource_type_known(type))
        return entry_fail(err, FG_EINVAL, i, "request.url",
                          "\"%.*s\" does not start with a resource type this server serves",
                          (int)(url.len > 80 ? 80 : url.len), url.ptr);
    bool read = out->method == FG_GET || out->method == FG_HEAD;
    if (has_query && (!read || id.len))
        return entry_fail(err, FG_ENOTSUP, i, "request.url",
                          "conditional URLs are not supported in a Bundle entry");
    out->query = has_query ? query : FG_STR_NULL;
    bool bad_history = hist.len && (!fg_str_eq_c(hist, "_history") || !vid.len);
    if ((id.len && !fg_is_fhir_id(id)) || rest.len || bad_history)
        return entry_fail(err, FG_EINVAL, i, "request.url", "\"%.*s\" is not a resource URL",
                          (int)(url.len > 80 ? 80 : url.len), url.ptr);
    out->type = type;
    out->id = id;
    out->vid = vid;
    if (vid.len && !fg_is_fhir_id(vid))
        return entry_fail(err, FG_EINVAL, i, "request.url", "bad version \"%.*s\"",
                          (int)(vid.len > 32 ? 32 : vid.len), vid.ptr);
    return FG_OK;
}

/* What the method needs of the URL and the resource. */
static enum fg_status check_shape(struct fg_bundle_entry *e, struct fg_error *err)
{
    size_t i = e->index;
    bool instance = e->id.len > 0;
    switch (e->method) {
    case FG_POST:
        e->ia = FG_IA_CREATE;
        if (instance)
            return entry_fail(err, FG_EINVAL, i, "request.url",
                              "a POST entry's url is the resource type only");
        break;
    case FG_PUT:
    case FG_DELETE:
        e->ia = e->method == FG_PUT ? FG_IA_UPDATE : FG_IA_DELETE;
        if (!instance || e->vid.len)
            return entry_fail(err, FG_EINVAL, i, "request.url",
                              "a %s entry's url is <type>/<id>",
                              e->method == FG_PUT ? "PUT" : "DELETE");
        break;
    case FG_GET:
    case FG_HEAD:
        e->ia = e->vid.len ? FG_IA_VREAD : FG_IA_READ;
        if (!instance) {
            e->ia = FG_IA_SEARCH_TYPE;
            e->is_search = true;
        }
        break;
    default:
        return entry_fail(err, FG_ENOTSUP, i, "request.method",
                          "this method is not supported in a Bundle");
    }
    return FG_OK;
}

static enum fg_status parse_resource(struct fg_bundle_entry *e, const cJSON *entry,
                                     struct fg_error *err)
{
    size_t i = e->index;
    cJSON *res = cJSON_GetObjectItemCaseSensitive(entry, "resource");
    if (e->method != FG_POST && e->method != FG_PUT)
        return FG_OK;
    if (!cJSON_IsObject(res))
        return entry_fail(err, FG_EINVAL, i, "resource", "a %s entry needs a resource",
                          e->method == FG_POST ? "POST" : "PUT");
    const cJSON *rt = cJSON_GetObjectItemCaseSensitive(res, "resourceType");
    if (!cJSON_IsString(rt) || !fg_str_eq_c(e->type, rt->valuestring))
        return entry_fail(err, FG_EINVAL, i, "resource.resourceType",
                          "resourceType does not match the type %.*s of request.url",
                          (int)e->type.len, e->type.ptr);
    if (e->method == FG_PUT) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(res, "id");
        if (!cJSON_IsString(id) || !fg_str_eq_c(e->id, id->valuestring))
            return entry_fail(err, FG_EINVAL, i, "resource.id",
                              "the resource id must equal the id %.*s of request.url",
                              (int)e->id.len, e->id.ptr);
    }
    e->resource = res;
    return FG_OK;
}

static enum fg_status parse_conditions(struct fg_bundle_entry *e, const cJSON *req,
                                       struct fg_error *err)
{
    const cJSON *ine = cJSON_GetObjectItemCaseSensitive(req, "ifNoneExist");
    const cJSON *im = cJSON_GetObjectItemCaseSensitive(req, "ifMatch");
    if (ine) {
        if (!cJSON_IsString(ine) || e->method != FG_POST)
            return entry_fail(err, FG_EINVAL, e->index, "request.ifNoneExist",
                              "ifNoneExist is a search string on a POST entry");
        e->if_none_exist = fg_str_c(ine->valuestring);
    }
    if (im && (!cJSON_IsString(im) || fg_rest_etag_parse(fg_str_c(im->valuestring),
                                                         &e->if_match) != FG_OK))
        return entry_fail(err, FG_EINVAL, e->index, "request.ifMatch",
                          "ifMatch must be a version ETag such as W/\"3\"");
    return FG_OK;
}

enum fg_status fg_bundle_entry_parse(struct fg_pool *pool, struct fg_str base_url,
                                     const cJSON *entry, size_t index,
                                     struct fg_bundle_entry *out, struct fg_error *err)
{
    (void)pool;
    memset(out, 0, sizeof *out);
    out->index = index;
    if (!cJSON_IsObject(entry))
        return entry_fail(err, FG_EINVAL, index, "", "an entry must be a JSON object");
    const cJSON *full = cJSON_GetObjectItemCaseSensitive(entry, "fullUrl");
    if (full && !cJSON_IsString(full))
        return entry_fail(err, FG_EINVAL, index, "fullUrl", "fullUrl must be a string");
    out->full_url = full ? fg_str_c(full->valuestring) : FG_STR_NULL;
    const cJSON *req = cJSON_GetObjectItemCaseSensitive(entry, "request");
    if (!cJSON_IsObject(req))
        return entry_fail(err, FG_EINVAL, index, "request",
                          "every entry of a batch or transaction needs a request");
    const cJSON *method = cJSON_GetObjectItemCaseSensitive(req, "method");
    if (!cJSON_IsString(method) || !method_from(method->valuestring, &out->method))
        return entry_fail(err, FG_EINVAL, index, "request.method",
                          "request.method must be GET, HEAD, POST, PUT or DELETE");
    const cJSON *url = cJSON_GetObjectItemCaseSensitive(req, "url");
    if (!cJSON_IsString(url) || !url->valuestring[0])
        return entry_fail(err, FG_EINVAL, index, "request.url", "request.url is required");
    enum fg_status st = parse_url(base_url, fg_str_c(url->valuestring), out, err);
    if (st == FG_OK)
        st = check_shape(out, err);
    if (st == FG_OK)
        st = parse_resource(out, entry, err);
    if (st == FG_OK)
        st = parse_conditions(out, req, err);
    return st;
}

static int order_group(enum fg_method m)
{
    switch (m) {
    case FG_DELETE: return 0;
    case FG_POST: return 1;
    case FG_PUT: return 2;
    default: return 3;
    }
}

void fg_bundle_order(const struct fg_bundle_entry *entries, size_t n, size_t *order)
{
    size_t k = 0;
    for (int g = 0; g < 4; g++)
        for (size_t i = 0; i < n; i++)
            if (order_group(entries[i].method) == g)
                order[k++] = i;
}

const char *fg_bundle_status_text(int status)
{
    switch (status) {
    case 200: return "200 OK";
    case 201: return "201 Created";
    case 204: return "204 No Content";
    case 304: return "304 Not Modified";
    case 400: return "400 Bad Request";
    case 401: return "401 Unauthorized";
    case 403: return "403 Forbidden";
    case 404: return "404 Not Found";
    case 405: return "405 Method Not Allowed";
    case 409: return "409 Conflict";
    case 410: return "410 Gone";
    case 412: return "412 Precondition Failed";
    case 413: return "413 Payload Too Large";
    case 422: return "422 Unprocessable Entity";
    case 501: return "501 Not Implemented";
    case 503: return "503 Service Unavailable";
    default: return "500 Internal Server Error";
    }
}
