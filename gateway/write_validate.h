/* write_validate.h - the one runtime profile check of resources written
 * through the FHIR API (create, update, conditional create and update,
 * PATCH result, batch/transaction entries): a resource that claims US Core
 * 7.0.0 profiles in meta.profile must conform to each of them; one that
 * claims none the validator knows must conform to the profile its type,
 * code or category implies (fg_validate_implied_profile: us-core-heart-rate
 * for a heart rate, us-core-observation-lab for a laboratory result,
 * us-core-patient for any Patient, ...). Nothing implied (an Observation of
 * no US Core kind, a Device, types US Core does not profile): not checked.
 * Patient-app Observation creates keep their own rules
 * (import/imp_appwrite.h), which validate the same way; $import-wearables
 * keeps its mapping (import/imp_map.h).
 * Spec: http://hl7.org/fhir/R4/validation.html (422 on a failed profile). */
#ifndef GATEWAY_WRITE_VALIDATE_H
#define GATEWAY_WRITE_VALIDATE_H

#include <cJSON.h>

#include "../core/fg_error.h"
#include "../core/fg_pool.h"
#include "../core/fg_status.h"
#include "http.h"

/* Validates res against every profile of its meta.profile that
 * fg_validate_find_profile knows, or when there is none against the implied
 * one. FG_OK when nothing applies or all pass;
 * FG_EUNPROC (HTTP 422) with err naming the first error's element as the
 * expression and, in the diagnostics, where (e.g. "Bundle.entry[2].resource",
 * or "" for a plain write), the message, the profile and how many more
 * errors there are; FG_ENOMEM. Borrows res; report text lives in pool.
 * @test tests/unit/gateway/write_validate_test.c */
enum fg_status fg_write_validate(struct fg_pool *pool, const cJSON *res, const char *where,
                                 struct fg_error *err);

/* The same check for a plain write (create, update, PATCH): on FG_EUNPROC
 * req->err is filled as above and the response is already set: 422 with
 * the validator's whole report for the failing profile as the
 * OperationOutcome (fg_validation_report_to_outcome: one issue per
 * finding, each with its expression). Borrows res.
 * @test tests/integration/cases/rest/profile-validate-write.json */
enum fg_status fg_write_validate_req(struct fg_req *req, const cJSON *res);

#endif
