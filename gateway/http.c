/* http.c - the request accessors and response setters of http.h. */
#include "http.h"

#include <microhttpd.h>
#include <string.h>

#include "../fhir/outcome.h"
#include "negotiate.h"
#include "server.h"

/* Big enough for any fg_error (diagnostics and expression are bounded). */
#define OUTCOME_MAX 4096

const char *fg_req_header(const struct fg_req *req, const char *name)
{
    if (!req->conn)
        return NULL;
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

struct fg_str fg_req_query(const struct fg_req *req, const char *name)
{
    for (size_t i = 0; i < req->n_query; i++)
        if (fg_str_eq_c(req->query[i].name, name))
            return req->query[i].value;
    return FG_STR_NULL;
}

void fg_resp_set(struct fg_req *req, int status, const char *content_type, struct fg_str body)
{
    req->resp.status = status;
    req->resp.content_type = content_type;
    req->resp.body = body;
}

enum fg_status fg_resp_header(struct fg_req *req, const char *name, const char *value)
{
    if (req->resp.n_headers >= FG_RESP_MAX_HEADERS)
        return FG_ETOOBIG;
    req->resp.headers[req->resp.n_headers++] = (struct fg_header){name, value};
    return FG_OK;
}

void fg_resp_outcome(struct fg_req *req)
{
    static const char fallback[] = "{\"resourceType\":\"OperationOutcome\",\"issue\":"
                                   "[{\"severity\":\"error\",\"code\":\"exception\"}]}";
    if (req->err.status == FG_OK)
        fg_error_set(&req->err, FG_EIO, NULL, "the handler failed without describing why");
    struct fg_buf b;
    fg_buf_init(&b, OUTCOME_MAX);
    struct fg_str body = FG_STR_LIT(fallback);
    if (fhir_outcome_write_error(&req->err, &b) == FG_OK) {
        struct fg_str copy = fg_pool_str(req->pool, fg_buf_str(&b));
        if (copy.ptr)
            body = copy;
    }
    fg_buf_cleanup(&b);
    fg_resp_set(req, fg_error_http_status(&req->err), FG_CT_FHIR_JSON, body);
}

const char *fg_req_base_url(const struct fg_req *req)
{
    return req->srv->cfg.base_url;
}
