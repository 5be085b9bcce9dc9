/* store_sqlite_sqlbuf.c - the SQL text and bind list of one search query.
 *
 * Search SQL is assembled from constant fragments (sq_sql_add) and '?'
 * placeholders whose values go to a bind list (sq_sql_int/real/text/blob),
 * bound to the prepared statement by sq_sql_bind: a value from a request
 * never becomes SQL text. The first failure (no memory, a query over
 * SQ_SQL_MAX) sticks in g->st and is described once in g->err.
 * https://www.sqlite.org/c3ref/bind_blob.html
 */
#include "store_sqlite_internal.h"

#include <stdio.h>
#include <string.h>

#include "../core/fg_mem.h"

#define SQ_SQL_MAX (256u * 1024u)

void sq_sql_init(struct sq_sql *g, struct fg_pool *pool, int64_t now_ms, struct fg_error *err)
{
    memset(g, 0, sizeof *g);
    g->pool = pool;
    g->now_ms = now_ms;
    g->err = err;
    g->alias = 1;
    fg_buf_init(&g->sql, SQ_SQL_MAX);
}

void sq_sql_cleanup(struct sq_sql *g)
{
    fg_buf_cleanup(&g->sql);
}

void sq_sql_fail(struct sq_sql *g, enum fg_status st)
{
    if (g->st == FG_OK) {
        g->st = st;
        fg_error_set(g->err, st, NULL, st == FG_ENOMEM ? "Out of memory" : "Search too complex");
    }
}

void sq_sql_add(struct sq_sql *g, const char *frag)
{
    if (g->st == FG_OK) {
        enum fg_status st = fg_buf_append_c(&g->sql, frag);
        if (st != FG_OK)
            sq_sql_fail(g, st);
    }
}

void sq_sql_alias(struct sq_sql *g, const char *prefix, int n)
{
    char num[16];
    int k = snprintf(num, sizeof num, "%d", n);
    if (k < 0 || (size_t)k >= sizeof num) {
        sq_sql_fail(g, FG_ETOOBIG);
        return;
    }
    sq_sql_add(g, prefix);
    sq_sql_add(g, num);
}

static struct sq_bind *bind_new(struct sq_sql *g, enum sq_bind_kind kind)
{
    if (g->st != FG_OK)
        return NULL;
    if (g->n_binds == g->cap_binds) {
        size_t cap = g->cap_binds ? 2 * g->cap_binds : 16;
        struct sq_bind *b = fg_pool_alloc(g->pool, cap * sizeof *b);
        if (!b) {
            sq_sql_fail(g, FG_ENOMEM);
            return NULL;
        }
        if (g->n_binds)
            memcpy(b, g->binds, g->n_binds * sizeof *b);
        g->binds = b;
        g->cap_binds = cap;
    }
    struct sq_bind *b = &g->binds[g->n_binds++];
    memset(b, 0, sizeof *b);
    b->kind = kind;
    sq_sql_add(g, "?");
    return b;
}

void sq_sql_int(struct sq_sql *g, int64_t v)
{
    struct sq_bind *b = bind_new(g, SQ_B_INT);
    if (b)
        b->i = v;
}

void sq_sql_real(struct sq_sql *g, double v)
{
    struct sq_bind *b = bind_new(g, SQ_B_REAL);
    if (b)
        b->d = v;
}

void sq_sql_text(struct sq_sql *g, struct fg_str s)
{
    struct sq_bind *b = bind_new(g, SQ_B_TEXT);
    if (b)
        b->s = s;
}

void sq_sql_blob(struct sq_sql *g, struct fg_str s)
{
    struct sq_bind *b = bind_new(g, SQ_B_BLOB);
    if (b)
        b->s = s;
}

enum fg_status sq_sql_bind(struct sq_sql *g, sqlite3_stmt *st)
{
    for (size_t i = 0; i < g->n_binds; i++) {
        const struct sq_bind *b = &g->binds[i];
        int k = (int)i + 1;
        switch (b->kind) {
        case SQ_B_INT: sqlite3_bind_int64(st, k, b->i); break;
        case SQ_B_REAL: sqlite3_bind_double(st, k, b->d); break;
        case SQ_B_TEXT: sq_bind_str(st, k, b->s); break;
        case SQ_B_BLOB:
            sqlite3_bind_blob(st, k, b->s.len ? b->s.ptr : "", (int)b->s.len, SQLITE_STATIC);
            break;
        }
    }
    return FG_OK;
}
