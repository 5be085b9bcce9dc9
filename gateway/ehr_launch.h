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
#include "portal.h"

/* Creates a launch of client cl for account_id with the patient,
 * encounter and further context (fhir_context: "Type/id ..." as
 * smart_fhir_context_ok; each NULL or "" = none) and appends the launch URL
 * to out:
 * cl->launch_uri + ('?' or '&') + "iss=" + iss + "&launch=" + id, query
 * values URL-encoded. FG_ENOTFOUND when the client has no launch_uri;
 * FG_EINVAL for bad ids (smart_authdb_launch_create); FG_ETOOBIG when out
 * is full. @test tests/integration/smart-ehr-launch.test.mjs */
enum fg_status fg_ehr_launch_url(struct smart_authdb *db, const struct smart_client *cl,
                                 int64_t account_id, const char *patient_id,
                                 const char *encounter_id, const char *fhir_context,
                                 const char *iss, struct fg_buf *out);

/* The one rule on who may open a record through an EHR launch, applied by
 * `fhirgate launch` when it makes the launch and by /auth/authorize when the
 * app comes back (gateway/authz_launch.c): a practitioner account any
 * patient (the policy's practitioner reach, smart/policy.h
 * smart_access_set_practitioner); a portal account a patient it has a view
 * of today (fg_portal_view: its own record, a proxy in force, the age
 * rules), i.e. the records the patient picker offers it. No patient
 * (NULL or "") is always allowed. FG_OK, FG_EFORBIDDEN, FG_ENOTFOUND for an
 * unknown account. @test tests/integration/smart-ehr-launch.test.mjs */
enum fg_status fg_ehr_launch_may_open(struct smart_authdb *db, struct fg_pool *pool,
                                      const struct fg_portal_env *env, int64_t account_id,
                                      const char *patient_id);

/* `fhirgate launch --client ID --user NAME [--patient ID] [--encounter ID]
 * [--context Type/id]... [--base-url URL]` prints the launch URL (valid SMART_LAUNCH_LIFETIME_S,
 * single use). A patient the user may not open (fg_ehr_launch_may_open,
 * with the record store of --db / --upstream) is refused: exit 4.
 * Exit 0, 1 on failure, 2 on bad usage. */
int fg_cmd_launch(int argc, char **argv);

#endif
