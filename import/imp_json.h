/* imp_json.h - a small pull tokenizer for JSON read as a stream (RFC 8259).
 *
 * Google Takeout "All Data" files reach hundreds of MB, and their nanosecond times are JSON
 * numbers above 2^53 that a double would round. This lexer pulls bytes from an imp_src in
 * 64 KiB chunks and hands out one token at a time: strings decoded (escapes, \uXXXX with
 * surrogate pairs, UTF-8 validated) and numbers as their exact text, so a caller parses
 * integers with fg_parse_i64. Memory: the chunk plus the largest token (capped).
 * @test tests/unit/import/gfit_test.c
 */
#ifndef IMP_JSON_H
#define IMP_JSON_H

#include <stdbool.h>
#include <stdint.h>

#include "../core/fg_buf.h"
#include "imp_run.h"

enum imp_json_tok {
    IMP_JT_EOF = 0,
    IMP_JT_OBJ_OPEN,
    IMP_JT_OBJ_CLOSE,
    IMP_JT_ARR_OPEN,
    IMP_JT_ARR_CLOSE,
    IMP_JT_COLON,
    IMP_JT_COMMA,
    IMP_JT_STRING,
    IMP_JT_NUMBER,
    IMP_JT_TRUE,
    IMP_JT_FALSE,
    IMP_JT_NULL
};

#define IMP_JSON_CHUNK (64u * 1024u)

struct imp_json_lex {
    struct imp_src *src;  /* borrowed */
    struct fg_error *err; /* borrowed */
    unsigned char buf[IMP_JSON_CHUNK];
    size_t pos, len;
    bool eof;
    bool started;       /* a token was read (a BOM is allowed only before the first) */
    unsigned long line; /* 1-based line of the last token */
    uint64_t consumed;  /* bytes pulled from src */
    struct fg_buf text; /* owned: the current string's or number's text */
    const char *name;   /* file kind for messages ("Takeout JSON") */
};

/* Embedded init; borrows src and err. Free with imp_json_cleanup. */
void imp_json_init(struct imp_json_lex *lx, struct imp_src *src, struct fg_error *err,
                   const char *name);
void imp_json_cleanup(struct imp_json_lex *lx);

/* Reads the next token into *tok; for IMP_JT_STRING / IMP_JT_NUMBER its text is
 * fg_buf_str(&lx->text). FG_EINVAL (err names the line) on bad JSON, FG_ETOOBIG past
 * IMP_MAX_JSON_TOKEN, or the source's status. */
enum fg_status imp_json_next(struct imp_json_lex *lx, enum imp_json_tok *tok);

/* Skips one complete value whose first token is first (nesting capped at IMP_MAX_JSON_DEPTH). */
enum fg_status imp_json_skip(struct imp_json_lex *lx, enum imp_json_tok first);

/* Describes a syntax error at the current line; returns FG_EINVAL. */
enum fg_status imp_json_error(struct imp_json_lex *lx, const char *what);

#endif
