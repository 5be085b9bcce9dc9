/* rest_search.c - type-level search by GET and by POST .../_search (form
 * body plus URL query, combined), answered with a searchset Bundle whose
 * self/next/previous links carry the canonical query and a paging cursor.
 * http://hl7.org/fhir/R4/search.html , http://hl7.org/fhir/R4/http.html#search */
#include <string.h>

#include "../core/fg_limits.h"
#include "../fhir/bundle.h"
#include "access.h"
#include "negotiate.h"
#include "rest.h"

/* The pairs of a POST _search: the form body's, then the URL query's
 * (search.html#search: "the parameters from both are combined"). */
static enum fg_status post_pairs(struct fg_req *req, struct fhir_kv **pairs, size_t *n)
{
    static const char *const form[] = {"application/x-www-form-urlencoded", NULL};
    struct fhir_kv *body_pairs = NULL;
    size_t n_body = 0;
    if (req->body.len) {
        const char *ct = fg_req_header(req, "Content-Type");
        if (!ct || !fg_negotiate_content_type_is(fg_str_c(ct), form))
            return fg_error_set_http(&req->err, FG_EFORMAT, 415, "not-supported",
                                     "Content-Type",
                                     "POST _search takes an application/x-www-form-urlencoded "
                                     "body");
        enum fg_status st = fhir_form_parse(req->pool, fg_buf_str(&req->body),
                                            FG_MAX_SEARCH_PARAMS * 2, &body_pairs, &n_body,
                                            &req->err);
        if (st != FG_OK)
            return st;
    }
    if (n_body > SIZE_MAX / sizeof **pairs - req->n_query - 1)
        return fg_error_set(&req->err, FG_ETOOBIG, NULL, "too many search parameters");
    struct fhir_kv *all = fg_pool_alloc(req->pool, (n_body + req->n_query + 1) * sizeof *all);
    if (!all)
        return fg_error_set(&req->err, FG_ENOMEM, NULL, "out of memory");
    if (n_body)
        memcpy(all, body_pairs, n_body * sizeof *all);
    if (req->n_query)
        memcpy(all + n_body, req->query, req->n_query * sizeof *all);
    *pairs = all;
    *n = n_body + req->n_query;
    return FG_OK;
}

/* "<base>/<type>?<canonical query>[&_cursor=<cursor>]" in the pool. */
static enum fg_status page_link(struct fg_req *req, const struct fhir_query *q,
                                struct fg_str canonical, struct fg_str cursor,
                                struct fg_str *out)
{
    struct fg_buf b;
    fg_buf_init(&b, FG_MAX_URL_BYTES * 4);
    enum fg_status st = fhir_bundle_append_url(&b, fg_str_c(fg_req_base_url(req)), q->type,
                                               FG_STR_NULL, 0);
    if (st == FG_OK && (canonical.len || cursor.len))
        st = fg_buf_append_char(&b, '?');
    if (st == FG_OK)
        st = fg_buf_append_str(&b, canonical);
    if (st == FG_OK && cursor.len) {
        st = fg_buf_append_c(&b, canonical.len ? "&_cursor=" : "_cursor=");
        if (st == FG_OK)
            st = fg_buf_append_url_encoded(&b, cursor);
    }
    if (st == FG_OK) {
        *out = fg_pool_str(req->pool, fg_buf_str(&b));
        if (!out->ptr)
            st = FG_ENOMEM;
    }
    fg_buf_cleanup(&b);
    return st == FG_OK ? FG_OK : fg_error_set(&req->err, st, NULL, "a paging link is too long");
}

static enum fg_status build_links(struct fg_req *req, const struct fhir_query *q,
                                  const struct fhir_search_result *r,
                                  struct fhir_bundle_link links[3], size_t *n)
{
    struct fg_buf canon;
    fg_buf_init(&canon, FG_MAX_URL_BYTES * 4);
    enum fg_status st = fhir_search_write_query(q, &canon);
    struct fg_str c = fg_buf_str(&canon);
    *n = 0;
    if (st != FG_OK)
        st = fg_error_set(&req->err, st, NULL, "the search is too long to write back");
    if (st == FG_OK) {
        links[*n].relation = "self";
        st = page_link(req, q, c, r->self_cursor, &links[(*n)++].url);
    }
    if (st == FG_OK && r->next_cursor.len) {
        links[*n].relation = "next";
        st = page_link(req, q, c, r->next_cursor, &links[(*n)++].url);
    }
    if (st == FG_OK && r->prev_cursor.len) {
        links[*n].relation = "previous";
        st = page_link(req, q, c, r->prev_cursor, &links[(*n)++].url);
    }
    fg_buf_cleanup(&canon);
    return st;
}

