/* authz.h - GET/POST /auth/authorize: the SMART App Launch authorize
 * endpoint and its pages (sign-in, patient picker, consent).
 *
 * A first request carrying client_id is validated (authz_request.c):
 * unknown client or redirect_uri → an error page, never a redirect; the
 * other errors go back to the app (RFC 6749 §4.1.2.1). A valid request is
 * kept in the auth database (smart/authdb_sessions.h) and the browser is
 * sent to /auth/authorize?req=ID, whose pages (authz_pages.c) carry only
 * that id and the session's CSRF token. The page actions (authz_flow.c):
 * action=signin, pick, allow, deny. A request with launch= is an EHR
 * launch (authz_launch.c): the launch fixes user, patient and encounter.
 * https://hl7.org/fhir/smart-app-launch/app-launch.html#obtain-authorization-code
 */
#ifndef FG_AUTHZ_H
#define FG_AUTHZ_H

#include "../smart/authdb_grants.h"
#include "../smart/authdb_launch.h"
#include "../smart/authdb_sessions.h"
#include "../smart/scope.h"
#include "http.h"
#include "i18n.h"

#define FG_AUTHZ_COOKIE "fg_sid"
#define FG_AUTHZ_PATH "/auth/authorize"
#define FG_AUTHZ_MAX_STATE 1024
#define FG_AUTHZ_MAX_NONCE 1024 /* stored with the request and the code, echoed in the id_token */
#define FG_AUTHZ_MAX_PATIENTS 32

/* Route handlers (gateway/routes.c). @test tests/integration/smart-authorize.test.mjs */
enum fg_status fg_authz_get(struct fg_req *req);
enum fg_status fg_authz_post(struct fg_req *req);

/* One request's state while a handler runs (internal to the authz_*.c files). */
struct authz_ctx {
    struct fg_req *req;
    struct smart_authdb *db;       /* borrowed from the pool for the request */
    struct fhir_kv *params;        /* query (GET) or form (POST) pairs */
    size_t n_params;
    enum fg_lang lang;
    bool have_session;
    struct smart_session session;
    char session_id[SMART_TOKEN_SIZE]; /* the cookie value when known */
    char grant_id[SMART_GRANT_ID_SIZE]; /* the grant "allow" stored (for the audit) */
};

struct authz_patient {
    char id[SMART_MAX_PATIENT_ID + 1];
    const char *name; /* pool-owned display name */
    bool self;
};

/* authz_request.c */
struct fg_str authz_param(const struct authz_ctx *c, const char *name);
size_t authz_param_count(const struct authz_ctx *c, const char *name);
/* The CSRF check of a form POST (authz_csrf.h): a browser session and
 * exactly one "csrf" field, equal to the session's token. */
bool authz_csrf_ok(const struct authz_ctx *c);
/* Validates a new authorize request and answers it (redirect to the
 * request's page, an error redirect to the app, or an error page). */
enum fg_status authz_start(struct authz_ctx *c);
/* A redirect to the app: redirect_uri + error or code, + state. */
enum fg_status authz_redirect_app(struct authz_ctx *c, const char *redirect_uri,
                                  const char *key, const char *value, const char *state);
/* 303 to a server-relative location. */
enum fg_status authz_see_other(struct authz_ctx *c, const char *location);
/* Reuses the browser's session or starts one (and sets its cookie). */
enum fg_status authz_ensure_session(struct authz_ctx *c);
/* Sets the session cookie (Secure under TLS) for /auth, or for path. */
enum fg_status authz_set_cookie(struct authz_ctx *c);
enum fg_status authz_set_cookie_path(struct authz_ctx *c, const char *path);

/* authz_flow.c: the session cookie, the page language, sign-in (shared
 * with the linked-apps, wearables and sign-up pages). */
