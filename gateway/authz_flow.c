/* authz_flow.c - the /auth/authorize handlers: session cookie, page
 * dispatch by step, and the actions (sign-in with lockout, patient pick,
 * allow → grant + code, deny). Portal rules: /work/shared/docs/portal-rules.md. */
#include "authz.h"

#include <cJSON.h>
#include <openssl/crypto.h>
#include <string.h>

#include "../core/fg_limits.h"
#include "../fhir/store.h"
#include "../smart/authdb_codes.h"
#include "../smart/authdb_grants.h"
#include "../smart/password.h"
#include "audit_req.h"
#include "auth.h"
#include "authz_consent.h"
#include "portal.h"
#include "server.h"

#define FORM_MAX_PAIRS 256

/* The fg_sid cookie value from the Cookie header, or an empty slice. */
static struct fg_str cookie_value(const struct fg_req *req)
{
    const char *h = fg_req_header(req, "Cookie");
    struct fg_str rest = fg_str_c(h ? h : ""), item, name, value;
    while (rest.len) {
        fg_str_split(rest, ';', &item, &rest);
        if (fg_str_split(fg_str_trim(item), '=', &name, &value) &&
            fg_str_eq_c(fg_str_trim(name), FG_AUTHZ_COOKIE))
            return fg_str_trim(value);
    }
    return fg_str_n("", 0);
}

void authz_load_session(struct authz_ctx *c)
{
    struct fg_str id = cookie_value(c->req);
    if (id.len != SMART_TOKEN_CHARS)
        return;
    if (smart_authdb_session_get(c->db, id, 0, &c->session) == FG_OK) {
        c->have_session = true;
        memcpy(c->session_id, id.ptr, id.len);
        c->session_id[id.len] = '\0';
    }
}

void authz_pick_lang(struct authz_ctx *c)
{
    const char *al = fg_req_header(c->req, "Accept-Language");
    enum fg_lang l;
    c->lang = fg_lang_negotiate(fg_str_c(al ? al : ""));
    if (c->have_session && fg_lang_from_code(fg_str_c(c->session.lang), &l))
        c->lang = l;
    struct fg_str asked = authz_param(c, "lang");
    if (asked.len && fg_lang_from_code(asked, &l)) {
        c->lang = l;
        if (c->have_session)
            smart_authdb_session_set_lang(c->db, fg_str_c(c->session.digest),
                                          fg_str_c(fg_i18n(l, FG_MSG_HTML_LANG)));
    }
}

enum fg_status authz_ctx_begin(struct authz_ctx *c, struct fg_req *req, bool post,
                               size_t max_pairs, bool *answered)
{
    struct fg_error err;
    memset(c, 0, sizeof *c);
    c->req = req;
    c->params = req->query;
    c->n_params = req->n_query;
    *answered = true;
    if (!req->srv->auth)
        return fg_error_set(&req->err, FG_ENOTFOUND, NULL, "no authorization server configured");
    if (post && fhir_form_parse(req->pool, fg_buf_str(&req->body), max_pairs, &c->params,
                                &c->n_params, &err) != FG_OK) {
        c->lang = FG_LANG_EN;
        return authz_page_error(c, 400, FG_MSG_ERR_INTERNAL);
    }
    c->db = fg_auth_acquire(req->srv->auth);
    authz_load_session(c);
    authz_pick_lang(c);
    *answered = false;
    return FG_OK;
}

enum fg_status authz_ctx_end(struct authz_ctx *c, enum fg_status st)
{
    fg_auth_release(c->req->srv->auth, c->db);
    c->db = NULL;
    if (st != FG_OK && c->req->resp.status == 0)
        st = authz_page_error(c, 500, FG_MSG_ERR_INTERNAL);
    return st;
}

const char *authz_client_name(struct authz_ctx *c, const char *client_id)
{
    struct smart_client cl;
    const char *name = client_id;
    if (smart_authdb_client_get(c->db, fg_str_c(client_id), &cl) == FG_OK) {
        name = fg_pool_strdup(c->req->pool, cl.name ? cl.name : client_id);
        smart_client_cleanup(&cl);
    }
    return name ? name : client_id;
}

