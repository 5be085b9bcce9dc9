/* imp_json.c - a pull tokenizer for streamed JSON (see imp_json.h). RFC 8259. */
#include "imp_json.h"

#include <string.h>

void imp_json_init(struct imp_json_lex *lx, struct imp_src *src, struct fg_error *err,
                   const char *name)
{
    lx->src = src;
    lx->err = err;
    lx->pos = lx->len = 0;
    lx->eof = false;
    lx->line = 1;
    lx->consumed = 0;
    lx->name = name;
    lx->started = false;
    fg_buf_init(&lx->text, IMP_MAX_JSON_TOKEN);
}

void imp_json_cleanup(struct imp_json_lex *lx)
{
    fg_buf_cleanup(&lx->text);
}

enum fg_status imp_json_error(struct imp_json_lex *lx, const char *what)
{
    return fg_error_set(lx->err, FG_EINVAL, NULL, "%s line %lu: %s", lx->name, lx->line, what);
}

/* Makes at least one byte available; *c = -1 at the end of input. */
static enum fg_status peek(struct imp_json_lex *lx, int *c)
{
    if (lx->pos == lx->len && !lx->eof) {
        size_t got = 0;
        enum fg_status rc = lx->src->read(lx->src, lx->buf, sizeof lx->buf, &got, lx->err);
        if (rc != FG_OK)
            return rc;
        lx->pos = 0;
        lx->len = got;
        lx->consumed += got;
        lx->eof = got == 0;
    }
    *c = lx->pos < lx->len ? lx->buf[lx->pos] : -1;
    return FG_OK;
}

static enum fg_status get(struct imp_json_lex *lx, int *c)
{
    enum fg_status rc = peek(lx, c);
    if (rc == FG_OK && *c >= 0) {
        lx->pos++;
        if (*c == '\n')
            lx->line++;
    }
    return rc;
}

static enum fg_status put(struct imp_json_lex *lx, int c)
{
    enum fg_status rc = fg_buf_append_char(&lx->text, (char)c);
    return rc == FG_ETOOBIG ? (imp_json_error(lx, "token too long"), FG_ETOOBIG) : rc;
}

