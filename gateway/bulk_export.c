/* bulk_export.c - one export job's run: store searches through the policy
 * seam, written out as one NDJSON file per resource type.
 *
 * The job's access is rebuilt on a request of its own (access.h
 * fg_access_copy_restore); every page is then authorized, narrowed and
 * filtered exactly as GET [base]/[type]?... would be (rest_search.c), so
 * scopes, compartments, granular categories and the portal rules apply
 * unchanged. Levels (export.html#endpoint---all-patients, #endpoint---group-of-patients):
 *  - system: every type the access may search;
 *  - Patient: the patient-compartment types, only resources in some
 *    patient's compartment (for a patient or user token: the patients it
 *    reaches);
 *  - Group: the same, confined to the Group's member Patients.
 * Patient and Group exports add the resources outside the compartment that
 * exported resources refer to (Practitioner, Organization, Location,
 * Medication, ...), each read through the policy like a read by id.
 * `_since` is `_lastUpdated=gt`. There is no upper bound at the kick-off's
 * transactionTime: a resource changed while the export runs may be in it
 * and again in a later export `_since` that transactionTime (a repeat, never
 * a loss, also when processes sharing the store disagree a little about
 * the time).
 * https://hl7.org/fhir/uv/bulkdata/STU2/export.html */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>

#include "../core/fg_clock.h"
#include "../core/fg_mem.h"
#include "../fhir/index.h"
#include "../fhir/searchparam.h"
#include "../fhir/subset.h"
#include "bulk_internal.h"
#include "rest.h"
#include "server.h"

struct out_file {
    const char *type;
    FILE *f;
    char tmp[1200], final[1200];
    int64_t count;
    struct fg_str elements[FG_MAX_BULK_ELEMENTS]; /* `_elements` for type; none: whole */
    size_t n_elements;
};

/* A set of fg_malloc'ed strings: ids[0..n_sorted) sorted, then the ones
 * added since. Used for the references out of the compartment, and for
 * the ids one type's file holds when several _typeFilter searches (ORed)
 * could each find a resource. */
struct id_set {
    char **ids;
    size_t n, n_sorted, cap;
};

struct run {
    struct fg_server *srv;
    struct bulk_job *job;
    struct fg_pool *pool; /* the job's: the access lives here */
    struct fg_req req;    /* the job's request */
    char since[FG_INSTANT_MAX + 2];
    struct id_set refs; /* "Type/id" of resources outside the compartment */
    struct fg_error *err;
};

/* A request of the job for one page: its own pool, the job's access. */
static void page_req(const struct run *r, struct fg_pool *pool, struct fg_req *out)
{
    memset(out, 0, sizeof *out);
    out->srv = r->srv;
    out->pool = pool;
    out->path = fg_str_c("/fhir");
    out->auth = r->req.auth;
    fg_error_clear(&out->err);
}

/* May the job's access search type at all? Asked quietly: a refusal only
 * leaves the type out. */
static bool granted(struct run *r, const char *type, enum fg_interaction ia)
{
    struct fg_req pr;
    page_req(r, r->pool, &pr);
    return fg_access_authorize(&pr, ia, fg_str_c(type), FG_STR_NULL) == FG_OK;
}

/* ---- files ---- */

