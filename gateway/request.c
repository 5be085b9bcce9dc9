/* request.c - one HTTP request through libmicrohttpd: create, read the
 * body, dispatch, answer, log, free.
 *
 * MHD calls the access handler several times per request. The first call
 * only sets up (queueing a response there makes MHD close every keep-alive
 * connection, see toolchain-notes.md), calls with upload data append to
 * the body, and the last call (no upload data left) dispatches and queues
 * the answer. https://www.gnu.org/software/libmicrohttpd/manual/
 */
#include "request.h"

#include <stdatomic.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>

#include "../core/fg_limits.h"
#include "../fhir/search.h"
#include "audit_req.h"
#include "auth_http.h"
#include "auth_routes.h"
#include "cors.h"
#include "demo.h"
#include "negotiate.h"
#include "portal_wear.h"
#include "rest_import.h"
#include "server.h"
#include "spool.h"

/* Query pairs we decode per request; searches enforce their own limit. */
#define REQ_MAX_QUERY_PAIRS (FG_MAX_SEARCH_PARAMS * 2)

struct srv_req {
    struct fg_req req;        /* first: handlers see only this */
    bool started;             /* the set-up call happened */
    bool queued;              /* a response was queued */
    bool url_too_long;
    enum fg_status setup_st;  /* a bad request target found at set-up */
    int status_sent;
    size_t bytes_sent;
};

static void new_request_id(char out[24])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char raw[8];
    if (getrandom(raw, sizeof raw, GRND_NONBLOCK) != (ssize_t)sizeof raw) {
        /* Only an id for correlating logs: uniqueness, not secrecy. */
        int64_t t = fg_clock_mono_us();
        memcpy(raw, &t, sizeof raw);
    }
    for (size_t i = 0; i < sizeof raw; i++) {
        out[2 * i] = hex[raw[i] >> 4];
        out[2 * i + 1] = hex[raw[i] & 15];
    }
    out[2 * sizeof raw] = '\0';
}

void *fg_request_begin(void *cls, const char *uri, struct MHD_Connection *conn)
{
    struct fg_server *srv = cls;
    struct fg_pool *pool = fg_pool_new();
    if (!pool)
        return NULL;
    struct srv_req *sr = fg_pool_zalloc(pool, sizeof *sr);
    size_t ulen = uri ? strlen(uri) : 0;
    struct fg_str target = FG_STR_NULL;
    if (sr) {
        sr->url_too_long = ulen > FG_MAX_URL_BYTES;
        target = fg_pool_str(pool, fg_str_n(uri ? uri : "", sr->url_too_long ? 0 : ulen));
    }
    if (!sr || !target.ptr) {
        fg_pool_free(&pool);
        return NULL;
    }
    struct fg_req *req = &sr->req;
    req->srv = srv;
    req->pool = pool;
    req->conn = conn;
    req->raw_target = target;
    req->start_mono_us = fg_clock_mono_us();
    fg_buf_init(&req->body, (size_t)srv->cfg.max_body_bytes);
    new_request_id(req->request_id);
    atomic_fetch_add(&srv->in_flight, 1);
    return sr;
}

