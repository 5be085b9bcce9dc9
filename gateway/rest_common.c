/* rest_common.c - what the REST handlers share: ETags, HTTP dates, JSON
 * bodies under limits, Prefer, answering with a stored resource.
 * http://hl7.org/fhir/R4/http.html ; contract in rest.h. */
#include "rest.h"

#include <inttypes.h>
#include <string.h>

#include <openssl/rand.h>

#include "../core/fg_clock.h"
#include "../core/fg_limits.h"
#include "../core/fg_mem.h"
#include "../fhir/outcome.h"
#include "../fhir/searchparam.h"
#include "../fhir/subset.h"
#include "../conformance/capability.h"
#include "access.h"
#include "cli.h"
#include "negotiate.h"
#include "server.h"

/* ---- entity tags and dates ---- */

char *fg_rest_etag(struct fg_pool *pool, int64_t version)
{
    /* W/"<version>": formatted by hand, it is on every read's answer */
    char digits[24];
    size_t n = 0;
    uint64_t v = version < 0 ? (uint64_t)0 - (uint64_t)version : (uint64_t)version;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    char *out = fg_pool_alloc(pool, n + 6);
    if (!out)
        return NULL;
    char *p = out;
    *p++ = 'W';
    *p++ = '/';
    *p++ = '"';
    if (version < 0)
        *p++ = '-';
    while (n)
        *p++ = digits[--n];
    *p++ = '"';
    *p = '\0';
    return out;
}

enum fg_status fg_rest_etag_parse(struct fg_str s, int64_t *version)
{
    s = fg_str_trim(s);
    if (fg_str_starts_with(s, "W/")) {
        s.ptr += 2;
        s.len -= 2;
    }
    if (s.len < 3 || s.ptr[0] != '"' || s.ptr[s.len - 1] != '"')
        return FG_EINVAL;
    return fg_parse_i64(fg_str_n(s.ptr + 1, s.len - 2), 1, INT64_MAX, version);
}

char *fg_rest_etag_of(struct fg_pool *pool, const struct fhir_resource *res)
{
    if (res->version_id.len)
        return fg_pool_printf(pool, "W/\"%.*s\"", (int)res->version_id.len, res->version_id.ptr);
    return res->version > 0 ? fg_rest_etag(pool, res->version) : NULL;
}

enum fg_status fg_rest_etag_parse_id(struct fg_str s, struct fg_str *id)
{
    s = fg_str_trim(s);
    if (fg_str_starts_with(s, "W/")) {
        s.ptr += 2;
        s.len -= 2;
    }
    if (s.len < 3 || s.ptr[0] != '"' || s.ptr[s.len - 1] != '"' ||
        !fg_is_fhir_id(fg_str_n(s.ptr + 1, s.len - 2)))
        return FG_EINVAL;
    *id = fg_str_n(s.ptr + 1, s.len - 2);
    return FG_OK;
}

bool fg_rest_etag_list_matches_res(struct fg_str header, const struct fhir_resource *res)
{
    if (!res->version_id.len)
        return fg_rest_etag_list_matches(header, res->version);
    struct fg_str rest = header, item, id;
    while (rest.len) {
        fg_str_split(rest, ',', &item, &rest);
        if (fg_str_eq_c(fg_str_trim(item), "*"))
            return true;
        if (fg_rest_etag_parse_id(item, &id) == FG_OK && fg_str_eq(id, res->version_id))
            return true;
    }
    return false;
}

bool fg_rest_etag_list_matches(struct fg_str header, int64_t version)
{
    struct fg_str rest = header, item;
    while (rest.len) {
        fg_str_split(rest, ',', &item, &rest);
        int64_t v;
        if (fg_str_eq_c(fg_str_trim(item), "*"))
            return true;
        if (fg_rest_etag_parse(item, &v) == FG_OK && v == version)
            return true;
    }
    return false;
}

/* Writes v as exactly `width` decimal digits (v >= 0, zero-padded). */
static char *put_digits(char *p, int64_t v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return p + width;
}

static char *put_text(char *p, const char *t)
{
    while (*t)
        *p++ = *t++;
    return p;
}

/* IMF-fixdate (RFC 9110 §5.6.7), written digit by digit: it is on every
 * read's answer, and snprintf was a measurable part of one. */
