/* authdb_launch.h - EHR launch contexts (SMART App Launch 2.2 "EHR launch").
 *
 * When the portal (acting as the EHR) or an operator opens an app, it
 * creates a launch: an opaque random id bound to the app (client), the
 * signed-in user, the patient in context and optionally an encounter. The
 * app receives `launch=<id>` at its registered launch_uri and hands it back
 * to /authorize, which consumes it: a launch is single use, lives at most
 * SMART_LAUNCH_LIFETIME_S and only the client it was made for may use it.
 * Only the SHA-256 digest of the id is stored (like codes and tokens).
 * https://hl7.org/fhir/smart-app-launch/app-launch.html#launch-app-ehr-launch
 */
#ifndef SMART_AUTHDB_LAUNCH_H
#define SMART_AUTHDB_LAUNCH_H

#include "authdb.h"
#include "authdb_accounts.h"
#include "authdb_clients.h"
#include "authdb_grants.h"
#include "token.h"

#define SMART_LAUNCH_LIFETIME_S 300 /* five minutes from "Open app" to /authorize */

struct smart_launch {
    char client_id[SMART_MAX_CLIENT_ID + 1];
    int64_t account_id;                            /* the user the launch is for (> 0) */
    char patient_id[SMART_MAX_PATIENT_ID + 1];     /* "" = no patient in context */
    char encounter_id[SMART_MAX_ENCOUNTER_ID + 1]; /* "" = no encounter in context */
    char fhir_context[SMART_MAX_FHIR_CONTEXT + 1]; /* further resources in context ("" =
                                                      none): smart_fhir_context_ok */
    int64_t created_at, expires_at;                /* set by smart_authdb_launch_create */
};

/* True when s is "" or 1 to SMART_MAX_FHIR_CONTEXT_REFS relative references
 * "Type/id" separated by single spaces: Type a FHIR resource type name
 * (A-Z then letters), id a FHIR id, no duplicates; never Patient or
 * Encounter, which the launch carries as its patient and encounter (SMART
 * 2.2 allows them in fhirContext only with a role other than "launch").
 * @test tests/unit/smart/authdb_launch_test.c */
bool smart_fhir_context_ok(const char *s);

/* Stores l (created_at = now, expires_at = now + SMART_LAUNCH_LIFETIME_S)
 * under a fresh random id written to id_out (give it to the app, never log
 * it). FG_EINVAL without a client or account, with an encounter but no
 * patient, with ids that are not FHIR ids or a bad fhir_context. FG_EIO when the random
 * generator fails. @test tests/unit/smart/authdb_launch_test.c */
enum fg_status smart_authdb_launch_create(struct smart_authdb *db, struct smart_launch *l,
                                          char id_out[SMART_TOKEN_SIZE]);

/* Uses the launch id for client_id and fills out. Atomic: of two concurrent
 * consumers exactly one gets FG_OK. Results:
 *   FG_OK        the launch is this client's, unexpired and unused: now used;
 *   FG_ENOTFOUND no such launch (also a malformed id);
 *   FG_EFORBIDDEN the launch belongs to another client (left unused);
 *   FG_EGONE     it has expired;
 *   FG_ECONFLICT it was already used.
 * On failure out is zeroed. @test tests/unit/smart/authdb_launch_test.c */
enum fg_status smart_authdb_launch_consume(struct smart_authdb *db, struct fg_str id,
                                           struct fg_str client_id, struct smart_launch *out);

#endif