static enum fg_status add_entries(struct fg_req *req, struct fg_buf *b, size_t *i,
                                  const struct fhir_query *q, const struct fhir_resource *res,
                                  size_t n, const char *mode)
{
    bool subset = mode[0] == 'm';
    struct fg_buf url;
    fg_buf_init(&url, FG_MAX_URL_BYTES);
    enum fg_status st = FG_OK;
    for (size_t k = 0; st == FG_OK && k < n; k++) {
        struct fhir_bundle_entry e = {.search_mode = mode, .resource = res[k].json};
        fg_buf_reset(&url);
        st = fhir_bundle_append_url(&url, fg_str_c(fg_req_base_url(req)), res[k].type,
                                    res[k].id, 0);
        if (st == FG_OK && subset)
            st = fg_rest_subset_text(req, &res[k], q->summary, q->elements, q->n_elements,
                                     &e.resource);
        e.full_url = fg_buf_str(&url);
        if (st == FG_OK)
            st = fhir_bundle_entry(b, (*i)++, &e);
    }
    fg_buf_cleanup(&url);
    return st;
}

/* The searchset Bundle text of a result (links, total, entries). */
static enum fg_status write_searchset(struct fg_req *req, const struct fhir_query *q,
                                      const struct fhir_search_result *r, struct fg_buf *b)
{
    struct fhir_bundle_link links[3];
    size_t n_links = 0, i = 0;
    int64_t total = q->total == FHIR_TOTAL_NONE ? -1 : r->total;
    enum fg_status st = build_links(req, q, r, links, &n_links);
    if (st != FG_OK)
        return st;
    st = fhir_bundle_begin(b, "searchset", FG_STR_NULL, 0, total, links, n_links);
    if (st == FG_OK && q->summary != FHIR_SUMMARY_COUNT) {
        st = add_entries(req, b, &i, q, r->matches, r->n_matches, "match");
        if (st == FG_OK)
            st = add_entries(req, b, &i, q, r->included, r->n_included, "include");
    }
    if (st == FG_OK)
        st = fhir_bundle_end(b, i);
    if (st != FG_OK)
        fg_error_set(&req->err, FG_ETOOBIG, NULL,
                     "the search result is larger than the response limit: use _count");
    return st;
}

enum fg_status fg_rest_search_run(struct fg_req *req, struct fg_str type,
                                  const struct fhir_kv *pairs, size_t n, struct fg_buf *out)
{
    return fg_rest_search_run_select(req, type, pairs, n, NULL, NULL, out);
}

enum fg_status fg_rest_search_run_select(struct fg_req *req, struct fg_str type,
                                         const struct fhir_kv *pairs, size_t n,
                                         fg_rest_select *select, const void *ctx,
                                         struct fg_buf *out)
{
    struct fhir_store *store = NULL;
    struct fhir_query q;
    struct fhir_search_result r = {0};
    memset(&q, 0, sizeof q);
    enum fhir_search_handling handling =
        fg_rest_prefer_strict(req) ? FHIR_HANDLING_STRICT : FHIR_HANDLING_LENIENT;
    enum fg_status st = fg_access_authorize(req, FG_IA_SEARCH_TYPE, type, FG_STR_NULL);
    if (st == FG_OK)
        st = fg_rest_store(req, &store);
    if (st == FG_OK)
        st = fhir_search_parse(req->pool, type, fg_str_c(fg_req_base_url(req)), pairs, n,
                               handling, &q, &req->err);
    if (st == FG_OK)
        st = fg_access_narrow_query(req, &q);
    if (st == FG_OK)
        st = fhir_store_search(store, req->pool, &q, &r, &req->err);
    if (st == FG_OK)
        st = fg_access_filter_search(req, &q, &r);
    if (st == FG_OK && select) {
        r.n_matches = select(ctx, r.matches, r.n_matches);
        if (r.total >= 0)
            r.total = (int64_t)r.n_matches;
    }
    return st == FG_OK ? write_searchset(req, &q, &r, out) : st;
}

static enum fg_status search(struct fg_req *req, const struct fhir_kv *pairs, size_t n)
{
    struct fg_buf b;
    fg_buf_init(&b, FG_MAX_RESPONSE_BYTES);
    enum fg_status st = fg_rest_search_run(req, req->route_type, pairs, n, &b);
    if (st == FG_OK)
        st = fg_rest_send_buf(req, 200, &b);
    fg_buf_cleanup(&b);
    return st;
}

enum fg_status fg_rest_search_get(struct fg_req *req)
{
    return search(req, req->query, req->n_query);
}

enum fg_status fg_rest_search_post(struct fg_req *req)
{
    struct fhir_kv *pairs = NULL;
    size_t n = 0;
    enum fg_status st = post_pairs(req, &pairs, &n);
    return st == FG_OK ? search(req, pairs, n) : st;
}