void fg_rest_http_date(int64_t t_us, char out[FG_HTTP_DATE_MAX])
{
    static const char *const wd[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
    static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    int64_t s = t_us / 1000000;
    if (t_us < 0 && t_us % 1000000)
        s--;
    int64_t days = s / 86400, rem = s % 86400;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    int64_t y;
    unsigned m, d;
    fg_civil_from_days(days, &y, &m, &d);
    int64_t w = days % 7;
    if (w < 0)
        w += 7;
    if (y < 0 || y > 9999) { /* not representable in the format */
        out[0] = '\0';
        return;
    }
    /* "Sun, 06 Nov 1994 08:49:37 GMT": 29 characters and the NUL */
    char *p = put_text(out, wd[w]);
    p = put_text(p, ", ");
    p = put_digits(p, d, 2);
    *p++ = ' ';
    p = put_text(p, mon[m - 1]);
    *p++ = ' ';
    p = put_digits(p, y, 4);
    *p++ = ' ';
    p = put_digits(p, rem / 3600, 2);
    *p++ = ':';
    p = put_digits(p, rem / 60 % 60, 2);
    *p++ = ':';
    p = put_digits(p, rem % 60, 2);
    p = put_text(p, " GMT");
    *p = '\0';
}

/* ---- JSON bodies ---- */

#define FG_STR_OF_(x) #x
#define FG_STR_OF(x) FG_STR_OF_(x)


/* Finds the first byte that is not UTF-8 or nests deeper than the limit.
 * Returns its offset, or body.len when there is none; *why says which.
 * Every request body passes here, so ASCII bytes are handled inline and a
 * run of plain string characters is skipped in a tight loop; only a lead
 * byte >= 0x80 goes to fg_utf8_seq_len. */
static size_t scan_json(struct fg_str body, const char **why)
{
    const unsigned char *p = (const unsigned char *)body.ptr;
    int depth = 0;
    bool in_string = false;
    for (size_t i = 0; i < body.len;) {
        unsigned char c = p[i];
        if (c >= 0x80) {
            size_t n = fg_utf8_seq_len(p + i, body.len - i);
            if (n == 0) {
                *why = "invalid UTF-8";
                return i;
            }
            i += n;
            continue;
        }
        if (in_string) {
            if (c < 0x20) {
                /* RFC 8259: control characters in strings must be escaped
                 * (cJSON would take them). */
                *why = "unescaped control character in a string";
                return i;
            }
            if (c == '"') {
                in_string = false;
                i++;
                continue;
            }
            if (c == '\\' && i + 1 < body.len && p[i + 1] >= 0x20 && p[i + 1] < 0x80)
                i++; /* the escaped character: ASCII, never a control */
            i++;
            while (i < body.len && p[i] >= 0x20 && p[i] < 0x80 && p[i] != '"' && p[i] != '\\')
                i++;
            continue;
        }
        if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            if (++depth > FG_MAX_JSON_DEPTH) {
                *why = "nesting deeper than the limit of " FG_STR_OF(FG_MAX_JSON_DEPTH) " levels";
                return i;
            }
        } else if (c == '}' || c == ']') {
            depth--;
        }
        i++;
    }
    return body.len;
}

static void delete_tree(void *tree)
{
    cJSON_Delete(tree);
}

static size_t skip_space(struct fg_str s, size_t i)
{
    while (i < s.len && (s.ptr[i] == ' ' || s.ptr[i] == '\t' || s.ptr[i] == '\n' ||
                         s.ptr[i] == '\r'))
        i++;
    return i;
}

enum fg_status fg_rest_parse_json(struct fg_req *req, struct fg_str body, const char *what,
                                  cJSON **out)
{
    const char *why = NULL;
    size_t bad = scan_json(body, &why);
    if (bad < body.len)
        return fg_error_set(&req->err, FG_EINVAL, NULL, "malformed JSON in %s at byte offset "
                            "%zu: %s", what, bad, why);
    if (skip_space(body, 0) == body.len)
        return fg_error_set(&req->err, FG_EINVAL, NULL, "the %s is empty: a JSON resource "
                            "is required", what);
    const char *end = NULL;
    cJSON *tree = cJSON_ParseWithLengthOpts(body.ptr, body.len, &end, false);
    size_t off = end ? (size_t)(end - body.ptr) : 0;
    if (tree && skip_space(body, off) != body.len) {
        cJSON_Delete(tree);
        tree = NULL;
    }
    if (!tree)
        return fg_error_set(&req->err, FG_EINVAL, NULL,
                            "malformed JSON in %s at byte offset %zu", what,
                            off > body.len ? body.len : off);
    if (fg_pool_on_free(req->pool, delete_tree, tree) != FG_OK) {
        cJSON_Delete(tree);
        return fg_error_set(&req->err, FG_ENOMEM, NULL, "out of memory");
    }
    *out = tree;
    return FG_OK;
}

