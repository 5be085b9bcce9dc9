/* store_upstream_http.c - the HTTP exchanges of the upstream backend (libcurl).
 *
 * A pool of easy handles: a worker takes one, performs, and puts it back,
 * so its connection stays open for the next request (keep-alive; curl
 * reuses a handle's connections). HTTP/2 is negotiated by ALPN over TLS
 * (CURL_HTTP_VERSION_2TLS) and HTTP/1.1 is used otherwise. Redirects are
 * not followed: a FHIR base that redirects is a misconfiguration, and a
 * redirect could carry the gateway's credentials elsewhere.
 * Retries: only GET (idempotent, http.html) after a failure to connect or
 * send, an empty answer, or 502/503/504, while time is left.
 * https://curl.se/libcurl/c/libcurl-tutorial.html , RFC 9110 §9.2.2
 */
#include <ctype.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "../core/fg_clock.h"
#include "../core/fg_mem.h"
#include "store_upstream_internal.h"

void up_response_cleanup(struct up_response *r)
{
    fg_buf_cleanup(&r->body);
}

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
    struct up_response *r = arg;
    if (n && size > SIZE_MAX / n)
        return 0;
    /* Returning less than given makes curl stop with CURLE_WRITE_ERROR. */
    return fg_buf_append(&r->body, data, size * n) == FG_OK ? size * n : 0;
}

/* Keeps a header's value (trimmed) when its name is `name`. */
static void keep_header(const char *line, size_t len, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    if (len <= nl || line[nl] != ':' || strncasecmp(line, name, nl) != 0)
        return;
    struct fg_str v = fg_str_trim(fg_str_n(line + nl + 1, len - nl - 1));
    if (v.len >= cap)
        return;
    memcpy(out, v.ptr, v.len);
    out[v.len] = '\0';
}

static size_t on_header(char *line, size_t size, size_t n, void *arg)
{
    struct up_response *r = arg;
    size_t len = size * n;
    /* A new status line (after 100 Continue, or a retry) resets what was kept. */
    if (len > 5 && memcmp(line, "HTTP/", 5) == 0) {
        r->etag[0] = '\0';
        r->location[0] = '\0';
    }
    keep_header(line, len, "ETag", r->etag, sizeof r->etag);
    keep_header(line, len, "Location", r->location, sizeof r->location);
    return len;
}

static CURL *handle_take(struct up_store *s)
{
    CURL *h = NULL;
    pthread_mutex_lock(&s->pool_lock);
    if (s->n_idle)
        h = s->idle[--s->n_idle];
    pthread_mutex_unlock(&s->pool_lock);
    return h ? h : curl_easy_init();
}

static void handle_give_back(struct up_store *s, CURL *h)
{
    if (!h)
        return;
    pthread_mutex_lock(&s->pool_lock);
    if (s->n_idle < s->max_idle) {
        s->idle[s->n_idle++] = h;
        h = NULL;
    }
    pthread_mutex_unlock(&s->pool_lock);
    if (h)
        curl_easy_cleanup(h);
}

static bool retryable(CURLcode cc, long status)
{
    switch (cc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
        return true;
    case CURLE_OK:
        return status == 502 || status == 503 || status == 504;
    default:
        return false;
    }
}

static enum fg_status transport_error(const struct up_store *s, CURLcode cc, struct fg_error *err)
{
    switch (cc) {
    case CURLE_OPERATION_TIMEDOUT:
        return fg_error_set(err, FG_ETIMEOUT, NULL,
                            "the upstream FHIR server did not answer within %ld ms", s->timeout_ms);
    case CURLE_WRITE_ERROR:
        return fg_error_set(err, FG_EUPSTREAM, NULL,
                            "the upstream FHIR server's answer is larger than the gateway "
                            "accepts");
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
        return fg_error_set(err, FG_EUPSTREAM, NULL, "the upstream FHIR server cannot be reached");
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
        return fg_error_set(err, FG_EUPSTREAM, NULL,
                            "the TLS connection to the upstream FHIR server failed");
    default:
        return fg_error_set(err, FG_EUPSTREAM, NULL,
                            "the connection to the upstream FHIR server failed");
    }
}

