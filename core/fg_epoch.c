/* fg_epoch.c - a process-shared revocation counter in a MAP_SHARED file page. */
#include "fg_epoch.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define EPOCH_FILE_BYTES 4096

_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "the epoch needs lock-free 64-bit atomics");

static _Atomic unsigned long long *counter(const struct fg_epoch *e)
{
    return (_Atomic unsigned long long *)e->map;
}

enum fg_status fg_epoch_open(const char *path, struct fg_epoch *out, struct fg_error *err)
{
    memset(out, 0, sizeof *out);
    void *map;
    if (!path) {
        map = mmap(NULL, EPOCH_FILE_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                   -1, 0);
    } else {
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0)
            return fg_error_set(err, FG_EIO, NULL, "cannot open %s: %s", path, strerror(errno));
        struct stat st;
        /* A new file is extended with zeros; ftruncate never shrinks here. */
        if (fstat(fd, &st) != 0 ||
            (st.st_size < EPOCH_FILE_BYTES && ftruncate(fd, EPOCH_FILE_BYTES) != 0)) {
            int e = errno;
            close(fd);
            return fg_error_set(err, FG_EIO, NULL, "cannot size %s: %s", path, strerror(e));
        }
        map = mmap(NULL, EPOCH_FILE_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        close(fd); /* the mapping keeps the file */
    }
    if (map == MAP_FAILED)
        return fg_error_set(err, FG_EIO, NULL, "cannot map the revocation epoch: %s",
                            strerror(errno));
    out->map = map;
    out->map_len = EPOCH_FILE_BYTES;
    return FG_OK;
}

void fg_epoch_close(struct fg_epoch *e)
{
    if (e->map)
        munmap(e->map, e->map_len);
    memset(e, 0, sizeof *e);
}

uint64_t fg_epoch_read(const struct fg_epoch *e)
{
    return e->map ? atomic_load_explicit(counter(e), memory_order_acquire) : 0;
}

void fg_epoch_bump(struct fg_epoch *e)
{
    if (e->map)
        atomic_fetch_add_explicit(counter(e), 1, memory_order_acq_rel);
}
