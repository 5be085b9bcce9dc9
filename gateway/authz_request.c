/* authz_request.c - validating a new authorize request (RFC 6749 §4.1.1,
 * §4.1.2.1; SMART App Launch 2.2 aud and PKCE S256 rules) and the
 * redirects and cookie of the flow. */
#include "authz.h"

#include <string.h>

#include "../core/fg_limits.h"
#include "../core/fg_mem.h"
#include "../smart/authdb_clients.h"
#include "../smart/pkce.h"
#include "audit_req.h"
#include "auth.h"
#include "authz_csrf.h"
#include "server.h"

struct fg_str authz_param(const struct authz_ctx *c, const char *name)
{
    for (size_t i = 0; i < c->n_params; i++)
        if (fg_str_eq_c(c->params[i].name, name))
            return c->params[i].value;
    return FG_STR_NULL;
}

size_t authz_param_count(const struct authz_ctx *c, const char *name)
{
    size_t n = 0;
    for (size_t i = 0; i < c->n_params; i++)
        n += fg_str_eq_c(c->params[i].name, name);
    return n;
}

bool authz_csrf_ok(const struct authz_ctx *c)
{
    return c->have_session && authz_param_count(c, "csrf") == 1 &&
           fg_authz_csrf_ok(c->session.csrf, authz_param(c, "csrf"));
}

enum fg_status authz_see_other(struct authz_ctx *c, const char *location)
{
    fg_resp_set(c->req, 303, "text/plain; charset=utf-8", fg_str_c(""));
    return fg_resp_header(c->req, "Location", location);
}

enum fg_status authz_redirect_app(struct authz_ctx *c, const char *redirect_uri,
                                  const char *key, const char *value, const char *state)
{
    struct fg_buf b;
    fg_buf_init(&b, 16384);
    enum fg_status st = fg_buf_append_c(&b, redirect_uri);
    if (st == FG_OK)
        st = fg_buf_printf(&b, "%c%s=", strchr(redirect_uri, '?') ? '&' : '?', key);
    if (st == FG_OK)
        st = fg_buf_append_url_encoded(&b, fg_str_c(value));
    if (st == FG_OK && state) {
        st = fg_buf_append_c(&b, "&state=");
        if (st == FG_OK)
            st = fg_buf_append_url_encoded(&b, fg_str_c(state));
    }
    char *loc = st == FG_OK ? fg_pool_strndup(c->req->pool, b.data, b.len) : NULL;
    fg_buf_cleanup(&b);
    if (!loc)
        return FG_ENOMEM;
    fg_resp_set(c->req, 302, "text/plain; charset=utf-8", fg_str_c(""));
    st = fg_resp_header(c->req, "Location", loc);
    if (st == FG_OK)
        st = fg_resp_header(c->req, "Cache-Control", "no-store");
    return st;
}

enum fg_status authz_set_cookie(struct authz_ctx *c)
{
    return authz_set_cookie_path(c, "/auth");
}

enum fg_status authz_set_cookie_path(struct authz_ctx *c, const char *path)
{
    bool tls = c->req->srv->cfg.tls_cert[0] != '\0';
    char *v = fg_pool_printf(c->req->pool, "%s=%s; Path=%s; HttpOnly; SameSite=Lax%s",
                             FG_AUTHZ_COOKIE, c->session_id, path, tls ? "; Secure" : "");
    return v ? fg_resp_header(c->req, "Set-Cookie", v) : FG_ENOMEM;
}

/* The request's scopes narrowed to what the client may have, canonical. */
static enum fg_status narrow_scopes(struct fg_str requested, const char *allowed, char **out,
                                    struct fg_pool *pool)
{
    struct smart_scopes req, allow, both;
    struct fg_buf b;
    smart_scopes_init(&req);
    smart_scopes_init(&allow);
    smart_scopes_init(&both);
    fg_buf_init(&b, FG_MAX_SCOPE_BYTES);
    enum fg_status st = smart_scopes_parse(requested, &req, NULL);
    if (st == FG_OK && smart_scopes_parse(fg_str_c(allowed ? allowed : ""), &allow, NULL) != FG_OK)
        st = FG_EIO;
    if (st == FG_OK)
        st = smart_scopes_intersect(&req, &allow, &both);
    if (st == FG_OK && both.n == 0)
        st = FG_EINVAL;
    if (st == FG_OK)
        st = smart_scopes_write(&both, &b);
    if (st == FG_OK && !(*out = fg_pool_strndup(pool, b.data, b.len)))
        st = FG_ENOMEM;
    fg_buf_cleanup(&b);
    smart_scopes_cleanup(&req);
    smart_scopes_cleanup(&allow);
    smart_scopes_cleanup(&both);
    return st;
}

static char *pool_cstr(struct authz_ctx *c, struct fg_str s)
{
    return fg_pool_strndup(c->req->pool, s.ptr ? s.ptr : "", s.ptr ? s.len : 0);
}

/* aud must be our FHIR base URL (one trailing '/' tolerated). */
static bool aud_ok(struct authz_ctx *c, struct fg_str aud)
{
    const char *base = fg_req_base_url(c->req);
    if (aud.len && aud.ptr[aud.len - 1] == '/')
        aud.len--;
    return base && fg_str_eq_c(aud, base);
}

