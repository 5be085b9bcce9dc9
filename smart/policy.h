/* policy.h - THE authorization policy: what one verified access (token)
 * may do to which resource. Every permission decision of the gateway is
 * made here; gateway/access.c only translates HTTP into these calls.
 *
 * Model (SMART App Launch 2.2 scopes-and-launch-context.html, R4
 * compartmentdefinition-patient.html, ../shared/docs/portal-rules.md):
 *  - A struct smart_access is what a verified token says: client, signed-in
 *    account, launch patient, grant, granted scopes, expiry, and the
 *    patients a user/ scope reaches (own record and proxies in force).
 *  - A scope context picks the reach: system/ = every resource; user/ = the
 *    compartments of access->user_patients; patient/ = the compartment of
 *    access->patient_id (nothing without a launch patient). For one type and
 *    interaction the widest context that grants it decides (system > user >
 *    patient); its granular (query-qualified) scopes filter.
 *  - Type classes in patient/user context: types of the R4 Patient
 *    compartment are confined to the reached patients' compartments;
 *    other types with a `patient` reference search parameter (Device) are
 *    confined by it;
 *    shared reference data (Practitioner, PractitionerRole, Organization,
 *    Location, Medication, Endpoint, HealthcareService, Substance, ...) is
 *    visible whenever the type is granted; Provenance is visible when it is
 *    in a reached compartment or when every relative target it names is
 *    visible; Binary is visible when its securityContext is visible;
 *    every other type is refused (403) outside system/ scopes.
 *  - Interactions are SMART letters: 'c' create, 'r' read/vread/instance
 *    history, 'u' update, 'd' delete, 's' search/type history. Included
 *    resources (_include/_revinclude) count as visible when either 'r' or
 *    's' would show them.
 *
 * Extension (issue 7 portal rules, issue 5 linked apps): further rules plug
 * into struct smart_policy as struct smart_policy_rule hooks. A rule can
 * only hide or refuse, never widen: it may prepare per-access state once per
 * request, add store-side filters to searches, hide resources in every
 * result (reads, searches, includes, history) and refuse writes. Handlers
 * never change for a new rule: register it in gateway/access_rules.c.
 *
 * Nothing here does I/O. Resources a decision depends on (a Provenance's
 * targets, a Binary's securityContext, the current version of a resource
 * being updated) come through struct smart_policy_lookup.
 */
#ifndef SMART_POLICY_H
#define SMART_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include "../core/fg_error.h"
#include "../core/fg_pool.h"
#include "../core/fg_str.h"
#include "../fhir/index.h"
#include "../fhir/search.h"
#include "../fhir/store.h"
#include "authdb_accounts.h"
#include "authdb_clients.h"
#include "authdb_grants.h"
#include "scope.h"

#define SMART_ACCESS_MAX_PATIENTS 32 /* patients a user/ scope may reach (own + proxies) */
#define SMART_POLICY_MAX_RULES 8
#define SMART_POLICY_MAX_INDIRECT 64 /* Provenance targets checked per resource */

/* ---- the access: what a verified token says ---- */

enum smart_access_kind {
    SMART_ACCESS_PATIENT, /* a launch patient is set (patient/ scopes reach it) */
    SMART_ACCESS_USER,    /* a signed-in user without launch patient */
    SMART_ACCESS_SYSTEM   /* neither: a backend service or operator token */
};

struct smart_access {
    enum smart_access_kind kind;
    char client_id[SMART_MAX_CLIENT_ID + 1];
    int64_t account_id;                          /* 0 = no signed-in user */
    char user_name[SMART_MAX_USERNAME + 1];      /* "" when none, or when the token holds no
                                                    user/ scope (local tokens: the account is
                                                    read only then; use account_id) */
    char patient_id[SMART_MAX_PATIENT_ID + 1];   /* launch patient; "" = none */
    char grant_id[SMART_GRANT_ID_SIZE];          /* "" for externally issued tokens */
    struct smart_scopes scopes;                  /* owned: the granted scopes */
    int64_t expires_at;                          /* seconds; 0 = unknown */
    /* The patients user/ scopes reach (own record first, then proxies);
     * filled by whoever verifies the token; portal rules may narrow it. */
    struct fg_str user_patients[SMART_ACCESS_MAX_PATIENTS]; /* borrowed from the builder's pool */
    size_t n_user_patients;
    struct fg_str launch_patient;                /* slice of patient_id (do not copy the struct) */
    /* The signed-in account's own Patient id when the token holds the
     * `fhirUser` scope (its id_token's fhirUser is Patient/<it>); borrowed,
     * empty otherwise. SMART's fhirUser scope is permission to retrieve the
     * current user, so a read ('r') of that Patient is visible whenever the
     * Patient type is granted for reading, even when the launch patient is
     * someone else (a proxy launch). Searches do not reach it. */
    struct fg_str fhir_user_patient;
    /* The Practitioner id when the signed-in account is a practitioner
     * account (EHR side); "" otherwise. A practitioner's user/ scopes reach
     * every patient (see smart_access_set_practitioner). */
    char practitioner_id[SMART_MAX_PATIENT_ID + 1];
    void *rule_state[SMART_POLICY_MAX_RULES];    /* per rule, from its prepare hook */
};

