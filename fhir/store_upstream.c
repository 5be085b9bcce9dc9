/* store_upstream.c - the store interface (store.h) over an upstream FHIR
 * server: read, vread, history, search with paging and includes, and
 * writes (one interaction, or a transaction Bundle for several).
 *
 * What the upstream answers is parsed and checked (store_upstream_parse.c)
 * and every resource gets its patient compartment computed here, so the
 * policy seam filters upstream results exactly as the embedded store's.
 * Paging: a cursor is the upstream's paging state (never its filters), or
 * `_offset` for servers that give totals but no next link.
 * What the upstream cannot do is its error (4xx / 501 mapped by
 * up_status_error), never a silently different answer; the atomicity of a
 * transaction is the upstream's promise.
 * Spec: http://hl7.org/fhir/R4/http.html
 */
#include <inttypes.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "../core/fg_limits.h"
#include "../core/fg_mem.h"
#include "store_upstream_internal.h"

static struct up_store *UP(struct fhir_store *s)
{
    return (struct up_store *)s;
}

/* "Type/id" or "Type/id/_history/vid" (ids are FHIR ids: URL-safe). */
static struct fg_str instance_path(struct fg_pool *pool, struct fg_str type, struct fg_str id,
                                   struct fg_str vid)
{
    const char *p =
        vid.len ? fg_pool_printf(pool, "%.*s/%.*s/_history/%.*s", (int)type.len, type.ptr,
                                 (int)id.len, id.ptr, (int)vid.len, vid.ptr)
                : fg_pool_printf(pool, "%.*s/%.*s", (int)type.len, type.ptr, (int)id.len, id.ptr);
    return fg_str_c(p);
}

/* Parses a single-resource answer and checks it is the one asked for. */
static enum fg_status one_resource(struct up_store *s, struct fg_pool *pool,
                                   const struct up_response *r, struct fg_str type,
                                   struct fg_str id, struct fhir_resource *out,
                                   struct fg_error *err)
{
    cJSON *j = NULL;
    enum fg_status st = up_parse_json(pool, fg_buf_str(&r->body), &j, err);
    if (st == FG_OK)
        st = up_resource_from_json(pool, fg_str_c(s->url), j, type, out, err);
    if (st == FG_OK && id.len && !fg_str_eq(out->id, id))
        st = fg_error_set(err, FG_EUPSTREAM, NULL,
                          "the upstream FHIR server answered with another resource than asked "
                          "for");
    return st;
}

static enum fg_status get_instance(struct fhir_store *store, struct fg_pool *pool,
                                   struct fg_str type, struct fg_str id, struct fg_str vid,
                                   struct fhir_resource *out, struct fg_error *err)
{
    struct up_store *s = UP(store);
    struct up_response r;
    const char *what = vid.len ? "vread" : "read";
    if (!fg_is_fhir_id(id) || (vid.len && !fg_is_fhir_id(vid)))
        return fg_error_set(err, FG_ENOTFOUND, NULL, "%.*s/%.*s is not known", (int)type.len,
                            type.ptr, (int)(id.len > 64 ? 64 : id.len), id.ptr);
    struct fg_str path = instance_path(pool, type, id, vid);
    enum fg_status st = path.ptr ? up_http(s, "GET", path, FG_STR_NULL, NULL, &r, err)
                                 : fg_error_set(err, FG_ENOMEM, NULL, "out of memory");
    if (st != FG_OK)
        goto out;
    if (r.status == 200) {
        st = one_resource(s, pool, &r, type, id, out, err);
    } else if (r.status == 410) {
        memset(out, 0, sizeof *out);
        out->type = type;
        out->id = id;
        out->deleted = true;
        st = fg_error_set(err, FG_EGONE, NULL, "%.*s/%.*s has been deleted", (int)type.len,
                          type.ptr, (int)id.len, id.ptr);
    } else {
        st = up_status_error(&r, what, err);
    }
out:
    up_response_cleanup(&r);
    return st;
}

static enum fg_status up_read(struct fhir_store *store, struct fg_pool *pool, struct fg_str type,
                              struct fg_str id, struct fhir_resource *out, struct fg_error *err)
{
    return get_instance(store, pool, type, id, FG_STR_NULL, out, err);
}

static enum fg_status up_vread(struct fhir_store *store, struct fg_pool *pool, struct fg_str type,
                               struct fg_str id, struct fg_str version, struct fhir_resource *out,
                               struct fg_error *err)
{
    return get_instance(store, pool, type, id, version, out, err);
}

