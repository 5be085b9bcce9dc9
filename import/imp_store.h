/* imp_store.h - writes the Observations an import emits into the record store.
 *
 * The receiving end of an import (imp_apple, imp_gfit, manual entry): an imp_emit_fn that
 * collects Observations into batches and writes each batch as ONE store transaction together
 * with ONE Provenance naming the patient (author) and the source (assembler: "Apple Health
 * export", or the app) and targeting exactly what the batch created or replaced.
 *
 * Idempotency (wearables.md §4). Every imported Observation carries the deterministic
 * identifier IMP_KEY_SYSTEM|sha256:<hex> (imp_obs.h), and its resource id is the same 64 hex
 * digits. So "conditional create by identifier" is a primary-key lookup: before a batch is
 * written each id is looked up; one that exists (or is already in the batch) is counted as
 * "already present" and not written, so a re-import writes nothing - not even a Provenance.
 * A daily aggregate (e.replace) is rewritten only when its value changed (a fuller day).
 * Apps cannot forge these identifiers: imp_appwrite refuses IMP_KEY_SYSTEM in app writes.
 * A concurrent import of the same records makes a batch fail with FG_ECONFLICT; it is then
 * re-checked and written again once.
 *
 * Memory: one batch (at most `batch` Observations and their pool) at a time.
 * Not thread-safe: one struct imp_store per import. Spec: wearables.md §3.4 (Provenance),
 * http://hl7.org/fhir/R4/provenance.html . @test tests/unit/import/store_test.c
 */
#ifndef IMP_STORE_H
#define IMP_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include "../core/fg_error.h"
#include "../core/fg_str.h"
#include "../fhir/store.h"
#include "imp_run.h"

#define IMP_STORE_BATCH 1000 /* Observations per transaction (the CLI's --batch) */
#define IMP_CLIENT_SYSTEM "urn:fhirgate:client"

/* Who brought the data: an export file (client_id NULL) or an app (its OAuth client id).
 * Borrowed; must outlive the imp_store. */
struct imp_agent {
    const char *display;   /* "Apple Health export", "Google Fit (Google Takeout)", app name */
    const char *client_id; /* OAuth client id of an app, or NULL */
};

struct imp_store_counts {
    uint64_t received;    /* Observations handed to imp_store_emit */
    uint64_t created;     /* new Observations written */
    uint64_t replaced;    /* daily aggregates rewritten with a new value */
    uint64_t existing;    /* already in the store (or twice in the input): not written */
    uint64_t batches;     /* transactions committed (each with one Provenance) */
    uint64_t refused;     /* imp_ingest: not admitted (e.g. outside the token's scopes) */
};

struct imp_store;

/* A receiver for patient's Observations into store. batch = 0: IMP_STORE_BATCH.
 * store, agent and patient are borrowed. FG_EINVAL (err filled) when patient is not a FHIR id;
 * FG_ENOMEM. Caller owns *out (imp_store_free). */
enum fg_status imp_store_new(struct fhir_store *store, struct fg_str patient,
                             const struct imp_agent *agent, size_t batch, struct imp_store **out,
                             struct fg_error *err);

/* imp_emit_fn: ctx is the struct imp_store. Takes e->obs (e->take) or copies it into the
 * current batch and writes the batch when full. On failure the reason is kept (imp_store_error) and the import stops. */
enum fg_status imp_store_emit(void *ctx, const struct imp_emit *e);

/* Writes what is left in the current batch. FG_OK or the store's status (err filled). */
enum fg_status imp_store_flush(struct imp_store *s, struct fg_error *err);

/* The counts so far; the first failure of imp_store_emit (status FG_OK when none). */
const struct imp_store_counts *imp_store_counts(const struct imp_store *s);
const struct fg_error *imp_store_error(const struct imp_store *s);

/* The Provenance for targets[0..n) ("Observation/<id>" references, borrowed) written by agent
 * for patient at recorded_us. New tree (caller owns) or NULL on no memory. Exposed for app
 * writes (imp_appwrite) and tests. */
cJSON *imp_store_provenance(struct fg_str patient, const struct imp_agent *agent,
                            const struct fg_str *targets, size_t n, int64_t recorded_us);

/* Frees s (unwritten Observations are dropped) and sets *s to NULL; NULL is a no-op. */
void imp_store_free(struct imp_store **s);

#endif
