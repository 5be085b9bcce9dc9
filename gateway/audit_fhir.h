/* audit_fhir.h - audit rows as FHIR AuditEvents following IHE Basic Audit
 * Log Patterns (generated; see virtual.h).
 *
 * FHIR interactions: type audit-event-type#rest, subtype the
 * restful-interaction code, meta.profile the BALP profile (PatientRead,
 * PatientQuery, PatientCreate, PatientUpdate, PatientDelete when a patient
 * is known, else Read, Query, Create, Update, Delete). Authorization
 * events: type DCM#110114 "User Authentication", subtype from
 * FG_AUDIT_AUTH_SYSTEM (authorize, grant, deny, token, refresh, revoke,
 * signin, signin-failed, lockout). Agents: the app (DCM#110153 source role,
 * identifier urn:fhirgate:client), the user (requestor; identifier
 * urn:fhirgate:account), the server (DCM#110152). Entities: the patient
 * (audit-entity-type#1, object-role#1), the resource (…#2, role #4) or the
 * query (role #24, query base64), the grant (identifier urn:fhirgate:grant).
 * outcome: 0 below HTTP 400, 4 for 4xx, 8 for 5xx. No token or secret is
 * ever part of a row (audit_req.h).
 * https://profiles.ihe.net/ITI/BALP/  http://hl7.org/fhir/R4/auditevent.html
 */
#ifndef FG_AUDIT_FHIR_H
#define FG_AUDIT_FHIR_H

#include <cJSON.h>

#include "../smart/authdb_audit.h"

#define FG_AUDIT_AUTH_SYSTEM "https://fhirgate.dev/fhir/CodeSystem/authorization-event"
#define FG_ACCOUNT_SYSTEM "urn:fhirgate:account"
#define FG_GRANT_SYSTEM "urn:fhirgate:grant"

/* Builds the AuditEvent of row. Caller owns *out (cJSON_Delete). FG_ENOMEM.
 * @test tests/unit/gateway/audit_fhir_test.c */
enum fg_status fg_auditevent_build(const struct smart_audit_row *row, cJSON **out);

#endif
