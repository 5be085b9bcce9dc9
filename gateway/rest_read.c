/* rest_read.c - read, vread and history (instance, type, system); HEAD
 * is answered by the same handlers (the server drops the body).
 * http://hl7.org/fhir/R4/http.html#read , #vread , #history */
#include <inttypes.h>

#include "../core/fg_limits.h"
#include "../fhir/bundle.h"
#include "../fhir/date.h"
#include "../fhir/history.h"
#include "../fhir/outcome.h"
#include "access.h"
#include "negotiate.h"
#include "rest.h"
#include "server.h"

/* The answer to a read that found a delete marker: 410 with the marker's
 * version in the ETag (http.html#read: "410 Gone"). */
static enum fg_status gone(struct fg_req *req, const struct fhir_resource *res)
{
    if (res->version > 0 || res->version_id.len)
        fg_rest_version_headers(req, res, false);
    return fg_error_set(&req->err, FG_EGONE, NULL, "%.*s/%.*s has been deleted",
                        (int)res->type.len, res->type.ptr, (int)res->id.len, res->id.ptr);
}

static enum fg_status not_found(struct fg_req *req)
{
    fg_error_clear(&req->err);
    return fg_error_set(&req->err, FG_ENOTFOUND, NULL, "%.*s/%.*s is not known",
                        (int)req->route_type.len, req->route_type.ptr,
                        (int)req->route_id.len, req->route_id.ptr);
}

/* The policy may hide a resource: to the client it then does not exist. */
static enum fg_status filter_one(struct fg_req *req, enum fg_interaction ia,
                                 struct fhir_resource *res)
{
    size_t n = 1;
    enum fg_status st = fg_access_filter_result(req, ia, res, &n);
    if (st == FG_OK && n == 0)
        st = not_found(req);
    return st;
}

/* Answers a found version: 304 when If-None-Match names it. */
static enum fg_status answer_version(struct fg_req *req, struct fhir_resource *res)
{
    const char *inm = fg_req_header(req, "If-None-Match");
    if (inm && fg_rest_etag_list_matches_res(fg_str_c(inm), res)) {
        enum fg_status st = fg_rest_version_headers(req, res, false);
        if (st == FG_OK)
            fg_resp_set(req, 304, NULL, FG_STR_NULL);
        return st;
    }
    return fg_rest_send_resource(req, 200, res);
}

enum fg_status fg_rest_read(struct fg_req *req)
{
    struct fhir_store *store = NULL;
    struct fhir_resource res = {0};
    enum fg_status st = fg_access_authorize(req, FG_IA_READ, req->route_type, req->route_id);
    if (st == FG_OK)
        st = fg_rest_store(req, &store);
    if (st == FG_OK)
        st = fhir_store_read(store, req->pool, req->route_type, req->route_id, &res, &req->err);
    if (st == FG_EGONE)
        return gone(req, &res);
    if (st == FG_ENOTFOUND)
        return not_found(req);
    if (st == FG_OK)
        st = filter_one(req, FG_IA_READ, &res);
    return st == FG_OK ? answer_version(req, &res) : st;
}

enum fg_status fg_rest_bench_read(struct fg_req *req)
{
    struct fhir_store *store = NULL;
    struct fhir_resource res = {0};
    if (!req->srv->cfg.bench_endpoints)
        return fg_error_set_http(&req->err, FG_ENOTFOUND, 404, "not-found", NULL,
                                 "no endpoint at this path");
    enum fg_status st = fg_rest_store(req, &store);
    if (st == FG_OK)
        st = fhir_store_read(store, req->pool, req->route_type, req->route_id, &res, &req->err);
    if (st == FG_EGONE)
        return gone(req, &res);
    if (st == FG_ENOTFOUND)
        return not_found(req);
    return st == FG_OK ? answer_version(req, &res) : st;
}

enum fg_status fg_rest_vread(struct fg_req *req)
{
    struct fhir_store *store = NULL;
    struct fhir_resource res = {0};
    enum fg_status st = fg_access_authorize(req, FG_IA_VREAD, req->route_type, req->route_id);
    if (st == FG_OK)
        st = fg_rest_store(req, &store);
    if (st == FG_OK)
        st = fhir_store_vread(store, req->pool, req->route_type, req->route_id, req->route_vid,
                              &res, &req->err);
    if (st == FG_EGONE)
        return gone(req, &res);
    if (st == FG_OK)
        st = filter_one(req, FG_IA_VREAD, &res);
    return st == FG_OK ? answer_version(req, &res) : st;
}

/* ---- history ---- */

