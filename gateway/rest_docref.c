/* rest_docref.c - GET and POST /fhir/DocumentReference/$docref (US Core
 * Fetch DocumentReference): the operation's parameters from the query or
 * a Parameters body, answered with a searchset Bundle of existing
 * documents. What the parameters mean here: fhir/docref.h.
 * http://hl7.org/fhir/us/core/STU7/OperationDefinition-docref.html */
#include "../fhir/docref.h"
#include "../core/fg_limits.h"
#include "negotiate.h"
#include "rest.h"

static size_t select_docs(const void *ctx, struct fhir_resource *res, size_t n)
{
    return fhir_docref_select(ctx, res, n);
}

static enum fg_status answer(struct fg_req *req, const struct fhir_docref_params *p)
{
    struct fhir_kv *pairs = NULL;
    size_t n = 0;
    struct fg_buf b;
    fg_buf_init(&b, FG_MAX_RESPONSE_BYTES);
    enum fg_status st = fhir_docref_search_pairs(req->pool, p, &pairs, &n);
    if (st != FG_OK)
        st = fg_error_set(&req->err, st, NULL, "out of memory");
    if (st == FG_OK)
        st = fg_rest_search_run_select(req, fg_str_c("DocumentReference"), pairs, n, select_docs,
                                       p, &b);
    if (st == FG_OK)
        st = fg_rest_send_buf(req, 200, &b);
    fg_buf_cleanup(&b);
    return st;
}

enum fg_status fg_rest_docref_get(struct fg_req *req)
{
    struct fhir_docref_params p;
    enum fg_status st = fhir_docref_from_pairs(req->query, req->n_query,
                                               fg_rest_prefer_strict(req), &p, &req->err);
    return st == FG_OK ? answer(req, &p) : st;
}

enum fg_status fg_rest_docref_post(struct fg_req *req)
{
    cJSON *body = NULL;
    struct fhir_docref_params p;
    enum fg_status st = fg_rest_parse_resource(req, fg_str_c("Parameters"), &body);
    if (st == FG_OK)
        st = fhir_docref_from_parameters(req->pool, body, fg_rest_prefer_strict(req), &p,
                                         &req->err);
    return st == FG_OK ? answer(req, &p) : st;
}