/* Embedded lifecycle. init zeroes and empties; cleanup frees the scopes. */
void smart_access_init(struct smart_access *a);
void smart_access_cleanup(struct smart_access *a);

/* Fills a (initialized, empty) from a token's facts: parses scopes, copies
 * ids (truncating nothing: too long is FG_EINVAL), derives kind from
 * patient_id / account_id. FG_EINVAL on malformed scopes (err says which).
 * On failure a stays empty. @test tests/unit/smart/policy_test.c */
enum fg_status smart_access_set(struct smart_access *a, struct fg_str client_id,
                                int64_t account_id, struct fg_str user_name,
                                struct fg_str patient_id, struct fg_str grant_id,
                                struct fg_str scopes, int64_t expires_at, struct fg_error *err);

/* Adds a patient user/ scopes reach (borrowed: must outlive a). Duplicates
 * are kept once. FG_ETOOBIG past SMART_ACCESS_MAX_PATIENTS. */
enum fg_status smart_access_add_user_patient(struct smart_access *a, struct fg_str patient_id);

/* Sets a->fhir_user_patient (borrowed: must outlive a) if a holds the
 * `fhirUser` scope and id is a FHIR id; otherwise leaves it empty. */
void smart_access_set_fhir_user(struct smart_access *a, struct fg_str patient_id);

/* Marks a as a practitioner account's access (Practitioner/<id> is its
 * fhirUser). Policy decision (documented in README "EHR launch"): the
 * user/ scopes of a practitioner reach every patient's compartment, like a
 * clinician's chart access in the EHR fhirgate fronts; patient/ scopes still
 * reach only the launch patient; types outside the compartment model
 * (SMART_TYPE_OTHER) stay system/-only. Portal rules do not apply to it
 * (smart/portal_rule.c). FG_EINVAL when id is not a FHIR id (a unchanged).
 * @test tests/unit/smart/policy_test.c */
enum fg_status smart_access_set_practitioner(struct smart_access *a, struct fg_str id);
/* Applies the fhirUser of an externally issued token (a claim: "Patient/x",
 * "Practitioner/x" or either as an absolute URL) as the local account
 * behind a local token would be: a Patient's user/ scopes reach that
 * patient (smart_access_add_user_patient, plus smart_access_set_fhir_user);
 * a Practitioner is a practitioner's access (smart_access_set_practitioner:
 * user/ scopes reach every patient). Either makes a a user's access (kind
 * SMART_ACCESS_USER unless a launch patient is set). Any other reference
 * type, or no id, leaves a unchanged. ref is borrowed (must outlive a).
 * FG_EINVAL for an id too long to hold, FG_ETOOBIG as add_user_patient.
 * @test tests/unit/smart/policy_test.c */
enum fg_status smart_access_set_fhir_user_ref(struct smart_access *a, struct fg_str ref);
/* The practitioner id, "" when a is not a practitioner's access (or NULL). */
const char *smart_access_practitioner_id(const struct smart_access *a);

/* Read-only accessors (what other modules use; NULL a gives empty/0). */
enum smart_access_kind smart_access_kind(const struct smart_access *a);
const char *smart_access_client_id(const struct smart_access *a);
int64_t smart_access_account_id(const struct smart_access *a);
const char *smart_access_user_name(const struct smart_access *a);
const char *smart_access_patient_id(const struct smart_access *a);
const char *smart_access_grant_id(const struct smart_access *a);
const struct smart_scopes *smart_access_scopes(const struct smart_access *a);

/* ---- resources as the policy sees them ---- */

/* One resource under decision: the stored version plus its JSON (parsed
 * on first use, or borrowed) and its index entries (extracted on first use
 * for granular scope matching, pool-owned). */
