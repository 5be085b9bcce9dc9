/* rest.h - the FHIR REST interactions (internal to gateway/).
 *
 * The handlers routes.c maps URLs to, and the helpers they share: version
 * ETags, HTTP dates, JSON body parsing under the depth limit, Prefer
 * headers, and answering with a stored resource. Every handler asks the
 * policy seam (access.h) before it touches the store.
 * Spec: http://hl7.org/fhir/R4/http.html
 */
#ifndef FG_REST_H
#define FG_REST_H

#include <stdbool.h>
#include <stdint.h>

#include <cJSON.h>

#include "../fhir/store.h"
#include "http.h"

/* ---- handlers (fg_handler) ----
 * Each answers per http.html and fills req->err on failure (house style
 * rule 5). @test tests/integration/cases/rest/ (one case file per
 * behaviour: crud-round-trip, vread-history, if-none-match-304,
 * if-match-412, conditional-create, prefer-return, malformed-json, ...). */
enum fg_status fg_rest_metadata(struct fg_req *req);          /* conformance: capability */
enum fg_status fg_rest_read(struct fg_req *req);              /* rest_read.c */
enum fg_status fg_rest_vread(struct fg_req *req);
enum fg_status fg_rest_history_instance(struct fg_req *req);
enum fg_status fg_rest_history_type(struct fg_req *req);
enum fg_status fg_rest_history_system(struct fg_req *req);
enum fg_status fg_rest_create(struct fg_req *req);            /* rest_write.c */
enum fg_status fg_rest_update(struct fg_req *req);
enum fg_status fg_rest_delete(struct fg_req *req);
enum fg_status fg_rest_update_conditional(struct fg_req *req);
enum fg_status fg_rest_delete_conditional(struct fg_req *req);
enum fg_status fg_rest_patch(struct fg_req *req);             /* JSON Patch */
enum fg_status fg_rest_patch_conditional(struct fg_req *req); /* PATCH [type]?[search] */
enum fg_status fg_rest_search_get(struct fg_req *req);        /* rest_search.c */
enum fg_status fg_rest_search_post(struct fg_req *req);
enum fg_status fg_rest_bundle(struct fg_req *req);            /* rest_bundle.c */
enum fg_status fg_rest_docref_get(struct fg_req *req);        /* rest_docref.c */
enum fg_status fg_rest_docref_post(struct fg_req *req);
enum fg_status fg_rest_everything_get(struct fg_req *req);    /* rest_everything.c */
enum fg_status fg_rest_everything_post(struct fg_req *req);   /* (Parameters body) */
enum fg_status fg_rest_unknown_type(struct fg_req *req);      /* rest_common.c */

/* Runs a type-level search (authorize, parse, narrow, store, filter) and
 * appends its searchset Bundle text to out. Failures fill req->err.
 * Used by GET/POST _search and by GET entries of a batch or transaction. */
struct fhir_kv;
enum fg_status fg_rest_search_run(struct fg_req *req, struct fg_str type,
                                  const struct fhir_kv *pairs, size_t n, struct fg_buf *out);

/* The same, with the matches (authorized, in sort order) narrowed by
 * select before the Bundle is written: it keeps some of them in place
 * and returns how many; total then counts those. Used by operations that
 * amount to a search ($docref). */
typedef size_t fg_rest_select(const void *ctx, struct fhir_resource *res, size_t n);
enum fg_status fg_rest_search_run_select(struct fg_req *req, struct fg_str type,
                                         const struct fhir_kv *pairs, size_t n,
                                         fg_rest_select *select, const void *ctx,
                                         struct fg_buf *out);

/* ---- helpers (rest_common.c) ---- */

/* "W/\"<version>\"" in the pool; NULL on no memory. */
char *fg_rest_etag(struct fg_pool *pool, int64_t version);

/* Parses one entity tag naming a version: W/"3", "3" (white space around
 * allowed). FG_EINVAL otherwise; on failure *version is untouched.
 * @test tests/unit/gateway/rest_common_test.c */
enum fg_status fg_rest_etag_parse(struct fg_str s, int64_t *version);

/* "W/\"<version id>\"" of a stored version (integer or an upstream's opaque
 * id) in the pool; NULL on no memory or when res has no version. */
char *fg_rest_etag_of(struct fg_pool *pool, const struct fhir_resource *res);

/* Parses one entity tag naming any version id (a FHIR id): W/"abc-1".
 * *id borrows s. FG_EINVAL otherwise; on failure *id is untouched. */