/* "Given Family" (or name.text) of Patient/id from the FHIR store; the id when unknown. */
const char *authz_patient_name(struct authz_ctx *c, const char *id)
{
    struct fhir_resource res;
    struct fg_error err;
    const char *out = id;
    if (!c->req->srv->store ||
        fhir_store_read(c->req->srv->store, c->req->pool, fg_str_c("Patient"), fg_str_c(id), &res,
                        &err) != FG_OK)
        return out;
    cJSON *doc = cJSON_ParseWithLength(res.json.ptr, res.json.len);
    cJSON *name = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(doc, "name"), 0);
    cJSON *text = cJSON_GetObjectItemCaseSensitive(name, "text");
    cJSON *given = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(name, "given"), 0);
    cJSON *family = cJSON_GetObjectItemCaseSensitive(name, "family");
    if (cJSON_IsString(text))
        out = fg_pool_strdup(c->req->pool, text->valuestring);
    else if (cJSON_IsString(given) || cJSON_IsString(family))
        out = fg_pool_printf(c->req->pool, "%s%s%s",
                             cJSON_IsString(given) ? given->valuestring : "",
                             cJSON_IsString(given) && cJSON_IsString(family) ? " " : "",
                             cJSON_IsString(family) ? family->valuestring : "");
    cJSON_Delete(doc);
    return out ? out : id;
}

/* The patients the signed-in account may act for today: its own record, then
 * proxies in force, leaving out those the portal rules give no view of (a
 * child proxy after the 18th birthday, an adult proxy past 5 years, an own
 * account under 13). */
size_t authz_patients_for(struct authz_ctx *c, struct authz_patient *out)
{
    struct smart_account acc;
    struct smart_proxy px[FG_AUTHZ_MAX_PATIENTS];
    size_t n = 0, np = 0;
    if (smart_authdb_account_get_by_id(c->db, c->session.account_id, &acc) != FG_OK)
        return 0;
    OPENSSL_cleanse(acc.password_hash, sizeof acc.password_hash);
    if (acc.patient_id[0]) {
        memcpy(out[n].id, acc.patient_id, sizeof out[n].id);
        out[n++].self = true;
    }
    if (smart_authdb_proxies_for_account(c->db, acc.id, px, FG_AUTHZ_MAX_PATIENTS - 1, &np) !=
        FG_OK)
        np = 0;
    for (size_t i = 0; i < np && n < FG_AUTHZ_MAX_PATIENTS; i++) {
        bool dup = false;
        for (size_t k = 0; k < n; k++)
            dup = dup || strcmp(out[k].id, px[i].patient_id) == 0;
        if (dup)
            continue;
        memcpy(out[n].id, px[i].patient_id, sizeof out[n].id);
        out[n++].self = false;
    }
    size_t kept = 0;
    for (size_t i = 0; i < n; i++)
        if (fg_portal_view(c->req->srv, c->db, c->req->pool, acc.id, fg_str_c(out[i].id)) !=
            SMART_VIEW_NONE)
            out[kept++] = out[i];
    n = kept;
    for (size_t i = 0; i < n; i++)
        out[i].name = authz_patient_name(c, out[i].id);
    return n;
}

static enum fg_status show_step(struct authz_ctx *c, struct smart_authz_request *r)
{
    if (r->launch_account)
        return authz_launch_step(c, r);
    if (c->session.account_id == 0)
        return authz_page_signin(c, r, authz_client_name(c, r->client_id), FG_MSG_COUNT);
    if (!r->patient_id[0]) {
        struct authz_patient pts[FG_AUTHZ_MAX_PATIENTS];
        size_t n = authz_patients_for(c, pts);
        if (n == 0)
            return authz_page_error(c, 403, FG_MSG_ERR_INTERNAL);
        if (n > 1)
            return authz_page_picker(c, r, pts, n, false);
        memcpy(r->patient_id, pts[0].id, sizeof r->patient_id);
        smart_authdb_authzreq_set_patient(c->db, fg_str_c(r->id), fg_str_c(r->patient_id));
    }
    return authz_page_consent(c, r, authz_client_name(c, r->client_id), authz_patient_name(c, r->patient_id),
                              false);
}