void up_tls_options(const struct up_store *s, void *curl)
{
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(curl, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    if (s->ca_file)
        curl_easy_setopt(curl, CURLOPT_CAINFO, s->ca_file);
}

struct exchange {
    const char *method;
    const char *url;
    struct fg_str body;
    struct curl_slist *headers;
};

static CURLcode perform(struct up_store *s, CURL *h, const struct exchange *x, long timeout_ms,
                        struct up_response *r)
{
    curl_easy_reset(h);
    fg_buf_reset(&r->body);
    r->status = 0;
    r->etag[0] = r->location[0] = '\0';
    curl_easy_setopt(h, CURLOPT_URL, x->url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    up_tls_options(s, h);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, s->connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(h, CURLOPT_USERAGENT, "fhirgate");
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, x->headers);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
    if (strcmp(x->method, "GET") != 0)
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, x->method);
    if (x->body.ptr) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, x->body.ptr);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)x->body.len);
    }
    CURLcode cc = curl_easy_perform(h);
    if (cc == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
    return cc;
}

/* The request headers: FHIR JSON both ways, the gateway's credentials. */
/* Wipes a credential copy in pool memory (the pool frees, not wipes). */
static void wipe(char *p)
{
    if (p)
        OPENSSL_cleanse(p, strlen(p));
}

/* *secret is the pool copy of the Authorization line (wipe it when done). */
static enum fg_status make_headers(struct up_store *s, struct fg_pool *pool, bool force_token,
                                   bool has_body, const char *extra, struct curl_slist **out,
                                   char **secret, struct fg_error *err)
{
    const char *auth = NULL;
    struct curl_slist *l = NULL, *t;
    enum fg_status st = up_token_header(s, pool, force_token, &auth, err);
    if (st != FG_OK)
        return st;
    const char *lines[6] = {"Accept: application/fhir+json", "Expect:", NULL, NULL, NULL, NULL};
    size_t n = 2;
    if (has_body) {
        lines[n++] = "Content-Type: application/fhir+json";
        lines[n++] = "Prefer: return=representation";
    }
    if (auth) {
        wipe(*secret);
        *secret = fg_pool_printf(pool, "Authorization: %s", auth);
        wipe((char *)auth);
        lines[n++] = *secret;
    }
    if (extra)
        lines[n++] = extra;
    for (size_t i = 0; i < n; i++) {
        t = lines[i] ? curl_slist_append(l, lines[i]) : NULL;
        if (!t) {
            curl_slist_free_all(l);
            return fg_error_set(err, FG_ENOMEM, NULL, "out of memory");
        }
        l = t;
    }
    *out = l;
    return FG_OK;
}