enum fg_status fg_rest_check_resource_type(struct fg_req *req, const cJSON *res,
                                           struct fg_str type, const char *where)
{
    char expr[FG_ERROR_EXPR_MAX];
    if (!cJSON_IsObject(res))
        return fg_error_set(&req->err, FG_EINVAL, where[0] ? where : NULL,
                            "%s must be a JSON object (a resource)",
                            where[0] ? where : "the request body");
    const cJSON *rt = cJSON_GetObjectItemCaseSensitive(res, "resourceType");
    int n = snprintf(expr, sizeof expr, "%s%sresourceType", where, where[0] ? "." : "");
    if (n < 0 || (size_t)n >= sizeof expr)
        expr[0] = '\0';
    if (!cJSON_IsString(rt))
        return fg_error_set(&req->err, FG_EINVAL, expr, "%s has no resourceType",
                            where[0] ? where : "the resource");
    if (!fg_str_eq_c(type, rt->valuestring))
        return fg_error_set(&req->err, FG_EINVAL, expr,
                            "resourceType \"%.64s\" does not match the type %.*s of the URL",
                            rt->valuestring, (int)type.len, type.ptr);
    return FG_OK;
}

enum fg_status fg_rest_parse_resource(struct fg_req *req, struct fg_str type, cJSON **out)
{
    cJSON *tree = NULL;
    enum fg_status st = fg_rest_parse_json(req, fg_buf_str(&req->body), "request body", &tree);
    if (st == FG_OK) {
        /* A resource body names its location the FHIRPath way. */
        st = fg_rest_check_resource_type(req, tree, type, "");
    }
    if (st == FG_OK)
        *out = tree;
    return st;
}

enum fg_status fg_rest_print(struct fg_req *req, const cJSON *tree, struct fg_str *out)
{
    char *text = cJSON_PrintUnformatted(tree);
    if (!text)
        return fg_error_set(&req->err, FG_ENOMEM, NULL, "out of memory");
    struct fg_str copy = fg_pool_str(req->pool, fg_str_c(text));
    cJSON_free(text);
    if (!copy.ptr)
        return fg_error_set(&req->err, FG_ENOMEM, NULL, "out of memory");
    *out = copy;
    return FG_OK;
}

/* ---- Prefer (RFC 7240; http://hl7.org/fhir/R4/http.html#ops) ---- */

/* Finds `name=value` among the comma/semicolon-separated preferences. */
static bool prefer_has(struct fg_str prefer, const char *name, const char *value)
{
    struct fg_str rest = prefer, item;
    while (rest.len) {
        const char *sep = NULL;
        for (size_t i = 0; i < rest.len && !sep; i++)
            if (rest.ptr[i] == ',' || rest.ptr[i] == ';')
                sep = rest.ptr + i;
        size_t n = sep ? (size_t)(sep - rest.ptr) : rest.len;
        item = fg_str_n(rest.ptr, n);
        rest = sep ? fg_str_n(sep + 1, rest.len - n - 1) : FG_STR_NULL;
        struct fg_str k, v;
        if (!fg_str_split(fg_str_trim(item), '=', &k, &v))
            continue;
        v = fg_str_trim(v);
        if (v.len >= 2 && v.ptr[0] == '"' && v.ptr[v.len - 1] == '"')
            v = fg_str_n(v.ptr + 1, v.len - 2);
        if (fg_str_ieq_c(fg_str_trim(k), name) && fg_str_ieq_c(v, value))
            return true;
    }
    return false;
}

enum fg_prefer_return fg_rest_prefer_return_parse(struct fg_str prefer)
{
    if (prefer_has(prefer, "return", "minimal"))
        return FG_RETURN_MINIMAL;
    if (prefer_has(prefer, "return", "OperationOutcome"))
        return FG_RETURN_OUTCOME;
    return FG_RETURN_REPRESENTATION;
}

bool fg_rest_prefer_strict_parse(struct fg_str prefer)
{
    return prefer_has(prefer, "handling", "strict");
}

enum fg_prefer_return fg_rest_prefer_return(const struct fg_req *req)
{
    return fg_rest_prefer_return_parse(fg_str_c(fg_req_header(req, "Prefer")));
}

bool fg_rest_prefer_strict(const struct fg_req *req)
{
    return fg_rest_prefer_strict_parse(fg_str_c(fg_req_header(req, "Prefer")));
}

/* ---- answers ---- */

