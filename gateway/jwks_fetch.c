/* jwks_fetch.c - a client's JWKS by URL, cached per Cache-Control (see jwks_fetch.h). */
#include "jwks_fetch.h"

#include <curl/curl.h>
#include <pthread.h>
#include <string.h>

#include "../core/fg_buf.h"
#include "../core/fg_mem.h"

struct cache_entry {
    char *url;       /* owned; NULL = free slot */
    char *body;      /* owned */
    size_t len;
    int64_t expires_at;
};

struct fg_jwks_cache {
    pthread_mutex_t lock;
    struct cache_entry e[FG_JWKS_CACHE_ENTRIES];
};

enum fg_status fg_jwks_cache_new(struct fg_jwks_cache **out)
{
    struct fg_jwks_cache *c = fg_calloc(1, sizeof *c);
    if (!c)
        return FG_ENOMEM;
    pthread_mutex_init(&c->lock, NULL);
    *out = c;
    return FG_OK;
}

static void entry_clear(struct cache_entry *e)
{
    fg_free(e->url);
    fg_free(e->body);
    memset(e, 0, sizeof *e);
}

void fg_jwks_cache_free(struct fg_jwks_cache **cache)
{
    if (!cache || !*cache)
        return;
    for (size_t i = 0; i < FG_JWKS_CACHE_ENTRIES; i++)
        entry_clear(&(*cache)->e[i]);
    pthread_mutex_destroy(&(*cache)->lock);
    fg_free(*cache);
    *cache = NULL;
}

int64_t fg_jwks_cache_lifetime(struct fg_str cc)
{
    int64_t life = FG_JWKS_CACHE_DEFAULT_S;
    struct fg_str rest = cc, part;
    while (rest.len) {
        struct fg_str whole = rest;
        if (!fg_str_split(whole, ',', &part, &rest)) {
            part = whole;
            rest.len = 0;
        }
        part = fg_str_trim(part);
        if (fg_str_ieq_c(part, "no-store") || fg_str_ieq_c(part, "no-cache"))
            return 0;
        int64_t v;
        if (part.len > 8 && fg_str_ieq_c(fg_str_n(part.ptr, 8), "max-age=") &&
            fg_parse_i64(fg_str_n(part.ptr + 8, part.len - 8), 0, INT64_C(1) << 40, &v) == FG_OK)
            life = v;
    }
    return life > FG_JWKS_CACHE_MAX_S ? FG_JWKS_CACHE_MAX_S : life;
}

/* Copies the cached body for url into b when fresh. */
static bool cache_get(struct fg_jwks_cache *c, const char *url, int64_t now, struct fg_buf *b)
{
    bool hit = false;
    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < FG_JWKS_CACHE_ENTRIES; i++) {
        struct cache_entry *e = &c->e[i];
        if (e->url && strcmp(e->url, url) == 0) {
            if (e->expires_at > now)
                hit = fg_buf_append(b, e->body, e->len) == FG_OK;
            else
                entry_clear(e);
            break;
        }
    }
    pthread_mutex_unlock(&c->lock);
    return hit;
}

static void cache_put(struct fg_jwks_cache *c, const char *url, struct fg_str body,
                      int64_t expires_at)
{
    pthread_mutex_lock(&c->lock);
    struct cache_entry *slot = NULL, *free_slot = NULL, *oldest = NULL;
    for (size_t i = 0; i < FG_JWKS_CACHE_ENTRIES && !slot; i++) {
        struct cache_entry *e = &c->e[i];
        if (e->url && strcmp(e->url, url) == 0)
            slot = e;
        else if (!e->url && !free_slot)
            free_slot = e;
        else if (e->url && (!oldest || e->expires_at < oldest->expires_at))
            oldest = e;
    }
    if (!slot)
        slot = free_slot ? free_slot : oldest;
    entry_clear(slot);
    slot->url = fg_strdup(url);
    slot->body = fg_strndup(body.ptr, body.len);
    slot->len = body.len;
    slot->expires_at = expires_at;
    if (!slot->url || !slot->body)
        entry_clear(slot);
    pthread_mutex_unlock(&c->lock);
}

struct fetch {
    struct fg_buf body;
    char cache_control[256];
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *arg)
{
    struct fetch *f = arg;
    size_t n = size * nmemb;
    return fg_buf_append(&f->body, ptr, n) == FG_OK ? n : 0;
}

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *arg)
{
    struct fetch *f = arg;
    size_t n = size * nmemb;
    struct fg_str line = fg_str_n(ptr, n), name, value;
    if (fg_str_split(line, ':', &name, &value) && fg_str_ieq_c(fg_str_trim(name), "cache-control")) {
        value = fg_str_trim(value);
        size_t k = value.len < sizeof f->cache_control - 1 ? value.len : sizeof f->cache_control - 1;
        memcpy(f->cache_control, value.ptr, k);
        f->cache_control[k] = '\0';
    }
    return n;
}

static enum fg_status get(const char *url, struct fetch *f, struct fg_error *err)
{
    CURL *c = curl_easy_init();
    if (!c)
        return fg_error_set(err, FG_ENOMEM, NULL, "cannot start a fetch");
    long code = 0;
    bool ok = curl_easy_setopt(c, CURLOPT_URL, url) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)FG_JWKS_FETCH_TIMEOUT_MS) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_MAXFILESIZE, (long)SMART_MAX_JWKS_BYTES) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_WRITEDATA, f) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_HEADERDATA, f) == CURLE_OK;
    CURLcode rc = ok ? curl_easy_perform(c) : CURLE_FAILED_INIT;
    if (rc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_cleanup(c);
    if (rc == CURLE_WRITE_ERROR || rc == CURLE_FILESIZE_EXCEEDED)
        return fg_error_set(err, FG_ETOOBIG, NULL, "the JWKS is too large");
    if (rc != CURLE_OK || code != 200)
        return fg_error_set(err, FG_EUPSTREAM, NULL, "cannot fetch the JWKS (%s, HTTP %ld)",
                            curl_easy_strerror(rc), code);
    return FG_OK;
}

enum fg_status fg_jwks_fetch(struct fg_jwks_cache *cache, const struct fg_clock *clock,
                             const char *url, bool force, struct smart_jwks *set,
                             struct fg_error *err)
{
    if (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0)
        return fg_error_set(err, FG_EINVAL, NULL, "jwks_uri is not an http(s) URL");
    int64_t now = fg_clock_now_s(clock);
    struct fetch f = {.cache_control = ""};
    fg_buf_init(&f.body, SMART_MAX_JWKS_BYTES);
    enum fg_status st = FG_OK;
    bool cached = !force && cache && cache_get(cache, url, now, &f.body);
    if (!cached)
        st = get(url, &f, err);
    if (st == FG_OK)
        st = smart_jwks_parse(fg_buf_str(&f.body), set, err);
    if (st == FG_OK && !cached && cache) {
        int64_t life = fg_jwks_cache_lifetime(fg_str_c(f.cache_control));
        if (life > 0)
            cache_put(cache, url, fg_buf_str(&f.body), now + life);
    }
    fg_buf_cleanup(&f.body);
    return st;
}
