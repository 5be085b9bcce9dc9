/* rest_bundle.c - POST /fhir with a batch or transaction Bundle.
 *
 * Transaction: all or nothing. Every entry is parsed and authorized first;
 * POST entries get their server ids up front (conditional creates are
 * resolved by a search), placeholder fullUrls ("urn:uuid:...") are
 * rewritten in every entry's resource, and then DELETE, POST and PUT run
 * in one fhir_store_write call (http.html#trules order); GET entries run
 * after it. Any failure before or in that call fails the whole Bundle
 * (nothing is stored) with an OperationOutcome naming the entry.
 * Batch: each entry on its own (its own write), failures become that
 * entry's response.outcome.
 * The response entries of writes carry the resource only under an explicit
 * Prefer: return=representation (Bundles are bulk: lean by default);
 * failed batch entries carry an OperationOutcome.
 * Audit: each entry that names a resource type gets its own row (its
 * interaction, type/id or query, patient, outcome) linked to the Bundle's
 * row by the request id (audit_req.h, fg_audit_entry); the entries of a
 * failed transaction are recorded with the transaction's failure status.
 * Spec: http://hl7.org/fhir/R4/http.html#transaction */
#include "rest_bundle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/fg_limits.h"
#include "../fhir/bundle.h"
#include "../fhir/bundle_refs.h"
#include "../fhir/index.h"
#include "../fhir/outcome.h"
#include "audit_req.h"
#include "rest.h"
#include "wear_write.h"
#include "write_validate.h"

/* Moves a failure described in req->err (by the access seam or a helper
 * that only knows the request) to an entry's own error. */
static void take_req_error(struct fg_req *req, struct fg_error *dst)
{
    *dst = req->err;
    fg_error_clear(&req->err);
}

static enum fg_status parse_condition(struct fg_req *req, struct fg_bundle_entry *e,
                                      struct fg_error *err)
{
    struct fhir_kv *pairs = NULL;
    size_t n = 0;
    struct fhir_query *q = fg_pool_zalloc(req->pool, sizeof *q);
    if (!q)
        return fg_error_set(err, FG_ENOMEM, NULL, "out of memory");
    struct fg_str v = e->if_none_exist, head, tail;
    if (fg_str_split(v, '?', &head, &tail))
        v = tail;
    enum fg_status st = fhir_form_parse(req->pool, v, FG_MAX_SEARCH_PARAMS, &pairs, &n, err);
    if (st == FG_OK && n == 0)
        st = fg_error_set(err, FG_EINVAL, "ifNoneExist", "Bundle.entry[%zu].request."
                          "ifNoneExist holds no search parameters", e->index);
    if (st == FG_OK)
        st = fhir_search_parse(req->pool, e->type, fg_str_c(fg_req_base_url(req)), pairs, n,
                               FHIR_HANDLING_STRICT, q, err);
    if (st == FG_OK) {
        st = fg_access_narrow_query(req, q);
        if (st != FG_OK && err != &req->err)
            take_req_error(req, err);
    }
    if (st == FG_OK)
        e->cond = q;
    return st;
}

/* Conditional create: how many resources match ifNoneExist? */
static enum fg_status find_existing(struct fg_req *req, struct fhir_store *store,
                                    struct fg_bundle_entry *e, struct fg_error *err)
{
    struct fhir_search_result r = {0};
    enum fg_status st = parse_condition(req, e, err);
    if (st == FG_OK)
        st = fhir_store_search(store, req->pool, e->cond, &r, err);
    if (st != FG_OK)
        return st;
    if (r.n_matches > 1 || r.next_cursor.len)
        return fg_error_set(err, FG_EPRECOND, "ifNoneExist",
                            "Bundle.entry[%zu].request.ifNoneExist matches more than one "
                            "resource", e->index);
    if (r.n_matches == 1) {
        e->existing = true;
        e->res = r.matches[0];
        e->id = r.matches[0].id;
    }
    return FG_OK;
}

/* ---- transaction ---- */

