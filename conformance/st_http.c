/* st_http.c - libcurl client of the conformance self-test; contract in st_http.h. */
#include "st_http.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "../core/fg_buf.h"
#include "../core/fg_clock.h"
#include "../core/fg_limits.h"
#include "../core/fg_mem.h"

#define ST_TIMEOUT_MS 20000L
#define ST_URL_MAX 8192

struct st_http {
    CURL *curl;
    const char *base;
    struct curl_slist *headers;      /* Accept + Authorization */
    struct fg_buf body;
    bool insecure;
};

static void fail(struct st_response *resp, const char *why)
{
    memset(resp, 0, sizeof *resp);
    size_t n = strlen(why);
    if (n >= sizeof resp->error)
        n = sizeof resp->error - 1;
    memcpy(resp->error, why, n);
    resp->error[n] = '\0';
}

static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
    struct fg_buf *b = ud;
    return fg_buf_append(b, p, size * n) == FG_OK ? size * n : 0;
}

enum fg_status st_http_new(const char *base, const char *token, bool insecure,
                           struct st_http **out)
{
    struct st_http *h = fg_calloc(1, sizeof *h);
    if (!h)
        return FG_ENOMEM;
    h->base = base;
    h->insecure = insecure;
    fg_buf_init(&h->body, FG_MAX_RESPONSE_BYTES);
    h->curl = curl_easy_init();
    h->headers = curl_slist_append(NULL, "Accept: application/fhir+json");
    if (token && h->headers) {
        char auth[4096];
        int n = snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
        struct curl_slist *more =
            n > 0 && (size_t)n < sizeof auth ? curl_slist_append(h->headers, auth) : NULL;
        if (!more) {
            curl_slist_free_all(h->headers);
            h->headers = NULL;
        } else {
            h->headers = more;
        }
    }
    if (!h->curl || !h->headers) {
        st_http_free(&h);
        return FG_EIO;
    }
    *out = h;
    return FG_OK;
}

void st_http_free(struct st_http **h)
{
    if (!*h)
        return;
    if ((*h)->curl)
        curl_easy_cleanup((*h)->curl);
    curl_slist_free_all((*h)->headers);
    fg_buf_cleanup(&(*h)->body);
    fg_free(*h);
    *h = NULL;
}

void st_response_clear(struct st_response *resp)
{
    cJSON_Delete(resp->json);
    memset(resp, 0, sizeof *resp);
}

static void perform(struct st_http *h, const char *url, struct curl_slist *headers,
                    const char *body, struct st_response *resp)
{
    CURL *c = h->curl;
    memset(resp, 0, sizeof *resp);
    fg_buf_reset(&h->body);
    int64_t t0 = fg_clock_mono_us();
    curl_easy_reset(c);
    bool ok = curl_easy_setopt(c, CURLOPT_URL, url) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, ST_TIMEOUT_MS) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, h->insecure ? 0L : 1L) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, h->insecure ? 0L : 2L) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_WRITEDATA, &h->body) == CURLE_OK &&
              (!body || curl_easy_setopt(c, CURLOPT_POSTFIELDS, body) == CURLE_OK);
    CURLcode rc = ok ? curl_easy_perform(c) : CURLE_FAILED_INIT;
    resp->micros = fg_clock_mono_us() - t0;
    if (rc != CURLE_OK) {
        int64_t us = resp->micros;
        fail(resp, curl_easy_strerror(rc));
        resp->micros = us;
        return;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
    resp->json = cJSON_ParseWithLength(h->body.data ? h->body.data : "", h->body.len);
}

/* base + "/" + path, or path itself when it is an absolute URL. */
static bool make_url(const struct st_http *h, const char *path, char *url, size_t cap)
{
    bool absolute = strncmp(path, "http://", 7) == 0 || strncmp(path, "https://", 8) == 0;
    size_t bl = strlen(h->base);
    bool slash = bl && h->base[bl - 1] == '/';
    int n = absolute ? snprintf(url, cap, "%s", path)
                     : snprintf(url, cap, "%s%s%s", h->base, slash ? "" : "/", path);
    return n > 0 && (size_t)n < cap;
}

void st_http_get(struct st_http *h, const char *path_or_url, struct st_response *resp)
{
    char url[ST_URL_MAX];
    if (!make_url(h, path_or_url, url, sizeof url)) {
        fail(resp, "URL too long");
        return;
    }
    perform(h, url, h->headers, NULL, resp);
}

void st_http_post(struct st_http *h, const char *path, const char *content_type,
                  const char *body, struct st_response *resp)
{
    char url[ST_URL_MAX], ct[128];
    int n = snprintf(ct, sizeof ct, "Content-Type: %s", content_type);
    struct curl_slist *headers = NULL;
    for (struct curl_slist *s = h->headers; s; s = s->next)
        headers = curl_slist_append(headers, s->data);
    if (n > 0 && (size_t)n < sizeof ct && headers)
        headers = curl_slist_append(headers, ct);
    if (!headers || !make_url(h, path, url, sizeof url)) {
        curl_slist_free_all(headers);
        fail(resp, "cannot build the request");
        return;
    }
    perform(h, url, headers, body, resp);
    curl_slist_free_all(headers);
}

bool st_http_encode(const char *s, char *out, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t k = 0;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     c == '-' || c == '.' || c == '_' || c == '~' || c == ':' || c == '/';
        if (k + 4 > cap)
            return false;
        if (plain) {
            out[k++] = (char)c;
        } else {
            out[k++] = '%';
            out[k++] = hex[c >> 4];
            out[k++] = hex[c & 15];
        }
    }
    out[k] = '\0';
    return true;
}
