/* bundle.h - Bundle resources written as JSON text.
 *
 * Search, history and transaction answers are Bundles whose entries are
 * resources the store already holds as JSON text. The writer splices that
 * text in as it is (no parse, no print: the fast path of every search),
 * so the caller must only pass text that is one JSON object (what the
 * store stored, or what cJSON printed).
 * Spec: http://hl7.org/fhir/R4/bundle.html
 *
 * Use: fhir_bundle_begin, then fhir_bundle_entry once per entry (index
 * 0, 1, ...), then fhir_bundle_end with the number of entries written.
 * Every call appends to a caller-owned fg_buf; FG_ETOOBIG / FG_ENOMEM come
 * from the buffer and leave a partial text (callers discard it).
 */
#ifndef FHIR_BUNDLE_H
#define FHIR_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include "../core/fg_buf.h"
#include "../core/fg_status.h"
#include "../core/fg_str.h"

/* Bundle.link: relation "self", "next", "previous"; url absolute. Borrowed. */
struct fhir_bundle_link {
    const char *relation;
    struct fg_str url;
};

/* One Bundle.entry. Every member is optional: empty slices, NULL strings
 * and 0 times are left out. All borrowed. */
struct fhir_bundle_entry {
    struct fg_str full_url;          /* entry.fullUrl */
    struct fg_str resource;          /* entry.resource: raw JSON object text */
    const char *search_mode;         /* entry.search.mode: "match" | "include" | "outcome" */
    const char *request_method;      /* entry.request.method (history) */
    struct fg_str request_url;       /* entry.request.url */
    struct fg_str response_status;   /* entry.response.status: "201 Created" */
    struct fg_str response_location; /* entry.response.location */
    struct fg_str response_etag;     /* entry.response.etag: W/"1" */
    int64_t response_last_modified_us; /* entry.response.lastModified; 0 = none */
    struct fg_str response_outcome;  /* entry.response.outcome: raw OperationOutcome text */
};

/* Appends the Bundle's opening: resourceType, id (when given), type,
 * timestamp (when timestamp_us != 0), total (when total >= 0) and the links. */
enum fg_status fhir_bundle_begin(struct fg_buf *b, const char *type, struct fg_str id,
                                 int64_t timestamp_us, int64_t total,
                                 const struct fhir_bundle_link *links, size_t n_links);

/* Appends entry number `index` (0-based; 0 opens the entry array).
 * @test tests/unit/fhir/bundle_test.c */
enum fg_status fhir_bundle_entry(struct fg_buf *b, size_t index,
                                 const struct fhir_bundle_entry *e);

/* Closes the entry array (when n_entries > 0) and the Bundle. */
enum fg_status fhir_bundle_end(struct fg_buf *b, size_t n_entries);

/* Appends "<base>/<type>/<id>" (a fullUrl or a Location without version)
 * and, when version > 0, "/_history/<version>". */
enum fg_status fhir_bundle_append_url(struct fg_buf *b, struct fg_str base, struct fg_str type,
                                      struct fg_str id, int64_t version);

#endif
