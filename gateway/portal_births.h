/* portal_births.h - the patients' birthDates the portal rules need on every
 * request, cached by patient id and the record store's change marker.
 *
 * Reading a Patient costs a store read transaction and a JSON parse. The
 * cache answers from memory while the store's change marker
 * (fhir_store_change_marker: bumped after every committed write, by any
 * process writing through fhirgate) is unchanged, so an edited birthDate
 * takes effect on the next request. Only the birthDate is kept: the view
 * itself depends on "today" and is derived again on every request.
 * One cache per server, shared by the worker threads (one short mutex hold
 * per lookup). A store without a change marker is read every time.
 */
#ifndef FG_PORTAL_BIRTHS_H
#define FG_PORTAL_BIRTHS_H

#include <stdint.h>

#include "../core/fg_pool.h"
#include "../core/fg_str.h"
#include "../fhir/store.h"

#define FG_PORTAL_BIRTHS_SLOTS 256 /* patients (direct-mapped by id hash) */

struct fg_portal_births;

/* A new empty cache; NULL when out of memory. Free with fg_portal_births_free. */
struct fg_portal_births *fg_portal_births_new(void);
/* Frees *c and sets it to NULL. NULL-safe. */
void fg_portal_births_free(struct fg_portal_births **c);

/* Patient/patient_id's birthDate in store, pool-owned, into *out: an empty
 * slice when there is no such Patient (or it is deleted) or it has no
 * birthDate. c may be NULL (no caching). FG_ENOMEM / FG_EIO on failures.
 * @test tests/unit/gateway/portal_births_test.c */
enum fg_status fg_portal_births_get(struct fg_portal_births *c, struct fhir_store *store,
                                    struct fg_pool *pool, struct fg_str patient_id,
                                    struct fg_str *out);

/* Counters since creation (for tests and benchmarks). */
void fg_portal_births_stats(struct fg_portal_births *c, uint64_t *hits, uint64_t *misses);

#endif
