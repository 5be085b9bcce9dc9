/* rest_bundle.h - batch and transaction Bundles (internal to gateway/):
 * the parsed form of one request entry, shared by the entry parser
 * (rest_bundle_entry.c) and the executor (rest_bundle.c).
 * Spec: http://hl7.org/fhir/R4/http.html#transaction
 */
#ifndef FG_REST_BUNDLE_H
#define FG_REST_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include "../fhir/store.h"
#include "access.h"
#include "http.h"

/* One Bundle.entry of a batch or transaction request. Slices borrow the
 * request's JSON tree or the pool. */
struct fg_bundle_entry {
    size_t index;                 /* position in Bundle.entry */
    enum fg_method method;        /* GET, HEAD, POST, PUT, DELETE */
    enum fg_interaction ia;
    struct fg_str type;           /* from request.url */
    struct fg_str id;             /* "" for POST */
    struct fg_str vid;            /* GET .../_history/<vid>; empty otherwise */
    struct fg_str query;          /* GET <type>?<query>: a search ("" = all) */
    bool is_search;               /* GET <type>[?query] */
    struct fg_str full_url;       /* entry.fullUrl ("" when absent) */
    cJSON *resource;              /* entry.resource (POST, PUT); borrowed */
    struct fg_str if_none_exist;  /* request.ifNoneExist (POST) */
    int64_t if_match;             /* request.ifMatch version; 0 = none */
    /* Filled while executing. */
    const struct fhir_query *cond; /* parsed ifNoneExist */
    bool existing;                /* conditional create matched one resource */
    bool done;                    /* has an outcome (written, read, or failed) */
    int status;                   /* HTTP status of the entry */
    struct fhir_resource res;     /* the version written / found / read */
    struct fg_error *err;         /* batch only: this entry's failure (pool-owned) */
};

/* Parses Bundle.entry[index] (a JSON object, borrowed) into *out. On a bad
 * entry fills err with FG_EINVAL (or FG_ENOTSUP for what the server does
 * not offer in a Bundle: PATCH, conditional update/delete) whose
 * expression names the element, e.g. "Bundle.entry[3].request.method".
 * base_url strips absolute request URLs on our base.
 * @test tests/unit/gateway/rest_bundle_test.c */
enum fg_status fg_bundle_entry_parse(struct fg_pool *pool, struct fg_str base_url,
                                     const cJSON *entry, size_t index,
                                     struct fg_bundle_entry *out, struct fg_error *err);

/* Checks the Bundle wrapper: resourceType Bundle, type batch or
 * transaction (*is_transaction), entry an array of at most
 * FG_MAX_BUNDLE_ENTRIES (*entries borrowed; NULL when absent).
 * @test tests/unit/gateway/rest_bundle_test.c */
enum fg_status fg_bundle_check(const cJSON *bundle, bool *is_transaction, const cJSON **entries,
                               size_t *n_entries, struct fg_error *err);

/* Orders entries for a transaction (http.html#trules): DELETE, then POST,
 * then PUT, then GET/HEAD, keeping Bundle order within each group. Writes
 * the permutation into order[0..n). */
void fg_bundle_order(const struct fg_bundle_entry *entries, size_t n, size_t *order);

/* "201 Created" etc. for an entry's response.status. Static. */
const char *fg_bundle_status_text(int status);

#endif