static enum fg_method parse_method(const char *m)
{
    static const struct {
        const char *name;
        enum fg_method method;
    } rows[] = {
        {"GET", FG_GET},       {"HEAD", FG_HEAD},   {"POST", FG_POST},       {"PUT", FG_PUT},
        {"DELETE", FG_DELETE}, {"PATCH", FG_PATCH}, {"OPTIONS", FG_OPTIONS},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        if (strcmp(m, rows[i].name) == 0)
            return rows[i].method;
    return FG_METHOD_OTHER;
}

/* True for %2F ('/') and %00: decoded, they would change how the path
 * splits into segments or end a C string early. */
static bool forbidden_escape(struct fg_str raw)
{
    for (size_t i = 0; i + 2 < raw.len; i++) {
        if (raw.ptr[i] != '%')
            continue;
        char a = raw.ptr[i + 1], b = raw.ptr[i + 2];
        if ((a == '2' && (b == 'f' || b == 'F')) || (a == '0' && b == '0'))
            return true;
    }
    return false;
}

static enum fg_status decode_path(struct fg_req *req, struct fg_str raw)
{
    char *dst = fg_pool_alloc(req->pool, raw.len + 1);
    size_t n = 0;
    if (!dst)
        return fg_error_set(&req->err, FG_ENOMEM, NULL, "out of memory");
    if (forbidden_escape(raw) || fg_url_decode(raw, false, dst, &n) != FG_OK)
        return fg_error_set(&req->err, FG_EINVAL, NULL,
                            "the request path has a bad or forbidden %%-escape");
    dst[n] = '\0';
    req->path = fg_str_n(dst, n);
    return FG_OK;
}

static enum fg_status parse_target(struct fg_req *req)
{
    struct fg_str raw_path, raw_query;
    if (fg_str_split(req->raw_target, '?', &raw_path, &raw_query))
        req->raw_query = raw_query;
    else
        req->raw_query = FG_STR_NULL;
    if (raw_path.len == 0 || raw_path.ptr[0] != '/')
        return fg_error_set(&req->err, FG_EINVAL, NULL,
                            "the request target must be an absolute path");
    enum fg_status st = decode_path(req, raw_path);
    if (st != FG_OK)
        return st;
    return fhir_form_parse(req->pool, req->raw_query, REQ_MAX_QUERY_PAIRS, &req->query,
                      &req->n_query, &req->err);
}

/* The body limit for this request: FHIR requests get max_body_bytes;
 * everything outside /fhir (the OAuth endpoints and pages, answered before
 * anyone is authenticated) the much tighter FG_MAX_BODY_BYTES_UNAUTH
 * (house style rule 11). */
static size_t body_limit(const struct fg_req *req)
{
    size_t limit = (size_t)req->srv->cfg.max_body_bytes;
    if (!fg_negotiate_is_fhir_path(req->path) && limit > FG_MAX_BODY_BYTES_UNAUTH)
        limit = FG_MAX_BODY_BYTES_UNAUTH;
    return limit;
}

/* The declared body is over the limit. */
static bool declared_too_large(struct fg_req *req)
{
    const char *cl = fg_req_header(req, MHD_HTTP_HEADER_CONTENT_LENGTH);
    int64_t n;
    if (!cl || fg_parse_i64(fg_str_c(cl), 0, INT64_MAX, &n) != FG_OK)
        return false;
    return (uint64_t)n > req->body.max;
}

static bool expects_continue(struct fg_req *req)
{
    const char *e = fg_req_header(req, MHD_HTTP_HEADER_EXPECT);
    return e && fg_str_ieq_c(fg_str_c(e), "100-continue");
}

static void set_up(struct srv_req *sr, const char *method)
{
    struct fg_req *req = &sr->req;
    req->method = parse_method(method);
    req->method_name = fg_pool_str(req->pool, fg_str_c(method));
    if (sr->url_too_long) {
        sr->setup_st = fg_error_set_http(&req->err, FG_ETOOBIG, 414, "too-costly", NULL,
                                         "the request target is longer than %u bytes",
                                         FG_MAX_URL_BYTES);
        return;
    }
    sr->setup_st = parse_target(req);
    req->body.max = body_limit(req); /* nothing is buffered yet */
    if (sr->setup_st == FG_OK && (fg_rest_import_is_upload(req) || fg_portal_wear_is_upload(req))) {
        /* A wearable export: to disk, under its own limit (spool.h). */
        uint64_t max = (uint64_t)req->srv->cfg.import_max_upload_bytes;
        sr->setup_st = fg_spool_open(req->pool, max, &req->spool, &req->err);
        req->body.max = (size_t)max;
    }
    if (declared_too_large(req))
        req->body_too_large = true;
}

static void append_body(struct fg_req *req, const char *data, size_t n)
{
    if (req->body_too_large)
        return;
    if (req->spool) {
        fg_spool_append(req->spool, data, n);
        req->body_too_large = req->spool->too_large;
        return;
    }
    if (fg_buf_append(&req->body, data, n) != FG_OK) {
        /* Over the limit (or out of memory): keep reading to answer on a
         * clean connection, but store nothing more. */
        req->body_too_large = true;
        fg_buf_cleanup(&req->body);
    }
}

/* ---- built-in endpoints (not part of the REST table) ---- */

static enum fg_status healthz(struct fg_req *req)
{
    fg_resp_set(req, 200, "application/json", FG_STR_LIT("{\"status\":\"ok\"}\n"));
    return FG_OK;
}

static enum fg_status bench_bare(struct fg_req *req)
{
    /* Normally answered before dispatch with a prebuilt response; this is
     * the HEAD path. */
    fg_resp_set(req, 200, "text/plain", FG_STR_LIT("ok\n"));
    return FG_OK;
}

static const struct fg_route builtin_routes[] = {
    {FG_GET, "/healthz", healthz},
    {FG_GET, "/_bench/bare", bench_bare},
    {FG_GET, "/demo", fg_demo_handler},
    {FG_GET, "/demo/", fg_demo_handler},
    {FG_GET, "/demo/{any}", fg_demo_handler},
};
#define N_BUILTIN (sizeof builtin_routes / sizeof builtin_routes[0])

enum fg_status fg_request_prepare_routes(struct fg_server *srv)
{
    enum fg_status st = fg_router_prepare(&srv->routers[0], builtin_routes, N_BUILTIN);
    if (st == FG_OK)
        st = fg_router_prepare(&srv->routers[1], fg_auth_routes, fg_auth_routes_count);
    if (st == FG_OK)
        st = fg_router_prepare(&srv->routers[2], srv->routes, srv->n_routes);
    return st;
}

static enum fg_status route_error(struct fg_req *req, const struct fg_route *routes,
                                  size_t n_routes, enum fg_route_match m)
{
    int n = (int)(req->path.len > 200 ? 200 : req->path.len);
    if (m == FG_ROUTE_BAD_METHOD) {
        const char *allow = fg_router_allowed(routes, n_routes, req);
        if (allow)
            fg_resp_header(req, "Allow", allow);
        return fg_error_set_http(&req->err, FG_ENOTSUP, 405, "not-supported", NULL,
                                 "method %.*s is not allowed on %.*s",
                                 (int)(req->method_name.len > 16 ? 16 : req->method_name.len),
                                 req->method_name.ptr, n, req->path.ptr);
    }
    return fg_error_set_http(&req->err, FG_ENOTFOUND, 404, "not-found", NULL,
                             "no endpoint at %.*s", n, req->path.ptr);
}

/* Runs the checks and the handler; afterwards req->resp is set. */
static void dispatch(struct srv_req *sr)
{
    struct fg_req *req = &sr->req;
    fg_handler handler = NULL;
    enum fg_status st = sr->setup_st;
    if (st == FG_OK && req->body_too_large) {
        if (!fg_negotiate_is_fhir_path(req->path)) {
            fg_auth_oauth_error(req, 413, "invalid_request", "the request body is too large");
            return;
        }
        st = fg_error_set(&req->err, FG_ETOOBIG, NULL,
                          "the request body is larger than the limit of %lld bytes "
                          "(max_body_bytes)",
                          (long long)req->body.max);
    }
    if (st == FG_OK && fg_cors_preflight(req))
        return;
    if (st == FG_OK) {
        const struct fg_router *r = &req->srv->routers[0]; /* built-in */
        enum fg_route_match m = fg_router_find(r, req, &handler);
        if (m == FG_ROUTE_NO_PATH) {
            r = &req->srv->routers[1]; /* auth */
            m = fg_router_find(r, req, &handler);
        }
        if (m == FG_ROUTE_NO_PATH) {
            r = &req->srv->routers[2]; /* REST */
            st = fg_negotiate_response(req);
            if (st == FG_OK)
                m = fg_router_find(r, req, &handler);
        }
        if (st == FG_OK && m != FG_ROUTE_FOUND)
            st = route_error(req, r->routes, r->n, m);
    }
    if (st == FG_OK)
        st = fg_negotiate_request_body(req);
    if (st == FG_OK)
        st = handler(req);
    if (st == FG_OK && req->resp.status == 0)
        st = fg_error_set(&req->err, FG_EIO, NULL, "the handler set no response");
    if (st != FG_OK && req->resp.status == 0)
        fg_resp_outcome(req);
    fg_cors_apply(req);
}

static enum MHD_Result queue(struct srv_req *sr, struct MHD_Response *r, int status,
                             size_t bytes)
{
    enum MHD_Result ret = MHD_queue_response(sr->req.conn, (unsigned)status, r);
    sr->queued = true;
    sr->status_sent = status;
    sr->bytes_sent = sr->req.method == FG_HEAD ? 0 : bytes;
    return ret;
}

static enum MHD_Result respond(struct srv_req *sr)
{
    struct fg_req *req = &sr->req;
    struct fg_resp *resp = &req->resp;
    /* The pool dies at completion, possibly before MHD is done with the
     * response object: MHD keeps its own copy of the body. */
    size_t bytes = resp->body_fd > 0 ? (size_t)resp->body_fd_size : resp->body.len;
    struct MHD_Response *r =
        resp->body_fd > 0
            ? MHD_create_response_from_fd(resp->body_fd_size, resp->body_fd)
            : MHD_create_response_from_buffer(resp->body.len,
                                              (void *)(resp->body.len ? resp->body.ptr : ""),
                                              MHD_RESPMEM_MUST_COPY);
    if (!r && resp->body_fd > 0)
        close(resp->body_fd);
    resp->body_fd = 0; /* MHD closes it with the response */
    if (!r)
        return MHD_NO;
    const char *ct = resp->content_type ? resp->content_type : FG_CT_FHIR_JSON;
    if (bytes || resp->content_type)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ct);
    for (size_t i = 0; i < resp->n_headers; i++) {
        if (MHD_add_response_header(r, resp->headers[i].name, resp->headers[i].value) != MHD_YES)
            fg_log_write(&req->srv->log, "bad-response-header",
                         (struct fg_log_field[]){FG_LF_CSTR("name", resp->headers[i].name),
                                                 FG_LF_CSTR("request_id", req->request_id)},
                         2);
    }
    MHD_add_response_header(r, "X-Request-Id", req->request_id);
    enum MHD_Result ret = queue(sr, r, resp->status, bytes);
    MHD_destroy_response(r);
    return ret;
}

