/* jwks_fetch.c - a client's JWKS by URL (see jwks_fetch.h). */
#include "jwks_fetch.h"

#include <curl/curl.h>
#include <string.h>

#include "../core/fg_buf.h"

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *arg)
{
    struct fg_buf *b = arg;
    size_t n = size * nmemb;
    return fg_buf_append(b, ptr, n) == FG_OK ? n : 0;
}

enum fg_status fg_jwks_fetch(struct fg_auth *a, const char *url, struct smart_jwks *set,
                             struct fg_error *err)
{
    (void)a;
    if (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0)
        return fg_error_set(err, FG_EINVAL, NULL, "jwks_uri is not an http(s) URL");
    CURL *c = curl_easy_init();
    if (!c)
        return fg_error_set(err, FG_ENOMEM, NULL, "cannot start a fetch");
    struct fg_buf b;
    fg_buf_init(&b, SMART_MAX_JWKS_BYTES);
    long code = 0;
    bool ok = curl_easy_setopt(c, CURLOPT_URL, url) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)FG_JWKS_FETCH_TIMEOUT_MS) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_MAXFILESIZE, (long)SMART_MAX_JWKS_BYTES) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_WRITEDATA, &b) == CURLE_OK;
    CURLcode rc = ok ? curl_easy_perform(c) : CURLE_FAILED_INIT;
    if (rc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_cleanup(c);
    enum fg_status st;
    if (rc == CURLE_WRITE_ERROR || rc == CURLE_FILESIZE_EXCEEDED)
        st = fg_error_set(err, FG_ETOOBIG, NULL, "the JWKS is too large");
    else if (rc != CURLE_OK || code != 200)
        st = fg_error_set(err, FG_EUPSTREAM, NULL, "cannot fetch the JWKS (%s, HTTP %ld)",
                          curl_easy_strerror(rc), code);
    else
        st = smart_jwks_parse(fg_buf_str(&b), set, err);
    fg_buf_cleanup(&b);
    return st;
}