/* Type and system history are optional in FHIR: an upstream without them
 * cannot do it, which is not the same as "nothing there". */
static enum fg_status unsupported_history(struct fg_str type, struct fg_error *err)
{
    return fg_error_set(err, FG_ENOTSUP, NULL,
                        "the upstream FHIR server does not support %s-level history",
                        type.len ? "type" : "system");
}

/* "[Type/][id/]_history?_count=N[&_since=S]": the request of every page
 * of a history (a page adds only its sealed paging state). */
static enum fg_status history_path(struct fg_str type, struct fg_str id,
                                   const struct fhir_history_query *q, struct fg_buf *path)
{
    char since[FG_INSTANT_MAX];
    enum fg_status st = FG_OK;
    if (id.len && !fg_is_fhir_id(id))
        return FG_EINVAL;
    if (type.len)
        st = fg_buf_printf(path, "%.*s/", (int)type.len, type.ptr);
    if (st == FG_OK && id.len)
        st = fg_buf_printf(path, "%.*s/", (int)id.len, id.ptr);
    if (st == FG_OK)
        st = fg_buf_printf(path, "_history?_count=%d", q->count);
    if (st == FG_OK && q->since_us > 0) {
        fg_clock_format_instant(q->since_us, since);
        st = fg_buf_printf(path, "&_since=%s", since);
    }
    return st;
}

/* A page of a history: the first, or the one a sealed position names (the
 * upstream's own paging state from its next/previous link, checked to
 * belong to this very history request: store_upstream_page.c). */
static enum fg_status up_history(struct fhir_store *store, struct fg_pool *pool, struct fg_str type,
                                 struct fg_str id, const struct fhir_history_query *q,
                                 struct fhir_history_result *out, struct fg_error *err)
{
    int count = q->count;
    struct up_store *s = UP(store);
    struct up_response r;
    struct up_bundle b;
    struct fg_buf path;
    struct fg_str bound, state = FG_STR_NULL;
    fg_buf_init(&path, FG_MAX_URL_BYTES + FG_MAX_UPSTREAM_CURSOR + 64);
    memset(&r, 0, sizeof r);
    enum fg_status st = history_path(type, id, q, &path);
    if (st != FG_OK) {
        st = fg_error_set(err, FG_EINVAL, NULL, "bad history request");
        goto out;
    }
    bound = fg_str_c(fg_pool_strndup(pool, path.data, path.len));
    if (!bound.ptr) {
        st = fg_error_set(err, FG_ENOMEM, NULL, "out of memory");
        goto out;
    }
    if (q->page_opaque.len)
        st = up_page_open(s, "history", bound, q->page_opaque, "_page", &state, err);
    if (st == FG_OK && state.len &&
        (fg_buf_append_char(&path, '&') != FG_OK || fg_buf_append_str(&path, state) != FG_OK))
        st = fg_error_set(err, FG_EINVAL, "_page", "_page is too long");
    if (st != FG_OK)
        goto out;
    st = up_http(s, "GET", fg_buf_str(&path), FG_STR_NULL, NULL, &r, err);
    bool refused = st == FG_OK && r.status != 200;
    if (refused && !id.len && r.status != 401 && r.status != 403 && r.status < 500)
        st = unsupported_history(type, err);
    else if (refused)
        st = up_status_error(&r, "history", err);
    if (st == FG_OK) {
        st = up_bundle_parse(pool, fg_str_c(s->url), type, fg_buf_str(&r.body), "history", &b, err);
        /* Some servers read "Type/_history" as something else: not history. */
        if (st == FG_EUPSTREAM && !id.len) {
            fg_error_clear(err);
            st = unsupported_history(type, err);
        }
    }
    if (st == FG_OK) {
        out->versions = b.matches;
        out->n_versions = b.n_matches > (size_t)count ? (size_t)count : b.n_matches;
        out->total = b.total;
        out->next_opaque = up_page_seal(pool, s, "history", bound, b.next);
        out->prev_opaque = up_page_seal(pool, s, "history", bound, b.prev);
        out->has_next = out->next_opaque.len > 0;
        out->has_prev = out->prev_opaque.len > 0;
        if ((b.next.len && !out->has_next) || (b.prev.len && !out->has_prev))
            st = fg_error_set(err, FG_ENOMEM, NULL, "out of memory");
    }
out:
    up_response_cleanup(&r);
    fg_buf_cleanup(&path);
    return st;
}

/* ---- search ---- */

