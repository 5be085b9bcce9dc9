/* store_upstream_write.c - writes through the upstream: one create, update
 * or delete as its own interaction; several (a FHIR transaction from the
 * gateway) as one transaction Bundle, whose atomicity is then the
 * upstream's promise (http.html#transaction).
 * A create whose id the gateway already chose (transaction entries that
 * others refer to) is sent as PUT Type/id, create-on-update
 * (http.html#upsert), so the references stay right.
 * Spec: http://hl7.org/fhir/R4/http.html#create , #update , #delete
 */
#include <inttypes.h>
#include <string.h>

#include "../core/fg_limits.h"
#include "../core/fg_mem.h"
#include "store_upstream_internal.h"

static const char *method_of(const struct fhir_write *w)
{
    switch (w->kind) {
    case FHIR_WRITE_CREATE:
        return w->id.len && !w->if_none_exist ? "PUT" : "POST";
    case FHIR_WRITE_UPDATE:
        return "PUT";
    case FHIR_WRITE_DELETE:
        return "DELETE";
    }
    return "POST";
}

/* W/"3" or W/"opaque-id" for If-Match; NULL when none. */
static const char *if_match_value(struct fg_pool *pool, const struct fhir_write *w)
{
    if (w->if_match_id.len)
        return fg_pool_printf(pool, "W/\"%.*s\"", (int)w->if_match_id.len, w->if_match_id.ptr);
    if (w->if_match_version > 0)
        return fg_pool_printf(pool, "W/\"%" PRId64 "\"", w->if_match_version);
    return NULL;
}

/* The If-None-Exist query of a conditional create, or NULL. */
static enum fg_status if_none_exist_value(struct fg_pool *pool, const struct fhir_write *w,
                                          const char **out, struct fg_error *err)
{
    struct fg_buf b;
    *out = NULL;
    if (!w->if_none_exist)
        return FG_OK;
    fg_buf_init(&b, FG_MAX_URL_BYTES);
    /* The client's own query: no policy parameters, no _count. */
    enum fg_status st = fhir_search_write_query(w->if_none_exist, &b);
    if (st == FG_OK)
        *out = fg_pool_strdup(pool, b.data ? b.data : "");
    fg_buf_cleanup(&b);
    if (st != FG_OK || !*out)
        return fg_error_set(err, st == FG_OK ? FG_ENOMEM : st, "If-None-Exist",
                            "the If-None-Exist query is too long");
    return FG_OK;
}

/* The store sets the id of what it writes (store.h): a preset id (an
 * update, or a create whose id the gateway chose) goes into the body. */
static enum fg_status set_id(const struct fhir_write *w, struct fg_error *err)
{
    char idbuf[FG_MAX_ID_LEN + 1];
    if (!w->resource || !w->id.len || w->id.len > FG_MAX_ID_LEN)
        return FG_OK;
    memcpy(idbuf, w->id.ptr, w->id.len);
    idbuf[w->id.len] = '\0';
    cJSON *id = cJSON_CreateString(idbuf);
    if (id && (cJSON_ReplaceItemInObjectCaseSensitive(w->resource, "id", id) ||
               cJSON_AddItemToObject(w->resource, "id", id)))
        return FG_OK;
    cJSON_Delete(id);
    return fg_error_set(err, FG_ENOMEM, NULL, "out of memory");
}

static enum fg_status body_text(struct fg_pool *pool, const cJSON *res, struct fg_str *out,
                                struct fg_error *err)
{
    *out = FG_STR_NULL;
    if (!res)
        return FG_OK;
    char *t = cJSON_PrintUnformatted(res);
    if (t)
        *out = fg_pool_str(pool, fg_str_c(t));
    cJSON_free(t);
    return out->ptr ? FG_OK : fg_error_set(err, FG_ENOMEM, NULL, "out of memory");
}

/* The store contract: the caller's tree gets the id and meta the upstream
 * gave the stored version. */
static void copy_back(cJSON *mine, const struct fhir_resource *stored)
{
    cJSON *theirs = cJSON_ParseWithLength(stored->json.ptr, stored->json.len);
    cJSON *meta = cJSON_DetachItemFromObjectCaseSensitive(theirs, "meta");
    char idbuf[FG_MAX_ID_LEN + 1];
    if (mine && stored->id.len <= FG_MAX_ID_LEN) {
        memcpy(idbuf, stored->id.ptr, stored->id.len);
        idbuf[stored->id.len] = '\0';
        cJSON *id = cJSON_CreateString(idbuf);
        if (id && !cJSON_ReplaceItemInObjectCaseSensitive(mine, "id", id) &&
            !cJSON_AddItemToObject(mine, "id", id))
            cJSON_Delete(id);
        if (meta && !cJSON_ReplaceItemInObjectCaseSensitive(mine, "meta", meta) &&
            !cJSON_AddItemToObject(mine, "meta", meta))
            cJSON_Delete(meta);
        meta = NULL;
    }
    cJSON_Delete(meta);
    cJSON_Delete(theirs);
}

