/* access.h - THE policy seam: every FHIR interaction asks here first.
 *
 * Authentication: the first call of a request verifies its bearer token
 * (access_token.h; 401 with a WWW-Authenticate challenge when missing or
 * invalid) and sets req->auth. Every decision is smart/policy.h's; this
 * file only maps interactions to SMART letters and feeds the store's
 * answers through the policy.
 *
 * Each REST handler (rest_read.c, rest_write.c, rest_search.c,
 * rest_bundle.c; not GET /metadata, which is public) calls these functions, once per
 * interaction, and never decides about permissions itself. The foundation
 * allows everything; the SMART issue fills in the bodies (scopes, the
 * patient compartment, confidentiality labels) without touching handlers.
 * Rules for implementers: fill req->err (403 forbidden / 401 login) and
 * return its status to refuse; never log secrets; a refused read should
 * look like 404 when revealing existence is itself a leak.
 * Interactions: http://hl7.org/fhir/R4/http.html
 */
#ifndef FG_ACCESS_H
#define FG_ACCESS_H

#include <stddef.h>

#include <cJSON.h>

#include "../fhir/search.h"
#include "../fhir/store.h"
#include "http.h"

enum fg_interaction {
    FG_IA_CAPABILITIES, /* GET /metadata: public, never sent to the seam (named for logs) */
    FG_IA_READ,
    FG_IA_VREAD,
    FG_IA_HISTORY_INSTANCE,
    FG_IA_HISTORY_TYPE,
    FG_IA_HISTORY_SYSTEM,
    FG_IA_SEARCH_TYPE,
    FG_IA_CREATE,
    FG_IA_UPDATE,
    FG_IA_DELETE,
    FG_IA_BATCH,
    FG_IA_TRANSACTION
};

/* "read", "vread", "history-instance", ... (the CapabilityStatement codes). */
const char *fg_interaction_name(enum fg_interaction ia);

/* May this request perform interaction ia on type (empty for system
 * level) and id (empty unless instance level)? Called before the store
 * is touched. FG_OK or a refusal with req->err filled. */
enum fg_status fg_access_authorize(struct fg_req *req, enum fg_interaction ia,
                                   struct fg_str type, struct fg_str id);

/* Narrows a parsed search before the store runs it (e.g. restricts it to
 * the patients the token may see with fhir_query_restrict_compartment).
 * Modifies q (pool-owned additions). FG_OK or a refusal. */
enum fg_status fg_access_narrow_query(struct fg_req *req, struct fhir_query *q);

/* Drops from res[0..*n) the resources this request may not see, keeping
 * order; *n is updated. Called on every read, vread, history and search
 * result (matches and includes separately) before anything is written
 * out. FG_OK or a refusal. */
enum fg_status fg_access_filter_result(struct fg_req *req, enum fg_interaction ia,
                                       struct fhir_resource *res, size_t *n);

/* Filters a search result for this request: matches as search results,
 * included resources (_include/_revinclude) as reads or searches of their
 * own types; sets r->total to -1 (omitted) unless the narrowed query made
 * the store's count exact and nothing was dropped. q is the query given to
 * fg_access_narrow_query. FG_OK or a refusal. */
enum fg_status fg_access_filter_search(struct fg_req *req, const struct fhir_query *q,
                                       struct fhir_search_result *r);

/* Is the store's answer to q (narrowed by fg_access_narrow_query for this
 * request) exactly what the policy lets the caller see, so that a write the
 * store resolves from q's matches can hit nothing hidden? */
bool fg_access_narrowed_exactly(const struct fg_req *req, const struct fhir_query *q);

/* Filters a history result (instance, type or system) and its total the
 * same way: h->total becomes -1 (omitted) whenever the policy could have
 * hidden a version beyond this page. */
enum fg_status fg_access_filter_history(struct fg_req *req, enum fg_interaction ia,
                                        struct fhir_history_result *h);