/* Offset paging for upstreams that give a total but no paging links. */
static void offset_cursors(struct fg_pool *pool, const struct fhir_query *q, struct up_bundle *b)
{
    int64_t offset = up_state_int(q->cursor, "_offset");
    if (!b->next.len && b->total >= 0 && q->count > 0 && offset + q->count < b->total)
        b->next = fg_str_c(fg_pool_printf(pool, "_offset=%" PRId64, offset + q->count));
    if (!b->prev.len && offset > 0)
        b->prev = fg_str_c(
            fg_pool_printf(pool, "_offset=%" PRId64, offset > q->count ? offset - q->count : 0));
}

/* One page of one compartment leg: GET, parse, check that every filter
 * was used, derive offset paging. *empty when the leg has nothing to ask. */
static enum fg_status leg_page(struct up_store *s, struct fg_pool *pool, const struct fhir_query *q,
                               size_t leg, struct up_bundle *b, bool *empty, struct fg_error *err)
{
    struct up_response r;
    struct fg_str path;
    memset(&r, 0, sizeof r);
    memset(b, 0, sizeof *b);
    b->total = -1;
    enum fg_status st = up_search_leg_path(pool, q, leg, &path, empty, err);
    if (st != FG_OK || *empty)
        return st;
    st = up_http(s, "GET", path, FG_STR_NULL, NULL, &r, err);
    if (st == FG_OK && r.status != 200)
        st = up_status_error(&r, "search", err);
    if (st == FG_OK)
        st = up_bundle_parse(pool, fg_str_c(s->url), q->type, fg_buf_str(&r.body), "searchset", b,
                             err);
    if (st == FG_OK)
        st = up_check_used(q->type, path, b->self, err);
    if (st == FG_OK)
        offset_cursors(pool, q, b);
    up_response_cleanup(&r);
    return st;
}

/* Appends src's resources to the pool array *dst (n, cap). */
static enum fg_status append_all(struct fg_pool *pool, struct fhir_resource **dst, size_t *n,
                                 size_t *cap, const struct fhir_resource *src, size_t n_src)
{
    if (*n + n_src > *cap) {
        size_t want = (*n + n_src) * 2;
        struct fhir_resource *grown = fg_pool_alloc(pool, want * sizeof *grown);
        if (!grown)
            return FG_ENOMEM;
        if (*n)
            memcpy(grown, *dst, *n * sizeof *grown);
        *dst = grown;
        *cap = want;
    }
    if (n_src)
        memcpy(*dst + *n, src, n_src * sizeof *src);
    *n += n_src;
    return FG_OK;
}

static enum fg_status too_many(const struct fhir_query *q, const char *leg, struct fg_error *err)
{
    return fg_error_set(err, FG_ENOTSUP, NULL,
                        "too many %.*s resources reach the patient through %s for the upstream "
                        "FHIR server to be searched by it",
                        (int)q->type.len, q->type.ptr, leg);
}

/* The matches that reach q's patients only through the type's other
 * compartment parameters (legs 1..), each leg read to its end, every
 * match of an earlier leg dropped, plus their includes. Bounded by
 * FG_MAX_UPSTREAM_LEG_PAGES pages a leg and FG_MAX_UPSTREAM_EXTRAS
 * matches: past that the search is refused (FG_ENOTSUP) rather than
 * answered short. */
static enum fg_status secondary_legs(struct up_store *s, struct fg_pool *pool,
                                     const struct fhir_query *q, struct up_bundle *extra,
                                     struct fg_error *err)
{
    const char *legs[FG_MAX_UPSTREAM_LEGS];
    size_t n_legs = up_compartment_legs(q->type, legs, FG_MAX_UPSTREAM_LEGS), cap_m = 0, cap_i = 0;
    memset(extra, 0, sizeof *extra);
    struct fhir_query lq = *q;
    lq.count = FG_MAX_COUNT;
    lq.total = FHIR_TOTAL_NONE;
    enum fg_status st = FG_OK;
    for (size_t leg = 1; st == FG_OK && leg < n_legs; leg++) {
        lq.cursor = FG_STR_NULL;
        for (int page = 0; st == FG_OK; page++) {
            struct up_bundle b;
            bool empty = false;
            if (page == FG_MAX_UPSTREAM_LEG_PAGES)
                return too_many(q, legs[leg], err);
            st = leg_page(s, pool, &lq, leg, &b, &empty, err);
            if (st != FG_OK || empty)
                break;
            size_t k = 0;
            for (size_t i = 0; i < b.n_matches; i++)
                if (up_leg_match_holds(s, pool, q, leg, &b.matches[i], b.included,
                                       b.n_included))
                    b.matches[k++] = b.matches[i];
            st = append_all(pool, &extra->matches, &extra->n_matches, &cap_m, b.matches, k);
            if (st == FG_OK && k)
                st = append_all(pool, &extra->included, &extra->n_included, &cap_i, b.included,
                                b.n_included);
            if (st != FG_OK)
                return fg_error_set(err, st, NULL, "out of memory");
            if (extra->n_matches > FG_MAX_UPSTREAM_EXTRAS)
                return too_many(q, legs[leg], err);
            if (!b.next.len)
                break;
            lq.cursor = b.next;
        }
    }
    return st;
}

