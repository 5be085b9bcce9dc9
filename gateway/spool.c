/* spool.c - request bodies on disk (see spool.h). */
#include "spool.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void spool_cleanup(void *arg)
{
    struct fg_spool *s = arg;
    if (s->fd >= 0) {
        close(s->fd);
        unlink(s->path);
        s->fd = -1;
    }
}

enum fg_status fg_spool_open(struct fg_pool *pool, uint64_t max, struct fg_spool **out,
                             struct fg_error *err)
{
    struct fg_spool *s = fg_pool_zalloc(pool, sizeof *s);
    if (!s)
        return fg_error_set(err, FG_ENOMEM, NULL, "out of memory");
    const char *dir = getenv("TMPDIR");
    if (!dir || !dir[0])
        dir = "/tmp";
    int n = snprintf(s->path, sizeof s->path, "%s/fhirgate-upload-XXXXXX", dir);
    if (n < 0 || (size_t)n >= sizeof s->path)
        return fg_error_set(err, FG_EIO, NULL, "the upload directory path is too long");
    s->fd = mkstemp(s->path);
    if (s->fd < 0)
        return fg_error_set(err, FG_EIO, NULL, "cannot create a file for the upload");
    if (fg_pool_on_free(pool, spool_cleanup, s) != FG_OK) {
        spool_cleanup(s);
        return fg_error_set(err, FG_ENOMEM, NULL, "out of memory");
    }
    s->max = max;
    *out = s;
    return FG_OK;
}

void fg_spool_append(struct fg_spool *s, const void *data, size_t n)
{
    if (s->too_large || s->failed)
        return;
    if (n > s->max - s->bytes) {
        s->too_large = true;
        return;
    }
    const char *p = data;
    while (n) {
        ssize_t w = write(s->fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            s->failed = true;
            return;
        }
        p += w;
        n -= (size_t)w;
        s->bytes += (uint64_t)w;
    }
}
