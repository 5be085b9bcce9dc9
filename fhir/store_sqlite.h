/* store_sqlite.h - the embedded record store: SQLite in WAL mode.
 *
 * Every version of every resource is kept; search-index rows are written
 * in the same SQLite transaction as the resource. A pool of connections
 * serves concurrent readers; writers queue in-process. Design and files:
 * store_sqlite.c (connections, read/vread/history), store_sqlite_schema.c
 * (tables, migrations, reindex), store_sqlite_write.c, store_sqlite_sql.c
 * and store_sqlite_search.c (search), store_sqlite_cursor.c (paging),
 * store_sqlite_include.c. https://www.sqlite.org/wal.html
 * @test tests/unit/fhir/store_sqlite_test.c, store_sqlite_search_test.c
 */
#ifndef FHIR_STORE_SQLITE_H
#define FHIR_STORE_SQLITE_H

#include <stdbool.h>

#include "../core/fg_clock.h"
#include "../core/fg_error.h"
#include "store.h"

struct fhir_store_sqlite_options {
    int connections;        /* pooled connections (>= server threads); 0 = 4 */
    int busy_timeout_ms;    /* 0 = 5000 */
    const char *base_url;   /* this server's FHIR base, to recognise absolute references to
                               itself; borrowed, may be NULL */
    bool low_memory;        /* bulk command-line tools (fhirgate import): an 8 MiB page cache
                               and no mmap, so the process's RSS stays small */
};

/* Opens (creating and migrating as needed) the store at path. The clock
 * is borrowed and must outlive the store; opt may be NULL (defaults) and
 * is copied. When the compiled search-parameter table changed since the
 * last open, every index row is rebuilt first (one transaction). Caller
 * owns *out, close with fhir_store_close (a clean close checkpoints the
 * WAL). On failure *out is untouched and err says why (FG_EIO for a file
 * that cannot be opened or a schema newer than this build). */
enum fg_status fhir_store_sqlite_open(const char *path, const struct fg_clock *clock,
                                      const struct fhir_store_sqlite_options *opt,
                                      struct fhir_store **out, struct fg_error *err);

#endif