/* For an operation that spans types (Patient/$everything): which of
 * types[0..n) this request may search within patient's compartment
 * (patient empty: wherever its grants reach), in open[0..n). Types not
 * granted are left out, not refused (a refusal for one type would hide the
 * rest). Refuses only when nothing is left: FG_ENOTFOUND (404, as a read
 * would answer) when types are granted but none reaches the patient,
 * FG_EFORBIDDEN (403) when none of them is granted. Authenticates on first
 * use. @test tests/integration/everything.test.mjs */
enum fg_status fg_access_span_types(struct fg_req *req, struct fg_str patient,
                                    const char *const *types, size_t n, bool *open);

/* May this request store `resource` (parsed, borrowed) of type/id with
 * interaction ia (create or update; NULL resource for delete)? Checks the
 * content, e.g. that a patient-scoped app writes only into its patient's
 * compartment. FG_OK or a refusal. */
enum fg_status fg_access_check_write(struct fg_req *req, enum fg_interaction ia,
                                     struct fg_str type, struct fg_str id,
                                     const cJSON *resource);

/* May the portal's own pages (the wearables page, portal_wear.h) create `resource` (parsed,
 * borrowed) of `type` for the signed-in account_id acting for `patient` (its own record or a
 * proxied one)? Decided by the policy exactly as for an app that account authorized for that
 * patient with patient/<type>.c: the resource must be in the patient's compartment and the
 * portal rules apply (a patient whose view is none is refused; a teen's proxy may write only
 * the limited classes, portal-rules.md "Proxy access"). FG_OK, or FG_EFORBIDDEN with err
 * filled. @test tests/integration/wearables-portal.test.mjs */
#define FG_ACCESS_PORTAL_CLIENT "fhirgate-portal" /* the client id the portal's pages act as */
enum fg_status fg_access_portal_write(struct fg_req *req, int64_t account_id,
                                      struct fg_str patient, struct fg_str type,
                                      const cJSON *resource, struct fg_error *err);

/* Is this request made by an app acting for one patient (a SMART patient-context token)?
 * FG_OK fills *patient (the token's patient id) and *client_id (the app), both borrowed for
 * the request's life; FG_ENOTFOUND for every other request (operator, user or system tokens,
 * none). The content of such writes is normalised by gateway/wear_write.c (patient-supplied
 * data); permissions stay with the functions above. */
enum fg_status fg_access_patient_app(const struct fg_req *req, struct fg_str *patient,
                                     struct fg_str *client_id);

/* ---- work that outlives its request (bulk export jobs, gateway/bulk*.c) ----
 * A kick-off copies the request's verified access; the job's worker later
 * gives that access to a request of its own (a struct fg_req with srv and
 * pool set, no connection) and then asks the functions above exactly as a
 * handler would, so every decision stays with the policy. */
struct fg_access_copy;

/* Copies the request's access (authenticating first: 401 with req->err
 * when there is no valid token). Caller owns *out, free with
 * fg_access_copy_free. FG_ENOMEM. */
enum fg_status fg_access_copy_take(struct fg_req *req, struct fg_access_copy **out);
void fg_access_copy_free(struct fg_access_copy **c);

/* Who owns work started with an access: client, account, patient and grant
 * ("client|account|patient|grant"; no grant for a backend service, whose
 * every token has a grant of its own). From a copy (borrowed from c), or of
 * the request (authenticating first; borrowed from the request pool). */
const char *fg_access_copy_owner(const struct fg_access_copy *c);
enum fg_status fg_access_owner(struct fg_req *req, const char **owner);

/* Gives req (a worker's request: srv and pool set, auth NULL) the access of
 * c as it stands now: scopes and reach from the copy, the policy rules
 * prepared again (with the server's clock and the auth db of today, so a
 * birthday or a revoked proxy since the kick-off counts). A refusal of the
 * rules fills req->err. */
enum fg_status fg_access_copy_restore(struct fg_req *req, const struct fg_access_copy *c);

#endif
