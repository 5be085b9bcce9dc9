/* bulk_params.h - the kick-off request of a FHIR Bulk Data export, parsed.
 *
 * `$export` takes its parameters from the query string (GET) or a
 * Parameters resource (POST); both become name/value pairs and go through
 * one parser. Supported: `_type` (comma-separated, repeatable resource
 * types), `_since` (a FHIR instant with seconds and a time zone),
 * `_outputFormat` (application/fhir+ndjson, application/ndjson, ndjson),
 * `_typeFilter` ("Type?search", repeatable; parsed by the search parser
 * as a search of that type would be: strict, lenient under
 * `Prefer: handling=lenient`; no result parameters), `_elements`
 * (comma-separated "element" or "Type.element"), `patient` ("Patient/id"
 * or the same on our base URL; a Parameters body's valueReference).
 * `includeAssociatedData` and unknown parameters are refused with 400
 * not-supported, or ignored under `Prefer: handling=lenient`.
 * Spec: https://hl7.org/fhir/uv/bulkdata/STU2/export.html#query-parameters
 */
#ifndef FG_BULK_PARAMS_H
#define FG_BULK_PARAMS_H

#include <stdbool.h>
#include <stdint.h>

#include <cJSON.h>

#include "../core/fg_error.h"
#include "../core/fg_limits.h"
#include "../core/fg_pool.h"
#include "../core/fg_str.h"
#include "../fhir/search.h"

/* One `_typeFilter`: resources of type must match query (the decoded
 * search query after '?', e.g. "category=laboratory&date=ge2026"). Several
 * filters of one type are ORed (a resource matching any is exported). */
struct fg_bulk_type_filter {
    const char *type;    /* static (fhir_resource_types) */
    struct fg_str query; /* pool-owned */
};

struct fg_bulk_params {
    /* Requested types, deduplicated, in request order; each points into
     * the static fhir_resource_types table. n_types == 0: every type. */
    const char *types[FG_MAX_BULK_TYPES];
    size_t n_types;
    int64_t since_us; /* `_since` in µs since the epoch; 0 = none */
    bool has_since;
    struct fg_bulk_type_filter *filters; /* pool-owned, n_filters */
    size_t n_filters;
    struct fg_str *elements;             /* `_elements` names; pool-owned, n_elements */
    size_t n_elements;
    struct fg_str *patients;             /* `patient` ids, deduplicated; pool-owned */
    size_t n_patients;
};

/* What the Prefer header asks: respond-async (required for a kick-off)
 * and handling=lenient (ignore unsupported parameters). Pure; NULL-safe
 * (an empty slice asks for nothing). @test tests/unit/gateway/bulk_params_test.c */
void fg_bulk_prefer_parse(struct fg_str prefer, bool *respond_async, bool *lenient);

/* Parses kick-off parameters (decoded pairs) into *out; strings go into
 * pool (or borrow from pairs: they must outlive *out). base: our FHIR base
 * URL (absolute `patient` references on it are ours). lenient: unsupported
 * parameters are skipped instead of refused, a _typeFilter's unknown search
 * parameters are ignored (as a lenient search ignores them) and a
 * _typeFilter of a type left out by _type is dropped. FG_EINVAL (400, err
 * naming the parameter) for an unknown type, a _since that is not an
 * instant with a zone, a repeated _since or _outputFormat, an output format
 * other than NDJSON, a _typeFilter that is not "Type?query" or whose query
 * the search parser refuses or that holds a result parameter (_count,
 * _sort, _include, ...), an _elements name that is not an element name,
 * a patient that is not a Patient reference; FG_ENOTSUP (400
 * not-supported) for includeAssociatedData and unknown parameters; too
 * many values: FG_EINVAL too-costly. On failure *out is untouched.
 * @test tests/unit/gateway/bulk_params_test.c */
enum fg_status fg_bulk_params_parse(struct fg_pool *pool, struct fg_str base,
                                    const struct fhir_kv *pairs, size_t n, bool lenient,
                                    struct fg_bulk_params *out, struct fg_error *err);

/* Deep-copies src into *dst with every string in pool (a job keeps its
 * parameters past the kick-off's request). FG_ENOMEM. */
enum fg_status fg_bulk_params_copy(struct fg_pool *pool, const struct fg_bulk_params *src,
                                   struct fg_bulk_params *dst);

/* Does p ask for resources of type (no _type: every type)? */
bool fg_bulk_params_wants_type(const struct fg_bulk_params *p, const char *type);

/* The `_elements` names that apply to type (bare names and "type.name"),
 * into names[0..*n) (borrowed from p; names holds FG_MAX_BULK_ELEMENTS).
 * *n == 0: type is exported whole. */
void fg_bulk_params_elements_for(const struct fg_bulk_params *p, const char *type,
                                 struct fg_str *names, size_t *n);

/* The pairs of a Parameters resource: each parameter's name and its
 * primitive value[x] (string, code, instant, dateTime, uri, canonical, ...)
 * or a valueReference's reference (`patient`); another complex value gives
 * its name with an empty value, so the parser can refuse it by name.
 * Pairs and strings are pool-owned (borrowed from params when possible:
 * params must outlive them). FG_EINVAL (err filled) when params is not a
 * Parameters resource or a parameter has no name; FG_EINVAL too-costly past
 * FG_MAX_BULK_PARAMS. @test tests/unit/gateway/bulk_params_test.c */
enum fg_status fg_bulk_params_from_parameters(struct fg_pool *pool, const cJSON *params,
                                              struct fhir_kv **pairs, size_t *n,
                                              struct fg_error *err);

#endif
