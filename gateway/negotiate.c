/* negotiate.c - Accept / _format / Content-Type checks.
 * http://hl7.org/fhir/R4/http.html#mime-type ; RFC 9110 §12.5.1 (Accept). */
#include "negotiate.h"

#include <string.h>

static const char *const json_types[] = {
    "application/fhir+json", "application/json", "application/json+fhir", NULL,
};

static const char *const json_ranges[] = {
    "application/fhir+json", "application/json", "application/json+fhir", "*/*",
    "application/*", NULL,
};

static bool in_list(struct fg_str s, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (fg_str_ieq_c(s, list[i]))
            return true;
    return false;
}

/* The media type of a "type/sub; param=x" value, trimmed. */
static struct fg_str media_type(struct fg_str v, struct fg_str *params)
{
    struct fg_str type;
    fg_str_split(v, ';', &type, params);
    return fg_str_trim(type);
}

/* True when the parameters hold q=0 (0, 0., 0.0, 0.000). */
static bool q_is_zero(struct fg_str params)
{
    struct fg_str p, rest = params;
    while (rest.len) {
        fg_str_split(rest, ';', &p, &rest);
        struct fg_str name, value;
        if (!fg_str_split(fg_str_trim(p), '=', &name, &value))
            continue;
        if (!fg_str_ieq_c(fg_str_trim(name), "q"))
            continue;
        value = fg_str_trim(value);
        if (value.len == 0 || value.ptr[0] != '0')
            return false;
        for (size_t i = 1; i < value.len; i++)
            if (value.ptr[i] != '0' && !(i == 1 && value.ptr[i] == '.'))
                return false;
        return true;
    }
    return false;
}

bool fg_negotiate_accept_allows_json(struct fg_str accept)
{
    struct fg_str item, rest = accept;
    bool any = false;
    while (rest.len) {
        fg_str_split(rest, ',', &item, &rest);
        struct fg_str params = FG_STR_NULL;
        struct fg_str type = media_type(item, &params);
        if (type.len == 0)
            continue;
        any = true;
        if (in_list(type, json_ranges) && !q_is_zero(params))
            return true;
    }
    /* An Accept header with no media range at all asks for nothing in
     * particular (RFC 9110: treat like absent). */
    return !any;
}

bool fg_negotiate_format_is_json(struct fg_str format)
{
    struct fg_str params = FG_STR_NULL;
    struct fg_str type = media_type(format, &params);
    /* A '+' left unencoded in a query decodes to a space. */
    return fg_str_ieq_c(type, "json") || in_list(type, json_types) ||
           fg_str_ieq_c(type, "application/fhir json") ||
           fg_str_ieq_c(type, "application/json fhir");
}

bool fg_negotiate_content_type_is(struct fg_str content_type, const char *const *types)
{
    struct fg_str params = FG_STR_NULL;
    return in_list(media_type(content_type, &params), types);
}

bool fg_negotiate_is_fhir_path(struct fg_str path)
{
    return fg_str_eq_c(path, "/fhir") || fg_str_starts_with(path, "/fhir/");
}

enum fg_status fg_negotiate_response(struct fg_req *req)
{
    if (!fg_negotiate_is_fhir_path(req->path))
        return FG_OK;
    struct fg_str format = fg_req_query(req, "_format");
    if (format.ptr) {
        if (fg_negotiate_format_is_json(format))
            return FG_OK;
        return fg_error_set_http(&req->err, FG_EFORMAT, 406, "not-supported", "_format",
                                 "_format \"%.*s\" is not supported: this server speaks "
                                 "application/fhir+json only",
                                 (int)(format.len > 100 ? 100 : format.len), format.ptr);
    }
    const char *accept = fg_req_header(req, "Accept");
    if (!accept || fg_negotiate_accept_allows_json(fg_str_c(accept)))
        return FG_OK;
    struct fg_str a = fg_str_c(accept);
    return fg_error_set_http(&req->err, FG_EFORMAT, 406, "not-supported", "Accept",
                             "Accept \"%.*s\" is not supported: this server speaks "
                             "application/fhir+json only",
                             (int)(a.len > 100 ? 100 : a.len), a.ptr);
}

static bool ends_with_search(struct fg_str path)
{
    return fg_str_ends_with(path, "/_search");
}

enum fg_status fg_negotiate_request_body(struct fg_req *req)
{
    static const char *const form[] = {"application/x-www-form-urlencoded", NULL};
    static const char *const patch[] = {"application/json-patch+json", NULL};
    if (req->method != FG_POST && req->method != FG_PUT && req->method != FG_PATCH)
        return FG_OK;
    if (!fg_negotiate_is_fhir_path(req->path))
        return FG_OK;
    if (req->body.len == 0)
        return FG_OK;
    const char *ct = fg_req_header(req, "Content-Type");
    struct fg_str c = fg_str_c(ct);
    if (ct && fg_negotiate_content_type_is(c, json_types))
        return FG_OK;
    if (ct && req->method == FG_POST && ends_with_search(req->path) &&
        fg_negotiate_content_type_is(c, form))
        return FG_OK;
    if (ct && req->method == FG_PATCH && fg_negotiate_content_type_is(c, patch))
        return FG_OK;
    if (!ct)
        return fg_error_set_http(&req->err, FG_EFORMAT, 415, "not-supported", "Content-Type",
                                 "a request body needs Content-Type application/fhir+json");
    return fg_error_set_http(&req->err, FG_EFORMAT, 415, "not-supported", "Content-Type",
                             "Content-Type \"%.*s\" is not supported: send "
                             "application/fhir+json",
                             (int)(c.len > 100 ? 100 : c.len), c.ptr);
}
