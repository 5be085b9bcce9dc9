/* http.h - the request context and response API every handler uses.
 *
 * The server (server.c) creates a struct fg_req when a request arrives,
 * with a memory pool that is freed once when the request completes
 * (house style rule 8): handlers never free request data. A handler fills
 * the response through fg_resp_*; when it returns a status other than
 * FG_OK without having set a response, the server answers with an
 * OperationOutcome built from req->err.
 */
#ifndef FG_HTTP_H
#define FG_HTTP_H

#include <stdbool.h>
#include <stdint.h>

#include "../core/fg_buf.h"
#include "../core/fg_error.h"
#include "../core/fg_pool.h"
#include "../core/fg_str.h"
#include "../fhir/search.h"

struct fg_server;
struct fg_spool;
struct MHD_Connection;
struct smart_access;

enum fg_method {
    FG_GET,
    FG_HEAD,
    FG_POST,
    FG_PUT,
    FG_DELETE,
    FG_PATCH,
    FG_OPTIONS,
    FG_METHOD_OTHER
};

struct fg_header {
    const char *name;  /* pool-owned or static */
    const char *value; /* pool-owned or static */
};

#define FG_RESP_MAX_HEADERS 24

struct fg_resp {
    int status;                 /* 0 = not set yet */
    const char *content_type;   /* static or pool-owned */
    struct fg_str body;         /* pool-owned (or static) bytes */
    struct fg_header headers[FG_RESP_MAX_HEADERS];
    size_t n_headers;
    int body_fd;                /* > 0: send this open file (body_fd_size bytes) instead of
                                   body; the server closes it. Set last, when nothing can fail */
    uint64_t body_fd_size;
};

struct fg_req {
    struct fg_server *srv;          /* borrowed */
    struct fg_pool *pool;           /* owns everything below */
    struct MHD_Connection *conn;    /* borrowed; valid during the request */
    enum fg_method method;
    struct fg_str method_name;
    struct fg_str raw_target;       /* the request target as sent, path + '?' + query */
    struct fg_str path;             /* percent-decoded path, no query */
    struct fg_str raw_query;        /* undecoded query string without '?' */
    struct fhir_kv *query;          /* decoded query pairs, in order */
    size_t n_query;
    /* Filled by the router from the matched pattern (empty when absent). */
    struct fg_str route_type;       /* {type}: a known resource type */
    struct fg_str route_id;         /* {id} */
    struct fg_str route_vid;        /* {vid} */
    struct fg_str route_op;         /* {op}: "$everything" without the '$' */
    struct fg_buf body;             /* capped at the configured body limit */
    struct fg_spool *spool;         /* instead of body for large uploads (spool.h); else NULL */
    bool body_too_large;
    char request_id[24];
    int64_t start_mono_us;
    struct fg_error err;
    struct fg_resp resp;
    /* Set by gateway/access.c once the bearer token is verified; NULL when
     * unauthenticated. Read it only through smart/policy.h's functions. */
    const struct smart_access *auth; /* pool-owned */
};

/* Returns a request header's value (NUL-terminated, borrowed from MHD for
 * the request's life), or NULL. Case-insensitive name. */
const char *fg_req_header(const struct fg_req *req, const char *name);

/* Returns the first decoded query parameter named `name`, or an empty
 * slice with ptr NULL. */
struct fg_str fg_req_query(const struct fg_req *req, const char *name);

/* Sets the response status, content type and body (pool-owned or static:
 * the body is not copied). */
void fg_resp_set(struct fg_req *req, int status, const char *content_type, struct fg_str body);

/* Adds a response header; name and value must be static or pool-owned.
 * FG_ETOOBIG past FG_RESP_MAX_HEADERS. */
enum fg_status fg_resp_header(struct fg_req *req, const char *name, const char *value);

/* Answers with an OperationOutcome built from req->err (status from
 * fg_error_http_status). Always succeeds in setting a response. */
void fg_resp_outcome(struct fg_req *req);

/* A route handler. Returns FG_OK when it has set req->resp; otherwise
 * req->err describes the failure and the server answers with it. */
typedef enum fg_status (*fg_handler)(struct fg_req *req);

/* The FHIR base URL of this server, e.g. "http://127.0.0.1:8080/fhir"
 * (no trailing slash); static for the server's life. */
const char *fg_req_base_url(const struct fg_req *req);

#endif
