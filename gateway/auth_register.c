/* auth_register.c - RFC 7591 dynamic client registration, POST /auth/register.
 *
 * JSON metadata in; 201 with the stored metadata out (client_secret once,
 * for client_secret_basic / client_secret_post clients). Errors:
 * invalid_redirect_uri and invalid_client_metadata (RFC 7591 §3.2.2).
 * token_endpoint_auth_method: none (public), client_secret_basic (the
 * RFC default) / client_secret_post (symmetric), private_key_jwt (jwks or
 * an https jwks_uri). Requested scopes are narrowed to what a registered app may
 * ever get (no system/ scopes by registration).
 */
#include <openssl/crypto.h>
#include <string.h>

#include "../core/fg_limits.h"
#include "../smart/scope.h"
#include "auth.h"
#include "auth_clients.h"
#include "auth_http.h"
#include "auth_routes.h"
#include "server.h"

static enum fg_status reg_error(struct fg_req *req, const char *code, const char *why)
{
    return fg_auth_oauth_error(req, 400, code, why);
}

static bool is_json(const char *ct)
{
    struct fg_str c = fg_str_c(ct ? ct : ""), head, tail;
    if (fg_str_split(c, ';', &head, &tail))
        c = head;
    return fg_str_ieq_c(fg_str_trim(c), "application/json");
}

static const char *opt_string(const cJSON *o, const char *name, bool *bad)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    if (!v)
        return NULL;
    if (!cJSON_IsString(v)) {
        *bad = true;
        return NULL;
    }
    return v->valuestring;
}

/* Narrows requested scopes to the defaults a registered app may get;
 * pool-owned canonical string, or NULL when malformed. */
static const char *narrow_scopes(struct fg_req *req, const char *want)
{
    struct smart_scopes w, allowed, out;
    smart_scopes_init(&w);
    smart_scopes_init(&allowed);
    smart_scopes_init(&out);
    struct fg_buf b;
    fg_buf_init(&b, FG_MAX_SCOPE_BYTES * 2);
    const char *res = NULL;
    if (smart_scopes_parse(fg_str_c(want), &w, NULL) == FG_OK &&
        smart_scopes_parse(FG_STR_LIT(FG_CLIENT_DEFAULT_SCOPES), &allowed, NULL) == FG_OK &&
        smart_scopes_intersect(&w, &allowed, &out) == FG_OK && smart_scopes_write(&out, &b) == FG_OK)
        res = fg_pool_strndup(req->pool, fg_buf_str(&b).ptr, fg_buf_str(&b).len);
    fg_buf_cleanup(&b);
    smart_scopes_cleanup(&w);
    smart_scopes_cleanup(&allowed);
    smart_scopes_cleanup(&out);
    return res;
}

static enum fg_status spec_from(struct fg_req *req, const cJSON *o, struct fg_client_spec *s,
                                const char **uris)
{
    bool bad = false;
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(o, "redirect_uris");
    if (!cJSON_IsArray(r) || cJSON_GetArraySize(r) < 1 ||
        cJSON_GetArraySize(r) > SMART_MAX_REDIRECT_URIS)
        return reg_error(req, "invalid_redirect_uri", "redirect_uris must list 1 to 16 URIs");
    const cJSON *u;
    cJSON_ArrayForEach(u, r)
    {
        if (!cJSON_IsString(u) || !fg_redirect_uri_ok(u->valuestring))
            return reg_error(req, "invalid_redirect_uri",
                             "redirect URIs must be https, or http on localhost, without fragment");
        uris[s->n_redirect_uris++] = u->valuestring;
    }
    s->redirect_uris = uris;
    s->name = opt_string(o, "client_name", &bad);
    if (!s->name || !s->name[0])
        s->name = "Unnamed app";
    const char *method = opt_string(o, "token_endpoint_auth_method", &bad);
    s->jwks_uri = opt_string(o, "jwks_uri", &bad);
    /* Anyone may register: a jwks_uri the server will fetch must be https
     * (operators may register http ones with `fhirgate client add`). */
    if (s->jwks_uri && strncmp(s->jwks_uri, "https://", 8) != 0)
        return reg_error(req, "invalid_client_metadata", "jwks_uri must be an https URL");
    const char *scope = opt_string(o, "scope", &bad);
    /* OpenID Connect Dynamic Client Registration 1.0 §2: where an EHR
     * launch opens the app (fhirgate adds ?iss=&launch=) */
    s->launch_uri = opt_string(o, "initiate_login_uri", &bad);
    if (bad)
        return reg_error(req, "invalid_client_metadata", "a metadata member has the wrong type");
    if (!method || strcmp(method, "client_secret_basic") == 0 ||
        strcmp(method, "client_secret_post") == 0)
        s->type = SMART_CLIENT_CONFIDENTIAL_SYMMETRIC;
    else if (strcmp(method, "none") == 0)
        s->type = SMART_CLIENT_PUBLIC;
    else if (strcmp(method, "private_key_jwt") == 0)
        s->type = SMART_CLIENT_CONFIDENTIAL_ASYMMETRIC;
    else
        return reg_error(req, "invalid_client_metadata", "unsupported token_endpoint_auth_method");
    const cJSON *jwks = cJSON_GetObjectItemCaseSensitive(o, "jwks");
    if (jwks) {
        char *text = cJSON_IsObject(jwks) ? cJSON_PrintUnformatted(jwks) : NULL;
        s->jwks = text ? fg_pool_strdup(req->pool, text) : NULL;
        cJSON_free(text);
        if (!s->jwks)
            return reg_error(req, "invalid_client_metadata", "jwks must be a JWK Set object");
    }
    if (scope) {
        s->scopes = narrow_scopes(req, scope);
        if (!s->scopes)
            return reg_error(req, "invalid_client_metadata", "scope is malformed");
    }
    return FG_OK;
}

enum fg_status fg_auth_register_handler(struct fg_req *req)
{
    if (!req->srv->auth)
        return fg_auth_oauth_error(req, 503, "temporarily_unavailable", "no authorization server");
    if (!is_json(fg_req_header(req, "Content-Type")))
        return reg_error(req, "invalid_client_metadata", "send application/json");
    cJSON *o = cJSON_ParseWithLength(req->body.data ? req->body.data : "", req->body.len);
    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        return reg_error(req, "invalid_client_metadata", "the body is not a JSON object");
    }
    struct fg_client_spec spec = {0};
    const char *uris[SMART_MAX_REDIRECT_URIS];
    enum fg_status st = spec_from(req, o, &spec, uris);
    if (st != FG_OK) {
        cJSON_Delete(o);
        return st;
    }
    struct smart_authdb *db = fg_auth_acquire(req->srv->auth);
    struct smart_client c;
    char secret[SMART_TOKEN_SIZE];
    struct fg_error err;
    fg_error_clear(&err);
    st = fg_client_create(db, &spec, &c, secret, &err);
    fg_auth_release(req->srv->auth, db);
    cJSON_Delete(o);
    if (st == FG_EINVAL)
        return reg_error(req, "invalid_client_metadata", err.diagnostics);
    if (st != FG_OK)
        return fg_auth_oauth_error(req, 500, "server_error", "the client could not be stored");
    cJSON *out = fg_client_json(&c, secret);
    OPENSSL_cleanse(secret, sizeof secret);
    smart_client_cleanup(&c);
    if (!out)
        return fg_error_set(&req->err, FG_ENOMEM, NULL, "out of memory");
    return fg_auth_send_json(req, 201, out, true);
}
