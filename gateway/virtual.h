/* virtual.h - FHIR resources the gateway generates from its own tables
 * instead of the record store: Consent (one per grant, consent_fhir.c) and
 * AuditEvent (one per audit row, audit_fhir.c).
 *
 * Why generated and not written to the store: the grant and the audit row
 * are the truth (a revocation is one UPDATE that the token check sees at
 * once); a copy in the store could disagree with it after a crash between
 * the two writes, and a client could PUT over it. They still go through
 * the same policy seam as stored resources (access.h: authorize before,
 * filter_result on every generated resource, with its patient compartment
 * set), so the rules for who may read them are the store's rules. Writes
 * to these types are refused (405).
 */
#ifndef FG_VIRTUAL_H
#define FG_VIRTUAL_H

#include <cJSON.h>

#include "../fhir/store.h"
#include "access.h"
#include "http.h"

/* The resources a search produced so far (pool-owned). */
struct fg_virtual_set {
    struct fhir_resource *items;
    size_t n, cap;
};

/* Prints json (not consumed) as a resource of type/id, version, last
 * updated, in the compartment of patient_id ("" = none), and appends it.
 * FG_ENOMEM with req->err set. */
enum fg_status fg_virtual_add(struct fg_req *req, struct fg_virtual_set *s, const char *type,
                              const char *id, int64_t version, int64_t last_updated_us,
                              const char *patient_id, const cJSON *json);

/* Answers a read of one generated resource (policy filter, then ETag and
 * the JSON; hidden → 404). */
enum fg_status fg_virtual_send_read(struct fg_req *req, struct fhir_resource *res);

/* Answers a searchset Bundle of the set after the policy filter; next_url
 * (may be empty) is the next page's absolute URL. */
enum fg_status fg_virtual_send_search(struct fg_req *req, const char *type,
                                      struct fg_virtual_set *s, struct fg_str next_url);

/* Route handler for writes to a generated type: 405 with an OperationOutcome. */
enum fg_status fg_virtual_read_only(struct fg_req *req);

/* Handlers (routes.c): consent_fhir.c and audit_fhir.c.
 * @test tests/integration/linked-apps.test.mjs */
enum fg_status fg_consent_read(struct fg_req *req);
enum fg_status fg_consent_search(struct fg_req *req);
enum fg_status fg_auditevent_read(struct fg_req *req);
enum fg_status fg_auditevent_search(struct fg_req *req);

/* A FHIR id for a grant id: base64url's '_' is not allowed in ids, '.' is
 * and never occurs in base64url, so the mapping is one to one. */
void fg_consent_id_from_grant(const char *grant_id, char *out, size_t size);
void fg_grant_id_from_consent(struct fg_str consent_id, char *out, size_t size);

#endif