static enum fg_status write_one(struct up_store *s, struct fg_pool *pool,
                                const struct fhir_write *w, struct fhir_write_result *res,
                                struct fg_error *err)
{
    struct up_response r;
    struct fg_str body;
    const char *extra = NULL, *cond = NULL;
    const char *method = method_of(w);
    bool by_id = strcmp(method, "POST") != 0;
    memset(&r, 0, sizeof r);
    enum fg_status st = by_id ? set_id(w, err) : FG_OK;
    if (st == FG_OK)
        st = body_text(pool, w->resource, &body, err);
    if (st == FG_OK)
        st = if_none_exist_value(pool, w, &cond, err);
    if (st != FG_OK)
        return st;
    if (cond)
        extra = fg_pool_printf(pool, "If-None-Exist: %s", cond);
    else if (if_match_value(pool, w))
        extra = fg_pool_printf(pool, "If-Match: %s", if_match_value(pool, w));
    if (by_id && !fg_is_fhir_id(w->id))
        return fg_error_set(err, FG_EINVAL, NULL, "a write needs a valid id");
    struct fg_str path = by_id ? fg_str_c(fg_pool_printf(pool, "%.*s/%.*s", (int)w->type.len,
                                                         w->type.ptr, (int)w->id.len, w->id.ptr))
                               : w->type;
    st = up_http(s, method, path, body, extra, &r, err);
    if (st != FG_OK)
        goto out;
    memset(&res->res, 0, sizeof res->res);
    if (w->kind == FHIR_WRITE_DELETE) {
        res->res = (struct fhir_resource){.type = w->type, .id = w->id, .deleted = true};
        if (r.status == 404 || r.status == 410)
            res->outcome = FHIR_WRITE_NOOP_DELETE;
        else if (r.status == 200 || r.status == 202 || r.status == 204)
            res->outcome = FHIR_WRITE_DELETED;
        else
            st = up_status_error(&r, "delete", err);
        goto out;
    }
    if (r.status != 200 && r.status != 201) {
        st = up_status_error(&r, w->kind == FHIR_WRITE_CREATE ? "create" : "update", err);
        goto out;
    }
    cJSON *j = NULL;
    st = up_parse_json(pool, fg_buf_str(&r.body), &j, err);
    if (st == FG_OK)
        st = up_resource_from_json(pool, fg_str_c(s->url), j, w->type, &res->res, err);
    if (st != FG_OK)
        goto out;
    res->outcome = r.status == 201 ? FHIR_WRITE_CREATED
                   : cond          ? FHIR_WRITE_UNCHANGED
                                   : FHIR_WRITE_UPDATED;
    copy_back(w->resource, &res->res);
out:
    up_response_cleanup(&r);
    return st;
}

/* ---- transactions ---- */

static enum fg_status tx_entry(struct fg_pool *pool, const struct fhir_write *w, cJSON *entries,
                               struct fg_error *err)
{
    cJSON *e = cJSON_CreateObject();
    cJSON *req = cJSON_CreateObject();
    const char *method = method_of(w);
    const char *url = strcmp(method, "POST") == 0
                          ? fg_pool_strndup(pool, w->type.ptr, w->type.len)
                          : fg_pool_printf(pool, "%.*s/%.*s", (int)w->type.len, w->type.ptr,
                                           (int)w->id.len, w->id.ptr);
    const char *cond = NULL, *match = if_match_value(pool, w);
    enum fg_status st = if_none_exist_value(pool, w, &cond, err);
    if (st == FG_OK && strcmp(method, "POST") != 0)
        st = set_id(w, err);
    bool ok = st == FG_OK && e && req && url && cJSON_AddItemToArray(entries, e);
    if (!ok) {
        cJSON_Delete(e);
        cJSON_Delete(req);
        return st != FG_OK ? st : fg_error_set(err, FG_ENOMEM, NULL, "out of memory");
    }
    if (w->resource)
        cJSON_AddItemToObject(e, "resource", cJSON_Duplicate(w->resource, true));
    cJSON_AddItemToObject(e, "request", req);
    cJSON_AddStringToObject(req, "method", method);
    cJSON_AddStringToObject(req, "url", url);
    if (cond)
        cJSON_AddStringToObject(req, "ifNoneExist", cond);
    if (match)
        cJSON_AddStringToObject(req, "ifMatch", match);
    return FG_OK;
}

