/* rest_everything.c - GET and POST /fhir/Patient/{id}/$everything and
 * /fhir/Patient/$everything: the patient's record as one paged searchset.
 * http://hl7.org/fhir/R4/patient-operation-everything.html
 *
 * A page runs, type after type (fhir/everything.h), the same pipeline as a
 * search: parse, confine to the patient's compartment (instance level: the
 * operation's own definition), narrow by the policy, store, filter by the
 * policy (matches as searches, included resources as _include). No
 * permission is decided here: the policy seam says which types the request
 * may search in the patient's compartment, and refuses when none
 * (fg_access_span_types: types not granted are left out, not refused; a
 * patient outside the token's reach is 404, no type granted 403). Audited
 * once, as the operation "everything" on Patient/{id} (audit_req.c). */
#include <string.h>

#include "../core/fg_limits.h"
#include "../fhir/bundle.h"
#include "../fhir/everything.h"
#include "access.h"
#include "rest.h"

struct ev_call {
    struct fg_req *req;
    struct fhir_store *store;
    const struct fhir_everything_params *p;
    struct fg_str patient;                           /* instance level; empty: type level */
    const char *types[FHIR_EVERYTHING_MAX_SEARCHED]; /* searched, in paging order */
    bool open[FHIR_EVERYTHING_MAX_SEARCHED];         /* granted and reaching the patient */
    size_t n_types;
    struct fg_str *kept;                             /* "Type/id" of included entries */
    size_t n_kept, cap_kept;
    size_t n_entries;
    struct fg_str next_type, next_store;             /* the next page; empty type: none */
};

static enum fg_status oom(struct fg_req *req)
{
    return fg_error_set(&req->err, FG_ENOMEM, NULL, "out of memory");
}

/* Which of the call's types the request may search. The seam judges every
 * type of the operation, whatever _type says: a narrow _type makes an
 * empty page, not a refusal. */
static enum fg_status open_types(struct ev_call *c)
{
    static const struct fhir_everything_params every = {.count = 1};
    const char *all[FHIR_EVERYTHING_MAX_SEARCHED];
    bool open[FHIR_EVERYTHING_MAX_SEARCHED];
    size_t n_all = 0;
    fhir_everything_types(&every, all, &n_all);
    fhir_everything_types(c->p, c->types, &c->n_types);
    enum fg_status st = fg_access_span_types(c->req, c->patient, all, n_all, open);
    for (size_t i = 0, k = 0; st == FG_OK && i < n_all && k < c->n_types; i++)
        if (strcmp(all[i], c->types[k]) == 0) /* same order, a subset */
            c->open[k++] = open[i];
    return st;
}

/* Instance level: the Patient must exist (asked only once the request is
 * known to reach it, so the answer reveals nothing). */
static enum fg_status patient_exists(struct ev_call *c)
{
    struct fhir_resource res;
    struct fg_error ignored;
    fg_error_clear(&ignored);
    enum fg_status st = fhir_store_read(c->store, c->req->pool, fg_str_c("Patient"), c->patient,
                                        &res, &ignored);
    if (st == FG_ENOTFOUND || st == FG_EGONE)
        return fg_error_set(&c->req->err, st, NULL, "Patient/%.*s is %s", (int)c->patient.len,
                            c->patient.ptr, st == FG_EGONE ? "deleted" : "not known");
    if (st != FG_OK)
        return fg_error_set(&c->req->err, st, NULL, "%s",
                            ignored.diagnostics[0] ? ignored.diagnostics : "the store failed");
    return FG_OK;
}

/* One type's search for this page, through the policy like any search. */
static enum fg_status run_type(struct ev_call *c, struct fg_str type, int count,
                               struct fg_str store_cursor, struct fhir_query *q,
                               struct fhir_search_result *r, size_t *n_raw)
{
    struct fg_req *req = c->req;
    struct fhir_kv *pairs = NULL;
    size_t n = 0;
    memset(q, 0, sizeof *q);
    memset(r, 0, sizeof *r);
    enum fg_status st = fhir_everything_search_pairs(req->pool, c->p, type, c->patient, count,
                                                     store_cursor, &pairs, &n);
    if (st != FG_OK)
        return oom(req);
    st = fhir_search_parse(req->pool, type, fg_str_c(fg_req_base_url(req)), pairs, n,
                           FHIR_HANDLING_STRICT, q, &req->err);
    if (st == FG_OK && c->patient.len && !fhir_everything_by_patient_param(type)) {
        st = fhir_query_restrict_compartment(req->pool, q, &c->patient, 1);
        if (st != FG_OK)
            st = fg_error_set(&req->err, st, NULL, "cannot confine the search to the patient");
    }
    if (st == FG_OK)
        st = fg_access_narrow_query(req, q);
    if (st == FG_OK)
        st = fhir_store_search(c->store, req->pool, q, r, &req->err);
    *n_raw = r->n_matches;
    if (st == FG_OK)
        st = fg_access_filter_search(req, q, r);
    return st;
}

