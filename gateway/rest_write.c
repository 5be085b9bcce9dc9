/* rest_write.c - create (also conditional, If-None-Exist), update (PUT,
 * create-on-update, If-Match), delete, and conditional update and delete
 * (PUT/DELETE [type]?[search]), and PATCH with a JSON Patch (RFC 6902;
 * FHIRPath Patch is not supported: 415), by id or conditional
 * (PATCH [type]?[search]). Nothing is stored when any check fails:
 * every check runs before the one store write.
 * http://hl7.org/fhir/R4/http.html#create , #update , #delete , #ccreate ,
 * #cond-update , #cdelete */
#include <inttypes.h>

#include "../core/fg_limits.h"
#include "../fhir/jsonpatch.h"
#include "access.h"
#include "negotiate.h"
#include "rest.h"
#include "wear_write.h"
#include "write_validate.h"

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
            fg_pool_printf(req->pool, "%s %.*s/%.*s version %s", verb, (int)res->type.len,
                           res->type.ptr, (int)res->id.len, res->id.ptr,
                           fhir_resource_version_text(req->pool, res));
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

/* A conditional write's search: strict (an unknown parameter would widen
 * the match) and narrowed by the access policy like any search. */
static enum fg_status condition(struct fg_req *req, const struct fhir_kv *pairs, size_t n,
                                const char *what, struct fhir_query **out)
{
    *out = NULL;
    if (n == 0)
        return fg_error_set(&req->err, FG_EINVAL, what,
                            "%s needs search parameters, e.g. identifier=sys|1", what);
    struct fhir_query *q = fg_pool_zalloc(req->pool, sizeof *q);
    if (!q)
        return fg_error_set(&req->err, FG_ENOMEM, NULL, "out of memory");
    enum fg_status st = fhir_search_parse(req->pool, req->route_type,
                                          fg_str_c(fg_req_base_url(req)), pairs, n,
                                          FHIR_HANDLING_STRICT, q, &req->err);
    if (st == FG_OK)
        st = fg_access_narrow_query(req, q);
    if (st == FG_OK)
        *out = q;
    return st;
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
    enum fg_status st = fhir_form_parse(req->pool, v, FG_MAX_SEARCH_PARAMS, &pairs, &n,
                                        &req->err);
    return st == FG_OK ? condition(req, pairs, n, "If-None-Exist", out) : st;
}

/* The search of a conditional update or delete: the URL's query. */
static enum fg_status url_condition(struct fg_req *req, const char *what,
                                    struct fhir_query **out)
{
    return condition(req, req->query, req->n_query, what, out);
}

/* If-Match: W/"<version>" (http.html#concurrency) into w: an integer
 * version, or (an upstream's opaque version ids) the id as text. */
static enum fg_status if_match(struct fg_req *req, struct fhir_write *w)
{
    const char *h = fg_req_header(req, "If-Match");
    if (!h || fg_rest_etag_parse(fg_str_c(h), &w->if_match_version) == FG_OK)
        return FG_OK;
    if (fg_rest_etag_parse_id(fg_str_c(h), &w->if_match_id) == FG_OK)
        return FG_OK;
    return fg_error_set(&req->err, FG_EINVAL, "If-Match",
                        "If-Match must be a version ETag such as W/\"3\"");
}

/* What every write handler does first: authorizes interaction ia on the URL's type (and id:
 * empty for a create or a conditional write), gets the store, parses the body as a resource
 * of the URL's type when res is non-NULL, and reads If-Match into w when w is non-NULL. */
static enum fg_status write_begin(struct fg_req *req, enum fg_interaction ia, struct fg_str id,
                                  struct fhir_store **store, cJSON **res, struct fhir_write *w)
{
    enum fg_status st = fg_access_authorize(req, ia, req->route_type, id);
    if (st == FG_OK)
        st = fg_rest_store(req, store);
    if (st == FG_OK && res)
        st = fg_rest_parse_resource(req, req->route_type, res);
    if (st == FG_OK && w)
        st = if_match(req, w);
    return st;
}

/* What every update (PUT, conditional PUT, PATCH) checks before its write: the US Core
 * profiles the content claims, the policy's decision on the content (and the version it
 * replaces), and for a patient's app the rule of wear_write.h (only its own Observations, only
 * to entered-in-error; an id not known yet, as in a conditional update, is refused: apps
 * create with POST). */
