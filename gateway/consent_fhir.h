/* consent_fhir.h - a grant as a FHIR Consent (generated; see virtual.h).
 *
 * Consent.id is the grant id (fg_consent_id_from_grant), status "active"
 * until the grant is revoked or expires, then "inactive" (meta.versionId 2
 * once revoked). patient = the grant's patient; provision.actor = the app
 * (identifier urn:fhirgate:client|client_id, display its name);
 * provision.period = granted .. revoked or expiry; dateTime = granted;
 * performer = the user who authorized; the scope string in the extension
 * FG_CONSENT_SCOPES_URL.
 * http://hl7.org/fhir/R4/consent.html
 */
#ifndef FG_CONSENT_FHIR_H
#define FG_CONSENT_FHIR_H

#include <cJSON.h>

#include "../smart/authdb_grants.h"

#define FG_CONSENT_SCOPES_URL "https://fhirgate.dev/fhir/StructureDefinition/smart-scopes"
#define FG_CLIENT_ID_SYSTEM "urn:fhirgate:client"

/* Builds the Consent of grant g at now_s. client_name and username may be
 * NULL. Caller owns *out (cJSON_Delete). FG_ENOMEM.
 * @test tests/unit/gateway/consent_fhir_test.c */
enum fg_status fg_consent_resource_build(const struct smart_grant *g, const char *client_name,
                                         const char *username, int64_t now_s, cJSON **out);

/* True when g may be used at now_s (not revoked, not expired). */
bool fg_grant_active(const struct smart_grant *g, int64_t now_s);

#endif