static bool duplicated(const struct authz_ctx *c)
{
    static const char *const once[] = {"client_id", "redirect_uri", "response_type", "state",
                                       "aud", "scope", "code_challenge",
                                       "code_challenge_method", "nonce", "launch"};
    for (size_t i = 0; i < sizeof once / sizeof once[0]; i++)
        if (authz_param_count(c, once[i]) > 1)
            return true;
    return false;
}

/* Checks after the redirect_uri is trusted: the error to send back, or NULL. */
static const char *app_error(struct authz_ctx *c, const char *client_scopes, char **scopes)
{
    struct fg_str state = authz_param(c, "state");
    if (!fg_str_eq_c(authz_param(c, "response_type"), "code"))
        return "unsupported_response_type";
    if (duplicated(c) || state.len == 0 || state.len > FG_AUTHZ_MAX_STATE ||
        authz_param(c, "nonce").len > FG_AUTHZ_MAX_NONCE)
        return "invalid_request";
    if (!aud_ok(c, authz_param(c, "aud")))
        return "invalid_request";
    if (smart_pkce_check_request(authz_param(c, "code_challenge_method"),
                                 authz_param(c, "code_challenge"), NULL) != FG_OK)
        return "invalid_request";
    enum fg_status st = narrow_scopes(authz_param(c, "scope"), client_scopes, scopes, c->req->pool);
    if (st == FG_EINVAL)
        return "invalid_scope";
    return st == FG_OK ? NULL : "server_error";
}

enum fg_status authz_ensure_session(struct authz_ctx *c)
{
    if (c->have_session)
        return FG_OK;
    enum fg_status st = smart_authdb_session_create(c->db, FG_STR_NULL, c->session_id, &c->session);
    if (st != FG_OK)
        return st;
    c->have_session = true;
    return authz_set_cookie(c);
}

static enum fg_status store_request(struct authz_ctx *c, const struct smart_client *cl,
                                    char *scopes, const struct smart_launch *launch)
{
    struct smart_authz_request r;
    memset(&r, 0, sizeof r);
    enum fg_status st = authz_ensure_session(c);
    if (st != FG_OK)
        return st;
    memcpy(r.session_digest, c->session.digest, sizeof r.session_digest);
    memcpy(r.client_id, cl->client_id, sizeof r.client_id);
    struct fg_str ch = authz_param(c, "code_challenge"), nonce = authz_param(c, "nonce");
    memcpy(r.code_challenge, ch.ptr, SMART_PKCE_CHALLENGE_LEN);
    r.redirect_uri = pool_cstr(c, authz_param(c, "redirect_uri"));
    r.state = pool_cstr(c, authz_param(c, "state"));
    r.scopes = scopes;
    r.nonce = nonce.len ? pool_cstr(c, nonce) : NULL;
    r.launch_account = launch->account_id;
    memcpy(r.patient_id, launch->patient_id, sizeof r.patient_id);
    memcpy(r.encounter_id, launch->encounter_id, sizeof r.encounter_id);
    memcpy(r.fhir_context, launch->fhir_context, sizeof r.fhir_context);
    if (!r.redirect_uri || !r.state)
        return FG_ENOMEM;
    st = smart_authdb_authzreq_add(c->db, &r);
    if (st != FG_OK)
        return st;
    char *loc = fg_pool_printf(c->req->pool, "%s?req=%s", FG_AUTHZ_PATH, r.id);
    return loc ? authz_see_other(c, loc) : FG_ENOMEM;
}

enum fg_status authz_start(struct authz_ctx *c)
{
    struct smart_client cl;
    struct fg_str client_id = authz_param(c, "client_id");
    struct fg_str redirect = authz_param(c, "redirect_uri");
    bool ok = false;
    struct fg_audit_who who = {.account_id = c->session.account_id};
    if (authz_param_count(c, "client_id") != 1 ||
        smart_authdb_client_get(c->db, client_id, &cl) != FG_OK) {
        fg_audit_auth_event(c->req, SMART_AUDIT_AUTHORIZE, 400, &who);
        return authz_page_error(c, 400, FG_MSG_ERR_CLIENT);
    }
    enum fg_status st = FG_OK;
    if (authz_param_count(c, "redirect_uri") != 1 ||
        smart_authdb_client_redirect_ok(c->db, client_id, redirect, &ok) != FG_OK || !ok) {
        st = authz_page_error(c, 400, FG_MSG_ERR_REDIRECT);
        goto out;
    }
    char *scopes = NULL;
    struct smart_launch launch;
    memset(&launch, 0, sizeof launch);
    const char *error = app_error(c, cl.scopes, &scopes);
    if (!error)
        error = authz_launch_take(c, cl.client_id, scopes, &launch);
    char *state = pool_cstr(c, authz_param(c, "state"));
    char *uri = pool_cstr(c, redirect);
    if (!state || !uri) {
        st = FG_ENOMEM;
        goto out;
    }
    if (error)
        st = authz_redirect_app(c, uri, "error", error, state[0] ? state : NULL);
    else
        st = store_request(c, &cl, scopes, &launch);
out:
    /* the outcome: 303 on to sign-in, 400 for a refused request (also when
     * the refusal is a redirect back to the app) */
    who.client_id = cl.client_id;
    fg_audit_auth_event(c->req, SMART_AUDIT_AUTHORIZE,
                        st == FG_OK && c->req->resp.status == 303 ? 303 : 400, &who);
    smart_client_cleanup(&cl);
    return st;
}
