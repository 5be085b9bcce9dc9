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
    const char *slash = memchr(rest->ptr, '/', rest->len);
    size_t n = slash ? (size_t)(slash - rest->ptr) : rest->len;
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
    for (size_t i = 0; i < path.len; i++)
        m->slashes += path.ptr[i] == '/';
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

/* One placeholder segment ("{type}", "{id}", ...) against one path segment. */
static bool match_placeholder(struct fg_str pat, struct fg_str seg, struct captures *cap,
                              struct type_memo *memo)
{
    if (fg_str_eq_c(pat, "{type}")) {
        if (!type_known(memo, seg))
            return false;
        cap->type = seg;
        return true;
    }
    if (fg_str_eq_c(pat, "{id}")) {
        if (!fg_is_fhir_id(seg))
            return false;
        cap->id = seg;
        return true;
    }
    if (fg_str_eq_c(pat, "{vid}")) {
        if (!is_version_id(seg))
            return false;
        cap->vid = seg;
        return true;
    }
    if (fg_str_eq_c(pat, "{op}")) {
        if (!is_operation(seg))
            return false;
        cap->op = fg_str_n(seg.ptr + 1, seg.len - 1);
        return true;
    }
    /* {any}: any non-empty segment, not captured (fallback routes). */
    if (fg_str_eq_c(pat, "{any}"))
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

/* False when the pattern cannot match for reasons visible byte by byte:
 * its literal text before the first placeholder differs from the path's
 * bytes, or it has another number of segments. Both start with '/', so
 * segments and separators line up (a segment count is the number of '/').
 * Most patterns of a table fail here. */
static bool quick_fit(const char *pattern, struct fg_str path, const struct type_memo *m)
{
    if (pattern[0] != '/' || path.len == 0 || path.ptr[0] != '/')
        return true; /* not comparable byte-wise: let the full match decide */
    size_t i = 0, slashes = 0;
    for (; pattern[i] && pattern[i] != '{'; i++) {
        if (i >= path.len || pattern[i] != path.ptr[i])
            return false;
        slashes += pattern[i] == '/';
    }
    if (!pattern[i])
        return i == path.len;
    for (; pattern[i]; i++)
        slashes += pattern[i] == '/';
    return slashes == m->slashes;
}

static bool match_pattern(const char *pattern, struct fg_str path, struct captures *cap,
                          struct type_memo *memo)
{
    if (!quick_fit(pattern, path, memo))
        return false;
    struct fg_str prest = fg_str_c(pattern), rest = path;
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

/* HEAD is answered by the GET route (the server drops the body). */
static bool method_matches(enum fg_method route, enum fg_method req)
{
    return route == req || (route == FG_GET && req == FG_HEAD);
}

enum fg_route_match fg_router_match(const struct fg_route *routes, size_t n, struct fg_req *req,
                                    fg_handler *handler)
{
    bool path_seen = false;
    struct captures cap;
    struct type_memo memo;
    memo_init(&memo, req->path);
    for (size_t i = 0; i < n; i++) {
        if (!match_pattern(routes[i].pattern, req->path, &cap, &memo))
            continue;
        path_seen = true;
        if (!method_matches(routes[i].method, req->method))
            continue;
        req->route_type = cap.type;
        req->route_id = cap.id;
        req->route_vid = cap.vid;
        req->route_op = cap.op;
        *handler = routes[i].handler;
        return FG_ROUTE_FOUND;
    }
    return path_seen ? FG_ROUTE_BAD_METHOD : FG_ROUTE_NO_PATH;
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
    memo_init(&memo, req->path);
    for (size_t i = 0; i < n; i++)
        if ((unsigned)routes[i].method <= FG_METHOD_OTHER &&
            match_pattern(routes[i].pattern, req->path, &cap, &memo))
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