static enum fg_status back_to_page(struct authz_ctx *c, const struct smart_authz_request *r)
{
    char *loc = fg_pool_printf(c->req->pool, "%s?req=%s", FG_AUTHZ_PATH, r->id);
    return loc ? authz_see_other(c, loc) : FG_ENOMEM;
}

/* The user name, password and lockout check shared by every sign-in form;
 * audits the outcome (signin, signin-failed, lockout). FG_MSG_COUNT on
 * success with *account_id set, else the message to show. */
enum fg_msg authz_signin_verify(struct authz_ctx *c, const char *client_id, int64_t *account_id)
{
    struct smart_account acc;
    struct smart_signin_state state = {0};
    bool match = false;
    struct fg_str pw = authz_param(c, "password");
    struct fg_audit_who who = {.client_id = client_id};
    if (smart_authdb_account_get(c->db, authz_param(c, "username"), &acc) != FG_OK) {
        smart_password_verify(pw, NULL, &match); /* same cost as a wrong password */
        fg_audit_auth_event(c->req, SMART_AUDIT_SIGNIN_FAILED, 401, &who);
        return FG_MSG_BAD_CREDENTIALS;
    }
    who.account_id = acc.id;
    who.username = acc.username;
    who.patient_id = acc.patient_id;
    enum fg_msg out = FG_MSG_COUNT;
    if (smart_authdb_account_signin_state(c->db, acc.id, &state) == FG_OK && state.locked) {
        smart_password_verify(pw, NULL, &match);
        out = FG_MSG_LOCKED;
        goto out;
    }
    smart_password_verify(pw, acc.password_hash, &match);
    if (smart_authdb_account_record_signin(c->db, acc.id, match, &state) != FG_OK)
        out = FG_MSG_ERR_INTERNAL;
    else if (state.locked)
        out = FG_MSG_LOCKED;
    else if (!match)
        out = FG_MSG_BAD_CREDENTIALS;
out:
    fg_audit_auth_event(c->req,
                        out == FG_MSG_COUNT    ? SMART_AUDIT_SIGNIN
                        : out == FG_MSG_LOCKED ? SMART_AUDIT_LOCKOUT
                                               : SMART_AUDIT_SIGNIN_FAILED,
                        out == FG_MSG_COUNT ? 200 : 401, &who);
    *account_id = acc.id;
    OPENSSL_cleanse(&acc, sizeof acc);
    return out;
}

enum fg_status authz_signin_rotate(struct authz_ctx *c, int64_t account_id)
{
    /* a new session id at sign-in (no fixation); requests move with it */
    char old[SMART_DIGEST_SIZE];
    memcpy(old, c->session.digest, sizeof old);
    enum fg_status st = smart_authdb_session_rotate(c->db, fg_str_c(old), account_id,
                                                    c->session_id, &c->session);
    return st == FG_OK ? authz_set_cookie(c) : st;
}

static enum fg_status do_signin(struct authz_ctx *c, struct smart_authz_request *r)
{
    int64_t account_id = 0;
    enum fg_msg m = authz_signin_verify(c, r->client_id, &account_id);
    if (m == FG_MSG_ERR_INTERNAL)
        return authz_page_error(c, 500, FG_MSG_ERR_INTERNAL);
    if (m != FG_MSG_COUNT)
        return authz_page_signin(c, r, authz_client_name(c, r->client_id), m);
    if (authz_signin_rotate(c, account_id) != FG_OK)
        return authz_page_error(c, 500, FG_MSG_ERR_INTERNAL);
    return back_to_page(c, r);
}

