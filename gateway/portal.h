/* portal.h - the gateway's side of the portal rules (smart/portal.h): the
 * facts the rules need, read from the auth database and the record store,
 * and the view an account has of a patient today (the authorize flow's
 * patient picker, sign-up, and the policy rule's source).
 * Rules: /work/shared/docs/portal-rules.md.
 */
#ifndef FG_PORTAL_H
#define FG_PORTAL_H

#include "../smart/authdb.h"
#include "../smart/portal.h"
#include "../smart/portal_rule.h"
#include "portal_births.h"
#include "server.h"

/* Patient/id's birthDate from the store, pool-owned, into *out; an empty
 * slice when there is no such Patient or it has no birthDate. Cached by
 * the store's change marker (portal_births.h). FG_ENOMEM / FG_EIO for
 * failures. */
enum fg_status fg_portal_birth_date(struct fg_server *srv, struct fg_pool *pool,
                                    struct fg_str patient_id, struct fg_str *out);

/* The account's own patient and its live proxy relations into *out,
 * cached per connection by the revocation epoch (smart/authdb_portalcache.h).
 * FG_ENOTFOUND for an unknown account. */
enum fg_status fg_portal_facts(struct smart_authdb *db, int64_t account_id,
                               struct smart_portal_facts *out);

/* The view account_id has of patient_id at the server's clock, with the
 * server's settings (SMART_VIEW_NONE on any failure).
 * @test tests/integration/portal-picker.test.mjs */
enum smart_portal_view fg_portal_view(struct fg_server *srv, struct smart_authdb *db,
                                      struct fg_pool *pool, int64_t account_id,
                                      struct fg_str patient_id);

/* What a view is derived from, for callers without a running server
 * (`fhirgate launch`): the portal settings of cfg, the time, the store the
 * birthDates come from, and their cache (NULL = read every time). */
struct fg_portal_env {
    const struct fg_config *cfg;
    int64_t now_us;
    struct fhir_store *store;
    struct fg_portal_births *births;
};

/* fg_portal_view with its parts given; fg_portal_view is this with the
 * server's. SMART_VIEW_NONE on any failure.
 * @test tests/integration/smart-ehr-launch.test.mjs */
enum smart_portal_view fg_portal_view_env(const struct fg_portal_env *env, struct smart_authdb *db,
                                          struct fg_pool *pool, int64_t account_id,
                                          struct fg_str patient_id);

/* Fills srv->portal_rule (settings from srv->cfg, the server's clock, the
 * auth db and store as the source of facts) and registers the portal rule
 * into p. srv must outlive p; srv->auth and srv->store are read at request
 * time, so they may be set after this call. Creates srv->portal_births
 * (freed by fg_server_cleanup). FG_ETOOBIG when p is full, FG_ENOMEM. */
enum fg_status fg_portal_rule_register(struct fg_server *srv, struct smart_policy *p);

#endif
