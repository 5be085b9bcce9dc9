/* imp_manual.h - an Observation from a measurement the patient typed in by hand.
 *
 * For patients without a smart device (portal-rules.md, "Data from the patient's own
 * devices"): the manual-entry page sends what, when, value and unit; this module checks them
 * against the mapping table (imp_map) and builds the same US Core Observation an import or an
 * app write produces (imp_obs: patient-supplied tag, performer = the patient), with a
 * deterministic identifier so a double-submitted form creates nothing new.
 * Units are normalised with imp_map_ucum_normalise and must be one the measure's profile
 * allows (weight kg|g|[lb_av]; height cm|[in_i]; glucose mg/dL (41653-7) or mmol/L (14743-9);
 * heart rate /min; temperature Cel|[degF]; BMI kg/m2; blood pressure mm[Hg]; daily steps are
 * counted, unit ignored).
 * Spec: ../shared/docs/wearables.md §3.2-3.4. @test tests/unit/import/manual_test.c
 */
#ifndef IMP_MANUAL_H
#define IMP_MANUAL_H

#include <stdint.h>

#include <cJSON.h>

#include "../core/fg_error.h"
#include "../core/fg_str.h"
#include "imp_obs.h"

/* What the form sent; every slice is borrowed. */
struct imp_manual_entry {
    struct fg_str what;      /* "weight", "height", "bmi", "bp", "heart-rate", "temperature",
                              * "glucose", "steps" */
    struct fg_str when;      /* FHIR dateTime with at least minutes and a zone ("Z" or
                              * "+hh:mm"); for "steps" a date "YYYY-MM-DD" */
    struct fg_str value;     /* decimal (not for "bp") */
    struct fg_str unit;      /* as typed (not for "bp" / "steps") */
    struct fg_str systolic;  /* "bp" only, mm[Hg] */
    struct fg_str diastolic; /* "bp" only, mm[Hg] */
};

/* Builds the Observation for e and patient. On success *out is a new tree (caller owns, free
 * with cJSON_Delete) and key its identifier value. FG_EUNPROC with err naming the field
 * ("what", "when", "value", "unit", "systolic", "diastolic") for anything wrong; FG_EINVAL
 * for a bad patient id; FG_ENOMEM. On failure *out is untouched. */
enum fg_status imp_manual_build(const struct imp_manual_entry *e, struct fg_str patient,
                                int64_t issued_us, cJSON **out, char key[IMP_KEY_MAX],
                                struct fg_error *err);

#endif
