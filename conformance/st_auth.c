/* st_auth.c - client_credentials with private_key_jwt for the self-test;
 * contract in st_auth.h. */
#include "st_auth.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cjose/jwk.h>

#include "../core/fg_buf.h"
#include "../core/fg_mem.h"
#include "../smart/jwt.h"
#include "st_http.h"

#define KEY_FILE_MAX (64 * 1024)
#define ASSERTION_TYPE "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

static enum fg_status fail(char *why, size_t cap, enum fg_status st, const char *msg,
                           const char *detail)
{
    int n = snprintf(why, cap, "%s%s%s", msg, detail ? ": " : "", detail ? detail : "");
    if (n < 0)
        why[0] = '\0';
    return st;
}

/* The private JWK text of key_file (a JWK or the first key of a JWKS) in pool-free heap. */
static enum fg_status read_key(const char *key_file, cJSON **jwk, char *why, size_t cap)
{
    FILE *f = fopen(key_file, "rb");
    struct fg_buf b;
    char chunk[4096];
    size_t n;
    fg_buf_init(&b, KEY_FILE_MAX);
    if (!f)
        return fail(why, cap, FG_EINVAL, "cannot open the key file", key_file);
    enum fg_status st = FG_OK;
    while (st == FG_OK && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        st = fg_buf_append(&b, chunk, n);
    fclose(f);
    cJSON *doc = st == FG_OK ? cJSON_ParseWithLength(b.data ? b.data : "", b.len) : NULL;
    fg_buf_cleanup(&b);
    cJSON *keys = cJSON_GetObjectItemCaseSensitive(doc, "keys");
    cJSON *k = keys ? cJSON_DetachItemFromArray(keys, 0) : doc;
    if (keys)
        cJSON_Delete(doc);
    if (!cJSON_IsObject(k) || !cJSON_GetObjectItemCaseSensitive(k, "d")) {
        cJSON_Delete(k);
        return fail(why, cap, FG_EINVAL, "the key file holds no private JWK", key_file);
    }
    *jwk = k;
    return FG_OK;
}

static enum fg_status assertion(const cJSON *jwk_json, const char *client_id, const char *aud,
                                char **out, char *why, size_t cap)
{
    unsigned char rnd[16];
    char jti[33], claims[2048];
    static const char hex[] = "0123456789abcdef";
    if (RAND_bytes(rnd, sizeof rnd) != 1)
        return fail(why, cap, FG_EIO, "no randomness for the jti", NULL);
    for (size_t i = 0; i < sizeof rnd; i++) {
        jti[2 * i] = hex[rnd[i] >> 4];
        jti[2 * i + 1] = hex[rnd[i] & 15];
    }
    jti[32] = '\0';
    cJSON *c = cJSON_CreateObject();
    bool ok = c && cJSON_AddStringToObject(c, "iss", client_id) &&
              cJSON_AddStringToObject(c, "sub", client_id) && cJSON_AddStringToObject(c, "aud", aud) &&
              cJSON_AddNumberToObject(c, "exp", (double)(time(NULL) + 240)) &&
              cJSON_AddStringToObject(c, "jti", jti) &&
              cJSON_PrintPreallocated(c, claims, sizeof claims, 0);
    cJSON_Delete(c);
    char *text = ok ? cJSON_PrintUnformatted(jwk_json) : NULL;
    cjose_err cerr;
    cjose_jwk_t *key = text ? cjose_jwk_import(text, strlen(text), &cerr) : NULL;
    cJSON_free(text);
    if (!key)
        return fail(why, cap, FG_EINVAL, "the private JWK cannot be used", NULL);
    const char *alg = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(jwk_json, "alg"));
    const char *kty = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(jwk_json, "kty"));
    const char *kid = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(jwk_json, "kid"));
    if (!alg)
        alg = kty && strcmp(kty, "EC") == 0 ? "ES384" : "RS384";
    enum fg_status st = smart_jwt_sign(key, alg, kid, fg_str_c(claims), out);
    cjose_jwk_release(key);
    return st == FG_OK ? FG_OK : fail(why, cap, st, "signing the client assertion failed", alg);
}

static const char *token_endpoint(struct st_http *h, struct st_response *r)
{
    st_http_get(h, ".well-known/smart-configuration", r);
    return r->status == 200
               ? cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r->json, "token_endpoint"))
               : NULL;
}

enum fg_status st_auth_client_credentials(const char *base, bool insecure, const char *client_id,
                                          const char *key_file, const char *scope, char **token,
                                          char *why, size_t cap)
{
    struct st_http *h = NULL;
    struct st_response disc = {0}, tok = {0};
    cJSON *jwk = NULL;
    char *jwt = NULL;
    char body[8192], enc_scope[1024];
    enum fg_status st = read_key(key_file, &jwk, why, cap);
    if (st == FG_OK && st_http_new(base, NULL, insecure, &h) != FG_OK)
        st = fail(why, cap, FG_ENOMEM, "cannot start the HTTP client", NULL);
    const char *url = st == FG_OK ? token_endpoint(h, &disc) : NULL;
    if (st == FG_OK && !url)
        st = fail(why, cap, FG_EIO, "no token_endpoint in .well-known/smart-configuration",
                  disc.error[0] ? disc.error : NULL);
    if (st == FG_OK)
        st = assertion(jwk, client_id, url, &jwt, why, cap);
    if (st == FG_OK) {
        int n = st_http_encode(scope, enc_scope, sizeof enc_scope)
                    ? snprintf(body, sizeof body,
                               "grant_type=client_credentials&scope=%s&client_assertion_type=%s"
                               "&client_assertion=%s",
                               enc_scope, ASSERTION_TYPE, jwt)
                    : -1;
        if (n < 0 || (size_t)n >= sizeof body)
            st = fail(why, cap, FG_EINVAL, "the token request is too long", NULL);
    }
    if (st == FG_OK) {
        st_http_post(h, url, "application/x-www-form-urlencoded", body, &tok);
        const char *at = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(tok.json, "access_token"));
        const char *err = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(tok.json, "error"));
        if (tok.status != 200 || !at)
            st = fail(why, cap, FG_EIO, "the token endpoint refused", err ? err : tok.error);
        else if (!(*token = fg_strdup(at)))
            st = FG_ENOMEM;
    }
    fg_free(jwt);
    cJSON_Delete(jwk);
    st_response_clear(&disc);
    st_response_clear(&tok);
    st_http_free(&h);
    return st;
}
