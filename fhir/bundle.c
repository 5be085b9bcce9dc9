/* bundle.c - Bundle JSON text with stored resources spliced in as they are.
 * Spec: http://hl7.org/fhir/R4/bundle.html ; contract in bundle.h. */
#include "bundle.h"

#include <inttypes.h>

#include "../core/fg_clock.h"

/* Appends ,"key": */
static enum fg_status key(struct fg_buf *b, bool comma, const char *k)
{
    enum fg_status st = comma ? fg_buf_append_char(b, ',') : FG_OK;
    if (st == FG_OK)
        st = fg_buf_append_json_string(b, fg_str_c(k));
    return st == FG_OK ? fg_buf_append_char(b, ':') : st;
}

static enum fg_status str_member(struct fg_buf *b, bool comma, const char *k, struct fg_str v)
{
    enum fg_status st = key(b, comma, k);
    return st == FG_OK ? fg_buf_append_json_string(b, v) : st;
}

static enum fg_status instant_member(struct fg_buf *b, bool comma, const char *k, int64_t us)
{
    char when[FG_INSTANT_MAX];
    fg_clock_format_instant(us, when);
    return str_member(b, comma, k, fg_str_c(when));
}

static enum fg_status write_links(struct fg_buf *b, const struct fhir_bundle_link *links,
                                  size_t n)
{
    enum fg_status st = key(b, true, "link");
    if (st == FG_OK)
        st = fg_buf_append_char(b, '[');
    for (size_t i = 0; st == FG_OK && i < n; i++) {
        st = fg_buf_append_c(b, i ? ",{" : "{");
        if (st == FG_OK)
            st = str_member(b, false, "relation", fg_str_c(links[i].relation));
        if (st == FG_OK)
            st = str_member(b, true, "url", links[i].url);
        if (st == FG_OK)
            st = fg_buf_append_char(b, '}');
    }
    return st == FG_OK ? fg_buf_append_char(b, ']') : st;
}

enum fg_status fhir_bundle_begin(struct fg_buf *b, const char *type, struct fg_str id,
                                 int64_t timestamp_us, int64_t total,
                                 const struct fhir_bundle_link *links, size_t n_links)
{
    enum fg_status st = fg_buf_append_c(b, "{\"resourceType\":\"Bundle\"");
    if (st == FG_OK && id.len)
        st = str_member(b, true, "id", id);
    if (st == FG_OK)
        st = str_member(b, true, "type", fg_str_c(type));
    if (st == FG_OK && timestamp_us)
        st = instant_member(b, true, "timestamp", timestamp_us);
    if (st == FG_OK && total >= 0)
        st = fg_buf_printf(b, ",\"total\":%" PRId64, total);
    if (st == FG_OK && n_links)
        st = write_links(b, links, n_links);
    return st;
}

static enum fg_status write_request(struct fg_buf *b, const struct fhir_bundle_entry *e,
                                    bool comma)
{
    enum fg_status st = key(b, comma, "request");
    if (st == FG_OK)
        st = fg_buf_append_char(b, '{');
    if (st == FG_OK)
        st = str_member(b, false, "method", fg_str_c(e->request_method));
    if (st == FG_OK)
        st = str_member(b, true, "url", e->request_url);
    return st == FG_OK ? fg_buf_append_char(b, '}') : st;
}

static enum fg_status write_response(struct fg_buf *b, const struct fhir_bundle_entry *e,
                                     bool comma)
{
    enum fg_status st = key(b, comma, "response");
    if (st == FG_OK)
        st = fg_buf_append_char(b, '{');
    if (st == FG_OK)
        st = str_member(b, false, "status", e->response_status);
    if (st == FG_OK && e->response_location.len)
        st = str_member(b, true, "location", e->response_location);
    if (st == FG_OK && e->response_etag.len)
        st = str_member(b, true, "etag", e->response_etag);
    if (st == FG_OK && e->response_last_modified_us)
        st = instant_member(b, true, "lastModified", e->response_last_modified_us);
    if (st == FG_OK && e->response_outcome.len) {
        st = key(b, true, "outcome");
        if (st == FG_OK)
            st = fg_buf_append_str(b, e->response_outcome);
    }
    return st == FG_OK ? fg_buf_append_char(b, '}') : st;
}

enum fg_status fhir_bundle_entry(struct fg_buf *b, size_t index,
                                 const struct fhir_bundle_entry *e)
{
    enum fg_status st = fg_buf_append_c(b, index == 0 ? ",\"entry\":[{" : ",{");
    bool comma = false;
    if (st == FG_OK && e->full_url.len) {
        st = str_member(b, comma, "fullUrl", e->full_url);
        comma = true;
    }
    if (st == FG_OK && e->resource.len) {
        st = key(b, comma, "resource");
        if (st == FG_OK)
            st = fg_buf_append_str(b, e->resource);
        comma = true;
    }
    if (st == FG_OK && e->search_mode) {
        st = key(b, comma, "search");
        if (st == FG_OK)
            st = fg_buf_append_char(b, '{');
        if (st == FG_OK)
            st = str_member(b, false, "mode", fg_str_c(e->search_mode));
        if (st == FG_OK)
            st = fg_buf_append_char(b, '}');
        comma = true;
    }
    if (st == FG_OK && e->request_method) {
        st = write_request(b, e, comma);
        comma = true;
    }
    if (st == FG_OK && e->response_status.len)
        st = write_response(b, e, comma);
    return st == FG_OK ? fg_buf_append_char(b, '}') : st;
}

enum fg_status fhir_bundle_end(struct fg_buf *b, size_t n_entries)
{
    return fg_buf_append_c(b, n_entries ? "]}" : "}");
}

enum fg_status fhir_bundle_append_url(struct fg_buf *b, struct fg_str base, struct fg_str type,
                                      struct fg_str id, int64_t version)
{
    enum fg_status st = fg_buf_append_str(b, base);
    if (st == FG_OK)
        st = fg_buf_append_char(b, '/');
    if (st == FG_OK)
        st = fg_buf_append_str(b, type);
    if (st == FG_OK && id.len) {
        st = fg_buf_append_char(b, '/');
        if (st == FG_OK)
            st = fg_buf_append_str(b, id);
    }
    if (st == FG_OK && version > 0)
        st = fg_buf_printf(b, "/_history/%" PRId64, version);
    return st;
}