static enum fg_status tx_body(struct fg_pool *pool, const struct fhir_write *writes, size_t n,
                              struct fg_str *out, struct fg_error *err)
{
    cJSON *b = cJSON_CreateObject();
    cJSON *entries = cJSON_CreateArray();
    enum fg_status st = b && entries ? FG_OK : FG_ENOMEM;
    if (st == FG_OK) {
        cJSON_AddStringToObject(b, "resourceType", "Bundle");
        cJSON_AddStringToObject(b, "type", "transaction");
        cJSON_AddItemToObject(b, "entry", entries);
        entries = NULL;
    }
    for (size_t i = 0; st == FG_OK && i < n; i++)
        st = tx_entry(pool, &writes[i], cJSON_GetObjectItemCaseSensitive(b, "entry"), err);
    if (st == FG_OK)
        st = body_text(pool, b, out, err);
    cJSON_Delete(entries);
    cJSON_Delete(b);
    return st == FG_ENOMEM ? fg_error_set(err, st, NULL, "out of memory") : st;
}

/* One transaction-response entry: "201 Created" and the stored resource,
 * or (return=minimal servers) the location and etag. */
static enum fg_status tx_result(struct fg_pool *pool, struct fg_str base,
                                const struct fhir_write *w, cJSON *entry,
                                struct fhir_write_result *res, struct fg_error *err)
{
    const cJSON *resp = cJSON_GetObjectItemCaseSensitive(entry, "response");
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(resp, "status");
    cJSON *resource = cJSON_GetObjectItemCaseSensitive(entry, "resource");
    int64_t code = 0;
    struct fg_str s = cJSON_IsString(status) ? fg_str_c(status->valuestring) : FG_STR_NULL;
    struct fg_str num, rest;
    fg_str_split(s, ' ', &num, &rest);
    if (fg_parse_i64(num, 100, 599, &code) != FG_OK || code >= 300)
        return fg_error_set(err, FG_EUPSTREAM, NULL,
                            "the upstream FHIR server's transaction-response has an entry "
                            "without a success status");
    memset(&res->res, 0, sizeof res->res);
    res->outcome = w->kind == FHIR_WRITE_DELETE ? FHIR_WRITE_DELETED
                   : code == 201                ? FHIR_WRITE_CREATED
                   : w->if_none_exist           ? FHIR_WRITE_UNCHANGED
                                                : FHIR_WRITE_UPDATED;
    if (w->kind == FHIR_WRITE_DELETE || !cJSON_IsObject(resource)) {
        res->res = (struct fhir_resource){
            .type = w->type, .id = w->id, .deleted = w->kind == FHIR_WRITE_DELETE};
        return FG_OK;
    }
    enum fg_status st = up_resource_from_json(pool, base, resource, w->type, &res->res, err);
    if (st == FG_OK)
        copy_back(w->resource, &res->res);
    return st;
}

static enum fg_status write_tx(struct up_store *s, struct fg_pool *pool,
                               const struct fhir_write *writes, size_t n,
                               struct fhir_write_result *results, struct fg_error *err)
{
    struct up_response r;
    struct fg_str body;
    cJSON *b = NULL;
    memset(&r, 0, sizeof r);
    enum fg_status st = tx_body(pool, writes, n, &body, err);
    if (st != FG_OK)
        return st;
    st = up_http(s, "POST", FG_STR_NULL, body, NULL, &r, err);
    if (st == FG_OK && r.status != 200)
        st = up_status_error(&r, "transaction", err);
    if (st == FG_OK)
        st = up_parse_json(pool, fg_buf_str(&r.body), &b, err);
    cJSON *entries = cJSON_GetObjectItemCaseSensitive(b, "entry");
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(b, "type");
    if (st == FG_OK &&
        (!cJSON_IsString(type) || strcmp(type->valuestring, "transaction-response") != 0 ||
         (size_t)cJSON_GetArraySize(entries) != n))
        st = fg_error_set(err, FG_EUPSTREAM, NULL,
                          "the upstream FHIR server did not answer the transaction with a "
                          "transaction-response of one entry per request");
    for (size_t i = 0; st == FG_OK && i < n; i++)
        st = tx_result(pool, fg_str_c(s->url), &writes[i], cJSON_GetArrayItem(entries, (int)i),
                       &results[i], err);
    up_response_cleanup(&r);
    return st;
}

enum fg_status up_write(struct fhir_store *store, struct fg_pool *pool,
                        const struct fhir_write *writes, size_t n,
                        struct fhir_write_result *results, struct fg_error *err)
{
    struct up_store *s = (struct up_store *)store;
    if (n == 0)
        return FG_OK;
    if (n == 1)
        return write_one(s, pool, writes, results, err);
    return write_tx(s, pool, writes, n, results, err);
}
