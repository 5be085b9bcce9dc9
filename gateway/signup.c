/* signup.c - /account/signup (see signup.h). */
#include "signup.h"

#include <openssl/crypto.h>
#include <string.h>

#include "../smart/authdb_accounts.h"
#include "../smart/authdb_activation.h"
#include "../smart/password.h"
#include "auth.h"
#include "authz.h"
#include "authz_html.h"
#include "config.h"
#include "portal.h"

#define SIGNUP_FORM_PAIRS 16

static const enum fg_msg rule_msgs[] = {
    [SMART_RULE_USERNAME_LENGTH] = FG_MSG_RULE_USERNAME_LENGTH,
    [SMART_RULE_USERNAME_CHARS] = FG_MSG_RULE_USERNAME_CHARS,
    [SMART_RULE_PASSWORD_SHORT] = FG_MSG_RULE_PASSWORD_SHORT,
    [SMART_RULE_PASSWORD_LONG] = FG_MSG_RULE_PASSWORD_LONG,
    [SMART_RULE_PASSWORD_NO_UPPER] = FG_MSG_RULE_PASSWORD_NO_UPPER,
    [SMART_RULE_PASSWORD_NO_LOWER] = FG_MSG_RULE_PASSWORD_NO_LOWER,
    [SMART_RULE_PASSWORD_NO_DIGIT_OR_SYMBOL] = FG_MSG_RULE_PASSWORD_NO_DIGIT_OR_SYMBOL,
    [SMART_RULE_PASSWORD_HAS_USERNAME] = FG_MSG_RULE_PASSWORD_HAS_USERNAME,
};

/* The form page; notice FG_MSG_COUNT = none. The user name typed is kept. */
static enum fg_status page_form(struct authz_ctx *c, int status, enum fg_msg notice)
{
    struct fg_buf b;
    enum fg_status st = authz_page_begin(c, &b, FG_MSG_SIGNUP_TITLE, FG_SIGNUP_PATH "?");
    if (st == FG_OK && notice != FG_MSG_COUNT)
        st = authz_para(&b, "err", fg_i18n(c->lang, notice));
    if (st == FG_OK)
        st = authz_para(&b, NULL, fg_i18n(c->lang, FG_MSG_SIGNUP_INTRO));
    if (st == FG_OK)
        st = fg_buf_printf(&b, "<form method=\"post\" action=\"%s\">", FG_SIGNUP_PATH);
    if (st == FG_OK)
        st = fg_html_hidden(&b, "csrf", c->session.csrf);
    if (st == FG_OK)
        st = fg_buf_printf(&b,
                           "<label for=\"code\">%s</label><input type=\"text\" id=\"code\" "
                           "name=\"code\" autocomplete=\"off\" required maxlength=\"%d\" "
                           "autofocus><label for=\"username\">%s</label><input type=\"text\" "
                           "id=\"username\" name=\"username\" autocomplete=\"username\" required "
                           "maxlength=\"64\" value=\"",
                           fg_i18n(c->lang, FG_MSG_ACTIVATION_CODE), SMART_ACTIVATION_INPUT_MAX,
                           fg_i18n(c->lang, FG_MSG_USERNAME));
    if (st == FG_OK)
        st = fg_html_escape(&b, authz_param(c, "username"));
    if (st == FG_OK)
        st = fg_buf_printf(&b,
                           "\"><label for=\"password\">%s</label><input type=\"password\" "
                           "id=\"password\" name=\"password\" autocomplete=\"new-password\" "
                           "required maxlength=\"1024\"><label for=\"password2\">%s</label>"
                           "<input type=\"password\" id=\"password2\" name=\"password2\" "
                           "autocomplete=\"new-password\" required maxlength=\"1024\">",
                           fg_i18n(c->lang, FG_MSG_PASSWORD),
                           fg_i18n(c->lang, FG_MSG_PASSWORD_REPEAT));
    if (st == FG_OK)
        st = authz_para(&b, "note", fg_i18n(c->lang, FG_MSG_SIGNUP_RULES));
    if (st == FG_OK)
        st = fg_buf_printf(&b, "<button type=\"submit\">%s</button></form>",
                           fg_i18n(c->lang, FG_MSG_SIGNUP_BUTTON));
    return authz_page_finish(c, status, &b, st);
}

static enum fg_status page_done(struct authz_ctx *c)
{
    struct fg_buf b;
    enum fg_status st = authz_page_begin(c, &b, FG_MSG_SIGNUP_DONE_TITLE, NULL);
    if (st == FG_OK)
        st = authz_para(&b, "note", fg_i18n(c->lang, FG_MSG_SIGNUP_DONE));
    return authz_page_finish(c, 200, &b, st);
}