enum fg_status up_http(struct up_store *s, const char *method, struct fg_str path,
                       struct fg_str body, const char *extra_header, struct up_response *resp,
                       struct fg_error *err)
{
    struct fg_pool *pool = fg_pool_new();
    struct exchange x = {.method = method, .body = body};
    char *secret = NULL;
    CURL *h = NULL;
    enum fg_status rc = FG_ENOMEM;
    bool is_get = strcmp(method, "GET") == 0, token_retried = false, force_token = false;
    int64_t deadline = fg_clock_mono_us() + (int64_t)s->timeout_ms * 1000;
    memset(resp, 0, sizeof *resp);
    fg_buf_init(&resp->body, FG_MAX_UPSTREAM_RESPONSE_BYTES);
    if (!pool) {
        fg_error_set(err, rc, NULL, "out of memory");
        goto out;
    }
    x.url = fg_pool_printf(pool, "%s%s%.*s", s->url, path.len ? "/" : "", (int)path.len,
                           path.ptr ? path.ptr : "");
    h = handle_take(s);
    if (!x.url || !h) {
        fg_error_set(err, rc, NULL, "out of memory");
        goto out;
    }
    for (int attempt = 0;; attempt++) {
        curl_slist_free_all(x.headers);
        x.headers = NULL;
        rc = make_headers(s, pool, force_token, body.ptr != NULL, extra_header, &x.headers, &secret,
                          err);
        force_token = false;
        if (rc != FG_OK)
            goto out;
        int64_t left_ms = (deadline - fg_clock_mono_us()) / 1000;
        CURLcode cc = perform(s, h, &x, left_ms > 1 ? (long)left_ms : 1L, resp);
        bool cc_auth = s->auth == FHIR_UPSTREAM_AUTH_CLIENT_CREDENTIALS;
        if (cc == CURLE_OK && resp->status == 401 && cc_auth && !token_retried) {
            /* A 401 means nothing was done: safe for any method. */
            token_retried = force_token = true;
            continue;
        }
        bool again = is_get && attempt < s->retries && retryable(cc, resp->status) &&
                     fg_clock_mono_us() < deadline;
        if (again)
            continue;
        rc = cc == CURLE_OK ? FG_OK : transport_error(s, cc, err);
        if (cc != CURLE_OK) {
            /* A handle whose transfer failed may hold a broken connection. */
            curl_easy_cleanup(h);
            h = NULL;
        }
        break;
    }
out:
    curl_slist_free_all(x.headers);
    handle_give_back(s, h);
    wipe(secret);
    fg_pool_free(&pool);
    return rc;
}

/* Cuts a diagnostic from the upstream down to printable ASCII. */
static void printable(const char *in, char *out, size_t cap)
{
    size_t j = 0;
    for (size_t i = 0; in && in[i] && j + 1 < cap; i++)
        out[j++] = isprint((unsigned char)in[i]) ? in[i] : ' ';
    out[j] = '\0';
}

/* The first issue's diagnostics (or details.text) of an OperationOutcome
 * answer, made printable; "" when there is none. */
static void first_diagnostic(const struct up_response *r, char *out, size_t cap)
{
    out[0] = '\0';
    cJSON *oo = cJSON_ParseWithLength(r->body.data ? r->body.data : "", r->body.len);
    const cJSON *issue = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(oo, "issue"), 0);
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(issue, "diagnostics");
    if (!cJSON_IsString(d))
        d = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(issue, "details"),
                                             "text");
    if (cJSON_IsString(d))
        printable(d->valuestring, out, cap);
    cJSON_Delete(oo);
}

enum fg_status up_status_error(const struct up_response *r, const char *what, struct fg_error *err)
{
    char diag[200];
    long st = r->status;
    if (st == 401 || st == 403)
        return fg_error_set(err, FG_EUPSTREAM, NULL,
                            "the upstream FHIR server refused the gateway's credentials (%s)",
                            what);
    if (st == 501 || st == 405)
        return fg_error_set(err, FG_ENOTSUP, NULL,
                            "the upstream FHIR server does not support the %s", what);
    if (st >= 500 || st < 400)
        return fg_error_set(err, FG_EUPSTREAM, NULL,
                            "the upstream FHIR server failed to answer the %s (HTTP %ld)", what,
                            st);
    /* 4xx is about the request: the upstream's own words help the client. */
    first_diagnostic(r, diag, sizeof diag);
    enum fg_status code = st == 404   ? FG_ENOTFOUND
                          : st == 410 ? FG_EGONE
                          : st == 409 ? FG_ECONFLICT
                          : st == 412 ? FG_EPRECOND
                          : st == 422 ? FG_EUNPROC
                          : st == 413 ? FG_ETOOBIG
                                      : FG_EINVAL;
    return fg_error_set(err, code, NULL, "the upstream FHIR server refused the %s (HTTP %ld)%s%s",
                        what, st, diag[0] ? ": " : "", diag);
}
