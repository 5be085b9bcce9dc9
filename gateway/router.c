/* router.c - match a request path against the REST URL patterns.
 * http://hl7.org/fhir/R4/http.html ; contract in router.h. */
#include "router.h"

#include <stdio.h>
#include <string.h>

#include "../fhir/searchparam.h"

/* Takes the next '/'-separated segment of *rest into *seg. Returns false at
 * the end. A leading '/' is skipped; "a//b" yields an empty segment. */
static bool next_segment(struct fg_str *rest, struct fg_str *seg)
{
    if (rest->len == 0)
        return false;
    if (rest->ptr[0] == '/') {
        rest->ptr++;
        rest->len--;
    }
    size_t n = 0; /* segments are short: a plain loop, not a memchr call */
    while (n < rest->len && rest->ptr[n] != '/')
        n++;
    *seg = fg_str_n(rest->ptr, n);
    rest->ptr += n;
    rest->len -= n;
    return true;
}

struct captures {
    struct fg_str type, id, vid, op;
};

/* What one fg_router_match call learns about the path, kept across the
 * patterns it tries: its number of '/' (with a leading '/', its number of
 * segments), and whether a segment names a known resource type, decided
 * once (a binary search), not once per {type} pattern. */
struct type_memo {
    size_t slashes;  /* '/' in the path */
    const char *seg; /* the segment last looked up (a pointer into the path) */
    size_t len;
    bool known;
};

static void memo_init(struct type_memo *m, struct fg_str path)
{
    memset(m, 0, sizeof *m);
    const char *end = path.ptr + path.len;
    for (const char *p = path.ptr; p < end && (p = memchr(p, '/', (size_t)(end - p))); p++)
        m->slashes++;
}

static bool type_known(struct type_memo *m, struct fg_str seg)
{
    if (m->seg != seg.ptr || m->len != seg.len) {
        m->seg = seg.ptr;
        m->len = seg.len;
        m->known = fhir_resource_type_known(seg);
    }
    return m->known;
}

static bool is_version_id(struct fg_str s)
{
    return fg_is_fhir_id(s);
}

