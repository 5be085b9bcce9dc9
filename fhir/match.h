/* match.h - does one resource satisfy a search's filters?
 *
 * Evaluated on the resource's own search values (fhir_index_extract,
 * index.h) with the embedded store's semantics (store_sqlite_sql.c lists
 * them: token codes case-insensitive, string prefix on normalized text,
 * date ranges by prefix, ...), so a resource another server returned can
 * be held to what this gateway means by the query. Filters that need more
 * than the resource cannot be evaluated and are left out (count as met):
 * chained parameters (they test another resource) and parameters without
 * index values (composite, special). The compartment restriction is not a
 * filter here (the caller checks it). Spec: http://hl7.org/fhir/R4/search.html
 */
#ifndef FHIR_MATCH_H
#define FHIR_MATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "../core/fg_pool.h"
#include "index.h"
#include "search.h"
#include "store.h"

/* True when q has a filter fhir_match_filters evaluates. */
bool fhir_match_evaluable(const struct fhir_query *q);

/* *match: does res (of q->type; its id and last_updated_us are used for
 * _id and _lastUpdated) with index entries e[0..n) (from its JSON, rebased
 * to this server's base) satisfy every filter of q that can be evaluated?
 * now_ms: the clock, for the `ap` prefix. FG_ENOMEM only (pool).
 * @test tests/unit/fhir/match_test.c */
enum fg_status fhir_match_filters(struct fg_pool *pool, const struct fhir_query *q,
                                  const struct fhir_resource *res,
                                  const struct fhir_index_entry *e, size_t n, int64_t now_ms,
                                  bool *match);

#endif