static enum fg_status file_open(struct run *r, struct out_file *o)
{
    if (o->f)
        return FG_OK;
    const char *dir = r->job->dir;
    if (snprintf(o->tmp, sizeof o->tmp, "%s/.%s%s.part", dir, o->type, FG_BULK_FILE_SUFFIX) >=
            (int)sizeof o->tmp ||
        snprintf(o->final, sizeof o->final, "%s/%s%s", dir, o->type, FG_BULK_FILE_SUFFIX) >=
            (int)sizeof o->final)
        return fg_error_set(r->err, FG_ETOOBIG, NULL, "bulk_dir is too long a path");
    int fd = open(o->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    o->f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (!o->f) {
        if (fd >= 0)
            close(fd);
        return fg_error_set(r->err, FG_EIO, NULL, "cannot write the %s export file", o->type);
    }
    return FG_OK;
}

/* Completes a file: flushed, synced, renamed into view, listed. */
static enum fg_status file_close(struct run *r, struct out_file *o)
{
    if (!o->f)
        return FG_OK;
    bool ok = fflush(o->f) == 0 && fsync(fileno(o->f)) == 0;
    ok = fclose(o->f) == 0 && ok;
    o->f = NULL;
    ok = ok && rename(o->tmp, o->final) == 0;
    struct bulk_job *j = r->job;
    struct bulk_output *grown =
        ok ? fg_realloc(j->outputs, (j->n_outputs + 1) * sizeof *j->outputs) : NULL;
    if (!grown) {
        unlink(o->tmp);
        return fg_error_set(r->err, FG_EIO, NULL, "cannot complete the %s export file", o->type);
    }
    j->outputs = grown;
    j->outputs[j->n_outputs++] = (struct bulk_output){o->type, o->count};
    return FG_OK;
}

static void file_abandon(struct out_file *o)
{
    if (o->f) {
        fclose(o->f);
        o->f = NULL;
        unlink(o->tmp);
    }
}

/* One resource as one line (stored text is one line unless it was stored
 * pretty-printed or `_elements` applies: then it is printed again, the
 * subset marked SUBSETTED by fhir_subset_elements). */
static enum fg_status write_line(struct run *r, struct out_file *o, const struct fhir_resource *res)
{
    enum fg_status st = file_open(r, o);
    if (st != FG_OK)
        return st;
    bool ok;
    if (!o->n_elements && !memchr(res->json.ptr, '\n', res->json.len)) {
        ok = fwrite(res->json.ptr, 1, res->json.len, o->f) == res->json.len;
    } else {
        cJSON *t = cJSON_ParseWithLength(res->json.ptr, res->json.len);
        ok = t && (!o->n_elements || fhir_subset_elements(t, fg_str_c(o->type), o->elements,
                                                          o->n_elements) == FG_OK);
        char *text = ok ? cJSON_PrintUnformatted(t) : NULL;
        ok = text && fputs(text, o->f) >= 0;
        cJSON_free(text);
        cJSON_Delete(t);
    }
    ok = ok && fputc('\n', o->f) != EOF;
    if (!ok)
        return fg_error_set(r->err, FG_EIO, NULL, "cannot write the %s export file", o->type);
    o->count++;
    return FG_OK;
}

/* ---- sets of fg_malloc'ed strings ---- */

static int cmp_ids(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* strcmp of a C string with a slice. */
static int cmp_id(const char *a, struct fg_str b)
{
    int c = strncmp(a, b.ptr, b.len);
    return c ? c : (a[b.len] != '\0');
}

/* Is id among ids[0..n_sorted)? */
static bool ids_has(const struct id_set *s, struct fg_str id)
{
    size_t lo = 0, hi = s->n_sorted;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = cmp_id(s->ids[mid], id);
        if (c == 0)
            return true;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

/* Doubles the room. */
static enum fg_status ids_grow(struct id_set *s)
{
    size_t cap = s->cap ? s->cap * 2 : 256;
    char **grown = fg_realloc(s->ids, cap * sizeof *grown);
    if (!grown)
        return FG_ENOMEM;
    s->ids = grown;
    s->cap = cap;
    return FG_OK;
}

/* Appends a copy of id (unsorted). */
static enum fg_status ids_add(struct id_set *s, struct fg_str id)
{
    if (s->n == s->cap && ids_grow(s) != FG_OK)
        return FG_ENOMEM;
    char *copy = fg_malloc(id.len + 1);
    if (!copy)
        return FG_ENOMEM;
    memcpy(copy, id.ptr, id.len);
    copy[id.len] = '\0';
    s->ids[s->n++] = copy;
    return FG_OK;
}

/* Sorts everything (what was added counts as seen from now on). */
static void ids_seal(struct id_set *s)
{
    if (s->n)
        qsort(s->ids, s->n, sizeof *s->ids, cmp_ids);
    s->n_sorted = s->n;
}

static void ids_free(struct id_set *s)
{
    for (size_t i = 0; i < s->n; i++)
        fg_free(s->ids[i]);
    fg_free(s->ids);
    memset(s, 0, sizeof *s);
}

/* ---- references out of the compartment ---- */

/* Sorts the references and drops repeats. */
static void compact_refs(struct run *r)
{
    struct id_set *s = &r->refs;
    if (!s->n)
        return;
    ids_seal(s);
    size_t k = 1;
    for (size_t i = 1; i < s->n; i++) {
        if (strcmp(s->ids[i], s->ids[k - 1]) == 0)
            fg_free(s->ids[i]);
        else
            s->ids[k++] = s->ids[i];
    }
    s->n = s->n_sorted = k;
}

static enum fg_status add_ref(struct run *r, const char *ref)
{
    struct fg_str s = fg_str_c(ref), type, id;
    const char *base = r->srv->cfg.base_url;
    size_t bl = strlen(base);
    if (s.len > bl + 1 && memcmp(s.ptr, base, bl) == 0 && s.ptr[bl] == '/')
        s = fg_str_n(s.ptr + bl + 1, s.len - bl - 1);
    if (!fg_str_split(s, '/', &type, &id) || !fg_is_fhir_id(id))
        return FG_OK;
    long ix = fhir_resource_type_index(type);
    if (ix < 0 || fhir_compartment_type_in_patient(type) ||
        !fg_bulk_params_wants_type(&r->job->params, fhir_resource_types[ix]))
        return FG_OK;
    if (r->refs.n == r->refs.cap)
        compact_refs(r); /* most references repeat (the same practitioners, organizations) */
    if (r->refs.n >= FG_MAX_BULK_REFERENCED)
        return FG_OK; /* the cap keeps memory bounded; the references stay in the resources */
    if (r->refs.n * 4 >= r->refs.cap * 3 && ids_grow(&r->refs) != FG_OK)
        return FG_ENOMEM; /* grown before full: compaction then pays off */
    return ids_add(&r->refs, s);
}

static enum fg_status walk_refs(struct run *r, const cJSON *node, int depth)
{
    enum fg_status st = FG_OK;
    for (const cJSON *c = node ? node->child : NULL; c && st == FG_OK && depth < 64; c = c->next) {
        if (c->string && strcmp(c->string, "reference") == 0 && cJSON_IsString(c))
            st = add_ref(r, c->valuestring);
        else if (cJSON_IsObject(c) || cJSON_IsArray(c))
            st = walk_refs(r, c, depth + 1);
    }
    return st;
}

static enum fg_status collect_refs(struct run *r, const struct fhir_resource *res)
{
    cJSON *t = cJSON_ParseWithLength(res->json.ptr, res->json.len);
    enum fg_status st = t ? walk_refs(r, t, 0) : FG_OK;
    cJSON_Delete(t);
    return st == FG_OK ? FG_OK : fg_error_set(r->err, st, NULL, "out of memory");
}

/* ---- searches ---- */

/* What one search of a type adds to: the file, the _typeFilter query (empty:
 * none) and, with several filters, the ids already written. */
struct type_search {
    struct out_file *o;
    struct fg_str filter;
    struct id_set *seen; /* NULL: one search only */
};

/* The page's search parameters: the job's (_count, _since, the cursor) and
 * the _typeFilter's, in pool. */
static enum fg_status page_pairs(struct run *r, struct fg_pool *pool, struct fg_str filter,
                                 const char *cursor, struct fhir_kv **out, size_t *n_out,
                                 struct fg_error *err)
{
    struct fhir_kv *fp = NULL;
    size_t nf = 0;
    if (filter.len) {
        enum fg_status st = fhir_form_parse(pool, filter, FG_MAX_SEARCH_PARAMS, &fp, &nf, err);
        if (st != FG_OK)
            return st;
    }
    struct fhir_kv *pairs = fg_pool_alloc(pool, (nf + 3) * sizeof *pairs);
    const char *count = fg_pool_printf(pool, "%d", FG_BULK_PAGE);
    if (!pairs || !count)
        return fg_error_set(err, FG_ENOMEM, NULL, "out of memory");
    size_t n = 0;
    pairs[n++] = (struct fhir_kv){fg_str_c("_count"), fg_str_c(count)};
    if (r->since[0])
        pairs[n++] = (struct fhir_kv){fg_str_c("_lastUpdated"), fg_str_c(r->since)};
    if (cursor)
        pairs[n++] = (struct fhir_kv){fg_str_c("_cursor"), fg_str_c(cursor)};
    if (nf)
        memcpy(pairs + n, fp, nf * sizeof *pairs);
    *out = pairs;
    *n_out = n + nf;
    return FG_OK;
}

/* Writes one match of a search (unless an earlier _typeFilter search of
 * the type wrote it). */
static enum fg_status export_match(struct run *r, const struct type_search *ts,
                                   const struct fhir_resource *m)
{
    if (r->job->level != FG_BULK_SYSTEM && !m->n_compartment)
        return FG_OK; /* a patient-level export holds what belongs to patients */
    if (ts->seen && ids_has(ts->seen, m->id))
        return FG_OK;
    enum fg_status st = write_line(r, ts->o, m);
    if (st == FG_OK && ts->seen && ids_add(ts->seen, m->id) != FG_OK)
        st = fg_error_set(r->err, FG_ENOMEM, NULL, "out of memory");
    if (st == FG_OK && r->job->level != FG_BULK_SYSTEM)
        st = collect_refs(r, m);
    return st;
}

/* One page of a type's search (confined to members when n_members > 0);
 * *cursor (an fg_malloc'ed string or NULL) moves to the next page, NULL at
 * the end. */
static enum fg_status export_page(struct run *r, const struct type_search *ts,
                                  const struct fg_str *members, size_t n_members, char **cursor)
{
    struct fg_pool *pool = fg_pool_new();
    if (!pool)
        return fg_error_set(r->err, FG_ENOMEM, NULL, "out of memory");
    struct out_file *o = ts->o;
    struct fg_req pr;
    page_req(r, pool, &pr);
    struct fhir_kv *pairs = NULL;
    size_t n = 0;
    struct fhir_query q;
    struct fhir_search_result res = {0};
    memset(&q, 0, sizeof q);
    struct fhir_store *store = NULL;
    enum fg_status st = fg_rest_store(&pr, &store);
    if (st == FG_OK)
        st = page_pairs(r, pool, ts->filter, *cursor, &pairs, &n, &pr.err);
    if (st == FG_OK)
        st = fhir_search_parse(pool, fg_str_c(o->type), fg_str_c(r->srv->cfg.base_url), pairs, n,
                               FHIR_HANDLING_LENIENT, &q, &pr.err);
    if (st == FG_OK)
        q.total = FHIR_TOTAL_NONE;
    if (st == FG_OK && n_members)
        st = fhir_query_restrict_compartment(pool, &q, members, n_members);
    if (st == FG_OK)
        st = fg_access_narrow_query(&pr, &q);
    fg_free(*cursor);
    *cursor = NULL;
    if (st == FG_EFORBIDDEN) {
        st = FG_OK; /* the access reaches none of these patients: nothing to add */
        goto out;
    }
    if (st == FG_OK)
        st = fhir_store_search(store, pool, &q, &res, &pr.err);
    if (st == FG_OK)
        st = fg_access_filter_search(&pr, &q, &res);
    for (size_t i = 0; st == FG_OK && i < res.n_matches; i++)
        st = export_match(r, ts, &res.matches[i]);
    if (st == FG_OK && res.next_cursor.len) {
        *cursor = fg_strndup(res.next_cursor.ptr, res.next_cursor.len);
        if (!*cursor)
            st = FG_ENOMEM;
    }
out:
    if (st != FG_OK && r->err->status == FG_OK)
        fg_error_set(r->err, st, NULL, "%s: %s", o->type,
                     pr.err.diagnostics[0] ? pr.err.diagnostics : "the search failed");
    fg_pool_free(&pool);
    return st;
}

static bool cancelled(const struct run *r)
{
    return atomic_load(&r->job->cancel);
}

/* Every page of one search of a type, for every chunk of members. */
static enum fg_status export_search(struct run *r, const struct type_search *ts)
{
    struct bulk_job *j = r->job;
    enum fg_status st = FG_OK;
    size_t step = j->confined ? FG_BULK_MEMBER_CHUNK : 1;
    size_t chunks = j->confined ? (j->n_members + step - 1) / step : 1;
    struct fg_str ids[FG_BULK_MEMBER_CHUNK];
    for (size_t c = 0; st == FG_OK && c < chunks; c++) {
        size_t n = 0;
        for (size_t k = c * step; j->confined && k < j->n_members && n < step; k++)
            ids[n++] = fg_str_c(j->members[k]);
        char *cursor = NULL;
        do {
            st = cancelled(r) ? FG_EBUSY : export_page(r, ts, ids, n, &cursor);
        } while (st == FG_OK && cursor);
        fg_free(cursor);
    }
    return st;
}

/* One type: one search, or one per _typeFilter of the type (ORed: a
 * resource two of them find is written once). */
static enum fg_status export_type(struct run *r, const char *type)
{
    struct out_file o = {.type = type};
    const struct fg_bulk_params *p = &r->job->params;
    fg_bulk_params_elements_for(p, type, o.elements, &o.n_elements);
    size_t n_filters = 0;
    for (size_t i = 0; i < p->n_filters; i++)
        n_filters += p->filters[i].type == type;
    struct id_set seen = {0};
    struct type_search ts = {.o = &o, .seen = n_filters > 1 ? &seen : NULL};
    enum fg_status st = FG_OK;
    if (!n_filters)
        st = export_search(r, &ts);
    for (size_t i = 0; st == FG_OK && i < p->n_filters; i++) {
        if (p->filters[i].type != type)
            continue;
        ts.filter = p->filters[i].query;
        st = export_search(r, &ts);
        ids_seal(&seen);
    }
    ids_free(&seen);
    if (st == FG_OK)
        st = file_close(r, &o);
    file_abandon(&o);
    return st;
}

/* The referenced resources, type by type (sorted), each read and shown
 * only when the policy would show it to a read by id. */
static enum fg_status export_referenced(struct run *r)
{
    compact_refs(r);
    struct fhir_store *store = r->srv->store;
    enum fg_status st = FG_OK;
    size_t i = 0;
    while (st == FG_OK && i < r->refs.n) {
        struct fg_str type, id;
        fg_str_split(fg_str_c(r->refs.ids[i]), '/', &type, &id);
        long ix = fhir_resource_type_index(type);
        struct out_file o = {.type = fhir_resource_types[ix]};
        fg_bulk_params_elements_for(&r->job->params, o.type, o.elements, &o.n_elements);
        bool ok = !cancelled(r) && granted(r, o.type, FG_IA_READ);
        if (cancelled(r))
            st = FG_EBUSY;
        for (; st == FG_OK && i < r->refs.n &&
               fg_str_split(fg_str_c(r->refs.ids[i]), '/', &type, &id) &&
               fg_str_eq_c(type, o.type);
             i++) {
            if (!ok)
                continue;
            struct fg_pool *pool = fg_pool_new();
            struct fg_req pr;
            struct fhir_resource res;
            size_t n = 1;
            page_req(r, pool, &pr);
            enum fg_status rs = pool ? fhir_store_read(store, pool, type, id, &res, &pr.err)
                                     : FG_ENOMEM;
            if (rs == FG_OK)
                st = fg_access_filter_result(&pr, FG_IA_READ, &res, &n);
            else if (rs != FG_ENOTFOUND && rs != FG_EGONE)
                st = rs;
            if (st == FG_OK && rs == FG_OK && n)
                st = write_line(r, &o, &res);
            if (st != FG_OK && r->err->status == FG_OK)
                fg_error_set(r->err, st, NULL, "%s/%.*s: %s", o.type, (int)id.len, id.ptr,
                             pr.err.diagnostics);
            fg_pool_free(&pool);
        }
        if (st == FG_OK)
            st = file_close(r, &o);
        file_abandon(&o);
    }
    return st;
}

static void progress(struct run *r, bulk_progress_fn *fn, void *arg, const char *type, size_t k,
                     size_t n)
{
    char text[128];
    if (snprintf(text, sizeof text, "%s (%zu of %zu types)", type, k, n) >= (int)sizeof text)
        text[0] = '\0';
    fn(arg, r->job, text);
}

static void run_cleanup(struct run *r)
{
    ids_free(&r->refs);
    fg_pool_free(&r->pool);
}

enum fg_status fg_bulk_export_run(struct fg_server *srv, struct bulk_job *job,
                                  bulk_progress_fn *fn, void *arg, struct fg_error *err)
{
    struct run r;
    memset(&r, 0, sizeof r);
    r.srv = srv;
    r.job = job;
    r.err = err;
    r.pool = fg_pool_new();
    const char *types[FG_MAX_BULK_TYPES > 200 ? FG_MAX_BULK_TYPES : 200];
    size_t n_types = 0;
    enum fg_status st = r.pool ? FG_OK : fg_error_set(err, FG_ENOMEM, NULL, "out of memory");
    if (st == FG_OK) {
        page_req(&r, r.pool, &r.req);
        r.req.auth = NULL;
        st = fg_access_copy_restore(&r.req, job->access);
        if (st != FG_OK)
            fg_error_set(err, st, NULL, "%s", r.req.err.diagnostics);
    }
    char when[FG_INSTANT_MAX];
    if (job->params.has_since) {
        fg_clock_format_instant(job->params.since_us, when);
        if (snprintf(r.since, sizeof r.since, "gt%s", when) >= (int)sizeof r.since)
            r.since[0] = '\0';
    }
    for (size_t i = 0; st == FG_OK && i < fhir_resource_types_count; i++) {
        const char *t = fhir_resource_types[i];
        bool level_ok = job->level == FG_BULK_SYSTEM || fhir_compartment_type_in_patient(fg_str_c(t));
        if (level_ok && fg_bulk_params_wants_type(&job->params, t) && n_types < sizeof types / sizeof types[0] &&
            granted(&r, t, FG_IA_SEARCH_TYPE))
            types[n_types++] = t;
    }
    for (size_t i = 0; st == FG_OK && i < n_types; i++) {
        progress(&r, fn, arg, types[i], i + 1, n_types);
        st = export_type(&r, types[i]);
    }
    if (st == FG_OK && job->level != FG_BULK_SYSTEM) {
        fn(arg, job, "referenced resources");
        st = export_referenced(&r);
    }
    if (st == FG_EBUSY && cancelled(&r))
        fg_error_set(err, st, NULL, "cancelled");
    run_cleanup(&r);
    return st;
}