struct smart_policy_item {
    const struct fhir_resource *res; /* borrowed */
    const cJSON *json;               /* parsed or borrowed; NULL until needed */
    cJSON *owned;                    /* what the item parsed; freed by cleanup */
    bool parsed;                     /* json was looked at (may still be NULL) */
    struct fhir_index_entry *entries;
    size_t n_entries;
    bool indexed;
};

/* Embedded lifecycle; json (may be NULL) is borrowed when given, e.g. the
 * new content of a write. */
void smart_policy_item_init(struct smart_policy_item *it, const struct fhir_resource *res,
                            const cJSON *json);
void smart_policy_item_cleanup(struct smart_policy_item *it);
/* The parsed JSON (borrowed from the item), or NULL when it does not parse
 * or the version is a delete marker. */
const cJSON *smart_policy_item_json(struct smart_policy_item *it);

/* How the policy reads resources it depends on. read loads the current
 * version of type/id into out (pool-owned, compartment filled); FG_ENOTFOUND
 * or FG_EGONE when there is none. A NULL read means "nothing can be looked
 * up": indirect resources are then hidden. */
struct smart_policy_lookup {
    enum fg_status (*read)(void *arg, struct fg_pool *pool, struct fg_str type, struct fg_str id,
                           struct fhir_resource *out);
    void *arg;
};

/* ---- rules other issues add ---- */

struct smart_policy_rule {
    const char *name; /* static, for logs and errors */
    void *arg;        /* borrowed; the rule's own configuration */
    /* Optional. Called once per request after the access is built (before
     * any decision); may set *state (pool-owned, kept in a->rule_state) and
     * may narrow a (e.g. drop user_patients). A refusal (FG_EFORBIDDEN /
     * FG_EUNAUTH with err filled) ends the request. */
    enum fg_status (*prepare)(void *arg, struct smart_access *a, struct fg_pool *pool,
                              void **state, struct fg_error *err);
    /* Optional. Narrows a search (fhir_query_add_policy_param) so the store
     * drops what visible() would hide. Set *exact = false when visible()
     * may still hide matches the narrowing kept (totals are then omitted). */
    enum fg_status (*narrow)(void *arg, const struct smart_access *a, void *state,
                             struct fg_pool *pool, struct fhir_query *q, bool *exact,
                             struct fg_error *err);
    /* Optional. *visible = false hides the resource from a (reads answer 404,
     * searches, includes and history leave it out). Leave *visible alone to
     * keep it. Called only for resources the core policy shows. */
    enum fg_status (*visible)(void *arg, const struct smart_access *a, void *state,
                              char interaction, struct smart_policy_item *it, bool *visible);
    /* Optional. May a write (interaction 'c', 'u' or 'd') store `resource`
     * (NULL for delete)? FG_EFORBIDDEN with err filled to refuse. */
    enum fg_status (*check_write)(void *arg, const struct smart_access *a, void *state,
                                  char interaction, struct fg_str type, const cJSON *resource,
                                  struct fg_error *err);
};

/* The policy: the core rules plus registered hooks. Embedded; read-only
 * once the server runs (shared by all threads). */
struct smart_policy {
    struct smart_policy_rule rules[SMART_POLICY_MAX_RULES];
    size_t n_rules;
};

void smart_policy_init(struct smart_policy *p);

/* Registers a rule (copied; its arg is borrowed). FG_ETOOBIG past
 * SMART_POLICY_MAX_RULES. Call before the server starts. */
enum fg_status smart_policy_add_rule(struct smart_policy *p, const struct smart_policy_rule *r);

/* True when a rule may hide something from a: a rule without a prepare
 * hook always may; a rule with one may only when its prepare left a state
 * for a (contract: a rule whose prepare sets *state = NULL hides nothing
 * from that access, e.g. the portal rule for non-portal accesses). Callers
 * use it to keep exact counts (history totals) when no rule is at work. */
bool smart_policy_rules_active(const struct smart_policy *p, const struct smart_access *a);

/* Runs every rule's prepare hook on a. */
enum fg_status smart_policy_prepare(const struct smart_policy *p, struct smart_access *a,
                                    struct fg_pool *pool, struct fg_error *err);

/* ---- decisions ---- */