static enum fg_status do_pick(struct authz_ctx *c, struct smart_authz_request *r)
{
    if (r->launch_account)
        return show_step(c, r); /* the launch fixed the patient */
    struct authz_patient pts[FG_AUTHZ_MAX_PATIENTS];
    size_t n = authz_patients_for(c, pts);
    struct fg_str chosen = authz_param(c, "patient");
    for (size_t i = 0; i < n; i++)
        if (fg_str_eq_c(chosen, pts[i].id)) {
            if (smart_authdb_authzreq_set_patient(c->db, fg_str_c(r->id), chosen) != FG_OK)
                return authz_page_error(c, 500, FG_MSG_ERR_INTERNAL);
            return back_to_page(c, r);
        }
    return authz_page_picker(c, r, pts, n, true);
}

/* The granted scope string from the checked boxes (only offered strings). */
static enum fg_status granted_scopes(struct authz_ctx *c, const struct smart_authz_request *r,
                                     struct fg_buf *out)
{
    struct smart_scopes s;
    struct fg_consent_list *l = fg_pool_alloc(c->req->pool, sizeof *l);
    struct fg_str *vals = fg_pool_alloc(c->req->pool, (c->n_params + 1) * sizeof *vals);
    size_t n = 0;
    if (!l || !vals)
        return FG_ENOMEM;
    smart_scopes_init(&s);
    enum fg_status st = smart_scopes_parse(fg_str_c(r->scopes), &s, NULL);
    if (st == FG_OK)
        st = fg_consent_build(&s, c->lang, l);
    smart_scopes_cleanup(&s);
    for (size_t i = 0; i < c->n_params; i++)
        if (fg_str_eq_c(c->params[i].name, "scope"))
            vals[n++] = c->params[i].value;
    return st == FG_OK ? fg_consent_granted(l, vals, n, out) : st;
}

/* Stores the grant and a 60-second code bound to everything; code_out gets the code. */
static enum fg_status issue_code(struct authz_ctx *c, const struct smart_authz_request *r,
                                 const char *scopes, char code_out[SMART_TOKEN_SIZE])
{
    struct smart_grant g;
    struct smart_code code;
    memset(&g, 0, sizeof g);
    memset(&code, 0, sizeof code);
    g.account_id = c->session.account_id;
    memcpy(g.patient_id, r->patient_id, sizeof g.patient_id);
    memcpy(g.encounter_id, r->encounter_id, sizeof g.encounter_id);
    memcpy(g.fhir_context, r->fhir_context, sizeof g.fhir_context);
    memcpy(g.client_id, r->client_id, sizeof g.client_id);
    g.scopes = (char *)scopes;
    enum fg_status st = smart_authdb_begin_write(c->db);
    if (st != FG_OK)
        return st;
    st = smart_authdb_grant_add(c->db, &g);
    if (st == FG_OK)
        st = smart_token_new(code_out);
    if (st == FG_OK) {
        smart_token_digest(fg_str_c(code_out), code.digest);
        memcpy(code.client_id, r->client_id, sizeof code.client_id);
        code.redirect_uri = r->redirect_uri;
        memcpy(code.code_challenge, r->code_challenge, sizeof code.code_challenge);
        code.scopes = (char *)scopes;
        memcpy(code.patient_id, r->patient_id, sizeof code.patient_id);
        code.account_id = c->session.account_id;
        memcpy(code.grant_id, g.id, sizeof code.grant_id);
        code.nonce = r->nonce;
        code.expires_at = fg_clock_now_s(smart_authdb_clock(c->db)) + SMART_CODE_MAX_LIFETIME_S;
        st = smart_authdb_code_add(c->db, &code);
    }
    if (st == FG_OK)
        st = smart_authdb_authzreq_delete(c->db, fg_str_c(r->id));
    if (st == FG_OK)
        memcpy(c->grant_id, g.id, sizeof c->grant_id);
    if (st == FG_OK)
        return smart_authdb_commit(c->db);
    smart_authdb_rollback(c->db);
    return st;
}

