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

/* The first page of a history from the upstream. Later pages (a _page key)
 * are refused: an upstream's history paging has no stable key the gateway
 * could re-check, and a wrong page is worse than a clear refusal. */
static enum fg_status up_history(struct fhir_store *store, struct fg_pool *pool, struct fg_str type,
                                 struct fg_str id, const struct fhir_history_query *q,
                                 struct fhir_history_result *out, struct fg_error *err)
{
    if (q->page)
        return fg_error_set(err, FG_ENOTSUP, "_page",
                            "paging through a history is not supported in upstream mode: "
                            "ask with a larger _count or a later _since");
    int64_t since_us = q->since_us;
    int count = q->count;
    struct up_store *s = UP(store);
    struct up_response r;
    struct up_bundle b;
    struct fg_buf path;
    char since[FG_INSTANT_MAX];
    fg_buf_init(&path, FG_MAX_URL_BYTES);
    memset(&r, 0, sizeof r);
    enum fg_status st = FG_OK;
    if (type.len)
        st = fg_buf_printf(&path, "%.*s/", (int)type.len, type.ptr);
    if (st == FG_OK && id.len)
        st = fg_buf_printf(&path, "%.*s/", (int)id.len, id.ptr);
    if (st == FG_OK)
        st = fg_buf_printf(&path, "_history?_count=%d", count);
    if (st == FG_OK && since_us > 0) {
        fg_clock_format_instant(since_us, since);
        st = fg_buf_printf(&path, "&_since=%s", since);
    }
    if (st != FG_OK || (id.len && !fg_is_fhir_id(id))) {
        st = fg_error_set(err, FG_EINVAL, NULL, "bad history request");
        goto out;
    }
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
    }
out:
    up_response_cleanup(&r);
    fg_buf_cleanup(&path);
    return st;
}

/* ---- search ---- */

/* Keeps only the matches in the query's compartment (the upstream was
 * asked for them; this makes sure). Returns how many were dropped. */
static size_t keep_compartment(const struct fhir_query *q, struct up_bundle *b)
{
    size_t k = 0;
    for (size_t i = 0; i < b->n_matches; i++)
        if (up_in_compartment(q, &b->matches[i]))
            b->matches[k++] = b->matches[i];
    size_t dropped = b->n_matches - k;
    b->n_matches = k;
    return dropped;
}

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

static enum fg_status up_search(struct fhir_store *store, struct fg_pool *pool,
                                const struct fhir_query *q, struct fhir_search_result *out,
                                struct fg_error *err)
{
    struct up_store *s = UP(store);
    struct up_response r;
    struct up_bundle b;
    struct fg_str path;
    bool empty = false;
    memset(&r, 0, sizeof r);
    enum fg_status st = up_search_path(pool, q, &path, &empty, err);
    if (st != FG_OK)
        return st;
    memset(out, 0, sizeof *out);
    if (empty) {
        out->total = q->total == FHIR_TOTAL_NONE ? -1 : 0;
        return FG_OK;
    }
    st = up_http(s, "GET", path, FG_STR_NULL, NULL, &r, err);
    if (st == FG_OK && r.status != 200)
        st = up_status_error(&r, "search", err);
    if (st == FG_OK)
        st = up_bundle_parse(pool, fg_str_c(s->url), q->type, fg_buf_str(&r.body), "searchset", &b,
                             err);
    if (st == FG_OK)
        st = up_check_used(q->type, path, b.self, err);
    if (st != FG_OK)
        goto out;
    offset_cursors(pool, q, &b);
    /* A total that counted what is not shown would reveal it. */
    if (keep_compartment(q, &b) || q->total == FHIR_TOTAL_NONE)
        b.total = -1;
    out->matches = b.matches;
    out->n_matches = b.n_matches;
    out->included = b.included;
    out->n_included = b.n_included;
    out->total = b.total;
    out->next_cursor = b.next;
    out->prev_cursor = b.prev;
    out->self_cursor = q->cursor;
out:
    up_response_cleanup(&r);
    return st;
}

static void up_close(struct fhir_store *store)
{
    struct up_store *s = UP(store);
    for (size_t i = 0; i < s->n_idle; i++)
        curl_easy_cleanup(s->idle[i]);
    fg_free(s->idle);
    up_token_cleanup(&s->token);
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
