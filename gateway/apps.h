/* apps.h - the management endpoint (/auth/apps, advertised as SMART
 * management_endpoint): the patient's "Linked apps" and "Who can see my
 * record" pages, and the same as a JSON API for patient-built apps.
 *
 * Pages (HTML, no JavaScript, en/es): the same browser session, sign-in
 * (lockout rules) and 15-minute idle timeout as /auth/authorize
 * (authz.h); every POST carries the session's CSRF token (403 otherwise)
 * and answers 303 back to the page (post/redirect/get). For the signed-in
 * user's own record and each patient they act for: every app with access
 * (name, permissions in plain language, authorized on, last used, counts
 * of what it read and wrote by record type from the audit log, the newest
 * accesses and a link to all of them), a "Revoke access" button per app,
 * and revoked apps under "Revoked" with the date. "Who can see my record":
 * the proxies on the user's own record (shown from age 13), with removal
 * of adult proxies (which also revokes the grants that proxy gave apps for
 * this record).
 *
 * A revocation is smart_authdb_grant_revoke: committed, then the shared
 * revocation epoch moves, so every process refuses the app's tokens on
 * their next use (smart/authdb_grants.h, core/fg_epoch.h).
 *
 * JSON API (bearer token of the user's own app; scopes FG_APPS_SCOPE_READ
 * to list, FG_APPS_SCOPE_REVOKE to revoke, patient/ or user/ context):
 *   GET  /auth/apps/api/grants            {"grants":[{id, consent, client_id,
 *        client_name, patient, scopes, status, granted_at, last_used_at,
 *        expires_at, revoked_at, revoked_by}]} (times: FHIR instants)
 *   POST /auth/apps/api/revoke  grant=ID  (form) → the revoked grant
 * @test tests/integration/linked-apps.test.mjs
 */
#ifndef FG_APPS_H
#define FG_APPS_H

#include "../smart/authdb_grants.h"
#include "authz.h"

#define FG_APPS_PATH "/auth/apps"
#define FG_APPS_ACTIVITY_PATH "/auth/apps/activity"
#define FG_APPS_SCOPE_READ "Consent.rs" /* as patient/Consent.rs or user/Consent.rs */
#define FG_APPS_SCOPE_REVOKE "Consent.u"
#define FG_APPS_NEWEST 5 /* accesses listed per app on the main page */

/* Route handlers (auth_routes.c). */
enum fg_status fg_apps_get(struct fg_req *req);
enum fg_status fg_apps_post(struct fg_req *req);
enum fg_status fg_apps_activity(struct fg_req *req);
enum fg_status fg_apps_api_list(struct fg_req *req);
enum fg_status fg_apps_api_revoke(struct fg_req *req);

/* ---- internal to apps*.c ---- */

/* The signed-in user and the records they may manage. */
struct apps_view {
    struct authz_ctx *c;
    int64_t account_id;
    struct authz_patient pts[FG_AUTHZ_MAX_PATIENTS]; /* own record first (self) */
    size_t n;
    enum fg_msg notice; /* FG_MSG_COUNT = none */
};

/* Fills v for the account (patients and their names). */
void apps_view_load(struct apps_view *v, struct authz_ctx *c, int64_t account_id);
/* May v's user revoke g: its patient is one v acts for, or v's user made it. */
bool apps_may_manage(const struct apps_view *v, const struct smart_grant *g);
/* Revokes g (already checked) on behalf of v's user, and audits it. */
enum fg_status apps_revoke(struct apps_view *v, const struct smart_grant *g);

/* apps_launch.c: "Open an app" (the portal as EHR launcher). The section
 * lists apps with a launch URI and a form per app; apps_open answers the
 * form's POST (action=open, client, patient) with a 303 to the launch URL. */
enum fg_status apps_open_section(struct apps_view *v, struct fg_buf *b);
enum fg_status apps_open(struct apps_view *v);

/* apps_pages.c */
enum fg_status apps_page_signin(struct authz_ctx *c, enum fg_msg notice);
enum fg_status apps_page_main(struct apps_view *v);
enum fg_status apps_page_activity(struct apps_view *v, const struct smart_grant *g);

#endif
