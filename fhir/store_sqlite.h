/* store_sqlite.h - the embedded record store: SQLite in WAL mode.
 *
 * Every version of every resource is kept; search-index rows are written
 * in the same SQLite transaction as the resource. See store_sqlite.c for
 * the schema. https://www.sqlite.org/wal.html
 */
#ifndef FHIR_STORE_SQLITE_H
#define FHIR_STORE_SQLITE_H

#include "../core/fg_clock.h"
#include "../core/fg_error.h"
#include "store.h"

struct fhir_store_sqlite_options {
    int connections;        /* pooled connections (>= server threads); 0 = 4 */
    int busy_timeout_ms;    /* 0 = 5000 */
    const char *base_url;   /* this server's FHIR base, to recognise absolute references to
                               itself; borrowed, may be NULL */
};

/* Opens (creating and migrating as needed) the store at path. The clock
 * is borrowed and must outlive the store. Caller owns *out, close with
 * fhir_store_close. On failure *out is untouched and err says why. */
enum fg_status fhir_store_sqlite_open(const char *path, const struct fg_clock *clock,
                                      const struct fhir_store_sqlite_options *opt,
                                      struct fhir_store **out, struct fg_error *err);

#endif
