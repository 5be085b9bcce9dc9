/* imp_appwrite.h - an Observation a patient's app writes, made into patient-supplied data.
 *
 * US Core "writing vital signs" (wearables.md §3.4): what a patient-context app POSTs (alone,
 * or in a batch/transaction Bundle) is normalised and checked here before it is stored.
 * WHO may write is not decided here (smart/policy.h via gateway/access.c: the subject must be
 * the token's patient, the scope must grant the create); this module only does the content:
 *   1. resourceType Observation; an identifier in IMP_KEY_SYSTEM (the importers' deterministic
 *      keys, which are also resource ids) is refused.
 *   2. Units of valueQuantity and component[].valueQuantity: a UCUM code is kept; a unit with
 *      one clear UCUM form (imp_map_ucum_normalise: mmHg -> mm[Hg], lbs -> [lb_av],
 *      count/min -> /min, °C -> Cel, ...) is rewritten to system UCUM + that code, keeping the
 *      app's text in `unit`; any other unit, or a code in another system, is refused.
 *   3. meta.tag us-core-tags|patient-supplied is added (once); the patient is put first in
 *      performer when missing; `device` is kept as sent; meta.source names the app
 *      ("urn:fhirgate:client:<client id>") so its own entries can be recognised later.
 *   4. The result is validated (conformance/validate.h) against the US Core profile its code
 *      implies (a claimed meta.profile does not replace that choice; claimed profiles are
 *      checked too): errors refuse it with 422 naming the element.
 * Entered-in-error: an app may update ONLY its own Observations (meta.source) and only to
 * status entered-in-error with the rest unchanged (imp_appwrite_check_update).
 * Spec: https://hl7.org/fhir/us/core/STU7/vitals-write.html; R4 observation.html.
 * @test tests/unit/import/appwrite_test.c
 */
#ifndef IMP_APPWRITE_H
#define IMP_APPWRITE_H

#include <cJSON.h>

#include "../conformance/validate.h"
#include "../core/fg_error.h"
#include "../core/fg_pool.h"
#include "../core/fg_str.h"

#define IMP_APP_SOURCE_PREFIX "urn:fhirgate:client:"

/* The writer: the token's patient and the app (borrowed). */
struct imp_app {
    struct fg_str patient;   /* FHIR id of the patient */
    struct fg_str client_id; /* OAuth client id of the app */
};

/* Normalises obs in place (steps 1-4 above). report (may be NULL) receives the validator's
 * findings (strings in pool). FG_OK; FG_EINVAL (not an Observation, bad app identity);
 * FG_EUNPROC with err naming the element (expression) for a refused unit, a reserved
 * identifier or the first validation error; FG_ENOMEM. On failure obs may be partly
 * normalised (the caller drops it). FG_EFORBIDDEN (err names Observation.subject) when the
 * subject is not Patient/<app->patient>. */
enum fg_status imp_appwrite_prepare(cJSON *obs, const struct imp_app *app, struct fg_pool *pool,
                                    struct fg_validation_report *report, struct fg_error *err);

/* Normalises one Quantity (valueQuantity or a component's) in place. expression names it.
 * FG_OK, FG_EUNPROC (err filled), FG_ENOMEM. @test tests/unit/import/appwrite_test.c */
enum fg_status imp_appwrite_quantity(cJSON *q, const char *expression, struct fg_error *err);

/* May app replace `current` (the stored Observation, parsed) by `incoming`? Only when current
 * was written by this app (meta.source), incoming has status entered-in-error, and nothing
 * else but status, meta and text differs. FG_OK; FG_EFORBIDDEN (not the app's own entry) or
 * FG_EUNPROC (another change) with err filled. */
enum fg_status imp_appwrite_check_update(const cJSON *current, const cJSON *incoming,
                                         const struct imp_app *app, struct fg_error *err);

#endif
