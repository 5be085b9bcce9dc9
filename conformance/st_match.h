/* st_match.h - does a returned resource match a search? The conformance
 * self-test's own reading of FHIR R4 search semantics over the kit's
 * parameter paths (uscore_kit.h), independent of the server's engine:
 * reference (id, Type/id or absolute URL), token (code, system|code, over
 * code / Coding / CodeableConcept / Identifier, case-insensitive), string
 * (case-insensitive prefix over the parts of HumanName and Address), date
 * (prefixes eq ne gt lt ge le sa eb ap with range semantics, on dates,
 * dateTimes, instants and Periods: gt / lt / ge / le mean the target
 * overlaps the range above / below the value, ge and le including the
 * value's own range; eq: the value's range contains the target's). A comma
 * in the value means OR.
 * Spec: http://hl7.org/fhir/R4/search.html
 */
#ifndef FG_ST_MATCH_H
#define FG_ST_MATCH_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "uscore_kit.h"

#define ST_MAX_VALUES 64 /* nodes looked at per path */
#define ST_VALUE_MAX 512 /* a search value */

/* The nodes at one kit path below a resource ("effective" also finds
 * effectiveDateTime / effectivePeriod; arrays are flattened). Borrowed
 * from res. Returns how many (at most cap). */
size_t st_values_at(const cJSON *res, const char *path, const cJSON **out, size_t cap);

/* Does res match parameter p for the search value? */
bool st_match_param(const cJSON *res, const struct fg_kit_param *p, const char *value);

/* Is p a date / string / token parameter (by the kit's element type)? */
bool st_param_is_date(const struct fg_kit_param *p);
bool st_param_is_string(const struct fg_kit_param *p);
bool st_param_is_token(const struct fg_kit_param *p);

/* The value the kit would search p by, taken from res (checklist S-1):
 * the patient id for patient, res.id for _id, a reference, a date (a
 * Period by its start day, or "ge<day>" when it runs past that day), a
 * family name / city, or a code (one of p's fixed values when res has
 * one; "system|code" when with_system). False when res has none. */
bool st_value_for(const cJSON *res, const struct fg_kit_param *p, const char *patient,
                  bool with_system, char out[ST_VALUE_MAX]);

/* Does res show the Must Support item (an element at its steps, the slice
 * members matching their discriminator, the last value equal to fixed)? */
#define ST_MS_MAX_STEPS 8
bool st_ms_shown(const cJSON *res, const struct fg_kit_ms *m);

#endif
