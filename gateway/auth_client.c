/* auth_client.c - client authentication (see auth_client.h). */
#include "auth_client.h"

#include <cJSON.h>
#include <openssl/evp.h>
#include <string.h>

#include "../core/fg_limits.h"
#include "../core/fg_mem.h"
#include "../smart/authdb_codes.h"
#include "../smart/b64.h"
#include "../smart/jwks.h"
#include "../smart/jwt.h"
#include "jwks_fetch.h"
#include "server.h"

#define BASIC_MAX 1024

struct creds {
    struct fg_str id, secret; /* pool-owned or borrowed from the form */
};

static enum fg_status unauthorized(struct fg_req *req, bool basic, const char *why)
{
    fg_auth_oauth_error(req, 401, "invalid_client", why);
    if (basic)
        fg_resp_header(req, "WWW-Authenticate", "Basic realm=\"fhirgate\"");
    return FG_EUNAUTH;
}

/* Form-decodes s into a pool copy (RFC 6749 §2.3.1). */
static bool form_decode(struct fg_req *req, struct fg_str s, struct fg_str *out)
{
    char *buf = fg_pool_alloc(req->pool, s.len + 1);
    size_t n = 0;
    if (!buf || fg_url_decode(s, true, buf, &n) != FG_OK)
        return false;
    buf[n] = '\0';
    *out = fg_str_n(buf, n);
    return true;
}

/* Parses "Authorization: Basic base64(id:secret)". *present says whether a
 * Basic header was sent; FG_EINVAL when it is malformed. */
static enum fg_status basic_creds(struct fg_req *req, bool *present, struct creds *c)
{
    const char *h = fg_req_header(req, "Authorization");
    *present = false;
    if (!h)
        return FG_OK;
    struct fg_str v = fg_str_trim(fg_str_c(h));
    if (v.len < 6 || !fg_str_ieq_c(fg_str_n(v.ptr, 6), "Basic "))
        return FG_OK;
    *present = true;
    struct fg_str b = fg_str_trim(fg_str_n(v.ptr + 6, v.len - 6));
    if (b.len == 0 || b.len > BASIC_MAX || b.len % 4 != 0)
        return FG_EINVAL;
    unsigned char raw[BASIC_MAX];
    int n = EVP_DecodeBlock(raw, (const unsigned char *)b.ptr, (int)b.len);
    if (n < 0)
        return FG_EINVAL;
    for (size_t i = b.len; i > 0 && b.ptr[i - 1] == '='; i--)
        n--;
    struct fg_str whole = fg_str_n((const char *)raw, (size_t)n), id, secret;
    bool ok = fg_str_split(whole, ':', &id, &secret) && form_decode(req, id, &c->id) &&
              form_decode(req, secret, &c->secret);
    OPENSSL_cleanse(raw, sizeof raw);
    return ok ? FG_OK : FG_EINVAL;
}

/* The "iss" of an unverified JWT, pool-owned: only to find the client
 * whose keys then verify it. */
static bool jwt_issuer(struct fg_req *req, struct fg_str jwt, struct fg_str *iss)
{
    struct fg_str head, rest, payload, sig;
    if (jwt.len > FG_MAX_JWT_BYTES || !fg_str_split(jwt, '.', &head, &rest) ||
        !fg_str_split(rest, '.', &payload, &sig))
        return false;
    uint8_t *json = NULL;
    size_t n = 0;
    if (smart_b64url_decode_alloc(payload, FG_MAX_JWT_BYTES, &json, &n) != FG_OK)
        return false;
    cJSON *o = cJSON_ParseWithLength((const char *)json, n);
    fg_free(json);
    const cJSON *i = cJSON_GetObjectItemCaseSensitive(o, "iss");
    bool ok = cJSON_IsString(i) && i->valuestring[0];
    if (ok) {
        *iss = fg_pool_str(req->pool, fg_str_c(i->valuestring));
        ok = iss->ptr != NULL;
    }
    cJSON_Delete(o);
    return ok;
}

static enum fg_status client_jwks(struct fg_req *req, const struct smart_client *c,
                                  struct smart_jwks *set)
{
    struct fg_error err;
    fg_error_clear(&err);
    if (c->jwks)
        return smart_jwks_parse(fg_str_c(c->jwks), set, &err);
    if (c->jwks_uri)
        return fg_jwks_fetch(req->srv->auth, c->jwks_uri, set, &err);
    return FG_EINVAL;
}

