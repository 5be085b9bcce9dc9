/* wear_write.h - writes of patient-supplied Observations by a patient's app (internal to
 * gateway/): the HTTP side of import/imp_appwrite.h.
 *
 * When fg_access_patient_app says a request comes from an app acting for one patient, an
 * Observation it creates (POST, or a POST entry of a batch/transaction Bundle) is normalised by
 * imp_appwrite_prepare (units, patient-supplied tag, performer, meta.source, US Core vital-sign
 * profile: 422 naming the element), and stored in ONE transaction with a Provenance naming the
 * patient (author) and the app (composer, identifier = client id). A transaction Bundle gets one
 * Provenance for all the Observations it creates. Conditional create (If-None-Exist /
 * request.ifNoneExist, e.g. identifier=<app system>|<id>) is checked before the write: a resend
 * answers 200 with the stored Observation and writes nothing, not even a Provenance.
 * Updates (PUT) by such an app must pass imp_appwrite_check_update (its own entries, only to
 * entered-in-error). Who may write at all is decided by the policy seam (access.h), not here.
 * @test tests/integration/wearables-appwrite.test.mjs, tests/unit/import/appwrite_test.c
 */
#ifndef FG_WEAR_WRITE_H
#define FG_WEAR_WRITE_H

#include <stdbool.h>

#include <cJSON.h>

#include "../fhir/store.h"
#include "../import/imp_appwrite.h"
#include "http.h"

/* True (app filled) when req is a patient app's and type is Observation. */
bool fg_wear_app(const struct fg_req *req, struct fg_str type, struct imp_app *app);

/* imp_appwrite_prepare with the request's pool; err filled on refusal (422 naming the
 * element). where ("" or "Bundle.entry[3].resource") prefixes the diagnostics. */
enum fg_status fg_wear_prepare(struct fg_req *req, const struct imp_app *app, cJSON *obs,
                               const char *where, struct fg_error *err);

/* Stores a prepared Observation: cond (may be NULL) checked first (one match: *r describes it,
 * outcome FHIR_WRITE_UNCHANGED, nothing written; more: FG_EPRECOND), else the Observation
 * (server id) and its Provenance in one transaction; *r answers the Observation. */
enum fg_status fg_wear_create(struct fg_req *req, struct fhir_store *store,
                              const struct imp_app *app, cJSON *obs,
                              const struct fhir_query *cond, struct fhir_write_result *r,
                              struct fg_error *err);

/* The Provenance for targets[0..n) written by app, now. New tree owned by the request pool, or
 * NULL (err filled). */
cJSON *fg_wear_provenance(struct fg_req *req, const struct imp_app *app,
                          const struct fg_str *targets, size_t n, struct fg_error *err);

/* May app replace Observation/id by incoming (imp_appwrite_check_update on the current
 * version)? An id that does not exist is FG_EFORBIDDEN too: apps create with POST. */
enum fg_status fg_wear_check_update(struct fg_req *req, struct fhir_store *store,
                                    const struct imp_app *app, struct fg_str id,
                                    const cJSON *incoming, struct fg_error *err);

#endif