static enum fg_status update_checks(struct fg_req *req, struct fhir_store *store, struct fg_str id,
                                    const cJSON *res)
{
    struct imp_app app;
    enum fg_status st = fg_write_validate_req(req, res);
    if (st == FG_OK)
        st = fg_access_check_write(req, FG_IA_UPDATE, req->route_type, id, res);
    if (st == FG_OK && fg_wear_app(req, req->route_type, &app))
        st = fg_wear_check_update(req, store, &app, id, res, &req->err);
    return st;
}

enum fg_status fg_rest_create(struct fg_req *req)
{
    struct fhir_store *store = NULL;
    cJSON *res = NULL;
    struct fhir_query *cond = NULL;
    struct fhir_write_result r = {0};
    enum fg_status st = write_begin(req, FG_IA_CREATE, FG_STR_NULL, &store, &res, NULL);
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
    else /* claimed US Core profiles (app writes validated them above) */
        st = fg_write_validate_req(req, res);
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

/* Does the If-Match read into w name cur's version (true when none was given)? */
static bool if_match_names(const struct fhir_write *w, const struct fhir_resource *cur,
                           struct fg_pool *pool)
{
    if (w->if_match_version)
        return w->if_match_version == cur->version;
    if (w->if_match_id.len) {
        const char *v = fhir_resource_version_text(pool, cur);
        return v && fg_str_eq_c(w->if_match_id, v);
    }
    return true;
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

static void precondition_error(struct fg_req *req)
{
    const char *h = fg_req_header(req, "If-Match");
    fg_error_clear(&req->err);
    fg_error_set(&req->err, FG_EPRECOND, "If-Match",
                 "If-Match %.64s does not name the current version of %.*s/%.*s", h ? h : "",
                 (int)req->route_type.len, req->route_type.ptr,
                 (int)req->route_id.len, req->route_id.ptr);
}

enum fg_status fg_rest_update(struct fg_req *req)
{
    struct fhir_store *store = NULL;
    cJSON *res = NULL;
    struct fhir_write_result r = {0};
    struct fhir_write w = {
        .kind = FHIR_WRITE_UPDATE,
        .type = req->route_type,
        .id = req->route_id,
    };
    enum fg_status st = write_begin(req, FG_IA_UPDATE, req->route_id, &store, &res, &w);
    if (st == FG_OK)
        st = check_body_id(req, res);
    if (st == FG_OK)
        st = update_checks(req, store, req->route_id, res);
    if (st != FG_OK)
        return st;
    w.resource = res;
    st = fhir_store_write(store, req->pool, &w, 1, &r, &req->err);
    if (st == FG_EPRECOND)
        precondition_error(req);
    if (st != FG_OK)
        return st;
    if (r.outcome == FHIR_WRITE_CREATED)
        return write_answer(req, 201, &r, "Created");
    return write_answer(req, 200, &r, "Updated");
}

/* 200 with an OperationOutcome and the delete marker's ETag; 204 when
 * there was nothing to delete. */
static enum fg_status delete_answer(struct fg_req *req, const struct fhir_write_result *r)
{
    if (r->outcome == FHIR_WRITE_NOOP_DELETE) {
        /* Deleting what is gone or never was succeeds (http.html#delete). */
        fg_resp_set(req, 204, NULL, FG_STR_NULL);
        return FG_OK;
    }
    const char *etag = fg_rest_etag_of(req->pool, &r->res);
    if (etag && fg_resp_header(req, "ETag", etag) != FG_OK)
        return fg_error_set(&req->err, FG_ETOOBIG, NULL, "too many response headers");
    const char *msg = fg_pool_printf(req->pool, "Deleted %.*s/%.*s", (int)r->res.type.len,
                                     r->res.type.ptr, (int)r->res.id.len, r->res.id.ptr);
    if (!msg)
        return fg_error_set(&req->err, FG_ENOMEM, NULL, "out of memory");
    return fg_rest_send_info(req, 200, fg_str_c(msg));
}

enum fg_status fg_rest_delete(struct fg_req *req)
{
    struct fhir_store *store = NULL;
    struct fhir_write_result r = {0};
    struct fhir_write w = {
        .kind = FHIR_WRITE_DELETE,
        .type = req->route_type,
        .id = req->route_id,
    };
    enum fg_status st = write_begin(req, FG_IA_DELETE, req->route_id, &store, NULL, &w);
    if (st == FG_OK)
        st = fg_access_check_write(req, FG_IA_DELETE, req->route_type, req->route_id, NULL);
    if (st != FG_OK)
        return st;
    st = fhir_store_write(store, req->pool, &w, 1, &r, &req->err);
    if (st == FG_EPRECOND)
        precondition_error(req);
    if (st != FG_OK)
        return st;
    return delete_answer(req, &r);
}

/* The matches of q as the search would show them (narrowed and filtered by
 * the policy: a resource the caller may not see is not a match): *found is
 * 0, 1 (*match is it) or 2 (more than one). Pages go on only while the
 * policy hid every match but one (or all). */
static enum fg_status visible_match(struct fg_req *req, struct fhir_store *store,
                                    struct fhir_query *q, const char *what,
                                    struct fhir_resource *match, size_t *found)
{
    enum fg_status st = FG_OK;
    q->count = FG_COND_PATCH_PAGE;
    q->total = FHIR_TOTAL_NONE;
    q->n_elements = 0;
    q->summary = FHIR_SUMMARY_NONE;
    *found = 0;
    for (int page = 0; st == FG_OK && *found < 2; page++) {
        if (page == FG_MAX_COND_PATCH_PAGES)
            return fg_error_set_http(&req->err, FG_EINVAL, 400, "too-costly", NULL,
                                     "%s: the search is not selective enough", what);
        struct fhir_search_result r = {0};
        st = fhir_store_search(store, req->pool, q, &r, &req->err);
        if (st == FG_OK)
            st = fg_access_filter_search(req, q, &r);
        for (size_t i = 0; st == FG_OK && i < r.n_matches && *found < 2; i++)
            if ((*found)++ == 0)
                *match = r.matches[i];
        if (!r.next_cursor.len)
            break;
        q->cursor = r.next_cursor;
    }
    return st;
}

/* The 412 of a conditional write whose search finds several resources. */
static enum fg_status several_matches(struct fg_req *req, const char *what)
{
    return fg_error_set(&req->err, FG_EPRECOND, NULL,
                        "%s: more than one %.*s matches the search; make it more selective",
                        what, (int)req->route_type.len, req->route_type.ptr);
}

/* The one visible match m becomes the target of w, a write by id over exactly
 * its current version (a concurrent change is 412); the audit names it. */
static enum fg_status target_match(struct fg_req *req, struct fhir_write *w,
                                   const struct fhir_resource *m)
{
    const cJSON *id = w->resource ? cJSON_GetObjectItemCaseSensitive(w->resource, "id") : NULL;
    if (id && (!cJSON_IsString(id) || !fg_str_eq_c(m->id, id->valuestring)))
        return fg_error_set(&req->err, FG_EINVAL, "id",
                            "The resource id does not match the id %.*s the conditional "
                            "update found", (int)m->id.len, m->id.ptr);
    if (!if_match_names(w, m, req->pool)) {
        precondition_error(req);
        return FG_EPRECOND;
    }
    w->id = m->id;
    w->if_match_version = m->version;
    w->if_match_id = m->version ? FG_STR_NULL : m->version_id;
    req->route_id = m->id;
    return fg_access_authorize(req, w->kind == FHIR_WRITE_DELETE ? FG_IA_DELETE : FG_IA_UPDATE,
                               req->route_type, m->id);
}

/* The 412 of a conditional write whose match changed between the search
 * and the write. */
static void changed_meanwhile(struct fg_req *req, const char *what)
{
    fg_error_clear(&req->err);
    fg_error_set(&req->err, FG_EPRECOND, NULL, "%.*s/%.*s changed during the %s; send it again",
                 (int)req->route_type.len, req->route_type.ptr, (int)req->route_id.len,
                 req->route_id.ptr, what);
}

/* Where the store's matches for cond could include resources the policy
 * hides, the match is resolved here as the caller's search would show it:
 * one match becomes a write by id, none makes an update a create and a
 * delete 404, several are 412. Otherwise the store resolves cond in its
 * write transaction, so the match and the write see the same state. */
static enum fg_status resolve_visible(struct fg_req *req, struct fhir_store *store,
                                      struct fhir_query *cond, struct fhir_write *w,
                                      const char *what)
{
    if (fg_access_narrowed_exactly(req, cond)) {
        w->match = cond;
        return FG_OK;
    }
    struct fhir_resource m = {0};
    size_t found = 0;
    enum fg_status st = visible_match(req, store, cond, what, &m, &found);
    if (st != FG_OK)
        return st;
    if (found > 1)
        return several_matches(req, what);
    if (found == 1)
        return target_match(req, w, &m);
    if (w->kind == FHIR_WRITE_DELETE)
        return fg_error_set(&req->err, FG_ENOTFOUND, NULL, "No %.*s matches the %s",
                            (int)req->route_type.len, req->route_type.ptr, what);
    w->kind = FHIR_WRITE_CREATE; /* the server assigns the id */
    return FG_OK;
}

/* PUT [type]?[search] (http.html#cond-update): one match is updated, none
 * creates (server id), several are 412. */
enum fg_status fg_rest_update_conditional(struct fg_req *req)
{
    static const char what[] = "conditional update";
    struct fhir_store *store = NULL;
    cJSON *res = NULL;
    struct fhir_write_result r = {0};
    struct fhir_query *cond = NULL;
    struct fhir_write w = {.kind = FHIR_WRITE_UPDATE, .type = req->route_type};
    enum fg_status st = write_begin(req, FG_IA_UPDATE, FG_STR_NULL, &store, &res, &w);
    w.resource = res;
    if (st == FG_OK)
        st = url_condition(req, what, &cond);
    if (st == FG_OK)
        st = resolve_visible(req, store, cond, &w, what);
    if (st == FG_OK)
        st = update_checks(req, store, w.id, res);
    if (st == FG_OK)
        st = fhir_store_write(store, req->pool, &w, 1, &r, &req->err);
    if (st == FG_EPRECOND && w.id.len)
        changed_meanwhile(req, what);
    if (st != FG_OK)
        return st;
    if (r.outcome == FHIR_WRITE_CREATED)
        return write_answer(req, 201, &r, "Created");
    return write_answer(req, 200, &r, "Updated");
}

/* DELETE [type]?[search] (http.html#cdelete): one match is deleted, none
 * is 404, several are 412 (this server deletes one at a time). */
enum fg_status fg_rest_delete_conditional(struct fg_req *req)
{
    static const char what[] = "conditional delete";
    struct fhir_store *store = NULL;
    struct fhir_write_result r = {0};
    struct fhir_query *cond = NULL;
    struct fhir_write w = {.kind = FHIR_WRITE_DELETE, .type = req->route_type};
    enum fg_status st = write_begin(req, FG_IA_DELETE, FG_STR_NULL, &store, NULL, &w);
    if (st == FG_OK)
        st = url_condition(req, what, &cond);
    if (st == FG_OK)
        st = resolve_visible(req, store, cond, &w, what);
    if (st == FG_OK)
        st = fg_access_check_write(req, FG_IA_DELETE, req->route_type, w.id, NULL);
    if (st == FG_OK)
        st = fhir_store_write(store, req->pool, &w, 1, &r, &req->err);
    if (st == FG_EPRECOND && w.id.len)
        changed_meanwhile(req, what);
    return st == FG_OK ? delete_answer(req, &r) : st;
}

/* ---- PATCH (http.html#patch): JSON Patch only ---- */

static enum fg_status patch_document(struct fg_req *req, cJSON **patch)
{
    static const char *const json_patch[] = {"application/json-patch+json", NULL};
    const char *ct = fg_req_header(req, "Content-Type");
    if (!ct || !fg_negotiate_content_type_is(fg_str_c(ct), json_patch))
        return fg_error_set_http(&req->err, FG_EFORMAT, 415, "not-supported", "Content-Type",
                                 "PATCH takes a JSON Patch (application/json-patch+json); "
                                 "FHIRPath Patch is not supported");
    return fg_rest_parse_json(req, fg_buf_str(&req->body), "JSON Patch", patch);
}

static void free_held_tree(void *holder)
{
    cJSON_Delete(*(cJSON **)holder);
}

/* The current version of the URL's resource, parsed into *held: a pool
 * slot that the pool frees at the end, whatever tree it then holds (a
 * patch of the root replaces the tree). */
static enum fg_status patch_target(struct fg_req *req, struct fhir_store *store,
                                   struct fhir_resource *cur, cJSON ***held)
{
    enum fg_status st = fhir_store_read(store, req->pool, req->route_type, req->route_id, cur,
                                        &req->err);
    if (st != FG_OK)
        return st;
    cJSON **slot = fg_pool_zalloc(req->pool, sizeof *slot);
    if (!slot || fg_pool_on_free(req->pool, free_held_tree, slot) != FG_OK)
        return fg_error_set(&req->err, FG_ENOMEM, NULL, "out of memory");
    *slot = cJSON_ParseWithLength(cur->json.ptr, cur->json.len);
    if (!*slot)
        return fg_error_set(&req->err, FG_EIO, NULL, "a stored resource is not valid JSON");
    *held = slot;
    return FG_OK;
}

/* A patch may change anything but what names the resource. */
static enum fg_status check_patched(struct fg_req *req, const cJSON *res)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(res, "id");
    const cJSON *rt = cJSON_IsObject(res) ? cJSON_GetObjectItemCaseSensitive(res, "resourceType")
                                          : NULL;
    if (!cJSON_IsString(rt) || !fg_str_eq_c(req->route_type, rt->valuestring) ||
        !cJSON_IsString(id) || !fg_str_eq_c(req->route_id, id->valuestring))
        return fg_error_set(&req->err, FG_EUNPROC, NULL,
                            "the patched resource must keep its resourceType %.*s and id %.*s",
                            (int)req->route_type.len, req->route_type.ptr,
                            (int)req->route_id.len, req->route_id.ptr);
    return FG_OK;
}

/* Applies patch to the current version of req->route_id and writes it over
 * exactly that version: what PATCH by id and conditional PATCH share. */
static enum fg_status patch_apply(struct fg_req *req, struct fhir_store *store,
                                  const cJSON *patch, struct fhir_write *w)
{
    struct fhir_resource cur = {0};
    cJSON **held = NULL;
    struct fhir_write_result r = {0};
    w->kind = FHIR_WRITE_UPDATE;
    w->type = req->route_type;
    w->id = req->route_id;
    enum fg_status st = patch_target(req, store, &cur, &held);
    if (st == FG_OK && !if_match_names(w, &cur, req->pool)) {
        precondition_error(req);
        return FG_EPRECOND;
    }
    if (st == FG_OK)
        st = fhir_jsonpatch_apply(req->pool, held, patch, &req->err);
    if (st == FG_OK)
        st = check_patched(req, *held);
    if (st == FG_OK)
        st = update_checks(req, store, req->route_id, *held);
    if (st != FG_OK)
        return st;
    /* Written only over the version patched: a concurrent change is 412. */
    w->resource = *held;
    w->if_match_version = cur.version;
    w->if_match_id = cur.version ? FG_STR_NULL : cur.version_id;
    st = fhir_store_write(store, req->pool, w, 1, &r, &req->err);
    if (st == FG_EPRECOND) {
        fg_error_clear(&req->err);
        fg_error_set(&req->err, FG_EPRECOND, NULL,
                     "%.*s/%.*s changed while it was being patched; patch again",
                     (int)req->route_type.len, req->route_type.ptr, (int)req->route_id.len,
                     req->route_id.ptr);
    }
    return st == FG_OK ? write_answer(req, 200, &r, "Patched") : st;
}

enum fg_status fg_rest_patch(struct fg_req *req)
{
    struct fhir_store *store = NULL;
    cJSON *patch = NULL;
    struct fhir_write w = {0};
    enum fg_status st = write_begin(req, FG_IA_UPDATE, req->route_id, &store, NULL, &w);
    if (st == FG_OK)
        st = patch_document(req, &patch);
    return st == FG_OK ? patch_apply(req, store, patch, &w) : st;
}

/* The id of the one resource the URL's search finds, as the search would
 * show it. None: 404; several: 412 (http.html#patch). */
static enum fg_status patch_match(struct fg_req *req, struct fhir_store *store, struct fg_str *id)
{
    static const char what[] = "conditional patch";
    struct fhir_query *q = NULL;
    struct fhir_resource match = {0};
    size_t found = 0;
    enum fg_status st = url_condition(req, what, &q);
    if (st == FG_OK)
        st = visible_match(req, store, q, what, &match, &found);
    if (st != FG_OK)
        return st;
    if (found == 0)
        return fg_error_set_http(&req->err, FG_ENOTFOUND, 404, "not-found", NULL,
                                 "%s: no %.*s matches the search", what,
                                 (int)req->route_type.len, req->route_type.ptr);
    if (found > 1)
        return several_matches(req, what);
    *id = match.id;
    return FG_OK;
}

/* PATCH [type]?[search] (http.html#patch): the one match is patched by id,
 * through the same checks as PATCH [type]/[id]. */
enum fg_status fg_rest_patch_conditional(struct fg_req *req)
{
    struct fhir_store *store = NULL;
    cJSON *patch = NULL;
    struct fhir_write w = {0};
    struct fg_str id = FG_STR_NULL;
    enum fg_status st = write_begin(req, FG_IA_UPDATE, FG_STR_NULL, &store, NULL, &w);
    if (st == FG_OK)
        st = patch_document(req, &patch);
    if (st == FG_OK)
        st = patch_match(req, store, &id);
    if (st == FG_OK) {
        req->route_id = id; /* from here on a PATCH by id (the audit names it too) */
        st = fg_access_authorize(req, FG_IA_UPDATE, req->route_type, id);
    }
    return st == FG_OK ? patch_apply(req, store, patch, &w) : st;
}
