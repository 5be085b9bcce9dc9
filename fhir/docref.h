/* docref.h - the US Core $docref operation on DocumentReference, as the
 * search it amounts to on a store of existing documents.
 *
 * Spec: http://hl7.org/fhir/us/core/STU7/OperationDefinition-docref.html
 * Parameters: patient (id, 1..1), start and end (dateTime, care dates),
 * type (Coding, 0..*), on-demand (boolean), profile (canonical, 0..*).
 * This server keeps documents; it does not generate them. So:
 *   - start / end: the documents whose care period (context.period)
 *     reaches into [start, end]; one of them alone is open on the other side;
 *   - neither: the current documents, i.e. the most recent of each type;
 *   - type: any of the Codings (system|code); profile: any of the profiles;
 *   - on-demand=true asks for on-demand documents only: there are none, so
 *     the answer is an empty searchset;
 *   - a patient that does not exist gives an empty searchset.
 * Everything is pool-owned; nothing here knows HTTP.
 */
#ifndef FHIR_DOCREF_H
#define FHIR_DOCREF_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "../core/fg_error.h"
#include "../core/fg_limits.h"
#include "../core/fg_pool.h"
#include "../core/fg_status.h"
#include "../core/fg_str.h"
#include "search.h"
#include "store.h"


struct fhir_docref_params {
    struct fg_str patient;              /* a FHIR id */
    struct fg_str start, end;           /* dateTime text or empty */
    struct fg_str types[FG_MAX_DOCREF_VALUES];    /* "system|code" or "code" */
    size_t n_types;
    struct fg_str profiles[FG_MAX_DOCREF_VALUES]; /* canonicals */
    size_t n_profiles;
    bool on_demand;                     /* only on-demand documents asked for */
};

/* Reads the operation's parameters from URL/form pairs. Unknown names
 * (other than _format and _pretty) are FG_EINVAL when strict, else
 * ignored. FG_EINVAL, with err naming the parameter, for a missing or
 * repeated patient, a bad id, dateTime, boolean, Coding, or too many
 * values. Borrows pairs (out points into them).
 * @test tests/unit/fhir/docref_test.c */
enum fg_status fhir_docref_from_pairs(const struct fhir_kv *pairs, size_t n, bool strict,
                                      struct fhir_docref_params *out, struct fg_error *err);

/* Reads them from a Parameters resource (POST): parameter[].name with
 * valueId / valueString (patient), valueDateTime / valueDate / valueInstant
 * (start, end), valueCoding (type), valueBoolean (on-demand),
 * valueCanonical / valueUri (profile). Unknown names as above. Strings
 * are copied into pool. @test tests/unit/fhir/docref_test.c,
 * tests/fuzz/docref_fuzz.c */
enum fg_status fhir_docref_from_parameters(struct fg_pool *pool, const cJSON *parameters,
                                           bool strict, struct fhir_docref_params *out,
                                           struct fg_error *err);

/* The DocumentReference search the call amounts to, as pairs in pool:
 * patient, type (comma OR), _profile, period=ge<start>, period=le<end>,
 * _sort=-date, and (for "current documents") _count=FG_MAX_COUNT.
 * @test tests/unit/fhir/docref_test.c */
enum fg_status fhir_docref_search_pairs(struct fg_pool *pool, const struct fhir_docref_params *p,
                                        struct fhir_kv **pairs, size_t *n);

/* Keeps, in place and in order, what the call returns from the search's
 * matches (sorted newest first): none when on-demand only, the first of
 * each document type (its first Coding) when neither start nor end was
 * given, else all. Returns the new count. Unparseable JSON is kept.
 * @test tests/unit/fhir/docref_test.c */
size_t fhir_docref_select(const struct fhir_docref_params *p, struct fhir_resource *res,
                          size_t n);

#endif
