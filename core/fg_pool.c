/* fg_pool.c - bump allocator over a chain of blocks. */
#include "fg_pool.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fg_mem.h"

#define POOL_BLOCK_SIZE 8192u
#define POOL_ALIGN 16u

struct pool_block {
    struct pool_block *next;
    size_t used;
    size_t size;
    _Alignas(16) unsigned char data[];
};

struct pool_cleanup {
    struct pool_cleanup *next;
    void (*fn)(void *);
    void *arg;
};

struct fg_pool {
    struct pool_block *blocks;
    struct pool_cleanup *cleanups;
    size_t handed_out;
};

struct fg_pool *fg_pool_new(void)
{
    return fg_calloc(1, sizeof(struct fg_pool));
}

void fg_pool_free(struct fg_pool **pool)
{
    if (!pool || !*pool)
        return;
    struct fg_pool *p = *pool;
    for (struct pool_cleanup *c = p->cleanups; c; c = c->next)
        c->fn(c->arg);
    struct pool_block *b = p->blocks;
    while (b) {
        struct pool_block *next = b->next;
        fg_free(b);
        b = next;
    }
    fg_free(p);
    *pool = NULL;
}

static struct pool_block *new_block(size_t at_least)
{
    size_t size = at_least > POOL_BLOCK_SIZE ? at_least : POOL_BLOCK_SIZE;
    if (size > SIZE_MAX - sizeof(struct pool_block))
        return NULL;
    struct pool_block *b = fg_malloc(sizeof(struct pool_block) + size);
    if (!b)
        return NULL;
    b->next = NULL;
    b->used = 0;
    b->size = size;
    return b;
}

void *fg_pool_alloc(struct fg_pool *pool, size_t n)
{
    if (n > SIZE_MAX - POOL_ALIGN)
        return NULL;
    size_t need = (n + POOL_ALIGN - 1) & ~(size_t)(POOL_ALIGN - 1);
    struct pool_block *b = pool->blocks;
    if (!b || b->size - b->used < need) {
        struct pool_block *fresh = new_block(need);
        if (!fresh)
            return NULL;
        /* A big one-off block goes behind the current one so the current
         * block's free space stays usable. */
        if (b && need > POOL_BLOCK_SIZE) {
            fresh->next = b->next;
            b->next = fresh;
        } else {
            fresh->next = b;
            pool->blocks = fresh;
        }
        b = fresh;
    }
    void *p = b->data + b->used;
    b->used += need;
    pool->handed_out += need;
    return p;
}

void *fg_pool_zalloc(struct fg_pool *pool, size_t n)
{
    void *p = fg_pool_alloc(pool, n);
    if (p)
        memset(p, 0, n);
    return p;
}

char *fg_pool_strndup(struct fg_pool *pool, const char *s, size_t len)
{
    if (len == SIZE_MAX)
        return NULL;
    char *p = fg_pool_alloc(pool, len + 1);
    if (!p)
        return NULL;
    if (len)
        memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *fg_pool_strdup(struct fg_pool *pool, const char *s)
{
    return fg_pool_strndup(pool, s, strlen(s));
}

char *fg_pool_printf(struct fg_pool *pool, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *p = fg_pool_alloc(pool, (size_t)n + 1);
    if (!p)
        return NULL;
    va_start(ap, fmt);
    int m = vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return m == n ? p : NULL;
}

struct fg_str fg_pool_str(struct fg_pool *pool, struct fg_str s)
{
    char *p = fg_pool_strndup(pool, s.ptr ? s.ptr : "", s.len);
    return p ? (struct fg_str){p, s.len} : FG_STR_NULL;
}

enum fg_status fg_pool_on_free(struct fg_pool *pool, void (*fn)(void *), void *arg)
{
    struct pool_cleanup *c = fg_pool_alloc(pool, sizeof *c);
    if (!c)
        return FG_ENOMEM;
    c->fn = fn;
    c->arg = arg;
    c->next = pool->cleanups;
    pool->cleanups = c;
    return FG_OK;
}

size_t fg_pool_used(const struct fg_pool *pool)
{
    return pool->handed_out;
}