static enum fg_status add_entry(struct ev_call *c, struct fg_buf *b,
                                const struct fhir_resource *res, const char *mode)
{
    struct fg_buf url;
    fg_buf_init(&url, FG_MAX_URL_BYTES);
    enum fg_status st = fhir_bundle_append_url(&url, fg_str_c(fg_req_base_url(c->req)),
                                               res->type, res->id, 0);
    struct fhir_bundle_entry e = {
        .search_mode = mode, .resource = res->json, .full_url = fg_buf_str(&url)};
    if (st == FG_OK)
        st = fhir_bundle_entry(b, c->n_entries++, &e);
    fg_buf_cleanup(&url);
    return st;
}

/* Has this page already carried the included resource? Remembers it if not. */
static enum fg_status seen_include(struct ev_call *c, const struct fhir_resource *res,
                                   bool *seen)
{
    char *key = fg_pool_printf(c->req->pool, "%.*s/%.*s", (int)res->type.len, res->type.ptr,
                               (int)res->id.len, res->id.ptr);
    if (!key)
        return FG_ENOMEM;
    struct fg_str k = fg_str_c(key);
    *seen = false;
    for (size_t i = 0; i < c->n_kept && !*seen; i++)
        *seen = fg_str_eq(c->kept[i], k);
    if (*seen)
        return FG_OK;
    if (c->n_kept == c->cap_kept) {
        size_t cap = c->cap_kept ? c->cap_kept * 2 : 64;
        struct fg_str *grown = fg_pool_alloc(c->req->pool, cap * sizeof *grown);
        if (!grown)
            return FG_ENOMEM;
        if (c->n_kept)
            memcpy(grown, c->kept, c->n_kept * sizeof *grown);
        c->kept = grown;
        c->cap_kept = cap;
    }
    c->kept[c->n_kept++] = k;
    return FG_OK;
}

static enum fg_status add_result(struct ev_call *c, struct fg_buf *b,
                                 const struct fhir_search_result *r)
{
    enum fg_status st = FG_OK;
    for (size_t i = 0; st == FG_OK && i < r->n_matches; i++)
        st = add_entry(c, b, &r->matches[i], "match");
    for (size_t i = 0; st == FG_OK && i < r->n_included; i++) {
        const struct fhir_resource *inc = &r->included[i];
        bool seen = false;
        if (!fhir_everything_keep_include(c->p, c->patient, c->types, c->n_types, inc))
            continue;
        st = seen_include(c, inc, &seen);
        if (st == FG_OK && !seen)
            st = add_entry(c, b, inc, "include");
    }
    return st;
}

/* The first open type after index i (n_types when none). */
static size_t next_open(const struct ev_call *c, size_t i)
{
    while (i < c->n_types && !c->open[i])
        i++;
    return i;
}

/* The entries of this page, and where the next one starts. */
static enum fg_status fill_page(struct ev_call *c, struct fg_buf *b)
{
    size_t i = 0;
    if (c->p->cursor_type.len) {
        while (i < c->n_types && !fg_str_eq_c(c->p->cursor_type, c->types[i]))
            i++;
        if (i == c->n_types)
            return fg_error_set(&c->req->err, FG_EINVAL, "_cursor",
                                "Invalid _cursor (the _type list changed?)");
    }
    int remaining = c->p->count;
    struct fg_str store_cursor = c->p->cursor_store;
    for (i = next_open(c, i); i < c->n_types; i = next_open(c, i + 1)) {
        struct fhir_query q;
        struct fhir_search_result r;
        size_t n_raw = 0;
        if (!fg_str_eq_c(c->p->cursor_type, c->types[i]))
            store_cursor = FG_STR_NULL;
        enum fg_status st = run_type(c, fg_str_c(c->types[i]), remaining, store_cursor, &q, &r,
                                     &n_raw);
        if (st == FG_OK)
            st = add_result(c, b, &r);
        if (st != FG_OK)
            return st;
        if (r.next_cursor.len) {
            c->next_type = fg_str_c(c->types[i]);
            c->next_store = r.next_cursor;
            return FG_OK;
        }
        remaining -= (int)n_raw;
        if (remaining <= 0) {
            size_t j = next_open(c, i + 1);
            if (j < c->n_types)
                c->next_type = fg_str_c(c->types[j]);
            return FG_OK;
        }
    }
    return FG_OK;
}