struct tx {
    struct fg_req *req;
    struct fhir_store *store;
    struct fg_bundle_entry *e;
    size_t n;
    struct fhir_ref_alias *aliases;
    size_t n_aliases;
    bool wear; /* a patient app writes: Observations are patient-supplied (wear_write.h) */
    struct imp_app app;
};

static bool is_observation(const struct fg_bundle_entry *e)
{
    return fg_str_eq_c(e->type, "Observation");
}

/* The checks of a POST or PUT entry's resource before it is written: a patient app's
 * Observation is normalised (POST) or checked (PUT) by wear_write.h, which validates the
 * claimed profiles of what it creates; any other resource is checked against the US Core
 * profiles it claims (write_validate.h). */
static enum fg_status entry_checks(struct fg_req *req, struct fhir_store *store, bool wear,
                                   const struct imp_app *app, struct fg_bundle_entry *e,
                                   struct fg_error *err)
{
    if (e->method != FG_POST && e->method != FG_PUT)
        return FG_OK;
    char where[48];
    int n = snprintf(where, sizeof where, "Bundle.entry[%zu].resource", e->index);
    const char *at = n > 0 && (size_t)n < sizeof where ? where : "";
    bool app_obs = wear && is_observation(e);
    if (app_obs && e->method == FG_POST)
        return fg_wear_prepare(req, app, e->resource, at, err);
    enum fg_status st = FG_OK;
    if (app_obs)
        st = fg_wear_check_update(req, store, app, e->id, e->resource, err);
    return st == FG_OK ? fg_write_validate(req->pool, e->resource, at, err) : st;
}

static enum fg_status add_alias(struct tx *t, struct fg_bundle_entry *e)
{
    if (!fhir_ref_is_placeholder(e->full_url))
        return FG_OK;
    char *to = fg_pool_printf(t->req->pool, "%.*s/%.*s", (int)e->type.len, e->type.ptr,
                              (int)e->id.len, e->id.ptr);
    if (!to)
        return fg_error_set(&t->req->err, FG_ENOMEM, NULL, "out of memory");
    t->aliases[t->n_aliases++] = (struct fhir_ref_alias){e->full_url, fg_str_c(to)};
    return FG_OK;
}

/* Server ids for POST entries (or the existing id of a matched
 * conditional create) and the placeholder table. */
static enum fg_status assign_ids(struct tx *t)
{
    enum fg_status st = FG_OK;
    for (size_t i = 0; st == FG_OK && i < t->n; i++) {
        struct fg_bundle_entry *e = &t->e[i];
        if (e->method == FG_POST) {
            if (e->if_none_exist.len)
                st = find_existing(t->req, t->store, e, &t->req->err);
            if (st == FG_OK && !e->existing) {
                /* The server assigns the id; a client's is ignored. */
                cJSON_DeleteItemFromObjectCaseSensitive(e->resource, "id");
                st = fg_rest_new_id(t->req, &e->id);
            }
        }
        if (st == FG_OK && (e->method == FG_POST || e->method == FG_PUT))
            st = add_alias(t, e);
    }
    size_t dup = 0;
    if (st == FG_OK && fhir_ref_aliases_sort(t->aliases, t->n_aliases, &dup) != FG_OK)
        st = fg_error_set(&t->req->err, FG_EINVAL, "Bundle.entry.fullUrl",
                          "fullUrl %.*s names more than one entry",
                          (int)(t->aliases[dup].from.len > 100 ? 100 : t->aliases[dup].from.len),
                          t->aliases[dup].from.ptr);
    return st;
}

static int cmp_slice(struct fg_str a, struct fg_str b)
{
    size_t n = a.len < b.len ? a.len : b.len;
    int c = n ? memcmp(a.ptr, b.ptr, n) : 0;
    if (c)
        return c;
    return a.len < b.len ? -1 : a.len > b.len ? 1 : 0;
}

static int cmp_target(const void *a, const void *b)
{
    const struct fg_bundle_entry *x = *(const struct fg_bundle_entry *const *)a;
    const struct fg_bundle_entry *y = *(const struct fg_bundle_entry *const *)b;
    int c = cmp_slice(x->type, y->type);
    return c ? c : cmp_slice(x->id, y->id);
}

