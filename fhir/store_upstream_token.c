/* store_upstream_token.c - the gateway's credentials for the upstream.
 *
 * None, a static bearer token, or an OAuth 2.0 client_credentials token
 * (RFC 6749 §4.4, client_secret_basic §2.3.1) fetched from the upstream's
 * token endpoint and refreshed before it expires: a fifth of its lifetime
 * early, at least 1 s and at most 60 s. Expiry is a duration, so it is
 * measured on the monotonic clock (a pinned test clock must not freeze it).
 * The token is held under a mutex; a thread that finds it due fetches a
 * new one while the others wait for it. Secrets are wiped when replaced.
 */
#include <string.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "../core/fg_clock.h"
#include "../core/fg_mem.h"
#include "store_upstream_internal.h"

#define TOKEN_DEFAULT_TTL_S 300 /* expires_in absent (RFC 6749 §5.1: RECOMMENDED) */
#define TOKEN_MAX_BYTES 65536

static void wipe_free(char **p)
{
    if (*p) {
        OPENSSL_cleanse(*p, strlen(*p));
        fg_free(*p);
        *p = NULL;
    }
}

void up_token_cleanup(struct up_token *t)
{
    wipe_free(&t->access_token);
    pthread_mutex_destroy(&t->lock);
}

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
    if (n && size > SIZE_MAX / n)
        return 0;
    return fg_buf_append(arg, data, size * n) == FG_OK ? size * n : 0;
}

/* Reads access_token and expires_in from a token response. */
static enum fg_status parse_token(const struct fg_buf *b, char **token, int64_t *ttl_s,
                                  struct fg_error *err)
{
    cJSON *j = cJSON_ParseWithLength(b->data ? b->data : "", b->len);
    const cJSON *at = cJSON_GetObjectItemCaseSensitive(j, "access_token");
    const cJSON *tt = cJSON_GetObjectItemCaseSensitive(j, "token_type");
    const cJSON *ex = cJSON_GetObjectItemCaseSensitive(j, "expires_in");
    enum fg_status rc = FG_EUPSTREAM;
    if (!cJSON_IsString(at) || !at->valuestring[0] || strpbrk(at->valuestring, "\r\n") ||
        (tt && (!cJSON_IsString(tt) || strcasecmp(tt->valuestring, "bearer") != 0))) {
        fg_error_set(err, rc, NULL,
                     "the upstream token endpoint did not return a bearer access_token");
        goto out;
    }
    *ttl_s = TOKEN_DEFAULT_TTL_S;
    if (cJSON_IsNumber(ex) && ex->valuedouble >= 1 && ex->valuedouble < 1e9)
        *ttl_s = (int64_t)ex->valuedouble;
    *token = fg_strdup(at->valuestring);
    rc = *token ? FG_OK : fg_error_set(err, FG_ENOMEM, NULL, "out of memory");
out:
    if (j && cJSON_IsString(at))
        OPENSSL_cleanse(at->valuestring, strlen(at->valuestring));
    cJSON_Delete(j);
    return rc;
}

/* POSTs grant_type=client_credentials to the token endpoint. */
static enum fg_status fetch_token(struct up_store *s, char **token, int64_t *ttl_s,
                                  struct fg_error *err)
{
    struct fg_buf form, resp;
    fg_buf_init(&form, 8192);
    fg_buf_init(&resp, TOKEN_MAX_BYTES);
    struct curl_slist *hdr = curl_slist_append(NULL, "Accept: application/json");
    CURL *h = curl_easy_init();
    enum fg_status rc = fg_buf_append_c(&form, "grant_type=client_credentials");
    if (rc == FG_OK && s->scope && s->scope[0]) {
        rc = fg_buf_append_c(&form, "&scope=");
        if (rc == FG_OK)
            rc = fg_buf_append_url_encoded(&form, fg_str_c(s->scope));
    }
    if (rc != FG_OK || !h || !hdr) {
        rc = fg_error_set(err, FG_ENOMEM, NULL, "out of memory");
        goto out;
    }
    curl_easy_setopt(h, CURLOPT_URL, s->token_url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    up_tls_options(s, h);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, s->connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, s->timeout_ms);
    curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
    /* RFC 6749 §2.3.1: id and secret are form-encoded inside Basic; ours are
     * checked to be plain at open, so they go as they are. */
    curl_easy_setopt(h, CURLOPT_USERNAME, s->client_id);
    curl_easy_setopt(h, CURLOPT_PASSWORD, s->client_secret);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, form.data);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)form.len);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &resp);
    CURLcode cc = curl_easy_perform(h);
    long status = 0;
    if (cc == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    if (cc == CURLE_OPERATION_TIMEDOUT)
        rc = fg_error_set(err, FG_ETIMEOUT, NULL,
                          "the upstream token endpoint did not answer in time");
    else if (cc != CURLE_OK)
        rc = fg_error_set(err, FG_EUPSTREAM, NULL, "the upstream token endpoint cannot be reached");
    else if (status != 200)
        rc = fg_error_set(err, FG_EUPSTREAM, NULL,
                          "the upstream token endpoint refused the gateway's client credentials "
                          "(HTTP %ld)",
                          status);
    else
        rc = parse_token(&resp, token, ttl_s, err);
out:
    if (resp.data)
        OPENSSL_cleanse(resp.data, resp.len);
    fg_buf_cleanup(&resp);
    fg_buf_cleanup(&form);
    curl_slist_free_all(hdr);
    curl_easy_cleanup(h);
    return rc;
}

static int64_t refresh_margin_s(int64_t ttl_s)
{
    int64_t m = ttl_s / 5;
    return m < 1 ? 1 : m > 60 ? 60 : m;
}

enum fg_status up_token_header(struct up_store *s, struct fg_pool *pool, bool force,
                               const char **out, struct fg_error *err)
{
    *out = NULL;
    if (s->auth == FHIR_UPSTREAM_AUTH_NONE)
        return FG_OK;
    if (s->auth == FHIR_UPSTREAM_AUTH_BEARER) {
        *out = fg_pool_printf(pool, "Bearer %s", s->bearer);
        return *out ? FG_OK : fg_error_set(err, FG_ENOMEM, NULL, "out of memory");
    }
    enum fg_status rc = FG_OK;
    pthread_mutex_lock(&s->token.lock);
    int64_t now = fg_clock_mono_us();
    if (force || !s->token.access_token || now >= s->token.refresh_at_mono_us) {
        char *fresh = NULL;
        int64_t ttl_s = 0;
        rc = fetch_token(s, &fresh, &ttl_s, err);
        if (rc == FG_OK) {
            wipe_free(&s->token.access_token);
            s->token.access_token = fresh;
            s->token.refresh_at_mono_us = now + (ttl_s - refresh_margin_s(ttl_s)) * 1000000;
        }
    }
    if (rc == FG_OK) {
        *out = fg_pool_printf(pool, "Bearer %s", s->token.access_token);
        if (!*out)
            rc = fg_error_set(err, FG_ENOMEM, NULL, "out of memory");
    }
    pthread_mutex_unlock(&s->token.lock);
    return rc;
}