static enum fg_status by_assertion(struct fg_req *req, const struct fg_auth_form *form,
                                   struct smart_authdb *db, struct fg_str form_id,
                                   struct fg_client_auth *out)
{
    struct fg_str type, jwt, iss;
    if (fg_auth_form_get(form, "client_assertion_type", &type) != FG_OK ||
        fg_auth_form_get(form, "client_assertion", &jwt) != FG_OK)
        return fg_auth_oauth_error(req, 400, "invalid_request", "repeated parameter");
    if (!fg_str_eq_c(type, FG_JWT_BEARER_TYPE))
        return unauthorized(req, false, "unsupported client_assertion_type");
    if (!jwt_issuer(req, jwt, &iss) || (form_id.ptr && !fg_str_eq(form_id, iss)))
        return unauthorized(req, false, "the client assertion is malformed");
    if (smart_authdb_client_get(db, iss, &out->client) != FG_OK ||
        out->client.type != SMART_CLIENT_CONFIDENTIAL_ASYMMETRIC)
        return unauthorized(req, false, "unknown client or not registered for private_key_jwt");
    struct smart_jwks set;
    smart_jwks_init(&set);
    struct smart_client_assertion a;
    enum smart_jwt_reason reason = SMART_JWT_OK;
    struct fg_error err;
    fg_error_clear(&err);
    const char *token_url = fg_auth_abs_url(req, FG_AUTH_PATH_TOKEN);
    enum fg_status st = client_jwks(req, &out->client, &set);
    if (st == FG_OK && token_url)
        st = smart_jwt_verify_client_assertion(jwt, &set, iss, fg_str_c(token_url),
                                               fg_clock_now_s(&req->srv->clock), &a, &reason, &err);
    smart_jwks_cleanup(&set);
    if (st == FG_OK) {
        st = smart_authdb_jti_remember(db, iss, fg_str_c(a.jti), a.exp);
        if (st == FG_ECONFLICT)
            reason = SMART_JWT_NO_JTI;
    }
    if (st != FG_OK) {
        smart_client_cleanup(&out->client);
        const char *why = st == FG_ECONFLICT ? "the client assertion was already used (jti)"
                          : reason != SMART_JWT_OK ? smart_jwt_reason_name(reason)
                                                   : "the client's keys are not usable";
        return unauthorized(req, false, why);
    }
    out->method = FG_CA_JWT;
    return FG_OK;
}

static enum fg_status by_secret(struct fg_req *req, struct smart_authdb *db, struct creds c,
                                bool basic, struct fg_client_auth *out)
{
    bool ok = false;
    if (c.id.len == 0 || c.id.len > SMART_MAX_CLIENT_ID ||
        smart_authdb_client_check_secret(db, c.id, c.secret, &ok) != FG_OK || !ok ||
        smart_authdb_client_get(db, c.id, &out->client) != FG_OK)
        return unauthorized(req, basic, "client authentication failed");
    out->method = basic ? FG_CA_BASIC : FG_CA_POST;
    return FG_OK;
}

static enum fg_status by_id(struct fg_req *req, struct smart_authdb *db, struct fg_str id,
                            struct fg_client_auth *out)
{
    if (!id.ptr || id.len == 0)
        return unauthorized(req, false, "client authentication is required");
    if (id.len > SMART_MAX_CLIENT_ID || smart_authdb_client_get(db, id, &out->client) != FG_OK)
        return unauthorized(req, false, "client authentication failed");
    if (out->client.type != SMART_CLIENT_PUBLIC) {
        smart_client_cleanup(&out->client);
        return unauthorized(req, false, "this client must authenticate");
    }
    out->method = FG_CA_NONE;
    return FG_OK;
}

enum fg_status fg_auth_client_authenticate(struct fg_req *req, const struct fg_auth_form *form,
                                           struct smart_authdb *db, struct fg_client_auth *out)
{
    memset(out, 0, sizeof *out);
    struct creds basic = {0}, post = {0};
    bool has_basic;
    struct fg_str assertion;
    if (basic_creds(req, &has_basic, &basic) != FG_OK)
        return unauthorized(req, true, "malformed Basic credentials");
    if (fg_auth_form_get(form, "client_id", &post.id) != FG_OK ||
        fg_auth_form_get(form, "client_secret", &post.secret) != FG_OK ||
        fg_auth_form_get(form, "client_assertion", &assertion) != FG_OK)
        return fg_auth_oauth_error(req, 400, "invalid_request", "repeated parameter");
    int methods = has_basic + (post.secret.ptr != NULL) + (assertion.ptr != NULL);
    if (methods > 1)
        return fg_auth_oauth_error(req, 400, "invalid_request",
                                   "more than one client authentication method");
    if (has_basic) {
        if (post.id.ptr && !fg_str_eq(post.id, basic.id))
            return unauthorized(req, true, "client_id does not match the credentials");
        return by_secret(req, db, basic, true, out);
    }
    if (post.secret.ptr)
        return by_secret(req, db, post, false, out);
    if (assertion.ptr)
        return by_assertion(req, form, db, post.id, out);
    return by_id(req, db, post.id, out);
}