/* Two writes to one resource in a transaction are an error
 * (http.html#trules): sort the written targets and compare neighbours. */
static enum fg_status check_distinct_targets(struct tx *t)
{
    struct fg_bundle_entry **w = fg_pool_alloc(t->req->pool, (t->n + 1) * sizeof *w);
    size_t k = 0;
    if (!w)
        return fg_error_set(&t->req->err, FG_ENOMEM, NULL, "out of memory");
    for (size_t i = 0; i < t->n; i++) {
        struct fg_bundle_entry *e = &t->e[i];
        bool writes = e->method == FG_POST || e->method == FG_PUT || e->method == FG_DELETE;
        if (writes && !e->existing)
            w[k++] = e;
    }
    if (k > 1)
        qsort(w, k, sizeof *w, cmp_target);
    for (size_t i = 1; i < k; i++) {
        if (cmp_target(&w[i - 1], &w[i]) == 0) {
            size_t a = w[i - 1]->index < w[i]->index ? w[i - 1]->index : w[i]->index;
            size_t b = w[i - 1]->index < w[i]->index ? w[i]->index : w[i - 1]->index;
            return fg_error_set(&t->req->err, FG_EINVAL, "Bundle.entry.request.url",
                                "Bundle.entry[%zu] and Bundle.entry[%zu] both write %.*s/%.*s",
                                a, b, (int)w[i]->type.len, w[i]->type.ptr, (int)w[i]->id.len,
                                w[i]->id.ptr);
        }
    }
    return FG_OK;
}

static enum fg_status rewrite_refs(struct tx *t)
{
    for (size_t i = 0; i < t->n; i++) {
        struct fg_bundle_entry *e = &t->e[i];
        if (!e->resource || e->existing)
            continue;
        if (fhir_ref_rewrite(e->resource, t->aliases, t->n_aliases, NULL) != FG_OK)
            return fg_error_set(&t->req->err, FG_ENOMEM, NULL, "out of memory");
        const char *left = fhir_ref_find_unresolved(e->resource);
        if (left)
            return fg_error_set(&t->req->err, FG_EINVAL, "Bundle.entry.resource",
                                "Bundle.entry[%zu].resource refers to %.100s, which is the "
                                "fullUrl of no entry in this Bundle", e->index, left);
        enum fg_status st = entry_checks(t->req, t->store, t->wear, &t->app, e, &t->req->err);
        if (st == FG_OK)
            st = fg_access_check_write(t->req, e->ia, e->type, e->id, e->resource);
        if (st != FG_OK)
            return st;
    }
    return FG_OK;
}

/* One Provenance (patient and app) for the Observations a patient app's transaction creates,
 * appended to w[0..*k) (room for one more is there). */
static enum fg_status add_wear_provenance(struct tx *t, struct fhir_write *w, size_t *k)
{
    struct fg_str *targets = fg_pool_zalloc(t->req->pool, (t->n + 1) * sizeof *targets);
    size_t n = 0;
    if (!targets)
        return fg_error_set(&t->req->err, FG_ENOMEM, NULL, "out of memory");
    for (size_t i = 0; i < t->n; i++) {
        const struct fg_bundle_entry *e = &t->e[i];
        if (e->existing || e->method != FG_POST || !is_observation(e))
            continue;
        const char *ref = fg_pool_printf(t->req->pool, "Observation/%.*s", (int)e->id.len,
                                         e->id.ptr);
        if (!ref)
            return fg_error_set(&t->req->err, FG_ENOMEM, NULL, "out of memory");
        targets[n++] = fg_str_c(ref);
    }
    if (n == 0)
        return FG_OK;
    cJSON *prov = fg_wear_provenance(t->req, &t->app, targets, n, &t->req->err);
    if (!prov)
        return FG_ENOMEM;
    w[(*k)++] = (struct fhir_write){.kind = FHIR_WRITE_CREATE,
                                    .type = FG_STR_LIT("Provenance"),
                                    .resource = prov};
    return FG_OK;
}

