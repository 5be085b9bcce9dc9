/* imp_ingest_fault.h - a record store that fails on purpose (testing only).
 *
 * Wraps a store so that its Nth write fails with FG_EIO, as a full disk or
 * a lost database would, and forwards everything else (reads, searches,
 * the bulk transaction). `fhirgate import --test-fail-write N` uses it to
 * prove that an import stopped by the store leaves nothing behind
 * (imp_ingest.h). Never wrapped unless a test asks for it.
 */
#ifndef IMP_INGEST_FAULT_H
#define IMP_INGEST_FAULT_H

#include <stdint.h>

#include "../fhir/store.h"

/* A store over inner (borrowed; must outlive it) whose fail_at-th write
 * (1-based; 0 = none) fails. Caller owns *out (fhir_store_close, which
 * leaves inner open). FG_ENOMEM. @test tests/integration/wearables-import.test.mjs */
enum fg_status imp_ingest_fault_wrap(struct fhir_store *inner, uint64_t fail_at,
                                     struct fhir_store **out);

#endif
