/* auth_clients.c - client creation, validation and description. */
#include "auth_clients.h"

#include <openssl/crypto.h>
#include <string.h>

#include "../core/fg_mem.h"
#include "../smart/b64.h"
#include "../smart/jwks.h"
#include "../smart/scope.h"

static bool host_is_loopback(struct fg_str host)
{
    return fg_str_eq_c(host, "localhost") || fg_str_eq_c(host, "127.0.0.1") ||
           fg_str_eq_c(host, "[::1]");
}

bool fg_redirect_uri_ok(const char *uri)
{
    struct fg_str u = fg_str_c(uri);
    if (u.len == 0 || u.len > SMART_MAX_REDIRECT_URI_BYTES)
        return false;
    for (size_t i = 0; i < u.len; i++) {
        unsigned char c = (unsigned char)u.ptr[i];
        if (c <= 0x20 || c >= 0x7f || c == '#' || c == '\\' || c == '"' || c == '<' || c == '>')
            return false;
    }
    bool https = fg_str_starts_with(u, "https://");
    if (!https && !fg_str_starts_with(u, "http://"))
        return false;
    struct fg_str rest = fg_str_n(u.ptr + (https ? 8 : 7), u.len - (https ? 8 : 7));
    size_t end = 0;
    while (end < rest.len && rest.ptr[end] != '/' && rest.ptr[end] != '?')
        end++;
    struct fg_str authority = fg_str_n(rest.ptr, end);
    if (authority.len == 0 || memchr(authority.ptr, '@', authority.len))
        return false;
    if (https)
        return true;
    /* http: loopback only; strip the port. */
    struct fg_str host = authority;
    const char *colon = NULL;
    for (size_t i = 0; i < authority.len; i++)
        if (authority.ptr[i] == ':')
            colon = authority.ptr + i;
    if (colon && authority.ptr[authority.len - 1] != ']')
        host = fg_str_n(authority.ptr, (size_t)(colon - authority.ptr));
    return host_is_loopback(host);
}

const char *fg_client_type_name(enum smart_client_type t)
{
    switch (t) {
    case SMART_CLIENT_CONFIDENTIAL_SYMMETRIC:
        return "confidential-symmetric";
    case SMART_CLIENT_CONFIDENTIAL_ASYMMETRIC:
        return "confidential-asymmetric";
    case SMART_CLIENT_PUBLIC:
    default:
        return "public";
    }
}

enum fg_status fg_client_type_parse(const char *s, enum smart_client_type *out)
{
    for (int t = SMART_CLIENT_PUBLIC; t <= SMART_CLIENT_CONFIDENTIAL_ASYMMETRIC; t++)
        if (strcmp(s, fg_client_type_name((enum smart_client_type)t)) == 0) {
            *out = (enum smart_client_type)t;
            return FG_OK;
        }
    return FG_EINVAL;
}

/* An operator-chosen client_id: RFC 3986 unreserved characters only (it
 * travels unescaped in query strings and launch URIs). */
static bool client_id_ok(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n > SMART_MAX_CLIENT_ID)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = id[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '.' || ch == '_' || ch == '~' || ch == '-'))
            return false;
    }
    return true;
}

