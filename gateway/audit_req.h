/* audit_req.h - what an HTTP request tells the audit log: the FHIR
 * interaction of a completed /fhir request, and the authorization events
 * the /auth endpoints report. Both fill a smart_audit_row and hand it to
 * the server's writer (audit.h); neither touches the database.
 */
#ifndef FG_AUDIT_REQ_H
#define FG_AUDIT_REQ_H

#include "../smart/authdb_audit.h"
#include "http.h"

/* Called once per request at completion (request.c) with the status sent:
 * records the FHIR interaction (read, vread, search, history, create,
 * update, delete, batch, operation) of a /fhir request; nothing for other
 * paths, /fhir/metadata and discovery. Who: req->auth when set (client,
 * user, patient, grant); otherwise the bearer token presented, when this
 * server issued it (also when revoked or expired). @test tests/integration/linked-apps.test.mjs */
void fg_audit_request(struct fg_req *req, int status);

/* One interaction inside a batch or transaction Bundle (rest_bundle.c):
 * its own row, beside the Bundle's row that fg_audit_request writes at
 * completion. IHE BALP has no Bundle pattern; each entry is the read,
 * search, create, update or delete that BALP audits, so each gets the
 * row (and AuditEvent profile) of that interaction, and every row of one
 * request carries the same request id (the X-Request-Id entity of BALP:
 * BasicAuditEntityType#XrequestId) that links the entries to their
 * Bundle. Slices are borrowed for the call. */
struct fg_audit_what {
    enum smart_audit_kind kind; /* READ VREAD SEARCH CREATE UPDATE DELETE */
    int status;                 /* the entry's HTTP status */
    struct fg_str type, id;     /* id: "" for a search or a failed create */
    struct fg_str query;        /* SEARCH: the raw query string of request.url */
    struct fg_str patient;      /* the compartment patient when known; "" otherwise */
};
/* Who is the request's (as fg_audit_request); the patient is the token's,
 * else Patient/{id}, else w->patient, else patient=/subject= of a search.
 * @test tests/integration/audit.test.mjs */
void fg_audit_entry(struct fg_req *req, const struct fg_audit_what *w);

/* An operation its handler records itself because the generic classification
 * leaves its paths out (bulk export kick-off and file downloads): kind
 * SMART_AUDIT_OPERATION, who from req->auth (else the bearer token), type
 * and id of what it concerns (may be empty), query a short description
 * without secrets (may be NULL). @test tests/integration/bulk-export.test.mjs */
void fg_audit_operation(struct fg_req *req, int status, struct fg_str type, struct fg_str id,
                        const char *query);

/* An authorization event. Strings may be NULL; account_id 0 = none. */
struct fg_audit_who {
    const char *client_id;
    int64_t account_id;
    const char *username;
    const char *patient_id;
    const char *grant_id;
};
void fg_audit_auth_event(struct fg_req *req, enum smart_audit_kind kind, int status,
                         const struct fg_audit_who *who);

/* Copies the query string into out (size bytes) without the values of
 * parameters that can carry secrets (access_token, client_secret,
 * password, ...: their names stay, values become "***"), cut at a pair
 * boundary when too long. @test tests/unit/gateway/audit_req_test.c */
void fg_audit_clean_query(struct fg_str raw_query, char *out, size_t size);

/* The kind of FHIR interaction a routed request is (by method and route);
 * false when it is none (metadata, discovery, unrouted). */
bool fg_audit_classify(const struct fg_req *req, enum smart_audit_kind *out);

#endif
