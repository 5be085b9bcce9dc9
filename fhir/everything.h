/* everything.h - the Patient $everything operation as the searches it amounts
 * to: one search per Patient-compartment type, paged through in a fixed type
 * order with the store's own search cursors.
 *
 * Spec: http://hl7.org/fhir/R4/patient-operation-everything.html
 * (OperationDefinition http://hl7.org/fhir/OperationDefinition/Patient-everything)
 * Parameters: start, end (care dates: applied to the type's clinical-date
 * search parameter, fhir_everything_date_param; types without one are not
 * narrowed by them), _since (instant: _lastUpdated=ge), _type (comma list of
 * resource types, repeatable: only these types are returned), _count (page
 * size, 1..FG_MAX_COUNT, default FG_DEFAULT_COUNT).
 *
 * Paging: a page walks the types in fhir_everything_types order and asks each
 * type's search for as many matches as the page still has room for. The
 * paging cursor is "<Type>" (start that type's search) or
 * "<Type>.<store cursor>" (continue it): the store's keyset cursor, so rows
 * written after a type's first page never shift its later pages.
 *
 * What a page holds besides the matches: the resources they reference
 * (`_include` of the type's reference parameters) and the Provenances that target them
 * (`_revinclude=Provenance:target`), as included entries, kept by
 * fhir_everything_keep_include. Nothing here knows HTTP or permissions; the
 * caller narrows and filters every search through the policy.
 * Everything is pool-owned or borrowed as stated.
 */
#ifndef FHIR_EVERYTHING_H
#define FHIR_EVERYTHING_H

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

struct fhir_everything_params {
    struct fg_str start, end;                     /* dateTime text or empty */
    struct fg_str since;                          /* instant text or empty */
    struct fg_str types[FG_MAX_EVERYTHING_TYPES]; /* _type: known types, each once; none = all */
    size_t n_types;
    int count;                                    /* page size (default applied) */
    /* _cursor, split: the type to resume at (empty: the first page) and
     * that type's store cursor (empty: the type's first page). */
    struct fg_str cursor_type;
    struct fg_str cursor_store;
};

/* Reads the operation's parameters from URL/form pairs. Unknown names
 * (other than _format and _pretty) are FG_EINVAL when strict, else
 * ignored. FG_EINVAL, with err naming the parameter, for a repeated start,
 * end, _since, _count or _cursor, a bad dateTime or instant, start after
 * end, an unknown resource type in _type, more than FG_MAX_EVERYTHING_TYPES
 * types, a _count that is not an integer in 1..FG_MAX_COUNT (larger values
 * are lowered to it), or a malformed _cursor. Borrows pairs (out points
 * into them). @test tests/unit/fhir/everything_test.c */
enum fg_status fhir_everything_from_pairs(const struct fhir_kv *pairs, size_t n, bool strict,
                                          struct fhir_everything_params *out,
                                          struct fg_error *err);

/* Reads them from a Parameters resource (POST): start / end (valueDate,
 * valueDateTime, valueInstant), _since (valueInstant, valueDateTime),
 * _type (valueCode or valueString, comma lists allowed), _count
 * (valueInteger, valuePositiveInt). Unknown names as above. Strings are
 * copied into pool. @test tests/unit/fhir/everything_test.c,
 * tests/fuzz/everything_fuzz.c */
enum fg_status fhir_everything_from_parameters(struct fg_pool *pool, const cJSON *parameters,
                                               bool strict, struct fhir_everything_params *out,
                                               struct fg_error *err);

/* Is type searched by its `patient` reference parameter rather than by the
 * compartment: a type outside the R4 Patient compartment that has one
 * (Device, Contract, GuidanceResponse)? */
bool fhir_everything_by_patient_param(struct fg_str type);

/* The types a call searches, in paging order: Patient first, then every
 * other type of the R4 Patient compartment and every type
 * fhir_everything_by_patient_param names, alphabetically, each kept only
 * when p has no _type or names it. Fills out[0..*n) with static names;
 * out must hold FHIR_EVERYTHING_MAX_SEARCHED entries. */
#define FHIR_EVERYTHING_MAX_SEARCHED 80
void fhir_everything_types(const struct fhir_everything_params *p, const char **out, size_t *n);

/* The clinical-date search parameter start/end apply to for type (static
 * text), or NULL when the type has none: a table of the types whose care
 * date is not `date` (Condition onset-date, DocumentReference period,
 * MedicationRequest authoredon, ...), else `date` when the type has a date
 * parameter of that name. @test tests/unit/fhir/everything_test.c */
const char *fhir_everything_date_param(struct fg_str type);

#define FHIR_EVERYTHING_MAX_PAIRS (7 + FG_MAX_INCLUDES)

/* The search of `type` one page of the call runs, as pairs in pool:
 * patient=Patient/<patient> (types fhir_everything_by_patient_param names,
 * when patient is not empty), _count=count, _lastUpdated=ge<since>, <date>=ge<start>, <date>=le<end>,
 * _include=<type>:<param> for each reference parameter of the type that
 * can lead outside the searched types (at most FG_MAX_INCLUDES - 1; only
 * when p's _type could keep an included resource), _revinclude=
 * Provenance:target (when Provenance is returned), _cursor=<store_cursor>
 * (when given). At most FHIR_EVERYTHING_MAX_PAIRS pairs.
 * For a compartment type the caller adds the compartment restriction
 * (fhir_query_restrict_compartment). FG_ENOMEM.
 * @test tests/unit/fhir/everything_test.c */
enum fg_status fhir_everything_search_pairs(struct fg_pool *pool,
                                            const struct fhir_everything_params *p,
                                            struct fg_str type, struct fg_str patient,
                                            int count, struct fg_str store_cursor,
                                            struct fhir_kv **pairs, size_t *n);

/* Should an included resource (already through the policy) go into the
 * page? Only when p's _type (if any) names its type, and then when it is
 * in no patient's compartment and no search of the call could return it
 * (reference data: Practitioner, Organization, Location, Medication; the
 * Provenances of the patient's resources), or - for one patient's call
 * (patient not empty) - in that patient's compartment without being of a
 * searched type. Searched types come as matches of their own search, and
 * another patient's resource never comes along as a reference.
 * searched: the fhir_everything_types list. */
bool fhir_everything_keep_include(const struct fhir_everything_params *p, struct fg_str patient,
                                  const char *const *searched, size_t n_searched,
                                  const struct fhir_resource *r);

/* The call's parameters as a canonical query string (no leading '?';
 * start, end, _since, _type, _count when not the default; no cursor) for
 * the Bundle's links. FG_ETOOBIG / FG_ENOMEM from buf. */
struct fg_buf;
enum fg_status fhir_everything_write_query(const struct fhir_everything_params *p,
                                           struct fg_buf *buf);

/* Appends the paging cursor "<type>[.<store cursor>]" to buf,
 * URL-encoded. FG_ETOOBIG / FG_ENOMEM. */
enum fg_status fhir_everything_write_cursor(struct fg_str type, struct fg_str store_cursor,
                                            struct fg_buf *buf);

#endif
