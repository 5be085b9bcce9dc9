/* ehr_launch.h - starting an EHR launch: fhirgate is the portal/EHR in front
 * of the record, so it also launches apps (SMART App Launch 2.2 "EHR
 * launch"): a launch context is stored (smart/authdb_launch.h) and the app's
 * registered launch_uri is opened with ?iss=<FHIR base>&launch=<id>.
 * Used by the linked-apps page's "Open" button (apps.c) and by
 * `fhirgate launch` (the operator's launcher).
 * https://hl7.org/fhir/smart-app-launch/app-launch.html#step-1-ehr-launch
 */
#ifndef FG_EHR_LAUNCH_H
#define FG_EHR_LAUNCH_H

#include "../core/fg_buf.h"
#include "../smart/authdb_launch.h"

/* Creates a launch of client cl for account_id with the patient and
 * encounter (NULL or "" = none) and appends the launch URL to out:
 * cl->launch_uri + ('?' or '&') + "iss=" + iss + "&launch=" + id, query
 * values URL-encoded. FG_ENOTFOUND when the client has no launch_uri;
 * FG_EINVAL for bad ids (smart_authdb_launch_create); FG_ETOOBIG when out
 * is full. @test tests/integration/smart-ehr-launch.test.mjs */
enum fg_status fg_ehr_launch_url(struct smart_authdb *db, const struct smart_client *cl,
                                 int64_t account_id, const char *patient_id,
                                 const char *encounter_id, const char *iss, struct fg_buf *out);

/* `fhirgate launch --client ID --user NAME [--patient ID] [--encounter ID]
 * [--base-url URL]` prints the launch URL (valid SMART_LAUNCH_LIFETIME_S,
 * single use). Exit 0, 1 on failure, 2 on bad usage. */
int fg_cmd_launch(int argc, char **argv);

#endif
