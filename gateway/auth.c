/* auth.c - the authorization server's state: connection pool, keys, issuer. */
#include "auth.h"

#include <curl/curl.h>
#include <pthread.h>
#include <string.h>

#include "../core/fg_limits.h"
#include "../core/fg_mem.h"
#include "jwks_fetch.h"

struct fg_auth {
    const struct fg_clock *clock;    /* borrowed */
    const char *base_url;            /* borrowed */
    pthread_mutex_t lock;
    pthread_cond_t freed;
    struct smart_authdb **all;       /* owned: every connection */
    struct smart_authdb **idle;      /* stack of connections not in use */
    size_t n, n_idle;
    struct fg_keyset_holder *keys;   /* owned */
    struct fg_jwks_cache *jwks_cache; /* owned */
};

static void auth_free(struct fg_auth *a)
{
    for (size_t i = 0; i < a->n; i++)
        smart_authdb_close(&a->all[i]);
    fg_free(a->all);
    fg_free(a->idle);
    fg_keyset_holder_close(&a->keys);
    fg_jwks_cache_free(&a->jwks_cache);
    pthread_cond_destroy(&a->freed);
    pthread_mutex_destroy(&a->lock);
    fg_free(a);
}

static enum fg_status load_keys(struct fg_auth *a, struct fg_error *err)
{
    enum fg_status st = fg_keyset_holder_open(a->all[0], fg_clock_now_s(a->clock),
                                              fg_clock_mono_us(), &a->keys);
    if (st != FG_OK)
        return fg_error_set(err, st, NULL, "cannot load or create the signing keys");
    return FG_OK;
}

enum fg_status fg_auth_open(const char *path, const struct fg_clock *clock, const char *base_url,
                            size_t n, struct fg_auth **out, struct fg_error *err)
{
    if (n == 0 || n > FG_AUTH_MAX_POOL)
        return fg_error_set(err, FG_EINVAL, NULL, "auth pool size %zu out of range", n);
    /* libcurl (client JWKS fetches) must be set up before threads use it. */
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return fg_error_set(err, FG_EIO, NULL, "cannot initialise libcurl");
    struct fg_auth *a = fg_calloc(1, sizeof *a);
    if (!a)
        return fg_error_set(err, FG_ENOMEM, NULL, "out of memory");
    a->clock = clock;
    a->base_url = base_url;
    pthread_mutex_init(&a->lock, NULL);
    pthread_cond_init(&a->freed, NULL);
    enum fg_status st = FG_ENOMEM;
    a->all = fg_calloc(n, sizeof *a->all);
    a->idle = fg_calloc(n, sizeof *a->idle);
    if (!a->all || !a->idle || fg_jwks_cache_new(&a->jwks_cache) != FG_OK) {
        fg_error_set(err, st, NULL, "out of memory");
        goto out;
    }
    for (; a->n < n; a->n++) {
        st = smart_authdb_open(path, clock, NULL, &a->all[a->n], err);
        if (st != FG_OK)
            goto out;
        a->idle[a->n] = a->all[a->n];
    }
    a->n_idle = n;
    st = load_keys(a, err);
out:
    if (st != FG_OK) {
        auth_free(a);
        return st;
    }
    *out = a;
    return FG_OK;
}

void fg_auth_close(struct fg_auth **a)
{
    if (!a || !*a)
        return;
    auth_free(*a);
    *a = NULL;
}

struct smart_authdb *fg_auth_acquire(struct fg_auth *a)
{
    pthread_mutex_lock(&a->lock);
    while (a->n_idle == 0)
        pthread_cond_wait(&a->freed, &a->lock);
    struct smart_authdb *db = a->idle[--a->n_idle];
    pthread_mutex_unlock(&a->lock);
    return db;
}

void fg_auth_release(struct fg_auth *a, struct smart_authdb *db)
{
    if (!db)
        return;
    pthread_mutex_lock(&a->lock);
    a->idle[a->n_idle++] = db;
    pthread_cond_signal(&a->freed);
    pthread_mutex_unlock(&a->lock);
}

const char *fg_auth_issuer(const struct fg_auth *a)
{
    return a->base_url;
}

enum fg_status fg_auth_url(const char *base_url, const char *path, struct fg_buf *out)
{
    struct fg_str base = fg_str_c(base_url);
    if (fg_str_ends_with(base, "/fhir")) {
        base.len -= 5;
    } else {
        /* keep scheme://authority only */
        const char *p = strstr(base_url, "://");
        if (p) {
            const char *slash = strchr(p + 3, '/');
            if (slash)
                base.len = (size_t)(slash - base_url);
        }
    }
    enum fg_status st = fg_buf_append_str(out, base);
    return st == FG_OK ? fg_buf_append_c(out, path) : st;
}

const struct fg_keyset *fg_auth_keyset(struct fg_auth *a, struct smart_authdb *db)
{
    int64_t now = fg_clock_now_s(a->clock), mono = fg_clock_mono_us();
    struct smart_authdb *borrowed = NULL;
    if (!db && fg_keyset_check_due(a->keys, now, mono))
        db = borrowed = fg_auth_acquire(a);
    /* A failed rebuild keeps the previous keys: still valid, only not the newest. */
    const struct fg_keyset *ks = fg_keyset_get(a->keys, db, now, mono, NULL);
    fg_auth_release(a, borrowed);
    return ks;
}

void fg_auth_keyset_put(struct fg_auth *a, const struct fg_keyset *ks)
{
    fg_keyset_put(a->keys, ks);
}

const struct fg_clock *fg_auth_clock(const struct fg_auth *a)
{
    return a->clock;
}

struct fg_jwks_cache *fg_auth_jwks_cache(struct fg_auth *a)
{
    return a->jwks_cache;
}
