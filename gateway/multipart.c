/* multipart.c - streaming multipart/form-data (see multipart.h).
 *
 * The delimiter "\r\n--boundary" is found with a KMP automaton, byte by byte, so a delimiter
 * split across chunks is still seen and nothing of the body is kept but the bytes of a
 * partial match (at most the delimiter's length). The first boundary has no leading CRLF:
 * the automaton starts as if "\r\n" had been matched. */
#include "multipart.h"

#include <string.h>

/* The KMP failure function of delim: fail[j] = the longest proper prefix of delim[0..j) that
 * is also its suffix. */
static void fail_table(struct fg_mp *m)
{
    m->fail[0] = 0;
    if (m->dlen > 0)
        m->fail[1] = 0;
    size_t k = 0;
    for (size_t j = 1; j < m->dlen; j++) {
        while (k > 0 && m->delim[j] != m->delim[k])
            k = m->fail[k];
        if (m->delim[j] == m->delim[k])
            k++;
        m->fail[j + 1] = (unsigned char)k;
    }
}

static size_t fail_at(const struct fg_mp *m, size_t j)
{
    return m->fail[j];
}

static bool is_token_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           strchr("'()+_,-./:=? ", c) != NULL;
}

enum fg_status fg_mp_init(struct fg_mp *m, struct fg_str content_type,
                          const struct fg_mp_callbacks *cb, struct fg_error *err)
{
    struct fg_str media, rest, param;
    memset(m, 0, sizeof *m);
    fg_str_split(content_type, ';', &media, &rest);
    if (!fg_str_ieq_c(fg_str_trim(media), "multipart/form-data"))
        return fg_error_set(err, FG_EINVAL, "Content-Type", "a multipart/form-data body is expected");
    struct fg_str boundary = FG_STR_NULL;
    while (rest.len) {
        fg_str_split(rest, ';', &param, &rest);
        struct fg_str k, v;
        if (fg_str_split(fg_str_trim(param), '=', &k, &v) && fg_str_ieq_c(fg_str_trim(k), "boundary"))
            boundary = fg_str_trim(v);
    }
    if (boundary.len >= 2 && boundary.ptr[0] == '"' && boundary.ptr[boundary.len - 1] == '"')
        boundary = fg_str_n(boundary.ptr + 1, boundary.len - 2);
    bool ok = boundary.len >= 1 && boundary.len <= FG_MP_MAX_BOUNDARY &&
              boundary.ptr[boundary.len - 1] != ' ';
    for (size_t i = 0; ok && i < boundary.len; i++)
        ok = is_token_char(boundary.ptr[i]);
    if (!ok)
        return fg_error_set(err, FG_EINVAL, "Content-Type", "the multipart boundary is not valid");
    memcpy(m->delim, "\r\n--", 4);
    memcpy(m->delim + 4, boundary.ptr, boundary.len);
    m->dlen = boundary.len + 4;
    fail_table(m);
    m->nhold = 2; /* as if the CRLF before the first boundary had been seen */
    m->state = FG_MP_PREAMBLE;
    m->cb = *cb;
    return FG_OK;
}

/* The quoted value of param (name or filename) in a Content-Disposition line, borrowed from
 * line. */
static bool disposition_param(struct fg_str line, const char *param, struct fg_str *out)
{
    size_t plen = strlen(param);
    for (size_t i = 0; i + plen + 2 <= line.len; i++) {
        bool at_start = i > 0 && (line.ptr[i - 1] == ';' || line.ptr[i - 1] == ' ');
        if (!at_start || strncmp(line.ptr + i, param, plen) != 0 || line.ptr[i + plen] != '=' ||
            line.ptr[i + plen + 1] != '"')
            continue;
        size_t s = i + plen + 2, e = s;
        while (e < line.len && line.ptr[e] != '"')
            e++;
        if (e == line.len)
            return false;
        *out = fg_str_n(line.ptr + s, e - s);
        return true;
    }
    return false;
}

