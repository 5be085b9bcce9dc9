/* cors.c - CORS headers and preflight answers (see cors.h). */
#include "cors.h"

#include <string.h>

#include "../core/fg_limits.h"
#include "../smart/authdb_clients.h"
#include "auth.h"
#include "auth_http.h"
#include "server.h"

#define ALLOW_HEADERS                                                                         \
    "Authorization, Content-Type, Accept, Prefer, If-Match, If-None-Match, If-None-Exist, " \
    "If-Modified-Since"
#define EXPOSE_HEADERS "Location, ETag, Last-Modified, Content-Location, WWW-Authenticate, X-Request-Id"

static bool is_public(struct fg_str path)
{
    return fg_str_starts_with(path, "/.well-known/") ||
           fg_str_starts_with(path, "/fhir/.well-known/") || fg_str_eq_c(path, "/fhir/metadata") ||
           fg_str_eq_c(path, "/auth/jwks") || fg_str_eq_c(path, FG_AUTH_PATH_SMART_STYLE);
}

enum fg_cors_kind fg_cors_kind_for(struct fg_str path)
{
    if (is_public(path))
        return FG_CORS_PUBLIC;
    if (fg_str_eq_c(path, "/fhir") || fg_str_starts_with(path, "/fhir/") ||
        fg_str_eq_c(path, "/auth/token") || fg_str_eq_c(path, "/auth/introspect") ||
        fg_str_eq_c(path, "/auth/revoke") || fg_str_eq_c(path, "/auth/register"))
        return FG_CORS_API;
    return FG_CORS_NONE;
}

bool fg_cors_origin_valid(struct fg_str o)
{
    size_t skip;
    if (fg_str_starts_with(o, "https://"))
        skip = 8;
    else if (fg_str_starts_with(o, "http://"))
        skip = 7;
    else
        return false;
    if (o.len == skip || o.len > FG_MAX_ORIGIN_BYTES)
        return false;
    for (size_t i = skip; i < o.len; i++) {
        unsigned char c = (unsigned char)o.ptr[i];
        if (c <= 0x20 || c >= 0x7f || c == '/' || c == '@' || c == '?' || c == '#' || c == '\\' ||
            c == ',' || c == '"')
            return false;
    }
    return true;
}

/* The next list item (separated by spaces, tabs or commas); false at the end. */
static bool next_item(struct fg_str *rest, struct fg_str *item)
{
    size_t i = 0;
    while (i < rest->len && (rest->ptr[i] == ' ' || rest->ptr[i] == ',' || rest->ptr[i] == '\t'))
        i++;
    size_t start = i;
    while (i < rest->len && rest->ptr[i] != ' ' && rest->ptr[i] != ',' && rest->ptr[i] != '\t')
        i++;
    *item = fg_str_n(rest->ptr + start, i - start);
    *rest = fg_str_n(rest->ptr + i, rest->len - i);
    return item->len > 0;
}

bool fg_cors_list_valid(struct fg_str list, struct fg_str *bad)
{
    struct fg_str item;
    while (next_item(&list, &item)) {
        if (!fg_cors_origin_valid(item)) {
            *bad = item;
            return false;
        }
    }
    return true;
}

bool fg_cors_list_has(struct fg_str list, const char *origin)
{
    struct fg_str item;
    while (next_item(&list, &item))
        if (fg_str_ieq_c(item, origin))
            return true;
    return false;
}

/* The origin may use the API paths: configured, or a registered redirect
 * URI's. A database failure denies (and is logged). */
static bool api_origin_allowed(struct fg_req *req, const char *origin)
{
    struct fg_server *srv = req->srv;
    if (fg_cors_list_has(fg_str_c(srv->cfg.cors_origins), origin))
        return true;
    if (!srv->auth)
        return false;
    struct smart_authdb *db = fg_auth_acquire(srv->auth);
    bool ok = false;
    enum fg_status st = smart_authdb_origin_registered(db, fg_str_c(origin), &ok);
    fg_auth_release(srv->auth, db);
    if (st != FG_OK) {
        fg_log_write(&srv->log, "cors-origin-check-failed",
                     (struct fg_log_field[]){FG_LF_CSTR("error", fg_status_name(st)),
                                             FG_LF_CSTR("request_id", req->request_id)},
                     2);
        return false;
    }
    return ok;
}

static const char *methods_for(struct fg_str path)
{
    if (is_public(path))
        return "GET, HEAD, OPTIONS";
    if (fg_str_starts_with(path, "/auth/"))
        return "POST, OPTIONS";
    return "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";
}

/* The request's Origin when CORS applies to the path and the header is
 * well-formed, else NULL. *allowed: the origin may read the answer. */
static const char *origin_of(struct fg_req *req, enum fg_cors_kind *kind, bool *allowed)
{
    *allowed = false;
    *kind = fg_cors_kind_for(req->path);
    if (*kind == FG_CORS_NONE)
        return NULL;
    const char *origin = fg_req_header(req, "Origin");
    if (!origin || !fg_cors_origin_valid(fg_str_c(origin)))
        return NULL;
    *allowed = *kind == FG_CORS_PUBLIC || api_origin_allowed(req, origin);
    return origin;
}

static void allow_origin(struct fg_req *req, enum fg_cors_kind kind, const char *origin)
{
    if (kind == FG_CORS_PUBLIC) {
        fg_resp_header(req, "Access-Control-Allow-Origin", "*");
        return;
    }
    const char *copy = fg_pool_strdup(req->pool, origin);
    if (!copy)
        return;
    fg_resp_header(req, "Access-Control-Allow-Origin", copy);
    fg_resp_header(req, "Vary", "Origin");
}

bool fg_cors_preflight(struct fg_req *req)
{
    if (req->method != FG_OPTIONS || !fg_req_header(req, "Access-Control-Request-Method"))
        return false;
    enum fg_cors_kind kind;
    bool allowed;
    const char *origin = origin_of(req, &kind, &allowed);
    if (!origin)
        return false;
    fg_resp_set(req, 204, NULL, (struct fg_str){0});
    if (!allowed) {
        fg_resp_header(req, "Vary", "Origin");
        return true;
    }
    allow_origin(req, kind, origin);
    fg_resp_header(req, "Access-Control-Allow-Methods", methods_for(req->path));
    fg_resp_header(req, "Access-Control-Allow-Headers", ALLOW_HEADERS);
    fg_resp_header(req, "Access-Control-Max-Age", "600");
    return true;
}

void fg_cors_apply(struct fg_req *req)
{
    enum fg_cors_kind kind;
    bool allowed;
    const char *origin = origin_of(req, &kind, &allowed);
    if (!origin)
        return;
    if (!allowed) {
        fg_resp_header(req, "Vary", "Origin");
        return;
    }
    allow_origin(req, kind, origin);
    if (kind == FG_CORS_API)
        fg_resp_header(req, "Access-Control-Expose-Headers", EXPOSE_HEADERS);
}
