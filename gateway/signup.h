/* signup.h - GET/POST /account/signup: a patient creates their own portal
 * account with an activation code from staff (portal-rules.md "Accounts").
 *
 * The page (HTML without JavaScript, en/es, same shell as the sign-in
 * pages) asks for the code, a user name, and the password twice. The form
 * carries the browser session's CSRF token (cookie fg_sid, Path=/account).
 * A POST checks, in order: CSRF; the password rules and the repetition
 * (before the code, so a typo does not burn it); then, in one write
 * transaction, consumes the code, checks the patient is own_account_min_age
 * (13) or older today and has no own account yet, and creates the account
 * linked to the patient. Any
 * refusal after the code was consumed rolls it back. An invalid, used and
 * expired code all get the same answer. Statuses: 200 form / done, 400 a
 * rule or code refusal, 403 CSRF, 409 user name taken or the patient already
 * has an account.
 */
#ifndef FG_SIGNUP_H
#define FG_SIGNUP_H

#include "http.h"

#define FG_SIGNUP_PATH "/account/signup"

/* Route handlers. @test tests/integration/portal-signup.test.mjs */
enum fg_status fg_signup_get(struct fg_req *req);
enum fg_status fg_signup_post(struct fg_req *req);

#endif
