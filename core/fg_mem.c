/* fg_mem.c - allocation wrappers with per-thread failure injection. */
#include "fg_mem.h"

#include <stdlib.h>
#include <string.h>

/* Thread-local test state is not server state: it only exists so tests can
 * fail allocations; production never sets it. */
static _Thread_local unsigned long fail_at;
static _Thread_local unsigned long count;

static int should_fail(void)
{
    count++;
    return fail_at != 0 && count == fail_at;
}

unsigned long fg_mem_fail_at(unsigned long nth)
{
    unsigned long seen = count;
    count = 0;
    fail_at = nth;
    return seen;
}

void *fg_malloc(size_t n)
{
    if (should_fail())
        return NULL;
    return malloc(n ? n : 1);
}

void *fg_calloc(size_t nmemb, size_t size)
{
    if (should_fail())
        return NULL;
    return calloc(nmemb ? nmemb : 1, size ? size : 1);
}

void *fg_realloc(void *p, size_t n)
{
    if (should_fail())
        return NULL;
    return realloc(p, n ? n : 1);
}

void fg_free(void *p)
{
    free(p);
}

char *fg_strndup(const char *s, size_t len)
{
    char *copy = fg_malloc(len + 1);
    if (!copy)
        return NULL;
    if (len) /* s may be NULL for an empty slice */
        memcpy(copy, s, len);
    copy[len] = '\0';
    return copy;
}

char *fg_strdup(const char *s)
{
    return fg_strndup(s, strlen(s));
}
