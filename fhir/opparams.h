/* opparams.h - what every operation's input reader shares, whether the
 * inputs come as URL/form pairs (GET) or a Parameters resource (POST):
 * the general parameters that are accepted and ignored, the once-only
 * rule, and the walk over Parameters.parameter. The readers of each
 * operation (everything.c, docref.c) keep their own names and value types.
 * Spec: http://hl7.org/fhir/R4/operations.html#request ,
 * http://hl7.org/fhir/R4/parameters.html */
#ifndef FHIR_OPPARAMS_H
#define FHIR_OPPARAMS_H

#include <cJSON.h>
#include <stdbool.h>

#include "../core/fg_error.h"
#include "../core/fg_status.h"
#include "../core/fg_str.h"

/* Is name a general parameter an operation accepts and ignores (_format,
 * _pretty: the response's format is negotiated elsewhere)? */
bool fhir_opparams_ignored(struct fg_str name);

/* Sets *slot to v for a parameter that may be given once: FG_EINVAL (err
 * naming it) when *slot is already set or v is empty. */
enum fg_status fhir_opparams_once(struct fg_str *slot, struct fg_str v, const char *name,
                                  struct fg_error *err);

/* Calls fn(arg, name, parameter, err) for each Parameters.parameter in
 * order, stopping at the first failure (returned). FG_EINVAL (err filled)
 * when parameters is not a Parameters resource, parameter is not an array,
 * or a parameter has no name. parameters is borrowed; name points into it.
 * @test tests/unit/fhir/everything_test.c, tests/unit/fhir/docref_test.c */
typedef enum fg_status fhir_opparams_fn(void *arg, struct fg_str name, const cJSON *parameter,
                                        struct fg_error *err);
enum fg_status fhir_opparams_each(const cJSON *parameters, fhir_opparams_fn *fn, void *arg,
                                  struct fg_error *err);

#endif