struct history_params {
    int count;
    int64_t since_us; /* 0 = none */
    struct fhir_history_key page;
    bool has_page;             /* _page given: not the first page */
    struct fg_str page_opaque; /* an "o" _page: a backend's own position */
};

static enum fg_status history_params(struct fg_req *req, struct history_params *p)
{
    p->count = FG_DEFAULT_COUNT;
    p->since_us = 0;
    p->has_page = false;
    struct fg_str c = fg_req_query(req, "_count"), s = fg_req_query(req, "_since");
    struct fg_str pg = fg_req_query(req, "_page");
    p->page_opaque = FG_STR_NULL;
    if (pg.ptr && pg.len > 1 && pg.ptr[0] == 'o') {
        /* "o<position>": an opaque_history_pages backend's (fhir/store.h) */
        p->page_opaque = fg_str_n(pg.ptr + 1, pg.len - 1);
    } else if (pg.ptr) {
        if (fhir_history_key_parse(pg, &p->page, &req->err) != FG_OK)
            return FG_EINVAL;
        p->has_page = true;
    }
    int64_t v;
    if (c.ptr) {
        if (fg_parse_i64(c, 0, INT64_MAX, &v) != FG_OK)
            return fg_error_set(&req->err, FG_EINVAL, "_count",
                                "_count must be a non-negative integer");
        p->count = v > FG_MAX_HISTORY_COUNT ? FG_MAX_HISTORY_COUNT : (int)v;
    }
    if (s.ptr) {
        struct fhir_date_range r;
        /* _since is an instant (http.html#history): a full time with zone. */
        if (fhir_date_parse(s, &r) != FG_OK || r.precision < FHIR_PREC_SECOND)
            return fg_error_set(&req->err, FG_EINVAL, "_since",
                                "_since must be an instant such as 2026-01-01T00:00:00Z");
        p->since_us = r.lo * 1000;
        if (p->since_us == 0)
            p->since_us = 1;
    }
    return FG_OK;
}

/* How a version came to be, for entry.request (http.html#history). */
static const char *history_method(const struct fhir_resource *v)
{
    if (v->deleted)
        return "DELETE";
    return v->version == 1 ? "POST" : "PUT"; /* opaque upstream ids: not known, PUT */
}

static enum fg_status history_entry(struct fg_req *req, struct fg_buf *b, size_t i,
                                    const struct fhir_resource *v)
{
    struct fg_buf url, full;
    fg_buf_init(&url, FG_MAX_URL_BYTES);
    fg_buf_init(&full, FG_MAX_URL_BYTES);
    const char *method = history_method(v);
    bool post = method[0] == 'P' && method[1] == 'O';
    enum fg_status st = fg_buf_append_str(&url, v->type);
    if (st == FG_OK && !post)
        st = fg_buf_printf(&url, "/%.*s", (int)v->id.len, v->id.ptr);
    if (st == FG_OK)
        st = fhir_bundle_append_url(&full, fg_str_c(fg_req_base_url(req)), v->type, v->id, 0);
    const char *etag = fg_rest_etag_of(req->pool, v);
    struct fhir_bundle_entry e = {
        .full_url = fg_buf_str(&full),
        .resource = v->deleted ? FG_STR_NULL : v->json,
        .request_method = method,
        .request_url = fg_buf_str(&url),
        .response_status = fg_str_c(v->deleted ? "204 No Content"
                                    : post     ? "201 Created"
                                               : "200 OK"),
        .response_etag = fg_str_c(etag),
        .response_last_modified_us = v->last_updated_us,
    };
    if (st == FG_OK && !etag)
        st = FG_ENOMEM;
    if (st == FG_OK)
        st = fhir_bundle_entry(b, i, &e);
    fg_buf_cleanup(&url);
    fg_buf_cleanup(&full);
    return st;
}

/* "<base><path>?[_count=N&][_since=S&]_page=<key>" in the pool: the
 * request's own parameters, then where the page starts (a history.h key,
 * or "o" and the backend's opaque position). */