enum fg_status fg_rest_etag_parse_id(struct fg_str s, struct fg_str *id);

/* fg_rest_etag_list_matches for a stored version, whatever its id's form. */
bool fg_rest_etag_list_matches_res(struct fg_str header, const struct fhir_resource *res);

/* Does an If-None-Match value ("*", or a comma-separated list of tags)
 * match the version? @test tests/unit/gateway/rest_common_test.c */
bool fg_rest_etag_list_matches(struct fg_str header, int64_t version);

/* RFC 9110 IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") for t (µs). */
#define FG_HTTP_DATE_MAX 32
void fg_rest_http_date(int64_t t_us, char out[FG_HTTP_DATE_MAX]);

/* Checks that body is one JSON value of valid UTF-8 nested at most
 * FG_MAX_JSON_DEPTH deep and parses it. The tree belongs to the request
 * pool (deleted with it). FG_EINVAL with req->err naming `what` and the
 * byte offset of the first bad byte.
 * @test tests/unit/gateway/rest_common_test.c */
enum fg_status fg_rest_parse_json(struct fg_req *req, struct fg_str body, const char *what,
                                  cJSON **out);

/* Parses the request body as a resource whose resourceType must be
 * `type` (400 naming "resourceType" otherwise). Tree pool-owned. */
enum fg_status fg_rest_parse_resource(struct fg_req *req, struct fg_str type, cJSON **out);

/* Checks a parsed value is a resource of `type` (expression names where,
 * e.g. "Bundle.entry[2].resource"). FG_EINVAL with req->err filled. */
enum fg_status fg_rest_check_resource_type(struct fg_req *req, const cJSON *res,
                                           struct fg_str type, const char *where);

/* Prints a tree into the pool (unformatted). FG_ENOMEM. */
enum fg_status fg_rest_print(struct fg_req *req, const cJSON *tree, struct fg_str *out);

/* Prefer: return=minimal | representation (default) | OperationOutcome. */
enum fg_prefer_return { FG_RETURN_REPRESENTATION, FG_RETURN_MINIMAL, FG_RETURN_OUTCOME };
enum fg_prefer_return fg_rest_prefer_return(const struct fg_req *req);
/* Prefer: handling=strict? (lenient otherwise) */
bool fg_rest_prefer_strict(const struct fg_req *req);
/* Pure parsers of a Prefer header value, for tests. */
enum fg_prefer_return fg_rest_prefer_return_parse(struct fg_str prefer);
bool fg_rest_prefer_strict_parse(struct fg_str prefer);

/* Answers with the buffer's contents (taken: the buffer is left empty
 * and its bytes die with the request pool). FG_ENOMEM. */
enum fg_status fg_rest_send_buf(struct fg_req *req, int status, struct fg_buf *b);

/* Adds ETag, Last-Modified and (with location) Location
 * "<base>/<type>/<id>/_history/<v>" for a stored version. */
enum fg_status fg_rest_version_headers(struct fg_req *req, const struct fhir_resource *res,
                                       bool location);

/* Answers with a stored resource: its JSON text as stored (fast path), or
 * parsed, subsetted and printed when the request asks for _summary or
 * _elements. Sets status and the version headers. */
enum fg_status fg_rest_send_resource(struct fg_req *req, int status,
                                     const struct fhir_resource *res);

/* Makes a subsetted copy of a stored resource's text per the query
 * (_summary / _elements); *out = res->json when nothing is asked. */
enum fg_status fg_rest_subset_text(struct fg_req *req, const struct fhir_resource *res,
                                   enum fhir_summary summary, const struct fg_str *elements,
                                   size_t n_elements, struct fg_str *out);

/* Answers 200 with an informational OperationOutcome. */
enum fg_status fg_rest_send_info(struct fg_req *req, int status, struct fg_str diagnostics);

/* GET /_bench/read/{type}/{id}: the read path without authorization, the
 * baseline `make bench` compares the authenticated read with. 404 unless
 * the server runs with bench_endpoints = 1 (never in production). */
enum fg_status fg_rest_bench_read(struct fg_req *req);

/* The store, or FG_EIO (503-style error) when the server runs without one. */
enum fg_status fg_rest_store(struct fg_req *req, struct fhir_store **out);

/* A fresh server-assigned id (32 lower-case hex digits) in the pool. */
enum fg_status fg_rest_new_id(struct fg_req *req, struct fg_str *out);

#endif