/* How many matches the secondary legs found, as a page counted them, rides
 * in the positions it seals: "<count>!<upstream state>" (up_link_state
 * never makes a state that starts so: '!' is no name byte). A later page
 * that only needs the count for its total takes it from there instead of
 * reading every secondary leg again. Returns the count and leaves *state
 * the upstream's own; -1 (state untouched) when the position has none. */
static int64_t take_count(struct fg_str *state)
{
    size_t i = 0;
    int64_t n = -1;
    while (i < state->len && i < 6 && state->ptr[i] >= '0' && state->ptr[i] <= '9')
        i++;
    if (!i || i >= state->len || state->ptr[i] != '!' ||
        fg_parse_i64(fg_str_n(state->ptr, i), 0, FG_MAX_UPSTREAM_EXTRAS, &n) != FG_OK)
        return -1;
    *state = fg_str_n(state->ptr + i + 1, state->len - i - 1);
    return n;
}

/* state with the count in front (see take_count); state as it is when
 * there is no count, no state, or no room. */
static struct fg_str with_count(struct fg_pool *pool, struct fg_str state, int64_t n)
{
    if (n < 0 || !state.len)
        return state;
    char *p = fg_pool_printf(pool, "%" PRId64 "!%.*s", n, (int)state.len, state.ptr);
    return p && strlen(p) <= FG_MAX_UPSTREAM_CURSOR ? fg_str_c(p) : state;
}

/* Keeps only the matches that hold (up_match_holds: the query's
 * compartment, chains that reached only its patients, its filters as the
 * gateway evaluates them). Returns how many were dropped. */
static size_t keep_holding(const struct up_store *s, struct fg_pool *pool,
                           const struct fhir_query *q, struct up_bundle *b)
{
    size_t k = 0;
    for (size_t i = 0; i < b->n_matches; i++)
        if (up_match_holds(s, pool, q, &b->matches[i], b->included, b->n_included))
            b->matches[k++] = b->matches[i];
    size_t dropped = b->n_matches - k;
    b->n_matches = k;
    return dropped;
}

/* What a search's sealed positions are bound to: the upstream request
 * without its page size. A position holds for the same search at any
 * _count (Patient/$everything continues a type with whatever room its
 * page has left); the state itself is an offset or the upstream's own
 * token, never a page size (up_link_state drops _count). */
static enum fg_status search_bound(struct fg_pool *pool, const struct fhir_query *q,
                                   struct fg_str *bound, bool *empty, struct fg_error *err)
{
    struct fhir_query bq = *q;
    bq.count = 0;
    return up_search_leg_path(pool, &bq, 0, bound, empty, err);
}

/* A search: leg 0 pages as the upstream pages it; the matches found only
 * through the other compartment parameters are listed after leg 0's last
 * page and count in the total. They are read when the page needs them:
 * on leg 0's last page, for a total the positions given out do not carry
 * yet (see take_count), and for a sorted search, which is refused when
 * there are any (their order among leg 0's is not known). */