/* Reads the fg_sid cookie's session (c->have_session, c->session). */
void authz_load_session(struct authz_ctx *c);
/* The page language: Accept-Language < the session's < "lang=" (saved in the session). */
void authz_pick_lang(struct authz_ctx *c);
/* Checks the form's username and password under the lockout rules and
 * audits the outcome. FG_MSG_COUNT on success (*account_id set), else the
 * message to show (FG_MSG_BAD_CREDENTIALS, FG_MSG_LOCKED, FG_MSG_ERR_INTERNAL). */
enum fg_msg authz_signin_verify(struct authz_ctx *c, const char *client_id, int64_t *account_id);
/* The patients the signed-in account may act for: its own record first,
 * then proxies in force (names from the record store). Returns how many. */
size_t authz_patients_for(struct authz_ctx *c, struct authz_patient *out);
/* A client's display name / a patient's name (pool-owned; the id when unknown). */
const char *authz_client_name(struct authz_ctx *c, const char *client_id);
const char *authz_patient_name(struct authz_ctx *c, const char *id);
/* Signs the session in as account_id under a new id and sets the cookie. */
enum fg_status authz_signin_rotate(struct authz_ctx *c, int64_t account_id);

/* authz_launch.c: the EHR launch (see the file's comment). */
/* Takes the request's launch (FG_OK fills out) or, without one, drops the
 * `launch` scope from scopes (in place). The OAuth error to send back, or
 * NULL: invalid_scope (launch without the launch scope, or nothing left),
 * invalid_request (unknown, expired, used or another client's launch). */
const char *authz_launch_take(struct authz_ctx *c, const char *client_id, char *scopes,
                              struct smart_launch *out);
/* The page of a launched request: sign-in (again, when another user is
 * signed in), or the consent for the launch's patient. */
enum fg_status authz_launch_step(struct authz_ctx *c, const struct smart_authz_request *r);
/* True when the browser is signed in as the launch's user and may open its patient. */
bool authz_launch_ready(struct authz_ctx *c, const struct smart_authz_request *r);

/* authz_pages.c */
/* The shell shared by every page (also /auth/apps, /account/signup): begin opens it
 * (switch_href as in fg_html_page_start), finish closes it and sends it
 * with status and the no-store / no-frame / CSP headers. */
enum fg_status authz_page_begin(struct authz_ctx *c, struct fg_buf *b, enum fg_msg title,
                                const char *switch_href);
enum fg_status authz_page_finish(struct authz_ctx *c, int status, struct fg_buf *b,
                                 enum fg_status st);
/* The user name and password fields and the sign-in button, closing the
 * form the caller opened (with its hidden fields). */
enum fg_status authz_signin_fields(struct authz_ctx *c, struct fg_buf *b);
/* <p> (class cls: "err" is an alert, else a note; NULL = plain) with escaped text. */
enum fg_status authz_para(struct fg_buf *b, const char *cls, const char *text);
enum fg_status authz_page_error(struct authz_ctx *c, int status, enum fg_msg msg);
/* Sets c up for a page request: parameters from the query or, for a POST,
 * from the form body (at most max_pairs pairs); the auth database
 * connection (c->db, released by the caller as before), the browser
 * session and the language. *answered false: go on (FG_OK). *answered
 * true: the request is already answered and the return value is its
 * status (no authorization server: 404; a form that does not parse: the
 * 400 page). */
enum fg_status authz_ctx_begin(struct authz_ctx *c, struct fg_req *req, bool post,
                               size_t max_pairs, bool *answered);
/* Ends what authz_ctx_begin set up: gives the auth database connection back
 * and, when st failed before anything was answered, answers the 500 page.
 * Returns the request's status. */
enum fg_status authz_ctx_end(struct authz_ctx *c, enum fg_status st);
enum fg_status authz_page_signin(struct authz_ctx *c, const struct smart_authz_request *r,
                                 const char *client_name, enum fg_msg notice);
enum fg_status authz_page_picker(struct authz_ctx *c, const struct smart_authz_request *r,
                                 const struct authz_patient *pts, size_t n, bool show_required);
enum fg_status authz_page_consent(struct authz_ctx *c, const struct smart_authz_request *r,
                                  const char *client_name, const char *patient_name,
                                  bool show_nothing_chosen);

#endif