/* The browser session (created when missing) that holds the CSRF token. */
static enum fg_status ensure_session(struct authz_ctx *c)
{
    if (c->have_session)
        return FG_OK;
    enum fg_status st = smart_authdb_session_create(c->db, FG_STR_NULL, c->session_id,
                                                    &c->session);
    if (st != FG_OK)
        return st;
    c->have_session = true;
    return authz_set_cookie_path(c, "/account");
}

/* Consumes the code and creates the account, all or nothing. *notice
 * gets the refusal to show (FG_MSG_COUNT on success); *status its code. */
static enum fg_status create_account(struct authz_ctx *c, const char *hash, enum fg_msg *notice,
                                     int *status)
{
    char patient[SMART_MAX_PATIENT_ID + 1];
    struct smart_portal_settings s;
    struct fg_str birth = FG_STR_NULL, code = authz_param(c, "code");
    int64_t id = 0;
    int age = 0;
    fg_portal_settings(c->req->srv, &s);
    *notice = FG_MSG_COUNT;
    *status = 400;
    enum fg_status st = smart_authdb_begin_write(c->db);
    if (st != FG_OK)
        return st;
    st = smart_authdb_activation_consume(c->db, code, patient);
    if (st == FG_ENOTFOUND)
        *notice = FG_MSG_SIGNUP_BAD_CODE;
    if (st == FG_OK && smart_authdb_account_for_patient(c->db, fg_str_c(patient), &id) == FG_OK) {
        *notice = FG_MSG_SIGNUP_HAS_ACCOUNT; /* one own account per patient */
        *status = 409;
        st = FG_ECONFLICT;
    }
    if (st == FG_OK)
        st = fg_portal_birth_date(c->req->srv, c->req->pool, fg_str_c(patient), &birth);
    if (st == FG_OK && (smart_portal_age(birth, smart_portal_today(&s, fg_clock_now_us(
                                                       &c->req->srv->clock)), &age) != FG_OK ||
                        age < s.own_account_min_age)) {
        *notice = FG_MSG_SIGNUP_TOO_YOUNG; /* an unknown age is not known to be 13 */
        st = FG_EFORBIDDEN;
    }
    if (st == FG_OK) {
        st = smart_authdb_account_add(c->db, authz_param(c, "username"), hash, fg_str_c(patient),
                                      &id);
        if (st == FG_ECONFLICT) {
            *notice = FG_MSG_SIGNUP_TAKEN;
            *status = 409;
        }
    }
    if (st == FG_OK)
        st = smart_authdb_activation_set_account(c->db, code, id);
    if (st == FG_OK)
        st = smart_authdb_commit(c->db);
    if (st != FG_OK)
        smart_authdb_rollback(c->db);
    return st;
}

static enum fg_status do_post(struct authz_ctx *c)
{
    struct smart_password_rules rules = SMART_PASSWORD_RULES_DEFAULT;
    char hash[SMART_PASSWORD_HASH_MAX];
    struct fg_str user = authz_param(c, "username"), pw = authz_param(c, "password"),
                  pw2 = authz_param(c, "password2");
    enum fg_msg notice = FG_MSG_COUNT;
    int status = 400;
    if (!authz_csrf_ok(c))
        return authz_page_error(c, 403, FG_MSG_ERR_CSRF);
    enum smart_rule r = smart_username_check(&rules, user);
    if (r == SMART_RULE_OK)
        r = smart_password_check(&rules, pw, user);
    if (r != SMART_RULE_OK)
        return page_form(c, 400, rule_msgs[r]);
    if (!smart_secret_eq(pw, pw2))
        return page_form(c, 400, FG_MSG_SIGNUP_MISMATCH);
    if (smart_password_hash(pw, hash) != FG_OK)
        return authz_page_error(c, 500, FG_MSG_ERR_INTERNAL);
    enum fg_status st = create_account(c, hash, &notice, &status);
    OPENSSL_cleanse(hash, sizeof hash);
    if (st == FG_OK)
        return page_done(c);
    if (notice != FG_MSG_COUNT)
        return page_form(c, status, notice);
    return authz_page_error(c, 500, FG_MSG_ERR_INTERNAL);
}

static enum fg_status handle(struct fg_req *req, bool post)
{
    struct authz_ctx c;
    bool answered;
    enum fg_status begun = authz_ctx_begin(&c, req, post, SIGNUP_FORM_PAIRS, &answered);
    if (answered)
        return begun;
    enum fg_status st;
    if (post) {
        st = do_post(&c);
    } else {
        st = ensure_session(&c);
        st = st == FG_OK ? page_form(&c, 200, FG_MSG_COUNT)
                         : authz_page_error(&c, 500, FG_MSG_ERR_INTERNAL);
    }
    fg_auth_release(req->srv->auth, c.db);
    return st;
}

enum fg_status fg_signup_get(struct fg_req *req)
{
    return handle(req, false);
}

enum fg_status fg_signup_post(struct fg_req *req)
{
    return handle(req, true);
}
