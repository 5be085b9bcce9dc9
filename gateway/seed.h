/* seed.h - loads the synthetic patients in fixtures/ into a record store.
 *
 * Each fixture file is a FHIR transaction Bundle of PUT entries with fixed
 * ids (http://hl7.org/fhir/R4/http.html#transaction); its relative-date
 * placeholders are expanded against the clock's current UTC day
 * (placeholder.h). Files load in order: the .json files of <dir>/shared,
 * then those of each <dir>/patients/<id> (directories and files sorted by
 * name).
 *
 * Loading is idempotent: a resource whose stored current version equals the
 * fixture (ignoring meta.versionId and meta.lastUpdated) is not written
 * again, so loading twice on the same day creates no new versions. Each file
 * is written atomically (one fhir_store_write of its changed entries).
 */
#ifndef FG_SEED_H
#define FG_SEED_H

#include <stddef.h>
#include <stdint.h>

#include "../core/fg_clock.h"
#include "../core/fg_error.h"
#include "../core/fg_str.h"
#include "../fhir/store.h"

struct fg_seed_report {
    size_t files;       /* fixture files loaded */
    size_t resources;   /* entries across all files */
    size_t created;     /* written, new */
    size_t updated;     /* written, a new version of an existing resource */
    size_t unchanged;   /* already stored with the same content: not written */
};

/* Loads every fixture file under fixtures_dir into store.
 * store and clock are borrowed. report is zeroed first and filled as files
 * load (on failure it counts what was loaded before the failing file, which
 * itself is written whole or not at all).
 * FG_EINVAL: a bad placeholder, malformed JSON or a Bundle that is not a
 * transaction of PUT Type/id entries; err names the file (and entry).
 * FG_EIO: fixtures_dir or a file cannot be read. FG_ETOOBIG: a file over
 * FG_MAX_BODY_BYTES or a Bundle over FG_MAX_BUNDLE_ENTRIES. Store statuses
 * pass through. @test tests/unit/gateway/seed_test.c */
enum fg_status fg_seed_load(struct fhir_store *store, const struct fg_clock *clock,
                            const char *fixtures_dir, struct fg_seed_report *report,
                            struct fg_error *err);

/* Loads one fixture file (already read into text) named source for
 * diagnostics; today_days is the UTC load day (days since 1970-01-01).
 * Same statuses and report counting as fg_seed_load (report is added to,
 * not zeroed). */
enum fg_status fg_seed_load_text(struct fhir_store *store, struct fg_str text, int64_t today_days,
                                 const char *source, struct fg_seed_report *report,
                                 struct fg_error *err);

#endif