static enum fg_status page_link(struct fg_req *req, struct fg_str path,
                                const struct fhir_history_key *k, struct fg_str opaque,
                                struct fg_str *out)
{
    struct fg_buf b, key;
    fg_buf_init(&b, FG_MAX_URL_BYTES * 2);
    fg_buf_init(&key, FG_MAX_URL_BYTES);
    struct fg_str c = fg_req_query(req, "_count"), s = fg_req_query(req, "_since");
    enum fg_status st = fg_buf_printf(&b, "%s%.*s?", fg_req_base_url(req), (int)path.len,
                                      path.ptr);
    if (st == FG_OK && c.ptr)
        st = fg_buf_printf(&b, "_count=%.*s&", (int)c.len, c.ptr);
    if (st == FG_OK && s.ptr) {
        st = fg_buf_append_c(&b, "_since=");
        if (st == FG_OK)
            st = fg_buf_append_url_encoded(&b, s);
        if (st == FG_OK)
            st = fg_buf_append_char(&b, '&');
    }
    if (st == FG_OK)
        st = opaque.len ? fg_buf_printf(&key, "o%.*s", (int)opaque.len, opaque.ptr)
                        : fhir_history_key_write(k, &key);
    if (st == FG_OK)
        st = fg_buf_append_c(&b, "_page=");
    if (st == FG_OK)
        st = fg_buf_append_url_encoded(&b, fg_buf_str(&key));
    if (st == FG_OK) {
        *out = fg_pool_str(req->pool, fg_buf_str(&b));
        st = out->ptr ? FG_OK : FG_ENOMEM;
    }
    fg_buf_cleanup(&b);
    fg_buf_cleanup(&key);
    return st == FG_OK ? FG_OK : fg_error_set(&req->err, st, NULL, "a paging link is too long");
}

/* self (the request as made, on our base), next and previous. */
static enum fg_status history_links(struct fg_req *req, const struct fhir_history_result *h,
                                    struct fhir_bundle_link links[3], size_t *n)
{
    struct fg_str path = req->raw_target, tail;
    if (fg_str_starts_with(path, "/fhir"))
        path = fg_str_n(path.ptr + 5, path.len - 5);
    links[0] = (struct fhir_bundle_link){
        "self", fg_str_c(fg_pool_printf(req->pool, "%s%.*s", fg_req_base_url(req),
                                        (int)path.len, path.ptr))};
    if (!links[0].url.len)
        return fg_error_set(&req->err, FG_ENOMEM, NULL, "out of memory");
    *n = 1;
    fg_str_split(path, '?', &path, &tail);
    enum fg_status st = FG_OK;
    if (h->has_next) {
        links[*n].relation = "next";
        st = page_link(req, path, &h->next, h->next_opaque, &links[(*n)++].url);
    }
    if (st == FG_OK && h->has_prev) {
        links[*n].relation = "previous";
        st = page_link(req, path, &h->prev, h->prev_opaque, &links[(*n)++].url);
    }
    return st;
}

static enum fg_status history(struct fg_req *req, enum fg_interaction ia)
{
    struct fhir_store *store = NULL;
    struct fhir_history_result h = {0};
    struct history_params p = {0};
    struct fg_buf b;
    fg_buf_init(&b, FG_MAX_RESPONSE_BYTES);
    enum fg_status st = fg_access_authorize(req, ia, req->route_type, req->route_id);
    if (st == FG_OK)
        st = history_params(req, &p);
    if (st == FG_OK)
        st = fg_rest_store(req, &store);
    struct fhir_history_query hq = {p.since_us, p.count, p.has_page ? &p.page : NULL,
                                    p.page_opaque};
    if (st == FG_OK)
        st = fhir_store_history_page(store, req->pool, req->route_type, req->route_id, &hq, &h,
                                     &req->err);
    if (st == FG_OK)
        st = fg_access_filter_history(req, ia, &h);
    if (st != FG_OK)
        goto out;
    struct fhir_bundle_link links[3];
    size_t n_links = 0;
    st = history_links(req, &h, links, &n_links);
    if (st == FG_OK)
        st = fhir_bundle_begin(&b, "history", FG_STR_NULL, fg_clock_now_us(&req->srv->clock),
                               h.total, links, n_links);
    for (size_t i = 0; st == FG_OK && i < h.n_versions; i++)
        st = history_entry(req, &b, i, &h.versions[i]);
    if (st == FG_OK)
        st = fhir_bundle_end(&b, h.n_versions);
    if (st == FG_OK)
        st = fg_rest_send_buf(req, 200, &b);
    else
        fg_error_set(&req->err, st, NULL, "the history Bundle is larger than the limit");
out:
    fg_buf_cleanup(&b);
    return st;
}

enum fg_status fg_rest_history_instance(struct fg_req *req)
{
    return history(req, FG_IA_HISTORY_INSTANCE);
}

enum fg_status fg_rest_history_type(struct fg_req *req)
{
    return history(req, FG_IA_HISTORY_TYPE);
}

enum fg_status fg_rest_history_system(struct fg_req *req)
{
    return history(req, FG_IA_HISTORY_SYSTEM);
}