static enum fg_status put_utf8(struct imp_json_lex *lx, uint32_t cp)
{
    char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xc0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xe0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        b[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        b[0] = (char)(0xf0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        b[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    enum fg_status rc = fg_buf_append(&lx->text, b, n);
    return rc == FG_ETOOBIG ? (imp_json_error(lx, "token too long"), FG_ETOOBIG) : rc;
}

static enum fg_status hex4(struct imp_json_lex *lx, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        int c;
        enum fg_status rc = get(lx, &c);
        if (rc != FG_OK)
            return rc;
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            return imp_json_error(lx, "bad \\u escape");
        v = v * 16 + (uint32_t)d;
    }
    *out = v;
    return FG_OK;
}

static enum fg_status unicode_escape(struct imp_json_lex *lx)
{
    uint32_t cp, lo;
    int c1, c2;
    enum fg_status rc = hex4(lx, &cp);
    if (rc != FG_OK)
        return rc;
    if (cp >= 0xdc00 && cp <= 0xdfff)
        return imp_json_error(lx, "lone low surrogate");
    if (cp >= 0xd800 && cp <= 0xdbff) {
        rc = get(lx, &c1);
        if (rc == FG_OK)
            rc = get(lx, &c2);
        if (rc != FG_OK)
            return rc;
        if (c1 != '\\' || c2 != 'u')
            return imp_json_error(lx, "lone high surrogate");
        rc = hex4(lx, &lo);
        if (rc != FG_OK)
            return rc;
        if (lo < 0xdc00 || lo > 0xdfff)
            return imp_json_error(lx, "bad surrogate pair");
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
    }
    return put_utf8(lx, cp);
}

/* Checks one UTF-8 sequence that starts with lead byte c (already stored). */
static enum fg_status utf8_tail(struct imp_json_lex *lx, int c)
{
    int n;
    uint32_t cp, min;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 1, cp = (uint32_t)c & 0x1f, min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 2, cp = (uint32_t)c & 0x0f, min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 3, cp = (uint32_t)c & 0x07, min = 0x10000;
    } else {
        return imp_json_error(lx, "invalid UTF-8");
    }
    for (int i = 0; i < n; i++) {
        int t;
        enum fg_status rc = get(lx, &t);
        if (rc != FG_OK)
            return rc;
        if (t < 0x80 || t > 0xbf)
            return imp_json_error(lx, "invalid UTF-8");
        cp = (cp << 6) | ((uint32_t)t & 0x3f);
        rc = put(lx, t);
        if (rc != FG_OK)
            return rc;
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return imp_json_error(lx, "invalid UTF-8");
    return FG_OK;
}

/* Hot path: takes the run of buffered bytes that a string holds as they are (printable ASCII
 * but '"' and '\\') in one append, instead of byte by byte. No newline can be among them. */
static enum fg_status plain_run(struct imp_json_lex *lx)
{
    size_t start = lx->pos, i = start;
    while (i < lx->len && lx->buf[i] >= 0x20 && lx->buf[i] < 0x80 && lx->buf[i] != '"' &&
           lx->buf[i] != '\\')
        i++;
    if (i == start)
        return FG_OK;
    lx->pos = i;
    enum fg_status rc = fg_buf_append(&lx->text, lx->buf + start, i - start);
    return rc == FG_ETOOBIG ? (imp_json_error(lx, "token too long"), FG_ETOOBIG) : rc;
}

/* The same for the buffered digits of a number, from the one just peeked. */
static enum fg_status digit_run(struct imp_json_lex *lx)
{
    size_t start = lx->pos, i = start;
    while (i < lx->len && lx->buf[i] >= '0' && lx->buf[i] <= '9')
        i++;
    lx->pos = i;
    enum fg_status rc = fg_buf_append(&lx->text, lx->buf + start, i - start);
    return rc == FG_ETOOBIG ? (imp_json_error(lx, "token too long"), FG_ETOOBIG) : rc;
}

static enum fg_status lex_string(struct imp_json_lex *lx)
{
    static const char esc_in[] = "\"\\/bfnrt", esc_out[] = "\"\\/\b\f\n\r\t";
    for (;;) {
        int c;
        enum fg_status rc = plain_run(lx);
        if (rc == FG_OK)
            rc = get(lx, &c);
        if (rc != FG_OK)
            return rc;
        if (c < 0)
            return imp_json_error(lx, "unterminated string");
        if (c == '"')
            return FG_OK;
        if (c < 0x20)
            return imp_json_error(lx, "control character in a string");
        if (c == '\\') {
            rc = get(lx, &c);
            if (rc != FG_OK)
                return rc;
            if (c == 'u') {
                rc = unicode_escape(lx);
            } else {
                const char *p = c > 0 ? strchr(esc_in, c) : NULL;
                if (!p)
                    return imp_json_error(lx, "bad escape");
                rc = put(lx, esc_out[p - esc_in]);
            }
        } else {
            rc = put(lx, c);
            if (rc == FG_OK && c >= 0x80)
                rc = utf8_tail(lx, c);
        }
        if (rc != FG_OK)
            return rc;
    }
}

/* Reads an optional exponent sign after 'e'/'E'. */
static enum fg_status exponent_sign(struct imp_json_lex *lx)
{
    int c;
    enum fg_status rc = peek(lx, &c);
    if (rc != FG_OK || (c != '+' && c != '-'))
        return rc;
    rc = get(lx, &c);
    return rc == FG_OK ? put(lx, c) : rc;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? ; first is already read. */
static enum fg_status lex_number(struct imp_json_lex *lx, int first)
{
    enum fg_status rc = put(lx, first);
    int state = first == '-' ? 0 : first == '0' ? 2 : 1; /* 0 sign, 1 int, 2 zero */
    int c = 0;
    bool frac = false, expo = false, need_digit = state == 0;
    while (rc == FG_OK) {
        rc = peek(lx, &c);
        if (rc != FG_OK)
            break;
        bool exp_mark = (c == 'e' || c == 'E') && !expo && !need_digit;
        if (c >= '0' && c <= '9') {
            if (state == 2 && !frac && !expo)
                return imp_json_error(lx, "leading zero in a number");
            if (state == 0)
                state = c == '0' ? 2 : 1;
            need_digit = false;
            if (state != 2 || frac || expo) { /* not a leading zero: the whole run at once */
                rc = digit_run(lx);
                continue;
            }
        } else if (c == '.' && !frac && !expo && !need_digit) {
            frac = need_digit = true;
        } else if (!exp_mark) {
            return need_digit ? imp_json_error(lx, "bad number") : FG_OK;
        }
        rc = get(lx, &c);
        if (rc == FG_OK)
            rc = put(lx, c);
        if (rc == FG_OK && exp_mark) {
            expo = need_digit = true;
            rc = exponent_sign(lx);
        }
    }
    return rc;
}

static enum fg_status lex_word(struct imp_json_lex *lx, const char *rest)
{
    for (const char *p = rest; *p; p++) {
        int c;
        enum fg_status rc = get(lx, &c);
        if (rc != FG_OK)
            return rc;
        if (c != (unsigned char)*p)
            return imp_json_error(lx, "unexpected characters");
    }
    return FG_OK;
}

enum fg_status imp_json_next(struct imp_json_lex *lx, enum imp_json_tok *tok)
{
    int c;
    enum fg_status rc;
    do {
        /* blanks in the buffer skipped in place (the hot path), then one byte through get */
        while (lx->pos < lx->len && (lx->buf[lx->pos] == ' ' || lx->buf[lx->pos] == '\t' ||
                                     lx->buf[lx->pos] == '\n' || lx->buf[lx->pos] == '\r'))
            lx->line += lx->buf[lx->pos++] == '\n';
        rc = get(lx, &c);
        if (rc != FG_OK)
            return rc;
    } while (c == ' ' || c == '\t' || c == '\n' || c == '\r');
    fg_buf_reset(&lx->text);
    if (c != 0xef)
        lx->started = true;
    switch (c) {
    case -1:
        *tok = IMP_JT_EOF;
        return FG_OK;
    case '{':
        *tok = IMP_JT_OBJ_OPEN;
        return FG_OK;
    case '}':
        *tok = IMP_JT_OBJ_CLOSE;
        return FG_OK;
    case '[':
        *tok = IMP_JT_ARR_OPEN;
        return FG_OK;
    case ']':
        *tok = IMP_JT_ARR_CLOSE;
        return FG_OK;
    case ':':
        *tok = IMP_JT_COLON;
        return FG_OK;
    case ',':
        *tok = IMP_JT_COMMA;
        return FG_OK;
    case '"':
        *tok = IMP_JT_STRING;
        return lex_string(lx);
    case 't':
        *tok = IMP_JT_TRUE;
        return lex_word(lx, "rue");
    case 'f':
        *tok = IMP_JT_FALSE;
        return lex_word(lx, "alse");
    case 'n':
        *tok = IMP_JT_NULL;
        return lex_word(lx, "ull");
    default:
        if (c == '-' || (c >= '0' && c <= '9')) {
            *tok = IMP_JT_NUMBER;
            return lex_number(lx, c);
        }
        if (c == 0xef && !lx->started) { /* a UTF-8 byte order mark */
            lx->started = true;
            rc = lex_word(lx, "\xbb\xbf");
            return rc == FG_OK ? imp_json_next(lx, tok) : rc;
        }
        return imp_json_error(lx, "unexpected character");
    }
}

/* Skips the rest of a value that opened with first, in an explicit stack (no recursion). */
enum fg_status imp_json_skip(struct imp_json_lex *lx, enum imp_json_tok first)
{
    if (first != IMP_JT_OBJ_OPEN && first != IMP_JT_ARR_OPEN) {
        bool scalar = first == IMP_JT_STRING || first == IMP_JT_NUMBER || first == IMP_JT_TRUE ||
                      first == IMP_JT_FALSE || first == IMP_JT_NULL;
        return scalar ? FG_OK : imp_json_error(lx, "a value was expected");
    }
    /* the well-formedness of skipped parts is checked loosely: brackets must balance */
    enum imp_json_tok stack[IMP_MAX_JSON_DEPTH];
    size_t depth = 0;
    stack[depth++] = first;
    while (depth > 0) {
        enum imp_json_tok t;
        enum fg_status rc = imp_json_next(lx, &t);
        if (rc != FG_OK)
            return rc;
        if (t == IMP_JT_EOF)
            return imp_json_error(lx, "unexpected end of input");
        if (t == IMP_JT_OBJ_OPEN || t == IMP_JT_ARR_OPEN) {
            if (depth == IMP_MAX_JSON_DEPTH)
                return imp_json_error(lx, "nested too deeply");
            stack[depth++] = t;
        } else if (t == IMP_JT_OBJ_CLOSE || t == IMP_JT_ARR_CLOSE) {
            enum imp_json_tok open = t == IMP_JT_OBJ_CLOSE ? IMP_JT_OBJ_OPEN : IMP_JT_ARR_OPEN;
            if (stack[--depth] != open)
                return imp_json_error(lx, "mismatched brackets");
        }
    }
    return FG_OK;
}
