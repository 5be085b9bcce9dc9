/* rest_write.c - create (also conditional, If-None-Exist), update (PUT,
 * create-on-update, If-Match) and delete. Nothing is stored when any
 * check fails: every check runs before the one store write.
 * http://hl7.org/fhir/R4/http.html#create , #update , #delete , #ccreate */
#include <inttypes.h>

#include "../core/fg_limits.h"
#include "access.h"
#include "negotiate.h"
#include "rest.h"
#include "wear_write.h"

/* The body of a successful write, per Prefer (http.html#ops). */
static enum fg_status write_answer(struct fg_req *req, int status,
                                   const struct fhir_write_result *r, const char *verb)
{
    const struct fhir_resource *res = &r->res;
    enum fg_status st = fg_rest_version_headers(req, res, status == 201);
    if (st != FG_OK)
        return st;
    switch (fg_rest_prefer_return(req)) {
    case FG_RETURN_MINIMAL:
        fg_resp_set(req, status, NULL, FG_STR_NULL);
        return FG_OK;
    case FG_RETURN_OUTCOME: {
        const char *msg =
            fg_pool_printf(req->pool, "%s %.*s/%.*s version %" PRId64, verb, (int)res->type.len,
                           res->type.ptr, (int)res->id.len, res->id.ptr, res->version);
        if (!msg)
            return fg_error_set(&req->err, FG_ENOMEM, NULL, "out of memory");
        return fg_rest_send_info(req, status, fg_str_c(msg));
    }
    case FG_RETURN_REPRESENTATION:
        break;
    }
    fg_resp_set(req, status, FG_CT_FHIR_JSON, res->json);
    return FG_OK;
}

/* If-None-Exist: "identifier=sys|123" is a search on the type
 * (http.html#ccreate). Unknown parameters are refused: ignoring one would
 * widen the match. */
static enum fg_status if_none_exist(struct fg_req *req, struct fhir_query **out)
{
    const char *h = fg_req_header(req, "If-None-Exist");
    *out = NULL;
    if (!h)
        return FG_OK;
    struct fg_str v = fg_str_trim(fg_str_c(h));
    /* Some clients send the whole URL tail: "Patient?identifier=..." */
    struct fg_str head, tail;
    if (fg_str_split(v, '?', &head, &tail))
        v = tail;
    struct fhir_kv *pairs = NULL;
    size_t n = 0;
    struct fhir_query *q = fg_pool_zalloc(req->pool, sizeof *q);
    if (!q)
        return fg_error_set(&req->err, FG_ENOMEM, NULL, "out of memory");
    enum fg_status st = fhir_form_parse(req->pool, v, FG_MAX_SEARCH_PARAMS, &pairs, &n,
                                        &req->err);
    if (st == FG_OK && n == 0)
        st = fg_error_set(&req->err, FG_EINVAL, "If-None-Exist",
                          "If-None-Exist must hold search parameters, e.g. identifier=sys|1");
    if (st == FG_OK)
        st = fhir_search_parse(req->pool, req->route_type, fg_str_c(fg_req_base_url(req)),
                               pairs, n, FHIR_HANDLING_STRICT, q, &req->err);
    if (st == FG_OK)
        st = fg_access_narrow_query(req, q);
    if (st == FG_OK)
        *out = q;
    return st;
}

enum fg_status fg_rest_create(struct fg_req *req)
{
    struct fhir_store *store = NULL;
    cJSON *res = NULL;
    struct fhir_query *cond = NULL;
    struct fhir_write_result r = {0};
    enum fg_status st = fg_access_authorize(req, FG_IA_CREATE, req->route_type, FG_STR_NULL);
    if (st == FG_OK)
        st = fg_rest_store(req, &store);
    if (st == FG_OK)
        st = fg_rest_parse_resource(req, req->route_type, &res);
    if (st == FG_OK)
        st = if_none_exist(req, &cond);
    if (st != FG_OK)
        return st;
    /* The server assigns the id; a client's id is ignored (http.html#create). */
    cJSON_DeleteItemFromObjectCaseSensitive(res, "id");
    struct imp_app app;
    bool app_write = fg_wear_app(req, req->route_type, &app);
    if (app_write) /* patient-supplied data: normalised, then judged as stored */
        st = fg_wear_prepare(req, &app, res, "", &req->err);
    if (st == FG_OK)
        st = fg_access_check_write(req, FG_IA_CREATE, req->route_type, FG_STR_NULL, res);
    if (st != FG_OK)
        return st;
    struct fhir_write w = {
        .kind = FHIR_WRITE_CREATE,
        .type = req->route_type,
        .resource = res,
        .if_none_exist = cond,
    };
    if (app_write)
        st = fg_wear_create(req, store, &app, res, cond, &r, &req->err);
    else
        st = fhir_store_write(store, req->pool, &w, 1, &r, &req->err);
    if (st == FG_EPRECOND) {
        fg_error_clear(&req->err);
        return fg_error_set(&req->err, FG_EPRECOND, "If-None-Exist",
                            "If-None-Exist matches more than one resource");
    }
    if (st != FG_OK)
        return st;
    if (r.outcome == FHIR_WRITE_UNCHANGED)
        return write_answer(req, 200, &r, "Found existing");
    return write_answer(req, 201, &r, "Created");
}