enum fg_status fg_rest_send_buf(struct fg_req *req, int status, struct fg_buf *b)
{
    char *data = NULL;
    size_t len = 0;
    if (fg_buf_take(b, &data, &len) != FG_OK)
        return fg_error_set(&req->err, FG_ENOMEM, NULL, "out of memory");
    if (fg_pool_on_free(req->pool, fg_free, data) != FG_OK) {
        fg_free(data);
        return fg_error_set(&req->err, FG_ENOMEM, NULL, "out of memory");
    }
    fg_resp_set(req, status, FG_CT_FHIR_JSON, fg_str_n(data, len));
    return FG_OK;
}

enum fg_status fg_rest_version_headers(struct fg_req *req, const struct fhir_resource *res,
                                       bool location)
{
    char date[FG_HTTP_DATE_MAX];
    fg_rest_http_date(res->last_updated_us, date);
    const char *etag = fg_rest_etag_of(req->pool, res);
    const char *vtext = location ? fhir_resource_version_text(req->pool, res) : "";
    const char *lm = fg_pool_strdup(req->pool, date);
    const char *loc = NULL;
    if (location && vtext)
        loc = fg_pool_printf(req->pool, "%s/%.*s/%.*s/_history/%s", fg_req_base_url(req),
                             (int)res->type.len, res->type.ptr, (int)res->id.len, res->id.ptr,
                             vtext);
    if (!etag || !vtext || !lm || (location && !loc))
        return fg_error_set(&req->err, FG_ENOMEM, NULL, "out of memory");
    enum fg_status st = fg_resp_header(req, "ETag", etag);
    if (st == FG_OK && res->last_updated_us)
        st = fg_resp_header(req, "Last-Modified", lm);
    if (st == FG_OK && loc)
        st = fg_resp_header(req, "Location", loc);
    if (st != FG_OK)
        return fg_error_set(&req->err, st, NULL, "too many response headers");
    return FG_OK;
}

/* _summary / _elements of a read: parsed here (a read is not a search). */
static enum fg_status read_subset_params(struct fg_req *req, enum fhir_summary *summary,
                                         struct fg_str **elements, size_t *n_elements)
{
    static const struct {
        const char *name;
        enum fhir_summary v;
    } modes[] = {{"true", FHIR_SUMMARY_TRUE},
                 {"text", FHIR_SUMMARY_TEXT},
                 {"data", FHIR_SUMMARY_DATA},
                 {"false", FHIR_SUMMARY_FALSE}};
    struct fg_str s = fg_req_query(req, "_summary");
    *summary = FHIR_SUMMARY_NONE;
    if (s.ptr) {
        size_t i = 0;
        while (i < sizeof modes / sizeof modes[0] && !fg_str_eq_c(s, modes[i].name))
            i++;
        if (i == sizeof modes / sizeof modes[0])
            return fg_error_set(&req->err, FG_EINVAL, "_summary",
                                "_summary must be true, text, data or false on a read");
        *summary = modes[i].v;
    }
    struct fg_str e = fg_req_query(req, "_elements"), item, rest = e;
    size_t cap = 1;
    for (size_t i = 0; i < e.len; i++)
        cap += e.ptr[i] == ',';
    *elements = fg_pool_alloc(req->pool, cap * sizeof **elements);
    if (!*elements)
        return fg_error_set(&req->err, FG_ENOMEM, NULL, "out of memory");
    *n_elements = 0;
    while (rest.len) {
        fg_str_split(rest, ',', &item, &rest);
        item = fg_str_trim(item);
        if (item.len)
            (*elements)[(*n_elements)++] = item;
    }
    return FG_OK;
}

enum fg_status fg_rest_subset_text(struct fg_req *req, const struct fhir_resource *res,
                                   enum fhir_summary summary, const struct fg_str *elements,
                                   size_t n_elements, struct fg_str *out)
{
    bool by_summary = summary == FHIR_SUMMARY_TRUE || summary == FHIR_SUMMARY_TEXT ||
                      summary == FHIR_SUMMARY_DATA;
    if ((!by_summary && n_elements == 0) || res->json.len == 0) {
        *out = res->json;
        return FG_OK;
    }
    cJSON *tree = cJSON_ParseWithLength(res->json.ptr, res->json.len);
    if (!tree)
        return fg_error_set(&req->err, FG_EIO, NULL, "a stored resource is not valid JSON");
    enum fg_status st = by_summary ? fhir_subset_summary(tree, res->type, summary)
                                   : fhir_subset_elements(tree, res->type, elements, n_elements);
    if (st == FG_OK)
        st = fg_rest_print(req, tree, out);
    else
        fg_error_set(&req->err, st, NULL, "out of memory");
    cJSON_Delete(tree);
    return st;
}