static enum fg_status up_search(struct fhir_store *store, struct fg_pool *pool,
                                const struct fhir_query *q, struct fhir_search_result *out,
                                struct fg_error *err)
{
    struct up_store *s = UP(store);
    struct up_bundle b, extra;
    struct fhir_query cq; /* q plus the includes its chains need (up_chain_includes) */
    struct fhir_query pq; /* cq with the upstream state its _cursor holds */
    struct fg_str bound;
    int64_t n_extra = -1; /* secondary matches; -1: not known */
    bool empty = false, gateway_includes = false;
    memset(out, 0, sizeof *out);
    memset(&extra, 0, sizeof extra);
    enum fg_status st = up_check_chains(q, err);
    if (st == FG_OK && up_chain_includes(pool, q, &cq, &gateway_includes) != FG_OK)
        st = fg_error_set(err, FG_ENOMEM, NULL, "out of memory");
    if (st != FG_OK)
        return st;
    q = &cq;
    pq = cq;
    pq.cursor = FG_STR_NULL;
    st = search_bound(pool, &pq, &bound, &empty, err);
    if (st == FG_OK && q->cursor.len && !empty) {
        st = up_page_open(s, "search", bound, q->cursor, "_cursor", &pq.cursor, err);
        n_extra = take_count(&pq.cursor);
    }
    if (st == FG_OK && !empty)
        st = leg_page(s, pool, &pq, 0, &b, &empty, err);
    if (st != FG_OK)
        return st;
    if (empty) {
        out->total = q->total == FHIR_TOTAL_NONE ? -1 : 0;
        return FG_OK;
    }
    /* A total that counted what is not shown would reveal it. */
    if (keep_holding(s, pool, q, &b) || q->total == FHIR_TOTAL_NONE)
        b.total = -1;
    bool last = !b.next.len && pq.count > 0;
    if (!q->n_compartment_patients)
        n_extra = 0;
    else if (last || q->n_sorts || (b.total >= 0 && n_extra < 0)) {
        st = secondary_legs(s, pool, q, &extra, err);
        if (st != FG_OK)
            return st;
        n_extra = (int64_t)extra.n_matches;
    }
    if (extra.n_matches && q->n_sorts)
        return fg_error_set(err, FG_ENOTSUP, "_sort",
                            "_sort is not supported in upstream mode when %.*s resources reach "
                            "the patient through more than one reference",
                            (int)q->type.len, q->type.ptr);
    if (b.total >= 0)
        b.total += n_extra;
    size_t cap_m = b.n_matches, cap_i = b.n_included;
    if (last && extra.n_matches &&
        (append_all(pool, &b.matches, &b.n_matches, &cap_m, extra.matches, extra.n_matches) !=
             FG_OK ||
         append_all(pool, &b.included, &b.n_included, &cap_i, extra.included, extra.n_included) !=
             FG_OK))
        return fg_error_set(err, FG_ENOMEM, NULL, "out of memory");
    out->matches = b.matches;
    out->n_matches = b.n_matches;
    /* Targets included only to check chains are not the client's to see. */
    out->included = gateway_includes ? NULL : b.included;
    out->n_included = gateway_includes ? 0 : b.n_included;
    out->total = b.total;
    if (q->n_compartment_patients) {
        b.next = with_count(pool, b.next, n_extra);
        b.prev = with_count(pool, b.prev, n_extra);
    }
    out->next_cursor = up_page_seal(pool, s, "search", bound, b.next);
    out->prev_cursor = up_page_seal(pool, s, "search", bound, b.prev);
    out->self_cursor = q->cursor;
    if ((b.next.len && !out->next_cursor.len) || (b.prev.len && !out->prev_cursor.len))
        return fg_error_set(err, FG_ENOMEM, NULL, "out of memory");
    return FG_OK;
}

static void up_close(struct fhir_store *store)
{
    struct up_store *s = UP(store);
    for (size_t i = 0; i < s->n_idle; i++)
        curl_easy_cleanup(s->idle[i]);
    fg_free(s->idle);
    up_token_cleanup(&s->token);
    OPENSSL_cleanse(s->paging_key, sizeof s->paging_key);
    pthread_mutex_destroy(&s->pool_lock);
    char *secrets[] = {s->bearer, s->client_secret};
    for (size_t i = 0; i < 2; i++)
        if (secrets[i])
            OPENSSL_cleanse(secrets[i], strlen(secrets[i]));
    char *all[] = {s->url,       s->base_url,      s->bearer, s->token_url,
                   s->client_id, s->client_secret, s->scope,  s->ca_file};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        fg_free(all[i]);
    fg_free(s);
}

static const struct fhir_store_ops up_ops = {
    .name = "upstream",
    .read = up_read,
    .vread = up_vread,
    .history = up_history,
    .search = up_search,
    .write = up_write,
    .close = up_close,
    .opaque_history_pages = true,
};

/* ---- open ---- */

static enum fg_status dup_opt(const char *in, char **out, struct fg_error *err)
{
    *out = NULL;
    if (!in)
        return FG_OK;
    *out = fg_strdup(in);
    return *out ? FG_OK : fg_error_set(err, FG_ENOMEM, NULL, "out of memory");
}

