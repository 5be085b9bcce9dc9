/* portal_rule.h - the portal rules (portal.h) as a policy rule (policy.h).
 *
 * Once per request (prepare) the view of every patient the access reaches
 * is derived afresh from today's date: the launch patient, and each of the
 * patients user/ scopes reach. Nothing is cached across requests, so a
 * birthday, an expiry or a revocation changes what existing grants and
 * tokens see on the next request.
 *  - Access without a signed-in portal account (system tokens, tokens an
 *    operator issued with `fhirgate token issue` without --user, external
 *    tokens not mapped to an account): no portal rule applies. The rules
 *    are about what a person may see of a record; apps reach a patient's
 *    record through /authorize, where the person always signs in.
 *  - A signed-in account: SMART_VIEW_SELF for its own record, else the
 *    widest view any of its proxies for that patient gives today.
 *    A launch patient whose view is NONE ends the request with 403
 *    ("may no longer act for this patient"); user/ patients whose view is
 *    NONE are dropped from the access.
 * Per resource (visible): a resource in the compartment of a reached
 * patient is hidden unless smart_portal_check shows it under that
 * patient's view (any one of them suffices). Resources in no reached
 * compartment (shared data, Provenance, Binary) are left to the core. A
 * delete marker (history) has no content to judge: only a full or self view
 * sees it.
 * Searches (narrow): when every reached patient has the same view, a
 * limited view narrows the query in the store (classes, growth codes,
 * `_security:not=`), so totals stay exact; release and old-note rules are
 * applied by filtering, so searches of Observation, DiagnosticReport and
 * DocumentReference are marked inexact (the core then omits totals).
 * Writes (check_write): under a limited view only the limited classes,
 * never labelled confidential, may be written.
 */
#ifndef SMART_PORTAL_RULE_H
#define SMART_PORTAL_RULE_H

#include "../core/fg_clock.h"
#include "policy.h"
#include "portal.h"

/* Where the facts come from (the gateway: auth db and record store).
 * facts: FG_ENOTFOUND for an unknown account. birth_date: the Patient's
 * birthDate (pool-owned) or an empty slice when unknown or no Patient. */
struct smart_portal_source {
    enum fg_status (*facts)(void *arg, int64_t account_id, struct smart_portal_facts *out);
    enum fg_status (*birth_date)(void *arg, struct fg_pool *pool, struct fg_str patient_id,
                                 struct fg_str *out);
    void *arg;
};

/* The rule's configuration: borrowed by the rule, must outlive the policy. */
struct smart_portal_rule_cfg {
    struct smart_portal_settings settings;
    const struct fg_clock *clock; /* borrowed */
    struct smart_portal_source source;
};

/* Fills *out with the rule (name "portal"); cfg is borrowed. */
void smart_portal_rule(const struct smart_portal_rule_cfg *cfg, struct smart_policy_rule *out);

#endif