/* Runs the writes (DELETE, POST, PUT order) in one store call. */
static enum fg_status write_all(struct tx *t)
{
    struct fg_pool *pool = t->req->pool;
    size_t *order = fg_pool_alloc(pool, (t->n + 1) * sizeof *order);
    struct fhir_write *w = fg_pool_zalloc(pool, (t->n + 1) * sizeof *w);
    struct fhir_write_result *r = fg_pool_zalloc(pool, (t->n + 1) * sizeof *r);
    size_t *slot = fg_pool_alloc(pool, (t->n + 1) * sizeof *slot);
    if (!order || !w || !r || !slot)
        return fg_error_set(&t->req->err, FG_ENOMEM, NULL, "out of memory");
    fg_bundle_order(t->e, t->n, order);
    size_t k = 0;
    for (size_t j = 0; j < t->n; j++) {
        struct fg_bundle_entry *e = &t->e[order[j]];
        if (e->existing || e->method == FG_GET || e->method == FG_HEAD)
            continue;
        w[k] = (struct fhir_write){
            .kind = e->method == FG_POST  ? FHIR_WRITE_CREATE
                    : e->method == FG_PUT ? FHIR_WRITE_UPDATE
                                          : FHIR_WRITE_DELETE,
            .type = e->type,
            .id = e->id,
            .resource = e->resource,
            .if_match_version = e->if_match,
        };
        slot[k++] = order[j];
    }
    size_t n_entries = k; /* a patient app's Provenance goes after them */
    enum fg_status st = t->wear ? add_wear_provenance(t, w, &k) : FG_OK;
    if (st != FG_OK)
        return st;
    st = k ? fhir_store_write(t->store, pool, w, k, r, &t->req->err) : FG_OK;
    for (size_t j = 0; st == FG_OK && j < n_entries; j++) {
        struct fg_bundle_entry *e = &t->e[slot[j]];
        e->res = r[j].res;
        e->done = true;
        e->status = r[j].outcome == FHIR_WRITE_CREATED       ? 201
                    : r[j].outcome == FHIR_WRITE_NOOP_DELETE ? 204
                                                             : 200;
    }
    return st;
}

/* ---- one entry on its own (batch entries, transaction GETs) ---- */

/* GET <type>?<query> inside a Bundle: the entry's resource is the
 * searchset Bundle. */
static enum fg_status run_search(struct fg_req *req, struct fg_bundle_entry *e,
                                 struct fg_error *err)
{
    struct fhir_kv *pairs = NULL;
    size_t n = 0;
    struct fg_buf b;
    fg_buf_init(&b, FG_MAX_RESPONSE_BYTES);
    enum fg_status st = fhir_form_parse(req->pool, e->query, FG_MAX_SEARCH_PARAMS * 2, &pairs,
                                        &n, err);
    if (st == FG_OK) {
        st = fg_rest_search_run(req, e->type, pairs, n, &b);
        if (st != FG_OK)
            take_req_error(req, err);
    }
    if (st == FG_OK) {
        e->res.type = FG_STR_LIT("Bundle");
        e->res.json = fg_pool_str(req->pool, fg_buf_str(&b));
        if (!e->res.json.ptr)
            st = fg_error_set(err, FG_ENOMEM, NULL, "out of memory");
    }
    fg_buf_cleanup(&b);
    e->status = 200;
    return st;
}

static enum fg_status run_read(struct fg_req *req, struct fhir_store *store,
                               struct fg_bundle_entry *e, struct fg_error *err)
{
    if (e->is_search)
        return run_search(req, e, err);
    enum fg_status st = e->vid.len ? fhir_store_vread(store, req->pool, e->type, e->id, e->vid,
                                                      &e->res, err)
                               : fhir_store_read(store, req->pool, e->type, e->id, &e->res, err);
    size_t one = 1;
    if (st == FG_OK) {
        st = fg_access_filter_result(req, e->ia, &e->res, &one);
        if (st == FG_OK && one == 0)
            st = fg_error_set(err, FG_ENOTFOUND, NULL, "%.*s/%.*s is not known",
                              (int)e->type.len, e->type.ptr, (int)e->id.len, e->id.ptr);
    }
    e->status = 200;
    return st;
}

