/* spool.h - a request body written to a temporary file instead of memory.
 *
 * For uploads that may be far larger than max_body_bytes (a wearable export of several GB,
 * POST /fhir/Patient/{id}/$import-wearables): the server appends each chunk libmicrohttpd hands
 * it to a file created with mkstemp (mode 0600) in $TMPDIR (default /tmp), so memory stays flat.
 * The file is closed and unlinked when the request's pool is freed. Past `max` bytes (config
 * import_max_upload_bytes) nothing more is written and the request is answered 413.
 * @test tests/integration/wearables-import.test.mjs
 */
#ifndef FG_SPOOL_H
#define FG_SPOOL_H

#include <stdbool.h>
#include <stdint.h>

#include "../core/fg_error.h"
#include "../core/fg_pool.h"

#define FG_SPOOL_PATH_MAX 256

struct fg_spool {
    int fd;
    char path[FG_SPOOL_PATH_MAX];
    uint64_t bytes; /* written so far */
    uint64_t max;
    bool too_large; /* more than max arrived */
    bool failed;    /* a write failed (disk full) */
};

/* Creates the spool file; its cleanup is registered on pool. FG_EIO / FG_ENOMEM. */
enum fg_status fg_spool_open(struct fg_pool *pool, uint64_t max, struct fg_spool **out,
                             struct fg_error *err);

/* Appends n bytes (stops writing past max or after a failure). */
void fg_spool_append(struct fg_spool *s, const void *data, size_t n);

#endif
