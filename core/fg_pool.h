/* fg_pool.h - a per-request memory arena (house style rule 8).
 *
 * Memory handed out by a pool lives until fg_pool_free; nothing allocated
 * from a pool is freed on its own. Requests create one pool on their first
 * callback and free it once when the request completes, so no early return
 * in a handler can leak. Cleanup callbacks let non-pool objects (cJSON
 * trees, SQLite statements) die with the pool.
 */
#ifndef FG_POOL_H
#define FG_POOL_H

#include <stddef.h>

#include "fg_str.h"

struct fg_pool;

/* Caller owns the pool, free with fg_pool_free. NULL on no memory. */
struct fg_pool *fg_pool_new(void);
/* Runs the cleanup callbacks (newest first), frees every block and the
 * pool, and sets *pool to NULL. fg_pool_free(NULL) and on NULL are no-ops. */
void fg_pool_free(struct fg_pool **pool);

/* n bytes aligned for any type, owned by the pool; NULL on no memory. */
void *fg_pool_alloc(struct fg_pool *pool, size_t n);
void *fg_pool_zalloc(struct fg_pool *pool, size_t n);
/* NUL-terminated copy of s, owned by the pool; NULL on no memory. */
char *fg_pool_strndup(struct fg_pool *pool, const char *s, size_t len);
char *fg_pool_strdup(struct fg_pool *pool, const char *s);
/* printf into pool memory; NULL on no memory or a format error. */
char *fg_pool_printf(struct fg_pool *pool, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Copies a slice into the pool and returns a slice over the copy. */
struct fg_str fg_pool_str(struct fg_pool *pool, struct fg_str s);

/* Registers fn(arg) to run when the pool is freed. FG_ENOMEM if the
 * registration cannot be stored (fn is then NOT called: the caller still
 * owns arg). */
enum fg_status fg_pool_on_free(struct fg_pool *pool, void (*fn)(void *), void *arg);

/* Bytes handed out so far (for limits and tests). */
size_t fg_pool_used(const struct fg_pool *pool);

#endif