static enum fg_status headers_done(struct fg_mp *m, struct fg_error *err)
{
    struct fg_str rest = fg_str_n(m->headers, m->nheaders - 4), line;
    char name[FG_MP_MAX_NAME];
    struct fg_str nv = FG_STR_NULL, fv;
    bool have = false, is_file = false;
    while (rest.len) {
        bool more = fg_str_split(rest, '\n', &line, &rest);
        (void)more;
        if (line.len && line.ptr[line.len - 1] == '\r')
            line.len--;
        struct fg_str hname, hval;
        if (!fg_str_split(line, ':', &hname, &hval) ||
            !fg_str_ieq_c(fg_str_trim(hname), "Content-Disposition"))
            continue;
        hval = fg_str_trim(hval);
        if (!fg_str_starts_with(hval, "form-data"))
            break;
        have = disposition_param(hval, "name", &nv);
        /* the file name itself is not used: only its presence, however long it is */
        is_file = disposition_param(hval, "filename", &fv);
    }
    have = have && nv.len > 0 && nv.len < sizeof name;
    if (have) {
        memcpy(name, nv.ptr, nv.len);
        name[nv.len] = '\0';
    }
    if (!have)
        return fg_error_set(err, FG_EINVAL, NULL,
                            "a multipart part has no Content-Disposition: form-data; name=\"...\"");
    if (++m->parts > FG_MP_MAX_PARTS)
        return fg_error_set(err, FG_EINVAL, NULL, "too many parts in the form");
    m->state = FG_MP_BODY;
    m->nhold = 0;
    return m->cb.begin ? m->cb.begin(m->cb.ctx, name, is_file) : FG_OK;
}

static enum fg_status emit(struct fg_mp *m, const char *p, size_t n)
{
    if (m->state != FG_MP_BODY || n == 0 || !m->cb.data)
        return FG_OK;
    return m->cb.data(m->cb.ctx, p, n);
}

/* A delimiter was matched in the preamble or a body. */
static enum fg_status delimiter(struct fg_mp *m)
{
    enum fg_status st = m->state == FG_MP_BODY && m->cb.end ? m->cb.end(m->cb.ctx) : FG_OK;
    m->state = FG_MP_AFTER_DELIM;
    m->nheaders = 0;
    m->nhold = 0;
    return st;
}

/* Scans p[0..n) of a preamble or body; *used = bytes consumed (stops after a delimiter). */
static enum fg_status scan(struct fg_mp *m, const char *p, size_t n, size_t *used)
{
    size_t j = m->nhold, run = 0; /* run: start of pending data bytes in p */
    enum fg_status st = FG_OK;
    for (size_t i = 0; i < n && st == FG_OK; i++) {
        char c = p[i];
        if (j > 0 && m->delim[j] != c) {
            st = emit(m, p + run, i - run); /* bytes before the held ones */
            run = i;
            while (st == FG_OK && j > 0 && m->delim[j] != c) {
                size_t k = fail_at(m, j);
                st = emit(m, m->delim, j - k);
                j = k;
            }
        }
        if (m->delim[j] == c) {
            if (j == 0) {
                st = st == FG_OK ? emit(m, p + run, i - run) : st;
                run = i + 1;
            }
            j++;
            run = i + 1;
            if (j == m->dlen) {
                m->nhold = 0;
                *used = i + 1;
                return st == FG_OK ? delimiter(m) : st;
            }
        }
    }
    if (st == FG_OK && j == 0)
        st = emit(m, p + run, n - run);
    m->nhold = j;
    *used = n;
    return st;
}

enum fg_status fg_mp_feed(struct fg_mp *m, const char *p, size_t n, struct fg_error *err)
{
    enum fg_status st = FG_OK;
    while (n && st == FG_OK) {
        size_t used = 0;
        switch (m->state) {
        case FG_MP_PREAMBLE:
        case FG_MP_BODY:
            st = scan(m, p, n, &used);
            break;
        case FG_MP_AFTER_DELIM:
            m->headers[m->nheaders++] = *p;
            used = 1;
            if (m->nheaders == 2) {
                if (memcmp(m->headers, "--", 2) == 0) {
                    m->state = FG_MP_DONE;
                } else if (memcmp(m->headers, "\r\n", 2) == 0) {
                    m->state = FG_MP_HEADERS;
                    m->nheaders = 0;
                } else {
                    st = fg_error_set(err, FG_EINVAL, NULL, "a multipart boundary is malformed");
                }
            }
            break;
        case FG_MP_HEADERS:
            if (m->nheaders == sizeof m->headers) {
                st = fg_error_set(err, FG_EINVAL, NULL, "a multipart part has too long headers");
                break;
            }
            m->headers[m->nheaders++] = *p;
            used = 1;
            if (m->nheaders >= 4 && memcmp(m->headers + m->nheaders - 4, "\r\n\r\n", 4) == 0)
                st = headers_done(m, err);
            break;
        case FG_MP_DONE:
            used = n; /* the epilogue is ignored */
            break;
        }
        p += used;
        n -= used;
    }
    if (st != FG_OK && err && err->status == FG_OK)
        fg_error_set(err, st, NULL, "the upload was stopped");
    return st;
}

enum fg_status fg_mp_finish(struct fg_mp *m, struct fg_error *err)
{
    if (m->state != FG_MP_DONE)
        return fg_error_set(err, FG_EINVAL, NULL, "the form upload is incomplete");
    return FG_OK;
}
