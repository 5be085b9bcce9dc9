/* authz_launch.c - the EHR launch at /auth/authorize (SMART App Launch 2.2
 * "EHR launch"): the `launch` parameter names a launch context the portal
 * or an operator made (smart/authdb_launch.h). It is taken (single use)
 * when the request is validated; the patient and encounter then come from
 * it (no picker), and only the user it was made for may approve it: the
 * browser must be signed in as that user (a different signed-in user gets
 * the sign-in form again), because a launch URL can leak (history,
 * referrers) and must not let anyone else open the record. The consent page
 * is still shown. A request without `launch` is a standalone launch and
 * cannot get the `launch` scope (so a granted `launch` scope means an EHR
 * launch, which the token response relies on).
 * https://hl7.org/fhir/smart-app-launch/app-launch.html#launch-app-ehr-launch
 */
#include "authz.h"

#include <openssl/crypto.h>
#include <string.h>

#include "auth_issue.h"
#include "ehr_launch.h"
#include "server.h"

/* scopes without the word (in place; the string is canonical, space-separated). */
static void drop_word(char *scopes, const char *word)
{
    size_t wl = strlen(word);
    char *p = scopes;
    while (*p) {
        char *end = strchr(p, ' ');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == wl && memcmp(p, word, wl) == 0) {
            char *rest = end ? end + 1 : p + len;
            memmove(p, rest, strlen(rest) + 1);
            if (!*p && p > scopes)
                p[-1] = '\0'; /* it was the last word: drop the space before it */
            continue;
        }
        p += len + (end != NULL);
    }
}

const char *authz_launch_take(struct authz_ctx *c, const char *client_id, char *scopes,
                              struct smart_launch *out)
{
    memset(out, 0, sizeof *out);
    struct fg_str id = authz_param(c, "launch");
    if (!id.ptr) {
        drop_word(scopes, "launch");
        return scopes[0] ? NULL : "invalid_scope";
    }
    if (!fg_scope_has(scopes, "launch"))
        return "invalid_scope"; /* an EHR launch asks for the `launch` scope */
    enum fg_status st = smart_authdb_launch_consume(c->db, id, fg_str_c(client_id), out);
    if (st == FG_OK)
        return NULL;
    /* unknown, expired, used or another app's launch: the request is invalid */
    return st == FG_ENOTFOUND || st == FG_EGONE || st == FG_ECONFLICT || st == FG_EFORBIDDEN
               ? "invalid_request"
               : "server_error";
}

/* May the signed-in account open the launch's patient? The launchers'
 * rule (ehr_launch.h), checked again now: a proxy may have ended since. */
static bool patient_ok(struct authz_ctx *c, const struct smart_authz_request *r)
{
    struct fg_server *srv = c->req->srv;
    struct fg_portal_env env = {&srv->cfg, fg_clock_now_us(&srv->clock), srv->store,
                                srv->portal_births};
    return fg_ehr_launch_may_open(c->db, c->req->pool, &env, c->session.account_id,
                                  r->patient_id) == FG_OK;
}

bool authz_launch_ready(struct authz_ctx *c, const struct smart_authz_request *r)
{
    return c->session.account_id != 0 && c->session.account_id == r->launch_account &&
           patient_ok(c, r);
}

enum fg_status authz_launch_step(struct authz_ctx *c, const struct smart_authz_request *r)
{
    const char *app = authz_client_name(c, r->client_id);
    if (c->session.account_id == 0)
        return authz_page_signin(c, r, app, FG_MSG_COUNT);
    if (c->session.account_id != r->launch_account)
        return authz_page_signin(c, r, app, FG_MSG_LAUNCH_OTHER_USER);
    if (!patient_ok(c, r))
        return authz_page_error(c, 403, FG_MSG_LAUNCH_NO_ACCESS);
    const char *who = r->patient_id[0] ? authz_patient_name(c, r->patient_id)
                                       : fg_i18n(c->lang, FG_MSG_LAUNCH_NO_PATIENT);
    return authz_page_consent(c, r, app, who, false);
}