/* "<base>/Patient[/<id>]/$everything?<query>[&_cursor=<cursor>]" in the pool. */
static enum fg_status page_link(struct ev_call *c, struct fg_str cursor_type,
                                struct fg_str cursor_store, struct fg_str *out)
{
    struct fg_buf b;
    fg_buf_init(&b, FG_MAX_URL_BYTES * 4);
    enum fg_status st = fhir_bundle_append_url(&b, fg_str_c(fg_req_base_url(c->req)),
                                               fg_str_c("Patient"), c->patient, 0);
    if (st == FG_OK)
        st = fg_buf_append_c(&b, "/$everything?");
    size_t before = b.len;
    if (st == FG_OK)
        st = fhir_everything_write_query(c->p, &b);
    if (st == FG_OK && cursor_type.len)
        st = fg_buf_append_c(&b, b.len > before ? "&_cursor=" : "_cursor=");
    if (st == FG_OK && cursor_type.len)
        st = fhir_everything_write_cursor(cursor_type, cursor_store, &b);
    if (st == FG_OK && b.len == before)
        b.len--; /* no query: drop the '?' */
    if (st == FG_OK) {
        *out = fg_pool_str(c->req->pool, fg_buf_str(&b));
        if (!out->ptr)
            st = FG_ENOMEM;
    }
    fg_buf_cleanup(&b);
    return st == FG_OK ? FG_OK : fg_error_set(&c->req->err, st, NULL, "a paging link is too long");
}

/* The Bundle: its links come last to compute, so the entries go to a
 * buffer of their own first. */
static enum fg_status answer(struct fg_req *req, const struct fhir_everything_params *p)
{
    struct ev_call *c = fg_pool_zalloc(req->pool, sizeof *c);
    struct fg_buf entries, out;
    struct fhir_bundle_link links[2];
    size_t n_links = 0;
    fg_buf_init(&entries, FG_MAX_RESPONSE_BYTES);
    fg_buf_init(&out, FG_MAX_RESPONSE_BYTES);
    enum fg_status st = c ? FG_OK : oom(req);
    if (st == FG_OK) {
        c->req = req;
        c->p = p;
        c->patient = req->route_id;
        st = open_types(c);
    }
    if (st == FG_OK)
        st = fg_rest_store(req, &c->store);
    if (st == FG_OK && c->patient.len)
        st = patient_exists(c);
    if (st == FG_OK)
        st = fill_page(c, &entries);
    if (st == FG_OK) {
        links[n_links].relation = "self";
        st = page_link(c, p->cursor_type, p->cursor_store, &links[n_links++].url);
    }
    if (st == FG_OK && c->next_type.len) {
        links[n_links].relation = "next";
        st = page_link(c, c->next_type, c->next_store, &links[n_links++].url);
    }
    if (st == FG_OK)
        st = fhir_bundle_begin(&out, "searchset", FG_STR_NULL, 0, -1, links, n_links);
    if (st == FG_OK && c->n_entries) /* the entries as fhir_bundle_entry wrote them */
        st = fg_buf_append_str(&out, fg_buf_str(&entries));
    if (st == FG_OK)
        st = fhir_bundle_end(&out, c->n_entries);
    if (st == FG_OK)
        st = fg_rest_send_buf(req, 200, &out);
    else if (req->err.status == FG_OK)
        fg_error_set(&req->err, st, NULL,
                     "the record is larger than the response limit: use _count");
    fg_buf_cleanup(&entries);
    fg_buf_cleanup(&out);
    return st;
}

/* Names the interaction for the audit log and the policy seam. */
static void route_as_operation(struct fg_req *req)
{
    req->route_type = fg_str_c("Patient");
    req->route_op = fg_str_c("everything");
}

enum fg_status fg_rest_everything_get(struct fg_req *req)
{
    struct fhir_everything_params p;
    route_as_operation(req);
    enum fg_status st = fhir_everything_from_pairs(req->query, req->n_query,
                                                   fg_rest_prefer_strict(req), &p, &req->err);
    return st == FG_OK ? answer(req, &p) : st;
}

enum fg_status fg_rest_everything_post(struct fg_req *req)
{
    cJSON *body = NULL;
    struct fhir_everything_params p;
    route_as_operation(req);
    if (!req->body.len) /* no Parameters: the operation without inputs */
        return fg_rest_everything_get(req);
    enum fg_status st = fg_rest_parse_resource(req, fg_str_c("Parameters"), &body);
    if (st == FG_OK)
        st = fhir_everything_from_parameters(req->pool, body, fg_rest_prefer_strict(req), &p,
                                             &req->err);
    return st == FG_OK ? answer(req, &p) : st;
}