/* How a type is treated in patient/user context (see the top comment). */
enum smart_type_class {
    SMART_TYPE_COMPARTMENT, /* in the R4 Patient compartment */
    SMART_TYPE_PATIENT_REF, /* outside it but with a `patient` reference (Device):
                               confined by that parameter */
    SMART_TYPE_SHARED,      /* reference data with no patient in it */
    SMART_TYPE_PROVENANCE,  /* through its targets */
    SMART_TYPE_BINARY,      /* through its securityContext */
    SMART_TYPE_OTHER        /* only system/ scopes reach it */
};
enum smart_type_class smart_policy_type_class(struct fg_str type);

/* What a grants for one type and interaction. */
struct smart_policy_grant {
    enum smart_context ctx;                  /* the deciding context */
    bool everywhere;                         /* system/: no compartment confinement */
    const struct fg_str *patients;           /* else: the reached patients (borrowed from a) */
    size_t n_patients;
    struct smart_scope_filters filters;      /* granular filters (borrowed from a->scopes) */
};

/* May a perform interaction ('c' 'r' 'u' 'd' 's') on type at all? FG_OK fills
 * *g (may be NULL); FG_EFORBIDDEN (err: "... is not granted") when no scope
 * grants it, when the granting context reaches no patient, or when the type
 * is SMART_TYPE_OTHER outside system/. An empty type means system level
 * (history of every type): only a wildcard scope grants it.
 * @test tests/unit/smart/policy_test.c */
enum fg_status smart_policy_authorize(const struct smart_access *a, char interaction,
                                      struct fg_str type, struct smart_policy_grant *g,
                                      struct fg_error *err);

/* For operations that span types (Patient/$everything), which leave out
 * what is not granted instead of refusing: does a grant `interaction` on
 * type at all (*granted, as smart_policy_authorize), and does the deciding
 * grant reach patient's compartment (*reached: system/ reaches everyone; an
 * empty patient is reached whenever the type is granted)?
 * @test tests/unit/smart/policy_test.c */
void smart_policy_type_reach(const struct smart_access *a, char interaction, struct fg_str type,
                             struct fg_str patient, bool *granted, bool *reached);

/* Narrows a parsed search on q->type for a: confines it to the reached
 * compartments (fhir_query_restrict_compartment), adds the granular scopes
 * as store-side filters when they can be written as one parameter's OR
 * list, then runs the rules' narrow hooks. *exact = true when the store's
 * answer (and its total) needs no further filtering by the policy.
 * FG_EFORBIDDEN when the type is not granted for 's'. */
enum fg_status smart_policy_narrow(const struct smart_policy *p, const struct smart_access *a,
                                   struct fg_pool *pool, struct fhir_query *q, bool *exact,
                                   struct fg_error *err);

/* THE visibility decision for one resource: *visible says whether a may see
 * it under interaction ('r' for reads and history, 's' for search matches,
 * 'i' for included resources: 'r' or 's'). Core rules first (type grant,
 * compartment, granular filter match, indirect types through lookup), then
 * every rule's visible hook. A deleted version (history) is judged by the
 * compartment the store gives it. FG_ENOMEM / FG_EIO from lookups.
 * @test tests/unit/smart/policy_test.c */
enum fg_status smart_policy_visible(const struct smart_policy *p, const struct smart_access *a,
                                    char interaction, struct smart_policy_item *it,
                                    const struct smart_policy_lookup *lk, struct fg_pool *pool,
                                    bool *visible);

/* Drops from res[0..*n) what smart_policy_visible hides, keeping order.
 * *removed (may be NULL) counts the dropped ones. */
enum fg_status smart_policy_filter(const struct smart_policy *p, const struct smart_access *a,
                                   char interaction, struct fhir_resource *res, size_t *n,
                                   const struct smart_policy_lookup *lk, struct fg_pool *pool,
                                   size_t *removed);

/* May a write: interaction 'c' (create), 'u' (update) or 'd' (delete)?
 * `resource` is the new content (NULL for delete), `current` the stored
 * version it replaces (NULL when there is none). Both must be visible to a
 * under the write interaction (so a patient/ write lands only in the
 * patient's compartment, inside the granted categories), then the rules'
 * check_write hooks run. FG_EFORBIDDEN with err filled to refuse.
 * @test tests/unit/smart/policy_test.c */
enum fg_status smart_policy_check_write(const struct smart_policy *p,
                                        const struct smart_access *a, char interaction,
                                        struct fg_str type, const cJSON *resource,
                                        const struct fhir_resource *current,
                                        const struct smart_policy_lookup *lk,
                                        struct fg_pool *pool, struct fg_error *err);

#endif