static enum fg_status check_spec(const struct fg_client_spec *s, struct fg_error *err)
{
    if (s->client_id && !client_id_ok(s->client_id))
        return fg_error_set(err, FG_EINVAL, "client_id",
                            "a client_id is 1 to %d of A-Z a-z 0-9 . _ ~ -", SMART_MAX_CLIENT_ID);
    if (s->n_redirect_uris == 0 || s->n_redirect_uris > SMART_MAX_REDIRECT_URIS)
        return fg_error_set(err, FG_EINVAL, "redirect_uris", "give 1 to %d redirect URIs",
                            SMART_MAX_REDIRECT_URIS);
    for (size_t i = 0; i < s->n_redirect_uris; i++)
        if (!fg_redirect_uri_ok(s->redirect_uris[i]))
            return fg_error_set(err, FG_EINVAL, "redirect_uris",
                                "redirect URI %zu must be https, or http on localhost", i + 1);
    if (s->launch_uri && !fg_redirect_uri_ok(s->launch_uri))
        return fg_error_set(err, FG_EINVAL, "initiate_login_uri",
                            "the launch URI must be https, or http on localhost");
    bool asym = s->type == SMART_CLIENT_CONFIDENTIAL_ASYMMETRIC;
    if (asym != (s->jwks || s->jwks_uri) || (s->jwks && s->jwks_uri))
        return fg_error_set(err, FG_EINVAL, "jwks",
                            "confidential-asymmetric clients need exactly one of jwks and "
                            "jwks_uri; other clients neither");
    if (s->jwks_uri && strncmp(s->jwks_uri, "https://", 8) != 0 &&
        strncmp(s->jwks_uri, "http://", 7) != 0)
        return fg_error_set(err, FG_EINVAL, "jwks_uri", "jwks_uri must be an http(s) URL");
    if (s->jwks) {
        struct smart_jwks set;
        smart_jwks_init(&set);
        struct fg_error inner;
        fg_error_clear(&inner);
        enum fg_status st = smart_jwks_parse(fg_str_c(s->jwks), &set, &inner);
        smart_jwks_cleanup(&set);
        if (st != FG_OK)
            return fg_error_set(err, FG_EINVAL, "jwks", "jwks: %s", inner.diagnostics);
    }
    if (s->scopes) {
        struct smart_scopes set;
        smart_scopes_init(&set);
        enum fg_status st = smart_scopes_parse(fg_str_c(s->scopes), &set, NULL);
        smart_scopes_cleanup(&set);
        if (st != FG_OK)
            return fg_error_set(err, FG_EINVAL, "scope", "the scope list is malformed");
    }
    return FG_OK;
}

static char *dup_or_null(const char *s)
{
    return s ? fg_strdup(s) : NULL;
}

enum fg_status fg_client_create(struct smart_authdb *db, const struct fg_client_spec *spec,
                                struct smart_client *out, char secret_out[SMART_TOKEN_SIZE],
                                struct fg_error *err)
{
    secret_out[0] = '\0';
    memset(out, 0, sizeof *out);
    enum fg_status st = check_spec(spec, err);
    if (st != FG_OK)
        return st;
    uint8_t raw[16];
    if (spec->client_id)
        memcpy(out->client_id, spec->client_id, strlen(spec->client_id) + 1);
    else if (smart_random_bytes(raw, sizeof raw) != FG_OK ||
             smart_b64url_encode(raw, sizeof raw, out->client_id, sizeof out->client_id, NULL) !=
                 FG_OK)
        return fg_error_set(err, FG_EIO, NULL, "cannot generate a client_id");
    out->type = spec->type;
    bool asym = spec->type == SMART_CLIENT_CONFIDENTIAL_ASYMMETRIC;
    const char *scopes = spec->scopes;
    char defaults[256];
    if (!scopes) {
        int n = snprintf(defaults, sizeof defaults, "%s%s", FG_CLIENT_DEFAULT_SCOPES,
                         asym ? FG_CLIENT_DEFAULT_SYSTEM_SCOPES : "");
        if (n < 0 || (size_t)n >= sizeof defaults)
            return fg_error_set(err, FG_ETOOBIG, NULL, "default scopes too long");
        scopes = defaults;
    }
    out->name = dup_or_null(spec->name ? spec->name : "");
    out->jwks = dup_or_null(spec->jwks);
    out->jwks_uri = dup_or_null(spec->jwks_uri);
    out->scopes = dup_or_null(scopes);
    out->launch_uri = dup_or_null(spec->launch_uri);
    bool ok = out->name && out->scopes && (!spec->jwks || out->jwks) &&
              (!spec->launch_uri || out->launch_uri) &&
              (!spec->jwks_uri || out->jwks_uri);
    for (size_t i = 0; ok && i < spec->n_redirect_uris; i++) {
        out->redirect_uris[i] = fg_strdup(spec->redirect_uris[i]);
        ok = out->redirect_uris[i] != NULL;
        out->n_redirect_uris = i + 1;
    }
    if (!ok) {
        smart_client_cleanup(out);
        return fg_error_set(err, FG_ENOMEM, NULL, "out of memory");
    }
    if (spec->type == SMART_CLIENT_CONFIDENTIAL_SYMMETRIC) {
        if (smart_token_new(secret_out) != FG_OK) {
            smart_client_cleanup(out);
            return fg_error_set(err, FG_EIO, NULL, "cannot generate a secret");
        }
        smart_token_digest(fg_str_c(secret_out), out->secret_digest);
    }
    out->created_at = fg_clock_now_s(smart_authdb_clock(db));
    st = smart_authdb_client_add(db, out, err);
    if (st != FG_OK) {
        OPENSSL_cleanse(secret_out, SMART_TOKEN_SIZE);
        secret_out[0] = '\0';
        smart_client_cleanup(out);
    }
    return st;
}