static bool is_operation(struct fg_str s)
{
    if (s.len < 2 || s.ptr[0] != '$')
        return false;
    for (size_t i = 1; i < s.len; i++) {
        char c = s.ptr[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_';
        if (!ok)
            return false;
    }
    return true;
}

/* Whether pattern segment pat is the placeholder name (a string literal). */
#define IS_NAME(pat, name)                                                                         \
    ((pat).len == sizeof name - 1 && memcmp((pat).ptr, name, sizeof name - 1) == 0)

/* One placeholder segment ("{type}", "{id}", ...) against one path segment. */
static bool match_placeholder(struct fg_str pat, struct fg_str seg, struct captures *cap,
                              struct type_memo *memo)
{
    if (IS_NAME(pat, "{type}")) {
        if (!type_known(memo, seg))
            return false;
        cap->type = seg;
        return true;
    }
    if (IS_NAME(pat, "{id}")) {
        if (!fg_is_fhir_id(seg))
            return false;
        cap->id = seg;
        return true;
    }
    if (IS_NAME(pat, "{vid}")) {
        if (!is_version_id(seg))
            return false;
        cap->vid = seg;
        return true;
    }
    if (IS_NAME(pat, "{op}")) {
        if (!is_operation(seg))
            return false;
        cap->op = fg_str_n(seg.ptr + 1, seg.len - 1);
        return true;
    }
    /* {any}: any non-empty segment, not captured (fallback routes). */
    if (IS_NAME(pat, "{any}"))
        return seg.len > 0;
    return fg_str_eq(pat, seg);
}

/* One pattern segment against one path segment: literal text compares
 * bytes (the common case, and the cheap way for most patterns to fail). */
static bool match_segment(struct fg_str pat, struct fg_str seg, struct captures *cap,
                          struct type_memo *memo)
{
    if (pat.len == 0 || pat.ptr[0] != '{')
        return fg_str_eq(pat, seg);
    return match_placeholder(pat, seg, cap, memo);
}

/* What can be known of a pattern before a request: its literal text before
 * the first placeholder (prefix_len bytes), whether a placeholder follows,
 * and its number of '/'. Both a pattern and a path start with '/', so
 * segments and separators line up (a segment count is the number of '/').
 * Patterns not starting with '/', or too long for the fields, are left to
 * the full match (rooted = false). */
static void prepare_one(const char *pattern, struct fg_router_meta *m)
{
    memset(m, 0, sizeof *m);
    size_t i = 0, slashes = 0, last_slash = 0;
    for (; pattern[i] && pattern[i] != '{'; i++) {
        if (pattern[i] == '/') {
            slashes++;
            last_slash = i;
        }
    }
    size_t prefix = i;
    for (; pattern[i]; i++)
        slashes += pattern[i] == '/';
    if (pattern[0] != '/' || prefix > UINT16_MAX || slashes > UINT8_MAX)
        return;
    m->rooted = true;
    m->prefix_len = (uint16_t)prefix;
    m->skip = (uint16_t)last_slash;
    m->placeholder = pattern[prefix] == '{';
    m->slashes = (uint8_t)slashes;
}

/* The bucket a path (or a rooted pattern) with this many '/' belongs to. */
static size_t bucket_of(size_t slashes)
{
    return slashes < FG_ROUTER_BUCKETS - 1 ? slashes : FG_ROUTER_BUCKETS - 1;
}

enum fg_status fg_router_prepare(struct fg_router *r, const struct fg_route *routes, size_t n)
{
    memset(r->bucket_n, 0, sizeof r->bucket_n);
    r->routes = routes;
    r->n = 0;
    if (n > FG_MAX_ROUTES)
        return FG_ETOOBIG;
    for (size_t i = 0; i < n; i++) {
        prepare_one(routes[i].pattern, &r->meta[i]);
        /* a rooted pattern can only match paths with its count of '/';
         * the others are tried for every path */
        for (size_t b = 0; b < FG_ROUTER_BUCKETS; b++)
            if (!r->meta[i].rooted || bucket_of(r->meta[i].slashes) == b)
                r->bucket[b][r->bucket_n[b]++] = (uint8_t)i;
    }
    r->n = n;
    return FG_OK;
}

/* False when the pattern cannot match for reasons visible byte by byte:
 * its literal text before the first placeholder differs from the path's
 * bytes, or it has another number of segments. Most patterns of a table
 * fail here, in a few compares. */
static inline bool quick_fit(const char *pattern, const struct fg_router_meta *m,
                             struct fg_str path, const struct type_memo *memo)
{
    if (!m->rooted || path.len == 0 || path.ptr[0] != '/')
        return true; /* not comparable byte-wise: let the full match decide */
    if (!m->placeholder)
        return path.len == m->prefix_len && memcmp(pattern, path.ptr, path.len) == 0;
    return m->slashes == memo->slashes && path.len >= m->prefix_len &&
           memcmp(pattern, path.ptr, m->prefix_len) == 0;
}

/* The full match of a pattern that passed quick_fit, segment by segment
 * from offset skip (a '/' of both: the bytes before it are equal). Kept
 * out of line: the loops calling it stay small. */
static __attribute__((noinline)) bool match_pattern(const char *pattern, size_t skip, struct fg_str path,
                          struct captures *cap, struct type_memo *memo)
{
    struct fg_str prest = fg_str_c(pattern + skip), rest = fg_str_n(path.ptr + skip, path.len - skip);
    struct fg_str pseg, seg;
    memset(cap, 0, sizeof *cap);
    for (;;) {
        bool more_p = next_segment(&prest, &pseg);
        bool more_s = next_segment(&rest, &seg);
        if (!more_p || !more_s)
            return more_p == more_s;
        if (!match_segment(pseg, seg, cap, memo))
            return false;
    }
}

/* Whether route i of r matches the path: quick_fit, then the full match
 * (from the prefix's last '/' when quick_fit compared the bytes before it). */
static inline bool route_fits(const struct fg_router *r, size_t i, struct fg_str path,
                              struct captures *cap, struct type_memo *memo)
{
    const struct fg_router_meta *m = &r->meta[i];
    const char *pattern = r->routes[i].pattern;
    if (!quick_fit(pattern, m, path, memo))
        return false;
    bool compared = m->rooted && path.len && path.ptr[0] == '/';
    return match_pattern(pattern, compared ? m->skip : 0, path, cap, memo);
}

/* HEAD is answered by the GET route (the server drops the body). */
static bool method_matches(enum fg_method route, enum fg_method req)
{
    return route == req || (route == FG_GET && req == FG_HEAD);
}

enum fg_route_match fg_router_find(const struct fg_router *r, struct fg_req *req,
                                   fg_handler *handler)
{
    bool path_seen = false;
    struct captures cap;
    struct type_memo memo;
    memo_init(&memo, req->path);
    /* A path starting with '/' needs only its bucket's routes; any other
     * path is compared with every route. */
    bool rooted = req->path.len && req->path.ptr[0] == '/';
    const uint8_t *order = rooted ? r->bucket[bucket_of(memo.slashes)] : NULL;
    size_t n = rooted ? r->bucket_n[bucket_of(memo.slashes)] : r->n;
    for (size_t k = 0; k < n; k++) {
        size_t i = order ? order[k] : k;
        if (!route_fits(r, i, req->path, &cap, &memo))
            continue;
        path_seen = true;
        const struct fg_route *route = &r->routes[i];
        if (!method_matches(route->method, req->method))
            continue;
        req->route_type = cap.type;
        req->route_id = cap.id;
        req->route_vid = cap.vid;
        req->route_op = cap.op;
        *handler = route->handler;
        return FG_ROUTE_FOUND;
    }
    return path_seen ? FG_ROUTE_BAD_METHOD : FG_ROUTE_NO_PATH;
}

enum fg_route_match fg_router_match(const struct fg_route *routes, size_t n, struct fg_req *req,
                                    fg_handler *handler)
{
    struct fg_router r;
    if (fg_router_prepare(&r, routes, n) != FG_OK)
        return FG_ROUTE_NO_PATH;
    return fg_router_find(&r, req, handler);
}

static const char *method_name(enum fg_method m)
{
    static const char *const names[] = {
        [FG_GET] = "GET",       [FG_HEAD] = "HEAD",   [FG_POST] = "POST",
        [FG_PUT] = "PUT",       [FG_DELETE] = "DELETE", [FG_PATCH] = "PATCH",
        [FG_OPTIONS] = "OPTIONS", [FG_METHOD_OTHER] = NULL,
    };
    return (unsigned)m < sizeof names / sizeof names[0] ? names[m] : NULL;
}

const char *fg_router_allowed(const struct fg_route *routes, size_t n, struct fg_req *req)
{
    bool allowed[FG_METHOD_OTHER + 1] = {false};
    struct captures cap;
    struct type_memo memo;
    struct fg_router r;
    if (fg_router_prepare(&r, routes, n) != FG_OK)
        return NULL;
    memo_init(&memo, req->path);
    for (size_t i = 0; i < n; i++)
        if ((unsigned)routes[i].method <= FG_METHOD_OTHER &&
            route_fits(&r, i, req->path, &cap, &memo))
            allowed[routes[i].method] = true;
    if (allowed[FG_GET])
        allowed[FG_HEAD] = true;
    char out[64];
    size_t len = 0;
    for (int m = 0; m <= FG_METHOD_OTHER; m++) {
        const char *name = method_name((enum fg_method)m);
        if (!allowed[m] || !name)
            continue;
        int w = snprintf(out + len, sizeof out - len, "%s%s", len ? ", " : "", name);
        if (w < 0 || (size_t)w >= sizeof out - len)
            break;
        len += (size_t)w;
    }
    return fg_pool_strndup(req->pool, out, len);
}