static bool is_bench(const struct fg_req *req)
{
    return req->method == FG_GET && fg_str_eq_c(req->path, "/_bench/bare");
}

enum MHD_Result fg_request_handle(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **req_cls)
{
    (void)cls;
    (void)url;
    (void)version;
    struct srv_req *sr = *req_cls;
    if (!sr)
        return MHD_NO;
    sr->req.conn = conn;
    if (!sr->started) {
        sr->started = true;
        set_up(sr, method);
        /* A client waiting for "100 Continue" has sent no body yet: refuse
         * now instead of reading what we would throw away. */
        if (sr->req.body_too_large && expects_continue(&sr->req)) {
            dispatch(sr);
            return respond(sr);
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        append_body(&sr->req, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (sr->queued)
        return MHD_YES;
    if (sr->setup_st == FG_OK && is_bench(&sr->req))
        return queue(sr, sr->req.srv->bench_resp, 200, 3);
    dispatch(sr);
    return respond(sr);
}

/* The path as sent plus only the names of query parameters: values can
 * hold identifiers or secrets and stay out of the log. */
static struct fg_str log_path(const struct fg_req *req)
{
    struct fg_buf b;
    fg_buf_init(&b, FG_MAX_URL_BYTES + 1);
    struct fg_str path, query, pair, rest;
    fg_str_split(req->raw_target, '?', &path, &query);
    enum fg_status st = fg_buf_append_str(&b, path);
    bool first = true;
    rest = query;
    while (st == FG_OK && rest.len) {
        fg_str_split(rest, '&', &pair, &rest);
        struct fg_str name, value;
        bool has_value = fg_str_split(pair, '=', &name, &value);
        st = fg_buf_append_char(&b, first ? '?' : '&');
        if (st == FG_OK)
            st = fg_buf_append_str(&b, name);
        if (st == FG_OK && has_value)
            st = fg_buf_append_char(&b, '=');
        first = false;
    }
    struct fg_str out = st == FG_OK ? fg_pool_str(req->pool, fg_buf_str(&b)) : FG_STR_NULL;
    fg_buf_cleanup(&b);
    return out.ptr ? out : path;
}

void fg_request_end(void *cls, struct MHD_Connection *conn, void **req_cls,
                    enum MHD_RequestTerminationCode toe)
{
    (void)conn;
    struct fg_server *srv = cls;
    struct srv_req *sr = *req_cls;
    if (!sr)
        return;
    *req_cls = NULL;
    struct fg_req *req = &sr->req;
    int64_t us = fg_clock_mono_us() - req->start_mono_us;
    if (srv->access_log.out) {
        struct fg_log_field f[] = {
            FG_LF_STR("method", req->method_name),
            FG_LF_STR("path", log_path(req)),
            FG_LF_INT("status", sr->status_sent),
            FG_LF_INT("bytes", sr->bytes_sent),
            FG_LF_INT("us", us),
            FG_LF_CSTR("request_id", req->request_id),
            FG_LF_INT("termination", toe),
        };
        size_t n = sizeof f / sizeof f[0];
        if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
            n--;
        fg_log_write(&srv->access_log, "access", f, n);
    }
    if (sr->queued)
        fg_audit_request(req, sr->status_sent); /* the one audit hook of /fhir interactions */
    fg_buf_cleanup(&req->body);
    struct fg_pool *pool = req->pool;
    fg_pool_free(&pool);
    atomic_fetch_sub(&srv->in_flight, 1);
}