static enum fg_status run_write(struct fg_req *req, struct fhir_store *store,
                                struct fg_bundle_entry *e, struct fg_error *err)
{
    enum fg_status st = FG_OK;
    if (e->method == FG_POST) {
        cJSON_DeleteItemFromObjectCaseSensitive(e->resource, "id");
        if (e->if_none_exist.len)
            st = find_existing(req, store, e, err);
        if (st != FG_OK || e->existing) {
            e->status = 200;
            return st;
        }
    }
    struct imp_app app;
    bool wear = fg_wear_app(req, e->type, &app);
    st = entry_checks(req, store, wear, &app, e, err);
    if (st == FG_OK)
        st = fg_access_check_write(req, e->ia, e->type, e->id, e->resource);
    if (st != FG_OK)
        return st;
    struct fhir_write_result r = {0};
    if (wear && e->method == FG_POST) {
        /* ifNoneExist was looked up above: a plain create with its Provenance. */
        st = fg_wear_create(req, store, &app, e->resource, NULL, &r, err);
        if (st == FG_OK) {
            e->res = r.res;
            e->status = 201;
        }
        return st;
    }
    struct fhir_write w = {
        .kind = e->method == FG_POST  ? FHIR_WRITE_CREATE
                : e->method == FG_PUT ? FHIR_WRITE_UPDATE
                                      : FHIR_WRITE_DELETE,
        .type = e->type,
        .id = e->method == FG_POST ? FG_STR_NULL : e->id,
        .resource = e->resource,
        .if_match_version = e->if_match,
    };
    st = fhir_store_write(store, req->pool, &w, 1, &r, err);
    if (st == FG_OK) {
        e->res = r.res;
        e->status = r.outcome == FHIR_WRITE_CREATED       ? 201
                    : r.outcome == FHIR_WRITE_NOOP_DELETE ? 204
                                                          : 200;
    }
    return st;
}

/* Runs a batch entry (already parsed) and records its outcome. */
static void run_single(struct fg_req *req, struct fhir_store *store, struct fg_bundle_entry *e,
                       struct fg_error *err)
{
    enum fg_status st = fg_access_authorize(req, e->ia, e->type, e->id);
    if (st != FG_OK)
        take_req_error(req, err);
    if (st == FG_OK && (e->method == FG_GET || e->method == FG_HEAD))
        st = run_read(req, store, e, err);
    else if (st == FG_OK)
        st = run_write(req, store, e, err);
    if (st != FG_OK && req->err.status != FG_OK)
        take_req_error(req, err);
    if (st != FG_OK && err->status == FG_OK)
        fg_error_set(err, st, NULL, "the entry failed");
    e->done = true;
    if (st != FG_OK)
        e->status = fg_error_http_status(err);
}

/* ---- the response Bundle ---- */

static enum fg_status entry_error_text(struct fg_req *req, const struct fg_error *err,
                                       struct fg_str *out)
{
    struct fg_buf b;
    fg_buf_init(&b, FG_ERROR_DIAG_MAX * 4);
    enum fg_status st = fhir_outcome_write_error(err, &b);
    if (st == FG_OK) {
        *out = fg_pool_str(req->pool, fg_buf_str(&b));
        st = out->ptr ? FG_OK : FG_ENOMEM;
    }
    fg_buf_cleanup(&b);
    return st;
}

