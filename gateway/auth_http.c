/* auth_http.c - JSON answers, OAuth errors and forms for the auth endpoints. */
#include "auth_http.h"

#include "../core/fg_buf.h"
#include "auth.h"
#include "server.h"

#define FORM_MAX_PAIRS 64

static enum fg_status no_store_headers(struct fg_req *req)
{
    enum fg_status st = fg_resp_header(req, "Cache-Control", "no-store");
    return st == FG_OK ? fg_resp_header(req, "Pragma", "no-cache") : st;
}

enum fg_status fg_auth_send_json(struct fg_req *req, int status, cJSON *tree, bool no_store)
{
    char *text = tree ? cJSON_PrintUnformatted(tree) : NULL;
    cJSON_Delete(tree);
    struct fg_str copy = {0};
    if (text) {
        copy = fg_pool_str(req->pool, fg_str_c(text));
        cJSON_free(text);
    }
    if (!copy.ptr)
        return fg_error_set(&req->err, FG_ENOMEM, NULL, "out of memory");
    if (no_store && no_store_headers(req) != FG_OK)
        return fg_error_set(&req->err, FG_ENOMEM, NULL, "too many response headers");
    fg_resp_set(req, status, "application/json", copy);
    return FG_OK;
}

enum fg_status fg_auth_oauth_error(struct fg_req *req, int status, const char *error,
                                   const char *description)
{
    struct fg_buf b;
    fg_buf_init(&b, 4096);
    enum fg_status st = fg_buf_append_c(&b, "{\"error\":");
    if (st == FG_OK)
        st = fg_buf_append_json_string(&b, fg_str_c(error));
    if (st == FG_OK && description) {
        st = fg_buf_append_c(&b, ",\"error_description\":");
        if (st == FG_OK)
            st = fg_buf_append_json_string(&b, fg_str_c(description));
    }
    if (st == FG_OK)
        st = fg_buf_append_char(&b, '}');
    struct fg_str body = st == FG_OK ? fg_pool_str(req->pool, fg_buf_str(&b)) : (struct fg_str){0};
    fg_buf_cleanup(&b);
    no_store_headers(req);
    if (!body.ptr)
        body = FG_STR_LIT("{\"error\":\"server_error\"}");
    fg_resp_set(req, status, "application/json", body);
    return FG_EINVAL;
}

static const char *abs_url(const char *base_url, struct fg_pool *pool, const char *path)
{
    struct fg_buf b;
    fg_buf_init(&b, FG_CONFIG_VALUE_MAX + 256);
    const char *out = NULL;
    if (fg_auth_url(base_url, path, &b) == FG_OK)
        out = fg_pool_strndup(pool, fg_buf_str(&b).ptr, fg_buf_str(&b).len);
    fg_buf_cleanup(&b);
    return out;
}

const char *fg_auth_abs_url(struct fg_req *req, const char *path)
{
    return abs_url(fg_req_base_url(req), req->pool, path);
}

enum fg_status fg_auth_oauth_uris(const char *base_url, struct fg_pool *pool,
                                  struct fg_capability_oauth *o)
{
    o->authorize = abs_url(base_url, pool, FG_AUTH_PATH_AUTHORIZE);
    o->token = abs_url(base_url, pool, FG_AUTH_PATH_TOKEN);
    o->reg = abs_url(base_url, pool, FG_AUTH_PATH_REGISTER);
    o->manage = abs_url(base_url, pool, FG_AUTH_PATH_MANAGE);
    o->introspect = abs_url(base_url, pool, FG_AUTH_PATH_INTROSPECT);
    o->revoke = abs_url(base_url, pool, FG_AUTH_PATH_REVOKE);
    bool ok = o->authorize && o->token && o->reg && o->manage && o->introspect && o->revoke;
    return ok ? FG_OK : FG_ENOMEM;
}

static bool is_form(const char *ct)
{
    static const char want[] = "application/x-www-form-urlencoded";
    if (!ct)
        return false;
    struct fg_str c = fg_str_c(ct), head, tail;
    if (fg_str_split(c, ';', &head, &tail))
        c = head;
    return fg_str_ieq_c(fg_str_trim(c), want);
}

enum fg_status fg_auth_read_form(struct fg_req *req, struct fg_auth_form *out)
{
    if (!is_form(fg_req_header(req, "Content-Type")))
        return fg_auth_oauth_error(req, 400, "invalid_request",
                                   "send application/x-www-form-urlencoded");
    struct fg_error err;
    fg_error_clear(&err);
    if (fhir_form_parse(req->pool, fg_buf_str(&req->body), FORM_MAX_PAIRS, &out->pairs, &out->n,
                        &err) != FG_OK)
        return fg_auth_oauth_error(req, 400, "invalid_request", "malformed form body");
    return FG_OK;
}

enum fg_status fg_auth_form_get(const struct fg_auth_form *f, const char *name,
                                struct fg_str *value)
{
    *value = (struct fg_str){0};
    bool seen = false;
    for (size_t i = 0; i < f->n; i++) {
        if (!fg_str_eq_c(f->pairs[i].name, name))
            continue;
        if (seen)
            return FG_EINVAL;
        seen = true;
        *value = f->pairs[i].value;
        if (!value->ptr)
            *value = FG_STR_LIT("");
    }
    return FG_OK;
}
