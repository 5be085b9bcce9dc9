/* imp_ingest.h - one whole import of an export file into the record store.
 *
 * What the CLI (`fhirgate import`) and the $import-wearables operation share. An import runs in
 * two passes over the file:
 *   1. check: the file is parsed to the end and every Observation is built, nothing is written.
 *      A malformed, legacy or hostile file (imp_apple.h, imp_gfit.h) stops here with the
 *      parser's error naming the line: nothing of it is in the store.
 *   2. write: parsed again, the Observations go to imp_store (batches, one Provenance per
 *      batch, existing records skipped), all inside ONE store transaction
 *      (fhir_store_bulk_begin): when anything fails - the store, the admit hook, a file that
 *      changed between the passes - the whole import is rolled back, nothing of it stays.
 *      A backend without a bulk transaction (upstream mode) commits batch by batch instead.
 * Both passes stream, so memory stays flat (the open transaction spills to SQLite's WAL, not to
 * memory); the price is reading the file twice, and other writers of the store wait while the
 * write pass runs.
 * Spec: issue 6 (importers), ../shared/docs/wearables.md. @test tests/unit/import/store_test.c,
 * tests/integration/wearables-import.test.mjs
 */
#ifndef IMP_INGEST_H
#define IMP_INGEST_H

#include <stddef.h>

#include "../fhir/store.h"
#include "imp_run.h"
#include "imp_store.h"

enum imp_format {
    IMP_FMT_APPLE,     /* export.xml or export.zip */
    IMP_FMT_GOOGLE,    /* a Takeout Fit file: "All Data" JSON or the daily-metrics CSV */
    IMP_FMT_GFIT_JSON, /* (resolved from IMP_FMT_GOOGLE by imp_ingest_sniff) */
    IMP_FMT_GFIT_CSV
};

/* Resolves IMP_FMT_GOOGLE from the first bytes of the file (a '{' after white space and a
 * byte-order mark: JSON; else CSV). Other formats are returned as they are. FG_EIO when the
 * file cannot be read. */
enum fg_status imp_ingest_sniff(const char *path, enum imp_format fmt, enum imp_format *out,
                                struct fg_error *err);

struct imp_ingest {
    struct fhir_store *store;       /* borrowed */
    const struct imp_agent *agent;  /* borrowed */
    struct imp_options opts;        /* patient, issued, limits, progress */
    size_t batch;                   /* 0 = IMP_STORE_BATCH */
    /* Optional, pass 2 only: may this Observation be written? *ok = false counts it in
     * refused (c->refused) and goes on; a status other than FG_OK stops the import. */
    enum fg_status (*admit)(void *ctx, const cJSON *obs, bool *ok);
    void *admit_ctx;
    uint64_t test_fail_write; /* testing only: the Nth store write of pass 2 fails (0 = none;
                                 imp_ingest_fault.h) */
};

/* Imports the file at path (format fmt; IMP_FMT_GOOGLE is sniffed) for in->opts.patient.
 * r receives the parser's summary, c the store's counts (both zeroed here).
 * Statuses: the parser's (FG_EINVAL naming the line, FG_ETOOBIG, FG_ENOTFOUND: no export.xml
 * in a zip, FG_EIO) from pass 1 with nothing written; the store's or the admit hook's from
 * pass 2, with everything rolled back (c then counts nothing created, replaced or present). */
enum fg_status imp_ingest_file(const struct imp_ingest *in, const char *path,
                               enum imp_format fmt, struct imp_report *r,
                               struct imp_store_counts *c, struct fg_error *err);

/* A stable name for fmt ("apple-health", "google-fit-json", ...). */
const char *imp_format_name(enum imp_format fmt);

#endif