static const char *auth_method(enum smart_client_type t)
{
    return t == SMART_CLIENT_CONFIDENTIAL_SYMMETRIC  ? "client_secret_basic"
           : t == SMART_CLIENT_CONFIDENTIAL_ASYMMETRIC ? "private_key_jwt"
                                                       : "none";
}

cJSON *fg_client_json(const struct smart_client *c, const char *secret)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *uris = o ? cJSON_AddArrayToObject(o, "redirect_uris") : NULL;
    bool ok = uris && cJSON_AddStringToObject(o, "client_id", c->client_id) &&
              cJSON_AddNumberToObject(o, "client_id_issued_at", (double)c->created_at) &&
              cJSON_AddStringToObject(o, "client_name", c->name ? c->name : "") &&
              cJSON_AddStringToObject(o, "client_type", fg_client_type_name(c->type)) &&
              cJSON_AddStringToObject(o, "token_endpoint_auth_method", auth_method(c->type)) &&
              cJSON_AddStringToObject(o, "scope", c->scopes ? c->scopes : "") &&
              (!c->jwks_uri || cJSON_AddStringToObject(o, "jwks_uri", c->jwks_uri)) &&
              (!c->launch_uri ||
               cJSON_AddStringToObject(o, "initiate_login_uri", c->launch_uri));
    if (ok && c->jwks) {
        cJSON *j = cJSON_Parse(c->jwks);
        ok = j && cJSON_AddItemToObject(o, "jwks", j);
        if (!ok)
            cJSON_Delete(j);
    }
    if (ok && secret && secret[0])
        ok = cJSON_AddStringToObject(o, "client_secret", secret) &&
             cJSON_AddNumberToObject(o, "client_secret_expires_at", 0);
    cJSON *grants = ok ? cJSON_AddArrayToObject(o, "grant_types") : NULL;
    const char *g[] = {"authorization_code", "refresh_token", "client_credentials"};
    size_t ng = c->type == SMART_CLIENT_CONFIDENTIAL_ASYMMETRIC ? 3 : 2;
    for (size_t i = 0; grants && i < ng; i++) {
        cJSON *s = cJSON_CreateString(g[i]);
        if (!s || !cJSON_AddItemToArray(grants, s)) {
            cJSON_Delete(s);
            grants = NULL;
        }
    }
    ok = grants != NULL;
    for (size_t i = 0; ok && i < c->n_redirect_uris; i++) {
        cJSON *s = cJSON_CreateString(c->redirect_uris[i]);
        ok = s && cJSON_AddItemToArray(uris, s);
        if (!ok)
            cJSON_Delete(s);
    }
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}