static enum fg_status response_entry(struct fg_req *req, struct fg_buf *b,
                                     const struct fg_bundle_entry *e, enum fg_prefer_return pr,
                                     bool prefer_given)
{
    const struct fhir_resource *res = &e->res;
    struct fhir_bundle_entry out = {.response_status = fg_str_c(fg_bundle_status_text(e->status))};
    bool ok = e->status < 300;
    bool has_version = ok && (res->version > 0 || res->version_id.len);
    const char *base = fg_req_base_url(req);
    enum fg_status st = FG_OK;
    if (has_version && !res->deleted) {
        out.full_url = fg_str_c(fg_pool_printf(req->pool, "%s/%.*s/%.*s", base,
                                               (int)res->type.len, res->type.ptr,
                                               (int)res->id.len, res->id.ptr));
        out.response_location = fg_str_c(fg_pool_printf(
            req->pool, "%.*s/_history/%s", (int)out.full_url.len, out.full_url.ptr,
            fhir_resource_version_text(req->pool, res)));
        out.response_last_modified_us = res->last_updated_us;
    }
    if (has_version)
        out.response_etag = fg_str_c(fg_rest_etag_of(req->pool, res));
    bool is_read = e->method == FG_GET || e->method == FG_HEAD;
    if (ok && !res->deleted && e->method != FG_HEAD &&
        (is_read || (prefer_given && pr == FG_RETURN_REPRESENTATION)))
        out.resource = res->json;
    if (!ok && e->err)
        st = entry_error_text(req, e->err, &out.response_outcome);
    return st == FG_OK ? fhir_bundle_entry(b, e->index, &out) : st;
}

static enum fg_status respond(struct fg_req *req, const struct fg_bundle_entry *e, size_t n,
                              bool tx)
{
    struct fg_buf b;
    fg_buf_init(&b, FG_MAX_RESPONSE_BYTES);
    /* Only an explicit return=representation adds resources to write
     * entries; return=OperationOutcome adds nothing a status does not say. */
    bool prefer_given = fg_req_header(req, "Prefer") != NULL;
    enum fg_prefer_return pr = fg_rest_prefer_return(req);
    enum fg_status st = fhir_bundle_begin(&b, tx ? "transaction-response" : "batch-response",
                                          FG_STR_NULL, 0, -1, NULL, 0);
    for (size_t i = 0; st == FG_OK && i < n; i++)
        st = response_entry(req, &b, &e[i], pr, prefer_given);
    if (st == FG_OK)
        st = fhir_bundle_end(&b, n);
    if (st == FG_OK)
        st = fg_rest_send_buf(req, 200, &b);
    else
        fg_error_set(&req->err, st, NULL, "the response Bundle is larger than the limit");
    fg_buf_cleanup(&b);
    return st;
}

static enum fg_status transaction(struct tx *t, const cJSON *entries)
{
    struct fg_req *req = t->req;
    struct fg_str base = fg_str_c(fg_req_base_url(req));
    size_t i = 0;
    enum fg_status st = FG_OK;
    for (const cJSON *item = entries ? entries->child : NULL; st == FG_OK && item;
         item = item->next, i++)
        st = fg_bundle_entry_parse(req->pool, base, item, i, &t->e[i], &req->err);
    for (i = 0; st == FG_OK && i < t->n; i++)
        st = fg_access_authorize(req, t->e[i].ia, t->e[i].type, t->e[i].id);
    if (st == FG_OK)
        st = assign_ids(t);
    if (st == FG_OK)
        st = check_distinct_targets(t);
    if (st == FG_OK)
        st = rewrite_refs(t);
    if (st == FG_OK)
        st = write_all(t);
    if (st != FG_OK)
        return st;
    for (i = 0; i < t->n; i++) {
        struct fg_bundle_entry *e = &t->e[i];
        if (e->existing) {
            e->status = 200;
            e->done = true;
        }
        if (e->done)
            continue;
        e->err = fg_pool_zalloc(req->pool, sizeof *e->err);
        if (!e->err)
            return fg_error_set(&req->err, FG_ENOMEM, NULL, "out of memory");
        run_single(req, t->store, e, e->err);
    }
    return respond(req, t->e, t->n, true);
}

