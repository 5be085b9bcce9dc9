/* epoch_bump.c - `make bench` helper for the linked-apps row: moves the
 * shared revocation epoch of an auth database HZ times a second for SECONDS
 * seconds, as a stream of revocations by another process would. Each move
 * invalidates every cached token answer of every server process, so the
 * next request of each connection re-reads its token and grant from SQLite:
 * running wrk meanwhile measures what immediate cross-process revocation
 * costs the request path (core/fg_epoch.h, smart/authdb_tokcache.h).
 * Usage: epoch_bump AUTH_DB HZ SECONDS */
#include <stdio.h>
#include <time.h>

#include "core/fg_str.h"
#include "core/fg_epoch.h"

int main(int argc, char **argv)
{
    int64_t hz = 0, seconds = 0;
    if (argc != 4 || fg_parse_i64(fg_str_c(argv[2]), 1, 10000, &hz) != FG_OK ||
        fg_parse_i64(fg_str_c(argv[3]), 1, 3600, &seconds) != FG_OK) {
        fprintf(stderr, "usage: epoch_bump AUTH_DB HZ(1..10000) SECONDS(1..3600)\n");
        return 2;
    }
    char path[4096];
    int n = snprintf(path, sizeof path, "%s-epoch", argv[1]);
    struct fg_epoch e;
    struct fg_error err;
    fg_error_clear(&err);
    if (n < 0 || (size_t)n >= sizeof path || fg_epoch_open(path, &e, &err) != FG_OK) {
        fprintf(stderr, "epoch_bump: cannot open %s: %s\n", path, err.diagnostics);
        return 1;
    }
    struct timespec tick = {0, (long)(1000000000LL / hz)};
    for (int64_t i = 0; i < hz * seconds; i++) {
        fg_epoch_bump(&e);
        nanosleep(&tick, NULL);
    }
    printf("%llu\n", (unsigned long long)fg_epoch_read(&e));
    fg_epoch_close(&e);
    return 0;
}