enum fg_status fg_rest_send_resource(struct fg_req *req, int status,
                                     const struct fhir_resource *res)
{
    enum fhir_summary summary;
    struct fg_str *elements = NULL, body;
    size_t n_elements = 0;
    enum fg_status st = read_subset_params(req, &summary, &elements, &n_elements);
    if (st == FG_OK)
        st = fg_rest_subset_text(req, res, summary, elements, n_elements, &body);
    if (st == FG_OK)
        st = fg_rest_version_headers(req, res, false);
    if (st == FG_OK)
        fg_resp_set(req, status, FG_CT_FHIR_JSON, body);
    return st;
}

enum fg_status fg_rest_send_info(struct fg_req *req, int status, struct fg_str diagnostics)
{
    struct fg_buf b;
    fg_buf_init(&b, FG_ERROR_DIAG_MAX * 4);
    enum fg_status st = fhir_outcome_write_info(diagnostics, &b);
    if (st == FG_OK)
        st = fg_rest_send_buf(req, status, &b);
    else
        fg_error_set(&req->err, st, NULL, "out of memory");
    fg_buf_cleanup(&b);
    return st;
}

enum fg_status fg_rest_store(struct fg_req *req, struct fhir_store **out)
{
    if (!req->srv || !req->srv->store)
        return fg_error_set_http(&req->err, FG_EIO, 503, "transient", NULL,
                                 "this server runs without a record store");
    *out = req->srv->store;
    return FG_OK;
}

enum fg_status fg_rest_new_id(struct fg_req *req, struct fg_str *out)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char raw[16];
    char *id = fg_pool_alloc(req->pool, 2 * sizeof raw + 1);
    if (!id)
        return fg_error_set(&req->err, FG_ENOMEM, NULL, "out of memory");
    if (RAND_bytes(raw, sizeof raw) != 1)
        return fg_error_set(&req->err, FG_EIO, NULL, "no random bytes for a new id");
    for (size_t i = 0; i < sizeof raw; i++) {
        id[2 * i] = hex[raw[i] >> 4];
        id[2 * i + 1] = hex[raw[i] & 15];
    }
    id[2 * sizeof raw] = '\0';
    *out = fg_str_n(id, 2 * sizeof raw);
    return FG_OK;
}

/* /fhir/<segment>...: reached through the {any} fallback routes, so either
 * the segment is no resource type we serve (404) or the path exists with
 * other methods only (405). */
enum fg_status fg_rest_unknown_type(struct fg_req *req)
{
    struct fg_str rest = req->path, seg = FG_STR_NULL;
    if (fg_str_starts_with(rest, "/fhir/"))
        rest = fg_str_n(rest.ptr + 6, rest.len - 6);
    fg_str_split(rest, '/', &seg, &rest);
    int n = (int)(seg.len > 64 ? 64 : seg.len);
    bool known = fhir_resource_type_known(seg) || fg_str_eq_c(seg, "metadata") ||
                 fg_str_eq_c(seg, "_history");
    if (known && (req->method == FG_GET || req->method == FG_HEAD))
        return fg_error_set_http(&req->err, FG_ENOTFOUND, 404, "not-found", NULL,
                                 "no endpoint at %.*s (bad id or version?)",
                                 (int)(req->path.len > 200 ? 200 : req->path.len),
                                 req->path.ptr);
    if (known)
        return fg_error_set_http(&req->err, FG_ENOTSUP, 405, "not-supported", NULL,
                                 "method %.*s is not allowed on %.*s",
                                 (int)(req->method_name.len > 16 ? 16 : req->method_name.len),
                                 req->method_name.ptr,
                                 (int)(req->path.len > 200 ? 200 : req->path.len),
                                 req->path.ptr);
    return fg_error_set_http(&req->err, FG_ENOTFOUND, 404, "not-found", NULL,
                             "Unknown resource type '%.*s'", n, seg.ptr ? seg.ptr : "");
}

/* GET /fhir/metadata: public, never behind the access seam: it is what a
 * client reads before it can authenticate (SMART App Launch discovery), and
 * it reveals only what the server offers, no data. */
enum fg_status fg_rest_metadata(struct fg_req *req)
{
    struct fg_str body;
    if (fg_server_capability(req->srv, &body) != FG_OK)
        return fg_error_set(&req->err, FG_ENOMEM, NULL, "cannot build the CapabilityStatement");
    fg_resp_set(req, 200, FG_CT_FHIR_JSON, body);
    return FG_OK;
}