static enum fg_status batch(struct tx *t, const cJSON *entries)
{
    struct fg_req *req = t->req;
    struct fg_str base = fg_str_c(fg_req_base_url(req));
    size_t i = 0;
    for (const cJSON *item = entries ? entries->child : NULL; item; item = item->next, i++) {
        struct fg_bundle_entry *e = &t->e[i];
        struct fg_error *err = fg_pool_zalloc(req->pool, sizeof *err);
        if (!err)
            return fg_error_set(&req->err, FG_ENOMEM, NULL, "out of memory");
        fg_error_clear(err);
        if (fg_bundle_entry_parse(req->pool, base, item, i, e, err) == FG_OK) {
            run_single(req, t->store, e, err);
        } else {
            e->done = true;
            e->status = fg_error_http_status(err);
        }
        e->err = err;
    }
    return respond(req, t->e, t->n, false);
}

/* ---- the audit rows of the entries ---- */

static enum smart_audit_kind entry_kind(const struct fg_bundle_entry *e)
{
    switch (e->method) {
    case FG_POST:
        return SMART_AUDIT_CREATE;
    case FG_PUT:
        return SMART_AUDIT_UPDATE;
    case FG_DELETE:
        return SMART_AUDIT_DELETE;
    default:
        return e->is_search ? SMART_AUDIT_SEARCH
               : e->vid.len ? SMART_AUDIT_VREAD
                            : SMART_AUDIT_READ;
    }
}

/* The patient whose compartment the entry's resource is in (the first,
 * when several), from what was written or read. */
static struct fg_str entry_patient(struct fg_req *req, const struct fg_bundle_entry *e)
{
    struct fg_str *ids = NULL;
    size_t n = 0;
    if (e->res.n_compartment)
        return e->res.compartment[0];
    if (e->resource && fhir_compartment_patients(req->pool, e->resource, e->type, &ids, &n) ==
                           FG_OK && n)
        return ids[0];
    return FG_STR_NULL;
}

/* One audit row per entry that got as far as naming a resource type;
 * fail_status: the whole Bundle's failure (a transaction), 0 = none. */
static void audit_entries(struct fg_req *req, const struct fg_bundle_entry *entries, size_t n,
                          int fail_status)
{
    for (size_t i = 0; i < n; i++) {
        const struct fg_bundle_entry *e = &entries[i];
        if (!e->type.len || e->method == FG_METHOD_OTHER || e->method == FG_PATCH)
            continue;
        struct fg_audit_what w = {
            .kind = entry_kind(e),
            .status = e->done ? e->status : fail_status ? fail_status : 500,
            .type = e->type,
            .id = e->res.id.len ? e->res.id : e->id,
            .query = e->query,
            .patient = entry_patient(req, e),
        };
        if (fail_status && !e->done)
            w.id = e->method == FG_POST ? FG_STR_NULL : e->id; /* ids assigned, never stored */
        fg_audit_entry(req, &w);
    }
}

enum fg_status fg_rest_bundle(struct fg_req *req)
{
    cJSON *tree = NULL;
    const cJSON *entries = NULL;
    bool tx = false;
    struct tx t = {.req = req};
    enum fg_status st = fg_rest_store(req, &t.store);
    if (st == FG_OK)
        st = fg_rest_parse_json(req, fg_buf_str(&req->body), "request body", &tree);
    if (st == FG_OK)
        st = fg_bundle_check(tree, &tx, &entries, &t.n, &req->err);
    if (st == FG_OK)
        st = fg_access_authorize(req, tx ? FG_IA_TRANSACTION : FG_IA_BATCH, FG_STR_NULL,
                                 FG_STR_NULL);
    if (st != FG_OK)
        return st;
    t.e = fg_pool_zalloc(req->pool, (t.n + 1) * sizeof *t.e);
    t.aliases = fg_pool_zalloc(req->pool, (t.n + 1) * sizeof *t.aliases);
    if (!t.e || !t.aliases)
        return fg_error_set(&req->err, FG_ENOMEM, NULL, "out of memory");
    t.wear = fg_wear_app(req, FG_STR_LIT("Observation"), &t.app);
    st = tx ? transaction(&t, entries) : batch(&t, entries);
    audit_entries(req, t.e, t.n, st == FG_OK ? 0 : fg_error_http_status(&req->err));
    return st;
}