/* A value sent in a header or Basic credentials: printable, no ':' in ids. */
static bool header_safe(const char *v, bool colon_ok)
{
    if (!v || !v[0])
        return false;
    for (const char *p = v; *p; p++)
        if ((unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e || (!colon_ok && *p == ':'))
            return false;
    return true;
}

static enum fg_status check_options(const struct fhir_store_upstream_options *o,
                                    struct fg_error *err)
{
    struct fg_str url = fg_str_c(o->url);
    if (!fg_str_starts_with(url, "http://") && !fg_str_starts_with(url, "https://"))
        return fg_error_set(err, FG_EINVAL, "upstream",
                            "the upstream must be an http:// or https:// FHIR base URL");
    if (url.len > 2048 || memchr(url.ptr, '?', url.len) || memchr(url.ptr, '#', url.len))
        return fg_error_set(err, FG_EINVAL, "upstream",
                            "the upstream FHIR base URL must have no query or fragment");
    if (o->auth == FHIR_UPSTREAM_AUTH_BEARER && !header_safe(o->bearer_token, true))
        return fg_error_set(err, FG_EINVAL, "upstream_token",
                            "upstream_auth bearer needs upstream_token (printable, no spaces)");
    if (o->auth == FHIR_UPSTREAM_AUTH_CLIENT_CREDENTIALS &&
        (!o->token_url ||
         (!fg_str_starts_with(fg_str_c(o->token_url), "https://") &&
          !fg_str_starts_with(fg_str_c(o->token_url), "http://")) ||
         !header_safe(o->client_id, false) || !header_safe(o->client_secret, true)))
        return fg_error_set(err, FG_EINVAL, "upstream_client_id",
                            "upstream_auth client_credentials needs upstream_token_url, "
                            "upstream_client_id and upstream_client_secret");
    return FG_OK;
}

enum fg_status fhir_store_upstream_open(const struct fhir_store_upstream_options *opt,
                                        const struct fg_clock *clock, struct fhir_store **out,
                                        struct fg_error *err)
{
    struct up_store *s = NULL;
    enum fg_status rc = check_options(opt, err);
    if (rc != FG_OK)
        return rc;
    /* Before any thread exists (serve opens the store first). */
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return fg_error_set(err, FG_EIO, NULL, "libcurl cannot be initialised");
    s = fg_calloc(1, sizeof *s);
    if (!s)
        return fg_error_set(err, FG_ENOMEM, NULL, "out of memory");
    s->base.ops = &up_ops;
    s->base.clock = clock;
    s->connect_timeout_ms = opt->connect_timeout_ms > 0 ? opt->connect_timeout_ms : 2000;
    s->timeout_ms = opt->timeout_ms > 0 ? opt->timeout_ms : 30000;
    s->retries = opt->retries > 0 ? opt->retries : 0;
    s->max_idle = opt->max_idle > 0 ? (size_t)opt->max_idle : 16;
    s->auth = opt->auth;
    pthread_mutex_init(&s->pool_lock, NULL);
    pthread_mutex_init(&s->token.lock, NULL);
    s->idle = fg_calloc(s->max_idle, sizeof *s->idle);
    rc = s->idle ? FG_OK : fg_error_set(err, FG_ENOMEM, NULL, "out of memory");
    if (rc == FG_OK)
        rc = up_paging_key_init(s, opt->paging_key, err);
    if (rc == FG_OK)
        rc = dup_opt(opt->url, &s->url, err);
    if (rc == FG_OK)
        rc = dup_opt(opt->base_url ? opt->base_url : "", &s->base_url, err);
    if (rc == FG_OK && opt->ca_file && opt->ca_file[0])
        rc = dup_opt(opt->ca_file, &s->ca_file, err);
    if (rc == FG_OK && opt->auth == FHIR_UPSTREAM_AUTH_BEARER)
        rc = dup_opt(opt->bearer_token, &s->bearer, err);
    if (rc == FG_OK && opt->auth == FHIR_UPSTREAM_AUTH_CLIENT_CREDENTIALS) {
        rc = dup_opt(opt->token_url, &s->token_url, err);
        if (rc == FG_OK)
            rc = dup_opt(opt->client_id, &s->client_id, err);
        if (rc == FG_OK)
            rc = dup_opt(opt->client_secret, &s->client_secret, err);
        if (rc == FG_OK)
            rc = dup_opt(opt->scope, &s->scope, err);
    }
    if (rc != FG_OK) {
        up_close(&s->base);
        return rc;
    }
    size_t len = strlen(s->url);
    while (len && s->url[len - 1] == '/')
        s->url[--len] = '\0';
    *out = &s->base;
    return FG_OK;
}