static enum fg_status do_allow(struct authz_ctx *c, struct smart_authz_request *r)
{
    struct fg_buf scopes;
    char code[SMART_TOKEN_SIZE];
    bool ready = r->launch_account ? authz_launch_ready(c, r)
                                   : c->session.account_id != 0 && r->patient_id[0];
    if (!ready)
        return show_step(c, r);
    fg_buf_init(&scopes, FG_MAX_SCOPE_BYTES);
    enum fg_status st = granted_scopes(c, r, &scopes);
    if (st == FG_ENOTFOUND) {
        fg_buf_cleanup(&scopes);
        return authz_page_consent(c, r, authz_client_name(c, r->client_id),
                                  r->patient_id[0] ? authz_patient_name(c, r->patient_id)
                                                   : fg_i18n(c->lang, FG_MSG_LAUNCH_NO_PATIENT),
                                  true);
    }
    if (st == FG_OK)
        st = fg_buf_append_char(&scopes, '\0');
    if (st == FG_OK)
        st = issue_code(c, r, scopes.data, code);
    fg_buf_cleanup(&scopes);
    if (st == FG_EINVAL)
        return authz_page_error(c, 400, FG_MSG_ERR_CSRF);
    if (st != FG_OK)
        return authz_page_error(c, 500, FG_MSG_ERR_INTERNAL);
    st = authz_redirect_app(c, r->redirect_uri, "code", code, r->state);
    OPENSSL_cleanse(code, sizeof code);
    struct fg_audit_who who = {.client_id = r->client_id, .account_id = c->session.account_id,
                               .patient_id = r->patient_id, .grant_id = c->grant_id};
    fg_audit_auth_event(c->req, SMART_AUDIT_GRANT, 302, &who);
    return st;
}

static enum fg_status do_action(struct authz_ctx *c, struct smart_authz_request *r)
{
    struct fg_str action = authz_param(c, "action");
    if (fg_str_eq_c(action, "signin"))
        return do_signin(c, r);
    if (c->session.account_id == 0)
        return show_step(c, r);
    if (fg_str_eq_c(action, "pick"))
        return do_pick(c, r);
    if (fg_str_eq_c(action, "allow"))
        return do_allow(c, r);
    if (fg_str_eq_c(action, "deny")) {
        struct fg_audit_who who = {.client_id = r->client_id, .account_id = c->session.account_id,
                                   .patient_id = r->patient_id};
        fg_audit_auth_event(c->req, SMART_AUDIT_DENY, 302, &who);
        smart_authdb_authzreq_delete(c->db, fg_str_c(r->id));
        return authz_redirect_app(c, r->redirect_uri, "error", "access_denied", r->state);
    }
    return show_step(c, r);
}

/* A page of a stored request: show its step (GET) or run an action (POST). */
static enum fg_status continue_request(struct authz_ctx *c, bool post)
{
    struct smart_authz_request r;
    if (post && !authz_csrf_ok(c))
        return authz_page_error(c, 403, FG_MSG_ERR_CSRF);
    if (!c->have_session || smart_authdb_authzreq_get(c->db, authz_param(c, "req"),
                                                      fg_str_c(c->session.digest), &r) != FG_OK)
        return authz_page_error(c, 400, FG_MSG_ERR_EXPIRED);
    enum fg_status st = post ? do_action(c, &r) : show_step(c, &r);
    smart_authz_request_cleanup(&r);
    return st;
}

static enum fg_status handle(struct fg_req *req, bool post)
{
    struct authz_ctx c;
    bool answered;
    enum fg_status begun = authz_ctx_begin(&c, req, post, FORM_MAX_PAIRS, &answered);
    if (answered)
        return begun;
    bool start = authz_param(&c, "client_id").ptr || !authz_param(&c, "req").ptr;
    return authz_ctx_end(&c, start ? authz_start(&c) : continue_request(&c, post));
}

enum fg_status fg_authz_get(struct fg_req *req)
{
    return handle(req, false);
}

enum fg_status fg_authz_post(struct fg_req *req)
{
    return handle(req, true);
}
