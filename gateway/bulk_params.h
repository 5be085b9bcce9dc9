/* bulk_params.h - the kick-off request of a FHIR Bulk Data export, parsed.
 *
 * `$export` takes its parameters from the query string (GET) or a
 * Parameters resource (POST); both become name/value pairs and go through
 * one parser. Supported: `_type` (comma-separated, repeatable resource
 * types), `_since` (a FHIR instant with seconds and a time zone),
 * `_outputFormat` (application/fhir+ndjson, application/ndjson, ndjson).
 * Everything else the spec defines (`_typeFilter`, `_elements`, `patient`,
 * `includeAssociatedData`) and unknown parameters are refused with 400
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

struct fg_bulk_params {
    /* Requested types, deduplicated, in request order; each points into
     * the static fhir_resource_types table. n_types == 0: every type. */
    const char *types[FG_MAX_BULK_TYPES];
    size_t n_types;
    int64_t since_us; /* `_since` in µs since the epoch; 0 = none */
    bool has_since;
};

/* What the Prefer header asks: respond-async (required for a kick-off)
 * and handling=lenient (ignore unsupported parameters). Pure; NULL-safe
 * (an empty slice asks for nothing). @test tests/unit/gateway/bulk_params_test.c */
void fg_bulk_prefer_parse(struct fg_str prefer, bool *respond_async, bool *lenient);

/* Parses kick-off parameters (decoded pairs) into *out. lenient: unsupported
 * parameters are skipped instead of refused. FG_EINVAL (400, err naming the
 * parameter) for an unknown type, a _since that is not an instant with a
 * zone, a repeated _since or _outputFormat, an output format other than
 * NDJSON; FG_ENOTSUP (400 not-supported) for _typeFilter and the others
 * named above; too many values: FG_EINVAL too-costly. On failure *out is
 * untouched. @test tests/unit/gateway/bulk_params_test.c */
enum fg_status fg_bulk_params_parse(const struct fhir_kv *pairs, size_t n, bool lenient,
                                    struct fg_bulk_params *out, struct fg_error *err);

/* The pairs of a Parameters resource: each parameter's name and its
 * primitive value[x] (string, code, instant, dateTime, uri, canonical, ...);
 * a parameter with a complex value (valueReference for `patient`) gives
 * its name with an empty value, so the parser can refuse it by name.
 * Pairs and strings are pool-owned (borrowed from params when possible:
 * params must outlive them). FG_EINVAL (err filled) when params is not a
 * Parameters resource or a parameter has no name; FG_EINVAL too-costly past
 * FG_MAX_BULK_PARAMS. @test tests/unit/gateway/bulk_params_test.c */
enum fg_status fg_bulk_params_from_parameters(struct fg_pool *pool, const cJSON *params,
                                              struct fhir_kv **pairs, size_t *n,
                                              struct fg_error *err);

#endif
