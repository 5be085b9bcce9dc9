/* fg_mem.h - the one allocator fhirgate calls (house style rule 18).
 *
 * All heap allocation goes through these wrappers so a test build can make
 * the Nth allocation fail and prove every failure path frees what it owns.
 * Failure injection is per thread and off unless a test turns it on.
 */
#ifndef FG_MEM_H
#define FG_MEM_H

#include <stddef.h>

/* Like malloc/calloc/realloc/free; NULL on failure (or injected failure).
 * fg_malloc(0) returns a unique non-NULL pointer. */
void *fg_malloc(size_t n);
void *fg_calloc(size_t count, size_t size);
void *fg_realloc(void *p, size_t n);
void fg_free(void *p);

/* Returns a NUL-terminated copy of s[0..len) (s may be NULL when len is 0);
 * caller owns, free with fg_free. */
char *fg_strndup(const char *s, size_t len);
/* Returns a copy of the NUL-terminated s; caller owns, free with fg_free. */
char *fg_strdup(const char *s);

/* Test hook: the nth allocation from now on (1-based) in this thread fails;
 * 0 turns injection off. Returns how many allocations happened since the
 * last call (so a test can learn how many to loop over). */
unsigned long fg_mem_fail_at(unsigned long nth);

#endif