/* If-Match: W/"<version>" (http.html#concurrency). 0 when absent. */
static enum fg_status if_match(struct fg_req *req, int64_t *version)
{
    const char *h = fg_req_header(req, "If-Match");
    *version = 0;
    if (h && fg_rest_etag_parse(fg_str_c(h), version) != FG_OK)
        return fg_error_set(&req->err, FG_EINVAL, "If-Match",
                            "If-Match must be a version ETag such as W/\"3\"");
    return FG_OK;
}

/* PUT needs the id in the body, equal to the URL's (http.html#update). */
static enum fg_status check_body_id(struct fg_req *req, const cJSON *res)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(res, "id");
    if (!id)
        return fg_error_set(&req->err, FG_EINVAL, "id",
                            "the resource has no id: an update must carry the id of the URL "
                            "(%.*s)", (int)req->route_id.len, req->route_id.ptr);
    if (!cJSON_IsString(id) || !fg_str_eq_c(req->route_id, id->valuestring))
        return fg_error_set(&req->err, FG_EINVAL, "id",
                            "the resource id \"%.64s\" does not match the id %.*s of the URL",
                            cJSON_IsString(id) ? id->valuestring : "(not a string)",
                            (int)req->route_id.len, req->route_id.ptr);
    return FG_OK;
}

static void precondition_error(struct fg_req *req, int64_t version)
{
    fg_error_clear(&req->err);
    fg_error_set(&req->err, FG_EPRECOND, "If-Match",
                 "If-Match W/\"%" PRId64 "\" does not name the current version of %.*s/%.*s",
                 version, (int)req->route_type.len, req->route_type.ptr,
                 (int)req->route_id.len, req->route_id.ptr);
}

enum fg_status fg_rest_update(struct fg_req *req)
{
    struct fhir_store *store = NULL;
    cJSON *res = NULL;
    int64_t match = 0;
    struct fhir_write_result r = {0};
    enum fg_status st = fg_access_authorize(req, FG_IA_UPDATE, req->route_type, req->route_id);
    if (st == FG_OK)
        st = fg_rest_store(req, &store);
    if (st == FG_OK)
        st = fg_rest_parse_resource(req, req->route_type, &res);
    if (st == FG_OK)
        st = check_body_id(req, res);
    if (st == FG_OK)
        st = if_match(req, &match);
    if (st == FG_OK)
        st = fg_access_check_write(req, FG_IA_UPDATE, req->route_type, req->route_id, res);
    struct imp_app app;
    if (st == FG_OK && fg_wear_app(req, req->route_type, &app))
        st = fg_wear_check_update(req, store, &app, req->route_id, res, &req->err);
    if (st != FG_OK)
        return st;
    struct fhir_write w = {
        .kind = FHIR_WRITE_UPDATE,
        .type = req->route_type,
        .id = req->route_id,
        .resource = res,
        .if_match_version = match,
    };
    st = fhir_store_write(store, req->pool, &w, 1, &r, &req->err);
    if (st == FG_EPRECOND)
        precondition_error(req, match);
    if (st != FG_OK)
        return st;
    if (r.outcome == FHIR_WRITE_CREATED)
        return write_answer(req, 201, &r, "Created");
    return write_answer(req, 200, &r, "Updated");
}

enum fg_status fg_rest_delete(struct fg_req *req)
{
    struct fhir_store *store = NULL;
    int64_t match = 0;
    struct fhir_write_result r = {0};
    enum fg_status st = fg_access_authorize(req, FG_IA_DELETE, req->route_type, req->route_id);
    if (st == FG_OK)
        st = fg_rest_store(req, &store);
    if (st == FG_OK)
        st = if_match(req, &match);
    if (st == FG_OK)
        st = fg_access_check_write(req, FG_IA_DELETE, req->route_type, req->route_id, NULL);
    if (st != FG_OK)
        return st;
    struct fhir_write w = {
        .kind = FHIR_WRITE_DELETE,
        .type = req->route_type,
        .id = req->route_id,
        .if_match_version = match,
    };
    st = fhir_store_write(store, req->pool, &w, 1, &r, &req->err);
    if (st == FG_EPRECOND)
        precondition_error(req, match);
    if (st != FG_OK)
        return st;
    if (r.outcome == FHIR_WRITE_NOOP_DELETE) {
        /* Deleting what is gone or never was succeeds (http.html#delete). */
        fg_resp_set(req, 204, NULL, FG_STR_NULL);
        return FG_OK;
    }
    const char *etag = r.res.version > 0 ? fg_rest_etag(req->pool, r.res.version) : NULL;
    if (etag && fg_resp_header(req, "ETag", etag) != FG_OK)
        return fg_error_set(&req->err, FG_ETOOBIG, NULL, "too many response headers");
    const char *msg = fg_pool_printf(req->pool, "Deleted %.*s/%.*s", (int)req->route_type.len,
                                     req->route_type.ptr, (int)req->route_id.len,
                                     req->route_id.ptr);
    if (!msg)
        return fg_error_set(&req->err, FG_ENOMEM, NULL, "out of memory");
    return fg_rest_send_info(req, 200, fg_str_c(msg));
}
